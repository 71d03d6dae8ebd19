"""Drives serverless-guide with the official MCP Python SDK client (PyPI `mcp`).

Usage: python_client.py MODE TRANSPORT TARGET [ARGS...]
  MODE       auto | legacy | 2026-07-28
  TRANSPORT  stdio (TARGET = binary, ARGS = its arguments) | http (TARGET = URL) | sse (TARGET = URL)
Checks the negotiated version against EXPECT_VERSION, lists the tools, and calls every tool with
valid arguments (and one with invalid ones). Exits non-zero on any mismatch.
"""

import asyncio
import json
import os
import sys

from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client

# Arguments for each tool we know; a tool not listed here makes the run fail,
# so a new tool cannot slip through untested.
CALLS = {
    "search_guidance": {"query": "orchestrate with state machines instead of chaining functions", "limit": 3},
    "read_guidance": None,  # filled from the search result
    "list_guidance": {"category": "reliability"},
    "review_code": {"code": "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n", "language": "python"},
    "explain_rule": None,  # filled from review_code or the rule list
    "list_scaffolds": {},
    "scaffold_pattern": {"pattern": "sqs-lambda-worker", "language": "typescript"},
}


def fail(msg: str) -> None:
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


async def main() -> None:
    mode, kind, target, *rest = sys.argv[1:]
    if kind == "stdio":
        server = StdioServerParameters(command=target, args=rest)
    elif kind == "http":
        server = target
    elif kind == "sse":
        server = sse_client(target)
    else:
        fail(f"unknown transport {kind}")
    async with Client(server, mode=mode) as client:
        version = str(client.protocol_version)
        expect = os.environ.get("EXPECT_VERSION") or None
        print(f"{kind} mode={mode}: negotiated {version}")
        if expect and version != expect:
            fail(f"expected protocol {expect}, got {version}")
        tools = (await client.list_tools()).tools
        names = [t.name for t in tools]
        print(f"  {len(names)} tools: {', '.join(names)}")
        for t in tools:
            if t.name not in CALLS:
                fail(f"tool {t.name} has no test call in python_client.py")
            if t.output_schema is None:
                fail(f"tool {t.name} has no outputSchema")
        rule_id = None
        top_uri = None
        for name in names:
            args = CALLS[name]
            if name == "read_guidance":
                args = {"uri": top_uri or "guide://idempotency", "max_chars": 2000}
            if name == "explain_rule":
                args = {"rule_id": rule_id or "sqs-queue-without-dlq"}
            res = await client.call_tool(name, args)
            if res.is_error:
                fail(f"{name}({json.dumps(args)[:80]}) returned an error: {res.content}")
            sc = res.structured_content
            if not isinstance(sc, dict):
                fail(f"{name} returned no structuredContent")
            if name == "search_guidance":
                if not sc["results"]:
                    fail("search returned nothing")
                top_uri = sc["results"][0]["uri"]
            if name == "review_code" and sc.get("findings"):
                rule_id = sc["findings"][0]["rule_id"]
            print(f"  {name}: ok ({', '.join(sorted(sc.keys()))})")
        bad = await client.call_tool("read_guidance", {"uri": "guide://no-such-document"})
        if not bad.is_error:
            fail("reading an unknown document must be a tool error")
        print("  unknown uri: isError as expected")


if __name__ == "__main__":
    asyncio.run(main())

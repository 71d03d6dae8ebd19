#!/usr/bin/env python3
"""Soak test of the HTTP server under load while its knowledge is rewritten (issue 10, item 5).

Called by scripts/soak.sh; standard library only. It

  * starts `serve --transport http --stateless --knowledge TMP --watch` on a free
    127.0.0.1 port, with a team knowledge directory of a few guide documents;
  * sends N mixed MCP requests (default 100,000) from C threads (default 32), each on
    one persistent keep-alive connection: tools/call search_guidance (varied queries and
    filters), read_guidance (built-in documents only), list_guidance, review_code (small
    snippets), explain_rule, resources/read (built-in and the never-removed team
    documents) and tools/list, all as stateless MCP 2026-07-28 requests (per-request
    `_meta`, `Mcp-Method`/`Mcp-Name` headers, no session);
  * meanwhile, every second, edits a team document, adds a new one and removes one it
    added earlier, each by writing a hidden temp file and renaming it into place;
  * samples the server's VmRSS (/proc/PID/status) every 50 ms;
  * counts failures: HTTP status != 200, JSON-RPC errors, isError tool results, wrong or
    truncated content, timeouts and connection errors.

Before the measured run, a warm-up phase sends the same mix (20,000 requests, then more in
steps of 5,000 until the server has logged 20 reloads) so that allocator arenas, caches and
connection buffers reach their working size; its requests must not fail either. It passes
(exit 0) when no request failed, the mean RSS over the last 10 % of the measured requests is
within +-10 % of the mean over their first 10 %, and after the load the server serves the
last edit. Exit 1
otherwise, 2 on a usage or set-up error, 130 on Ctrl-C. The server gets SIGTERM and the
temporary directory is removed in every case (--keep keeps it, with the server log).
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOCOL = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "serverless-guide-soak", "version": "1.0.0"},
}
END_MARKER = "soak-end-of-document"

# --------------------------------------------------------------------------- requests

QUERIES = [
    "sqs dlq",
    "how do I make my lambda idempotent when sqs delivers a message twice",
    "partial batch response kinesis",
    "reduce cold start latency",
    "step functions saga compensation",
    "eventbridge rule retry policy and dead letter queue",
    "least privilege iam role for lambda",
    "structured logging correlation id",
    "api gateway throttling and usage plans",
    "SFN vs chaining lambdas",
    "fifo queue ordering message group id",
    "dynamodb streams event sourcing",
    "canary deployment with codedeploy",
    "secrets manager rotation lambda",
    "x-ray tracing across sns and sqs",
    "provisioned concurrency cost",
    "fan out sns to several sqs queues",
    "visibility timeout six times the function timeout",
    "poison message",
    "exactly once delivery",
    "choose between sqs sns eventbridge kinesis",
    "cdk pipelines multi account",
    "circuit breaker downstream api",
    "lambda memory tuning power tuning",
    "idempotency token powertools",
    "retry with exponential backoff and jitter",
    "schema registry event contracts versioning",
    "kms encryption at rest for queues",
    "alarm on dlq depth",
    "soak zebra marker",             # matches the team documents
    "churn document quokka",         # matches the documents added and removed
    "reliability",
    "a",
    "\"dead letter\" AND (lambda OR sqs)",
    "lambda:timeout~2 [broken query",
]
CATEGORIES = ["principles", "event-driven", "serverless", "reliability", "security",
              "observability", "performance", "deployment"]
SERVICES = ["lambda", "sqs", "sns", "eventbridge", "step-functions", "dynamodb", "kinesis",
            "api-gateway", "iam", "cloudwatch", "cdk", "s3"]
RULES = [
    "sqs-queue-without-dlq", "eventbridge-target-without-dlq", "lambda-default-timeout",
    "lambda-default-memory", "sdk-client-in-handler", "hardcoded-credential",
    "iam-wildcard-permissions", "batch-without-partial-failure", "recursive-loop-allowed",
    "sns-subscription-without-dlq", "log-group-without-retention", "aws-sdk-v2-import",
]
SNIPPETS = [
    ("handler.py", "import boto3\n\ndef handler(event, context):\n"
     "    s3 = boto3.client('s3')\n    for r in event['Records']:\n"
     "        s3.put_object(Bucket='b', Key=r['messageId'], Body=r['body'])\n"),
    ("handler.py", "import time\n\ndef handler(event, context):\n    time.sleep(30)\n"
     "    return {'ok': True}\n"),
    ("handler.ts", "import { DynamoDB } from 'aws-sdk';\n"
     "export const handler = async (event: any) => {\n  const db = new DynamoDB();\n"
     "  return { statusCode: 200 };\n};\n"),
    ("stack.ts", "import * as lambda from 'aws-cdk-lib/aws-lambda';\n"
     "new lambda.Function(this, 'Fn', {\n  runtime: lambda.Runtime.NODEJS_20_X,\n"
     "  handler: 'index.handler',\n  code: lambda.Code.fromAsset('src'),\n});\n"),
    ("stack.py", "from aws_cdk import aws_sqs as sqs\n\n"
     "queue = sqs.Queue(self, 'Orders')\n"),
    ("template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
     "  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 10\n"),
    ("template.json", json.dumps({"Resources": {"Fn": {"Type": "AWS::Lambda::Function",
                                  "Properties": {"Runtime": "python3.12",
                                                 "Handler": "app.handler",
                                                 "Code": {"ZipFile": "x"}}}}})),
    ("ok.py", "def handler(event, context):\n    return {'statusCode': 200}\n"),
]

# Request kinds and their share of the mix.
MIX = [
    ("search_guidance", 30),
    ("read_guidance", 12),
    ("resources/read", 16),
    ("list_guidance", 8),
    ("review_code", 12),
    ("explain_rule", 10),
    ("tools/list", 12),
]


class Plan:
    """What the workers may ask for (built-in ids come from the server at start)."""

    def __init__(self, builtin_ids, team_ids):
        self.builtin_ids = builtin_ids
        self.team_ids = team_ids
        kinds, weights = zip(*MIX)
        self.kinds = kinds
        self.cum = []
        total = 0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng):
        x = rng.random() * self.total
        for kind, c in zip(self.kinds, self.cum):
            if x < c:
                return kind
        return self.kinds[-1]

    def build(self, kind, rng):
        """(method, Mcp-Name header or None, params, check) for one request."""
        if kind == "tools/list":
            return "tools/list", None, {}, check_tools_list
        if kind == "resources/read":
            if rng.random() < 0.3:
                doc = rng.choice(self.team_ids)
                uri = f"guide://{doc}"
                return "resources/read", uri, {"uri": uri}, check_team_read(doc)
            uri = f"guide://{rng.choice(self.builtin_ids)}"
            return "resources/read", uri, {"uri": uri}, check_resource
        if kind == "search_guidance":
            args = {"query": rng.choice(QUERIES), "limit": rng.randint(1, 8)}
            r = rng.random()
            if r < 0.15:
                args["category"] = rng.choice(CATEGORIES)
            elif r < 0.3:
                args["service"] = rng.choice(SERVICES)
        elif kind == "read_guidance":
            args = {"uri": f"guide://{rng.choice(self.builtin_ids)}",
                    "max_chars": rng.choice([500, 2000, 4000])}
            if rng.random() < 0.3:
                args["offset"] = rng.choice([0, 1000, 3000])
        elif kind == "list_guidance":
            r = rng.random()
            args = {}
            if r < 0.3:
                args["category"] = rng.choice(CATEGORIES)
            elif r < 0.6:
                args["service"] = rng.choice(SERVICES)
        elif kind == "review_code":
            filename, code = rng.choice(SNIPPETS)
            args = {"code": code, "filename": filename}
        elif kind == "explain_rule":
            args = {"rule_id": rng.choice(RULES)}
        else:
            raise ValueError(kind)
        return "tools/call", kind, {"name": kind, "arguments": args}, check_tool


def check_tools_list(result):
    tools = result.get("tools")
    if not isinstance(tools, list) or len(tools) < 5:
        return "tools/list returned no tools"
    return None


def check_tool(result):
    if result.get("isError"):
        text = ""
        for c in result.get("content") or []:
            if c.get("type") == "text":
                text = c.get("text", "")
                break
        return f"isError: {text[:300]}"
    if not result.get("content"):
        return "tool result without content"
    return None


def check_resource(result):
    contents = result.get("contents")
    if not contents or not contents[0].get("text"):
        return "resources/read returned no text"
    return None


def check_team_read(doc):
    def check(result):
        err = check_resource(result)
        if err:
            return err
        text = contents_text(result)
        # Every version of a team document ends with the marker: a missing one means the
        # server read a half-written file.
        if END_MARKER not in text or "soak-version-" not in text:
            return f"{doc}: incomplete document text ({len(text)} chars)"
        return None
    return check


def contents_text(result):
    return "".join(c.get("text", "") for c in result.get("contents") or [])


def headers_for(method, name):
    h = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": PROTOCOL,
        "Mcp-Method": method,
        "Connection": "keep-alive",
    }
    if name is not None:
        h["Mcp-Name"] = name
    return h


def body_for(req_id, method, params):
    p = dict(params)
    p["_meta"] = META
    return json.dumps({"jsonrpc": "2.0", "id": req_id, "method": method, "params": p})


def parse_response(content_type, raw, req_id):
    """The JSON-RPC response with id `req_id` from a JSON or an SSE body."""
    text = raw.decode("utf-8")
    if content_type.startswith("text/event-stream"):
        for event in text.replace("\r\n", "\n").split("\n\n"):
            data = "\n".join(line[5:].lstrip() for line in event.split("\n")
                             if line.startswith("data:"))
            if not data:
                continue
            msg = json.loads(data)
            if isinstance(msg, dict) and msg.get("id") == req_id:
                return msg
        raise ValueError("no response with our id in the event stream")
    msg = json.loads(text)
    if not isinstance(msg, dict) or msg.get("id") != req_id:
        raise ValueError(f"response id {msg.get('id') if isinstance(msg, dict) else '?'} "
                         f"is not {req_id}")
    return msg


# --------------------------------------------------------------------------- one call

class Conn:
    """One keep-alive HTTP connection, reopened after an error."""

    def __init__(self, port, timeout):
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.reconnects = 0

    def call(self, method, name, params, req_id):
        """(status, response dict or None, error kind or None, detail)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", "/mcp", body=body_for(req_id, method, params),
                              headers=headers_for(method, name))
            resp = self.conn.getresponse()
            raw = resp.read()
            status = resp.status
            ctype = resp.getheader("Content-Type", "")
            if resp.will_close:
                self.close()
        except socket.timeout as e:
            self.close()
            return None, None, "timeout", f"no answer within {self.timeout} s ({e})"
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return None, None, "connection", f"{type(e).__name__}: {e}"
        if status != 200:
            return status, None, f"http-{status}", raw[:300].decode("utf-8", "replace")
        try:
            msg = parse_response(ctype, raw, req_id)
        except (ValueError, UnicodeDecodeError) as e:
            return status, None, "bad-body", f"{e}: {raw[:200]!r}"
        return status, msg, None, ""

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None
            self.reconnects += 1


# --------------------------------------------------------------------------- load

class Load:
    def __init__(self, port, plan, total, clients, timeout, seed):
        self.port = port
        self.plan = plan
        self.total = total
        self.clients = clients
        self.timeout = timeout
        self.seed = seed
        self.next_lock = threading.Lock()
        self.next_index = 0
        self.done = [0] * clients          # per-thread counts, summed by the RSS sampler
        self.latencies = [[] for _ in range(clients)]
        self.kind_latencies = {}
        self.by_kind = {}
        self.fail_lock = threading.Lock()
        self.failures = {}                 # (kind, reason) -> count
        self.examples = []                 # first failures, in full
        self.reconnects = 0
        self.stop = threading.Event()
        self.t0 = None

    def take(self):
        with self.next_lock:
            if self.next_index >= self.total or self.stop.is_set():
                return None
            i = self.next_index
            self.next_index += 1
            return i

    def fail(self, kind, reason, detail, req_id):
        with self.fail_lock:
            key = (kind, reason)
            self.failures[key] = self.failures.get(key, 0) + 1
            if len(self.examples) < 15:
                self.examples.append((time.monotonic() - self.t0, kind, reason, req_id,
                                      detail[:400]))

    def worker(self, slot):
        rng = random.Random(self.seed * 1000 + slot)
        conn = Conn(self.port, self.timeout)
        lat = self.latencies[slot]
        kind_lat = {}
        kind_count = {}
        req_id = slot * 10_000_000
        while True:
            i = self.take()
            if i is None:
                break
            req_id += 1
            kind = self.plan.pick(rng)
            method, name, params, check = self.plan.build(kind, rng)
            started = time.perf_counter()
            status, msg, err, detail = conn.call(method, name, params, req_id)
            elapsed = time.perf_counter() - started
            lat.append(elapsed)
            kind_lat.setdefault(kind, []).append(elapsed)
            kind_count[kind] = kind_count.get(kind, 0) + 1
            if err is None:
                if "error" in msg:
                    e = msg["error"]
                    err = f"jsonrpc-{e.get('code')}"
                    detail = str(e.get("message"))[:300]
                elif not isinstance(msg.get("result"), dict):
                    err, detail = "no-result", json.dumps(msg)[:300]
                else:
                    problem = check(msg["result"])
                    if problem:
                        err = "isError" if problem.startswith("isError") else "bad-content"
                        detail = problem
            if err is not None:
                what = f"{kind} {json.dumps(params.get('arguments', params))[:120]}"
                self.fail(kind, err, f"{what}: {detail}", req_id)
            self.done[slot] += 1
        conn.close()
        with self.fail_lock:
            self.reconnects += conn.reconnects - 1  # the final close is not a reconnect
            for k, v in kind_lat.items():
                self.kind_latencies.setdefault(k, []).extend(v)
            for k, v in kind_count.items():
                self.by_kind[k] = self.by_kind.get(k, 0) + v

    def completed(self):
        return sum(self.done)

    def run(self):
        self.t0 = time.monotonic()
        threads = [threading.Thread(target=self.worker, args=(s,), daemon=True,
                                    name=f"client-{s}") for s in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.5)
        return time.monotonic() - self.t0


# --------------------------------------------------------------------------- knowledge churn

TEAM_DOCS = [
    ("team-soak-alpha", "reliability", ["lambda", "sqs"]),
    ("team-soak-bravo", "event-driven", ["eventbridge", "sns"]),
    ("team-soak-charlie", "observability", ["cloudwatch", "x-ray"]),
    ("team-soak-delta", "security", ["iam", "kms"]),
]


def document(doc_id, title, category, services, version, words):
    body_lines = [
        f"# {title}",
        "",
        f"This team document belongs to the soak test (soak zebra marker); it is at "
        f"soak-version-{version}.",
        "",
        "## Why it exists",
        "",
    ]
    # Enough text that a torn write would show: a few KB per version.
    for n in range(40):
        body_lines.append(f"Line {n} of version {version}: {words} retries, idempotency, "
                          f"dead-letter queues and alarms for the {category} team.")
    body_lines += ["", "## Checklist", "", "- keep it atomic", "- keep it small", "",
                   END_MARKER, ""]
    front = "\n".join([
        "---",
        f"id: {doc_id}",
        f"title: \"{title}\"",
        f"category: {category}",
        f"services: [{', '.join(services)}]",
        f"summary: Soak-test team document {doc_id}, version {version}.",
        "tags: [soak, team]",
        "last_reviewed: 2026-12-01",
        "sources:",
        "  - https://docs.aws.amazon.com/lambda/latest/dg/welcome.html",
        "---",
        "",
    ])
    return front + "\n".join(body_lines)


def write_atomic(path, text):
    d, name = os.path.split(path)
    # Hidden temp file in the same directory: the server skips hidden files, and the
    # rename is atomic on one file system, so it only ever sees whole documents.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Churn:
    """Every `interval` seconds: edit a team document, add one, remove an old addition."""

    def __init__(self, kb, interval):
        self.kb = kb
        self.interval = interval
        self.guides = os.path.join(kb, "guides")
        self.versions = {doc_id: 0 for doc_id, _, _ in TEAM_DOCS}
        self.added = []
        self.edits = self.adds = self.removes = 0
        self.tick = 0
        self.errors = []
        self.stop = threading.Event()
        self.thread = None

    def path(self, doc_id, category):
        return os.path.join(self.guides, category, f"{doc_id}.md")

    def setup(self):
        for doc_id, category, services in TEAM_DOCS:
            os.makedirs(os.path.join(self.guides, category), exist_ok=True)
            write_atomic(self.path(doc_id, category),
                         document(doc_id, f"Team soak {doc_id}", category, services, 0, "start"))
        os.makedirs(os.path.join(self.guides, "deployment"), exist_ok=True)

    def step(self):
        self.tick += 1
        doc_id, category, services = TEAM_DOCS[self.tick % len(TEAM_DOCS)]
        self.versions[doc_id] += 1
        write_atomic(self.path(doc_id, category),
                     document(doc_id, f"Team soak {doc_id}", category, services,
                              self.versions[doc_id], f"edit {self.tick}"))
        self.edits += 1
        new_id = f"team-churn-{self.tick}"
        write_atomic(self.path(new_id, "deployment"),
                     document(new_id, f"Churn document quokka {self.tick}", "deployment",
                              ["lambda", "cdk"], 0, "churn"))
        self.added.append(new_id)
        self.adds += 1
        if len(self.added) > 3:
            old = self.added.pop(0)
            os.unlink(self.path(old, "deployment"))
            self.removes += 1

    def loop(self):
        while not self.stop.wait(self.interval):
            try:
                self.step()
            except OSError as e:
                self.errors.append(str(e))

    def start(self):
        self.thread = threading.Thread(target=self.loop, daemon=True, name="churn")
        self.thread.start()

    def finish(self):
        self.stop.set()
        if self.thread:
            self.thread.join(5)


# --------------------------------------------------------------------------- memory

def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class Sampler:
    """VmRSS every `interval` s, with the requests done and reloads logged so far."""

    def __init__(self, pid, load, log_path, interval=0.05):
        self.pid = pid
        self.load = load
        self.log_path = log_path
        self.log_offset = 0
        self.reloads = 0
        self.interval = interval
        self.samples = []          # (completed requests, rss kB, reloads so far)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True, name="rss")

    def count_reloads(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                data = f.read()
        except OSError:
            return
        end = data.rfind(b"\n") + 1        # whole lines only
        self.log_offset += end
        self.reloads += data[:end].count(b"knowledge reloaded")

    def loop(self):
        while not self.stop.is_set():
            kb = rss_kb(self.pid)
            self.count_reloads()
            if kb is not None:
                self.samples.append((self.load.completed(), kb, self.reloads))
            self.stop.wait(self.interval)


# --------------------------------------------------------------------------- server

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binary(explicit):
    if explicit:
        return explicit
    if os.environ.get("SERVERLESS_GUIDE_BIN"):
        return os.environ["SERVERLESS_GUIDE_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    for profile in ("release", "debug"):
        p = os.path.join(target, profile, "serverless-guide")
        if os.access(p, os.X_OK):
            return p
    print("building the release binary (cargo build --release) ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--bin", "serverless-guide"], cwd=ROOT,
                   check=True)
    return os.path.join(target, "release", "serverless-guide")


def wait_ready(proc, port, deadline_s):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            ok = c.getresponse().status == 200
            c.close()
            if ok:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def one_call(port, method, name, params, timeout=30):
    conn = Conn(port, timeout)
    status, msg, err, detail = conn.call(method, name, params, 1)
    conn.close()
    if err or "error" in msg:
        raise RuntimeError(f"{method} {name}: {err or msg.get('error')} {detail}")
    return msg["result"]


def tool_json(result):
    if "structuredContent" in result:
        return result["structuredContent"]
    return json.loads(result["content"][0]["text"])


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def mean(values):
    return sum(values) / len(values) if values else float("nan")


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=100_000, help="requests in all (100000)")
    ap.add_argument("--concurrency", "-c", type=int, default=32, help="client threads (32)")
    ap.add_argument("--warmup", type=int, default=20_000,
                    help="requests sent before the measured run (20000)")
    ap.add_argument("--warmup-reloads", type=int, default=20,
                    help="the warm-up goes on, in steps of 5000 requests, until the server "
                         "has logged this many reloads (20; at most 10 steps more)")
    ap.add_argument("--interval", type=float, default=1.0,
                    help="seconds between knowledge rewrites (1)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, s (30)")
    ap.add_argument("--rss-tolerance", type=float, default=0.10,
                    help="allowed relative RSS change, last vs first 10 %% (0.10)")
    ap.add_argument("--malloc-arena-max", type=int, default=2, metavar="N",
                    help="MALLOC_ARENA_MAX for the server (2; 0 = glibc's default of 8 per "
                         "core). Each reload allocates on fresh threads; with many arenas the "
                         "RSS wanders by +-15 %% between reloads, which hides the trend")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", help="the binary (default $SERVERLESS_GUIDE_BIN, "
                    "target/release, target/debug, else cargo build --release)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory (knowledge and server log)")
    args = ap.parse_args()
    if args.requests < 10 or args.concurrency < 1:
        ap.error("--requests must be at least 10 and --concurrency at least 1")

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    # Also when started in the background, where SIGINT arrives ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    tmp = tempfile.mkdtemp(prefix="serverless-guide-soak-")
    kb = os.path.join(tmp, "kb")
    log_path = os.path.join(tmp, "server.log")
    proc = None
    log = None
    churn = None
    sampler = None
    load = None
    code = 2
    try:
        binary = os.path.abspath(find_binary(args.bin))
        if not os.access(binary, os.X_OK):
            print(f"error: {binary} is not an executable", file=sys.stderr)
            return 2
        churn = Churn(kb, args.interval)
        churn.setup()
        port = free_port()
        cmd = [binary, "serve", "--transport", "http", "--stateless",
               "--bind", f"127.0.0.1:{port}", "--knowledge", kb, "--watch",
               "--max-concurrency", "256",
               # Startup and reload lines only: rmcp and the request log would write about
               # 1.5 KB per request. Reloads are counted from "knowledge reloaded" lines.
               "--log-level", "warn,serverless_guide::reload=info,serverless_guide::cli=info"]
        env = {k: v for k, v in os.environ.items() if k != "RUST_LOG"}
        if args.malloc_arena_max > 0:
            env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
        else:
            env.pop("MALLOC_ARENA_MAX", None)
        arenas = (f"MALLOC_ARENA_MAX={args.malloc_arena_max} " if args.malloc_arena_max > 0
                  else "")
        print(f"server: {arenas}" + " ".join(cmd), flush=True)
        log = open(log_path, "wb")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log, env=env)
        if not wait_ready(proc, port, 120):
            print(f"error: the server did not become ready (exit {proc.poll()})", file=sys.stderr)
            sys.stderr.write(tail(log_path, 20))
            return 2

        listing = tool_json(one_call(port, "tools/call", "list_guidance",
                                     {"name": "list_guidance", "arguments": {}}))
        docs = listing.get("documents") or listing.get("results") or []
        ids = [d["uri"].split("://", 1)[1] for d in docs if "uri" in d]
        builtin = sorted(i for i in ids if not i.startswith("team-"))
        team = [doc_id for doc_id, _, _ in TEAM_DOCS]
        missing = [t for t in team if t not in ids]
        if len(builtin) < 10 or missing:
            print(f"error: unexpected listing: {len(builtin)} built-in documents, "
                  f"team documents missing: {missing}", file=sys.stderr)
            return 2
        plan = Plan(builtin, team)

        rss_start = rss_kb(proc.pid)
        print(f"soak: {args.requests} requests, {args.concurrency} clients, knowledge rewritten "
              f"every {args.interval:g} s, stateless MCP {PROTOCOL}, server pid {proc.pid}, "
              f"RSS at start {rss_start / 1024:.1f} MiB", flush=True)
        churn.start()

        # Warm-up: the same mix and churn, not measured; failures still count.
        warm_loads = []
        warm_steps = 0
        while True:
            size = args.warmup if not warm_loads else 5_000
            if size <= 0:
                break
            wl = Load(port, plan, size, args.concurrency, args.timeout,
                      args.seed + 7919 * (len(warm_loads) + 1))
            warm_loads.append(wl)
            wl.run()
            with open(log_path, "rb") as f:
                warm_reloads = f.read().count(b"knowledge reloaded")
            if warm_reloads >= args.warmup_reloads or warm_steps >= 10:
                break
            warm_steps += 1
        warm_done = sum(wl.completed() for wl in warm_loads)
        warm_failures = sum(sum(wl.failures.values()) for wl in warm_loads)
        with open(log_path, "rb") as f:
            warm_reloads = f.read().count(b"knowledge reloaded")
        rss_warm = rss_kb(proc.pid) or 0
        print(f"  warm-up: {warm_done} requests, {warm_failures} failed, {warm_reloads} reloads, "
              f"RSS {rss_warm / 1024:.1f} MiB", flush=True)

        load = Load(port, plan, args.requests, args.concurrency, args.timeout, args.seed)
        sampler = Sampler(proc.pid, load, log_path)
        sampler.log_offset = os.path.getsize(log_path)
        sampler.thread.start()
        progress_stop = threading.Event()

        def progress():
            while not progress_stop.wait(10):
                done = load.completed()
                fails = sum(load.failures.values())
                print(f"  {done:>7} done, {fails} failed, {churn.tick} rewrites, RSS "
                      f"{(rss_kb(proc.pid) or 0) / 1024:.1f} MiB", flush=True)
        threading.Thread(target=progress, daemon=True).start()
        elapsed = load.run()
        progress_stop.set()
        churn.finish()
        sampler.stop.set()
        sampler.thread.join(2)

        # After the churn stops, the server must converge on the last version written.
        convergence = None
        deadline = time.monotonic() + 30
        expect = {d: f"soak-version-{v}" for d, v in churn.versions.items()}
        while time.monotonic() < deadline:
            stale = []
            for doc_id, marker in expect.items():
                try:
                    res = one_call(port, "resources/read", f"guide://{doc_id}",
                                   {"uri": f"guide://{doc_id}"})
                except RuntimeError as e:
                    stale.append(f"{doc_id} ({e})")
                    continue
                if marker not in contents_text(res):
                    stale.append(doc_id)
            if not stale:
                convergence = None
                break
            convergence = f"still stale after 30 s: {', '.join(stale)}"
            time.sleep(0.5)
        alive = proc.poll() is None

        # ---- figures
        lat = sorted(x for per in load.latencies for x in per)
        total_done = len(lat)
        failures = sum(load.failures.values())
        window = max(1, args.requests // 10)
        first = [kb_ for n, kb_, _ in sampler.samples if n < window]
        last = [kb_ for n, kb_, _ in sampler.samples if n >= args.requests - window]
        ratio = mean(last) / mean(first) if first and last else float("nan")
        rss_first = mean(first)
        rss_last = mean(last)
        peak = max((kb_ for _, kb_, _ in sampler.samples), default=0)
        log.flush()
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log_lines = f.readlines()
        reloads = sum(1 for line in log_lines if "knowledge reloaded" in line)
        reload_failed = [line for line in log_lines if "reload failed" in line
                         or "reload crashed" in line]
        panics = [line for line in log_lines if "panicked" in line]

        print()
        print(f"requests      {total_done} of {args.requests} ({load.reconnects} reconnects)")
        print(f"failures      {failures} (and {warm_failures} in the warm-up of {warm_done} requests)")
        for (kind, reason), n in sorted(load.failures.items()):
            print(f"  {n:>7}  {kind}: {reason}")
        for t, kind, reason, req_id, detail in load.examples:
            print(f"  at {t:7.1f} s  id {req_id}  {reason}  {detail}")
        print(f"throughput    {total_done / elapsed:.0f} req/s ({elapsed:.1f} s)")
        print(f"latency       p50 {percentile(lat, 50) * 1000:.1f} ms, "
              f"p99 {percentile(lat, 99) * 1000:.1f} ms, max {lat[-1] * 1000 if lat else 0:.1f} ms")
        for kind in sorted(load.kind_latencies):
            kl = sorted(load.kind_latencies[kind])
            print(f"  {kind:<16} {load.by_kind.get(kind, 0):>7}  p50 "
                  f"{percentile(kl, 50) * 1000:6.1f} ms  p99 {percentile(kl, 99) * 1000:6.1f} ms")
        print(f"knowledge     {churn.tick} rewrites ({churn.edits} edits, {churn.adds} added, "
              f"{churn.removes} removed){'; errors: ' + '; '.join(churn.errors[:3]) if churn.errors else ''}")
        print(f"reloads       {reloads} observed in the server log, {len(reload_failed)} failed")
        for line in reload_failed[:5]:
            print(f"  {line.rstrip()[:300]}")
        print(f"converged     {'yes' if convergence is None else 'NO: ' + convergence}")
        print(f"RSS           first 10 % {rss_first / 1024:.1f} MiB ({len(first)} samples), "
              f"last 10 % {rss_last / 1024:.1f} MiB ({len(last)} samples), ratio {ratio:.3f}")
        print(f"              start {rss_start / 1024:.1f} MiB, after the warm-up "
              f"{rss_warm / 1024:.1f} MiB ({warm_done} requests, {warm_reloads} reloads), "
              f"peak {peak / 1024:.1f} MiB")
        for q in range(10):
            lo, hi = args.requests * q // 10, args.requests * (q + 1) // 10
            part = [kb_ for n, kb_, _ in sampler.samples if lo <= n < hi]
            reloads_by = max((r for n, _, r in sampler.samples if n < hi), default=0)
            print(f"  requests {lo:>7}-{hi:<7} mean RSS {mean(part) / 1024:6.1f} MiB, "
                  f"{reloads_by} reloads by the end")
        if panics:
            print(f"panics        {len(panics)} in the server log: {panics[0].rstrip()[:300]}")

        ok = True
        if failures or warm_failures or total_done != args.requests:
            print(f"FAIL: {failures + warm_failures} failed requests, "
                  f"{total_done} of {args.requests} done")
            ok = False
        if not (first and last) or abs(ratio - 1) > args.rss_tolerance:
            print(f"FAIL: RSS last/first 10 % = {ratio:.3f}, outside 1 +- {args.rss_tolerance}")
            ok = False
        if convergence is not None:
            print(f"FAIL: the server did not serve the last edit: {convergence}")
            ok = False
        if not alive or panics:
            print("FAIL: the server exited or panicked during the run")
            ok = False
        print("PASS" if ok else "soak FAILED")
        code = 0 if ok else 1
        return code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        if load:
            load.stop.set()
        code = 130
        return code
    finally:
        if churn:
            churn.stop.set()
        if sampler:
            sampler.stop.set()
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                print("server did not stop within 15 s of SIGTERM; killing it", file=sys.stderr)
                proc.kill()
                proc.wait()
            if proc.returncode not in (0, -signal.SIGTERM) and code == 0:
                print(f"note: server exited with {proc.returncode} after SIGTERM", file=sys.stderr)
        if log:
            log.close()
        if code not in (0, 130) and os.path.exists(log_path):
            sys.stderr.write("last lines of the server log:\n" + tail(log_path, 15, skip="status=200"))
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def tail(path, n, skip=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line for line in f if not (skip and skip in line)]
        return "".join(lines[-n:])
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())

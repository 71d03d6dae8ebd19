#!/usr/bin/env python3
"""End-to-end, whole-process benchmarks of the serverless-guide binary (issue 9).

Called by scripts/bench.sh; standard library only. Everything is measured from
outside the process, the way an MCP client or CI job sees it:

  * spawn -> `initialize` answered over stdio (median of 20 fresh processes)
  * tools/list latency over stdio
  * search_guidance latency over stdio: 1,000 calls over varied queries (p50, p99)
  * review_code over stdio for the 2,000-line TypeScript CDK file
  * `serverless-guide review` of CloudFormation templates as a whole CLI process
  * HTTP throughput and latency (p50, p99) at 16 and 64 concurrent connections against
    `serve --transport http --stateless` (wrk with a Lua script when installed, else
    a Python thread-per-connection generator, which saturates long before the server)
  * idle and peak RSS from /proc/<pid>/status (VmRSS, VmHWM)

With --peers it also installs (into .work/bench-peers, one venv per tool) and runs the
awslabs MCP servers and the template linters on the same inputs, and prints ratios.
"""

import argparse
import glob
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOCOL = "2025-06-18"

# Varied queries for the stdio and HTTP search loops: short keywords, long questions,
# synonyms, filters and a few that match little.
QUERIES = [
    ("sqs dlq", None, None),
    ("how do I make my lambda idempotent when sqs delivers a message twice", None, None),
    ("partial batch response kinesis", None, None),
    ("reduce cold start latency", None, None),
    ("step functions saga compensation", None, None),
    ("eventbridge rule retry policy and dead letter queue", None, None),
    ("least privilege iam role for lambda", "security", None),
    ("structured logging correlation id", None, "lambda"),
    ("api gateway throttling and usage plans", None, "api-gateway"),
    ("dynamodb streams event sourcing", None, None),
    ("canary deployment with codedeploy alarms", "deployment", None),
    ("visibility timeout", None, "sqs"),
    ("secrets manager caching", None, None),
    ("fifo ordering message group id", None, None),
    ("provisioned concurrency vs snapstart", None, None),
    ("fan out sns to multiple sqs queues", None, None),
    ("what alarms should I create for a queue based worker", None, None),
    ("ddb single table design", None, None),
    ("x-ray tracing across eventbridge", None, None),
    ("kubernetes helm chart", None, None),
    ("transactional outbox", None, None),
    ("cdk pipeline stages", None, None),
    ("batch window and batch size tuning", None, None),
    ("kms customer managed key for sqs", None, None),
    ("webhook signature validation", None, None),
]


def search_args(i):
    q, cat, svc = QUERIES[i % len(QUERIES)]
    a = {"query": q}
    if cat:
        a["category"] = cat
    if svc:
        a["service"] = svc
    return a


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))
    return s[k]


def ms(seconds):
    return seconds * 1000.0


def fmt_ms(v):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def rss_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def machine():
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["mem_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        with open("/proc/loadavg") as f:
            info["loadavg"] = " ".join(f.read().split()[:3])
    except OSError:
        pass
    try:
        out = subprocess.run(["ps", "-eo", "comm"], capture_output=True, text=True).stdout
        info["rustc_processes"] = sum(1 for l in out.splitlines() if l.strip() == "rustc")
    except OSError:
        pass
    return info


# ---------------------------------------------------------------- stdio client


class StdioClient:
    """A line-delimited JSON-RPC client over a child's stdin/stdout."""

    def __init__(self, argv, env=None, cwd=None):
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
        )
        self.next_id = 1

    def send(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params=None, timeout=120.0):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method}: no answer in {timeout} s")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{method}: the server closed stdout (exit {self.proc.poll()})")
            line = line.strip()
            if not line:
                continue
            try:
                resp = json.loads(line)
            except ValueError:
                continue  # some servers print banners on stdout
            if resp.get("id") == rid:
                if "error" in resp:
                    raise RuntimeError(f"{method}: {resp['error']}")
                return resp["result"]

    def initialize(self, timeout=120.0):
        result = self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
            timeout=timeout,
        )
        elapsed = time.perf_counter() - self.t0
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return elapsed, result

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def measure_startup(argv, runs, env=None, cwd=None, timeout=120.0, first_call=None):
    """Spawn -> initialize answered, `runs` times. With `first_call` (tool, arguments),
    returns (initialize times, spawn -> first tool call answered times)."""
    times, firsts = [], []
    for _ in range(runs):
        c = StdioClient(argv, env=env, cwd=cwd)
        try:
            t, _ = c.initialize(timeout=timeout)
            times.append(t)
            if first_call:
                check_tool(c.request("tools/call", {"name": first_call[0], "arguments": first_call[1]}))
                firsts.append(time.perf_counter() - c.t0)
        finally:
            c.close()
    return (times, firsts) if first_call else times


def timed(fn, n):
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


# ---------------------------------------------------------------- inputs


def fixture_concat(ext, lines):
    """The rule fixtures bad.<ext> + good.<ext>, concatenated to `lines` lines (as benches/review.rs)."""
    parts = []
    for d in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/rules/*"))):
        for name in (f"bad.{ext}", f"good.{ext}"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                with open(p, encoding="utf-8") as f:
                    parts.append(f.read())
    out, i = [], 0
    while len(out) < lines:
        out.extend((parts[i % len(parts)] + "\n").splitlines())
        i += 1
    return "\n".join(out[:lines])


def template_50k():
    """About 50 KB of CloudFormation (the same blocks as benches/review.rs)."""
    t = ["AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"]
    size, i = len(t[0]), 0
    while size < 50_000:
        block = f"""  Dlq{i}:
    Type: AWS::SQS::Queue
  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy: {{deadLetterTargetArn: !GetAtt Dlq{i}.Arn, maxReceiveCount: 3}}
  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]}}
  Policy{i}:
    Type: AWS::IAM::Policy
    Properties:
      Roles: [!Ref Role{i}]
      PolicyDocument:
        Statement:
          - {{Effect: Allow, Action: ['sqs:*'], Resource: '*'}}
  Fn{i}:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs18.x
      Handler: index.handler
      Role: !GetAtt Role{i}.Arn
      Timeout: 30
      Environment: {{Variables: {{API_KEY: abcdef123456}}}}
  Map{i}:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {{EventSourceArn: !GetAtt Queue{i}.Arn, FunctionName: !Ref Fn{i}}}
  Table{i}:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Delete
    Properties:
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      ProvisionedThroughput: {{ReadCapacityUnits: 5, WriteCapacityUnits: 5}}
"""
        t.append(block)
        size += len(block)
        i += 1
    return "".join(t)


def template_sets(workdir):
    """Named lists of CloudFormation template files that every tool reviews."""
    big = os.path.join(workdir, "template-50k.yaml")
    with open(big, "w") as f:
        f.write(template_50k())
    bad = sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/rules/*/bad.yaml")))
    sets = [
        ("clean SAM app (tests/fixtures/clean/template.yaml)",
         [os.path.join(ROOT, "tests/fixtures/clean/template.yaml")]),
        (f"50 KB template ({os.path.getsize(big) // 1024} KB, generated)", [big]),
        (f"{len(bad)} rule fixtures (tests/fixtures/rules/*/bad.yaml)", bad),
    ]
    return [(n, fs) for n, fs in sets if fs and all(os.path.isfile(p) for p in fs)]


def run_wall(argv, runs, env=None, ok_codes=None):
    """Median wall time of `runs` whole-process runs; the last exit code."""
    times, code = [], None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t)
        code = p.returncode
        if ok_codes is not None and code not in ok_codes:
            raise RuntimeError(f"{' '.join(argv[:3])} ... exited with {code}")
    return times, code


# ---------------------------------------------------------------- HTTP


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_post(port, body, timeout=10.0):
    import http.client

    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", "/mcp", body=body, headers=http_headers())
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def http_headers():
    return {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": PROTOCOL,
    }


def search_body(i, rid=1):
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "id": rid,
            "method": "tools/call",
            "params": {"name": "search_guidance", "arguments": search_args(i)},
        }
    )


WRK_LUA = r"""
-- Generated by scripts/bench.py: POSTs search_guidance calls, cycling through queries.
local bodies = {BODIES}
local threads = {}
local i = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  errors = 0
  i = id * 7
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json, text/event-stream"
  wrk.headers["MCP-Protocol-Version"] = "PROTOCOL"
end
function request()
  i = i + 1
  return wrk.format(nil, "/mcp", nil, bodies[(i % #bodies) + 1])
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"results"', 1, true) or string.find(body, '"isError":true', 1, true) then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("JSON {\"requests\":%d,\"duration_us\":%d,\"bad\":%d,\"socket_errors\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%f}\n",
    summary.requests, summary.duration, e,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_wrk(port, conns, seconds, workdir):
    script = os.path.join(workdir, "search.lua")
    bodies = "{" + ",".join(lua_string(search_body(i)) for i in range(len(QUERIES))) + "}"
    with open(script, "w") as f:
        f.write(WRK_LUA.replace("{BODIES}", bodies).replace("PROTOCOL", PROTOCOL))
    threads = min(conns, max(1, os.cpu_count() or 1))
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", script, f"http://127.0.0.1:{port}/mcp"],
        capture_output=True, text=True,
    ).stdout
    line = next((l for l in out.splitlines() if l.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError("wrk printed no summary:\n" + out)
    r = json.loads(line[5:])
    secs = r["duration_us"] / 1e6
    return {
        "rps": r["requests"] / secs,
        "requests": r["requests"],
        "p50_ms": r["p50_us"] / 1000.0,
        "p99_ms": r["p99_us"] / 1000.0,
        "max_ms": r["max_us"] / 1000.0,
        "bad": r["bad"] + r["socket_errors"],
        "generator": f"wrk -t{threads}",
    }


def load_python(port, conns, seconds):
    """One thread per connection, HTTP/1.1 keep-alive, closed loop. The GIL makes this
    generator the bottleneck on a small machine: its numbers are a lower bound."""
    import http.client

    stop = time.monotonic() + seconds
    lat, bad = [], [0]
    lock = threading.Lock()
    bodies = [search_body(i).encode() for i in range(len(QUERIES))]
    headers = http_headers()

    def worker(k):
        mine, errs = [], 0
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = k * 7
        while time.monotonic() < stop:
            i += 1
            t = time.perf_counter()
            try:
                c.request("POST", "/mcp", body=bodies[i % len(bodies)], headers=headers)
                r = c.getresponse()
                data = r.read()
                if r.status != 200 or b'"results"' not in data:
                    errs += 1
            except (OSError, http.client.HTTPException):
                errs += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - t)
        with lock:
            lat.extend(mine)
            bad[0] += errs

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.perf_counter() - t0
    return {
        "rps": len(lat) / secs,
        "requests": len(lat),
        "p50_ms": ms(pct(lat, 50)),
        "p99_ms": ms(pct(lat, 99)),
        "max_ms": ms(max(lat)),
        "bad": bad[0],
        "generator": "python threads",
    }


# ---------------------------------------------------------------- our binary


def bench_ours(binary, args, workdir):
    res = {}
    env = dict(os.environ, RUST_LOG="warn")
    serve = [binary, "serve", "--no-watch"]

    print(f"  start-up: {args.startup_runs} fresh processes ...", file=sys.stderr)
    starts, firsts = measure_startup(serve, args.startup_runs, env=env,
                                     first_call=("search_guidance", search_args(1)))
    res["initialize_ms"] = ms(statistics.median(starts))
    res["first_search_ms"] = ms(statistics.median(firsts))
    res["initialize_min_ms"] = ms(min(starts))
    res["initialize_max_ms"] = ms(max(starts))

    # With a prebuilt index (`index build` + `serve --index DIR`), when the binary has it.
    index_dir = os.path.join(workdir, "index")
    built = subprocess.run([binary, "index", "build", "--out", index_dir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env)
    if built.returncode == 0:
        starts, firsts = measure_startup([*serve, "--index", index_dir], args.startup_runs, env=env,
                                         first_call=("search_guidance", search_args(1)))
        res["initialize_index_ms"] = ms(statistics.median(starts))
        res["first_search_index_ms"] = ms(statistics.median(firsts))

    c = StdioClient(serve, env=env)
    try:
        c.initialize()
        time.sleep(0.5)
        res["idle_rss_mb"] = (rss_kb(c.proc.pid, "VmRSS") or 0) / 1024
        tl = timed(lambda i: c.request("tools/list"), args.list_calls)
        res["tools_list_p50_ms"] = ms(pct(tl, 50))
        res["tools_list_p99_ms"] = ms(pct(tl, 99))
        # Warm-up, then the measured loop.
        for i in range(50):
            c.request("tools/call", {"name": "search_guidance", "arguments": search_args(i)})
        print(f"  search_guidance: {args.search_calls} calls over stdio ...", file=sys.stderr)

        def one(i):
            r = c.request("tools/call", {"name": "search_guidance", "arguments": search_args(i)})
            if r.get("isError"):
                raise RuntimeError(f"search_guidance failed: {r}")

        sl = timed(one, args.search_calls)
        res["search_p50_ms"] = ms(pct(sl, 50))
        res["search_p90_ms"] = ms(pct(sl, 90))
        res["search_p99_ms"] = ms(pct(sl, 99))
        res["search_max_ms"] = ms(max(sl))
        ts = fixture_concat("ts", 2000)
        rl = timed(
            lambda i: c.request(
                "tools/call",
                {"name": "review_code", "arguments": {"code": ts, "language": "typescript"}},
            ),
            args.review_calls,
        )
        res["review_ts_stdio_p50_ms"] = ms(pct(rl, 50))
        with open(os.path.join(ROOT, "tests/fixtures/clean/template.yaml")) as f:
            clean = f.read()
        rt = timed(
            lambda i: c.request(
                "tools/call",
                {"name": "review_code", "arguments": {"code": clean, "language": "cloudformation"}},
            ),
            args.review_calls,
        )
        res["review_tpl_stdio_p50_ms"] = ms(pct(rt, 50))
        res["peak_rss_stdio_mb"] = (rss_kb(c.proc.pid, "VmHWM") or 0) / 1024
    finally:
        c.close()

    # The CLI reviewing files as a whole process (what CI runs).
    ts_file = os.path.join(workdir, "stack-2000.ts")
    with open(ts_file, "w") as f:
        f.write(fixture_concat("ts", 2000))
    t, _ = run_wall([binary, "review", "--fail-on", "never", ts_file], args.cli_runs, env=env, ok_codes={0})
    res["review_ts_cli_ms"] = ms(statistics.median(t))
    res["templates"] = []
    for name, files in template_sets(workdir):
        t, _ = run_wall([binary, "review", "--fail-on", "never", "--format", "json", *files],
                        args.cli_runs, env=env, ok_codes={0})
        res["templates"].append({"name": name, "files": files, "ms": ms(statistics.median(t))})

    # HTTP, stateless.
    if not args.no_http:
        port = free_port()
        srv = subprocess.Popen(
            [binary, "serve", "--no-watch", "--transport", "http", "--stateless",
             "--bind", f"127.0.0.1:{port}", "--max-concurrency", "1024"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    status, body = http_post(port, search_body(0))
                    break
                except OSError:
                    if time.monotonic() > deadline or srv.poll() is not None:
                        raise RuntimeError("the HTTP server did not come up")
                    time.sleep(0.05)
            if status != 200 or b'"results"' not in body:
                raise RuntimeError(f"probe search over HTTP failed: {status} {body[:300]!r}")
            res["http_idle_rss_mb"] = (rss_kb(srv.pid, "VmRSS") or 0) / 1024
            use_wrk = shutil.which("wrk") and args.loadgen in ("auto", "wrk")
            res["http"] = []
            for conns in (16, 64):
                print(f"  HTTP: {conns} connections for {args.http_seconds} s ...", file=sys.stderr)
                if use_wrk:
                    r = load_wrk(port, conns, args.http_seconds, workdir)
                else:
                    r = load_python(port, conns, args.http_seconds)
                r["conns"] = conns
                res["http"].append(r)
            res["http_peak_rss_mb"] = (rss_kb(srv.pid, "VmHWM") or 0) / 1024
        finally:
            srv.terminate()
            srv.wait()
    return res


# ---------------------------------------------------------------- peers


PEER_PACKAGES = {
    "aws-serverless-mcp": ["awslabs-aws-serverless-mcp-server"],
    "aws-iac-mcp": ["awslabs-aws-iac-mcp-server"],
    "cfn-lint": ["cfn-lint", "cfn-lint-serverless"],
    "checkov": ["checkov"],
}


def install_peer(name, base):
    """A venv per peer (their pins conflict). Returns the venv's bin dir or raises."""
    venv = os.path.join(base, name)
    bindir = os.path.join(venv, "bin")
    marker = os.path.join(venv, ".installed")
    if os.path.exists(marker):
        return bindir
    print(f"  installing {name} into {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    log = os.path.join(base, f"{name}.install.log")
    with open(log, "w") as f:
        p = subprocess.run(
            [os.path.join(bindir, "pip"), "install", "--disable-pip-version-check", *PEER_PACKAGES[name]],
            stdout=f, stderr=subprocess.STDOUT,
        )
    if p.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(PEER_PACKAGES[name])} failed (see {log})")
    with open(marker, "w") as f:
        f.write("ok\n")
    return bindir


def find_console_script(bindir, fragments):
    for f in sorted(os.listdir(bindir)):
        if all(x in f for x in fragments):
            return os.path.join(bindir, f)
    return None


# An offline tool call for each MCP peer: (tool name, arguments). The first one that
# the server lists and that answers without an error is timed.
OFFLINE_CALLS = {
    "aws-serverless-mcp": [
        ("get_iac_guidance", {"iac_tool": "CDK", "include_examples": False}),
        ("get_lambda_event_schemas", {"event_source": "sqs", "runtime": "python"}),
        ("get_lambda_guidance", {"use_case": "process messages from an SQS queue", "include_examples": False}),
        ("get_serverless_templates", {"template_type": "API", "runtime": "python3.12"}),
    ],
    "aws-iac-mcp": [
        ("validate_cloudformation_template", "TEMPLATE"),
        ("check_cloudformation_template_compliance", "TEMPLATE"),
    ],
}


def bench_mcp_peer(name, argv, env, runs, template_text):
    out = {"name": name}
    starts = measure_startup(argv, runs, env=env, timeout=180)
    out["initialize_ms"] = ms(statistics.median(starts))
    c = StdioClient(argv, env=env)
    try:
        c.initialize(timeout=180)
        time.sleep(0.5)
        out["idle_rss_mb"] = (rss_kb(c.proc.pid, "VmRSS") or 0) / 1024
        tools = []
        tl = timed(lambda i: tools.append(c.request("tools/list")), 10)
        out["tools_list_p50_ms"] = ms(pct(tl, 50))
        names = {t["name"]: t for t in tools[-1].get("tools", [])}
        out["tools"] = sorted(names)
        for tool, arguments in OFFLINE_CALLS.get(name, []):
            if tool not in names:
                continue
            if arguments == "TEMPLATE":
                props = names[tool].get("inputSchema", {}).get("properties", {})
                key = next((k for k in props if "template" in k.lower()), None)
                if key is None:
                    continue
                arguments = {key: template_text}
            try:
                lat = timed(lambda i: check_tool(c.request("tools/call", {"name": tool, "arguments": arguments}, timeout=60)), 5)
                out["offline_call"] = tool
                out["offline_call_ms"] = ms(statistics.median(lat))
                break
            except Exception as e:  # report and try the next candidate
                out.setdefault("offline_call_failures", []).append(f"{tool}: {str(e)[:200]}")
        out["peak_rss_mb"] = (rss_kb(c.proc.pid, "VmHWM") or 0) / 1024
    finally:
        c.close()
    return out


def check_tool(result):
    if result.get("isError"):
        text = " ".join(x.get("text", "") for x in result.get("content", []))
        raise RuntimeError(text[:300])
    return result


def bench_peers(args, ours, workdir):
    base = os.path.join(ROOT, ".work", "bench-peers")
    os.makedirs(base, exist_ok=True)
    peers = {"mcp": [], "linters": [], "failed": []}
    # No credentials and no network are needed for what we measure; a region keeps boto3 quiet.
    env = dict(os.environ, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               FASTMCP_LOG_LEVEL="ERROR", PYTHONWARNINGS="ignore")
    env.pop("AWS_PROFILE", None)
    clean_tpl = os.path.join(ROOT, "tests/fixtures/clean/template.yaml")
    with open(clean_tpl) as f:
        clean_text = f.read()

    for name, frags in (("aws-serverless-mcp", ["aws-serverless-mcp-server"]),
                        ("aws-iac-mcp", ["aws-iac-mcp-server"])):
        try:
            bindir = install_peer(name, base)
            exe = find_console_script(bindir, frags)
            if exe is None:
                raise RuntimeError(f"no console script matching {frags} in {bindir}")
            print(f"  {name}: start-up x{args.peer_runs} ...", file=sys.stderr)
            r = bench_mcp_peer(name, [exe], env, args.peer_runs, clean_text)
            r["command"] = os.path.relpath(exe, ROOT)
            peers["mcp"].append(r)
        except Exception as e:
            peers["failed"].append(f"{name}: {e}")

    sets = template_sets(workdir)
    linters = []
    try:
        bindir = install_peer("cfn-lint", base)
        exe = os.path.join(bindir, "cfn-lint")
        linters.append(("cfn-lint", lambda files: [exe, *files]))
        linters.append(("cfn-lint + cfn-lint-serverless",
                        lambda files: [exe, "--append-rules", "cfn_lint_serverless.rules", "--", *files]))
    except Exception as e:
        peers["failed"].append(f"cfn-lint: {e}")
    try:
        bindir = install_peer("checkov", base)
        exe = os.path.join(bindir, "checkov")
        linters.append(("checkov", lambda files: [exe, "--framework", "cloudformation", "--skip-download",
                                                   "--quiet", "--compact", "-o", "json",
                                                   *[a for f in files for a in ("-f", f)]]))
    except Exception as e:
        peers["failed"].append(f"checkov: {e}")

    for lname, make in linters:
        for (sname, files), mine in zip(sets, ours["templates"]):
            print(f"  {lname}: {sname} x{args.peer_runs} ...", file=sys.stderr)
            try:
                t, code = run_wall(make(files), args.peer_runs, env=env)
                if code not in (0, 1, 2, 4, 6, 8, 10, 12, 14):
                    raise RuntimeError(f"exit code {code}")
                peers["linters"].append({"tool": lname, "set": sname, "ms": ms(statistics.median(t)),
                                         "ours_ms": mine["ms"], "exit": code})
            except Exception as e:
                peers["failed"].append(f"{lname} on {sname}: {e}")
    return peers


# ---------------------------------------------------------------- report


def target(ok):
    return "met" if ok else "MISSED"


def report(m, ours, peers, args):
    w = sys.stdout.write
    w("\nserverless-guide end-to-end benchmarks\n")
    w(f"machine: {m.get('nproc')} cores, {m.get('cpu', '?')}, {m.get('mem_gib', '?')} GiB, "
      f"kernel {m.get('kernel')}; load average at start {m.get('loadavg')}, "
      f"{m.get('rustc_processes', '?')} rustc processes\n")
    w(f"binary: {args.bin}\n\n")
    rows = [
        ("spawn -> initialize answered (stdio, median of %d)" % args.startup_runs,
         fmt_ms(ours["initialize_ms"]) + f"  (min {fmt_ms(ours['initialize_min_ms'])}, max {fmt_ms(ours['initialize_max_ms'])})",
         "<= 20 ms", ours["initialize_ms"] <= 20),
        ("spawn -> first search_guidance answered (median)", fmt_ms(ours["first_search_ms"]), "", None),
    ]
    if "initialize_index_ms" in ours:
        rows.append(("  with a prebuilt index (`serve --index DIR`): initialize / first search",
                     f"{fmt_ms(ours['initialize_index_ms'])} / {fmt_ms(ours['first_search_index_ms'])}", "", None))
    rows += [
        ("tools/list (stdio, p50 / p99 of %d)" % args.list_calls,
         f"{fmt_ms(ours['tools_list_p50_ms'])} / {fmt_ms(ours['tools_list_p99_ms'])}", "", None),
        ("search_guidance (stdio, %d calls) p50" % args.search_calls, fmt_ms(ours["search_p50_ms"]),
         "<= 1 ms", ours["search_p50_ms"] <= 1),
        ("search_guidance (stdio) p90 / max",
         f"{fmt_ms(ours['search_p90_ms'])} / {fmt_ms(ours['search_max_ms'])}", "", None),
        ("search_guidance (stdio) p99", fmt_ms(ours["search_p99_ms"]), "<= 5 ms", ours["search_p99_ms"] <= 5),
        ("review_code 2,000-line CDK file (stdio, p50)", fmt_ms(ours["review_ts_stdio_p50_ms"]),
         "<= 30 ms", ours["review_ts_stdio_p50_ms"] <= 30),
        ("review_code clean SAM template (stdio, p50)", fmt_ms(ours["review_tpl_stdio_p50_ms"]), "", None),
        ("`review` 2,000-line CDK file (whole CLI process)", fmt_ms(ours["review_ts_cli_ms"]), "", None),
    ]
    for t in ours["templates"]:
        rows.append((f"`review` {t['name']} (whole process)", fmt_ms(t["ms"]), "", None))
    for h in ours.get("http", []):
        ok = None
        tgt = ""
        if h["conns"] == 64:
            tgt = ">= 5,000/s, p99 <= 20 ms"
            ok = h["rps"] >= 5000 and h["p99_ms"] <= 20
        rows.append((f"HTTP stateless, {h['conns']} connections ({h['generator']})",
                     f"{h['rps']:,.0f} searches/s, p50 {fmt_ms(h['p50_ms'])}, p99 {fmt_ms(h['p99_ms'])}"
                     + (f", {h['bad']} bad" if h["bad"] else ""), tgt, ok))
    rows.append(("idle RSS (stdio, after initialize)", f"{ours['idle_rss_mb']:.1f} MB", "<= 60 MB",
                 ours["idle_rss_mb"] <= 60))
    rows.append(("peak RSS (stdio, after searches + reviews)", f"{ours['peak_rss_stdio_mb']:.1f} MB", "", None))
    if "http_peak_rss_mb" in ours:
        rows.append(("RSS HTTP server: idle / peak under load",
                     f"{ours['http_idle_rss_mb']:.1f} MB / {ours['http_peak_rss_mb']:.1f} MB", "", None))
    table(["measure", "result", "target", ""],
          [(a, b, c, "" if d is None else target(d)) for a, b, c, d in rows])

    if peers is None:
        return
    w("\npeers (same machine, same run)\n")
    if peers["mcp"]:
        prow = []
        for p in peers["mcp"]:
            prow.append((p["name"], "spawn -> initialize (median of %d)" % args.peer_runs,
                         fmt_ms(p["initialize_ms"]), fmt_ms(ours["initialize_ms"]),
                         f"{p['initialize_ms'] / ours['initialize_ms']:,.0f}x"))
            prow.append((p["name"], "tools/list p50", fmt_ms(p["tools_list_p50_ms"]),
                         fmt_ms(ours["tools_list_p50_ms"]),
                         f"{p['tools_list_p50_ms'] / ours['tools_list_p50_ms']:,.0f}x"))
            if "offline_call" in p:
                if "template" in p["offline_call"]:
                    ref, what = ours["review_tpl_stdio_p50_ms"], "review_code"
                else:
                    ref, what = ours["search_p50_ms"], "search_guidance"
                prow.append((p["name"], f"{p['offline_call']} vs our {what} (stdio, median)",
                             fmt_ms(p["offline_call_ms"]), fmt_ms(ref), f"{p['offline_call_ms'] / ref:,.0f}x"))
            else:
                prow.append((p["name"], "offline tool call", "none worked", "-", "-"))
            prow.append((p["name"], "idle RSS", f"{p['idle_rss_mb']:.0f} MB", f"{ours['idle_rss_mb']:.0f} MB",
                         f"{p['idle_rss_mb'] / ours['idle_rss_mb']:.1f}x"))
        table(["peer", "measure", "theirs", "ours", "ours faster by"], prow)
    if peers["linters"]:
        w("\n")
        lrow = [(l["tool"], l["set"], fmt_ms(l["ms"]), fmt_ms(l["ours_ms"]), f"{l['ms'] / l['ours_ms']:,.0f}x")
                for l in peers["linters"]]
        table(["linter (whole process, median of %d)" % args.peer_runs, "templates", "theirs",
               "ours (`review`)", "ours faster by"], lrow)
    for f in peers["failed"]:
        w(f"FAILED: {f}\n")
    for p in peers["mcp"]:
        for f in p.get("offline_call_failures", []):
            w(f"note: {p['name']} {f}\n")


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n"
    sys.stdout.write(line(header))
    sys.stdout.write(line(["-" * w for w in widths]))
    for r in rows:
        sys.stdout.write(line(r))


def main():
    ap = argparse.ArgumentParser(description="serverless-guide end-to-end benchmarks")
    ap.add_argument("--bin", required=True, help="the serverless-guide binary (release build)")
    ap.add_argument("--peers", action="store_true", help="also install and run the peers")
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--list-calls", type=int, default=100)
    ap.add_argument("--search-calls", type=int, default=1000)
    ap.add_argument("--review-calls", type=int, default=20)
    ap.add_argument("--cli-runs", type=int, default=20)
    ap.add_argument("--peer-runs", type=int, default=5)
    ap.add_argument("--http-seconds", type=int, default=10)
    ap.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    args = ap.parse_args()
    if args.loadgen == "wrk" and not shutil.which("wrk"):
        ap.error("--loadgen wrk: wrk is not installed (apt-get install wrk)")

    m = machine()
    with tempfile.TemporaryDirectory(prefix="sg-bench-") as workdir:
        print("measuring serverless-guide ...", file=sys.stderr)
        ours = bench_ours(args.bin, args, workdir)
        peers = None
        if args.peers:
            print("measuring peers ...", file=sys.stderr)
            peers = bench_peers(args, ours, workdir)
        m["loadavg_end"] = machine().get("loadavg")
        report(m, ours, peers, args)
        sys.stdout.write(f"\nload average at end: {m['loadavg_end']}\n")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": m, "ours": ours, "peers": peers}, f, indent=2)


if __name__ == "__main__":
    main()

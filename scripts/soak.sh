#!/usr/bin/env bash
# Soak test (issue 10): 100,000 mixed MCP requests over HTTP at 32 concurrent clients while the
# knowledge directory is rewritten every second. Asserts zero failed requests and server RSS
# within +-10 % between the first and last 10 % of the run; prints both. Manual; not run in CI.
#
#   scripts/soak.sh                          # the full run
#   scripts/soak.sh --requests 10000 -c 16   # shorter; see scripts/soak.py --help
#
# The binary is $SERVERLESS_GUIDE_BIN, else target/release/serverless-guide, else
# target/debug/serverless-guide (under $CARGO_TARGET_DIR when set); `cargo build --release`
# when neither exists. Needs python3 (standard library only) and Linux (/proc for RSS).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
bin=$(release_bin --or-debug)
command -v python3 >/dev/null || { echo "error: python3 is needed to drive the soak test" >&2; exit 2; }
exec python3 scripts/soak.py --bin "$bin" "$@"

#!/usr/bin/env bash
# End-to-end, whole-process benchmarks of the release binary (issue 9). Manual; not run in CI.
#
#   scripts/bench.sh            # our figures: start-up, stdio latency, HTTP throughput, RSS
#   scripts/bench.sh --peers    # plus the awslabs MCP servers, cfn-lint and checkov, with ratios
#
# Any other arguments go to scripts/bench.py (e.g. --http-seconds 20, --loadgen python,
# --json out.json). The binary is $SERVERLESS_GUIDE_BIN, else target/release/serverless-guide
# (under $CARGO_TARGET_DIR when set), built with `cargo build --release` when missing.
# HTTP load uses wrk when installed (apt-get install wrk), else a Python generator that
# saturates before the server does. Peers are installed into .work/bench-peers.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
bin=$(release_bin)
command -v python3 >/dev/null || { echo "error: python3 is needed to drive the benchmarks" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
  echo "note: wrk is not installed; HTTP load comes from a Python generator (a lower bound)" >&2
fi
exec python3 scripts/bench.py --bin "$bin" "$@"

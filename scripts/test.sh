#!/usr/bin/env bash
# The project's one test command (README): formatting, lints, the Rust test
# suite, then the suites that need Node or Python (each installs what it needs
# from the package registries into .work/).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy -D warnings"
cargo clippy --all-targets -- -D warnings
step "cargo test"
cargo test
step "built-in knowledge validates"
target/debug/serverless-guide validate

export SERVERLESS_GUIDE_BIN="$PWD/target/debug/serverless-guide"
for suite in scripts/test-python-client.sh scripts/test-http-clients.sh scripts/validate-scaffolds.sh; do
  step "$suite"
  bash "$suite"
done
step "all suites passed"

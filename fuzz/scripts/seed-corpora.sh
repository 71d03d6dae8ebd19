#!/usr/bin/env bash
# Copies the main crate's test fixtures into fuzz/corpus/<target>/ as seed inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=..
seed_into() { local t=$1; shift; mkdir -p "corpus/$t"; for f in "$@"; do [ -f "$f" ] && cp "$f" "corpus/$t/$(echo "$f" | tr '/' '_')"; done; }
seed_into front_matter "$root"/knowledge/guides/*/*.md
seed_into review_typescript "$root"/tests/fixtures/rules/*/*.ts "$root"/tests/fixtures/clean/*.ts
seed_into review_python "$root"/tests/fixtures/rules/*/*.py "$root"/tests/fixtures/clean/*.py
seed_into review_template_yaml "$root"/tests/fixtures/rules/*/*.yaml "$root"/tests/fixtures/clean/*.yaml
seed_into review_template_json "$root"/tests/fixtures/rules/*/*.json
mkdir -p corpus/search_query corpus/stdio_line
printf 'dead letter queue for a lambda consumer' > corpus/search_query/plain
printf '"sqs -dlq" AND (retries OR backoff)~2 title:x' > corpus/search_query/syntax
printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' > corpus/stdio_line/tools_list
printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"f","version":"0"}}}' > corpus/stdio_line/initialize
echo "seeded: $(find corpus -type f | wc -l) files"

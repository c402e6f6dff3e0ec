#!/usr/bin/env bash
# Package smoke test: does lastmile work as a user gets it? Run from a built clone (after `npm test` or
# `npm run build`); .ci/run calls it after the test command.
#   1. in the clone: `npx lastmile --help` (the bin is executable after the build);
#   2. `npm pack`, then install the tarball into an empty project with its dependencies only (no
#      devDependencies of lastmile: no autocannon, no @types/pg, no vitest);
#   3. there: `lastmile --help`, `run` on the bundled default scenario, `route` on the bundled Solomon file,
#      `fuzz` without --scenario (the default resolves inside the package), and `bench http`, which must
#      refuse with a clear message because autocannon is a devDependency;
#   4. the README's library example: type-checked with `tsc --strict` without skipLibCheck against the
#      installed types (the consumer brings its own typescript and @types/node, as any TS user does), then
#      run, printing what the README says it prints.
# Every package comes from npm's cache when `npm ci` already fetched it (--prefer-offline).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# --yes=false: never download a package called lastmile from the registry (plain `--no` would swallow the
# next word and show npx's own help).
npx_local() { npx --yes=false "$@"; }

step() { printf '\n== package smoke: %s\n' "$*"; }
fail() {
  printf 'package smoke FAILED: %s\n' "$*" >&2
  exit 1
}

[[ -f dist/cli.js ]] || fail "dist/cli.js is missing: build first (npm run build)"
[[ -x dist/cli.js ]] || fail "dist/cli.js is not executable (the build's chmod step)"

step "npx lastmile --help in the clone"
npx_local lastmile --help | grep -q "^Usage: lastmile" || fail "npx lastmile --help printed no lastmile usage"

WORK=$(mktemp -d /tmp/lastmile-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

step "npm pack"
npm pack --silent --pack-destination "$WORK" >/dev/null
TARBALL=$(ls "$WORK"/lastmile-*.tgz)
LISTING=$(tar -tzf "$TARBALL")
for f in package/LICENSE package/README.md package/dist/cli.js package/dist/src/index.d.ts \
  package/scenarios/default.json package/docs/routing.md package/examples/quickstart.mjs \
  package/examples/route-solomon-12.txt package/examples/flash-sale.sweep.json \
  package/dist/src/adapters/sweep/cell-worker.js; do
  grep -qx "$f" <<<"$LISTING" || fail "$f is not in the tarball"
done
if grep -q '\.map$' <<<"$LISTING"; then fail "source maps in the tarball (their sources are not shipped)"; fi
echo "$(wc -l <<<"$LISTING") files, $(du -k "$TARBALL" | cut -f1) KiB packed"

step "install the tarball with its dependencies only"
# better-sqlite3's install script downloads a prebuilt addon from GitHub, or compiles one (minutes on two
# cores) when it cannot. The clone's `npm ci` already has one for this Node ABI and platform: offer it as a
# local prebuild, the same archive a download gives, so the smoke does not compile it a second time. When
# the names do not match (another version resolved), the install downloads or compiles as usual.
SQLITE_DIR="$REPO/node_modules/better-sqlite3"
if [[ -f "$SQLITE_DIR/build/Release/better_sqlite3.node" ]]; then
  PREBUILD=$(node -p 'const p = require(process.argv[1]);
    `${p.name}-v${p.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`' \
    "$SQLITE_DIR/package.json")
  mkdir -p "$WORK/prebuilds"
  tar -czf "$WORK/prebuilds/$PREBUILD" -C "$SQLITE_DIR" build/Release/better_sqlite3.node
  export npm_config_better_sqlite3_local_prebuilds="$WORK/prebuilds"
fi
APP="$WORK/app"
mkdir "$APP"
cd "$APP"
printf '{ "name": "lastmile-smoke", "private": true, "type": "module" }\n' >package.json
npm install --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error "$TARBALL"
unset npm_config_better_sqlite3_local_prebuilds # npm warns about a config it does not know
for dev in autocannon vitest @types/pg @types/better-sqlite3 typescript; do
  [[ ! -e "node_modules/$dev" ]] || fail "node_modules/$dev is installed: the smoke must run without dev tools"
done

step "npx lastmile --help (installed)"
npx_local lastmile --help | grep -q "^Usage: lastmile" || fail "npx lastmile --help printed no lastmile usage"
npx_local lastmile --version

step "lastmile run on the bundled default scenario"
npx_local lastmile run node_modules/lastmile/scenarios/default.json --out out/default | tail -n 3
[[ -s out/default/summary.json && -s out/default/report.html ]] || fail "run wrote no summary or report"

step "lastmile route on the bundled Solomon file"
# Every customer served: lastmile's answer says feasible; a VROOM-style solution says code 0, none unassigned.
npx_local lastmile route node_modules/lastmile/examples/route-solomon-12.txt --time-limit 1 --json >route.json
node -e '
const r = JSON.parse(require("fs").readFileSync("route.json", "utf8"));
const served = r.feasible === true || (r.code === 0 && Array.isArray(r.unassigned) && r.unassigned.length === 0);
if (!served) process.exit(1);
console.log(`all customers served, cost ${r.cost ?? r.summary?.cost}`);' || fail "route: $(head -c 300 route.json)"

step "lastmile sweep on the bundled default scenario (worker threads from the installed package)"
printf '{ "name": "smoke", "scenario": "node_modules/lastmile/scenarios/default.json",
  "parameters": { "demand.ordersPerDay": [60] },
  "policies": { "batching": {}, "single": { "dispatch.batchMaxOrders": 1 } }, "seeds": [1, 2] }\n' >smoke.sweep.json
npx_local lastmile sweep smoke.sweep.json --workers 2 --out out/sweep | head -n 2
[[ -s out/sweep/results.json && -s out/sweep/report.html ]] || fail "sweep wrote no results or report"

step "lastmile fuzz without --scenario, outside the repository"
npx_local lastmile fuzz --seeds 1

step "lastmile bench http without autocannon refuses clearly"
set +e
BENCH_ERR=$(npx_local lastmile bench http 2>&1 >/dev/null)
BENCH_CODE=$?
set -e
[[ $BENCH_CODE -eq 1 ]] || fail "bench http exited $BENCH_CODE, expected 1"
grep -q "needs autocannon" <<<"$BENCH_ERR" || fail "bench http said: $BENCH_ERR"
echo "exit 1: $BENCH_ERR"

step "the README's library example: tsc --strict (no skipLibCheck), then run"
# The consumer's own compiler and Node types, at the versions lastmile is developed with.
TS_VERSION=$(node -p "require('$REPO/node_modules/typescript/package.json').version")
NODE_TYPES_VERSION=$(node -p "require('$REPO/node_modules/@types/node/package.json').version")
npm install --save-dev --prefer-offline --no-audit --no-fund --loglevel=error \
  "typescript@$TS_VERSION" "@types/node@$NODE_TYPES_VERSION"
node - node_modules/lastmile/README.md <<'EOF'
const { readFileSync, writeFileSync } = require("node:fs");
const readme = readFileSync(process.argv[2], "utf8");
const example = readme.split("```js\n")[1]?.split("```")[0];
const printed = readme.split("prints\n\n```\n")[1]?.split("```")[0];
if (!example || !printed) throw new Error("README: library example or its output not found");
writeFileSync("example.mts", example);
writeFileSync("example.mjs", example);
writeFileSync("expected.txt", printed);
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "strict": true,
    "skipLibCheck": false,
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "types": ["node"],
    "noEmit": true
  },
  "files": ["example.mts"]
}
EOF
node_modules/.bin/tsc -p tsconfig.json
node example.mjs >printed.txt
diff -u expected.txt printed.txt || fail "the README example printed something else"

printf '\npackage smoke: OK\n'

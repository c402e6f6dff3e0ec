#!/usr/bin/env bash
# A/B of the ledger suite against an older commit, in one process on one machine:
#
#   bash scripts/bench-ledger-ab.sh [REV] [-- extra bench flags]
#
# builds REV (default: dc014aa, the last commit before issue 14 changed the row model) into a temporary
# git worktree, builds this checkout, then runs `lastmile bench ledger` with LASTMILE_LEDGER_BASELINE
# pointing at REV's dist/: the 1-line and 40-line cases time both builds, repetitions interleaved, and the
# table gives the ratio. The worktree is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-dc014aa}"
shift || true
[[ "${1:-}" == "--" ]] && shift
dir="$(mktemp -d /tmp/lastmile-baseline.XXXXXX)"
trap 'git worktree remove --force "$dir" >/dev/null 2>&1 || rm -rf "$dir"' EXIT
git worktree add --detach "$dir" "$rev" >&2
# The baseline compiles with this checkout's node_modules: only its ledger code is loaded.
ln -s "$PWD/node_modules" "$dir/node_modules"
(cd "$dir" && npx tsc -p tsconfig.build.json) >&2
npx tsc -p tsconfig.build.json >&2
LASTMILE_LEDGER_BASELINE="$dir/dist" LASTMILE_LEDGER_BASELINE_NAME="$(git rev-parse --short "$rev")" \
  node dist/cli.js bench ledger "$@"

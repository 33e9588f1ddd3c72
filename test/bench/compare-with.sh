#!/usr/bin/env bash
# Before/after: the benchmarks of an earlier commit and of this checkout, back to back on one
# machine, alternating, several rounds. Usage: test/bench/compare-with.sh <commit> [rounds] [-- bench flags]
# Prints each run's log path; the figures are in the logs (see docs/performance.md for a table).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
commit=${1:?usage: compare-with.sh <commit> [rounds]}
rounds=${2:-3}
benches=("ledger-ingestion --purchases=200000 --customers=20000" "kafka-ingestion" "projection-rebuild --events=300000 --determinism=none")
out=$(mktemp -d "${TMPDIR:-/tmp}/loyalty-compare-XXXX")
old="$out/old"
git -C "$here" worktree add --detach "$old" "$commit" > /dev/null
trap 'git -C "$here" worktree remove --force "$old" > /dev/null 2>&1 || true' EXIT
ln -s "$here/node_modules" "$old/node_modules"
# One broker and one data folder for both sides.
rm -rf "$old/infra/.run" && ln -s "$here/infra/.run" "$old/infra/.run"
[ -e "$here/infra/.cache" ] && ln -sfn "$here/infra/.cache" "$old/infra/.cache"
(cd "$old" && npx tsc -p tsconfig.build.json)
(cd "$here" && npx tsc -p tsconfig.build.json)
"$here/infra/kafka/kafka.sh" start
for round in $(seq 1 "$rounds"); do
  for side in old new; do
    dir=$here; [ "$side" = old ] && dir=$old
    for bench in "${benches[@]}"; do
      name=${bench%% *}
      # shellcheck disable=SC2086
      (cd "$dir" && node --max-semi-space-size=64 -r ./infra/node/register-paths.js dist/test/bench/run-all.js --only=$bench) > "$out/$name-$side-$round.log" 2>&1
      echo "$out/$name-$side-$round.log"
    done
  done
done

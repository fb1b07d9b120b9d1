#!/usr/bin/env bash
# Explores the property tests beyond CI's fixed examples: each run draws fresh random examples.
# Usage: tools/explore.sh [RUNS] [pytest args...]   (default 20 runs of every hypothesis test)
# A failure prints the seed and a @reproduce_failure blob; add the case as a plain regression test.
# EXPLORE_TESTS="tests/a.py tests/b.py" limits the run to those files.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"; shift || true
tests=${EXPLORE_TESTS:-$(grep -l "@given" tests/test_*.py)}
failed=0
for run in $(seq 1 "$runs"); do
  seed=$(( (RANDOM << 15) | RANDOM ))
  if ! HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest $tests -q -p no:randomly \
        --hypothesis-seed="$seed" "$@" >"/tmp/syncready-explore-$seed.log" 2>&1; then
    echo "run $run: seed $seed FAILED (log /tmp/syncready-explore-$seed.log)"; failed=$((failed + 1))
  else
    echo "run $run: seed $seed passed"
  fi
done
echo "$failed of $runs runs failed"
[ "$failed" -eq 0 ]

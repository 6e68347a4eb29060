#!/usr/bin/env bash
# Runs every benchmark in benchmarks/ (or the one named) on SpatiaLite and on a throwaway
# PostGIS database provided as for the tests, a fresh one for each benchmark: what one leaves
# behind (a million hazards, 100,000 grids over the demo's townships) must not weigh on the
# next. Each prints TARGET lines; exits non-zero if any target fails.
set -uo pipefail
cd "$(dirname "$0")/.."
py="${FIREGRID_BENCH_PYTHON:-.venv/bin/python}"  # another virtualenv's, e.g. from a git worktree
export FIREGRID_TESTDB_STATE="var/testdb-$$.json"  # this run's own, see scripts/testdb.py
only="${1:-}"

trap '$py scripts/testdb.py down' EXIT

status=0
ran=0
for file in benchmarks/*.py; do
  name=$(basename "$file" .py)
  case "$name" in __init__|common|county) continue ;; esac
  if [ -n "$only" ] && [ "$name" != "$only" ]; then continue; fi
  url=$($py scripts/testdb.py up) || { echo "no PostGIS to benchmark against" >&2; exit 1; }
  export FIREGRID_BENCH_DATABASE_URL="$url"
  echo "=== benchmark $name ==="
  $py "$file" || status=1
  $py scripts/testdb.py down
  ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
  echo "no benchmark named '$only'; have: $(ls benchmarks/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -vE "^(__init__|common|county)$" | tr '\n' ' ')" >&2
  exit 2
fi
exit $status

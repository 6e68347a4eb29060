#!/usr/bin/env bash
# Runs every benchmark in benchmarks/ (or the one named) on SpatiaLite and on a throwaway
# PostGIS database provided as for the tests. Each prints TARGET lines; exits non-zero if any
# target fails.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export FIREGRID_TESTDB_STATE="var/testdb-$$.json"  # this run's own, see scripts/testdb.py
only="${1:-}"

url=$($py scripts/testdb.py up) || { echo "no PostGIS to benchmark against" >&2; exit 1; }
trap '$py scripts/testdb.py down' EXIT
export FIREGRID_BENCH_DATABASE_URL="$url"

status=0
ran=0
for file in benchmarks/*.py; do
  name=$(basename "$file" .py)
  case "$name" in __init__|common) continue ;; esac
  if [ -n "$only" ] && [ "$name" != "$only" ]; then continue; fi
  echo "=== benchmark $name ==="
  $py "$file" || status=1
  ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
  echo "no benchmark named '$only'; have: $(ls benchmarks/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -vE '^(__init__|common)$' | tr '\n' ' ')" >&2
  exit 2
fi
exit $status

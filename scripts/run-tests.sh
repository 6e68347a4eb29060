#!/usr/bin/env bash
# Checks the import contracts (the layers and each package's public modules, see
# docs/architecture.md), then runs the whole suite twice: on SpatiaLite (a real file under a
# temporary directory) and on PostGIS (see scripts/testdb.py). Fails if the contracts are broken
# or if either run fails, errors or runs no test.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export FIREGRID_TESTDB_STATE="var/testdb-$$.json"  # this run's own, see scripts/testdb.py
reports="var/test-reports/$$"  # this run's own: a run that fails early leaves no stale report
mkdir -p "$reports"

url=$($py scripts/testdb.py up) || { echo "no PostGIS to test against" >&2; exit 1; }
trap '$py scripts/testdb.py down' EXIT

status=0
# First, and whatever it finds the suite still runs: a broken layer is reported with the tests.
echo "=== firegrid import contracts ==="
imports_broken=""
if ! .venv/bin/lint-imports; then
  echo "=== import contracts: BROKEN (lint-imports above) ===" >&2
  imports_broken=1
  status=1
fi

for backend in spatialite postgis; do
  echo "=== firegrid tests on $backend ==="
  if [ "$backend" = postgis ]; then export FIREGRID_TEST_DATABASE_URL="$url"; else unset FIREGRID_TEST_DATABASE_URL; fi
  FIREGRID_TEST_BACKEND=$backend $py -m pytest --junitxml="$reports/$backend.xml" "$@"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "=== $backend: FAILED (pytest exit $rc) ===" >&2
    status=1
  fi
done

# One closing line over both runs.
REPORTS="$reports" $py - <<'PY'
import os
import sys
import xml.etree.ElementTree as ET

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
broken = False
for backend in ("spatialite", "postgis"):
    try:
        suite = ET.parse(f"{os.environ['REPORTS']}/{backend}.xml").getroot().find("testsuite")
    except (OSError, ET.ParseError):
        print(f"{backend}: no report"); broken = True; continue
    counts = {key: int(suite.get(key, 0)) for key in totals}
    for key in totals:
        totals[key] += counts[key]
    if counts["tests"] - counts["skipped"] == 0:
        print(f"{backend}: ran no test")
        broken = True
passed = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
failed = totals["failures"] + totals["errors"]
print(f"both backends: {passed} passed, {failed} failed, {totals['skipped']} skipped")
sys.exit(1 if broken else 0)
PY
[ $? -eq 0 ] || status=1
[ -z "$imports_broken" ] || echo "import contracts: broken (see lint-imports at the top)"
exit $status

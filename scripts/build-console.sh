#!/usr/bin/env bash
# Builds the station/brigade console (console/, Vue 3 + Vite) into console/dist/, which firegrid
# serves at /console/, and the citizens' page 随手拍 (console/report/, the same Vite project with
# vite.report.config.js) into console/dist-report/, served at /report/, and the unit's page
# (console/unit/, vite.unit.config.js) into console/dist-unit/, served at /unit/. Idempotent: skipped
# when the build is newer than the lockfile and every source file. As root on Debian/Ubuntu, installs Node.js and npm from Debian's packages when
# they are missing (Debian 12's Node.js 18 builds it, as does Node.js 20).
# Usage: scripts/build-console.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
console=console
stamp="$console/dist/.built"  # written after a build that succeeded
report_stamp="$console/dist-report/.built"
unit_stamp="$console/dist-unit/.built"

. scripts/lib.sh  # need_root_pkg, need_node

# 1. Up to date? The stamp must be newer than the lockfile, the build's configuration and
#    every source file (a deleted source file is not noticed: use --force).
sources=("$console/package.json" "$console/package-lock.json" "$console/index.html"
  "$console/vite.config.js" "$console/vite.report.config.js" "$console/report/index.html"
  "$console/vite.unit.config.js" "$console/unit/index.html")
if [ "${1:-}" != --force ] && [ -f "$stamp" ] && [ -f "$report_stamp" ] && [ "$report_stamp" -nt "$stamp" ] \
  && [ -f "$unit_stamp" ] && [ "$unit_stamp" -nt "$report_stamp" ]; then
  stale=""
  for file in "${sources[@]}"; do
    [ "$file" -nt "$stamp" ] && { stale=1; break; }
  done
  if [ -z "$stale" ] && [ -z "$(find "$console/src" "$console/public" "$console/report/src" "$console/unit/src" -newer "$stamp" -type f 2>/dev/null | head -n 1)" ]; then
    exit 0
  fi
fi

# 2. Node.js >= 18 and npm.
need_node build-console

# 3. The dependencies exactly as locked (only when the lockfile changed), then the build.
installed="$console/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$console/package-lock.json" -nt "$installed" ]; then
  echo "[build-console] npm ci in $console" >&2
  (cd "$console" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "[build-console] building $console/dist with Node.js $(node --version)" >&2
rm -f "$stamp" "$report_stamp" "$unit_stamp"
(cd "$console" && npm run --silent build -- --logLevel warn)
touch "$stamp"
echo "[build-console] building $console/dist-report (the citizens' page /report/)" >&2
(cd "$console" && npm run --silent build:report -- --logLevel warn)
touch "$report_stamp"
echo "[build-console] building $console/dist-unit (the unit's page /unit/)" >&2
(cd "$console" && npm run --silent build:unit -- --logLevel warn)
touch "$unit_stamp"

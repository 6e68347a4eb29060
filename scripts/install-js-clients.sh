#!/usr/bin/env bash
# Installs the real JavaScript clients the sync tests drive (tests/clients: WatermelonDB with
# LokiJS, tus-js-client) from the committed lockfile, idempotently: `npm ci` runs only when
# node_modules is missing or older than package-lock.json. As root on Debian/Ubuntu, installs
# Node.js and npm from Debian's packages when they are missing.
# Usage: scripts/install-js-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
clients=tests/clients

. scripts/lib.sh  # need_root_pkg, need_node

# 1. Node.js (>= 18, WatermelonDB's minimum) and npm.
need_node install-js-clients

# 2. The clients, exactly as locked; skipped when the lockfile has not changed since.
installed="$clients/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$clients/package-lock.json" -nt "$installed" ]; then
  echo "[install-js-clients] npm ci in $clients" >&2
  (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
fi

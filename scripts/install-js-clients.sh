#!/usr/bin/env bash
# Installs the real JavaScript clients the sync tests drive (tests/clients: WatermelonDB with
# LokiJS, tus-js-client) from the committed lockfile, idempotently: `npm ci` runs only when
# node_modules is missing or older than package-lock.json. As root on Debian/Ubuntu, installs
# Node.js and npm from Debian's packages when they are missing.
# Usage: scripts/install-js-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
clients=tests/clients

need_root_pkg() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[install-js-clients] installing $* from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "$@" >/dev/null
  else
    echo "[install-js-clients] missing system package(s): $*" >&2
    echo "  Debian/Ubuntu: sudo apt-get install $*" >&2
    echo "  macOS: brew install node" >&2
    exit 1
  fi
}

# 1. Node.js (>= 18, WatermelonDB's minimum) and npm.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  need_root_pkg nodejs npm
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0] < 18))'; then
  echo "[install-js-clients] Node.js >= 18 is needed, found $(node --version)" >&2
  exit 1
fi

# 2. The clients, exactly as locked; skipped when the lockfile has not changed since.
installed="$clients/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$clients/package-lock.json" -nt "$installed" ]; then
  echo "[install-js-clients] npm ci in $clients" >&2
  (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
fi

#!/usr/bin/env bash
# Installs what firegrid needs into ./.venv, idempotently: a Python >= 3.11 virtualenv, the
# project with the given extras, and (as root on Debian/Ubuntu) the SpatiaLite system package.
# Usage: scripts/bootstrap.sh [extras]    e.g. scripts/bootstrap.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
venv=.venv

. scripts/lib.sh  # need_root_pkg, need_root_pkg_unstarted

# 1. SpatiaLite, the embedded database's spatial extension.
have_spatialite=""
for candidate in ${SPATIALITE_LIBRARY_PATH:-} /usr/lib/*/mod_spatialite.so /usr/lib/mod_spatialite.so \
    /usr/local/lib/mod_spatialite.* /opt/homebrew/lib/mod_spatialite.*; do
  if [ -e "$candidate" ]; then have_spatialite="$candidate"; break; fi
done
[ -n "$have_spatialite" ] || need_root_pkg bootstrap libsqlite3-mod-spatialite

# 1b. A TrueType Chinese font for the monthly bulletins' PDF and charts (bulletins/render.py):
#     the worker makes them in production too, so every mode needs it. reportlab embeds only
#     TrueType outlines, which Noto CJK (CFF) is not; FIREGRID_BULLETIN_FONT names another file.
if [ -z "${FIREGRID_BULLETIN_FONT:-}" ] && [ ! -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] \
    && [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  need_root_pkg bootstrap fonts-wqy-zenhei
fi

# 2. A Python >= 3.11 for the virtualenv.
python=""
for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { echo "[bootstrap] firegrid needs Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
  echo "[bootstrap] creating $venv with $python" >&2
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    need_root_pkg bootstrap python3-venv
    "$python" -m venv "$venv"
  fi
fi

# 3. The project and its extras; skipped when pyproject.toml has not changed since.
stamp="$venv/.installed-${extras:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[bootstrap] installing firegrid${extras:+[$extras]} into $venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}"
  touch "$stamp"
fi

# 4. The station/brigade console served at /console/ (Node.js, npm ci, vite build); skipped
#    when its build is newer than every source file. Built for every extras value: `make run`
#    serves it and `make test` drives it in a browser.
scripts/build-console.sh

# 5. For the tests: the real JavaScript clients the sync tests drive (npm ci, lockfile),
#    Debian's Chromium with a CJK font for the console's browser tests (tests/console), and
#    Debian's nginx for the several-hosts tests (tests/cluster.py).
case "$extras" in
  test|dev)
    scripts/install-js-clients.sh
    browser=()
    [ -x "${FIREGRID_CHROMIUM:-/usr/bin/chromium}" ] || browser+=(chromium)
    # Without a CJK font, Chinese shows as boxes in the screenshots (docs/console/).
    fc-list :lang=zh 2>/dev/null | grep -q . || browser+=(fonts-noto-cjk)
    [ ${#browser[@]} -eq 0 ] || need_root_pkg bootstrap "${browser[@]}"
    # Debian's nginx, which the several-hosts tests put in front of two API processes with
    # the shipped deploy/nginx/firegrid.conf; installed without starting Debian's own
    # (need_root_pkg_unstarted: nothing left listening on port 80).
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] \
      || need_root_pkg_unstarted bootstrap nginx nginx
    ;;
esac

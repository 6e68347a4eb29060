# Shared by the set-up scripts: install a missing system package as root on Debian/Ubuntu, or
# say what to install and stop. Usage: need_root_pkg <tag> <package>...
need_root_pkg() {
  local tag="$1"; shift
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[$tag] installing $* from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "$@" >/dev/null
  else
    echo "[$tag] missing system package(s): $*" >&2
    echo "  Debian/Ubuntu: sudo apt-get install $*" >&2
    echo "  macOS: see README.md, 'Other systems'" >&2
    exit 1
  fi
}

# Node.js >= 18 and npm, from Debian's packages when missing (as root), or say what to install
# and stop. Usage: need_node <tag>
need_node() {
  local tag="$1"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    need_root_pkg "$tag" nodejs npm
  fi
  if ! node -e 'process.exit(Number(process.versions.node.split(".")[0] < 18))'; then
    echo "[$tag] Node.js >= 18 is needed, found $(node --version)" >&2
    exit 1
  fi
}

# Install a package whose Debian packaging starts and enables a service (nginx: its default
# site on port 80) without that service running, now or after a reboot: the tests start their
# own nginx, in a folder of their own, on a free port (tests/cluster.py). While apt runs, a
# policy-rc.d that refuses every start (Debian's policy layer, honoured by invoke-rc.d and
# deb-systemd-invoke, systemd or not) is in place, unless the machine has its own (containers
# do); afterwards the unit is disabled. Nothing is done to a service installed before.
# Usage: need_root_pkg_unstarted <tag> <service> <package>...
need_root_pkg_unstarted() {
  local tag="$1" service="$2"; shift 2
  local guard=/usr/sbin/policy-rc.d placed=""
  if [ "$(id -u)" = 0 ] && [ ! -e "$guard" ]; then
    printf '#!/bin/sh\n# placed by firegrid scripts/bootstrap.sh while it installs packages\nexit 101\n' >"$guard"
    chmod 755 "$guard"
    placed=1
    # Never left behind (it would keep every service from starting), even when interrupted.
    trap "rm -f $guard" EXIT
    trap "rm -f $guard; exit 130" INT TERM
  fi
  local status=0
  ( need_root_pkg "$tag" "$@" ) || status=$?
  if [ -n "$placed" ]; then
    rm -f "$guard"
    trap - EXIT INT TERM
  fi
  [ "$status" = 0 ] || exit "$status"
  if command -v systemctl >/dev/null; then
    systemctl disable --quiet "$service" 2>/dev/null || true
  fi
}

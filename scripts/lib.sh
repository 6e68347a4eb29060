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

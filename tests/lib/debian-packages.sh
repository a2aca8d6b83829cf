# Sourced by tests/setup.d/*.sh: install Debian packages for services and browsers the tests
# start. clearance_debian_install WHAT PACKAGE... installs the packages with apt-get (as root;
# `apt-get update` once per test run, whichever script asks first) or, where that cannot be
# done, says on stderr which packages to install and returns 1.
clearance_debian_install() {
  local what=$1
  shift
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$what is missing: install Debian's package(s) $* (apt-get install $*)" >&2
    return 1
  fi
  if [ -z "${CLEARANCE_APT_UPDATED:-}" ]; then
    apt-get update -qq || return 1
    export CLEARANCE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >/dev/null || return 1
}

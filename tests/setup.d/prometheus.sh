# Sourced by tests/run.sh (also runnable: bash tests/setup.d/prometheus.sh).
# The gate tests start their own Prometheus on backfilled data: they need `prometheus` and
# `promtool` from Debian's prometheus package (2.42). Installed once; a no-op when present.
# The package's own service is irrelevant: the tests use their own port and data directory.
clearance_install_prometheus() {
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    echo "prometheus present: $(prometheus --version 2>&1 | head -n 1)"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "prometheus is missing: install Debian's prometheus package (apt-get install prometheus)" >&2
    return 1
  fi
  # apt-get update once per test run (another set-up script may have done it).
  if [ -z "${CLEARANCE_APT_UPDATED:-}" ]; then
    apt-get update -qq || return 1
    export CLEARANCE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
    >/dev/null || return 1
  echo "prometheus installed: $(prometheus --version 2>&1 | head -n 1)"
}
clearance_install_prometheus

# Sourced by tests/run.sh (also runnable: bash tests/setup.d/prometheus.sh).
# The gate tests start their own Prometheus on backfilled data: they need `prometheus` and
# `promtool` from Debian's prometheus package (2.42). Installed once; a no-op when present.
# The package's own service is irrelevant: the tests use their own port and data directory.
# shellcheck source=tests/lib/debian-packages.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/debian-packages.sh"
clearance_install_prometheus() {
  if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    clearance_debian_install prometheus prometheus || return 1
    echo "prometheus installed: $(prometheus --version 2>&1 | head -n 1)"
    return 0
  fi
  echo "prometheus present: $(prometheus --version 2>&1 | head -n 1)"
}
clearance_install_prometheus

# Sourced by tests/run.sh (also runnable: bash tests/setup.d/chromium.sh).
# The DORA dashboard test opens the page in headless Chromium driven by chromedriver
# (selenium): Debian's `chromium` and `chromium-driver`. Installed once; a no-op when present.
# shellcheck source=tests/lib/debian-packages.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/debian-packages.sh"
clearance_install_chromium() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    clearance_debian_install chromium chromium chromium-driver || return 1
    echo "chromium installed: $(chromium --version 2>/dev/null | head -n 1)"
    return 0
  fi
  echo "chromium present: $(chromium --version 2>/dev/null | head -n 1)"
}
clearance_install_chromium

# Sourced by tests/run.sh (also runnable: bash tests/setup.d/chromium.sh).
# The DORA dashboard test opens the page in headless Chromium driven by chromedriver
# (selenium): Debian's `chromium` and `chromium-driver`. Installed once; a no-op when present.
clearance_install_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "chromium present: $(chromium --version 2>/dev/null | head -n 1)"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing: install Debian's chromium and chromium-driver packages" >&2
    return 1
  fi
  # apt-get update once per test run (another set-up script may have done it).
  if [ -z "${CLEARANCE_APT_UPDATED:-}" ]; then
    apt-get update -qq || return 1
    export CLEARANCE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null || return 1
  echo "chromium installed: $(chromium --version 2>/dev/null | head -n 1)"
}
clearance_install_chromium

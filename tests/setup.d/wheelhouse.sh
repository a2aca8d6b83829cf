# Sourced by tests/run.sh (also runnable: bash tests/setup.d/wheelhouse.sh).
# Builds .cache/wheelhouse: every wheel of scripts/requirements.lock for this machine,
# hash-checked, so the e2e tests install clearance inside act with no network
# (PIP_NO_INDEX=1 PIP_FIND_LINKS=.cache/wheelhouse). Rebuilt only when the lock changes.
clearance_build_wheelhouse() {
  local root wheelhouse lock digest python
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  wheelhouse=$root/.cache/wheelhouse
  lock=$root/scripts/requirements.lock
  python=${VENV:-$root/.venv}/bin/python
  [ -x "$python" ] || python=python3
  digest=$("$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$lock")
  if [ -f "$wheelhouse/.lock-sha256" ] && [ "$(cat "$wheelhouse/.lock-sha256")" = "$digest" ]; then
    echo "wheelhouse up to date ($wheelhouse)"
    return 0
  fi
  rm -rf "$wheelhouse"
  mkdir -p "$wheelhouse"
  # The machine's pip configuration (extra indexes, constraints) stays out: PyPI only.
  PIP_CONFIG_FILE=/dev/null "$python" -m pip download --quiet --disable-pip-version-check \
    --require-hashes --requirement "$lock" --dest "$wheelhouse" || return 1
  echo "$digest" >"$wheelhouse/.lock-sha256"
  echo "wheelhouse built: $(find "$wheelhouse" -name '*.whl' | wc -l) wheels in $wheelhouse"
}
clearance_build_wheelhouse

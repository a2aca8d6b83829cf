#!/usr/bin/env bash
# The one test command (README): installs what the tests need, then runs ruff, mypy --strict
# on src/, and pytest (unit, integration, e2e). Safe to re-run; works on a fresh machine with
# only Python >= 3.11, node and npm (and apt-get, as root, for the services some tests start).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${CLEARANCE_TEST_VENV:-$ROOT/.venv}
TOOLS=$ROOT/.cache/test-tools
mkdir -p "$TOOLS"

step() { printf '\n== %s\n' "$*"; }

step "python environment ($VENV)"
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip uv
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -e ".[test]"
export PATH="$VENV/bin:$PATH"

step "SARIF validator (npm @microsoft/sarif-multitool-linux)"
if [ ! -x "$TOOLS/node_modules/.bin/sarif-multitool" ] && [ ! -d "$TOOLS/node_modules/@microsoft/sarif-multitool-linux" ]; then
  cp tests/tools/package.json tests/tools/package-lock.json "$TOOLS/"
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
fi
CLEARANCE_SARIF_MULTITOOL=$(find "$TOOLS/node_modules/@microsoft/sarif-multitool-linux" -name Sarif.Multitool -type f | head -n 1)
chmod +x "$CLEARANCE_SARIF_MULTITOOL"
export CLEARANCE_SARIF_MULTITOOL
export CLEARANCE_REQUIRE_TOOLS=1  # tests fail, not skip, when a tool above is missing

for extra in tests/setup.d/*.sh; do
  [ -e "$extra" ] || continue
  step "setup: $extra"
  # shellcheck source=/dev/null
  . "$extra"
done

step "ruff"
ruff check src tests bench
ruff format --check src tests bench

step "mypy --strict src/"
mypy --strict src

step "pytest"
set +e
pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure of the test command" >&2
  exit 1
fi
exit "$status"

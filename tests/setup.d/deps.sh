# Dependency-audit tests: a local wheelhouse of pip, setuptools and wheel. pip-audit resolves an
# unpinned manifest by creating a virtual environment and first upgrading these three there;
# with them local, the resolver test runs with no index at all. Idempotent; sourced by run.sh.
DEPS_WHEELHOUSE="$ROOT/.cache/test-wheelhouse"
if ! ls "$DEPS_WHEELHOUSE"/packaging-*.whl >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip download --quiet --only-binary=:all: \
    -d "$DEPS_WHEELHOUSE" pip setuptools wheel
fi

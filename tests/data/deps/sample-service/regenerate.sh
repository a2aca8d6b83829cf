#!/usr/bin/env bash
# How the lockfiles beside this script were made (needs the package index; tests never run it).
# The same project as pyproject.toml, requirements.txt, uv.lock, poetry.lock and pylock.toml,
# each written by the real tool, so that tests can check that every form audits the same.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p src/sample_service && touch src/sample_service/__init__.py
uv lock
uv export --format requirements.txt --all-extras --no-emit-project -o requirements.txt
uv export --format pylock.toml --all-extras -o pylock.toml
# Poetry 2 (e.g. `python3 -m venv /tmp/poetry && /tmp/poetry/bin/pip install 'poetry>=2,<3'`)
poetry lock
rm -rf src

"""The `clearance-secrets` hook under the real pre-commit (`try-repo`), offline from the wheelhouse:
it scans the staged blobs, so a secret staged and then removed from the work tree still fails."""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from tests.e2e.harness import WHEELHOUSE, make_repository
from tests.integration import test_pre_commit_hook as _hooks

pytestmark = pytest.mark.integration

# The same hook repository and pre-commit home fixtures as the clearance-code hook's tests.
hook_repo = _hooks.hook_repo
pre_commit_home = _hooks.pre_commit_home

TOKEN = "ghp_" + "".join(random.Random(5).choices(string.ascii_letters + string.digits, k=36))


def try_repo(repo: Path, hook: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_NO_DOWNLOAD": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook), "clearance-secrets", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_secrets_hook_fails_on_a_staged_secret_without_printing_it(
    tmp_path, hook_repo, pre_commit_home
) -> None:
    repo = make_repository(tmp_path / "consumer", {"app.py": "x = 1\n"})
    (repo / "settings.py").write_text(f'GITHUB_TOKEN = "{TOKEN}"\n')
    subprocess.run(["git", "add", "settings.py"], cwd=repo, check=True, timeout=30)

    result = try_repo(repo, hook_repo, pre_commit_home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "secret/github-pat" in result.stdout and "settings.py" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    assert TOKEN[8:20] not in result.stdout + result.stderr


def test_secrets_hook_passes_on_clean_files(tmp_path, hook_repo, pre_commit_home) -> None:
    repo = make_repository(tmp_path / "consumer", {"app.py": "x = 1\n", "README.md": "hello\n"})

    result = try_repo(repo, hook_repo, pre_commit_home, "--all-files")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout

"""The `clearance-deps` hook under the real pre-commit (`try-repo`), offline.

The hook environment installs from the local wheelhouse; advisories come from
tests/data/advisories through CLEARANCE_ADVISORY_DB (every option takes its default from the
environment), served on loopback by clearance.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.e2e.harness import (
    ROOT,
    WHEELHOUSE,
    commit_all,
    export_checkout,
    make_repository,
    wheelhouse_problem,
)

pytestmark = pytest.mark.integration

ADVISORIES = ROOT / "tests" / "data" / "advisories"


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = wheelhouse_problem()
    if problem:
        pytest.fail(problem)
    return commit_all(export_checkout(ROOT, tmp_path_factory.mktemp("hook-repo")))


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(
    repo: Path, hook_repo: Path, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
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
        "NO_PROXY": "127.0.0.1,localhost",
        "CLEARANCE_ADVISORY_DB": str(ADVISORIES),
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "clearance-deps", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def stage(repo: Path, name: str, text: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    subprocess.run(["git", "add", name], cwd=repo, check=True, timeout=30)


def test_a_vulnerable_pin_staged_fails_the_commit(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    repo = make_repository(tmp_path / "consumer", {"requirements.txt": "flask==2.3.2\n"})
    stage(repo, "requirements.txt", "flask==2.3.2\nrequests==2.19.0\n")

    result = try_repo(repo, hook_repo, pre_commit_home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "requirements.txt:2: HIGH [PYSEC-2018-28]" in result.stdout


def test_safe_pins_pass(tmp_path: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    repo = make_repository(tmp_path / "consumer", {"app.py": "print('hi')\n"})
    stage(repo, "requirements.txt", "flask==2.3.2\nrequests==2.31.0\n")

    result = try_repo(repo, hook_repo, pre_commit_home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_the_hook_does_not_run_when_no_manifest_changed(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    repo = make_repository(tmp_path / "consumer", {"requirements.txt": "requests==2.19.0\n"})
    stage(repo, "app.py", "print('hi')\n")

    result = try_repo(repo, hook_repo, pre_commit_home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Skipped" in result.stdout


def test_the_hook_is_project_wide_with_a_narrow_files_pattern() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["clearance-deps"]
    assert hook["entry"] == "clearance scan deps" and hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    for name in (
        "requirements.txt",
        "svc/requirements-dev.in",
        "requirements/base.txt",
        "pyproject.toml",
        "uv.lock",
        "poetry.lock",
        "pylock.toml",
        "sub/pylock.dev.toml",
    ):
        assert pattern.search(name), name
    for name in ("app.py", "README.md", "docs/requirements.md", "setup.cfg", "uv.lock.bak"):
        assert not pattern.search(name), name

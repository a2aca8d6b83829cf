"""The `clearance-code` and `clearance-workflows` hooks under the real pre-commit (`try-repo`),
offline from the wheelhouse.

The hook repository is a clean export of this checkout committed once, so pre-commit installs
the hook environment once for all the cases (from the local wheelhouse, no index).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from tests.e2e.harness import (
    ROOT,
    WHEELHOUSE,
    commit_all,
    empty_file,
    export_checkout,
    make_repository,
    wheelhouse_problem,
)

pytestmark = pytest.mark.integration

BAD = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
CLEAN = "def add(a, b):\n    return a + b\n"


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
    repo: Path, hook_repo: Path, home: Path, *args: str, hook: str = "clearance-code"
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
        "GIT_CONFIG_GLOBAL": str(empty_file()),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def consumer(tmp_path: Path, files: Mapping[str, str]) -> Path:
    return make_repository(tmp_path / "consumer", files)


def test_hook_passes_on_clean_code(tmp_path, hook_repo, pre_commit_home) -> None:
    repo = consumer(tmp_path, {"app/ok.py": CLEAN, "README.md": "not python\n"})

    result = try_repo(repo, hook_repo, pre_commit_home, "--all-files")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "clearance scan code" in result.stdout
    assert "Passed" in result.stdout


def test_hook_fails_on_a_planted_finding(tmp_path, hook_repo, pre_commit_home) -> None:
    repo = consumer(tmp_path, {"app/ok.py": CLEAN})
    (repo / "app" / "bad.py").write_text(BAD)
    subprocess.run(["git", "add", "app/bad.py"], cwd=repo, check=True, timeout=30)

    result = try_repo(repo, hook_repo, pre_commit_home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "B602" in result.stdout
    assert "app/bad.py" in result.stdout


def test_hook_honours_the_config_exclude_for_files_pre_commit_passes(
    tmp_path, hook_repo, pre_commit_home
) -> None:
    repo = consumer(
        tmp_path,
        {
            "pyproject.toml": '[tool.clearance]\nexclude = ["vendored/**"]\n',
            "vendored/legacy.py": BAD,
            "app/ok.py": CLEAN,
        },
    )

    result = try_repo(
        repo, hook_repo, pre_commit_home, "--files", "vendored/legacy.py", "app/ok.py"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "B602" not in result.stdout


UNPINNED_WORKFLOW = """\
name: ci
on: push
permissions: {}
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
"""


def test_workflows_hook_fails_on_an_unpinned_action_and_ignores_other_yaml(
    tmp_path, hook_repo, pre_commit_home
) -> None:
    repo = consumer(
        tmp_path,
        {".github/workflows/ci.yml": UNPINNED_WORKFLOW, "config/settings.yml": "uses: x/y@v1\n"},
    )

    result = try_repo(repo, hook_repo, pre_commit_home, "--all-files", hook="clearance-workflows")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "workflow/unpinned-action" in result.stdout
    assert "settings.yml" not in result.stdout

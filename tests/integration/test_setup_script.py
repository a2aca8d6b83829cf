"""scripts/setup.sh, the set-up step of every action, run as a runner would run it.

Installs go to a private environment under $RUNNER_TEMP from the hash-locked requirements and
the local wheelhouse (PIP_NO_INDEX / PIP_FIND_LINKS, which the script maps onto uv's flags).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.e2e.harness import ROOT, WHEELHOUSE, wheelhouse_problem
from tests.e2e.harness import _base_python as base_python

pytestmark = pytest.mark.integration

SETUP = ROOT / "scripts" / "setup.sh"


@pytest.fixture(scope="module", autouse=True)
def wheelhouse() -> None:
    problem = wheelhouse_problem()
    if problem:
        pytest.fail(problem)


@pytest.fixture(scope="module")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


def tools(tmp_path: Path, *, uv: bool) -> Path:
    """A bin folder with python3 (a plain interpreter, as on a runner) and optionally uv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python3").symlink_to(base_python())
    if uv:
        import sys

        (bin_dir / "uv").symlink_to(Path(sys.executable).parent / "uv")
    return bin_dir


def run_setup(
    tmp_path: Path, bin_dir: Path, uv_cache: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    env = {
        "PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]),
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_OS": "Linux",
        "GITHUB_PATH": str(tmp_path / "github_path"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PIP_CONFIG_FILE": os.devnull,
        "UV_PYTHON_DOWNLOADS": "never",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    if uv_cache is not None:
        env["UV_CACHE_DIR"] = str(uv_cache)
    env.update(extra)
    env = {k: v for k, v in env.items() if v != ""}
    return subprocess.run(
        ["bash", str(SETUP)], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def published(tmp_path: Path) -> list[Path]:
    return [Path(line) for line in (tmp_path / "github_path").read_text().splitlines()]


def test_installs_once_per_job_with_uv_and_puts_only_clearance_on_the_path(
    tmp_path, uv_cache
) -> None:
    bin_dir = tools(tmp_path, uv=True)

    first = run_setup(tmp_path, bin_dir, uv_cache)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "with uv" in first.stdout
    (public,) = published(tmp_path)
    assert public.is_relative_to(tmp_path / "runner-temp")
    assert sorted(p.name for p in public.iterdir()) == ["clearance"]
    version = subprocess.run(
        [public / "clearance", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.startswith("clearance ")

    second = run_setup(tmp_path, bin_dir, uv_cache)

    assert second.returncode == 0, second.stdout + second.stderr
    assert "reusing the environment set up earlier in this job" in second.stdout
    assert published(tmp_path) == [public, public]


def test_installs_with_pip_when_uv_is_absent(tmp_path) -> None:
    result = run_setup(tmp_path, tools(tmp_path, uv=False))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "with pip" in result.stdout
    (public,) = published(tmp_path)
    assert (public / "clearance").exists()


def test_uv_honours_pip_no_index_and_a_failed_install_is_rebuilt_next_time(
    tmp_path, uv_cache
) -> None:
    bin_dir = tools(tmp_path, uv=True)
    empty = tmp_path / "empty-wheelhouse"
    empty.mkdir()

    failed = run_setup(tmp_path, bin_dir, tmp_path / "cold-cache", PIP_FIND_LINKS=str(empty))

    assert failed.returncode != 0
    assert not (tmp_path / "github_path").exists()
    assert not list((tmp_path / "runner-temp").glob("clearance-*/ready"))

    retried = run_setup(tmp_path, bin_dir, uv_cache)

    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "installed clearance" in retried.stdout


def test_refuses_windows_runners_with_one_line(tmp_path) -> None:
    result = run_setup(tmp_path, tools(tmp_path, uv=True), RUNNER_OS="Windows")

    assert result.returncode == 1
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("::error title=clearance set-up::")
    assert "Linux and macOS" in result.stdout


def test_an_old_python_asks_for_actions_setup_python(tmp_path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # An interpreter that answers the two probes the script makes as Python 3.10 would.
    fake = bin_dir / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        "  *version_info*) exit 1 ;;\n"
        "  *python_version*) echo 3.10.12 ;;\n"
        "esac\n"
    )
    fake.chmod(0o755)

    result = run_setup(tmp_path, bin_dir)

    assert result.returncode == 1
    assert result.stdout.count("\n") == 1
    assert "needs Python >= 3.11, found 3.10.12" in result.stdout
    assert "actions/setup-python" in result.stdout


def test_needs_runner_temp(tmp_path) -> None:
    result = run_setup(tmp_path, tools(tmp_path, uv=True), RUNNER_TEMP="")

    assert result.returncode == 1
    assert "RUNNER_TEMP is not set" in result.stdout

"""The build stage: which command builds the project, and which files are its artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clearance.errors import ConfigError, ExitCode, UsageError
from clearance.pipeline.build import (
    BuildFailed,
    BuildPlan,
    build_environment,
    missing_build_requirements,
    plan_build,
    run_build,
)
from clearance.pipeline.settings import RunSettings

PY = sys.executable


def python_project(root: Path, requires: str = '["setuptools>=61"]') -> Path:
    (root / "pyproject.toml").write_text(
        f'[build-system]\nrequires = {requires}\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "p"\nversion = "1"\n'
    )
    return root


def plan(command: str, artifacts: tuple[str, ...] = ("dist/*",), timeout: float = 60) -> BuildPlan:
    return plan_build(
        Path("."), RunSettings(build=command, artifacts=artifacts, build_timeout=timeout)
    )


def writes(path: str, content: str = "x") -> str:
    """A build command (no shell) that writes one file."""
    code = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]); "
        "p.parent.mkdir(parents=True, exist_ok=True); p.write_text(sys.argv[2])"
    )
    return f"{PY} -c '{code}' {path} {content}"


def test_a_configured_command_is_split_like_a_shell_would_without_running_one() -> None:
    assert plan("make dist VERSION='1 2'").argv == ("make", "dist", "VERSION=1 2")


@pytest.mark.parametrize("command", ["make 'unclosed", "   "])
def test_an_unusable_build_command_is_a_configuration_error(command: str) -> None:
    with pytest.raises(ConfigError):
        plan(command)


def test_a_python_project_with_its_backend_installed_builds_a_wheel_offline(tmp_path: Path) -> None:
    built = plan_build(python_project(tmp_path), RunSettings(), python="py")
    assert built.argv[:4] == ("py", "-m", "pip", "wheel")
    assert {"--no-deps", "--no-build-isolation", "--no-index"} <= set(built.argv)
    assert built.how == "pip wheel, offline"


def test_a_backend_clearance_lacks_is_fetched_by_an_isolated_build(tmp_path: Path) -> None:
    python_project(tmp_path, '["surely-not-installed-backend>=1"]')
    assert missing_build_requirements(tmp_path) == ["surely-not-installed-backend>=1"]
    built = plan_build(tmp_path, RunSettings(), python="py")
    assert "--no-build-isolation" not in built.argv and "--no-index" not in built.argv
    assert "surely-not-installed-backend>=1 fetched from the package index" in built.how


def test_a_requirement_for_another_platform_is_not_missing(tmp_path: Path) -> None:
    python_project(tmp_path, '["setuptools>=61", "nope>=1; sys_platform == \'nonexistent\'"]')
    assert missing_build_requirements(tmp_path) == []


def test_a_directory_that_is_no_python_project_needs_a_build_command(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\[tool.clearance.run\] build"):
        plan_build(tmp_path, RunSettings())


def test_the_artifacts_are_the_files_the_build_made_not_older_ones(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "old-1.0.whl").write_text("old")
    made = run_build(
        plan(writes("dist/new-2.0.whl")), tmp_path, tmp_path / "log" / "build.log", os.environ
    )
    assert made == [tmp_path / "dist" / "new-2.0.whl"]


def test_a_file_the_build_rewrites_counts_as_made(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.whl").write_text("before")
    made = run_build(
        plan(writes("dist/app.whl", "after")), tmp_path, tmp_path / "b.log", os.environ
    )
    assert made == [tmp_path / "dist" / "app.whl"]


def test_a_failing_build_is_an_external_failure_in_one_line_with_its_log(tmp_path: Path) -> None:
    command = (
        f'{PY} -c \'import sys; print("compiling"); print("error: no compiler"); sys.exit(4)\''
    )
    log = tmp_path / ".clearance" / "run" / "build.log"
    with pytest.raises(BuildFailed) as caught:
        run_build(plan(command), tmp_path, log, os.environ)
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.EXTERNAL
    assert "\n" not in message
    assert "exited with 4: error: no compiler" in message
    assert "(output in .clearance/run/build.log)" in message
    assert "compiling" in log.read_text()


def test_a_missing_build_tool_is_an_external_failure(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed, match="build command not found: no-such-tool-here"):
        run_build(plan("no-such-tool-here --all"), tmp_path, tmp_path / "b.log", os.environ)


def test_a_build_that_outlives_its_time_is_stopped(tmp_path: Path) -> None:
    slow = plan(f"{PY} -c 'import time; time.sleep(30)'", timeout=0.5)
    with pytest.raises(BuildFailed, match=r"ran out of time after 0\.5s"):
        run_build(slow, tmp_path, tmp_path / "b.log", os.environ)


def test_a_build_that_makes_nothing_matching_says_where_to_configure_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"made no file matching out/\*\.tar\.gz"):
        run_build(
            plan(writes("dist/x.whl"), ("out/*.tar.gz",)), tmp_path, tmp_path / "b", os.environ
        )


def test_the_build_gets_source_date_epoch_from_the_commit_unless_given(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(tmp_path)}
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True, env=env)
    stamped = {
        **env,
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True, env=stamped)
    assert build_environment({"A": "1"}, tmp_path) == {"A": "1", "SOURCE_DATE_EPOCH": "1767225600"}
    assert build_environment({"SOURCE_DATE_EPOCH": "5"}, tmp_path)["SOURCE_DATE_EPOCH"] == "5"
    assert "SOURCE_DATE_EPOCH" not in build_environment({"A": "1"}, tmp_path / "nowhere")

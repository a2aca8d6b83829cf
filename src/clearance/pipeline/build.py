"""The build stage: the project's own build command, and the artifacts it made.

The command comes from `[tool.clearance.run] build` and runs in the repository root without a
shell, its output kept in `.clearance/run/build.log`. Without one, a Python project (a
pyproject.toml or setup.py) is built into a wheel in `dist/` by pip with the interpreter
clearance runs on: offline (`--no-build-isolation --no-index`) when the project's build
requirements are installed there, which they are for setuptools projects (clearance brings a
setuptools that builds wheels alone); else with pip's isolated build, which fetches them from
the package index. The artifacts are the files matching `artifacts` (default `dist/*`) that
the build created or changed: older files lying in `dist/` are not this build's.
"""

from __future__ import annotations

import importlib.metadata
import os
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ConfigError, ExternalError, UsageError
from clearance.paths import relative_posix
from clearance.pipeline.settings import RunSettings
from clearance.pipeline.stages import Conveyor, StageOutcome
from clearance.scan.interface import Progress

LOG_NAME = "build.log"
DEFAULT_OUTPUT = "dist"
# setuptools builds wheels without the `wheel` package from this release on.
SETUPTOOLS_OWN_BDIST_WHEEL = (70, 1)
LEGACY_REQUIRES = ("setuptools>=40.8.0",)


class BuildFailed(ExternalError):
    """The build command could not run, failed, or ran out of time."""


@dataclass(frozen=True)
class BuildPlan:
    argv: tuple[str, ...]
    artifacts: tuple[str, ...]
    timeout: float
    how: str
    """For people: `pip wheel, offline`, or the configured command."""


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _release(version: str) -> tuple[int, ...]:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version).release
    except InvalidVersion:
        return ()


def missing_build_requirements(project: Path) -> list[str]:
    """The project's build requirements ([build-system] requires) that the running
    interpreter's environment does not satisfy."""
    from packaging.requirements import InvalidRequirement, Requirement

    pyproject = project / "pyproject.toml"
    system: Mapping[str, object] = {}
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from exc
        table = data.get("build-system", {})
        system = table if isinstance(table, dict) else {}
    requires = system.get("requires", LEGACY_REQUIRES)
    backend = str(system.get("build-backend", "setuptools.build_meta:__legacy__"))
    missing: list[str] = []
    for text in requires if isinstance(requires, list) else []:
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            missing.append(str(text))
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = _installed_version(requirement.name)
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(str(text))
    setuptools = _installed_version("setuptools")
    if (
        backend.startswith("setuptools")
        and setuptools is not None
        and _release(setuptools) < SETUPTOOLS_OWN_BDIST_WHEEL
        and _installed_version("wheel") is None
    ):
        missing.append("wheel")
    return missing


def is_python_project(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() or (root / "setup.py").is_file()


def plan_build(root: Path, settings: RunSettings, python: str = sys.executable) -> BuildPlan:
    """The command that builds the project, and where its artifacts are."""
    if settings.build is not None:
        try:
            argv = tuple(shlex.split(settings.build))
        except ValueError as exc:
            raise ConfigError(f"run.build = {settings.build!r}: {exc}") from None
        if not argv:
            raise ConfigError("run.build is empty")
        return BuildPlan(argv, settings.artifacts, settings.build_timeout, settings.build)
    if not is_python_project(root):
        raise UsageError(
            f"{root} has no pyproject.toml or setup.py and no build command: set "
            "[tool.clearance.run] build = '...' (and artifacts = [...]) to tell clearance "
            "how the artifact is made"
        )
    base = (python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", DEFAULT_OUTPUT)
    missing = missing_build_requirements(root)
    if not missing:
        return BuildPlan(
            (*base, "--no-build-isolation", "--no-index", "."),
            settings.artifacts,
            settings.build_timeout,
            "pip wheel, offline",
        )
    return BuildPlan(
        (*base, "."),
        settings.artifacts,
        settings.build_timeout,
        f"pip wheel, isolated: {', '.join(missing)} fetched from the package index",
    )


def _signature(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _matching(root: Path, patterns: Sequence[str]) -> dict[Path, tuple[int, int, int]]:
    found: dict[Path, tuple[int, int, int]] = {}
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                found[path] = _signature(path)
    return found


def _last_line(log: Path) -> str:
    try:
        lines = [ln.strip() for ln in log.read_text("utf-8", "replace").splitlines()]
    except OSError:
        return ""
    meaningful = [ln for ln in lines if ln]
    return meaningful[-1][:200] if meaningful else ""


def run_build(plan: BuildPlan, root: Path, log: Path, env: Mapping[str, str]) -> list[Path]:
    """Run the build; the artifacts it created or changed. `BuildFailed` when it fails."""
    before = _matching(root, plan.artifacts)
    shown = shlex.join(plan.argv)
    where = relative_posix(log, root)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        try:
            done = subprocess.run(  # noqa: S603 - the project's own command, no shell
                list(plan.argv),
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=dict(env),
                timeout=plan.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise BuildFailed(f"build command not found: {plan.argv[0]}") from None
        except PermissionError:
            raise BuildFailed(f"build command is not executable: {plan.argv[0]}") from None
        except subprocess.TimeoutExpired:
            raise BuildFailed(
                f"build `{shown}` ran out of time after {plan.timeout:g}s (output in {where})"
            ) from None
    if done.returncode != 0:
        last = _last_line(log)
        said = f": {last}" if last else ""
        raise BuildFailed(
            f"build `{shown}` exited with {done.returncode}{said} (output in {where})"
        )
    after = _matching(root, plan.artifacts)
    made = [path for path, sign in after.items() if before.get(path) != sign]
    if not made:
        raise UsageError(
            f"build `{shown}` made no file matching {', '.join(plan.artifacts)}: "
            "set [tool.clearance.run] artifacts to where the build writes them"
        )
    return made


def build_environment(env: Mapping[str, str], root: Path) -> dict[str, str]:
    """The build's environment: clearance's, with SOURCE_DATE_EPOCH set to the commit's time
    unless given, so that tools which honour it (wheel, setuptools, many others) build the
    same bytes, hence the same digest, from the same commit."""
    from clearance.release.git import commit_time

    built = dict(env) if env else dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in built:
        when = commit_time(root)
        if when is not None:
            built["SOURCE_DATE_EPOCH"] = str(when)
    return built


@dataclass(frozen=True)
class BuildStage:
    settings: RunSettings
    env: Mapping[str, str]
    python: str = sys.executable
    name: str = "build"
    group: str | None = None

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        plan = plan_build(conveyor.root, self.settings, self.python)
        made = run_build(
            plan,
            conveyor.root,
            conveyor.work_dir / LOG_NAME,
            build_environment(self.env, conveyor.root),
        )
        conveyor.artifacts = made
        names = ", ".join(relative_posix(p, conveyor.root) for p in made)
        return StageOutcome(True, f"{names} ({plan.how})")

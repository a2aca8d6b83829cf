"""Which files a scan reads: git's view of the tree when there is one, else a walk.

In a git work tree, a directory expands to the files git knows or would add (tracked, plus
untracked ones not ignored), so virtual environments and build output listed in .gitignore
stay out. Elsewhere directories are walked, skipping VCS and cache folders and virtual
environments (folders with a pyvenv.cfg). Explicit files are
kept as given. The configuration's `exclude` globs apply to everything.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from clearance.errors import UsageError
from clearance.paths import matches_any, relative_posix

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "CVS",
        "__pycache__",
        ".tox",
        ".nox",
        ".eggs",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "node_modules",
        ".clearance",
    }
)
GIT_TIMEOUT_SECONDS = 60


def git_toplevel(path: Path) -> Path | None:
    """The work tree containing `path`, or None outside git (or without git)."""
    directory = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.strip())


def _git_files(directory: Path) -> list[Path] | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [  # noqa: S607 - git from PATH
                "git",
                "-C",
                str(directory),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
                "--",
                ".",
            ],
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    names = [n for n in done.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [directory / n for n in names if (directory / n).is_file()]


def _walk(directory: Path) -> Iterable[Path]:
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRECTORIES
            and not d.endswith(".egg")
            and not (Path(current) / d / "pyvenv.cfg").is_file()  # a virtual environment
        )
        for name in sorted(files):
            yield Path(current) / name


def discover(
    root: Path,
    paths: Sequence[Path],
    exclude: Sequence[str],
    wanted: Callable[[Path], bool],
    *,
    use_git: bool = True,
) -> list[Path]:
    """The files under `paths` (default: `root`) that `wanted` accepts, less `exclude`.

    A path that does not exist is a usage error. Explicit files skip the `wanted` check
    (the caller chose them) but not `exclude`.
    """
    chosen: dict[str, Path] = {}
    in_git = use_git and git_toplevel(root) is not None
    for path in paths or [root]:
        absolute = path if path.is_absolute() else root / path
        if not absolute.exists():
            raise UsageError(f"{path}: no such file or directory")
        if absolute.is_file():
            candidates: Iterable[Path] = [absolute]
            explicit = True
        else:
            listed = _git_files(absolute) if in_git else None
            candidates = listed if listed is not None else _walk(absolute)
            explicit = False
        for file in candidates:
            rel = relative_posix(file, root)
            if exclude and matches_any(rel, exclude):
                continue
            if not explicit and not wanted(file):
                continue
            chosen.setdefault(rel, file)
    return [chosen[k] for k in sorted(chosen)]

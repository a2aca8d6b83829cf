"""What a secret scan reads: work-tree files, staged blobs, the added lines of a diff, or every
blob in history. git is reached through its plumbing commands, each with a timeout.

Blob contents stream from one `git cat-file --batch` process; sizes are asked first
(`--batch-check`) so a blob over the size limit is counted as skipped and never read.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ExternalError, UsageError
from clearance.paths import matches_any, relative_posix

GIT_TIMEOUT_SECONDS = 120
STREAM_TIMEOUT_SECONDS = 3600
VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn", ".bzr"})
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Item:
    """One file to scan: on disk (`disk_path`) or a git object (`object_name`)."""

    path: str
    size: int
    disk_path: str | None = None
    object_name: str | None = None
    only_lines: frozenset[int] | None = None
    commit: str | None = None


class Git:
    """git plumbing in one repository; every call has a timeout, failures are typed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str, check: bool = True, stdin: bytes | None = None) -> bytes:
        try:
            done = subprocess.run(  # noqa: S603 - git with our own arguments, no shell
                ["git", "-C", str(self.root), "-c", "core.quotePath=false", *args],  # noqa: S607
                input=stdin,
                capture_output=True,
                timeout=GIT_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError as exc:
            raise ExternalError("git is not installed (needed to read the repository)") from exc
        except subprocess.TimeoutExpired as exc:
            raise ExternalError(
                f"git {args[0]} did not finish within {GIT_TIMEOUT_SECONDS}s"
            ) from exc
        if check and done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ExternalError(
                f"git {args[0]} failed: {message[-1] if message else done.returncode}"
            )
        return done.stdout

    def is_repository(self) -> bool:
        try:
            return self.run("rev-parse", "--is-inside-work-tree", check=False).strip() == b"true"
        except ExternalError:
            return False

    def commit_exists(self, rev: str) -> bool:
        if not rev or set(rev) == {"0"}:
            return False
        return bool(
            self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).strip()
        )

    def resolve(self, rev: str) -> str:
        out = self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).strip()
        if not out:
            raise UsageError(f"{rev}: no such commit in this repository")
        return out.decode()

    def merge_base(self, a: str, b: str) -> str | None:
        out = self.run("merge-base", a, b, check=False).strip()
        return out.decode() if out else None

    def parents(self, rev: str) -> list[str]:
        out = self.run("rev-list", "--parents", "-n", "1", rev, check=False).decode().split()
        return out[1:]

    def z_lines(self, *args: str) -> list[str]:
        data = self.run(*args).decode("utf-8", "surrogateescape")
        return [entry for entry in data.split("\0") if entry]

    def introducing_commit(self, blob: str) -> str | None:
        out = (
            self.run("log", "--all", "--format=%H", f"--find-object={blob}", check=False)
            .decode()
            .split()
        )
        return out[-1] if out else None

    # --- blob contents -------------------------------------------------------------------------

    def sizes(self, names: Sequence[str]) -> dict[str, tuple[str, int]]:
        """`--batch-check` for object names: name → (type, size); missing names left out."""
        if not names:
            return {}
        out = self.run("cat-file", "--batch-check", stdin="".join(f"{n}\n" for n in names).encode())
        result: dict[str, tuple[str, int]] = {}
        for name, line in zip(
            names, out.decode("utf-8", "surrogateescape").splitlines(), strict=False
        ):
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("blob", "tree", "commit", "tag"):
                result[name] = (parts[1], int(parts[2]))
        return result

    def contents(self, names: Sequence[str]) -> Iterator[tuple[str, bytes]]:
        """Stream the contents of blobs (one `git cat-file --batch` process)."""
        if not names:
            return
        process = subprocess.Popen(  # noqa: S603 - git with our own arguments, no shell
            ["git", "-C", str(self.root), "cat-file", "--batch"],  # noqa: S607
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        if (
            process.stdin is None or process.stdout is None
        ):  # pragma: no cover - PIPE always gives both
            raise ExternalError("git cat-file --batch has no pipes")
        stdin, stdout = process.stdin, process.stdout

        def feed() -> None:
            try:
                for name in names:
                    stdin.write(f"{name}\n".encode())
                stdin.close()
            except (BrokenPipeError, OSError):
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        timer = threading.Timer(STREAM_TIMEOUT_SECONDS, process.kill)
        timer.start()
        try:
            for name in names:
                header = stdout.readline().decode("utf-8", "surrogateescape").split()
                if len(header) != 3:
                    continue  # "<name> missing"
                size = int(header[2])
                data = stdout.read(size)
                stdout.read(1)
                yield name, data
        finally:
            timer.cancel()
            process.kill()
            process.wait(timeout=GIT_TIMEOUT_SECONDS)
            writer.join(timeout=GIT_TIMEOUT_SECONDS)


def _excluded(path: str, exclude: Sequence[str]) -> bool:
    return bool(exclude) and matches_any(path, exclude)


def worktree_items(
    root: Path, paths: Sequence[Path], exclude: Sequence[str], *, all_files: bool, git: Git | None
) -> list[Item]:
    """Files of the work tree: what git tracks (default), or everything (`all_files`).
    Files named explicitly are scanned as given (still subject to `exclude`)."""
    chosen: dict[str, Path] = {}
    for path in paths or [root]:
        absolute = path if path.is_absolute() else root / path
        if not absolute.exists():
            raise UsageError(f"{path}: no such file or directory")
        if absolute.is_file():
            candidates: Iterable[Path] = [absolute]
        elif git is not None and not all_files:
            candidates = (
                root / name
                for name in git.z_lines("ls-files", "-z", "--", relative_posix(absolute, root))
            )
        else:
            candidates = _walk(absolute)
        for file in candidates:
            rel = relative_posix(file, root)
            if not _excluded(rel, exclude) and (file.is_file() and not file.is_symlink()):
                chosen.setdefault(rel, file)
    items = []
    for rel in sorted(chosen):
        try:
            size = chosen[rel].stat().st_size
        except OSError:
            continue
        items.append(Item(path=rel, size=size, disk_path=str(chosen[rel])))
    return items


def _walk(directory: Path) -> Iterator[Path]:
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in VCS_DIRECTORIES)
        for name in sorted(files):
            yield Path(current) / name


def _paths_filter(paths: Sequence[Path], root: Path) -> list[str]:
    return [relative_posix(p if p.is_absolute() else root / p, root) for p in paths]


def staged_items(git: Git, root: Path, paths: Sequence[Path], exclude: Sequence[str]) -> list[Item]:
    """The staged blobs (the index, not the work tree) of files added or changed in it."""
    pathspec = _paths_filter(paths, root)
    changed = set(
        git.z_lines("diff", "--cached", "--name-only", "-z", "--diff-filter=ACMRT", "--", *pathspec)
    )
    entries = git.z_lines("ls-files", "-s", "-z", "--", *pathspec)
    items: dict[str, str] = {}
    for entry in entries:
        meta, _, path = entry.partition("\t")
        mode, sha, stage = meta.split()
        if (
            stage != "0"
            or path not in changed
            or mode in ("120000", "160000")
            or _excluded(path, exclude)
        ):
            continue
        items[path] = sha
    return _with_sizes(git, [(p, sha, None, None) for p, sha in sorted(items.items())])


def _with_sizes(
    git: Git, entries: Sequence[tuple[str, str, frozenset[int] | None, str | None]]
) -> list[Item]:
    sizes = git.sizes([name for _, name, _, _ in entries])
    return [
        Item(path=path, size=sizes[name][1], object_name=name, only_lines=lines, commit=commit)
        for path, name, lines, commit in entries
        if name in sizes and sizes[name][0] == "blob"
    ]


def tree_items(
    git: Git, rev: str, paths: Sequence[Path], root: Path, exclude: Sequence[str]
) -> list[Item]:
    """Every file of a commit's tree."""
    entries = []
    for entry in git.z_lines(
        "ls-tree", "-r", "-z", "--full-tree", rev, "--", *_paths_filter(paths, root)
    ):
        meta, _, path = entry.partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob" and mode not in ("120000",) and not _excluded(path, exclude):
            entries.append((path, sha, None, None))
    return _with_sizes(git, entries)


def diff_items(
    git: Git, base: str, head: str, paths: Sequence[Path], root: Path, exclude: Sequence[str]
) -> list[Item]:
    """The files changed from `base` to `head`, each limited to its added lines."""
    pathspec = _paths_filter(paths, root)
    patch = git.run(
        "diff",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--find-renames",
        "--diff-filter=ACMRT",
        f"{base}",
        f"{head}",
        "--",
        *pathspec,
    ).decode("utf-8", "surrogateescape")
    added = added_lines(patch)
    entries = [
        (path, f"{head}:{path}", frozenset(lines), None)
        for path, lines in sorted(added.items())
        if lines and not _excluded(path, exclude)
    ]
    return _with_sizes(git, entries)


def added_lines(patch: str) -> dict[str, set[int]]:
    """Added line numbers per new path in a unified diff with no context (`-U0`)."""
    result: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in patch.split("\n"):
        if line.startswith("+++ "):
            name = line[4:]
            if name == "/dev/null":
                current = None
                continue
            name = _unquote(name)
            name = name[2:] if name.startswith("b/") else name
            current = result.setdefault(name, set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                current.update(range(start, start + count))
    return result


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
        body = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return body.encode("latin-1", "replace").decode("utf-8", "replace")
    return name


def history_items(git: Git, exclude: Sequence[str]) -> list[Item]:
    """Every blob reachable from any ref, each once, with one path it had."""
    entries: dict[str, str] = {}
    for line in (
        git.run("rev-list", "--all", "--objects").decode("utf-8", "surrogateescape").splitlines()
    ):
        sha, _, path = line.partition(" ")
        if path and sha not in entries and not _excluded(path, exclude):
            entries[sha] = path
    return _with_sizes(
        git, [(path, sha, None, None) for sha, path in sorted(entries.items(), key=lambda e: e[1])]
    )

"""What git knows about the work tree: commit, ref, version, origin, and the commits between two.

Every call has a timeout and answers None when git is missing, the directory is not a work
tree, or the history needed is not there (a shallow clone): callers fall back or say so.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from clearance.release.records import Change, parse_time

GIT_TIMEOUT_SECONDS = 60
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(cwd), *args],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()


def head_commit(cwd: Path) -> str | None:
    return _git(cwd, "rev-parse", "--verify", "-q", "HEAD^{commit}") or None


def head_ref(cwd: Path) -> str | None:
    """`refs/heads/<branch>`, else `refs/tags/<tag>` pointing at a detached HEAD, else None."""
    branch = _git(cwd, "symbolic-ref", "-q", "HEAD")
    if branch:
        return branch
    tag = _git(cwd, "describe", "--tags", "--exact-match", "HEAD")
    return f"refs/tags/{tag}" if tag else None


def describe(cwd: Path) -> str | None:
    """`git describe --tags --always`: the nearest tag and distance, else the short commit."""
    return _git(cwd, "describe", "--tags", "--always") or None


def commit_time(cwd: Path) -> int | None:
    """The committer time of HEAD, in seconds since the epoch (for SOURCE_DATE_EPOCH)."""
    text = _git(cwd, "log", "-1", "--format=%ct", "HEAD")
    return int(text) if text and text.isdigit() else None


def user_name(cwd: Path) -> str | None:
    return _git(cwd, "config", "user.name") or None


def origin_url(cwd: Path) -> str | None:
    """The `origin` remote as a credential-free https URL (`https://github.com/o/r`)."""
    raw = _git(cwd, "config", "--get", "remote.origin.url")
    return normalize_remote(raw) if raw else None


def normalize_remote(raw: str) -> str | None:
    """`git@host:o/r.git` or `https://user:token@host/o/r.git` → `https://host/o/r`.

    User information (which may hold a token) is always dropped.
    """
    text = raw.strip()
    if not text:
        return None
    if "://" not in text:
        match = _SCP_LIKE.match(text)
        if match is None:
            return None
        host, path = match.groups()
    else:
        parsed = urllib.parse.urlsplit(text)
        if parsed.scheme not in ("https", "http", "ssh", "git") or not parsed.hostname:
            return None
        host = parsed.hostname + (
            f":{parsed.port}" if parsed.port and parsed.scheme in ("https", "http") else ""
        )
        path = parsed.path
    path = path.strip("/").removesuffix(".git")
    if not path:
        return None
    return f"https://{host}/{path}"


def repository_slug(url: str | None) -> str | None:
    """`owner/name` from a repository URL."""
    if not url:
        return None
    path = urllib.parse.urlsplit(url).path.strip("/")
    parts = path.split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


def has_commit(cwd: Path, sha: str) -> bool:
    return _git(cwd, "cat-file", "-e", f"{sha}^{{commit}}") is not None


def pull_request_of(subject: str) -> int | None:
    """The pull request a commit subject names: a squash merge's `(#123)`, or a merge commit."""
    match = _MERGE_PR.match(subject) or _SQUASH_PR.search(subject)
    return int(match.group(1)) if match else None


def first_merged_commit(cwd: Path, base: str, merged: str) -> dt.datetime | None:
    """The earliest authoring time of the commits a merge brought in (`base..merged`)."""
    out = _git(cwd, "log", "--format=%aI", f"{base}..{merged}", "--")
    if not out:
        return None
    return min(parse_time(line) for line in out.split())


def commits_between(
    cwd: Path, base: str | None, head: str, limit: int
) -> tuple[list[Change], bool] | None:
    """Commits reachable from `head` and not from `base`, newest first, at most `limit`.

    Returns (changes, complete) or None when git cannot answer (a commit is missing locally).
    `complete` is False when more than `limit` commits were found.
    """
    if not has_commit(cwd, head) or (base is not None and not has_commit(cwd, base)):
        return None
    spec: Sequence[str] = (f"{base}..{head}",) if base else (head,)
    out = _git(
        cwd,
        "log",
        f"--max-count={limit + 1}",
        "--format=%H%x1f%aI%x1f%cI%x1f%P%x1f%s%x1e",
        *spec,
        "--",
    )
    if out is None:
        return None
    changes = []
    for entry in out.split("\x1e"):
        fields = entry.strip("\n").split("\x1f")
        if len(fields) != 5:
            continue
        sha, authored, committed, parents, subject = fields
        pull_request = pull_request_of(subject)
        merged = parents.split()
        changes.append(
            Change(
                sha=sha,
                authored_at=parse_time(authored),
                committed_at=parse_time(committed),
                pull_request=pull_request,
                first_commit_at=(
                    first_merged_commit(cwd, merged[0], merged[1])
                    if pull_request is not None and len(merged) == 2
                    else None
                ),
            )
        )
    complete = len(changes) <= limit
    return changes[:limit], complete

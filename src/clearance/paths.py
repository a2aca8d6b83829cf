"""Repository-relative paths and the glob patterns used by `exclude` and `ignore.path`.

Patterns are matched against repository-relative POSIX paths: `*` and `?` stay within one
path segment, `**` spans any number of segments (including none), and a pattern without a
`/` matches a name at any depth (as in `.gitignore`). A pattern naming a directory matches
everything below it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath


def relative_posix(path: Path, root: Path) -> str:
    """`path` relative to `root` with `/` separators; absolute when outside `root`."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return PurePosixPath(os.path.abspath(path)).as_posix()
    text = rel.as_posix()
    return "." if text == "" else text


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{''.join(out)}(?:/.*)?$")


def matches(path: str, pattern: str) -> bool:
    """Whether the repository-relative `path` matches the glob `pattern`."""
    return _compile(pattern).match(path) is not None


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    return any(matches(path, p) for p in patterns)


def check_glob(pattern: str) -> None:
    """Raise ValueError for a pattern that cannot be compiled."""
    try:
        _compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid glob {pattern!r}: {exc}") from exc

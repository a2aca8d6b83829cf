"""The changes a deployment ships: commits between the environment's previous successful
deployment and this one, with their times and pull requests where known.

Sources, tried in order: the local git history (free, exact when the clone has the commits),
then the GitHub API when the ledger is GitHub's (a shallow checkout in Actions). When no
source can answer, the deployment records `changes: null` (unknown), never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from clearance.release import git
from clearance.release.records import Change

MAX_CHANGES = 250


@dataclass(frozen=True)
class ChangeList:
    changes: tuple[Change, ...]
    complete: bool = True


class ChangeSource(Protocol):
    def between(self, base: str | None, head: str) -> ChangeList | None:
        """Commits reachable from `head` and not from `base` (None: from the beginning),
        newest first; None when this source cannot tell."""
        ...


@dataclass(frozen=True)
class GitChanges:
    root: Path
    limit: int = MAX_CHANGES

    def between(self, base: str | None, head: str) -> ChangeList | None:
        if base == head:
            return ChangeList(())
        found = git.commits_between(self.root, base, head, self.limit)
        if found is None:
            return None
        changes, complete = found
        return ChangeList(tuple(changes), complete)


@dataclass(frozen=True)
class FirstAnswer:
    """The first source that can answer."""

    sources: Sequence[ChangeSource]

    def between(self, base: str | None, head: str) -> ChangeList | None:
        if base == head:
            return ChangeList(())
        for source in self.sources:
            found = source.between(base, head)
            if found is not None:
                return found
        return None


class NoChanges:
    def between(self, base: str | None, head: str) -> ChangeList | None:
        return ChangeList(()) if base == head else None

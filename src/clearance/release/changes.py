"""The changes a deployment ships: commits between the environment's previous successful
deployment and this one, with their times and pull requests where known.

Sources, tried in order: the local git history (free, exact when the clone has the commits),
then the GitHub API when the ledger is GitHub's (a shallow checkout in Actions). When no
source can answer, the deployment records `changes: null` (unknown), never a guess.

Squash merges. A squash-merged pull request reaches the branch as one commit written at merge
time; the work started at the pull request's first commit, which only the pull request still
knows. `WithPullRequestStarts` asks for it (GitHub: the pull request's commits) and records
it as `first_commit_at`, the start of the change's lead time. For a merge commit, local git
knows it too (the oldest commit the merge brought in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
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


class PullRequestStarts(Protocol):
    def first_commits(self, numbers: Sequence[int]) -> Mapping[int, dt.datetime]:
        """The time of each pull request's first commit (the earliest authored); pull requests
        this source cannot read are left out."""
        ...


@dataclass(frozen=True)
class WithPullRequestStarts:
    """The changes of `source`, with `first_commit_at` from `starts` where it is unknown."""

    source: ChangeSource
    starts: PullRequestStarts

    def between(self, base: str | None, head: str) -> ChangeList | None:
        found = self.source.between(base, head)
        if found is None:
            return None
        numbers = sorted(
            {
                c.pull_request
                for c in found.changes
                if c.pull_request is not None and c.first_commit_at is None
            }
        )
        if not numbers:
            return found
        known = self.starts.first_commits(numbers)
        return ChangeList(tuple(_started(c, known) for c in found.changes), found.complete)


def _started(change: Change, known: Mapping[int, dt.datetime]) -> Change:
    if change.first_commit_at is not None or change.pull_request is None:
        return change
    start = known.get(change.pull_request)
    return change if start is None else replace(change, first_commit_at=start)

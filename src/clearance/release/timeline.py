"""Questions asked of an environment's history, read lazily and newest first.

`Histories` reads the ledger once for several environments and hands each its own
newest-first stream, pulling more from the ledger only when a question needs it (so a
promotion usually reads one page). The functions below answer with what they read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from clearance.release.ledger.interface import Ledger
from clearance.release.records import Deployment, State

# A deployment left pending longer than this (its run died) no longer blocks others.
STALE_AFTER = dt.timedelta(hours=6)


class Histories:
    """Newest-first streams of several environments, from one lazy read of the ledger."""

    def __init__(self, ledger: Ledger, environments: Sequence[str]) -> None:
        self._names = tuple(dict.fromkeys(environments))
        self._source: Iterator[Deployment] | None = None
        self._ledger = ledger
        self._seen: dict[str, list[Deployment]] = {name: [] for name in self._names}

    def _pull(self) -> bool:
        if self._source is None:
            self._source = iter(self._ledger.history(self._names))
        for deployment in self._source:
            if deployment.environment in self._seen:
                self._seen[deployment.environment].append(deployment)
                return True
        return False

    def of(self, environment: str) -> Iterator[Deployment]:
        """The environment's deployments, newest first."""
        seen = self._seen[environment]
        index = 0
        while True:
            if index < len(seen):
                yield seen[index]
                index += 1
            elif not self._pull():
                return


def latest_finished(records: Iterable[Deployment]) -> Deployment | None:
    """The newest deployment that reached success, failure or error."""
    return next((d for d in records if not d.pending), None)


def latest_success(records: Iterable[Deployment]) -> Deployment | None:
    return next((d for d in records if d.state is State.SUCCESS), None)


def find_run(
    records: Iterable[Deployment], run_key: str | None, task: str, digest: str | None
) -> Deployment | None:
    """The deployment a re-run of the same step (same run id and attempt) already recorded.

    Looks at the deployments newer than the latest finished one, and that one: a step being
    re-run is always among them.
    """
    if run_key is None:
        return None
    for deployment in records:
        if (
            deployment.run_key == run_key
            and deployment.task == task
            and (digest is None or deployment.digest == digest)
        ):
            return deployment
        if not deployment.pending:
            return None
    return None


def blocking(records: Iterable[Deployment], now: dt.datetime) -> list[Deployment]:
    """Pending deployments newer than the latest finished one and not stale, newest first."""
    found = []
    for deployment in records:
        if not deployment.pending:
            break
        if now - deployment.created_at < STALE_AFTER:
            found.append(deployment)
    return found


@dataclass(frozen=True)
class Standing:
    """Where a digest stands in an environment (the promotion source)."""

    digest: str
    current: Deployment | None
    """The newest successful deployment of the environment."""
    newer: tuple[Deployment, ...]
    """Deployments created after `current` (failed or in progress), newest first."""
    last_success_of_digest: Deployment | None
    """The newest successful deployment of `digest` there (None: it never succeeded)."""

    @property
    def is_current(self) -> bool:
        return self.current is not None and self.current.digest == self.digest

    @property
    def failed_after(self) -> list[Deployment]:
        return [d for d in self.newer if d.state is not None and d.state.failed]

    @property
    def pending_after(self) -> list[Deployment]:
        return [d for d in self.newer if d.pending]


def standing(records: Iterable[Deployment], digest: str) -> Standing:
    """Walks the history only as far as needed: to the current success, and further back
    only when the digest is not the current one (to tell 'superseded' from 'never')."""
    newer: list[Deployment] = []
    current: Deployment | None = None
    of_digest: Deployment | None = None
    for deployment in records:
        if current is None:
            if deployment.state is State.SUCCESS:
                current = deployment
                if deployment.digest == digest:
                    of_digest = deployment
                    break
            else:
                newer.append(deployment)
        elif deployment.digest == digest and deployment.state is State.SUCCESS:
            of_digest = deployment
            break
    return Standing(digest, current, tuple(newer), of_digest)

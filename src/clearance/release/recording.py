"""What deploy, promote and rollback share: their dependencies, and the race rule.

The race rule. Each promotion or rollback records, as `previous`, the newest deployment of
the target it saw when it decided. After writing, it re-reads the target: if any deployment
was recorded between `previous` and its own, another writer decided on the same view at the
same time, and the earlier of them wins; the later marks its own deployment `error` and
stops. Two racers therefore never both proceed, whatever the timing, without any lock: the
ledger's own creation order decides. (Workflows should still serialize deployments per
environment with a `concurrency:` group; this rule is the safety net.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from clearance.release.changes import ChangeSource, NoChanges
from clearance.release.gates import GateSet
from clearance.release.ids import new_ulid
from clearance.release.ledger.interface import Ledger, LedgerError
from clearance.release.records import (
    LOST_RACE,
    Deployment,
    State,
    StatusEvent,
    utc_now_seconds,
)

DESCRIPTION_ROOM = 100


@dataclass(frozen=True)
class ReleaseContext:
    """The dependencies of the release operations, passed in (tests inject clock and ids)."""

    ledger: Ledger
    now: Callable[[], dt.datetime]
    changes: ChangeSource = field(default_factory=NoChanges)
    new_id: Callable[[dt.datetime], str] = new_ulid
    gates: GateSet = field(default_factory=GateSet)

    def clock(self) -> dt.datetime:
        return utc_now_seconds(self.now())


def status(
    state: State,
    at: dt.datetime,
    description: str,
    *,
    log_url: str | None = None,
    environment_url: str | None = None,
) -> StatusEvent:
    text = (
        description
        if len(description) <= DESCRIPTION_ROOM
        else description[: DESCRIPTION_ROOM - 1] + "…"
    )
    return StatusEvent(state, at, text, log_url, environment_url)


def complete_first_status(
    context: ReleaseContext, deployment: Deployment, first: StatusEvent
) -> Deployment:
    """A deployment found with no status (its run stopped between the two writes): finish the write."""
    if deployment.statuses:
        return deployment
    return context.ledger.add_status(deployment, first)


@dataclass(frozen=True)
class RaceResult:
    deployment: Deployment
    lost_to: Deployment | None = None


def settle(context: ReleaseContext, ours: Deployment) -> RaceResult:
    """Apply the race rule to a just-written deployment (see the module docstring)."""
    seen_ours = False
    between: Deployment | None = None
    for deployment in context.ledger.history([ours.environment]):
        if not seen_ours:
            seen_ours = deployment.id == ours.id
            continue
        if deployment.id != ours.previous:
            between = deployment
        break
    if not seen_ours:
        raise LedgerError(
            f"{context.ledger.description} does not show deployment {ours.id} just recorded; "
            "re-run the step (it resumes the same deployment)"
        )
    if between is None:
        return RaceResult(ours)
    if ours.state is State.ERROR:  # a re-run of the loser: already marked
        return RaceResult(ours, lost_to=between)
    lost = context.ledger.add_status(
        ours,
        status(
            State.ERROR,
            context.clock(),
            f"{LOST_RACE}{between.id} was recorded for {ours.environment} at the same time",
            log_url=ours.run_url,
        ),
    )
    return RaceResult(lost, lost_to=between)

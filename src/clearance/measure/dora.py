"""The four DORA keys of each environment, computed from ledger records alone.

Pure functions over `Deployment` records (either backend gives the same records), so the
figures are the same whichever ledger they come from. The definitions (also in the README):

- **Deployment**: a deployment that reached `success` in the environment, counted once, at
  its first success status. Rollbacks that succeed are deployments too.
- **Lead time for changes**: for each change (a commit the deployment recorded), from its
  start to the first successful deployment in the environment that shipped it. The start is
  the first commit of the pull request the commit merged (`first_commit_at`: squash and merge
  commits), else the commit's authoring time. A change shipped again later (after a rollback)
  keeps its first deployment. Changes without a time are counted as untimed.
- **Failed deployment**: a deployment with a `failure` or `error` status, or one that a
  rollback replaced (`rollback_of`); each counts once. Its failure time is its first failure or
  error status, else the time the rollback that replaced it was recorded.
- **Change failure rate**: failed deployments / deployments that finished (reached success,
  failure or error), each placed at its first final status.
- **Time to restore**: from the first failed deployment (its failure time) to the next success
  status in the environment; failures in between belong to the same incident. An incident
  with no success after it is open.
- A deployment that lost the race rule (two promotions decided at once: the later marks
  itself `error` and never runs) is not an attempt and counts nowhere.

A window `[since, until)` selects by those times; the whole history is read so that a change
first shipped before the window is not counted in it. Weekly figures use ISO weeks (Monday
00:00 UTC) clipped to the window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clearance.release.records import Change, Deployment, State, Task, parse_time

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Window:
    """`[since, until)`, UTC."""

    since: dt.datetime
    until: dt.datetime

    def __post_init__(self) -> None:
        if self.until <= self.since:
            raise ValueError("the window ends before it starts")

    def __contains__(self, when: object) -> bool:
        return isinstance(when, dt.datetime) and self.since <= when < self.until

    @property
    def days(self) -> float:
        return (self.until - self.since) / DAY

    def weeks(self) -> list[Window]:
        """ISO weeks (Monday 00:00 UTC) overlapping the window, clipped to it."""
        first = self.since.replace(hour=0, minute=0, second=0, microsecond=0)
        first -= dt.timedelta(days=first.weekday())
        found = []
        start = first
        while start < self.until:
            end = start + WEEK
            found.append(Window(max(start, self.since), min(end, self.until)))
            start = end
        return found


DEFAULT_WINDOW = dt.timedelta(days=30)


def parse_instant(text: str) -> dt.datetime:
    """`2025-03-01` (midnight UTC) or an RFC 3339 time; ValueError otherwise."""
    stripped = text.strip()
    try:
        day = dt.date.fromisoformat(stripped)
    except ValueError:
        return parse_time(stripped)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def resolve_window(
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    length: dt.timedelta | None,
    now: dt.datetime,
) -> Window:
    """The window from what was given: both ends, or one end and a length (default 30 days),
    or a length ending now. ValueError when the three are all given or do not make a window."""
    if since is not None and until is not None and length is not None:
        raise ValueError("give two of --since, --until and --window, not all three")
    if length is not None and length <= dt.timedelta(0):
        raise ValueError("the window must be longer than zero")
    span = length or DEFAULT_WINDOW
    if since is not None and until is None:
        until = since + span if length is not None else now.replace(microsecond=0)
    if until is None:
        until = now.replace(microsecond=0)
    if since is None:
        since = until - span
    return Window(since, until)


@dataclass(frozen=True)
class Attempt:
    """What became of one deployment."""

    deployment: Deployment
    succeeded_at: dt.datetime | None
    """Its first success status (None: never succeeded)."""
    finished_at: dt.datetime | None
    """Its first final status: success, failure or error (None: still pending)."""
    failed_at: dt.datetime | None
    """Its failure time (None: not failed)."""
    replaced_by: Deployment | None
    """The rollback that replaced it."""

    @property
    def failed(self) -> bool:
        return self.failed_at is not None


@dataclass(frozen=True)
class ShippedChange:
    change: Change
    deployed_at: dt.datetime
    deployment_id: str

    @property
    def lead_time(self) -> dt.timedelta | None:
        started = self.change.started_at
        if started is None:
            return None
        return max(dt.timedelta(0), self.deployed_at - started)


@dataclass(frozen=True)
class Incident:
    """From a failed deployment to the next success (`restored_at` None: still open)."""

    started_at: dt.datetime
    failed: str
    restored_at: dt.datetime | None = None
    restored_by: str | None = None

    @property
    def duration(self) -> dt.timedelta | None:
        return None if self.restored_at is None else self.restored_at - self.started_at


@dataclass(frozen=True)
class Keys:
    """The four keys over one window."""

    window: Window
    deployments: int
    changes: tuple[ShippedChange, ...]
    finished: int
    failed: int
    incidents: tuple[Incident, ...]

    @property
    def per_day(self) -> float:
        return self.deployments / self.window.days

    @property
    def lead_times(self) -> list[dt.timedelta]:
        return sorted(t for t in (c.lead_time for c in self.changes) if t is not None)

    @property
    def untimed_changes(self) -> int:
        return sum(1 for c in self.changes if c.lead_time is None)

    @property
    def lead_time_median(self) -> dt.timedelta | None:
        return percentile(self.lead_times, 50)

    @property
    def lead_time_p90(self) -> dt.timedelta | None:
        return percentile(self.lead_times, 90)

    @property
    def change_failure_rate(self) -> float | None:
        return None if self.finished == 0 else self.failed / self.finished

    @property
    def restore_times(self) -> list[dt.timedelta]:
        return sorted(d for d in (i.duration for i in self.incidents) if d is not None)

    @property
    def time_to_restore_median(self) -> dt.timedelta | None:
        return percentile(self.restore_times, 50)

    @property
    def open_incidents(self) -> list[Incident]:
        return [i for i in self.incidents if i.restored_at is None]


def percentile(values: Sequence[dt.timedelta], rank: float) -> dt.timedelta | None:
    """The `rank`th percentile by linear interpolation between closest ranks (the median of
    an even count is the mean of the middle two); None for no values. Whole seconds."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * rank / 100
    low, high = math.floor(position), math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return dt.timedelta(seconds=round(value.total_seconds()))


@dataclass(frozen=True)
class GateCount:
    gate: str
    verdict: str
    count: int


@dataclass(frozen=True)
class EnvironmentKeys:
    """An environment's keys over the window, week by week, with what the dashboard draws."""

    environment: str
    keys: Keys
    weeks: tuple[Keys, ...]
    attempts: tuple[Attempt, ...]
    """Deployments created in the window, oldest first (the timeline)."""
    gates: tuple[GateCount, ...]
    """Gate outcomes recorded with the deployments created in the window."""
    unknown_changes: int
    """Successful deployments in the window whose changes are unknown (lead time is partial)."""


@dataclass(frozen=True)
class DoraReport:
    window: Window
    environments: tuple[EnvironmentKeys, ...]


def _first(deployment: Deployment, states: Iterable[State]) -> dt.datetime | None:
    wanted = set(states)
    return next((s.at for s in deployment.statuses if s.state in wanted), None)


def attempts(history: Sequence[Deployment]) -> list[Attempt]:
    """What became of each deployment of one environment; `history` oldest first. A
    deployment that lost a race was never carried out: it is left out."""
    history = [d for d in history if not d.lost_race]
    replaced: dict[str, Deployment] = {}
    for d in history:
        if d.task is Task.ROLLBACK and d.rollback_of is not None:
            replaced.setdefault(d.rollback_of, d)
    found = []
    for d in history:
        by = replaced.get(d.id)
        failed_at = _first(d, (State.FAILURE, State.ERROR))
        if failed_at is None and by is not None:
            failed_at = by.created_at
        found.append(
            Attempt(
                deployment=d,
                succeeded_at=_first(d, (State.SUCCESS,)),
                finished_at=_first(d, (State.SUCCESS, State.FAILURE, State.ERROR)),
                failed_at=failed_at,
                replaced_by=by,
            )
        )
    return found


def shipped_changes(found: Sequence[Attempt]) -> list[ShippedChange]:
    """Each change with its first successful deployment (`found` oldest first)."""
    first: dict[str, ShippedChange] = {}
    for a in found:
        if a.succeeded_at is None or not a.deployment.changes:
            continue
        for change in a.deployment.changes:
            known = first.get(change.sha)
            if known is None or a.succeeded_at < known.deployed_at:
                first[change.sha] = ShippedChange(change, a.succeeded_at, a.deployment.id)
    return sorted(first.values(), key=lambda c: (c.deployed_at, c.change.sha))


def incidents(found: Sequence[Attempt]) -> list[Incident]:
    """Incidents from failures to the next success (`found` oldest first)."""
    # (time, 0 = failure before 1 = success at the same instant, ledger order, deployment)
    events: list[tuple[dt.datetime, int, int, Attempt]] = []
    for order, a in enumerate(found):
        if a.failed_at is not None:
            events.append((a.failed_at, 0, order, a))
        if a.succeeded_at is not None:
            events.append((a.succeeded_at, 1, order, a))
    events.sort(key=lambda e: e[:3])
    done: list[Incident] = []
    open_: Incident | None = None
    for at, kind, _, a in events:
        if kind == 0 and open_ is None:
            open_ = Incident(at, a.deployment.id)
        elif kind == 1 and open_ is not None:
            done.append(Incident(open_.started_at, open_.failed, at, a.deployment.id))
            open_ = None
    if open_ is not None:
        done.append(open_)
    return done


def keys_in(
    window: Window,
    found: Sequence[Attempt],
    changes: Sequence[ShippedChange],
    incidents_: Sequence[Incident],
) -> Keys:
    return Keys(
        window=window,
        deployments=sum(1 for a in found if a.succeeded_at in window),
        changes=tuple(c for c in changes if c.deployed_at in window),
        finished=sum(1 for a in found if a.finished_at in window),
        failed=sum(1 for a in found if a.failed and a.finished_at in window),
        incidents=tuple(i for i in incidents_ if i.started_at in window),
    )


def _gate_counts(found: Sequence[Attempt]) -> tuple[GateCount, ...]:
    counts = Counter((g.gate, g.verdict) for a in found for g in a.deployment.gates)
    return tuple(GateCount(gate, verdict, n) for (gate, verdict), n in sorted(counts.items()))


def environment_keys(
    environment: str, history: Sequence[Deployment], window: Window
) -> EnvironmentKeys:
    """The keys of one environment; `history` is its deployments, oldest first."""
    found = attempts(history)
    changes = shipped_changes(found)
    incidents_ = incidents(found)
    created = tuple(a for a in found if a.deployment.created_at in window)
    return EnvironmentKeys(
        environment=environment,
        keys=keys_in(window, found, changes, incidents_),
        weeks=tuple(keys_in(w, found, changes, incidents_) for w in window.weeks()),
        attempts=created,
        gates=_gate_counts(created),
        unknown_changes=sum(
            1 for a in found if a.succeeded_at in window and a.deployment.changes is None
        ),
    )


def dora(
    history: Iterable[Deployment], window: Window, environments: Sequence[str] | None = None
) -> DoraReport:
    """The keys of each environment over `window`.

    `history` is the ledger's, newest first (as `Ledger.history` yields it); `environments`
    selects and orders them (None: every environment in the history, by name).
    """
    per: dict[str, list[Deployment]] = {}
    for d in history:
        per.setdefault(d.environment, []).append(d)
    names = list(dict.fromkeys(environments)) if environments is not None else sorted(per)
    return DoraReport(
        window,
        tuple(environment_keys(n, list(reversed(per.get(n, []))), window) for n in names),
    )

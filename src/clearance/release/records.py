"""The deployment record: what every ledger backend stores and every command reads.

A `Deployment` is one attempt to put one artifact digest into one environment, with the
statuses it went through. Times are UTC, to the second. The JSON form (`to_json` /
`from_json`) is the payload stored in GitHub Deployments, the row stored in SQLite, the
items of `clearance history --format json` and of `clearance ledger export`; it is versioned
(`format`, `RECORD_VERSION`) and validated on the way in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

RECORD_VERSION = 1
LOST_RACE = "lost a race: "
"""How the `error` status of a deployment that lost the race rule begins (`recording.settle`):
such a deployment was never carried out."""


class State(StrEnum):
    """Deployment status states, as GitHub names them."""

    QUEUED = "queued"
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    INACTIVE = "inactive"

    @property
    def pending(self) -> bool:
        return self in (State.QUEUED, State.PENDING, State.IN_PROGRESS)

    @property
    def failed(self) -> bool:
        return self in (State.FAILURE, State.ERROR)


class Task(StrEnum):
    """What a deployment did: a plain deploy, a promotion from another environment, a rollback."""

    DEPLOY = "deploy"
    PROMOTE = "deploy:promote"
    ROLLBACK = "deploy:rollback"


def run_key(run_id: str | None, attempt: int | None) -> str | None:
    """`<run id>.<attempt>`: re-running a step of the same attempt finds its record by this."""
    if run_id is None:
        return None
    return f"{run_id}.{attempt or 1}"


def utc_now_seconds(now: dt.datetime) -> dt.datetime:
    """`now` in UTC, to the second (what every record stores)."""
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return now.astimezone(dt.UTC).replace(microsecond=0)


def format_time(value: dt.datetime) -> str:
    """`2024-05-01T12:00:00Z`."""
    return utc_now_seconds(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    """An RFC 3339 time (`Z` or an offset) as an aware UTC datetime; ValueError otherwise."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone (write it in UTC with a Z)")
    return value.astimezone(dt.UTC)


@dataclass(frozen=True)
class StatusEvent:
    """One status of a deployment, in the order written."""

    state: State
    at: dt.datetime
    description: str = ""
    log_url: str | None = None
    environment_url: str | None = None


@dataclass(frozen=True)
class Change:
    """A commit a deployment ships, with its times and pull request where known.

    `first_commit_at` is the time of the first commit of the pull request this commit merged
    (a squash or merge commit: the work started then, not when it was merged); None when the
    commit merged no pull request or its commits could not be read.
    """

    sha: str
    authored_at: dt.datetime | None = None
    committed_at: dt.datetime | None = None
    pull_request: int | None = None
    first_commit_at: dt.datetime | None = None

    @property
    def started_at(self) -> dt.datetime | None:
        """When the work on this change started: its pull request's first commit, else its own
        authoring time (else its commit time)."""
        return self.first_commit_at or self.authored_at or self.committed_at


@dataclass(frozen=True)
class GateOutcome:
    """What one gate answered when the deployment was decided (promotion, rollback)."""

    gate: str
    verdict: str
    reason: str = ""


@dataclass(frozen=True)
class ScanSummary:
    """What a clearance scan report said about the deployed commit, recorded at deploy time."""

    outcome: str
    fail_on: str
    counts: Mapping[str, int]
    scanners: tuple[str, ...]
    report_digest: str
    tool_version: str = ""


@dataclass(frozen=True)
class Evidence:
    """Evidence recorded with a deployment: a scan summary and references to bundles/attestations."""

    scan: ScanSummary | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deployment:
    """One deployment of one digest to one environment."""

    id: str
    environment: str
    digest: str
    commit: str
    task: Task
    created_at: dt.datetime
    ref: str | None = None
    repository: str | None = None
    version: str | None = None
    actor: str | None = None
    run_id: str | None = None
    run_attempt: int | None = None
    run_url: str | None = None
    production: bool = False
    transient: bool = False
    description: str = ""
    promoted_from: str | None = None
    rollback_of: str | None = None
    previous: str | None = None
    changes: tuple[Change, ...] | None = None
    changes_complete: bool = True
    evidence: Evidence = field(default_factory=Evidence)
    gates: tuple[GateOutcome, ...] = ()
    statuses: tuple[StatusEvent, ...] = ()

    @property
    def state(self) -> State | None:
        """The latest status that is not `inactive` (None: created, no status written yet)."""
        for status in reversed(self.statuses):
            if status.state is not State.INACTIVE:
                return status.state
        return None

    @property
    def pending(self) -> bool:
        state = self.state
        return state is None or state.pending

    @property
    def succeeded_at(self) -> dt.datetime | None:
        """When it last reached `success` (None if it never did)."""
        for status in reversed(self.statuses):
            if status.state is State.SUCCESS:
                return status.at
        return None

    @property
    def finished_at(self) -> dt.datetime | None:
        """When it last reached a final state (success, failure, error)."""
        for status in reversed(self.statuses):
            if status.state in (State.SUCCESS, State.FAILURE, State.ERROR):
                return status.at
        return None

    @property
    def run_key(self) -> str | None:
        return run_key(self.run_id, self.run_attempt)

    @property
    def lost_race(self) -> bool:
        """It lost the race rule to another deployment recorded at the same time: never run."""
        return any(
            s.state is State.ERROR and s.description.startswith(LOST_RACE) for s in self.statuses
        )

    def with_status(self, status: StatusEvent) -> Deployment:
        return replace(self, statuses=(*self.statuses, status))


def _time_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else format_time(value)


def change_to_json(change: Change) -> dict[str, Any]:
    return {
        "sha": change.sha,
        "authored_at": _time_or_none(change.authored_at),
        "committed_at": _time_or_none(change.committed_at),
        "pull_request": change.pull_request,
        "first_commit_at": _time_or_none(change.first_commit_at),
    }


def gate_to_json(outcome: GateOutcome) -> dict[str, Any]:
    return {"gate": outcome.gate, "verdict": outcome.verdict, "reason": outcome.reason}


def status_to_json(status: StatusEvent) -> dict[str, Any]:
    return {
        "state": status.state.value,
        "at": format_time(status.at),
        "description": status.description,
        "log_url": status.log_url,
        "environment_url": status.environment_url,
    }


_SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def _ordered_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts in severity order whatever order a backend stored them in: equal records render
    identically."""
    rank = {name: index for index, name in enumerate(_SEVERITY_ORDER)}
    return {k: counts[k] for k in sorted(counts, key=lambda k: (rank.get(k, len(rank)), k))}


def evidence_to_json(evidence: Evidence) -> dict[str, Any]:
    scan = evidence.scan
    return {
        "scan": None
        if scan is None
        else {
            "outcome": scan.outcome,
            "fail_on": scan.fail_on,
            "counts": _ordered_counts(scan.counts),
            "scanners": list(scan.scanners),
            "report_digest": scan.report_digest,
            "tool_version": scan.tool_version,
        },
        "references": list(evidence.references),
    }


def to_json(deployment: Deployment, *, statuses: bool = True) -> dict[str, Any]:
    """The record as JSON; `statuses=False` for the immutable part (a GitHub payload)."""
    d = deployment
    document: dict[str, Any] = {
        "format": RECORD_VERSION,
        "id": d.id,
        "environment": d.environment,
        "digest": d.digest,
        "commit": d.commit,
        "ref": d.ref,
        "task": d.task.value,
        "created_at": format_time(d.created_at),
        "repository": d.repository,
        "version": d.version,
        "actor": d.actor,
        "run": {"id": d.run_id, "attempt": d.run_attempt, "url": d.run_url},
        "production": d.production,
        "transient": d.transient,
        "description": d.description,
        "promoted_from": d.promoted_from,
        "rollback_of": d.rollback_of,
        "previous": d.previous,
        "changes": None if d.changes is None else [change_to_json(c) for c in d.changes],
        "changes_complete": d.changes_complete,
        "evidence": evidence_to_json(d.evidence),
        "gates": [gate_to_json(g) for g in d.gates],
    }
    if statuses:
        document["statuses"] = [status_to_json(s) for s in d.statuses]
    return document


class RecordError(ValueError):
    """A stored or imported record that does not have the expected shape."""


def _get(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise RecordError(f"{where}: missing {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RecordError(f"{where}: {key!r} has the wrong type")
    return value


def _opt(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RecordError(f"{where}: {key!r} has the wrong type")
    return value


def _opt_time(table: Mapping[str, Any], key: str, where: str) -> dt.datetime | None:
    value = _opt(table, key, str, where)
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise RecordError(f"{where}: {key!r} is not a time: {exc}") from exc


def status_from_json(item: Mapping[str, Any], where: str) -> StatusEvent:
    try:
        state = State(_get(item, "state", str, where))
    except ValueError as exc:
        raise RecordError(f"{where}: unknown state {item.get('state')!r}") from exc
    at = _opt_time(item, "at", where)
    if at is None:
        raise RecordError(f"{where}: missing 'at'")
    return StatusEvent(
        state=state,
        at=at,
        description=_opt(item, "description", str, where) or "",
        log_url=_opt(item, "log_url", str, where),
        environment_url=_opt(item, "environment_url", str, where),
    )


def _evidence_from_json(item: Mapping[str, Any] | None, where: str) -> Evidence:
    if item is None:
        return Evidence()
    if not isinstance(item, Mapping):
        raise RecordError(f"{where}: 'evidence' must be an object")
    scan_item = item.get("scan")
    scan = None
    if scan_item is not None:
        if not isinstance(scan_item, Mapping):
            raise RecordError(f"{where}: 'evidence.scan' must be an object")
        counts = _get(scan_item, "counts", dict, where)
        scan = ScanSummary(
            outcome=_get(scan_item, "outcome", str, where),
            fail_on=_get(scan_item, "fail_on", str, where),
            counts={str(k): int(v) for k, v in counts.items()},
            scanners=tuple(str(s) for s in _get(scan_item, "scanners", list, where)),
            report_digest=_get(scan_item, "report_digest", str, where),
            tool_version=_opt(scan_item, "tool_version", str, where) or "",
        )
    references = tuple(str(r) for r in (_opt(item, "references", list, where) or []))
    return Evidence(scan=scan, references=references)


def from_json(
    item: Mapping[str, Any], *, statuses: Sequence[StatusEvent] | None = None
) -> Deployment:
    """A record from its JSON form; `statuses` replaces the record's own list when given."""
    if not isinstance(item, Mapping):
        raise RecordError("a deployment record must be a JSON object")
    record_id = item.get("id")
    where = f"deployment {record_id}" if isinstance(record_id, str) else "deployment record"
    record_format = _get(item, "format", int, where)
    if record_format != RECORD_VERSION:
        raise RecordError(
            f"{where}: record format {record_format} is not supported (expected {RECORD_VERSION})"
        )
    try:
        task = Task(_get(item, "task", str, where))
    except ValueError as exc:
        raise RecordError(f"{where}: unknown task {item.get('task')!r}") from exc
    created = _opt_time(item, "created_at", where)
    if created is None:
        raise RecordError(f"{where}: missing 'created_at'")
    run = _opt(item, "run", dict, where) or {}
    changes_item = _opt(item, "changes", list, where)
    changes = None
    if changes_item is not None:
        changes = tuple(
            Change(
                sha=_get(c, "sha", str, where),
                authored_at=_opt_time(c, "authored_at", where),
                committed_at=_opt_time(c, "committed_at", where),
                pull_request=_opt(c, "pull_request", int, where),
                first_commit_at=_opt_time(c, "first_commit_at", where),
            )
            for c in changes_item
            if isinstance(c, Mapping)
        )
    gates = tuple(
        GateOutcome(
            gate=_get(g, "gate", str, where),
            verdict=_get(g, "verdict", str, where),
            reason=_opt(g, "reason", str, where) or "",
        )
        for g in _opt(item, "gates", list, where) or []
        if isinstance(g, Mapping)
    )
    if statuses is None:
        status_items = _opt(item, "statuses", list, where) or []
        statuses = [status_from_json(s, where) for s in status_items]
    return Deployment(
        id=_get(item, "id", str, where),
        environment=_get(item, "environment", str, where),
        digest=_get(item, "digest", str, where),
        commit=_get(item, "commit", str, where),
        task=task,
        created_at=created,
        ref=_opt(item, "ref", str, where),
        repository=_opt(item, "repository", str, where),
        version=_opt(item, "version", str, where),
        actor=_opt(item, "actor", str, where),
        run_id=_opt(run, "id", str, where),
        run_attempt=_opt(run, "attempt", int, where),
        run_url=_opt(run, "url", str, where),
        production=bool(item.get("production", False)),
        transient=bool(item.get("transient", False)),
        description=_opt(item, "description", str, where) or "",
        promoted_from=_opt(item, "promoted_from", str, where),
        rollback_of=_opt(item, "rollback_of", str, where),
        previous=_opt(item, "previous", str, where),
        changes=changes,
        changes_complete=bool(item.get("changes_complete", True)),
        evidence=_evidence_from_json(item.get("evidence"), where),
        gates=gates,
        statuses=tuple(statuses),
    )

"""Small ledgers written out by hand, with the DORA figures computed by hand in the comments.

Window: the week of Monday 2025-03-03 (`WINDOW`). Times are `at(day, hour, minute)` from
2025-03-03 00:00 UTC. Each scenario is a list of deployments oldest first (the order they
are recorded in); `newest_first` gives it as `Ledger.history` yields it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from clearance.measure.dora import Window
from clearance.release.records import (
    Change,
    Deployment,
    GateOutcome,
    State,
    StatusEvent,
    Task,
)

MONDAY = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
WINDOW = Window(MONDAY, MONDAY + dt.timedelta(days=7))
IN_PROGRESS, SUCCESS, FAILURE, ERROR = State.IN_PROGRESS, State.SUCCESS, State.FAILURE, State.ERROR


def at(day: float, hour: int = 0, minute: int = 0) -> dt.datetime:
    return MONDAY + dt.timedelta(days=day, hours=hour, minutes=minute)


def sha(name: str) -> str:
    return name.encode().hex().ljust(40, "0")[:40]


def deploy(
    n: int,
    created: dt.datetime,
    *statuses: tuple[State, dt.datetime],
    environment: str = "production",
    task: Task = Task.DEPLOY,
    rollback_of: int | None = None,
    changes: Sequence[Change] = (),
    gates: Sequence[GateOutcome] = (),
) -> Deployment:
    return Deployment(
        id=ident(n),
        environment=environment,
        digest=f"sha256:{n:064x}",
        commit=sha(f"commit {n}"),
        task=task,
        created_at=created,
        repository="octo-org/octo-repo",
        version=f"v{n}",
        rollback_of=None if rollback_of is None else ident(rollback_of),
        changes=tuple(changes),
        gates=tuple(gates),
        statuses=(
            StatusEvent(IN_PROGRESS, created, "deploying"),
            *(StatusEvent(state, when, state.value) for state, when in statuses),
        ),
    )


def ident(n: int) -> str:
    return f"01JNQ3V6E0{n:016d}"


def newest_first(records: Sequence[Deployment]) -> list[Deployment]:
    return list(reversed(records))


# ---------------------------------------------------------------- deployment frequency
# Counted: 1 (success Monday 00:10, created before the window), 2, 5 (a rollback that
# succeeded is a deployment), 6 (success at the last second of the window).
# Not counted: 3 (failed), 4 (still in progress), 7 (success at the window's end, which is
# exclusive), 8 (staging). => production: 4 deployments, 4/7 a day.
FREQUENCY = [
    deploy(1, at(-1, 23, 50), (SUCCESS, at(0, 0, 10))),
    deploy(2, at(1, 9), (SUCCESS, at(1, 9, 20))),
    deploy(3, at(2, 9), (FAILURE, at(2, 9, 15))),
    deploy(4, at(3, 9)),
    deploy(5, at(3, 10), (SUCCESS, at(3, 10, 5)), task=Task.ROLLBACK, rollback_of=3),
    deploy(6, at(6, 23, 50), (SUCCESS, at(7) - dt.timedelta(seconds=1))),
    deploy(7, at(6, 23, 55), (SUCCESS, at(7))),
    deploy(8, at(1, 8), (SUCCESS, at(1, 8, 10)), environment="staging"),
]
FREQUENCY_EXPECTED = {"deployments": 4, "per_day": 4 / 7}

# ---------------------------------------------------------------- lead time for changes
# squash: PR #12 squash-merged as one commit authored Monday 12:00; the pull request's
#   first commit was Saturday 2025-03-01 12:00. Shipped by 11 (success Monday 14:00):
#   lead time from the PR's first commit: 2 days 2 hours = 50h (not 2h from the squash).
# plain: a commit authored Tuesday 10:00, shipped by 12 which FAILED, then by 13 (success
#   Tuesday 13:00): 3h (the first *successful* deployment).
# merge: PR #13's merge commit (authored Tuesday 12:00, first commit Tuesday 08:00), also in
#   13: 5h.
# 14 (after a rollback) ships squash again: it keeps its first deployment (11), counted once.
# old: shipped by 10 before the window (Feb 20) and again by 14: not in this window.
# untimed: a change with no time at all, in 14: counted as untimed, no lead time.
# => lead times 3h, 5h, 50h: median 5h; p90 = 5h + 0.8 * (50h - 5h) = 41h; 3 timed, 1 untimed.
SQUASH = Change(sha("squash"), at(0, 12), at(0, 12), 12, first_commit_at=at(-2, 12))
PLAIN = Change(sha("plain"), at(1, 10), at(1, 10))
MERGE = Change(sha("merge"), at(1, 12), at(1, 12), 13, first_commit_at=at(1, 8))
OLD = Change(sha("old"), at(-14), at(-14))
UNTIMED = Change(sha("untimed"))
LEAD_TIME = [
    deploy(10, at(-11), (SUCCESS, at(-11, 0, 10)), changes=[OLD]),
    deploy(11, at(0, 13, 30), (SUCCESS, at(0, 14)), changes=[SQUASH]),
    deploy(12, at(1, 11), (FAILURE, at(1, 11, 10)), changes=[PLAIN]),
    deploy(13, at(1, 12, 30), (SUCCESS, at(1, 13)), changes=[MERGE, PLAIN]),
    deploy(14, at(2, 9), (SUCCESS, at(2, 9, 30)), changes=[SQUASH, OLD, UNTIMED]),
]
LEAD_TIME_EXPECTED = {
    "changes": 4,
    "untimed_changes": 1,
    "median_seconds": 5 * 3600,
    "p90_seconds": 41 * 3600,
}

# ---------------------------------------------------------------- change failure rate
# 20 success; 21 failure; 22 success, then replaced by rollback 23 (success); 24 error and
# also replaced by rollback 25 (success): counted ONCE; 26 still in progress (not finished).
# finished: 20, 21, 22, 23, 24, 25 = 6; failed: 21, 22, 24 = 3 => 50%.
FAILURE_RATE = [
    deploy(20, at(0, 9), (SUCCESS, at(0, 9, 10))),
    deploy(21, at(1, 9), (FAILURE, at(1, 9, 10))),
    deploy(22, at(2, 9), (SUCCESS, at(2, 9, 10))),
    deploy(23, at(2, 12), (SUCCESS, at(2, 12, 10)), task=Task.ROLLBACK, rollback_of=22),
    deploy(24, at(3, 9), (ERROR, at(3, 9, 5))),
    deploy(25, at(3, 9, 30), (SUCCESS, at(3, 9, 40)), task=Task.ROLLBACK, rollback_of=24),
    deploy(26, at(4, 9)),
]
FAILURE_RATE_EXPECTED = {"failed": 3, "finished": 6, "rate": 0.5}

# ---------------------------------------------------------------- time to restore
# A failure followed by a fix: 31 fails Monday 10:00, 32 fails 10:30 (the same incident),
#   33, a fix, succeeds 11:15 => 1h15m.
# A rollback: 34 succeeds Tuesday 09:00; rollback 35, recorded Tuesday 12:00 (when 34 was
#   declared failed), succeeds 12:20 => 20m.
# 36 fails Thursday 09:00 and nothing succeeds after it => an open incident.
# => 3 incidents, 2 restored (20m, 1h15m): median 47m30s = 2850 s; 1 open.
RESTORE = [
    deploy(30, at(0, 9), (SUCCESS, at(0, 9, 5))),
    deploy(31, at(0, 9, 50), (FAILURE, at(0, 10))),
    deploy(32, at(0, 10, 20), (FAILURE, at(0, 10, 30))),
    deploy(33, at(0, 11), (SUCCESS, at(0, 11, 15))),
    deploy(34, at(1, 8, 50), (SUCCESS, at(1, 9))),
    deploy(35, at(1, 12), (SUCCESS, at(1, 12, 20)), task=Task.ROLLBACK, rollback_of=34),
    deploy(36, at(3, 8, 50), (FAILURE, at(3, 9))),
]
RESTORE_EXPECTED = {"incidents": 3, "open": 1, "median_seconds": 2850}


# ---------------------------------------------------------------- all four, two environments
def release_train() -> list[Deployment]:
    """Staging and production over two weeks: promotions with gate outcomes, a squash merge,
    a failure followed by a fix, a rollback. Used for the both-backends test and the
    dashboard. (Figures in tests/integration/measure/test_dora_backends.py.)"""
    # what a recorded promotion carries: every gate passed or had nothing to check (a refused
    # promotion records nothing)
    gates_ok = (
        GateOutcome("source", "pass", "current in staging"),
        GateOutcome("soak", "pass", "soaked 2h"),
        GateOutcome("verification", "not configured", "not configured"),
        GateOutcome("checkout-slo", "pass", "burn rate 0.4x"),
    )
    records: list[Deployment] = []
    n = 100
    for day in range(14):
        feature = Change(
            sha(f"feature {day}"),
            at(day, 8),
            at(day, 8),
            40 + day,
            first_commit_at=at(day - 1, 15),
        )
        n += 1
        records.append(
            deploy(
                n, at(day, 9), (SUCCESS, at(day, 9, 10)), environment="staging", changes=[feature]
            )
        )
        if day % 2:
            continue
        n += 1
        failing = day in (4, 10)
        rolled_back = day == 8
        records.append(
            deploy(
                n,
                at(day, 13),
                (FAILURE, at(day, 13, 20)) if failing else (SUCCESS, at(day, 13, 15)),
                task=Task.PROMOTE,
                changes=[feature],
                gates=gates_ok,
            )
        )
        if failing:  # a fix, promoted an hour later
            n += 1
            fix = Change(sha(f"fix {day}"), at(day, 13, 40), at(day, 13, 40), 90 + day)
            records.append(
                deploy(
                    n,
                    at(day, 14),
                    (SUCCESS, at(day, 14, 25)),
                    task=Task.PROMOTE,
                    changes=[fix, feature],
                    gates=gates_ok,
                )
            )
        if rolled_back:
            n += 1
            records.append(
                deploy(
                    n,
                    at(day, 16),
                    (SUCCESS, at(day, 16, 10)),
                    task=Task.ROLLBACK,
                    rollback_of=n - 1,
                    gates=(GateOutcome("scan", "pass", "scan passed"),),
                )
            )
    return records

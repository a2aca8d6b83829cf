"""`clearance dora` reads the same figures from both ledger backends: the hand-written
scenarios recorded in SQLite and, through the GitHub ledger's own writes, in the GitHub API
stand-in; and a 1,000-deployment history is read from GitHub in at most 15 requests."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.release import dora_scenarios as s
from tests.release.backends import Backend, ensure_commits, github_backend, seed, sqlite_backend
from tests.release.support import Cli, Clock

from clearance.release.records import Change, Deployment, State, StatusEvent, Task

pytestmark = pytest.mark.integration

SCENARIOS = {
    "frequency": (
        s.FREQUENCY,
        "deployment_frequency",
        {"deployments": 4, "per_day": 0.5714, "per_week": 4.0},
    ),
    "lead-time": (s.LEAD_TIME, "lead_time", s.LEAD_TIME_EXPECTED),
    "failure-rate": (s.FAILURE_RATE, "change_failure_rate", s.FAILURE_RATE_EXPECTED),
    "restore": (s.RESTORE, "time_to_restore", s.RESTORE_EXPECTED),
}
WINDOW_ARGS = ["--since", "2025-03-03", "--window", "7d", "--format", "json"]


def scenario_records() -> list[Deployment]:
    """Each per-key scenario in an environment of its own, then the release train."""
    records = [
        replace(d, environment=name if d.environment == "production" else f"{name}-staging")
        for name, (deployments, _, _) in SCENARIOS.items()
        for d in deployments
    ]
    return records + s.release_train()


def dora_json(cli: Cli, backend: Backend, *args: str) -> dict[str, Any]:
    result = cli("dora", *backend.cli_args, *args, env=backend.cli_env)
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    return Cli(monkeypatch, tmp_path, Clock(s.at(30)), {"GITHUB_ACTIONS": ""})


def test_both_backends_give_the_hand_computed_figures(
    cli: Cli, tmp_path: Path, github_api: Any
) -> None:
    sqlite, github = sqlite_backend(tmp_path), github_backend(github_api)
    records = scenario_records()
    ensure_commits(github_api, [d.commit for d in records])
    for backend in (sqlite, github):
        ledger = backend.open()
        for d in records:
            ledger.record(d, new=True)  # GitHub: the ledger's own REST writes, validated
        ledger.close()

    from_sqlite = dora_json(cli, sqlite, *WINDOW_ARGS)
    from_github = dora_json(cli, github, *WINDOW_ARGS)

    assert from_github == from_sqlite
    by_name = {e["environment"]: e for e in from_sqlite["environments"]}
    for name, (_, key, expected) in SCENARIOS.items():
        assert by_name[name][key] == expected, name
    assert by_name["restore"]["incidents"][0] == {
        "started_at": "2025-03-03T10:00:00Z",
        "failed_deployment": s.ident(31),
        "restored_at": "2025-03-03T11:15:00Z",
        "restored_by": s.ident(33),
        "seconds": 4500,
    }


def test_the_release_train_over_two_weeks(cli: Cli, tmp_path: Path) -> None:
    # production, 2025-03-03 .. 03-17: promotions on days 0, 2, ..., 12 (7); days 4 and 10
    # fail at 13:20 and a fix succeeds at 14:25 (65 min each); day 8 is rolled back at 16:00,
    # restored 16:10 (10 min). Deployments: 5 good promotions + 2 fixes + 1 rollback = 8.
    # Finished 10, failed 3 (two failures, one replaced) => 30%. Restores 10m, 65m, 65m =>
    # median 65m. Lead time: each feature starts the day before at 15:00; promoted at 13:15
    # (22h15m) on 5 days, 14:25 (23h25m) on failing days, the fix itself 45m (13:40 -> 14:25).
    sqlite = sqlite_backend(tmp_path)
    ledger = sqlite.open()
    for d in s.release_train():
        ledger.record(d, new=True)
    ledger.close()
    production = dora_json(
        cli,
        sqlite,
        "--since",
        "2025-03-03",
        "--window",
        "14d",
        "--format",
        "json",
        "-e",
        "production",
    )["environments"][0]
    assert production["deployment_frequency"]["deployments"] == 8
    assert production["change_failure_rate"] == {"failed": 3, "finished": 10, "rate": 0.3}
    assert production["time_to_restore"] == {"incidents": 3, "open": 0, "median_seconds": 65 * 60}
    # 9 changes: 7 features (5 x 22h15m, 2 x 23h25m) and 2 fixes (45m): median 22h15m
    assert production["lead_time"]["changes"] == 9
    assert production["lead_time"]["median_seconds"] == (22 * 60 + 15) * 60
    gates = {(g["gate"], g["verdict"]): g["count"] for g in production["gates"]}
    assert gates[("checkout-slo", "pass")] == 9, "7 promotions and 2 fixes"
    assert gates[("verification", "not configured")] == 9
    assert gates[("scan", "pass")] == 1, "the rollback's evidence gate"
    assert [w["deployment_frequency"]["deployments"] for w in production["weeks"]] == [4, 4]


def thousand() -> list[Deployment]:
    start = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
    records = []
    for n in range(1, 1001):
        created = start + dt.timedelta(hours=3 * n)
        state = State.FAILURE if n % 9 == 0 else State.SUCCESS
        change = Change(
            s.sha(f"change {n}"),
            created - dt.timedelta(hours=5),
            created - dt.timedelta(hours=5),
            n,
            first_commit_at=created - dt.timedelta(hours=20 + n % 7),
        )
        records.append(
            Deployment(
                id=s.ident(10_000 + n),
                environment="production" if n % 3 else "staging",
                digest=f"sha256:{n:064x}",
                commit=s.sha("head"),
                task=Task.PROMOTE if n % 3 else Task.DEPLOY,
                created_at=created,
                changes=(change,),
                statuses=(
                    StatusEvent(State.IN_PROGRESS, created, "deploying"),
                    StatusEvent(state, created + dt.timedelta(minutes=10), state.value),
                ),
            )
        )
    return records


def test_a_thousand_deployments_are_read_from_github_in_at_most_15_requests(
    cli: Cli, tmp_path: Path, github_api: Any
) -> None:
    sqlite, github = sqlite_backend(tmp_path), github_backend(github_api)
    records = thousand()
    seed(github_api, records)  # straight into the stand-in's state, as the ledger writes them
    ledger = sqlite.open()
    for d in records:
        ledger.record(d, new=True)
    ledger.close()
    window = ["--since", "2025-01-06", "--window", "20w", "--format", "json"]
    github_api.counts.clear()

    from_github = dora_json(cli, github, *window)

    assert sum(github_api.counts.values()) <= 15, github_api.counts
    assert dict(github_api.counts) == {"graphql:ClearanceHistory": 10}, "100 a page, nothing else"
    assert from_github == dora_json(cli, sqlite, *window)
    totals = sum(e["deployment_frequency"]["deployments"] for e in from_github["environments"])
    assert totals == 1000 - 1000 // 9

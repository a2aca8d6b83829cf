"""Rollback restores the newest earlier good digest whose evidence still passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.release.desk import FAILING_SCAN, Desk
from tests.release.support import Clock, digest_of

from clearance.release.gates import Verdict
from clearance.release.ledger.sqlite import SqliteLedger
from clearance.release.records import State, Task

A, B, C = digest_of("A"), digest_of("B"), digest_of("C")


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    return SqliteLedger(tmp_path / "ledger.db")


def lines(result: object) -> str:
    return "\n".join(r.line() for r in result.decision.results)  # type: ignore[attr-defined]


def test_rollback_restores_the_previous_good_digest_and_records_why(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(ledger, clock)
    good = desk.deploy("production", A, "a" * 40)
    clock.advance(minutes=5)
    bad = desk.deploy("production", B, "b" * 40, state=State.FAILURE)
    clock.advance(minutes=5)

    result = desk.rollback("production", run="9")

    assert result.recorded
    d = result.deployment
    assert d is not None
    assert (d.digest, d.commit, d.task, d.rollback_of) == (A, "a" * 40, Task.ROLLBACK, bad.id)
    assert d.evidence == good.evidence
    assert result.restored == good
    assert d.state is State.IN_PROGRESS
    assert [(g.gate, g.verdict) for g in d.gates] == [
        ("verification", "not configured"),
        ("attestations", "not configured"),
        ("scan", "not configured"),
    ], "the evidence gates the restored digest passed are recorded with the rollback"


def test_rollback_skips_digests_whose_evidence_no_longer_passes(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(ledger, clock, environments={"production": {"require": ["scan"]}})
    oldest = desk.deploy("production", C)
    desk.deploy("production", A, scan=FAILING_SCAN)
    desk.deploy("production", B, state=State.FAILURE)

    result = desk.rollback("production")

    assert result.restored == oldest


def test_rollback_refuses_when_nothing_earlier_passes_and_says_why(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(ledger, clock, environments={"production": {"require": ["scan"]}})
    desk.deploy("production", A, scan=FAILING_SCAN)
    desk.deploy("production", B, state=State.FAILURE)
    result = desk.rollback("production")
    assert not result.recorded
    text = lines(result)
    assert f"{A[:19]} scan: fail: the scan recorded at deploy time failed" in text
    assert "no earlier successful deployment of another digest in production passes" in text
    assert len(desk.history("production")) == 2


def test_rollback_to_a_named_digest(ledger: SqliteLedger, clock: Clock) -> None:
    desk = Desk(ledger, clock)
    desk.deploy("production", C)
    desk.deploy("production", A)
    desk.deploy("production", B)
    assert desk.rollback("production", to=C).deployment.digest == C  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "to, message",
    [
        (digest_of("never"), "has no earlier successful deployment in production"),
        (digest_of("B"), "is already the current deployment of production"),
    ],
)
def test_rollback_to_a_digest_that_cannot_be_restored_is_refused(
    ledger: SqliteLedger, clock: Clock, to: str, message: str
) -> None:
    desk = Desk(ledger, clock)
    desk.deploy("production", A)
    desk.deploy("production", B)
    result = desk.rollback("production", to=to)
    assert not result.recorded and result.decision.verdict is Verdict.FAIL
    assert message in lines(result)


def test_rollback_of_an_empty_environment_is_refused(ledger: SqliteLedger, clock: Clock) -> None:
    assert "nothing has been deployed to production" in lines(
        Desk(ledger, clock).rollback("production")
    )


def test_a_deployment_still_in_progress_is_marked_failed_by_the_rollback(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(ledger, clock)
    desk.deploy("production", A)
    stuck = desk.start("production", B)
    result = desk.rollback("production")
    assert result.recorded
    replaced = ledger.get(stuck.id)
    assert replaced is not None and replaced.state is State.FAILURE
    assert replaced.statuses[-1].description == f"replaced by rollback {result.deployment.id}"  # type: ignore[union-attr]


def test_rollbacks_ignore_soak_and_freeze(ledger: SqliteLedger, clock: Clock) -> None:
    desk = Desk(
        ledger,
        clock,
        environments={
            "production": {"min-soak": "1d", "freeze": [{"start": "mon 00:00", "end": "sun 23:59"}]}
        },
    )
    desk.deploy("production", A)
    desk.deploy("production", B, state=State.FAILURE)
    assert desk.rollback("production").recorded


def test_re_running_a_rollback_returns_the_same_deployment(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(ledger, clock)
    desk.deploy("production", A)
    desk.deploy("production", B, state=State.FAILURE)
    first = desk.rollback("production", run="3")
    again = desk.rollback("production", run="3")
    assert again.reused and again.deployment == first.deployment
    assert len(desk.history("production")) == 3

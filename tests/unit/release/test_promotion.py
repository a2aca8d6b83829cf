"""Promotion decides with every gate, explains each refusal in one line, and records once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.release.desk import FAILING_SCAN, Desk
from tests.release.support import Clock, digest_of

from clearance.errors import ConfigError
from clearance.release.gates import Candidate, GateResult, GateSet, Verdict
from clearance.release.ledger.sqlite import SqliteLedger
from clearance.release.promote import promote
from clearance.release.records import Deployment, State, Task

A, B, C = digest_of("A"), digest_of("B"), digest_of("C")
PROD = {"production": {"after": "staging", "min-soak": "30m", "require": ["scan"]}}


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    return SqliteLedger(tmp_path / "ledger.db")


@pytest.fixture
def desk(ledger: SqliteLedger, clock: Clock) -> Desk:
    return Desk(ledger, clock, environments=PROD)


def verdicts(promotion: object) -> dict[str, Verdict]:
    return {r.gate: r.verdict for r in promotion.decision.results}  # type: ignore[attr-defined]


def reasons(promotion: object) -> str:
    return "\n".join(r.line() for r in promotion.decision.blocking)  # type: ignore[attr-defined]


def test_a_soaked_current_digest_with_passing_evidence_is_promoted_and_recorded(
    desk: Desk, clock: Clock
) -> None:
    source = desk.deploy("staging", A, "1" * 40)
    clock.advance(minutes=31)

    result = desk.promote(A, "staging", "production")

    assert result.recorded, reasons(result)
    d = result.deployment
    assert d is not None
    assert (d.environment, d.digest, d.commit, d.task) == ("production", A, "1" * 40, Task.PROMOTE)
    assert d.state is State.IN_PROGRESS
    assert d.promoted_from == source.id
    assert d.production is True
    assert d.evidence == source.evidence
    assert verdicts(result) == {
        "source": Verdict.PASS,
        "soak": Verdict.PASS,
        "verification": Verdict.NOT_CONFIGURED,
        "attestations": Verdict.NOT_CONFIGURED,
        "scan": Verdict.PASS,
        "freeze": Verdict.NOT_CONFIGURED,
        "concurrency": Verdict.PASS,
    }
    recorded = {g.gate: g.verdict for g in d.gates}
    assert recorded == {gate: verdict.value for gate, verdict in verdicts(result).items()}, (
        "the gate outcomes are recorded with the deployment (the dashboard reads them)"
    )
    assert desk.ledger.get(d.id) == d


def test_a_digest_that_never_succeeded_in_staging_is_refused(desk: Desk, clock: Clock) -> None:
    desk.deploy("staging", A, state=State.FAILURE)
    clock.advance(hours=1)
    result = desk.promote(A, "staging", "production")
    assert not result.recorded
    assert result.decision.verdict is Verdict.FAIL
    assert f"source: fail: {A[:19]} never succeeded in staging" in reasons(result)
    assert desk.history("production") == []


def test_a_superseded_digest_is_refused_with_what_superseded_it(desk: Desk, clock: Clock) -> None:
    desk.deploy("staging", A)
    clock.advance(minutes=5)
    newer = desk.deploy("staging", B)
    clock.advance(hours=1)
    result = desk.promote(A, "staging", "production")
    assert not result.recorded
    assert f"{A[:19]} was superseded in staging by {newer.id} ({B[:19]})" in reasons(result)


def test_a_digest_that_has_not_soaked_is_refused_until_it_has(desk: Desk, clock: Clock) -> None:
    desk.deploy("staging", A)
    clock.advance(minutes=10)
    refused = desk.promote(A, "staging", "production")
    assert not refused.recorded
    assert (
        "soak: fail: soaked 10m of the 30m required in staging (ready at 2025-03-03T09:30:00Z)"
        in reasons(refused)
    )
    clock.advance(minutes=20)
    assert desk.promote(A, "staging", "production").recorded


@pytest.mark.parametrize(
    "window, message",
    [
        (
            {"start": "mon 08:00", "end": "mon 12:00", "reason": "release train"},
            "production is frozen (release train, every mon 08:00 to mon 12:00 UTC) until 2025-03-03T12:00:00Z",
        ),
        (
            {
                "start": "fri 16:00",
                "end": "tue 08:00",
                "timezone": "Europe/Paris",
                "reason": "weekend",
            },
            "production is frozen (weekend, every fri 16:00 to tue 08:00 Europe/Paris) until 2025-03-04T07:00:00Z",
        ),
        (
            {
                "start": "2025-03-01T00:00:00Z",
                "end": "2025-03-10T00:00:00+01:00",
                "reason": "audit",
            },
            "production is frozen (audit, 2025-03-01T00:00:00Z to 2025-03-09T23:00:00Z) until 2025-03-09T23:00:00Z",
        ),
    ],
)
def test_promotion_during_a_freeze_window_is_refused(
    ledger: SqliteLedger, clock: Clock, window: dict, message: str
) -> None:  # type: ignore[type-arg]
    desk = Desk(
        ledger, clock, environments={"production": {"after": "staging", "freeze": [window]}}
    )
    desk.deploy("staging", A)
    result = desk.promote(A, "staging", "production")
    assert not result.recorded
    assert f"freeze: fail: {message}" in reasons(result)


def test_outside_its_freeze_windows_promotion_goes_ahead(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(
        ledger,
        clock,
        environments={"production": {"freeze": [{"start": "fri 16:00", "end": "mon 08:00"}]}},
    )
    desk.deploy("staging", A)
    result = desk.promote(A, "staging", "production")
    assert result.recorded
    assert verdicts(result)["freeze"] is Verdict.PASS


def test_a_failure_in_the_source_after_the_digest_refuses_it(desk: Desk, clock: Clock) -> None:
    desk.deploy("staging", A)
    failed = desk.deploy("staging", C, state=State.FAILURE)
    clock.advance(hours=1)
    result = desk.promote(A, "staging", "production")
    assert (
        f"staging has a failed deployment after {A[:19]}: {failed.id} ({C[:19]}) (failure)"
        in reasons(result)
    )


def test_a_newer_deployment_in_progress_in_the_source_holds_the_promotion(
    desk: Desk, clock: Clock
) -> None:
    desk.deploy("staging", A)
    pending = desk.start("staging", C)
    clock.advance(hours=1)
    result = desk.promote(A, "staging", "production")
    assert not result.recorded
    assert result.decision.verdict is Verdict.HOLD
    assert f"source: hold: a newer deployment is in progress in staging: {pending.id}" in reasons(
        result
    )


def test_every_failed_gate_is_explained_in_one_line_each(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(
        ledger,
        clock,
        environments={
            "production": {
                "min-soak": "1h",
                "require": ["scan", "signature"],
                "freeze": [{"start": "mon 00:00", "end": "tue 00:00"}],
            }
        },
    )
    result = desk.promote(A, "staging", "production")
    lines = reasons(result).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "source",
        "soak",
        "verification",
        "scan",
        "freeze",
    ]
    assert all("\n" not in line for line in lines)
    assert "production requires signature, but verification is not configured" in lines[2]
    assert "no scan evidence recorded" in lines[3]


@pytest.mark.parametrize(
    "scan, require, message",
    [
        (
            FAILING_SCAN,
            ["scan"],
            "the scan recorded at deploy time failed: 1 critical, 2 high (fail-on high; code, deps, secrets)",
        ),
        (None, ["scan:deps"], "no scan evidence recorded for this digest"),
    ],
)
def test_evidence_that_does_not_pass_refuses_the_promotion(
    ledger: SqliteLedger, clock: Clock, scan: object, require: list[str], message: str
) -> None:
    desk = Desk(ledger, clock, environments={"production": {"require": require}})
    desk.deploy("staging", A, scan=scan)  # type: ignore[arg-type]
    result = desk.promote(A, "staging", "production")
    assert not result.recorded
    assert f"scan: fail: {message}" in reasons(result)


def test_a_required_scanner_missing_from_the_recorded_report_is_named(
    ledger: SqliteLedger, clock: Clock
) -> None:
    from dataclasses import replace

    from tests.release.desk import PASSING_SCAN

    desk = Desk(ledger, clock, environments={"production": {"require": ["scan:deps", "scan:code"]}})
    desk.deploy("staging", A, scan=replace(PASSING_SCAN, scanners=("code",)))
    assert "the scan recorded at deploy time has no deps run (it ran: code)" in reasons(
        desk.promote(A, "staging", "production")
    )


def test_another_deployment_in_progress_in_the_target_refuses_a_second_promotion(
    desk: Desk, clock: Clock
) -> None:
    desk.deploy("staging", A)
    clock.advance(hours=1)
    first = desk.promote(A, "staging", "production", run="1")
    second = desk.promote(A, "staging", "production", run="2")
    assert first.recorded and not second.recorded
    assert f"another deployment to production is in progress: {first.deployment.id}" in reasons(
        second
    )  # type: ignore[union-attr]


def test_a_deployment_left_in_progress_for_hours_stops_blocking(desk: Desk, clock: Clock) -> None:
    desk.deploy("staging", A)
    clock.advance(hours=1)
    assert desk.promote(A, "staging", "production", run="1").recorded
    clock.advance(hours=7)
    assert desk.promote(A, "staging", "production", run="2").recorded


def test_re_running_the_same_promotion_returns_the_same_deployment(
    desk: Desk, clock: Clock
) -> None:
    desk.deploy("staging", A)
    clock.advance(hours=1)
    first = desk.promote(A, "staging", "production", run="77", attempt=1)
    again = desk.promote(A, "staging", "production", run="77", attempt=1)
    assert again.reused and again.deployment == first.deployment
    retry = desk.promote(A, "staging", "production", run="77", attempt=2)
    assert not retry.recorded, (
        "a new attempt is a new promotion (refused here: the first is in progress)"
    )
    assert len(desk.history("production")) == 1


@dataclass
class CrashAfterCreate:
    """A ledger whose writes stop between creating a deployment and writing its status,
    as a GitHub write cut off by a crash would."""

    inner: SqliteLedger
    crashes: int = 1

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def record(self, deployment: Deployment, *, new: bool = False) -> Deployment:
        if self.crashes:
            self.crashes -= 1
            from dataclasses import replace

            self.inner.record(replace(deployment, statuses=()), new=new)
            raise KeyboardInterrupt("crash between the two writes")
        return self.inner.record(deployment, new=new)


def test_a_crash_between_creating_and_writing_the_status_is_completed_by_the_re_run(
    ledger: SqliteLedger, clock: Clock
) -> None:
    Desk(ledger, clock).deploy("staging", A)
    clock.advance(hours=1)
    crashing = Desk(CrashAfterCreate(ledger), clock, seed=1)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        crashing.promote(A, "staging", "production", run="5")
    (half,) = ledger.history(["production"])
    assert half.statuses == ()

    rerun = Desk(ledger, clock, seed=2).promote(A, "staging", "production", run="5")

    assert rerun.reused and rerun.recorded
    (whole,) = ledger.history(["production"])
    assert whole.id == half.id
    assert [s.state for s in whole.statuses] == [State.IN_PROGRESS]


def test_a_promotion_that_loses_a_race_is_marked_and_the_winner_stands(
    ledger: SqliteLedger, clock: Clock, tmp_path: Path
) -> None:
    Desk(ledger, clock).deploy("staging", A)
    clock.advance(hours=1)
    other = Desk(SqliteLedger(tmp_path / "ledger.db"), clock, seed=99)

    @dataclass
    class OtherWritesFirst:
        inner: SqliteLedger

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def record(self, deployment: Deployment, *, new: bool = False) -> Deployment:
            won = other.promote(A, "staging", "production", run="other")
            assert won.recorded
            return self.inner.record(deployment, new=new)

    loser = Desk(OtherWritesFirst(ledger), clock, seed=3).promote(
        A, "staging", "production", run="mine"
    )  # type: ignore[arg-type]

    assert loser.lost_to is not None and not loser.recorded
    assert loser.deployment is not None and loser.deployment.state is State.ERROR
    states = {d.run_id: d.state for d in ledger.history(["production"])}
    assert states == {"other": State.IN_PROGRESS, "mine": State.ERROR}

    rerun = Desk(ledger, clock, seed=4).promote(A, "staging", "production", run="mine")
    assert rerun.reused and rerun.lost_to is not None and not rerun.recorded
    mine = next(d for d in ledger.history(["production"]) if d.run_id == "mine")
    assert [s.state for s in mine.statuses] == [State.IN_PROGRESS, State.ERROR], "marked once"


def test_racing_promotions_exactly_one_wins(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "race.db"
    with SqliteLedger(path) as ledger:
        Desk(ledger, clock).deploy("staging", A)
    clock.advance(hours=1)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def racer(n: int) -> None:
        with SqliteLedger(path) as own:
            desk = Desk(own, clock, seed=n)
            barrier.wait()
            result = desk.promote(A, "staging", "production", run=str(n))
            outcomes.append("won" if result.recorded else "lost" if result.lost_to else "refused")

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 6 and outcomes.count("won") == 1, outcomes
    with SqliteLedger(path) as ledger:
        live = [d for d in ledger.history(["production"]) if d.state is State.IN_PROGRESS]
    assert len(live) == 1


def test_per_target_environments_do_not_block_or_replace_each_other(
    ledger: SqliteLedger, clock: Clock
) -> None:
    desk = Desk(ledger, clock, environments={"production": {"after": "staging", "min-soak": "10m"}})
    desk.deploy("staging", A)
    clock.advance(minutes=11)
    eu = desk.promote(A, "staging", "production/eu-west-1")
    us = desk.promote(A, "staging", "production/us-east-1")
    assert eu.recorded and us.recorded, reasons(us)
    assert eu.deployment.production and us.deployment.production  # type: ignore[union-attr]
    desk.finish(eu.deployment)  # type: ignore[arg-type]
    desk.finish(us.deployment)  # type: ignore[arg-type]
    assert [d.state for d in desk.history("production/eu-west-1")] == [State.SUCCESS]
    assert [d.state for d in desk.history("production/us-east-1")] == [State.SUCCESS]


@dataclass(frozen=True)
class CanaryHold:
    name: str = "canary"

    def evaluate(self, candidate: Candidate) -> GateResult:
        return GateResult(
            self.name, Verdict.HOLD, f"too few requests to judge {candidate.digest[:19]}"
        )


def test_plug_in_gates_are_named_in_the_config_and_can_hold(
    ledger: SqliteLedger, clock: Clock
) -> None:
    gates = GateSet(available={"canary": lambda policy: CanaryHold()})
    desk = Desk(ledger, clock, environments={"production": {"gates": ["canary"]}}, gates=gates)
    desk.deploy("staging", A)
    result = desk.promote(A, "staging", "production")
    assert result.decision.verdict is Verdict.HOLD
    assert "canary: hold: too few requests" in reasons(result)


def test_an_unknown_gate_name_is_a_configuration_error(ledger: SqliteLedger, clock: Clock) -> None:
    desk = Desk(ledger, clock, environments={"production": {"gates": ["slo"]}})
    desk.deploy("staging", A)
    with pytest.raises(ConfigError, match="unknown gate 'slo'"):
        promote(
            desk.context,
            digest=A,
            source="staging",
            policy=desk.policy("production"),
            metadata=desk.metadata(),
        )

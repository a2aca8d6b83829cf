"""The conveyor's order: stages run in turn, a failure stops the rest (but not its group)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clearance.config import Settings
from clearance.errors import ExitCode, ExternalError, UsageError
from clearance.pipeline.stages import (
    Conveyor,
    StageOutcome,
    StageReport,
    StageStatus,
    run_conveyor,
)
from clearance.scan.interface import Progress


@dataclass
class Fake:
    name: str
    outcome: StageOutcome | Exception = field(default_factory=lambda: StageOutcome(True, "ok"))
    group: str | None = None
    ran: list[str] = field(default_factory=list)

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        self.ran.append(self.name)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def conveyor(tmp_path: Path) -> Conveyor:
    return Conveyor(
        root=tmp_path,
        settings=Settings(root=tmp_path),
        today=dt.date(2026, 1, 1),
        work_dir=tmp_path / ".clearance" / "run",
    )


def statuses(reports: list[StageReport]) -> list[tuple[str, str]]:
    return [(r.name, r.status.value) for r in reports]


def test_every_stage_runs_in_order_when_all_pass(tmp_path: Path) -> None:
    ran: list[str] = []
    stages = [Fake(n, ran=ran) for n in ("a", "b", "c")]
    run = run_conveyor(conveyor(tmp_path), stages)
    assert ran == ["a", "b", "c"]
    assert statuses(run.stages) == [("a", "passed"), ("b", "passed"), ("c", "passed")]
    assert run.failed is None
    assert run.exit_code == ExitCode.OK


def test_a_failing_stage_stops_the_conveyor_and_later_stages_are_reported_skipped(
    tmp_path: Path,
) -> None:
    ran: list[str] = []
    stages = [
        Fake("build", ran=ran),
        Fake("digest", StageOutcome(False, "boom", exit_code=ExitCode.EXTERNAL), ran=ran),
        Fake("sign", ran=ran),
        Fake("deploy", ran=ran),
    ]
    run = run_conveyor(conveyor(tmp_path), stages)
    assert ran == ["build", "digest"]
    assert statuses(run.stages) == [
        ("build", "passed"),
        ("digest", "failed"),
        ("sign", "skipped"),
        ("deploy", "skipped"),
    ]
    assert run.stages[2].detail == "not run: digest failed"
    assert run.exit_code == ExitCode.EXTERNAL


def test_the_stages_of_a_failing_stages_group_still_run(tmp_path: Path) -> None:
    ran: list[str] = []
    stages = [
        Fake(
            "scan secrets", StageOutcome(False, "1 finding", exit_code=ExitCode.FAILED), "scan", ran
        ),
        Fake("scan deps", group="scan", ran=ran),
        Fake("scan code", StageOutcome(False, "2", exit_code=ExitCode.FAILED), "scan", ran),
        Fake("build", ran=ran),
    ]
    run = run_conveyor(conveyor(tmp_path), stages)
    assert ran == ["scan secrets", "scan deps", "scan code"]
    assert run.stages[-1].status is StageStatus.SKIPPED
    assert run.stages[-1].detail == "not run: scan secrets failed"
    assert run.failed is not None and run.failed.name == "scan secrets"
    assert run.exit_code == ExitCode.FAILED


def test_a_crashed_scan_is_not_hidden_behind_another_scans_findings(tmp_path: Path) -> None:
    stages = [
        Fake("scan secrets", StageOutcome(False, "1", exit_code=ExitCode.FAILED), "scan"),
        Fake("scan deps", ExternalError("pip-audit crashed"), "scan"),
        Fake("build"),
    ]
    run = run_conveyor(conveyor(tmp_path), stages)
    assert run.failed is not None and run.failed.name == "scan secrets"
    assert run.exit_code == ExitCode.EXTERNAL


@pytest.mark.parametrize(
    "error, code",
    [
        (UsageError("no build command"), ExitCode.USAGE),
        (ExternalError("crashed"), ExitCode.EXTERNAL),
    ],
)
def test_an_anticipated_error_fails_its_stage_with_its_message_and_exit_code(
    tmp_path: Path, error: Exception, code: ExitCode
) -> None:
    run = run_conveyor(conveyor(tmp_path), [Fake("build", error), Fake("deploy")])
    assert statuses(run.stages) == [("build", "failed"), ("deploy", "skipped")]
    assert run.stages[0].detail == str(error)
    assert run.exit_code == code


def test_an_unanticipated_exception_is_not_swallowed(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError):
        run_conveyor(conveyor(tmp_path), [Fake("build", ZeroDivisionError())])


def test_a_stage_may_skip_itself_without_stopping_the_conveyor(tmp_path: Path) -> None:
    stages = [Fake("sign", StageOutcome(True, "no key", ("notice",), skipped=True)), Fake("deploy")]
    run = run_conveyor(conveyor(tmp_path), stages)
    assert statuses(run.stages) == [("sign", "skipped"), ("deploy", "passed")]
    assert run.stages[0].notices == ("notice",)
    assert run.exit_code == ExitCode.OK


def test_a_failure_without_an_exit_code_counts_as_failed(tmp_path: Path) -> None:
    run = run_conveyor(conveyor(tmp_path), [Fake("x", StageOutcome(False, "no"))])
    assert run.exit_code == ExitCode.FAILED


def test_callbacks_see_each_start_and_each_report_with_its_time(tmp_path: Path) -> None:
    ticks = iter([0.0, 1.5, 2.0, 2.25])
    started: list[tuple[str, int, int]] = []
    reports: list[StageReport] = []
    run_conveyor(
        conveyor(tmp_path),
        [Fake("a"), Fake("b")],
        on_start=lambda name, i, n: started.append((name, i, n)),
        on_stage=reports.append,
        clock=lambda: next(ticks),
    )
    assert started == [("a", 1, 2), ("b", 2, 2)]
    assert [r.seconds for r in reports] == [1.5, 0.25]

"""A scan as a stage: judged on the scanner's own fail-on, with the configuration's ignores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from tests.findings_factory import finding, result

from clearance.config import parse_document
from clearance.errors import ExitCode
from clearance.findings import Notice, ScanResult, Severity
from clearance.pipeline.scans import ScanStage
from clearance.pipeline.stages import Conveyor
from clearance.scan.interface import Progress, ScanTarget, no_progress


@dataclass
class FakeScanner:
    found: ScanResult
    name: str = "code"

    def scan(self, target: ScanTarget, progress: Progress = no_progress) -> ScanResult:
        return self.found


def conveyor(tmp_path: Path, config: dict[str, object]) -> Conveyor:
    settings = parse_document(config, source=tmp_path / "clearance.toml")
    return Conveyor(
        root=tmp_path, settings=settings, today=dt.date(2026, 1, 1), work_dir=tmp_path / "w"
    )


@pytest.mark.parametrize(
    "severity, passed",
    [(Severity.LOW, True), (Severity.MEDIUM, False), (Severity.CRITICAL, False)],
)
def test_a_scan_fails_at_or_above_its_own_fail_on(
    tmp_path: Path, severity: Severity, passed: bool
) -> None:
    state = conveyor(tmp_path, {"fail-on": "low", "code": {"fail-on": "medium"}})
    outcome = ScanStage(FakeScanner(result([finding(severity=severity)]))).run(state, no_progress)
    assert outcome.passed is passed
    assert outcome.detail == "1 finding(s), fail-on medium"
    assert outcome.exit_code == ExitCode.FAILED
    assert [r.scanner for r in state.results] == ["code"]


def test_ignored_findings_are_counted_as_suppressed_and_do_not_fail(tmp_path: Path) -> None:
    state = conveyor(
        tmp_path, {"ignore": [{"id": "B101", "path": "tests/**", "reason": "pytest asserts"}]}
    )
    found = result([finding("B101", "tests/test_a.py"), finding("B101", "tests/test_b.py")])
    found = replace(found, stats={"files": 4})
    outcome = ScanStage(FakeScanner(found)).run(state, no_progress)
    assert outcome.passed
    assert outcome.detail == "0 finding(s) in 4 file(s), 2 suppressed, fail-on low"


def test_warnings_of_the_scan_become_the_stages_notices(tmp_path: Path) -> None:
    found = replace(
        result([]),
        notices=(Notice("warning", "snapshot data"), Notice("note", "fyi"), Notice("error", "x")),
    )
    outcome = ScanStage(FakeScanner(found)).run(conveyor(tmp_path, {}), no_progress)
    assert outcome.notices == ("snapshot data", "x")

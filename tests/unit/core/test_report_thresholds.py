"""A report whose scanners have their own thresholds (`clearance scan all`): the outcome, the
failing findings and the threshold shown; and the worst exit code across scanners."""

from __future__ import annotations

import pytest
from tests.findings_factory import finding, result

from clearance.commands.scan_all import worst
from clearance.errors import ExitCode
from clearance.findings import FailOn, Outcome, Severity
from clearance.report import Report


def report(thresholds: dict[str, FailOn], fail_on: FailOn = FailOn.LOW) -> Report:
    return Report(
        results=[
            result([finding("secret/x", scanner="secrets", severity=Severity.MEDIUM)], "secrets"),
            result([finding("B602", scanner="code", severity=Severity.HIGH)], "code"),
        ],
        fail_on=fail_on,
        tool_version="0",
        thresholds=thresholds,
    )


@pytest.mark.parametrize(
    "thresholds, outcome, failing",
    [
        ({}, Outcome.FAIL, {"secret/x", "B602"}),
        ({"secrets": FailOn.HIGH, "code": FailOn.HIGH}, Outcome.FAIL, {"B602"}),
        ({"secrets": FailOn.MEDIUM, "code": FailOn.NONE}, Outcome.FAIL, {"secret/x"}),
        ({"secrets": FailOn.HIGH, "code": FailOn.CRITICAL}, Outcome.PASS, set()),
    ],
)
def test_each_scanner_is_judged_by_its_own_threshold(
    thresholds: dict[str, FailOn], outcome: Outcome, failing: set[str]
) -> None:
    judged = report(thresholds)

    assert judged.outcome is outcome
    assert {f.rule_id for f in judged.failing()} == failing


def test_the_threshold_shown_names_each_scanner_only_when_they_differ() -> None:
    assert report({"secrets": FailOn.HIGH, "code": FailOn.HIGH}).threshold_text() == "high"
    assert report({"code": FailOn.HIGH}).threshold_text() == "secrets low, code high"
    assert report({}, FailOn.MEDIUM).threshold_text() == "medium"


@pytest.mark.parametrize(
    "codes, expected",
    [
        ([], ExitCode.OK),
        ([ExitCode.OK, ExitCode.FAILED], ExitCode.FAILED),
        ([ExitCode.FAILED, ExitCode.USAGE], ExitCode.USAGE),
        ([ExitCode.USAGE, ExitCode.EXTERNAL, ExitCode.FAILED], ExitCode.EXTERNAL),
        ([ExitCode.INCONCLUSIVE, ExitCode.FAILED], ExitCode.INCONCLUSIVE),
    ],
)
def test_the_exit_code_is_the_worst_across_scanners(
    codes: list[ExitCode], expected: ExitCode
) -> None:
    assert worst(codes) is expected

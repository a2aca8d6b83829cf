"""Ignores (one schema, any alias, expiry) and baselines (fingerprints with multiplicity)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from tests.findings_factory import finding

from clearance.baseline import Baseline, parse_baseline, render_baseline
from clearance.errors import ConfigError
from clearance.findings import assign_fingerprints
from clearance.ignores import IgnoreRule, apply_ignores

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    "rule, should_suppress",
    [
        (IgnoreRule(id="B602", reason="r"), True),
        (IgnoreRule(id="b602", reason="r"), True),  # ids are case-insensitive
        (IgnoreRule(id="subprocess_popen_with_shell_equals_true", reason="r"), True),  # alias
        (IgnoreRule(id="B602", reason="r", path="src/**"), True),
        (IgnoreRule(id="B602", reason="r", path="tests/**"), False),
        (IgnoreRule(id="B603", reason="r"), False),
        (IgnoreRule(id="B602", reason="r", expires=TODAY + dt.timedelta(days=1)), True),
        (IgnoreRule(id="B602", reason="r", expires=TODAY), False),  # expires on that day
    ],
)
def test_ignore_matching(rule: IgnoreRule, should_suppress: bool) -> None:
    f = replace(finding("B602", "src/app.py"), aliases=("subprocess_popen_with_shell_equals_true",))
    kept, _ = apply_ignores([f], [rule], TODAY)
    assert (kept[0].suppression is not None) == should_suppress


def test_a_lapsed_ignore_makes_the_finding_count_again_with_a_notice() -> None:
    rule = IgnoreRule(id="B602", reason="legacy module", expires=dt.date(2026, 1, 1))
    kept, notices = apply_ignores([finding(), finding(line=9, content="other")], [rule], TODAY)
    assert all(f.is_active for f in kept)
    assert len(notices) == 1
    assert "expired on 2026-01-01: 2 finding(s) count again" in notices[0].message
    assert "legacy module" in notices[0].message


def test_a_live_ignore_wins_over_a_lapsed_one_without_a_notice() -> None:
    lapsed = IgnoreRule(id="B602", reason="old", expires=dt.date(2020, 1, 1))
    live = IgnoreRule(id="B602", reason="new")
    kept, notices = apply_ignores([finding()], [lapsed, live], TODAY)
    assert kept[0].suppression is not None and kept[0].suppression.reason == "new"
    assert notices == []


def test_baseline_absorbs_each_accepted_finding_once() -> None:
    accepted = assign_fingerprints([finding(line=3)])
    baseline = Baseline.from_findings(accepted)
    # The same line, now twice (a copy was pasted below): one is new.
    now = assign_fingerprints([finding(line=3), finding(line=30)])
    settled = baseline.apply(now)
    assert [f.is_active for f in settled] == [False, True]


def test_baseline_ignores_line_numbers() -> None:
    baseline = Baseline.from_findings(assign_fingerprints([finding(line=3)]))
    moved = assign_fingerprints([finding(line=120)])
    assert not baseline.apply(moved)[0].is_active


def test_baseline_file_is_stable_and_round_trips() -> None:
    findings = assign_fingerprints(
        [finding(line=3), finding("B101", "a.py", 1, content="assert x")]
    )
    text = render_baseline("code", findings)
    assert text == render_baseline("code", list(reversed(findings)))
    assert "time" not in text
    parsed = parse_baseline(text, scanner="code", where="b.json")
    assert parsed.fingerprints == Baseline.from_findings(findings).fingerprints


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"generated_at": "x", "results": {}}), "not a clearance baseline"),
        (
            json.dumps(
                {"format": "clearance-baseline", "version": 7, "scanner": "code", "findings": []}
            ),
            "version 7",
        ),
        (
            json.dumps(
                {"format": "clearance-baseline", "version": 1, "scanner": "deps", "findings": []}
            ),
            "'deps'",
        ),
        (
            json.dumps(
                {"format": "clearance-baseline", "version": 1, "scanner": "code", "findings": [1]}
            ),
            "list",
        ),
    ],
)
def test_foreign_or_corrupt_baselines_are_config_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_baseline(text, scanner="code", where="b.json")

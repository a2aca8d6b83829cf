"""Fingerprints: stable when unrelated lines are inserted above, changed when the finding's
content changes, distinct for identical lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.findings_factory import finding

from clearance.findings import Severity, assign_fingerprints


@given(shift=st.integers(min_value=1, max_value=10_000))
def test_inserting_lines_above_keeps_fingerprints(shift: int) -> None:
    before = assign_fingerprints([finding(line=5), finding("B101", line=8, content="assert x")])
    after = assign_fingerprints(
        [finding(line=5 + shift), finding("B101", line=8 + shift, content="assert x")]
    )
    assert {f.fingerprint for f in before} == {f.fingerprint for f in after}


@given(content=st.text(min_size=1, max_size=40))
def test_changing_the_content_changes_the_fingerprint(content: str) -> None:
    original = "subprocess.call(cmd, shell=True)"
    a = assign_fingerprints([finding(content=original)])[0]
    b = assign_fingerprints([finding(content=original + content)])[0]
    assert a.fingerprint != b.fingerprint


@given(copies=st.integers(min_value=2, max_value=30))
def test_identical_lines_get_distinct_fingerprints(copies: int) -> None:
    findings = assign_fingerprints([finding(line=i) for i in range(1, copies + 1)])
    assert len({f.fingerprint for f in findings}) == copies


def test_fingerprints_depend_on_rule_and_path() -> None:
    base = assign_fingerprints([finding()])[0].fingerprint
    assert assign_fingerprints([finding(rule="B603")])[0].fingerprint != base
    assert assign_fingerprints([finding(path="other.py")])[0].fingerprint != base
    assert assign_fingerprints([finding(severity=Severity.LOW)])[0].fingerprint == base

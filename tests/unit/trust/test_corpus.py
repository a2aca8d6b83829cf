"""Every case of the Sigstore bundle corpus gets the verdict its manifest expects, for the
reason we expect, through `clearance verify` (one process, no network)."""

from __future__ import annotations

import json

import pytest
from tests.unit.trust.corpus import BY_ID, CASES, Case

from clearance.trust.verify import Reason

# Why each invalid case must fail: the reason code clearance reports.
INVALID_REASONS: dict[str, Reason] = {
    "derived-wrong-identity": Reason.IDENTITY_MISMATCH,
    "derived-wrong-issuer": Reason.ISSUER_MISMATCH,
    "derived-tampered-artifact": Reason.DIGEST_MISMATCH,
    "derived-gh-wrong-repository": Reason.REPOSITORY_MISMATCH,
    "derived-pep740-wrong-dist": Reason.SUBJECT_MISMATCH,
    "py-bundle_v3_no_signed_time": Reason.NO_SIGNED_TIME,
    "py-Python-3.12.5.tgz": Reason.CHECKPOINT_MISSING,
    "py-bundle_cve_2022_36056-staging": Reason.LOG_ENTRY_INCONSISTENT,
}


def test_the_corpus_has_nine_valid_and_eight_invalid_cases() -> None:
    expected = [case.expected for case in CASES]
    assert expected.count("valid") == 9
    assert expected.count("invalid") == 8
    assert {c.id for c in CASES if c.expected == "invalid"} == set(INVALID_REASONS)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_gets_its_expected_verdict_and_reason(case: Case, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("verify", *case.cli_args(), "--format", "json")

    document = json.loads(result.stdout)
    [verdict] = document["verdicts"]
    assert "Traceback" not in result.stderr
    if case.expected == "valid":
        assert result.code == 0, verdict
        assert verdict["outcome"] == "verified"
        assert verdict["reason"] is None
        assert verdict["signer"]["identity"] == case.identity
        assert verdict["signer"]["issuer"] == case.issuer
    else:
        assert result.code == 1
        assert verdict["outcome"] == "failed"
        assert verdict["reason"] == INVALID_REASONS[case.id].value, verdict["detail"]
        assert verdict["detail"]


GITHUB = "https://token.actions.githubusercontent.com"
GITHUB_VALID = [
    c for c in CASES if c.expected == "valid" and c.instance == "production" and c.issuer == GITHUB
]


def _one_call_args(cases: list[Case]) -> list[str]:
    args = [c.subject for c in cases]
    for case in cases:
        args += ["--bundle", str(case.bundle)]
    regex = "|".join(sorted({c.identity.replace(".", r"\.") for c in cases}))
    return [*args, "--cert-identity-regex", regex, "--format", "json"]


def test_many_artifacts_verify_in_one_call(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert len(GITHUB_VALID) >= 4
    result = run_cli("verify", *_one_call_args(GITHUB_VALID))

    document = json.loads(result.stdout)
    assert result.code == 0
    assert document["outcome"] == "verified"
    assert document["verified"] == document["total"] == len(GITHUB_VALID)


def test_one_bad_artifact_among_many_fails_the_call_and_only_its_verdict(run_cli) -> None:  # type: ignore[no-untyped-def]
    cases = [*GITHUB_VALID, BY_ID["derived-tampered-artifact"]]
    result = run_cli("verify", *_one_call_args(cases))

    document = json.loads(result.stdout)
    assert result.code == 1
    assert document["outcome"] == "failed"
    assert document["verified"] == len(GITHUB_VALID)
    failed = [v for v in document["verdicts"] if v["outcome"] == "failed"]
    assert [v["reason"] for v in failed] == ["digest-mismatch"]


def test_the_digest_only_case_needs_no_artifact_file() -> None:
    assert BY_ID["py-Python-3.12.5.tgz"].artifact is None
    assert BY_ID["py-Python-3.12.5.tgz"].subject.startswith("sha256:")

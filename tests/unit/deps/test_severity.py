"""Severity from CVSS vectors (scored by the `cvss` library); unknown counts as high."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearance.findings import Severity
from clearance.scan.deps.severity import UNKNOWN, assess, base_score

DATA = Path(__file__).parents[2] / "data" / "advisories"


@pytest.mark.parametrize(
    "kind, vector, score",
    [
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", 5.3),
        ("CVSS_V3", "CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 5.5),
        ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
        ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
        ("CVSS_V3", "CVSS:3.1/garbage", None),
        ("UNKNOWN_KIND", "whatever", None),
    ],
)
def test_base_scores_come_from_the_cvss_library(
    kind: str, vector: str, score: float | None
) -> None:
    assert base_score(kind, vector) == score


def test_a_record_without_a_vector_is_unknown_and_counts_as_high() -> None:
    record = json.loads((DATA / "requests" / "PYSEC-2018-28.json").read_text())
    assessment = assess(record)
    assert assessment == UNKNOWN
    assert assessment.severity is Severity.HIGH and not assessment.known
    assert assess(None).severity is Severity.HIGH


def test_a_real_record_is_rated_from_its_vector() -> None:
    record = json.loads((DATA / "idna" / "PYSEC-2024-60.json").read_text())
    assessment = assess(record)
    assert assessment.known and assessment.vector == record["severity"][0]["score"]
    assert assessment.severity is Severity.from_cvss_score(assessment.score or 0)


def test_v3_is_preferred_and_the_highest_v3_wins() -> None:
    record = {
        "severity": [
            {
                "type": "CVSS_V4",
                "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            },
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"},
        ],
        "affected": [
            {
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}
                ]
            }
        ],
    }
    assessment = assess(record)
    assert (assessment.score, assessment.severity) == (7.5, Severity.HIGH)


@pytest.mark.parametrize(
    "vector, severity",
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Severity.CRITICAL),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", Severity.MEDIUM),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", Severity.LOW),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", Severity.INFO),
    ],
)
def test_scores_map_to_the_qualitative_rating(vector: str, severity: Severity) -> None:
    assert assess({"severity": [{"type": "CVSS_V3", "score": vector}]}).severity is severity


def test_a_malformed_vector_alone_leaves_the_severity_unknown() -> None:
    assert assess({"severity": [{"type": "CVSS_V3", "score": "nonsense"}]}) == UNKNOWN

"""An advisory's severity from its CVSS vectors, scored by the `cvss` library.

OSV records carry vectors (`severity[]` of the record or of an `affected[]` entry) of type
`CVSS_V3`, `CVSS_V4` or `CVSS_V2`. The base score of the highest-scoring v3 vector is used,
else v4, else v2, and mapped to the CVSS qualitative rating. Most PYSEC advisories carry no
vector at all: their severity is *unknown*, and unknown counts as **high**, so that such an
advisory cannot slip under `--fail-on high`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from clearance.findings import Severity

UNKNOWN_COUNTS_AS = Severity.HIGH
_PREFERENCE = ("CVSS_V3", "CVSS_V4", "CVSS_V2")


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    score: float | None = None
    vector: str | None = None

    @property
    def known(self) -> bool:
        return self.score is not None


UNKNOWN = Assessment(severity=UNKNOWN_COUNTS_AS)


def base_score(kind: str, vector: str) -> float | None:
    """The CVSS base score of a vector, or None when the library rejects it."""
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    try:
        if kind == "CVSS_V3":
            return float(CVSS3(vector).scores()[0])
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V2":
            return float(CVSS2(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def _vectors(record: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    entries = list(record.get("severity") or [])
    for affected in record.get("affected") or []:
        if isinstance(affected, Mapping):
            entries.extend(affected.get("severity") or [])
    for entry in entries:
        if isinstance(entry, Mapping) and isinstance(entry.get("score"), str):
            yield str(entry.get("type", "")), entry["score"]


def assess(record: Mapping[str, Any] | None) -> Assessment:
    """The severity of an OSV record; `UNKNOWN` (counted as high) without a usable vector."""
    if not record:
        return UNKNOWN
    scored: dict[str, list[tuple[float, str]]] = {}
    for kind, vector in _vectors(record):
        score = base_score(kind, vector)
        if score is not None:
            scored.setdefault(kind, []).append((score, vector))
    for kind in _PREFERENCE:
        if scored.get(kind):
            score, vector = max(scored[kind])
            return Assessment(severity=Severity.from_cvss_score(score), score=score, vector=vector)
    return UNKNOWN

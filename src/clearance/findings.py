"""One findings model for every scanner.

A `Finding` is what a scanner reports; a `ScanResult` is one scanner's run (its tool, its
rules, its findings, its notices). Reports render `ScanResult`s; the threshold logic reads
them. Nothing here knows any engine.

Fingerprints are content-based: `sha256(rule, path, content digest, occurrence)`. They do not
change when unrelated lines are inserted above a finding (no line numbers), they change when
the finding's own content changes, and two identical lines in one file get different
fingerprints through the occurrence counter.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

JsonScalar = str | int | float | bool | None


class Severity(StrEnum):
    """How bad a finding is. Ordered: `Severity.CRITICAL > Severity.LOW`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    @property
    def security_severity(self) -> str:
        """GitHub's `security-severity` (a CVSS-like score) for this level."""
        return _SECURITY_SEVERITY[self]

    @classmethod
    def from_cvss_score(cls, score: float) -> Severity:
        """CVSS v3 qualitative rating: 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return cls.INFO


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}

# GitHub maps security-severity > 9.0 to critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}

SEVERITIES_MOST_SEVERE_FIRST: tuple[Severity, ...] = tuple(
    sorted(Severity, key=lambda s: s.rank, reverse=True)
)


class FailOn(StrEnum):
    """The `--fail-on` threshold: a severity, or `none` to never fail on findings."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    NONE = "none"

    def threshold(self) -> Severity | None:
        return None if self is FailOn.NONE else Severity(self.value)


class Confidence(StrEnum):
    """How sure the engine is."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


class Outcome(StrEnum):
    """What a scanning step concluded, as exposed in the `outcome` action output."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    HOLD = "hold"


@dataclass(frozen=True, order=True)
class Location:
    """A place in the repository. `path` is repo-relative with `/` separators."""

    path: str
    start_line: int | None = None
    end_line: int | None = None
    start_column: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Rule:
    """What a rule checks. Reports use it for SARIF `rules` and help text."""

    id: str
    name: str
    short_description: str
    full_description: str = ""
    help_text: str = ""
    help_uri: str = ""
    default_severity: Severity = Severity.MEDIUM
    tags: tuple[str, ...] = ()


SuppressionKind = Literal["ignore", "baseline", "inline"]


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: a config ignore, a baseline entry, or an inline comment."""

    kind: SuppressionKind
    reason: str


@dataclass(frozen=True)
class Finding:
    """One problem found by one scanner.

    `content_digest` is a digest of what the finding is about (the normalised source line, the
    secret's hash, the package and advisory): it feeds the fingerprint and must never be the
    secret itself.
    """

    rule_id: str
    scanner: str
    severity: Severity
    message: str
    location: Location | None
    content_digest: str
    confidence: Confidence = Confidence.HIGH
    help_uri: str = ""
    fix: str | None = None
    aliases: tuple[str, ...] = ()
    properties: Mapping[str, JsonScalar | Sequence[str]] = field(default_factory=dict)
    fingerprint: str = ""
    suppression: Suppression | None = None

    @property
    def is_active(self) -> bool:
        """Counts towards the threshold (not ignored, baselined or allowed inline)."""
        return self.suppression is None

    @property
    def ids(self) -> tuple[str, ...]:
        """The rule id and every alias: what an ignore entry may name."""
        return (self.rule_id, *self.aliases)

    @property
    def sort_key(self) -> tuple[int, str, int, int, str]:
        """Most severe first, then by place."""
        loc = self.location
        return (
            -self.severity.rank,
            loc.path if loc else "",
            (loc.start_line or 0) if loc else 0,
            (loc.start_column or 0) if loc else 0,
            self.rule_id,
        )


def digest_text(*parts: str) -> str:
    """A stable hex digest of some text parts (used for content digests)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\x00")
    return h.hexdigest()


def normalise_line(line: str) -> str:
    """The content of a source line for fingerprinting: whitespace-insensitive."""
    return " ".join(line.split())


def assign_fingerprints(findings: Iterable[Finding]) -> list[Finding]:
    """Give each finding its fingerprint: `sha256(rule, path, content, occurrence)`.

    The occurrence counter numbers findings with the same (rule, path, content) in reading
    order, so two identical lines differ while unrelated insertions above change nothing.
    """
    ordered = sorted(
        findings,
        key=lambda f: (
            f.location.path if f.location else "",
            (f.location.start_line or 0) if f.location else 0,
            (f.location.start_column or 0) if f.location else 0,
            f.rule_id,
        ),
    )
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in ordered:
        path = finding.location.path if finding.location else ""
        key = (finding.rule_id, path, finding.content_digest)
        occurrence = seen[key]
        seen[key] += 1
        fingerprint = digest_text(finding.rule_id, path, finding.content_digest, str(occurrence))
        result.append(replace(finding, fingerprint=fingerprint[:32]))
    return result


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not a finding (a skipped file, a lapsed ignore)."""

    level: Literal["note", "warning", "error"]
    message: str
    path: str | None = None


@dataclass(frozen=True)
class Tool:
    """The engine behind a scanner, for reports (SARIF `tool.driver`)."""

    name: str
    version: str
    information_uri: str


@dataclass(frozen=True)
class ScanResult:
    """One scanner's run: what it used, what it found, what it could not do."""

    scanner: str
    tool: Tool
    rules: Mapping[str, Rule]
    findings: Sequence[Finding]
    notices: Sequence[Notice] = ()
    stats: Mapping[str, int] = field(default_factory=dict)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.is_active]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_active]


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts of findings per severity, every level present (most severe first)."""
    counts = Counter(f.severity for f in findings)
    return {s.value: counts.get(s, 0) for s in SEVERITIES_MOST_SEVERE_FIRST}


def active_findings(results: Iterable[ScanResult]) -> list[Finding]:
    return [f for r in results for f in r.active]


def outcome(results: Iterable[ScanResult], fail_on: FailOn) -> Outcome:
    """`fail` when any active finding is at or above the threshold, else `pass`."""
    threshold = fail_on.threshold()
    if threshold is None:
        return Outcome.PASS
    if any(f.severity >= threshold for f in active_findings(results)):
        return Outcome.FAIL
    return Outcome.PASS

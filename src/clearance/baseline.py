"""Baselines: accepted findings, matched by fingerprint with counted multiplicity.

A baseline file is versioned JSON with no timestamps and sorted entries, so re-writing it
for an unchanged tree changes nothing. Matching ignores line numbers (fingerprints are
content-based) and counts: one baselined finding absorbs exactly one current finding, so a new
copy of an accepted line is still reported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clearance.errors import ConfigError
from clearance.findings import Finding, Suppression

BASELINE_FORMAT = "clearance-baseline"
BASELINE_VERSION = 1


@dataclass(frozen=True)
class Baseline:
    fingerprints: Counter[str]

    @classmethod
    def empty(cls) -> Baseline:
        return cls(Counter())

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Baseline:
        return cls(Counter(f.fingerprint for f in findings))

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Suppress the findings the baseline accepts, each entry at most once."""
        remaining = Counter(self.fingerprints)
        result = []
        for finding in findings:
            if finding.is_active and remaining[finding.fingerprint] > 0:
                remaining[finding.fingerprint] -= 1
                finding = replace(
                    finding, suppression=Suppression(kind="baseline", reason="in the baseline")
                )
            result.append(finding)
        return result


def render_baseline(scanner: str, findings: Iterable[Finding]) -> str:
    """The baseline file for these findings: stable, sorted, no timestamps."""
    entries = sorted(
        (
            {
                "rule": f.rule_id,
                "path": f.location.path if f.location else "",
                "fingerprint": f.fingerprint,
            }
            for f in findings
            if f.suppression is None or f.suppression.kind == "baseline"
        ),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    document = {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "scanner": scanner,
        "findings": entries,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def parse_baseline(text: str, *, scanner: str, where: str) -> Baseline:
    """Read a baseline; a foreign or corrupt file is a ConfigError naming it."""
    try:
        document: Any = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: baseline is not valid JSON ({exc.args[0]})") from exc
    if not isinstance(document, dict) or document.get("format") != BASELINE_FORMAT:
        raise ConfigError(f'{where}: not a clearance baseline (no "format": "{BASELINE_FORMAT}")')
    if document.get("version") != BASELINE_VERSION:
        raise ConfigError(
            f"{where}: baseline version {document.get('version')!r} is not supported "
            f"(this clearance reads version {BASELINE_VERSION})"
        )
    if document.get("scanner") != scanner:
        raise ConfigError(
            f"{where}: this baseline is for the {document.get('scanner')!r} scanner, not {scanner!r}"
        )
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigError(
            f'{where}: baseline "findings" must be a list of entries with a fingerprint'
        )
    return Baseline(Counter(e["fingerprint"] for e in entries))


def load_baseline(path: Path, *, scanner: str) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"baseline file {path} does not exist (create it with --update-baseline)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read baseline file {path}: {exc}") from exc
    return parse_baseline(text, scanner=scanner, where=str(path))

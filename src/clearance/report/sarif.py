"""SARIF 2.1.0 as GitHub code scanning ingests it.

One run per scanner, told apart by `automationDetails.id` (`clearance/<scanner>/`); rules
with `fullDescription`, `help`, `helpUri` and `properties.security-severity`; results with
`partialFingerprints` and repository-relative URIs based on `%SRCROOT%`. GitHub's upload
limits are enforced: at most 25,000 results per run, 20 runs per file and 10 MB gzipped.
Past a limit the most severe results are kept and a tool notification says what was dropped.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clearance.findings import Finding, Rule, ScanResult, Severity
from clearance.report import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/clearance-dev/clearance"
FINGERPRINT_KEY = "clearance/v1"
SRCROOT = "%SRCROOT%"

MAX_RESULTS_PER_RUN = 25_000
MAX_RUNS_PER_FILE = 20
MAX_GZIPPED_BYTES = 10 * 1000 * 1000


@dataclass(frozen=True)
class SarifLimits:
    results_per_run: int = MAX_RESULTS_PER_RUN
    runs_per_file: int = MAX_RUNS_PER_FILE
    gzipped_bytes: int = MAX_GZIPPED_BYTES


@dataclass(frozen=True)
class SarifDocument:
    text: str
    dropped: dict[str, int] = field(default_factory=dict)
    """Results left out per scanner because of GitHub's limits."""


def level_for(severity: Severity) -> str:
    """SARIF `level`: critical/high → error, medium → warning, low/info → note."""
    if severity >= Severity.HIGH:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "note"


def category_for(scanner: str) -> str:
    return f"clearance/{scanner}/"


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = rule.help_text or rule.full_description or rule.short_description
    entry: dict[str, Any] = {
        "id": rule.id,
        "shortDescription": {"text": rule.short_description},
        "fullDescription": {"text": rule.full_description or rule.short_description},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": level_for(rule.default_severity)},
        "properties": {
            "security-severity": rule.default_severity.security_severity,
            "tags": ["security", *rule.tags],
            "precision": "high",
            "problem.severity": level_for(rule.default_severity).replace("note", "recommendation"),
        },
    }
    if rule.name and rule.name.casefold() != rule.id.casefold():
        entry["name"] = rule.name  # SARIF: a name identical to the id must be omitted
    if rule.help_uri:
        entry["helpUri"] = rule.help_uri
    return entry


def _fallback_rule(finding: Finding) -> Rule:
    return Rule(
        id=finding.rule_id,
        name=finding.rule_id,
        short_description=finding.message.splitlines()[0][:200]
        if finding.message
        else finding.rule_id,
        help_uri=finding.help_uri,
        default_severity=finding.severity,
    )


def _region(finding: Finding) -> dict[str, int]:
    loc = finding.location
    if loc is None:  # only located findings reach SARIF
        return {"startLine": 1}
    start = loc.start_line or 1
    end = loc.end_line if loc.end_line and loc.end_line >= start else start
    region: dict[str, int] = {"startLine": start, "endLine": end}
    if loc.start_column:
        region["startColumn"] = loc.start_column
    if loc.end_column and (end > start or loc.end_column > (loc.start_column or 0)):
        region["endColumn"] = loc.end_column
    return region


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level_for(finding.severity),
        "message": {"text": finding.message or finding.rule_id},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "security-severity": finding.severity.security_severity,
            **({"aliases": list(finding.aliases)} if finding.aliases else {}),
            **({"fix": finding.fix} if finding.fix else {}),
            **{
                k: v if isinstance(v, str | int | float | bool) or v is None else list(v)
                for k, v in finding.properties.items()
            },
        },
    }
    if finding.location is not None:
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.location.path, "uriBaseId": SRCROOT},
                    "region": _region(finding),
                }
            }
        ]
    if finding.suppression is not None:
        result["suppressions"] = [
            {
                "kind": "inSource" if finding.suppression.kind == "inline" else "external",
                "justification": finding.suppression.reason,
            }
        ]
    return result


def _run(
    result: ScanResult, findings: Sequence[Finding], dropped: int, version: str
) -> dict[str, Any]:
    rules: dict[str, Rule] = {}
    for finding in findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = result.rules.get(finding.rule_id) or _fallback_rule(finding)
    ordered_rules = sorted(rules.values(), key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(ordered_rules)}
    notifications = [
        {
            "level": n.level,
            "message": {"text": n.message},
            **(
                {
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": n.path, "uriBaseId": SRCROOT}
                            }
                        }
                    ]
                }
                if n.path
                else {}
            ),
        }
        for n in result.notices
    ]
    if dropped:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{dropped} less severe result(s) were left out to stay within "
                    "GitHub's code scanning upload limits; see the JSON report for all findings"
                },
            }
        )
    return {
        "tool": {
            "driver": {
                "name": "clearance",
                "fullName": f"clearance {result.scanner} scanning ({result.tool.name} {result.tool.version})",
                "version": version,
                "semanticVersion": version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(r) for r in ordered_rules],
            },
            "extensions": [
                {
                    "name": result.tool.name,
                    "version": result.tool.version,
                    "informationUri": result.tool.information_uri,
                }
            ],
        },
        "automationDetails": {"id": category_for(result.scanner)},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": [_result(f, index[f.rule_id]) for f in findings],
    }


def _document(runs: list[dict[str, Any]]) -> str:
    doc = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.sort_key)


def render_sarif(report: Report, limits: SarifLimits = SarifLimits()) -> SarifDocument:
    """The report as one SARIF file within GitHub's limits."""
    results = list(report.results)[: limits.runs_per_file]
    # Findings without a location cannot be shown by code scanning; they stay in JSON/text.
    located = [_ordered([f for f in r.findings if f.location is not None]) for r in results]
    keep = [min(len(fs), limits.results_per_run) for fs in located]

    def build(keep_counts: list[int]) -> str:
        runs = [
            _run(r, fs[:k], len(fs) - k, report.tool_version)
            for r, fs, k in zip(results, located, keep_counts, strict=True)
        ]
        return _document(runs)

    text = build(keep)
    while len(gzip.compress(text.encode("utf-8"))) > limits.gzipped_bytes and sum(keep) > 0:
        # Drop the least severe tenth (at least one) of what is kept, across runs.
        kept = [(f, i) for i, fs in enumerate(located) for f in fs[: keep[i]]]
        kept.sort(key=lambda item: item[0].sort_key)
        cut = max(1, len(kept) // 10)
        for _, i in kept[-cut:]:
            keep[i] -= 1
        text = build(keep)
    dropped = {
        r.scanner: len(fs) - k
        for r, fs, k in zip(results, located, keep, strict=True)
        if len(fs) > k
    }
    for r in report.results[limits.runs_per_file :]:
        dropped[r.scanner] = len(r.findings)
    return SarifDocument(text=text, dropped=dropped)

"""The JSON report: every finding (suppressed ones too), with a versioned schema.

The schema ships as `clearance/schema/report.schema.json`; `REPORT_SCHEMA_ID` names the
version. Additions are backwards compatible within a version; anything else bumps it.
"""

from __future__ import annotations

import json
from typing import Any

from clearance.findings import Finding, ScanResult, count_by_severity
from clearance.report import Report

REPORT_SCHEMA_ID = "https://clearance.dev/schema/report/v1.json"
REPORT_VERSION = 1


def finding_to_json(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "rule_id": finding.rule_id,
        "aliases": list(finding.aliases),
        "scanner": finding.scanner,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "message": finding.message,
        "location": None
        if loc is None
        else {
            "path": loc.path,
            "start_line": loc.start_line,
            "end_line": loc.end_line,
            "start_column": loc.start_column,
            "end_column": loc.end_column,
        },
        "help_uri": finding.help_uri,
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
        "properties": {
            k: v if isinstance(v, str | int | float | bool) or v is None else list(v)
            for k, v in finding.properties.items()
        },
        "suppression": None
        if finding.suppression is None
        else {"kind": finding.suppression.kind, "reason": finding.suppression.reason},
    }


def _run(result: ScanResult, report: Report) -> dict[str, Any]:
    own = (
        {
            "fail_on": report.threshold_for(result.scanner).value,
            "outcome": Report(
                results=[result],
                fail_on=report.threshold_for(result.scanner),
                tool_version=report.tool_version,
            ).outcome.value,
        }
        if report.thresholds
        else {}
    )
    return {
        "scanner": result.scanner,
        "tool": {
            "name": result.tool.name,
            "version": result.tool.version,
            "information_uri": result.tool.information_uri,
        },
        "counts": count_by_severity(result.active),
        "suppressed": len(result.suppressed),
        "stats": dict(result.stats),
        "notices": [
            {"level": n.level, "message": n.message, "path": n.path} for n in result.notices
        ],
        "findings": [finding_to_json(f) for f in sorted(result.findings, key=lambda f: f.sort_key)],
        **own,
    }


def report_to_json(report: Report) -> dict[str, Any]:
    return {
        "$schema": REPORT_SCHEMA_ID,
        "version": REPORT_VERSION,
        "tool": {"name": "clearance", "version": report.tool_version},
        "outcome": report.outcome.value,
        "fail_on": report.fail_on.value,
        "counts": count_by_severity(report.active),
        "runs": [_run(r, report) for r in report.results],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n"

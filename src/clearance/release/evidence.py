"""Evidence recorded with a deployment: the summary of clearance's scan report.

When scan attestations are not configured (the trust issue's `attest` plugs in later), the
summary recorded at deploy time (`clearance deploy start --scan-report FILE`) is the evidence
the `scan` requirement is checked against.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema

from clearance.errors import UsageError
from clearance.release.records import ScanSummary

SEVERITIES = ("critical", "high", "medium", "low", "info")


def _report_schema() -> dict[str, Any]:
    text = resources.files("clearance").joinpath("schema/report.schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


def scan_summary_from_report(path: Path) -> ScanSummary:
    """The summary of a clearance JSON report (`clearance scan ... --format json`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--scan-report {path}: cannot read it: {exc.strerror or exc}") from exc
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise UsageError(f"--scan-report {path}: not JSON: {exc}") from exc
    errors = sorted(
        jsonschema.Draft202012Validator(_report_schema()).iter_errors(document),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise UsageError(
            f"--scan-report {path}: not a clearance JSON report ({where}: {errors[0].message})"
        )
    return ScanSummary(
        outcome=document["outcome"],
        fail_on=document["fail_on"],
        counts={s: int(document["counts"][s]) for s in SEVERITIES},
        scanners=tuple(sorted({run["scanner"] for run in document["runs"]})),
        report_digest="sha256:" + hashlib.sha256(data).hexdigest(),
        tool_version=document["tool"]["version"],
    )


def describe_counts(summary: ScanSummary) -> str:
    shown = [f"{summary.counts.get(s, 0)} {s}" for s in SEVERITIES if summary.counts.get(s, 0)]
    return ", ".join(shown) if shown else "no findings"


def check_scan(summary: ScanSummary | None, scanners: Sequence[str]) -> tuple[bool, str]:
    """Whether a recorded summary satisfies a scan requirement; the reason in one line.

    `scanners` empty means 'every recorded scan'; otherwise each named scanner must have run.
    """
    if summary is None:
        return False, (
            "no scan evidence recorded for this digest "
            "(pass --scan-report to 'clearance deploy start', or configure scan attestations)"
        )
    missing = [s for s in scanners if s not in summary.scanners]
    if missing:
        return False, (
            f"the scan recorded at deploy time has no {', '.join(missing)} run "
            f"(it ran: {', '.join(summary.scanners) or 'nothing'})"
        )
    ran = ", ".join(summary.scanners) or "no scanner"
    if summary.outcome != "pass":
        return False, (
            f"the scan recorded at deploy time failed: {describe_counts(summary)} "
            f"(fail-on {summary.fail_on}; {ran})"
        )
    return True, f"the scan recorded at deploy time passed ({ran}; fail-on {summary.fail_on})"

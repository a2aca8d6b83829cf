"""Run a scanner and settle its result: fingerprints, ignores, baseline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from clearance.baseline import Baseline
from clearance.findings import ScanResult, assign_fingerprints
from clearance.ignores import IgnoreRule, apply_ignores
from clearance.scan.interface import Progress, Scanner, ScanTarget, no_progress


def settle(
    result: ScanResult,
    *,
    ignores: Sequence[IgnoreRule] = (),
    baseline: Baseline | None = None,
    today: dt.date,
) -> ScanResult:
    """Fingerprint the findings, then apply the ignores, then the baseline."""
    findings = assign_fingerprints(result.findings)
    findings, notices = apply_ignores(findings, ignores, today)
    if baseline is not None:
        findings = baseline.apply(findings)
    return replace(result, findings=findings, notices=(*result.notices, *notices))


def run_scanner(
    scanner: Scanner,
    target: ScanTarget,
    *,
    ignores: Sequence[IgnoreRule] = (),
    baseline: Baseline | None = None,
    today: dt.date,
    progress: Progress = no_progress,
) -> ScanResult:
    return settle(scanner.scan(target, progress), ignores=ignores, baseline=baseline, today=today)

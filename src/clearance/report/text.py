"""Readable text for terminals: one line per finding, then the counts and the verdict."""

from __future__ import annotations

from clearance.findings import Finding, Outcome, count_by_severity
from clearance.report import Report


def _line(finding: Finding) -> str:
    loc = finding.location
    where = ""
    if loc is not None:
        where = loc.path
        if loc.start_line:
            where += f":{loc.start_line}"
            if loc.start_column:
                where += f":{loc.start_column}"
        where += ": "
    message = " ".join(finding.message.split())
    return f"{where}{finding.severity.value.upper()} [{finding.rule_id}] {message} ({finding.fingerprint})"


def render_text(report: Report) -> str:
    lines: list[str] = []
    for result in report.results:
        for notice in result.notices:
            where = f"{notice.path}: " if notice.path else ""
            lines.append(f"{where}{notice.level}: {notice.message}")
    lines.extend(_line(f) for f in sorted(report.active, key=lambda f: f.sort_key))
    counts = count_by_severity(report.active)
    summary = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n) or "no findings"
    suppressed = sum(len(r.suppressed) for r in report.results)
    if suppressed:
        summary += f" ({suppressed} suppressed)"
    verdict = "FAIL" if report.outcome is Outcome.FAIL else "pass"
    scanners = ", ".join(r.scanner for r in report.results)
    lines.append(f"clearance [{scanners}]: {summary}; fail-on {report.threshold_text()}: {verdict}")
    return "\n".join(lines) + "\n"

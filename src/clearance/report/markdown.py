"""The job summary: a status line, counts by severity and scanner, top findings, the rest
folded in `<details>`. Kept well under GitHub's 1 MiB step-summary limit."""

from __future__ import annotations

from clearance.findings import SEVERITIES_MOST_SEVERE_FIRST, Finding, Outcome, count_by_severity
from clearance.report import Report

TOP_FINDINGS = 10
MAX_DETAIL_ROWS = 2_000

_ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦", "info": "⬜"}


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _where(finding: Finding) -> str:
    loc = finding.location
    if loc is None:
        return ""
    return f"`{_cell(loc.path)}:{loc.start_line}`" if loc.start_line else f"`{_cell(loc.path)}`"


def _rows(findings: list[Finding]) -> list[str]:
    rows = ["| Severity | Rule | Where | Message | Fingerprint |", "|---|---|---|---|---|"]
    for f in findings:
        sev = f"{_ICON[f.severity.value]} {f.severity.value}"
        rule = f"[{_cell(f.rule_id)}]({f.help_uri})" if f.help_uri else _cell(f.rule_id)
        message = _cell(f.message)[:300]
        rows.append(f"| {sev} | {rule} | {_where(f)} | {message} | `{f.fingerprint}` |")
    return rows


def status_line(report: Report) -> str:
    active = report.active
    threshold = report.threshold_text()
    if report.outcome is Outcome.FAIL:
        failing = len(report.failing())
        return (
            f"❌ **clearance: {failing} finding(s) at or above `{threshold}`** "
            f"({len(active)} active in all)"
        )
    if active:
        return (
            f"✅ **clearance: pass** ({len(active)} finding(s) below the `{threshold}` threshold)"
        )
    return "✅ **clearance: pass**, no findings"


def render_markdown(report: Report) -> str:
    active = sorted(report.active, key=lambda f: f.sort_key)
    lines = ["## clearance scan", "", status_line(report), ""]
    header = "| Scanner | Engine | " + " | ".join(s.value for s in SEVERITIES_MOST_SEVERE_FIRST)
    lines += [
        header + " | Suppressed |",
        "|---|---|" + "---:|" * (len(SEVERITIES_MOST_SEVERE_FIRST) + 1),
    ]
    for result in report.results:
        counts = count_by_severity(result.active)
        lines.append(
            f"| {result.scanner} | {result.tool.name} {result.tool.version} | "
            + " | ".join(str(counts[s.value]) for s in SEVERITIES_MOST_SEVERE_FIRST)
            + f" | {len(result.suppressed)} |"
        )
    lines.append("")
    notices = [(r.scanner, n) for r in report.results for n in r.notices]
    if notices:
        lines += ["**Notices**", ""]
        for scanner, n in notices[:50]:
            where = f" (`{_cell(n.path)}`)" if n.path else ""
            lines.append(f"- {scanner}: {_cell(n.message)}{where}")
        if len(notices) > 50:
            lines.append(f"- … and {len(notices) - 50} more notices (see the JSON report)")
        lines.append("")
    if active:
        lines += [f"### Top findings ({min(TOP_FINDINGS, len(active))} of {len(active)})", ""]
        lines += _rows(active[:TOP_FINDINGS])
        rest = active[TOP_FINDINGS:]
        if rest:
            shown = rest[:MAX_DETAIL_ROWS]
            lines += ["", f"<details><summary>{len(rest)} more finding(s)</summary>", ""]
            lines += _rows(shown)
            if len(rest) > len(shown):
                lines.append(f"\n… {len(rest) - len(shown)} more: see the SARIF or JSON report.")
            lines += ["", "</details>"]
        lines.append("")
    return "\n".join(lines) + "\n"


__all__ = ["count_by_severity", "render_markdown", "status_line"]

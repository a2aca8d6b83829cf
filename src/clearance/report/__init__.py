"""Reports: findings → bytes. One module per format; `render` picks one.

Every renderer is a pure function of a `Report` (the scan results plus the verdict), so the
same facts reach SARIF, annotations, the job summary, JSON and the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from clearance.findings import FailOn, Finding, Outcome, ScanResult, active_findings, outcome


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    GITHUB = "github"


@dataclass(frozen=True)
class Report:
    """What a scan concluded: the runs, the threshold, and the outcome it gives."""

    results: Sequence[ScanResult]
    fail_on: FailOn
    tool_version: str

    @property
    def outcome(self) -> Outcome:
        return outcome(self.results, self.fail_on)

    @property
    def active(self) -> list[Finding]:
        return active_findings(self.results)

    def failing(self) -> list[Finding]:
        """Active findings at or above the threshold."""
        threshold = self.fail_on.threshold()
        if threshold is None:
            return []
        return [f for f in self.active if f.severity >= threshold]


def render(report: Report, fmt: ReportFormat) -> str:
    """The report in one format, as text."""
    # Imported here so that choosing a format loads only its renderer.
    if fmt is ReportFormat.SARIF:
        from clearance.report.sarif import render_sarif

        return render_sarif(report).text
    if fmt is ReportFormat.JSON:
        from clearance.report.jsonfile import render_json

        return render_json(report)
    if fmt is ReportFormat.MARKDOWN:
        from clearance.report.markdown import render_markdown

        return render_markdown(report)
    if fmt is ReportFormat.GITHUB:
        from clearance.report.annotations import render_annotations

        return render_annotations(report)
    from clearance.report.text import render_text

    return render_text(report)

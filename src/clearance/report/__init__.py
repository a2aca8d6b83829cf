"""Reports: findings → bytes. One module per format; `render` picks one.

Every renderer is a pure function of a `Report` (the scan results plus the verdict), so the
same facts reach SARIF, annotations, the job summary, JSON and the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from clearance.findings import FailOn, Finding, Outcome, ScanResult, active_findings


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    GITHUB = "github"


@dataclass(frozen=True)
class Report:
    """What a scan concluded: the runs, the threshold, and the outcome it gives.

    `thresholds` gives a scanner its own threshold (`clearance scan all`: each scanner's
    fail-on); the others use `fail_on`.
    """

    results: Sequence[ScanResult]
    fail_on: FailOn
    tool_version: str
    thresholds: Mapping[str, FailOn] = field(default_factory=dict)

    def threshold_for(self, scanner: str) -> FailOn:
        return self.thresholds.get(scanner, self.fail_on)

    def threshold_text(self) -> str:
        """`low`, or `code high, secrets low, deps high` when the scanners' thresholds differ."""
        used = {r.scanner: self.threshold_for(r.scanner) for r in self.results}
        if len(set(used.values())) <= 1:
            return next(iter(used.values()), self.fail_on).value
        return ", ".join(f"{scanner} {value.value}" for scanner, value in used.items())

    @property
    def outcome(self) -> Outcome:
        return Outcome.FAIL if self.failing() else Outcome.PASS

    @property
    def active(self) -> list[Finding]:
        return active_findings(self.results)

    def failing(self) -> list[Finding]:
        """Active findings at or above their scanner's threshold."""
        failing = []
        for finding in self.active:
            threshold = self.threshold_for(finding.scanner).threshold()
            if threshold is not None and finding.severity >= threshold:
                failing.append(finding)
        return failing


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

"""Findings as GitHub workflow annotations (`::error file=…,line=…,title=…::message`).

GitHub shows at most 10 annotations of each level per step, so annotations are printed most
severe first, at most 10 per level; when some are left out, the last notice slot says how
many and points to the job summary.
"""

from __future__ import annotations

from collections import Counter

from clearance.findings import Finding, Severity
from clearance.gha import ANNOTATIONS_SHOWN_PER_LEVEL, Annotation, AnnotationLevel
from clearance.report import Report


def level_for(severity: Severity) -> AnnotationLevel:
    """critical/high → error, medium → warning, low/info → notice."""
    if severity >= Severity.HIGH:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "notice"


def annotation_for(finding: Finding) -> Annotation:
    loc = finding.location
    return Annotation(
        level=level_for(finding.severity),
        message=f"{finding.message}\nfingerprint: {finding.fingerprint}",
        title=f"{finding.rule_id} ({finding.severity.value}, {finding.scanner})",
        file=loc.path if loc else None,
        line=loc.start_line if loc else None,
        end_line=loc.end_line if loc else None,
        col=loc.start_column if loc else None,
        end_column=loc.end_column if loc and loc.end_line in (None, loc.start_line) else None,
    )


def select_annotations(findings: list[Finding]) -> tuple[list[Annotation], int]:
    """The annotations GitHub will show (most severe first) and how many were left out."""
    shown: list[Annotation] = []
    per_level: Counter[str] = Counter()
    left_out = 0
    for finding in sorted(findings, key=lambda f: f.sort_key):
        annotation = annotation_for(finding)
        if per_level[annotation.level] >= ANNOTATIONS_SHOWN_PER_LEVEL:
            left_out += 1
            continue
        per_level[annotation.level] += 1
        shown.append(annotation)
    if left_out and per_level["notice"] >= ANNOTATIONS_SHOWN_PER_LEVEL:
        # Free the last notice slot for the pointer to the summary.
        index = max(i for i, a in enumerate(shown) if a.level == "notice")
        shown.pop(index)
        left_out += 1
    return shown, left_out


def render_annotations(report: Report) -> str:
    """Workflow commands for the active findings, plus a pointer when some are left out."""
    shown, left_out = select_annotations(report.active)
    lines = [a.command() for a in shown]
    if left_out:
        lines.append(
            Annotation(
                "notice",
                f"{left_out} more finding(s) are not annotated (GitHub shows 10 per level); "
                "see the job summary or the SARIF report for all of them",
                title="clearance",
            ).command()
        )
    return "\n".join(lines) + ("\n" if lines else "")

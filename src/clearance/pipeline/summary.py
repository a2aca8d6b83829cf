"""The final summary of a conveyor run: one line per stage, as text, markdown or JSON."""

from __future__ import annotations

import json
from typing import Any

from clearance.pipeline.stages import ConveyorRun, StageReport, StageStatus

MARKS = {StageStatus.PASSED: "✓", StageStatus.FAILED: "✗", StageStatus.SKIPPED: "-"}


def stage_line(report: StageReport, width: int = 12) -> str:
    """`✓ scan code     passed   0 finding(s) in 3 file(s), fail-on medium`."""
    return f"{MARKS[report.status]} {report.name:<{width}} {report.status.value:<8} {report.detail}"


def verdict(run: ConveyorRun) -> str:
    failed = run.failed
    if failed is None:
        return "passed"
    return f"failed at {failed.name} (exit {int(run.exit_code)})"


def render_text(run: ConveyorRun) -> str:
    """Every stage with its one-line detail and notices, then the verdict."""
    width = max((len(s.name) for s in run.stages), default=0)
    lines = ["clearance run:"]
    for report in run.stages:
        lines.append("  " + stage_line(report, width))
        lines += [f"      warning: {notice}" for notice in report.notices]
    deployment = run.conveyor.deployment
    if deployment is not None:
        lines.append(
            f"deployed {deployment.digest} to {deployment.environment} (deployment {deployment.id})"
        )
    lines.append(f"verdict: {verdict(run)}")
    return "\n".join(lines) + "\n"


def render_markdown(run: ConveyorRun) -> str:
    """The job summary: a table of stages."""
    rows = [
        f"| {MARKS[s.status]} {s.name} | {s.status.value} | {_cell(s.detail)} |" for s in run.stages
    ]
    notices = [f"> **{s.name}**: {_cell(n)}" for s in run.stages for n in s.notices]
    parts = [
        f"### clearance run: {verdict(run)}\n",
        "| stage | status | detail |\n|---|---|---|\n" + "\n".join(rows) + "\n",
    ]
    if notices:
        parts.append("\n".join(notices) + "\n")
    return "\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_json(run: ConveyorRun) -> dict[str, Any]:
    conveyor = run.conveyor
    deployment = conveyor.deployment
    return {
        "outcome": "fail" if run.failed else "pass",
        "exit_code": int(run.exit_code),
        "stages": [
            {
                "name": s.name,
                "status": s.status.value,
                "detail": s.detail,
                "notices": list(s.notices),
                "seconds": round(s.seconds, 3),
            }
            for s in run.stages
        ],
        "artifacts": [
            {
                "path": str(p.relative_to(conveyor.root))
                if p.is_relative_to(conveyor.root)
                else str(p),
                "digest": str(d.digest),
            }
            for p, d in zip(conveyor.artifacts, conveyor.digests, strict=False)
        ],
        "digest": str(conveyor.digest) if conveyor.digest else None,
        "deployment": None
        if deployment is None
        else {
            "id": deployment.id,
            "environment": deployment.environment,
            "digest": deployment.digest,
            "state": deployment.state.value if deployment.state else None,
        },
    }


def render_json(run: ConveyorRun) -> str:
    return json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n"

"""`clearance run`: the local conveyor, composed from the pieces of clearance.

A pipeline is an ordered list of stages; each stage does one checkpoint (a scan, a build, a
signature, a deployment) and reports what it did in one line. The scans' findings are
collected into one report. Stages stop the conveyor when they fail; later stages are then
reported as skipped, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from clearance.config import Settings
from clearance.findings import FailOn, Outcome, ScanResult, outcome
from clearance.scan.interface import Progress, Scanner, ScanTarget, no_progress
from clearance.scan.runner import run_scanner


class StageStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StageReport:
    name: str
    status: StageStatus
    detail: str


@dataclass
class PipelineRun:
    """What the conveyor did: the stages in order and the scan results they produced."""

    root: Path
    stages: list[StageReport] = field(default_factory=list)
    results: list[ScanResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(s.status is StageStatus.FAILED for s in self.stages)


@dataclass(frozen=True)
class ScanStage:
    """Run one scanner over the repository and judge it against its threshold."""

    scanner: Scanner

    @property
    def name(self) -> str:
        return f"scan {self.scanner.name}"

    def run(
        self, run: PipelineRun, settings: Settings, today: dt.date, progress: Progress
    ) -> StageReport:
        scanner = self.scanner.name
        target = ScanTarget(root=run.root, exclude=settings.exclude_for(scanner))
        result = run_scanner(
            self.scanner,
            target,
            ignores=settings.ignores_for(scanner),
            today=today,
            progress=progress,
        )
        run.results.append(result)
        fail_on: FailOn = settings.fail_on_for(scanner)
        active = len(result.active)
        verdict = outcome([result], fail_on)
        status = StageStatus.FAILED if verdict is Outcome.FAIL else StageStatus.PASSED
        files = result.stats.get("files")
        scope = f" in {files} file(s)" if files is not None else ""
        return StageReport(
            self.name, status, f"{active} finding(s){scope}, fail-on {fail_on.value}"
        )


def run_pipeline(
    root: Path,
    settings: Settings,
    stages: Sequence[ScanStage],
    *,
    today: dt.date,
    progress_for: Callable[[str], Progress] = lambda _name: no_progress,
    on_stage: Callable[[StageReport], None] = lambda _report: None,
) -> PipelineRun:
    """Run the stages in order. Scans all run (their findings are all worth seeing); a failed
    stage stops the stages after the scans."""
    run = PipelineRun(root=root)
    for stage in stages:
        report = stage.run(run, settings, today, progress_for(stage.name))
        run.stages.append(report)
        on_stage(report)
    return run

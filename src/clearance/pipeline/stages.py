"""Stages and the conveyor that runs them in order.

A stage does its work on the shared `Conveyor` state and returns a `StageOutcome`: passed or
failed, with a one-line detail and the notices the user must see (the advisory snapshot
notice, a skipped signature). An anticipated error (`ClearanceError`) fails the stage with
the error's message and exit code. The first failure stops the conveyor, except inside a
group (the scans): the stages of a failing stage's own group still run, the others are
reported as skipped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from clearance.config import Settings
from clearance.errors import ClearanceError, ExitCode
from clearance.findings import ScanResult
from clearance.release.digests import Digest
from clearance.release.metadata import Artifact as Digested
from clearance.release.metadata import Metadata
from clearance.release.records import Deployment
from clearance.scan.interface import Progress, no_progress

_SEVERITY_OF_EXIT = {
    ExitCode.OK: 0,
    ExitCode.FAILED: 1,
    ExitCode.INCONCLUSIVE: 2,
    ExitCode.USAGE: 3,
    ExitCode.EXTERNAL: 4,
    ExitCode.INTERRUPTED: 5,
}


class StageStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StageOutcome:
    """What a stage says about its own run."""

    passed: bool
    detail: str
    notices: tuple[str, ...] = ()
    exit_code: ExitCode = ExitCode.OK
    """The exit code a failure stands for (findings: 1; a crashed tool: 3)."""
    skipped: bool = False
    """The stage chose not to act (signing without a key): reported as skipped, not failed."""


@dataclass(frozen=True)
class StageReport:
    """One line of the final summary."""

    name: str
    status: StageStatus
    detail: str
    notices: tuple[str, ...] = ()
    exit_code: ExitCode = ExitCode.OK
    seconds: float = 0.0


@dataclass
class Conveyor:
    """The state the stages share: what each stage made, for the stages after it."""

    root: Path
    settings: Settings
    today: dt.date
    work_dir: Path
    """Where the conveyor keeps its own files (build log, scan report): `.clearance/run/`."""
    results: list[ScanResult] = field(default_factory=list)
    artifacts: list[Path] = field(default_factory=list)
    digests: list[Digested] = field(default_factory=list)
    metadata: Metadata | None = None
    digest: Digest | None = None
    """The digest the deployment is keyed by: the artifact's, or that of the artifacts'
    checksum list when the build made several."""
    bundles: list[Path] = field(default_factory=list)
    deployment: Deployment | None = None


class Stage(Protocol):
    """One checkpoint of the conveyor."""

    @property
    def name(self) -> str: ...

    @property
    def group(self) -> str | None:
        """Stages of one group all run even when one of them fails (the scans)."""
        ...

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome: ...


@dataclass
class ConveyorRun:
    """What the conveyor did: one report per stage, in order."""

    conveyor: Conveyor
    stages: list[StageReport] = field(default_factory=list)

    @property
    def failed(self) -> StageReport | None:
        """The first stage that failed (None: none did)."""
        return next((s for s in self.stages if s.status is StageStatus.FAILED), None)

    @property
    def exit_code(self) -> ExitCode:
        """The worst code of the failed stages (several fail only inside a group): a crashed
        tool (3) or a configuration error (2) is never hidden behind findings (1)."""
        codes = [s.exit_code for s in self.stages if s.status is StageStatus.FAILED]
        return max(codes, key=_SEVERITY_OF_EXIT.__getitem__, default=ExitCode.OK)


def _status(outcome: StageOutcome) -> StageStatus:
    if not outcome.passed:
        return StageStatus.FAILED
    return StageStatus.SKIPPED if outcome.skipped else StageStatus.PASSED


def run_conveyor(
    conveyor: Conveyor,
    stages: Sequence[Stage],
    *,
    on_start: Callable[[str, int, int], None] = lambda _name, _index, _total: None,
    on_stage: Callable[[StageReport], None] = lambda _report: None,
    progress_for: Callable[[str], Progress] = lambda _name: no_progress,
    clock: Callable[[], float] = time.monotonic,
) -> ConveyorRun:
    """Run the stages in order; after a failure, the rest (outside its group) is skipped."""
    run = ConveyorRun(conveyor)
    stopped_by: StageReport | None = None
    stopped_group: str | None = None
    for index, stage in enumerate(stages, start=1):
        if stopped_by is not None and (stopped_group is None or stage.group != stopped_group):
            report = StageReport(
                stage.name, StageStatus.SKIPPED, f"not run: {stopped_by.name} failed"
            )
            run.stages.append(report)
            on_stage(report)
            continue
        on_start(stage.name, index, len(stages))
        started = clock()
        try:
            outcome = stage.run(conveyor, progress_for(stage.name))
        except ClearanceError as error:
            outcome = StageOutcome(False, str(error), exit_code=error.exit_code)
        seconds = clock() - started
        report = StageReport(
            name=stage.name,
            status=_status(outcome),
            detail=outcome.detail,
            notices=outcome.notices,
            exit_code=ExitCode.OK if outcome.passed else outcome.exit_code or ExitCode.FAILED,
            seconds=seconds,
        )
        run.stages.append(report)
        on_stage(report)
        if not outcome.passed and stopped_by is None:
            stopped_by, stopped_group = report, stage.group
    return run

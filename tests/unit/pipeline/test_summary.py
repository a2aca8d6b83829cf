"""The final summary: one line per stage, its notices, the verdict; as text, markdown, JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from clearance.config import Settings
from clearance.errors import ExitCode
from clearance.pipeline.stages import Conveyor, ConveyorRun, StageReport, StageStatus
from clearance.pipeline.summary import (
    render_json,
    render_markdown,
    render_text,
    stage_line,
    verdict,
)
from clearance.release.digests import Digest
from clearance.release.metadata import Artifact


def a_run(tmp_path: Path, *reports: StageReport) -> ConveyorRun:
    conveyor = Conveyor(
        root=tmp_path,
        settings=Settings(root=tmp_path),
        today=dt.date(2026, 1, 1),
        work_dir=tmp_path / ".clearance" / "run",
    )
    return ConveyorRun(conveyor, list(reports))


PASSED = StageReport("scan deps", StageStatus.PASSED, "0 finding(s)", ("snapshot of 2024-10-10",))
FAILED = StageReport(
    "build", StageStatus.FAILED, "build `make` exited with 2", (), ExitCode.EXTERNAL
)
SKIPPED = StageReport("deploy", StageStatus.SKIPPED, "not run: build failed")


def test_a_stage_line_has_a_mark_an_aligned_name_the_status_and_the_detail() -> None:
    assert stage_line(PASSED, 10) == "✓ scan deps  passed   0 finding(s)"
    assert stage_line(FAILED, 10) == "✗ build      failed   build `make` exited with 2"
    assert stage_line(SKIPPED, 10) == "- deploy     skipped  not run: build failed"


def test_the_text_summary_lists_every_stage_its_notices_and_the_verdict(tmp_path: Path) -> None:
    text = render_text(a_run(tmp_path, PASSED, FAILED, SKIPPED))
    lines = text.splitlines()
    assert lines[0] == "clearance run:"
    assert lines[1].startswith("  ✓ scan deps")
    assert lines[2] == "      warning: snapshot of 2024-10-10"
    assert lines[3].startswith("  ✗ build") and lines[4].startswith("  - deploy")
    assert lines[-1] == "verdict: failed at build (exit 3)"


def test_a_clean_run_passes(tmp_path: Path) -> None:
    assert verdict(a_run(tmp_path, PASSED)) == "passed"


def test_the_markdown_summary_is_a_table_with_escaped_cells(tmp_path: Path) -> None:
    piped = StageReport("build", StageStatus.FAILED, "a | b", (), ExitCode.EXTERNAL)
    markdown = render_markdown(a_run(tmp_path, PASSED, piped))
    assert "### clearance run: failed at build (exit 3)" in markdown
    assert "| ✗ build | failed | a \\| b |" in markdown
    assert "> **scan deps**: snapshot of 2024-10-10" in markdown


def test_the_json_summary_carries_stages_artifacts_and_the_digest(tmp_path: Path) -> None:
    run = a_run(tmp_path, PASSED, SKIPPED)
    digest = Digest("sha256", "ab" * 32)
    run.conveyor.artifacts = [tmp_path / "dist" / "app.whl"]
    run.conveyor.digests = [Artifact("app.whl", digest)]
    run.conveyor.digest = digest
    document = json.loads(render_json(run))
    assert document["outcome"] == "pass" and document["exit_code"] == 0
    assert [(s["name"], s["status"]) for s in document["stages"]] == [
        ("scan deps", "passed"),
        ("deploy", "skipped"),
    ]
    assert document["artifacts"] == [{"path": "dist/app.whl", "digest": str(digest)}]
    assert document["digest"] == str(digest)
    assert document["deployment"] is None

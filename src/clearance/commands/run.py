"""`clearance run`: the whole conveyor locally on a repository, on the embedded defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance import __version__
from clearance.commands import Command, Context
from clearance.commands.progress import progress_for
from clearance.config import load_config
from clearance.errors import ExitCode, UsageError
from clearance.pipeline import PipelineRun, ScanStage, StageReport, run_pipeline
from clearance.report import Report
from clearance.report.markdown import render_markdown
from clearance.report.text import render_text
from clearance.scan.code.bandit import BanditScanner
from clearance.scan.code.settings import code_settings

DESCRIPTION = """\
Run the conveyor locally on a repository: every checkpoint clearance has, on the
repository's configuration or, without one, the embedded defaults.

Stages today: scan code (bandit). The report lists every finding; the exit code is 1 when a
stage fails (findings at or above its fail-on), else 0.

examples:
  clearance run                      the repository of the current directory
  clearance run examples/service     the bundled example application
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "repository",
        nargs="?",
        type=Path,
        default=None,
        help="repository directory (default: current directory)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: found in the repository)",
    )


def _show_stage(context: Context, report: StageReport) -> None:
    mark = {"passed": "✓", "failed": "✗", "skipped": "-"}[report.status.value]
    context.say(f"{mark} {report.name}: {report.status.value} ({report.detail})")


def run(args: argparse.Namespace, context: Context) -> int:
    root = args.repository or Path(".")
    root = (root if root.is_absolute() else context.cwd / root).resolve()
    if not root.is_dir():
        raise UsageError(f"{args.repository}: no such directory")
    config = (
        args.config
        if args.config is None or args.config.is_absolute()
        else context.cwd / args.config
    )
    settings = load_config(config, root)
    context.say(f"clearance {__version__}: running the conveyor on {root} ({settings.where})")
    stages = [ScanStage(BanditScanner(code_settings(settings, context.env)))]

    pipeline: PipelineRun
    with progress_for(context, "scan code") as show:
        pipeline = run_pipeline(
            root,
            settings,
            stages,
            today=context.today(),
            progress_for=lambda _name: show,
            on_stage=lambda report: _show_stage(context, report),
        )
    report = Report(results=pipeline.results, fail_on=settings.fail_on, tool_version=__version__)
    context.stdout.write(context.redactor.scrub(render_text(report)))
    runner = context.runner
    if runner.active:
        runner.append_summary(context.redactor.scrub(render_markdown(report)))
    verdict = "failed" if pipeline.failed else "passed"
    context.say(f"clearance run: {verdict}")
    return int(ExitCode.FAILED if pipeline.failed else ExitCode.OK)


COMMAND = Command(
    words=("run",),
    summary="run the whole conveyor locally on a repository",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

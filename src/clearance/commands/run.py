"""`clearance run`: the whole conveyor locally on a repository, on the embedded defaults."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

from clearance import __version__
from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.progress import StageDisplay
from clearance.commands.scanning import _write_atomic
from clearance.config import load_config
from clearance.errors import UsageError
from clearance.pipeline import summary
from clearance.pipeline.conveyor import WORK_DIR, default_stages
from clearance.pipeline.settings import run_settings
from clearance.pipeline.stages import Conveyor, StageReport, run_conveyor
from clearance.report import Report
from clearance.report.jsonfile import report_to_json
from clearance.report.text import render_text

ENVIRONMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")

DESCRIPTION = """\
Run the whole conveyor locally on a repository, on its [tool.clearance] configuration or,
without one, the embedded defaults:

  scan secrets · scan deps · scan code → build → digest → metadata → sign → deploy (dev)

The scans run as one group and are judged on their fail-on. The dependency audit asks the
advisory service and, when none can be reached, the bundled PyPA snapshot of 2024-10-10 (a
warning says so). The build is the project's own command ([tool.clearance.run] build; for a
Python project without one, a wheel built offline into dist/ by pip), its artifacts are
digested (sha256), described (metadata), signed with a key when one is configured (else
skipped, with a notice) and recorded as deployed to the local environment `dev` in the SQLite
ledger .clearance/ledger.db ('clearance history' lists it). A failing stage stops the
conveyor; the stages after it are reported as skipped.

stdout: the findings of the scans, then one line per stage (--format json: one document).
stderr: progress. Exit code: that of the failing stage, the worst when several scans fail
(1 findings, 2 configuration, 3 a failed build or tool), else 0.

examples:
  clearance run                        the repository of the current directory
  clearance run examples/service       the bundled example application
  clearance run --key signing.key      also sign the artifacts (public key: signing.pub)
"""


class RunFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


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
    parser.add_argument(
        "--environment",
        metavar="NAME",
        help="local environment the digest is deployed to (default: config, else dev)",
    )
    parser.add_argument(
        "--key",
        metavar="FILE|env://NAME",
        help="sign the artifacts with this PEM private key (default: config, else no signing)",
    )
    parser.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="where consumers find the public key (default: the key file with .pub)",
    )
    parser.add_argument(
        "--osv-url",
        metavar="URL",
        help="OSV query endpoint of the dependency audit (default: config, else OSV's own)",
    )
    parser.add_argument(
        "--format",
        type=choice_of(RunFormat),
        default=RunFormat.TEXT,
        metavar=metavar_of(RunFormat),
        help="stdout format (default: text)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )


def _absolute(path: Path, context: Context) -> Path:
    return path if path.is_absolute() else context.cwd / path


def run(args: argparse.Namespace, context: Context) -> int:
    root = _absolute(args.repository or Path("."), context).resolve()
    if not root.is_dir():
        raise UsageError(f"{args.repository}: no such directory")
    if args.environment is not None and not ENVIRONMENT_NAME.fullmatch(args.environment):
        raise UsageError(
            f"--environment {args.environment!r}: letters, digits, . _ / - (starting with one "
            "of the first two)"
        )
    if args.osv_url and not args.osv_url.startswith(("https://", "http://")):
        raise UsageError(f"--osv-url {args.osv_url!r} is not an http(s) URL")
    settings = load_config(_absolute(args.config, context) if args.config else None, root)
    conveyor_settings = run_settings(settings)
    overrides = {
        "environment": args.environment,
        "key": args.key,
        "public_key": str(_absolute(args.public_key, context)) if args.public_key else None,
    }
    conveyor_settings = replace(
        conveyor_settings, **{k: v for k, v in overrides.items() if v is not None}
    )
    if args.key and not args.key.startswith("env://"):
        conveyor_settings = replace(conveyor_settings, key=str(_absolute(Path(args.key), context)))
    context.say(f"clearance {__version__}: the conveyor on {root} ({settings.where})")
    stages = default_stages(
        settings,
        conveyor_settings,
        env=context.env,
        cwd=context.cwd,
        now=context.now,
        on_secret=context.redactor.register,
        osv_url=args.osv_url,
    )
    conveyor = Conveyor(
        root=root, settings=settings, today=context.today(), work_dir=root / WORK_DIR
    )
    width = max(len(stage.name) for stage in stages)
    with StageDisplay(context) as display:

        def finished(report: StageReport) -> None:
            display.finished(summary.stage_line(report, width), report.notices)

        outcome = run_conveyor(
            conveyor,
            stages,
            on_start=display.start,
            on_stage=finished,
            progress_for=display.progress_for,
        )
    report = Report(results=conveyor.results, fail_on=settings.fail_on, tool_version=__version__)
    if args.format is RunFormat.JSON:
        import json

        document = {**summary.to_json(outcome), "report": report_to_json(report)}
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = (render_text(report) if conveyor.results else "") + summary.render_text(outcome)
    text = context.redactor.scrub(text)
    if args.output is not None:
        _write_atomic(_absolute(args.output, context), text)
    else:
        context.stdout.write(text)
        context.stdout.flush()
    runner = context.runner
    if runner.active:
        runner.append_summary(context.redactor.scrub(summary.render_markdown(outcome)))
    context.say(f"clearance run: {summary.verdict(outcome)}")
    return int(outcome.exit_code)


COMMAND = Command(
    words=("run",),
    summary="run the whole conveyor locally on a repository",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

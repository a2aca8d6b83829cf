"""`clearance dora`: the four DORA keys of each environment, from the ledger; `--html` writes
the dashboard."""

from __future__ import annotations

import argparse
import datetime as dt
from enum import StrEnum
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.releasing import (
    add_ledger_options,
    add_root_options,
    environments_of,
    open_ledger,
    workspace,
    write_data,
    write_summary,
)
from clearance.durations import parse_duration
from clearance.errors import ExitCode, UsageError
from clearance.measure import dora, render
from clearance.release.records import format_time


class DoraFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


DESCRIPTION = """\
The four DORA keys of each environment, from the deployments the ledger recorded (either
backend, the same figures): deployment frequency, lead time for changes, change failure rate
and time to restore, over a window (default: the last 30 days), with weekly figures.

Definitions (README, "DORA metrics"): a deployment is a success status in the environment;
lead time runs from each change's first commit (a squash-merged pull request's first commit)
to its first successful deployment there; a failed deployment (a failure or error status, or
a rollback that replaced it) counts once; time to restore runs from the first failed
deployment to the next success.

--html FILE writes a self-contained dashboard page (charts inline, no request when viewed).
In GitHub Actions the markdown table also goes to the job summary.

examples:
  clearance dora --environment production --window 30d
  clearance dora --since 2025-01-01 --until 2025-04-01 --format json -o dora.json
  clearance dora --ledger github --html dora.html --format markdown
"""


def _instant(text: str) -> dt.datetime:
    try:
        return dora.parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2025-03-01) or a UTC time (2025-03-01T09:00:00Z)"
        ) from None


def _duration(text: str) -> dt.timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--environment",
        "-e",
        action="append",
        metavar="NAME",
        help="only this environment (repeatable; default: every environment in the ledger)",
    )
    window = parser.add_argument_group("window")
    window.add_argument(
        "--since", type=_instant, metavar="TIME", help="start (a date, or a UTC time), inclusive"
    )
    window.add_argument(
        "--until", type=_instant, metavar="TIME", help="end, exclusive (default: now)"
    )
    window.add_argument(
        "--window",
        type=_duration,
        metavar="DURATION",
        help="length, e.g. 30d or 12w (default: 30d); with --since it sets the end",
    )
    parser.add_argument(
        "--format",
        type=choice_of(DoraFormat),
        default=DoraFormat.TEXT,
        metavar=metavar_of(DoraFormat),
        help="stdout format (default: text)",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--html", type=Path, metavar="FILE", help="also write the dashboard page to FILE"
    )
    parser.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the markdown table to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )
    add_root_options(parser)
    add_ledger_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    try:
        window = dora.resolve_window(
            since=args.since, until=args.until, length=args.window, now=context.now()
        )
    except ValueError as exc:
        raise UsageError(f"window: {exc}") from None
    space = workspace(args, context)
    environments = environments_of(args.environment)
    with open_ledger(args, context, space.root) as (ledger, _changes):
        report = dora.dora(ledger.history(environments), window, environments)
    fmt: DoraFormat = args.format
    if fmt is DoraFormat.JSON:
        text = render.render_json(report)
    elif fmt is DoraFormat.MARKDOWN:
        text = render.render_markdown(report)
    else:
        text = render.render_text(report)
    if args.html is not None:
        from clearance.measure.dashboard import render_html

        page = render_html(report, generated_at=format_time(context.now()))
        html_args = argparse.Namespace(output=args.html)
        write_data(page, html_args, context)
        context.say(f"clearance: wrote the DORA dashboard to {args.html}")
    write_data(text, args, context)
    write_summary(render.render_markdown(report), args, context)
    return int(ExitCode.OK)


COMMAND = Command(
    words=("dora",),
    summary="DORA metrics of each environment from the ledger (json, markdown, an HTML dashboard)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

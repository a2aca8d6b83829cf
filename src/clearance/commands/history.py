"""`clearance history`: the deployments recorded in the ledger, newest first."""

from __future__ import annotations

import argparse
import itertools
from enum import StrEnum

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.releasing import (
    add_ledger_options,
    add_root_options,
    environments_of,
    open_ledger,
    workspace,
    write_data,
)
from clearance.errors import ExitCode, UsageError
from clearance.release import history


class HistoryFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


DESCRIPTION = """\
List the deployments recorded in the ledger, newest first: id, environment, task (deploy,
deploy:promote, deploy:rollback), digest, state, times, version, and the number of changes
shipped. --format json gives every recorded field (statuses, changes, evidence), the same
from either ledger backend.

examples:
  clearance history --environment production
  clearance history --environment production --environment staging --limit 20 --format json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--environment",
        "-e",
        action="append",
        metavar="NAME",
        help="only this environment (repeatable)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="at most N deployments")
    parser.add_argument(
        "--format",
        type=choice_of(HistoryFormat),
        default=HistoryFormat.TEXT,
        metavar=metavar_of(HistoryFormat),
        help="output format (default: text)",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    add_root_options(parser)
    add_ledger_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    space = workspace(args, context)
    with open_ledger(args, context, space.root) as (ledger, _changes):
        stream = ledger.history(environments_of(args.environment))
        deployments = list(itertools.islice(stream, args.limit) if args.limit else stream)
    fmt: HistoryFormat = args.format
    if fmt is HistoryFormat.JSON:
        text = history.render_json(deployments)
    elif fmt is HistoryFormat.MARKDOWN:
        text = history.render_markdown(deployments)
    else:
        text = history.render_text(deployments)
    write_data(text, args, context)
    return int(ExitCode.OK)


COMMAND = Command(
    words=("history",),
    summary="list the deployments recorded in the ledger",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

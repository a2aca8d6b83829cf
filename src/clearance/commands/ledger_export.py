"""`clearance ledger export`: write a ledger's history as one JSON document."""

from __future__ import annotations

import argparse

from clearance.commands import Command, Context
from clearance.commands.releasing import (
    add_ledger_options,
    add_root_options,
    environments_of,
    open_ledger,
    workspace,
    write_data,
)
from clearance.errors import ExitCode
from clearance.release.ledger.transfer import render_export

DESCRIPTION = """\
Write the ledger's history (all environments, or those named) as one JSON document,
oldest first, with every status, change and piece of evidence. 'clearance ledger import'
reads it into another ledger.

examples:
  clearance ledger export --ledger github -o ledger.json
  clearance ledger import ledger.json --ledger sqlite
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--environment",
        "-e",
        action="append",
        metavar="NAME",
        help="only this environment (repeatable)",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    add_root_options(parser)
    add_ledger_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    space = workspace(args, context)
    with open_ledger(args, context, space.root) as (ledger, _changes):
        deployments = list(ledger.history(environments_of(args.environment)))
    write_data(render_export(deployments), args, context)
    context.say(f"clearance: exported {len(deployments)} deployment(s)")
    return int(ExitCode.OK)


COMMAND = Command(
    words=("ledger", "export"),
    summary="write the deployment history as JSON",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

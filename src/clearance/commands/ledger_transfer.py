"""`clearance ledger export` and `clearance ledger import`: move a history between backends."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.releasing import (
    add_ledger_options,
    add_root_options,
    environments_of,
    open_ledger,
    workspace,
    write_data,
)
from clearance.errors import ExitCode, UsageError
from clearance.release.ledger.transfer import import_into, parse_export, render_export

EXPORT_DESCRIPTION = """\
Write the ledger's history (all environments, or those named) as one JSON document,
oldest first, with every status, change and piece of evidence. 'clearance ledger import'
reads it into another ledger.

examples:
  clearance ledger export --ledger github -o ledger.json
  clearance ledger import ledger.json --ledger sqlite
"""

IMPORT_DESCRIPTION = """\
Record the deployments of an export document in this ledger, oldest first. Idempotent:
deployments already present are completed, never duplicated; a deployment that contradicts
the ledger (same id, other facts) stops the import before anything is written.

examples:
  clearance ledger import ledger.json --ledger .clearance/ledger.db
"""


def configure_export(parser: argparse.ArgumentParser) -> None:
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


def run_export(args: argparse.Namespace, context: Context) -> int:
    space = workspace(args, context)
    with open_ledger(args, context, space.root) as (ledger, _changes):
        deployments = list(ledger.history(environments_of(args.environment)))
    write_data(render_export(deployments), args, context)
    context.say(f"clearance: exported {len(deployments)} deployment(s)")
    return int(ExitCode.OK)


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="an export document ('-' for stdin)"
    )
    add_root_options(parser)
    add_ledger_options(parser)


def run_import(args: argparse.Namespace, context: Context) -> int:
    path: Path = args.file
    if str(path) == "-":
        import sys

        text, where = sys.stdin.read(), "stdin"
    else:
        full = path if path.is_absolute() else context.cwd / path
        try:
            text = full.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
        where = str(path)
    deployments = parse_export(text, where)
    space = workspace(args, context)
    with open_ledger(args, context, space.root, bulk=True) as (ledger, _changes):
        added, present = import_into(ledger, deployments)
        context.say(
            f"clearance: imported {added} deployment(s) into {ledger.description}"
            + (f"; {present} already there" if present else "")
        )
    return int(ExitCode.OK)


EXPORT = Command(
    words=("ledger", "export"),
    summary="write the deployment history as JSON",
    description=EXPORT_DESCRIPTION,
    configure=configure_export,
    run=run_export,
)

IMPORT = Command(
    words=("ledger", "import"),
    summary="record an exported history in this ledger",
    description=IMPORT_DESCRIPTION,
    configure=configure_import,
    run=run_import,
)

"""`clearance ledger import`: record an exported history in this ledger."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.releasing import (
    add_ledger_options,
    add_root_options,
    open_ledger,
    workspace,
)
from clearance.errors import ExitCode, UsageError
from clearance.release.ledger.transfer import import_into, parse_export

DESCRIPTION = """\
Record the deployments of an export document in this ledger, oldest first. Idempotent:
deployments already present are completed, never duplicated; a deployment that contradicts
the ledger (same id, other facts) stops the import before anything is written.

examples:
  clearance ledger import ledger.json --ledger .clearance/ledger.db
  clearance ledger export --ledger sqlite | clearance ledger import - --ledger github
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="an export document ('-' for stdin)"
    )
    add_root_options(parser)
    add_ledger_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    path: Path = args.file
    if str(path) == "-":
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


COMMAND = Command(
    words=("ledger", "import"),
    summary="record an exported history in this ledger",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

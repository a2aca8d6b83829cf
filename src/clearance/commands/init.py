"""`clearance init`: a starting configuration and a starter workflow for a repository."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.errors import ExitCode, UsageError
from clearance.paths import relative_posix
from clearance.starter import Template, apply_init, plan_init

DESCRIPTION = """\
Start using clearance in a repository: write a starting [tool.clearance] section at the end of
its pyproject.toml (the rest of the file is left byte for byte as it was), or a clearance.toml
when there is no pyproject.toml, and copy a starter workflow into .github/workflows/.

Templates (--template):
  python-service        scan, build, sign and attest; deploy to staging, promote the same
                        digest to production, roll back on a failed smoke check
  python-package        scan, build, sign and attest a package; attach it to a release
  pull-request-checks   the scans on pull requests, safe for forks (no secrets; SARIF and
                        comments from a separate workflow_run job)

An existing configuration or workflow is never replaced (exit 2) unless --force.

examples:
  clearance init                                  the configuration only
  clearance init --template pull-request-checks   and the pull-request workflow
  clearance init path/to/repo --template python-service --force
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
        "--template",
        type=choice_of(Template),
        metavar=metavar_of(Template),
        help="also copy this starter workflow into .github/workflows/",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing [tool.clearance] section, clearance.toml or workflow",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    given: Path = args.repository or Path(".")
    root = (given if given.is_absolute() else context.cwd / given).resolve()
    if not root.is_dir():
        raise UsageError(f"{given}: no such directory")
    written = apply_init(plan_init(root, args.template, force=args.force))
    for item in written:
        shown = relative_posix(item.path, root)
        context.stdout.write(f"{shown}\n")
        context.say(f"clearance: wrote {item.what} to {shown}")
    if args.template is not None:
        context.say(
            "next: read the workflow's comments and change the values they point out; "
            "then run 'clearance run' here"
        )
    else:
        context.say("next: 'clearance run' runs the conveyor here")
    return int(ExitCode.OK)


COMMAND = Command(
    words=("init",),
    summary="write a starting configuration and a starter workflow into a repository",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

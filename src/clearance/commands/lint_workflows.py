"""`clearance lint workflows`: what users of this toolkit get wrong in their workflows."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.progress import progress_for
from clearance.commands.scanning import (
    add_baseline_options,
    add_common_options,
    add_report_options,
    baseline_for,
    baseline_path,
    emit,
    repository_root,
    resolve_paths,
    settings_for,
    write_baseline,
)
from clearance.scan.interface import ScanTarget
from clearance.scan.runner import run_scanner
from clearance.scan.workflows.scanner import SCANNER, WorkflowScanner
from clearance.scan.workflows.zizmor import Persona

DESCRIPTION = """\
Lint GitHub Actions workflows, workflow templates and action definitions for what goes
wrong most: third-party actions not pinned to a full SHA, missing or broad token
permissions, ${{ }} expressions inside run:, pull_request_target/workflow_run checking out
the untrusted head, actions/checkout persisting credentials, and id-token: write in a job
that neither signs nor logs in. zizmor is the engine where it covers a check (offline); its
other audits are reported as zizmor/<audit>. zizmor's config file and ignore comments apply.

PATHS are files or directories (default: the repository; .github/workflows/*.yml,
workflows-templates/ and action.yml files are linted).

examples:
  clearance lint workflows
  clearance lint workflows .github/workflows/release.yml --persona pedantic
  clearance lint workflows --format sarif -o workflows.sarif
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATHS", help="files or directories to lint"
    )
    add_common_options(parser)
    add_report_options(parser)
    add_baseline_options(parser)
    parser.add_argument(
        "--persona",
        type=choice_of(Persona),
        metavar=metavar_of(Persona),
        help="zizmor persona: how much it reports (default: config, else regular)",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    root = repository_root(args, context)
    settings = settings_for(args, context, root)
    persona = args.persona or Persona(settings.section(SCANNER).get("persona", "regular"))
    paths = resolve_paths(args.paths, context)
    target = ScanTarget(root=root, paths=paths, exclude=settings.exclude_for(SCANNER))
    baseline = baseline_for(args, settings, SCANNER, context)
    with progress_for(context, "linting workflows") as progress:
        result = run_scanner(
            WorkflowScanner(persona),
            target,
            ignores=settings.ignores_for(SCANNER),
            baseline=baseline,
            today=context.today(),
            progress=progress,
        )
    if args.update_baseline:
        return write_baseline(baseline_path(args, settings, SCANNER, context), result, context)
    return emit([result], args, settings, context, scanner=SCANNER)


COMMAND = Command(
    words=("lint", "workflows"),
    summary="lint GitHub Actions workflows (zizmor and clearance's own checks)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

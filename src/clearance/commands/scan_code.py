"""`clearance scan code`: Python code scanning with bandit."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.progress import progress_for
from clearance.commands.scanning import (
    add_bandit_level_options,
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
from clearance.scan.code.bandit import BanditScanner
from clearance.scan.code.settings import code_settings
from clearance.scan.interface import ScanTarget
from clearance.scan.runner import run_scanner

DESCRIPTION = """\
Scan Python code for security problems with bandit as the engine.

PATHS are files or directories (default: the repository root). In a git work tree,
directories expand to the files git tracks or would add, so ignored files stay out.
Files named explicitly (as pre-commit does) are still filtered by the config's exclude.
Files are analysed in parallel and results are cached by content, so a re-run only
analyses what changed. '# nosec' comments and an existing [tool.bandit] table are honoured.

examples:
  clearance scan code                         scan the repository, text report
  clearance scan code src/ --fail-on high     fail only on high or critical findings
  clearance scan code --format sarif -o code.sarif
  clearance scan code --baseline .clearance/code-baseline.json --update-baseline
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATHS", help="files or directories to scan"
    )
    add_common_options(parser)
    add_report_options(parser)
    add_baseline_options(parser)
    engine = parser.add_argument_group("engine")
    add_bandit_level_options(engine)
    engine.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    engine.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reuse cached per-file results (default: on; cache in $CLEARANCE_CACHE_DIR or ~/.cache/clearance)",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    root = repository_root(args, context)
    settings = settings_for(args, context, root)
    code = code_settings(settings, context.env)
    scanner = BanditScanner(
        replace(
            code,
            severity=args.severity_level or code.severity,
            confidence=args.confidence_level or code.confidence,
            jobs=args.jobs if args.jobs is not None else code.jobs,
            cache_dir=code.cache_dir if args.cache else None,
        )
    )
    paths = resolve_paths(args.paths, context)
    target = ScanTarget(
        root=root,
        paths=paths,
        exclude=settings.exclude_for("code"),
        explicit_files=bool(paths) and all(p.is_file() for p in paths),
    )
    baseline = baseline_for(args, settings, "code", context)
    with progress_for(context, "scanning code") as progress:
        result = run_scanner(
            scanner,
            target,
            ignores=settings.ignores_for("code"),
            baseline=baseline,
            today=context.today(),
            progress=progress,
        )
    if args.update_baseline:
        return write_baseline(baseline_path(args, settings, "code", context), result, context)
    return emit([result], args, settings, context, scanner="code")


COMMAND = Command(
    words=("scan", "code"),
    summary="scan Python code with bandit",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

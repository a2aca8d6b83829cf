"""`clearance scan secrets`: secret scanning on detect-secrets' engine."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from clearance.baseline import Baseline
from clearance.commands import Command, Context
from clearance.commands.progress import progress_for
from clearance.commands.scanning import (
    add_baseline_options,
    add_common_options,
    add_report_options,
    baseline_path,
    emit,
    repository_root,
    resolve_paths,
    settings_for,
    write_baseline,
)
from clearance.errors import UsageError
from clearance.scan.interface import ScanTarget
from clearance.scan.runner import settle
from clearance.scan.secrets.baselines import (
    SCANNER,
    DetectSecretsBaseline,
    SecretsBaseline,
    load_secrets_baseline,
)
from clearance.scan.secrets.diffrange import AUTO, plan_from_event, plan_range
from clearance.scan.secrets.gitsource import Git
from clearance.scan.secrets.scanner import Mode, SecretsScanner, SecretsSettings
from clearance.scan.secrets.settings import secrets_engine_options, secrets_jobs

DESCRIPTION = """\
Find credentials before they ship, with detect-secrets' plugins and filters as the engine,
clearance's rules for today's token formats (GitHub, GitLab, Anthropic, OpenAI, Google,
Vault, Slack, Stripe, ...), and filters for what is not a secret (placeholders, lock-file
and SRI hashes, pinned action SHAs, image digests, Sigstore bundles, public keys, UUIDs).

What is read:
  (default)        the files git tracks (everything when not in a git repository)
  --all-files      every file under PATHS, tracked or not (VCS folders excepted)
  --staged         the staged blobs (the index, not the work tree): for pre-commit
  --diff RANGE     only the lines added in RANGE (BASE..HEAD, or BASE...HEAD from their
                   merge base); '--diff auto' takes the range from the GitHub Actions event
                   (pull_request, push, merge_group) and falls back to the pushed commits,
                   the merge base or the whole tree when the base is missing
  --history        every blob of every commit, each scanned once

Binary files and files over --max-file-size are skipped and counted. Secret values never
appear in any output: findings show the type, the length and a short hash.

Inline: '# pragma: allowlist secret' (detect-secrets) or '# clearance: ignore[<type>] <reason>'
on the line, or alone on the line above. An existing detect-secrets .secrets.baseline works
as --baseline as is.

examples:
  clearance scan secrets                                  scan the tracked files
  clearance scan secrets --staged                         what is about to be committed
  clearance scan secrets --diff origin/main...HEAD        a branch's added lines
  clearance scan secrets --diff auto --format sarif -o secrets.sarif     in GitHub Actions
  clearance scan secrets --baseline .secrets.baseline     accept detect-secrets' baseline
  clearance scan secrets --baseline .clearance/secrets-baseline.json --update-baseline
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATHS", help="files or directories to scan"
    )
    add_common_options(parser)
    what = parser.add_argument_group("what to scan")
    modes = what.add_mutually_exclusive_group()
    modes.add_argument("--staged", action="store_true", help="scan the staged blobs (pre-commit)")
    modes.add_argument(
        "--diff",
        metavar="RANGE",
        help="scan the lines added in BASE..HEAD (or BASE...HEAD, or auto in Actions)",
    )
    modes.add_argument(
        "--history", action="store_true", help="scan every blob of every commit, once each"
    )
    what.add_argument(
        "--all-files", action="store_true", help="scan untracked and ignored files too"
    )
    what.add_argument(
        "--max-file-size",
        type=_positive_int,
        metavar="BYTES",
        help="skip larger files (default 5 MiB)",
    )
    add_report_options(parser)
    add_baseline_options(parser)
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: one per core)"
    )


def _mode(args: argparse.Namespace) -> Any:

    if args.staged:
        return Mode.STAGED
    if args.diff:
        return Mode.DIFF
    if args.history:
        return Mode.HISTORY
    return Mode.WORKTREE


def run(args: argparse.Namespace, context: Context) -> int:
    # The engine (detect-secrets, the compiled rules) loads only when this command runs.
    from clearance.scan.secrets.scanner import Mode

    root = repository_root(args, context)
    settings = settings_for(args, context, root)
    mode = _mode(args)
    if args.all_files and mode is not Mode.WORKTREE:
        raise UsageError(
            "--all-files applies to the work tree; it cannot be combined with --staged, --diff or --history"
        )
    engine = secrets_engine_options(settings)
    if args.max_file_size is not None:
        engine = replace(engine, max_file_size=args.max_file_size)
    plan = None
    if mode is Mode.DIFF:
        git = Git(root)
        if not git.is_repository():
            raise UsageError(f"--diff needs a git repository; {root} is not one")
        if args.diff == AUTO:
            runner = context.runner
            plan = plan_from_event(git, runner.event_name(), runner.event_payload())
        else:
            plan = plan_range(git, args.diff)
    path = baseline_path(args, settings, SCANNER, context)
    baseline: SecretsBaseline | None = None
    if path is not None and not args.update_baseline:
        baseline = load_secrets_baseline(path)
    scanner = SecretsScanner(
        SecretsSettings(
            engine=engine,
            jobs=args.jobs if args.jobs is not None else secrets_jobs(settings),
            mode=mode,
            all_files=args.all_files,
            diff_plan=plan,
        ),
        on_secret=context.redactor.register,
    )
    paths = resolve_paths(args.paths, context)
    target = ScanTarget(
        root=root,
        paths=paths,
        exclude=settings.exclude_for(SCANNER),
        explicit_files=bool(paths) and all(p.is_file() for p in paths),
    )
    with progress_for(context, "scanning for secrets") as progress:
        result = scanner.scan(target, progress)
    result = settle(
        result,
        ignores=settings.ignores_for(SCANNER),
        baseline=baseline if isinstance(baseline, Baseline) else None,
        today=context.today(),
    )
    if isinstance(baseline, DetectSecretsBaseline):
        result = replace(result, findings=baseline.apply(result.findings, scanner.sha1_of))
    if args.update_baseline:
        return write_baseline(path, result, context)
    return emit([result], args, settings, context, scanner=SCANNER)


COMMAND = Command(
    words=("scan", "secrets"),
    summary="find committed credentials (detect-secrets engine)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

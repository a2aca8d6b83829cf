"""`clearance scan all`: the secrets, dependency and code scanners at once, one report."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.scanning import (
    _write_atomic,
    add_bandit_level_options,
    add_common_options,
    add_report_options,
    emit,
    repository_root,
    resolve_paths,
    settings_for,
)
from clearance.config import Settings
from clearance.errors import ExitCode, UsageError
from clearance.findings import FailOn
from clearance.scan.interface import Progress, ScanTarget
from clearance.scan.suite import (
    OnSecret,
    ScanTask,
    SuiteProgress,
    SuiteRun,
    TaskDone,
    run_suite,
)

SCANNERS = ("secrets", "deps", "code")
"""Every scanner, in report order (fastest first: the order the runs appear in SARIF)."""

DESCRIPTION = """\
Run the secrets, dependency and code scanners at once and write ONE report: a SARIF file with
one run per scanner, one job summary, annotations within GitHub's budget across the three,
JSON or text. The scanners run concurrently, one process each (the code and secrets scanners
spread their files over worker processes too), so they share the machine's cores.

PATHS limit the code and secrets scanners (default: the repository). The dependency scanner
audits --manifest files, else the config's deps.manifests, else every manifest it finds.
Each scanner is judged against its own threshold: --<scanner>-fail-on, else --fail-on, else
the config's [tool.clearance.<scanner>] fail-on, else the config's fail-on, else low.
The exit code is the worst outcome across the scanners: 1 when one has findings at or above
its threshold; 3 when a dependency could not be audited; when a scanner could not run, it is
named in one line, no report is written, and the code is its failure's (2 usage, 3 external).

examples:
  clearance scan all                                    everything, text report
  clearance scan all --format sarif -o clearance.sarif
  clearance scan all --no-deps --fail-on high           secrets and code only
  clearance scan all --scanners secrets,code --secrets-fail-on low
  clearance scan all --advisory-db bundled              dependencies audited offline
  clearance scan all --diff auto --format github        in GitHub Actions: secrets in the
                                                        event's diff, annotations
"""


def _scanner_list(text: str) -> tuple[str, ...]:
    names = tuple(n for n in text.replace(",", " ").split() if n)
    unknown = [n for n in names if n not in SCANNERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected scanner names among {', '.join(SCANNERS)}"
        )
    return names


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="files or directories for the code and secrets scanners",
    )
    add_common_options(parser)
    add_report_options(parser)
    which = parser.add_argument_group("scanners")
    which.add_argument(
        "--scanners",
        type=_scanner_list,
        metavar="LIST",
        help="scanners to run, comma-separated: secrets,deps,code (default: all three)",
    )
    for name in SCANNERS:
        which.add_argument(
            f"--no-{name}",
            action="store_true",
            help=f"do not run the {name} scanner",
        )
    for name in SCANNERS:
        which.add_argument(
            f"--{name}-fail-on",
            type=choice_of(FailOn),
            metavar=metavar_of(FailOn),
            help=f"threshold of the {name} scanner (default: --fail-on, else the config's)",
        )
    code = parser.add_argument_group("code scanner (bandit)")
    add_bandit_level_options(code)
    code.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reuse cached per-file results of the code scanner (default: on)",
    )
    code.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes of the code and secrets scanners each (default: one per core)",
    )
    secrets = parser.add_argument_group("secrets scanner (detect-secrets)")
    secrets.add_argument(
        "--diff",
        metavar="RANGE",
        help="scan only the lines added in BASE..HEAD for secrets ('auto' in Actions: the "
        "event's range)",
    )
    secrets.add_argument(
        "--all-files", action="store_true", help="scan untracked and ignored files for secrets"
    )
    deps = parser.add_argument_group("dependency scanner (pip-audit)")
    deps.add_argument(
        "--manifest",
        action="append",
        type=Path,
        metavar="FILE",
        help="a manifest, lockfile or directory to audit (repeatable; default: the configured "
        "ones, else all found)",
    )
    deps.add_argument(
        "--advisory-db",
        metavar="DIR|ZIP|bundled",
        help="audit offline against a local OSV database, or the bundled 2024-10-10 snapshot",
    )
    deps.add_argument(
        "--only-fixable",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="report only vulnerabilities with a fixed release (default: config, else off)",
    )
    deps.add_argument(
        "--allow-unaudited",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="do not fail (exit 3) when pip-audit could not audit some dependency",
    )
    deps.add_argument(
        "--sbom",
        type=Path,
        metavar="FILE",
        help="write the audited dependency set as CycloneDX JSON to FILE",
    )


def chosen_scanners(args: argparse.Namespace) -> list[str]:
    wanted: Sequence[str] = args.scanners or SCANNERS
    chosen = [s for s in SCANNERS if s in wanted and not getattr(args, f"no_{s}")]
    if not chosen:
        raise UsageError("no scanner left to run: --scanners and --no-<scanner> exclude them all")
    return chosen


def thresholds(
    args: argparse.Namespace, settings: Settings, scanners: Sequence[str]
) -> dict[str, FailOn]:
    return {
        s: getattr(args, f"{s}_fail_on") or args.fail_on or settings.fail_on_for(s)
        for s in scanners
    }


def _baseline(settings: Settings, scanner: str) -> Path | None:
    configured = settings.section(scanner).get("baseline")
    return settings.resolve(configured) if isinstance(configured, str) else None


def _target(root: Path, paths: Sequence[Path], exclude: Sequence[str]) -> ScanTarget:
    return ScanTarget(
        root=root,
        paths=paths,
        exclude=exclude,
        explicit_files=bool(paths) and all(p.is_file() for p in paths),
    )


# --- the tasks: each runs in its own process and imports its engine there --------------------


def _code_task(
    args: argparse.Namespace, context: Context, settings: Settings, root: Path, today: dt.date
) -> ScanTask:
    paths = resolve_paths(args.paths, context)

    def run(on_secret: OnSecret, progress: Progress) -> TaskDone:
        from clearance.baseline import load_baseline
        from clearance.scan.code.bandit import BanditScanner
        from clearance.scan.code.settings import code_settings
        from clearance.scan.runner import run_scanner

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
        baseline_file = _baseline(settings, "code")
        result = run_scanner(
            scanner,
            _target(root, paths, settings.exclude_for("code")),
            ignores=settings.ignores_for("code"),
            baseline=load_baseline(baseline_file, scanner="code") if baseline_file else None,
            today=today,
            progress=progress,
        )
        return TaskDone(result)

    return ScanTask("code", run)


def _secrets_task(
    args: argparse.Namespace, context: Context, settings: Settings, root: Path, today: dt.date
) -> ScanTask:
    paths = resolve_paths(args.paths, context)
    event_name = context.runner.event_name()
    diff: str | None = args.diff
    all_files: bool = args.all_files
    if diff and all_files:
        raise UsageError("--all-files applies to the work tree; it cannot be combined with --diff")
    payload = context.runner.event_payload() if diff == "auto" else {}

    def run(on_secret: OnSecret, progress: Progress) -> TaskDone:
        from clearance.baseline import Baseline
        from clearance.scan.runner import settle
        from clearance.scan.secrets.baselines import DetectSecretsBaseline, load_secrets_baseline
        from clearance.scan.secrets.diffrange import AUTO, plan_from_event, plan_range
        from clearance.scan.secrets.gitsource import Git
        from clearance.scan.secrets.scanner import Mode, SecretsScanner, SecretsSettings
        from clearance.scan.secrets.settings import secrets_engine_options, secrets_jobs

        plan = None
        if diff:
            git = Git(root)
            if not git.is_repository():
                raise UsageError(f"--diff needs a git repository; {root} is not one")
            plan = (
                plan_from_event(git, event_name, payload) if diff == AUTO else plan_range(git, diff)
            )
        baseline_file = _baseline(settings, "secrets")
        baseline = load_secrets_baseline(baseline_file) if baseline_file else None
        scanner = SecretsScanner(
            SecretsSettings(
                engine=secrets_engine_options(settings),
                jobs=args.jobs if args.jobs is not None else secrets_jobs(settings),
                mode=Mode.DIFF if plan is not None else Mode.WORKTREE,
                all_files=all_files,
                diff_plan=plan,
            ),
            on_secret=on_secret,
        )
        result = scanner.scan(_target(root, paths, settings.exclude_for("secrets")), progress)
        result = settle(
            result,
            ignores=settings.ignores_for("secrets"),
            baseline=baseline if isinstance(baseline, Baseline) else None,
            today=today,
        )
        if isinstance(baseline, DetectSecretsBaseline):
            result = replace(result, findings=baseline.apply(result.findings, scanner.sha1_of))
        return TaskDone(result)

    return ScanTask("secrets", run)


def _deps_task(
    args: argparse.Namespace, context: Context, settings: Settings, root: Path, today: dt.date
) -> ScanTask:
    manifests = resolve_paths(args.manifest or (), context)
    want_sbom = args.sbom is not None

    def run(on_secret: OnSecret, progress: Progress) -> TaskDone:
        from clearance.baseline import load_baseline
        from clearance.scan.deps.scanner import DepsScanner
        from clearance.scan.deps.settings import deps_settings
        from clearance.scan.runner import settle

        scan_settings, policy = deps_settings(settings, context.env)
        scan_settings = replace(
            scan_settings,
            advisory_db=args.advisory_db or scan_settings.advisory_db,
            only_fixable=scan_settings.only_fixable
            if args.only_fixable is None
            else args.only_fixable,
        )
        allow = policy.allow_unaudited if args.allow_unaudited is None else args.allow_unaudited
        scanner = DepsScanner(scan_settings, env=context.env, cwd=context.cwd)
        audit = scanner.audit(_target(root, manifests, settings.exclude_for("deps")), progress)
        baseline_file = _baseline(settings, "deps")
        result = settle(
            audit.result,
            ignores=settings.ignores_for("deps"),
            baseline=load_baseline(baseline_file, scanner="deps") if baseline_file else None,
            today=today,
        )
        unaudited = [] if allow else [(u.name, u.manifest, u.reason) for u in audit.unaudited]
        return TaskDone(
            result,
            extra={"unaudited": unaudited, "sbom": scanner.sbom(audit) if want_sbom else None},
        )

    return ScanTask("deps", run)


_BUILDERS = {"code": _code_task, "secrets": _secrets_task, "deps": _deps_task}

# Worst first: the exit code of a suite is the worst of its scanners' outcomes.
_SEVERITY_OF_EXIT = {
    ExitCode.INTERRUPTED: 5,
    ExitCode.EXTERNAL: 4,
    ExitCode.USAGE: 3,
    ExitCode.INCONCLUSIVE: 2,
    ExitCode.FAILED: 1,
    ExitCode.OK: 0,
}


def worst(codes: Sequence[ExitCode]) -> ExitCode:
    return max(codes, key=lambda c: _SEVERITY_OF_EXIT[c], default=ExitCode.OK)


def _suite_progress(context: Context) -> tuple[SuiteProgress | None, Callable[[], None]]:
    """A progress line for the suite (each scanner's files or packages), on a terminal only."""
    if not context.interactive:
        return None, lambda: None
    last = [0.0]
    drawn = [False]

    def show(state: Mapping[str, tuple[int, int]]) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2:
            return
        last[0] = now
        drawn[0] = True
        parts = [
            f"{name} {done}/{total}" if total else name for name, (done, total) in state.items()
        ]
        context.stderr.write("\rscanning: " + " · ".join(parts) + "\033[K")
        context.stderr.flush()

    def clear() -> None:
        if drawn[0]:
            context.stderr.write("\r\033[K")
            context.stderr.flush()

    return show, clear


def run(args: argparse.Namespace, context: Context) -> int:
    root = repository_root(args, context)
    settings = settings_for(args, context, root)
    scanners = chosen_scanners(args)
    limits = thresholds(args, settings, scanners)
    today = context.today()
    tasks = [_BUILDERS[name](args, context, settings, root, today) for name in scanners]
    if (
        args.sbom is not None
        and (args.sbom if args.sbom.is_absolute() else context.cwd / args.sbom).is_dir()
    ):
        raise UsageError(f"--sbom {args.sbom}: is a directory")
    show, clear = _suite_progress(context)
    try:
        suite = run_suite(tasks, progress=show)
    finally:
        clear()
    for value in suite.secrets:
        context.redactor.register(value)
    _show_output(suite, context)
    if suite.failed:
        for failure in suite.failed:
            if context.verbose and failure.detail:
                context.stderr.write(context.redactor.scrub(failure.detail))
            context.say(
                f"clearance: error: the {failure.scanner} scanner failed: {failure.message}; "
                "no report was written"
            )
        return int(worst([f.exit_code for f in suite.failed]))
    if context.verbose:
        for name, seconds in suite.seconds.items():
            context.say(f"clearance: {name} scanner finished in {seconds:.1f} s")
    results = [suite.done[name].result for name in scanners]
    codes = [ExitCode.OK]
    sbom = suite.done["deps"].extra.get("sbom") if "deps" in suite.done else None
    sbom_file = _write_sbom(args.sbom, sbom, context)
    codes.append(ExitCode(emit(results, args, settings, context, scanner=None, thresholds=limits)))
    runner = context.runner
    if runner.active and "deps" in suite.done:
        runner.set_output("sbom-file", str(sbom_file) if sbom_file else "")
    unaudited = suite.done["deps"].extra.get("unaudited") if "deps" in suite.done else None
    if unaudited:
        name, manifest, reason = unaudited[0]
        more = f" and {len(unaudited) - 1} more" if len(unaudited) > 1 else ""
        context.say(
            f"clearance: error: deps scanner: {name} ({manifest}){more} could not be audited "
            f"({reason}); a dependency that was not audited is not passed: pin it to a "
            "released version, or accept it with --allow-unaudited"
        )
        codes.append(ExitCode.EXTERNAL)
    return int(worst(codes))


def _show_output(suite: SuiteRun, context: Context) -> None:
    """What the scanners printed (warnings of their engines), scrubbed, on stderr."""
    for name, text in suite.output.items():
        text = text.strip()
        if text:
            for line in text.splitlines():
                context.say(f"[{name}] {line}")


def _write_sbom(target: Path | None, text: object, context: Context) -> Path | None:
    if target is None or not isinstance(text, str):
        return None
    path = target if target.is_absolute() else context.cwd / target
    _write_atomic(path, context.redactor.scrub(text))
    return path


COMMAND = Command(
    words=("scan", "all"),
    summary="run the secrets, dependency and code scanners at once: one report",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

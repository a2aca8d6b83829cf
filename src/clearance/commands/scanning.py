"""The edge shared by the scan commands: common options, settings, and writing the report.

Data goes to stdout (or `--output`), chatter to stderr. Inside GitHub Actions the step
outputs (`sarif-file`, `findings-count`, `counts`, `outcome`) and the job summary are written
too, through `clearance.gha`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from clearance import __version__
from clearance.baseline import Baseline, load_baseline, render_baseline
from clearance.commands import Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.config import Settings, load_config
from clearance.errors import ExitCode, UsageError
from clearance.findings import Confidence, FailOn, Outcome, ScanResult, count_by_severity
from clearance.report import Report, ReportFormat, render
from clearance.report.markdown import render_markdown
from clearance.report.sarif import render_sarif
from clearance.scan.files import git_toplevel


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--config and --root: where the repository and its configuration are."""
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="repository root that reported paths are relative to "
        "(default: the git work tree of the current directory, else the current directory)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: clearance.toml, else [tool.clearance] of pyproject.toml, in the root)",
    )


def add_report_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reporting")
    group.add_argument(
        "--format",
        type=choice_of(ReportFormat),
        default=ReportFormat.TEXT,
        metavar=metavar_of(ReportFormat),
        help="report format on stdout or --output (default: text; github prints workflow annotations)",
    )
    group.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the report to FILE instead of stdout",
    )
    group.add_argument(
        "--sarif-file",
        type=Path,
        metavar="FILE",
        help="also write SARIF 2.1.0 to FILE (for GitHub code scanning)",
    )
    group.add_argument(
        "--fail-on",
        type=choice_of(FailOn),
        default=None,
        metavar=metavar_of(FailOn),
        help="exit 1 when a finding is at or above this severity (default: the config's fail-on, else low)",
    )
    group.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the job summary to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )


def add_bandit_level_options(group: argparse._ArgumentGroup) -> None:
    """--severity-level and --confidence-level of the code scanner (scan code, scan all)."""
    for level in ("severity", "confidence"):
        group.add_argument(
            f"--{level}-level",
            type=choice_of(Confidence),
            metavar=metavar_of(Confidence),
            help=f"lowest bandit {level} reported (default: config, else low)",
        )


def add_baseline_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("baseline")
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="accept the findings recorded in FILE (matched by fingerprint, not line number)",
    )
    group.add_argument(
        "--update-baseline",
        action="store_true",
        help="write the current findings to the --baseline file and exit 0",
    )


def repository_root(args: argparse.Namespace, context: Context) -> Path:
    root: Path | None = args.root
    if root is not None:
        root = root if root.is_absolute() else context.cwd / root
        if not root.is_dir():
            raise UsageError(f"--root {args.root}: no such directory")
        return root.resolve()
    return (git_toplevel(context.cwd) or context.cwd).resolve()


def settings_for(args: argparse.Namespace, context: Context, root: Path) -> Settings:
    explicit: Path | None = args.config
    if explicit is not None and not explicit.is_absolute():
        explicit = context.cwd / explicit
    return load_config(explicit, root)


def resolve_paths(paths: Sequence[Path], context: Context) -> list[Path]:
    return [p if p.is_absolute() else (context.cwd / p) for p in paths]


def baseline_for(
    args: argparse.Namespace, settings: Settings, scanner: str, context: Context
) -> Baseline | None:
    """The baseline named by --baseline, else by the scanner's config section."""
    path = baseline_path(args, settings, scanner, context)
    if path is None or args.update_baseline:
        return None
    return load_baseline(path, scanner=scanner)


def baseline_path(
    args: argparse.Namespace, settings: Settings, scanner: str, context: Context
) -> Path | None:
    given: Path | None = args.baseline
    if given is not None:
        return given if given.is_absolute() else context.cwd / given
    configured = settings.section(scanner).get("baseline")
    return settings.resolve(configured) if isinstance(configured, str) else None


def write_baseline(path: Path | None, result: ScanResult, context: Context) -> int:
    if path is None:
        raise UsageError(
            "--update-baseline needs --baseline FILE (or baseline in the scanner's config)"
        )
    text = render_baseline(result.scanner, result.findings)
    _write_atomic(path, context.redactor.scrub(text))
    active = len(result.findings)
    context.say(f"clearance: wrote {active} finding(s) to the baseline {path}")
    return int(ExitCode.OK)


def _write_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file renamed over the target.

    A target that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is
    written directly: renaming over it would replace the device.
    """
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def emit(
    results: Sequence[ScanResult],
    args: argparse.Namespace,
    settings: Settings,
    context: Context,
    *,
    scanner: str | None = None,
    thresholds: Mapping[str, FailOn] | None = None,
) -> int:
    """Write the report, the SARIF file, the Actions outputs and summary; return the exit code.

    `thresholds` gives each scanner its own fail-on (`clearance scan all`).
    """
    fail_on: FailOn = args.fail_on or (
        settings.fail_on_for(scanner) if scanner else settings.fail_on
    )
    report = Report(
        results=results, fail_on=fail_on, tool_version=__version__, thresholds=thresholds or {}
    )
    scrub = context.redactor.scrub
    fmt: ReportFormat = args.format
    text = scrub(render(report, fmt))
    if args.output is not None:
        _write_atomic(args.output if args.output.is_absolute() else context.cwd / args.output, text)
    else:
        context.stdout.write(text)
        context.stdout.flush()
    sarif_file: Path | None = None
    if args.sarif_file is not None:
        sarif_file = (
            args.sarif_file if args.sarif_file.is_absolute() else context.cwd / args.sarif_file
        )
        document = render_sarif(report)
        _write_atomic(sarif_file, scrub(document.text))
        for name, count in document.dropped.items():
            context.say(
                f"clearance: {count} {name} result(s) left out of the SARIF file (GitHub's limits)"
            )
    elif fmt is ReportFormat.SARIF and args.output is not None:
        sarif_file = args.output
    _actions_outputs(report, sarif_file, args, context)
    return int(ExitCode.FAILED if report.outcome is Outcome.FAIL else ExitCode.OK)


def _actions_outputs(
    report: Report, sarif_file: Path | None, args: argparse.Namespace, context: Context
) -> None:
    runner = context.runner
    if not runner.active:
        return
    active = report.active
    runner.set_output("sarif-file", str(sarif_file) if sarif_file else "")
    runner.set_output("findings-count", str(len(active)))
    runner.set_output("counts", json.dumps(count_by_severity(active), separators=(",", ":")))
    runner.set_output("outcome", report.outcome.value)
    if args.summary:
        runner.append_summary(context.redactor.scrub(render_markdown(report)))

"""`clearance scan deps`: audit Python dependencies with pip-audit as the engine."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.progress import progress_for
from clearance.commands.scanning import (
    _write_atomic,
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
from clearance.errors import ExitCode, UsageError
from clearance.scan.deps.engine import ServiceKind
from clearance.scan.deps.scanner import DepsAudit, DepsScanner
from clearance.scan.deps.settings import SECTION, deps_settings
from clearance.scan.interface import ScanTarget
from clearance.scan.runner import settle

DESCRIPTION = """\
Audit Python dependencies for known vulnerabilities with pip-audit as the engine.

MANIFEST is a requirements*.txt (with its -r/-c includes), pyproject.toml (PEP 621
dependencies and every optional group), uv.lock, poetry.lock or pylock.toml, or a
directory to search. Without one, every manifest under the root is audited (a pyproject.toml
next to a lockfile is represented by the lockfile); with none found, the current environment.

Pinned inputs (lockfiles, requirements with == pins) are audited as pinned: no resolver runs
and nothing is installed. Unpinned inputs are resolved by pip-audit in a temporary virtual
environment, as pip-audit does (this needs the package index).

Each finding sits on the line that pins the package. Severity comes from the advisory's CVSS
vector; an advisory without one counts as HIGH. A dependency pip-audit cannot audit (a URL
or local-path requirement, a package the service does not know) fails the scan with exit 3
unless --allow-unaudited.

examples:
  clearance scan deps                                  every manifest in the repository
  clearance scan deps requirements.txt --fail-on high
  clearance scan deps uv.lock --advisory-db advisories.zip     offline, local OSV database
  clearance scan deps --advisory-db bundled            offline, shipped 2024-10-10 snapshot
  clearance scan deps --format sarif -o deps.sarif --sbom sbom.cdx.json
"""

EPILOG = """\
Advisory data for --advisory-db bundled: PyPA advisory database
(https://github.com/pypa/advisory-database), CC-BY-4.0, snapshot of 2024-10-10."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "manifests",
        nargs="*",
        type=Path,
        metavar="MANIFEST",
        help="manifests, lockfiles or directories (default: the configured ones, else all found)",
    )
    add_common_options(parser)
    add_report_options(parser)
    add_baseline_options(parser)
    advisories = parser.add_argument_group("advisories")
    advisories.add_argument(
        "--advisory-db",
        metavar="DIR|ZIP|bundled",
        help="audit offline against a local OSV database (served to pip-audit on 127.0.0.1); "
        "'bundled' is the shipped PyPA snapshot of 2024-10-10 (default: online)",
    )
    advisories.add_argument(
        "--service",
        type=choice_of(ServiceKind),
        metavar=metavar_of(ServiceKind),
        help="online vulnerability service (default: config, else osv)",
    )
    advisories.add_argument(
        "--osv-url", type=_http_url, metavar="URL", help="OSV query endpoint (default: OSV's own)"
    )
    advisories.add_argument(
        "--service-timeout",
        type=_positive_int,
        metavar="SECONDS",
        help="wait this long for each answer of the service (default: 15)",
    )
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument(
        "--installed",
        action="store_true",
        help="audit the packages installed for --python (as well as any MANIFEST)",
    )
    inputs.add_argument(
        "--python",
        metavar="PYTHON",
        help="interpreter whose environment is audited (default: $VIRTUAL_ENV's, else python3)",
    )
    inputs.add_argument(
        "--resolve-timeout",
        type=_positive_int,
        metavar="SECONDS",
        help="time allowed to pip-audit for resolving an unpinned manifest (default: 900)",
    )
    results = parser.add_argument_group("results")
    results.add_argument(
        "--only-fixable",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="report only vulnerabilities with a fixed release (default: config, else off)",
    )
    results.add_argument(
        "--allow-unaudited",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="do not fail (exit 3) when pip-audit could not audit some dependency",
    )
    results.add_argument(
        "--sbom",
        type=Path,
        metavar="FILE",
        help="write the audited dependency set as CycloneDX JSON (pip-audit's) to FILE",
    )


def _http_url(text: str) -> str:
    if not text.startswith(("https://", "http://")):
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    return text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at least 1")
    return value


def run(args: argparse.Namespace, context: Context) -> int:
    root = repository_root(args, context)
    settings = settings_for(args, context, root)
    scan_settings, policy = deps_settings(settings, context.env)
    scan_settings = replace(
        scan_settings,
        environment=bool(args.installed),
        python=args.python or scan_settings.python,
        advisory_db=args.advisory_db or scan_settings.advisory_db,
        service=args.service or scan_settings.service,
        osv_url=args.osv_url or scan_settings.osv_url,
        timeout=args.service_timeout or scan_settings.timeout,
        resolve_timeout=args.resolve_timeout or scan_settings.resolve_timeout,
        only_fixable=scan_settings.only_fixable if args.only_fixable is None else args.only_fixable,
    )
    allow_unaudited = (
        policy.allow_unaudited if args.allow_unaudited is None else args.allow_unaudited
    )
    paths = resolve_paths(args.manifests, context)
    target = ScanTarget(
        root=root,
        paths=paths,
        exclude=settings.exclude_for(SECTION),
        explicit_files=bool(paths) and all(p.is_file() for p in paths),
    )
    baseline = baseline_for(args, settings, SECTION, context)
    scanner = DepsScanner(scan_settings, env=context.env, cwd=context.cwd)
    with progress_for(context, "auditing dependencies") as progress:
        audit = scanner.audit(target, progress)
    result = settle(
        audit.result,
        ignores=settings.ignores_for(SECTION),
        baseline=baseline,
        today=context.today(),
    )
    if args.update_baseline:
        return write_baseline(baseline_path(args, settings, SECTION, context), result, context)
    sbom_file = _write_sbom(args.sbom, scanner, audit, context)
    code = emit([result], args, settings, context, scanner=SECTION)
    runner = context.runner
    if runner.active:
        runner.set_output("sbom-file", str(sbom_file) if sbom_file else "")
    if audit.unaudited and not allow_unaudited:
        first = audit.unaudited[0]
        more = f" and {len(audit.unaudited) - 1} more" if len(audit.unaudited) > 1 else ""
        context.say(
            f"clearance: error: {first.name} ({first.manifest}){more} could not be audited "
            f"({first.reason}); a dependency that was not audited is not passed: pin it to a "
            "released version, or accept it with --allow-unaudited"
        )
        return int(ExitCode.EXTERNAL)
    return code


def _write_sbom(
    target: Path | None, scanner: DepsScanner, audit: DepsAudit, context: Context
) -> Path | None:
    if target is None:
        return None
    path = target if target.is_absolute() else context.cwd / target
    if path.is_dir():
        raise UsageError(f"--sbom {target}: is a directory")
    _write_atomic(path, scanner.sbom(audit))
    return path


COMMAND = Command(
    words=("scan", "deps"),
    summary="audit Python dependencies with pip-audit",
    description=DESCRIPTION,
    configure=configure,
    run=run,
    epilog=EPILOG,
)

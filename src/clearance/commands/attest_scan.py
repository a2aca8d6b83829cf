"""`clearance attest scan`: a clearance JSON report → scan predicate → DSSE bundles."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.scanning import add_common_options, repository_root, settings_for
from clearance.commands.signing import (
    absolute,
    add_artifacts,
    add_signing_options,
    artifacts_of,
    check_options,
    emit,
    signing_backend,
    upload,
)

DESCRIPTION = """\
Attest that files were scanned, and with what result: an in-toto statement of predicate type
https://clearance.dev/attestation/scan/v1 (schema in the README and in
clearance/schema/scan-predicate.schema.json) whose subjects are the files' sha256 digests and
whose predicate records the scanner and engine versions, the configuration's hash, the
threshold, the counts of active findings by severity, the outcome, and the report's digest.

--report is a clearance JSON report ('clearance scan ... --format json --output report.json');
the configuration hashed is the one the scan used (--config, else the repository's). A gate can
then require a verified scan attestation with outcome pass for the digest it promotes:
  clearance verify app.tar.gz --kind scan --predicate-type https://clearance.dev/attestation/scan/v1 ...

Written next to each file as FILE.scan.sigstore.json; signing options as for 'clearance sign'.

examples:
  clearance scan code src --format json --output scan.json
  clearance attest scan dist/app.tar.gz --report scan.json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_artifacts(parser)
    parser.add_argument(
        "--report",
        type=Path,
        required=False,
        metavar="FILE",
        help="the clearance JSON report of the scan (required)",
    )
    add_common_options(parser)
    add_signing_options(parser, attestation=True)


def run(args: argparse.Namespace, context: Context) -> int:
    from clearance.errors import UsageError
    from clearance.trust.attest.scan import SCAN_PREDICATE_TYPE, load_report, scan_predicate
    from clearance.trust.bundles import BundleKind
    from clearance.trust.signing import attest_files

    check_options(args)
    if args.report is None:
        raise UsageError(
            "--report FILE is required: a clearance JSON report "
            "('clearance scan ... --format json --output FILE')"
        )
    artifacts = artifacts_of(args.files, context)
    report, raw = load_report(absolute(args.report, context), shown=str(args.report))
    root = repository_root(args, context)
    settings = settings_for(args, context, root)
    source = None
    if settings.source is not None:
        try:
            source = settings.source.resolve().relative_to(root).as_posix()
        except ValueError:
            source = settings.source.name
    predicate = scan_predicate(
        report,
        raw,
        report_name=args.report.name,
        config_document=settings.document,
        config_source=source,
    )
    with signing_backend(args, context) as backend:
        signed = attest_files(artifacts, BundleKind.SCAN, SCAN_PREDICATE_TYPE, predicate, backend)
    return emit(signed, upload(signed, args, context), args, context)


COMMAND = Command(
    words=("attest", "scan"),
    summary="attest scan results of files (FILE.scan.sigstore.json)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

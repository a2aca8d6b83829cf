"""`clearance attest sbom`: a CycloneDX JSON BOM → in-toto statement → DSSE bundles."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.commands import Command, Context
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
Attest what files contain: an in-toto statement of predicate type https://cyclonedx.org/bom
whose subjects are the files' sha256 digests and whose predicate is the CycloneDX SBOM, as
cosign and actions/attest-sbom carry it. --sbom is any CycloneDX JSON BOM ('clearance scan deps
--sbom', cyclonedx-py, syft, trivy).

Written next to each file as FILE.sbom.sigstore.json; signing options as for 'clearance sign'.

examples:
  clearance attest sbom dist/app.tar.gz --sbom sbom.cdx.json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_artifacts(parser)
    parser.add_argument(
        "--sbom", type=Path, metavar="FILE", help="the CycloneDX JSON SBOM (required)"
    )
    add_signing_options(parser, attestation=True)


def run(args: argparse.Namespace, context: Context) -> int:
    from clearance.errors import UsageError
    from clearance.trust.attest.sbom import CYCLONEDX_PREDICATE_TYPE, load_cyclonedx
    from clearance.trust.bundles import BundleKind
    from clearance.trust.signing import attest_files

    check_options(args)
    if args.sbom is None:
        raise UsageError("--sbom FILE is required: a CycloneDX JSON SBOM")
    artifacts = artifacts_of(args.files, context)
    bom = load_cyclonedx(absolute(args.sbom, context), shown=str(args.sbom))
    with signing_backend(args, context) as backend:
        signed = attest_files(artifacts, BundleKind.SBOM, CYCLONEDX_PREDICATE_TYPE, bom, backend)
    return emit(signed, upload(signed, args, context), args, context)


COMMAND = Command(
    words=("attest", "sbom"),
    summary="attest the CycloneDX SBOM of files (FILE.sbom.sigstore.json)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

"""`clearance sign`: parse → `clearance.trust.signing.sign_files` → bundles and verify command."""

from __future__ import annotations

import argparse

from clearance.commands import Command, Context
from clearance.commands.signing import (
    add_artifacts,
    add_signing_options,
    artifacts_of,
    check_options,
    emit,
    signing_backend,
    upload,
)

DESCRIPTION = """\
Sign files with Sigstore, keyless: an OIDC identity is certified by Fulcio for an ephemeral key,
each signature is logged in Rekor, and FILE.sigstore.json (a Sigstore bundle v0.3) is written
next to each file. One identity signs every file. Prints each bundle and the exact
'clearance verify' command a consumer should run (also step outputs inside GitHub Actions).

The identity: inside GitHub Actions, the job's OIDC token (the job needs
`permissions: id-token: write`); elsewhere, an OIDC token in CLEARANCE_IDENTITY_TOKEN. A token
is never an argument and never printed (it is masked in the runner's log).

The instance: Sigstore's public-good production instance by default, --staging, or
--trust-config FILE (a ClientTrustConfig) for a private one. Without OIDC or Sigstore (GitHub
Enterprise Server, air-gapped runners) sign with a local key: --key FILE (bundles verified with
'clearance verify --key PUBLIC_KEY').

examples:
  clearance sign dist/*.whl dist/*.tar.gz
  clearance sign app.tar.gz --trust-config sigstore/trust_config.json --format json
  CLEARANCE_KEY_PASSWORD=... clearance sign app.tar.gz --key signing.key   # writes signing.pub
  clearance sign dist/app.tar.gz --attach-to-release v1.2.0   # GITHUB_TOKEN, contents: write
"""

EPILOG = """\
signing exit codes: 0 every file signed and its bundle written; 2 no identity (set
`permissions: id-token: write` or CLEARANCE_IDENTITY_TOKEN), a missing file, an unusable key or
trust config; 3 Fulcio, Rekor, TUF or the GitHub API unreachable or refusing (named). Nothing is
written unless every file was signed."""


def configure(parser: argparse.ArgumentParser) -> None:
    add_artifacts(parser)
    add_signing_options(parser, attestation=False)


def run(args: argparse.Namespace, context: Context) -> int:
    from clearance.trust.signing import sign_files

    check_options(args)
    artifacts = artifacts_of(args.files, context)
    with signing_backend(args, context) as backend:
        signed = sign_files(artifacts, backend)
    return emit(signed, upload(signed, args, context), args, context)


COMMAND = Command(
    words=("sign",),
    summary="sign files with Sigstore (keyless) or a local key: FILE.sigstore.json",
    description=DESCRIPTION,
    configure=configure,
    run=run,
    epilog=EPILOG,
)

"""`clearance attest provenance`: the run's facts → SLSA v1 predicate → DSSE bundles."""

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
Attest how files were built: a SLSA v1 provenance statement shaped like the one GitHub's
attestation action (actions/attest-build-provenance) writes for Actions builds: build type
https://actions.github.io/buildtypes/workflow/v1, the workflow's ref, repository and path, the
event, repository ids and runner environment, the source commit, the builder (the workflow
that signs) and the run URL with its attempt. The facts come from the runner's environment and
event payload; run it in the job that built the files.

One in-toto statement names every FILE by sha256; it is signed once as a DSSE envelope and the
bundle is written next to each file as FILE.provenance.sigstore.json. Signing options as for
'clearance sign'. With keyless signing the statement must agree with the signing certificate
(repository, ref, commit, workflow) or nothing is written.

examples:
  clearance attest provenance dist/*.whl
  clearance attest provenance dist/app.tar.gz --github-attestation  # attestations: write
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_artifacts(parser)
    add_signing_options(parser, attestation=True)


def run(args: argparse.Namespace, context: Context) -> int:
    from clearance.trust.attest.slsa import (
        SLSA_PROVENANCE_V1,
        build_facts,
        certificate_agrees,
        provenance_predicate,
    )
    from clearance.trust.bundles import BundleKind
    from clearance.trust.signing import attest_files

    check_options(args)
    artifacts = artifacts_of(args.files, context)
    payload = context.runner.event_payload()
    with signing_backend(args, context) as backend:
        facts = build_facts(context.env, payload, backend.token_claims())
        predicate = provenance_predicate(facts)
        signed = attest_files(
            artifacts,
            BundleKind.PROVENANCE,
            SLSA_PROVENANCE_V1,
            predicate,
            backend,
            check=lambda signer: certificate_agrees(predicate, signer),
        )
    return emit(signed, upload(signed, args, context), args, context)


COMMAND = Command(
    words=("attest", "provenance"),
    summary="attest SLSA v1 build provenance of files (FILE.provenance.sigstore.json)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

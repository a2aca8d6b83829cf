"""Signing as clearance does it, over one interface with two backends.

    backend = KeylessSigner.start(trust_config, token)    # Sigstore: Fulcio + Rekor
    backend = KeySigner.load(Path("signing.key"), env)    # a local key, no log
    with backend:
        signed = sign_files(artifacts, backend)           # <file>.sigstore.json
        attested = attest_files(artifacts, kind, predicate_type, predicate, backend)

A `SigningBackend` turns a file's digest (a message signature) or an in-toto statement (a
DSSE envelope) into a Sigstore bundle v0.3, and says who signed (`SignerDescription`), which
is what the verify command a consumer should run is built from. Nothing is written until every
signature exists: a failure leaves no partial set of bundles behind.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from clearance.errors import UsageError
from clearance.trust.attest.statement import (
    ArtifactSubject,
    serialize,
    statement,
    statement_digest,
)
from clearance.trust.bundles import BundleKind, bundle_path
from clearance.trust.claims import Claims
from clearance.trust.policy import GITHUB_ACTIONS_ISSUER, WORKFLOWS_DIR


@dataclass(frozen=True)
class SignerDescription:
    """Who signed: a certificate's claims (keyless) or a public key (key-based)."""

    claims: Claims | None = None
    public_key: Path | None = None
    key_id: str | None = None

    def describe(self) -> str:
        if self.claims is not None:
            who = self.claims.identity or "an unnamed identity"
            return f"{who} (issuer {self.claims.issuer or 'unknown'})"
        return f"key {self.key_id or '?'}"

    def policy_arguments(self) -> list[str]:
        """The `clearance verify` options that pin this signer."""
        if self.claims is None:
            return ["--key", str(self.public_key)] if self.public_key is not None else []
        claims = self.claims
        workflow = claims.signer_workflow
        if claims.issuer == GITHUB_ACTIONS_ISSUER and claims.repository and workflow:
            args = ["--repository", claims.repository]
            prefix = f"{claims.repository}/"
            if workflow.lower().startswith(prefix.lower()) and workflow[len(prefix) :].startswith(
                WORKFLOWS_DIR
            ):
                args += ["--workflow", workflow[len(prefix) :]]
            else:
                args += ["--workflow", workflow]
            if claims.source_ref:
                args += ["--ref", claims.source_ref]
            return args
        args = ["--cert-identity", claims.identity or ""]
        if claims.issuer:
            args += ["--issuer", claims.issuer]
        return args


class SigningBackend(Protocol):
    """Signs digests and statements into Sigstore bundles (JSON text)."""

    def sign_digest(self, path: Path, sha256: str) -> str:
        """A message-signature bundle for the file at `path` whose sha256 (hex) is given."""
        ...

    def sign_statement(self, payload: bytes) -> str:
        """A DSSE bundle over an in-toto statement's bytes."""
        ...

    def signer(self) -> SignerDescription:
        """Who signed (valid after the first signature)."""
        ...

    def token_claims(self) -> Mapping[str, Any] | None:
        """The claims of the OIDC token signing is certified for (None: key-based)."""
        ...


@dataclass(frozen=True)
class Artifact:
    """A file to sign: as the user named it, where it is, its sha256 (hex)."""

    shown: str
    path: Path
    sha256: str

    @property
    def subject(self) -> ArtifactSubject:
        return ArtifactSubject.of(self.path, self.sha256)


@dataclass(frozen=True)
class SignedBundle:
    artifact: Artifact
    bundle: Path
    kind: BundleKind
    content: str = field(repr=False, default="")

    @property
    def shown_bundle(self) -> str:
        """The bundle's path the way the user named its artifact."""
        return self.artifact.shown + self.kind.suffix


@dataclass(frozen=True)
class Signed:
    """The result of one `clearance sign` or `clearance attest` run."""

    bundles: tuple[SignedBundle, ...]
    kind: BundleKind
    signer: SignerDescription
    predicate_type: str | None = None
    statement_digest: str | None = None
    statement: Mapping[str, Any] | None = None

    def verify_command(self, trust_arguments: Sequence[str] = ()) -> str:
        """The `clearance verify` a consumer runs on these artifacts, exactly."""
        args = ["clearance", "verify"]
        args += [b.artifact.shown for b in self.bundles]
        if self.kind is not BundleKind.SIGNATURE:
            args += ["--kind", self.kind.value]
        if self.predicate_type:
            args += ["--predicate-type", self.predicate_type]
        args += self.signer.policy_arguments()
        args += list(trust_arguments)
        return shlex.join(args)


def write_bundles(bundles: Sequence[SignedBundle]) -> None:
    """Write every bundle (each atomically, through a temporary file in its folder)."""
    for item in bundles:
        target = item.bundle
        try:
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(item.content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def sign_files(artifacts: Sequence[Artifact], backend: SigningBackend) -> Signed:
    """A message signature per file, written to `<file>.sigstore.json`."""
    bundles = tuple(
        SignedBundle(
            artifact=a,
            bundle=bundle_path(a.path, BundleKind.SIGNATURE),
            kind=BundleKind.SIGNATURE,
            content=backend.sign_digest(a.path, a.sha256),
        )
        for a in artifacts
    )
    write_bundles(bundles)
    return Signed(bundles=bundles, kind=BundleKind.SIGNATURE, signer=backend.signer())


def attest_files(
    artifacts: Sequence[Artifact],
    kind: BundleKind,
    predicate_type: str,
    predicate: Mapping[str, Any],
    backend: SigningBackend,
    *,
    check: Callable[[SignerDescription], None] | None = None,
) -> Signed:
    """One in-toto statement with every file as a subject, signed once (DSSE), its bundle
    written next to each file as `<file>.<kind>.sigstore.json` (as actions/attest does for
    several subjects). `check` may refuse the signer before anything is written."""
    document = statement([a.subject for a in artifacts], predicate_type, predicate)
    payload = serialize(document)
    content = backend.sign_statement(payload)
    if check is not None:
        check(backend.signer())
    bundles = tuple(
        SignedBundle(artifact=a, bundle=bundle_path(a.path, kind), kind=kind, content=content)
        for a in artifacts
    )
    write_bundles(bundles)
    return Signed(
        bundles=bundles,
        kind=kind,
        signer=backend.signer(),
        predicate_type=predicate_type,
        statement_digest=statement_digest(payload),
        statement=document,
    )

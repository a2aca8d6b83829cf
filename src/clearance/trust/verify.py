"""Verification as a gate: is this exactly the artifact our workflow built and signed?

The core API, shared by `clearance verify` and the promotion gate:

    trust = load_trust(TrustSpec())                      # once per run
    subjects = [Subject.for_file(path), Subject.for_digest("sha256:...", bundle_path)]
    verdicts = verify_artifacts(subjects, policy, trust, predicate_type=None)

Every cryptographic check is sigstore-python's (`Verifier.verify_artifact` for message
signatures, `Verifier.verify_dsse` for DSSE envelopes: certificate chain at the signing time,
SCT, the identity policy, inclusion proof and signed checkpoint, inclusion promise, signature,
and the log entry's consistency with the bundle). clearance adds the checks around it: the
artifact's digest must be a subject of an in-toto statement, the predicate type must be the one
asked for, and SLSA provenance must agree with the certificate.

Fail closed by construction: `_verify_one` either returns evidence after sigstore's verifier
returned and every check passed, or raises; `verify_subject` turns *any* exception into a
failed verdict with a reason code, and a `Verdict` says "verified" only when built from that
return value. Nothing in between catches and continues.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sigstore import dsse
from sigstore.errors import CertValidationError
from sigstore.errors import Error as SigstoreError
from sigstore.hashes import Hashed
from sigstore.models import Bundle, InvalidBundle
from sigstore_models.common.v1 import HashAlgorithm

from clearance.errors import UsageError
from clearance.trust.bundles import (
    BundleDocument,
    BundleKind,
    InvalidBundleDocument,
    bundle_path,
    kind_of_bundle,
    parse_bundle,
    read_bundle_document,
)
from clearance.trust.claims import Claims, claims_of
from clearance.trust.policy import IdentityPolicy, PolicyMismatch
from clearance.trust.provenance import (
    SLSA_PROVENANCE_TYPES,
    ProvenanceCheck,
    ProvenanceMismatch,
    check_provenance,
    provenance_facts,
)
from clearance.trust.roots import Trust

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
_DIGEST = re.compile(r"^sha256:([0-9a-fA-F]{64})$")
_CHUNK = 1024 * 1024
_DETAIL_LIMIT = 400


class Outcome(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"


class Reason(StrEnum):
    """Why a verification failed: stable codes for scripts and gates."""

    BUNDLE_INVALID = "bundle-invalid"
    CHECKPOINT_MISSING = "checkpoint-missing"
    NO_SIGNED_TIME = "no-signed-time"
    DIGEST_MISMATCH = "digest-mismatch"
    SIGNATURE_INVALID = "signature-invalid"
    CERTIFICATE_INVALID = "certificate-invalid"
    CERTIFICATE_EXPIRED = "certificate-expired"
    SCT_INVALID = "sct-invalid"
    INCLUSION_PROOF_INVALID = "inclusion-proof-invalid"
    CHECKPOINT_INVALID = "checkpoint-invalid"
    INCLUSION_PROMISE_INVALID = "inclusion-promise-invalid"
    TIMESTAMP_INVALID = "timestamp-invalid"
    LOG_ENTRY_INCONSISTENT = "log-entry-inconsistent"
    ISSUER_MISMATCH = "issuer-mismatch"
    IDENTITY_MISMATCH = "identity-mismatch"
    REPOSITORY_MISMATCH = "repository-mismatch"
    WORKFLOW_MISMATCH = "workflow-mismatch"
    REF_MISMATCH = "ref-mismatch"
    TRIGGER_MISMATCH = "trigger-mismatch"
    SHA_MISMATCH = "sha-mismatch"
    RUNNER_ENVIRONMENT_MISMATCH = "runner-environment-mismatch"
    NOT_AN_ATTESTATION = "not-an-attestation"
    NOT_IN_TOTO = "not-in-toto"
    SUBJECT_MISMATCH = "subject-mismatch"
    PREDICATE_TYPE_MISMATCH = "predicate-type-mismatch"
    PROVENANCE_MISMATCH = "provenance-mismatch"
    VERIFICATION_FAILED = "verification-failed"
    INTERNAL_ERROR = "internal-error"


# sigstore-python 4.x says why through its messages; matched in order, first wins. An unknown
# message still fails (verification-failed), it only loses its specific code.
_MESSAGE_REASONS: tuple[tuple[re.Pattern[str], Reason], ...] = tuple(
    (re.compile("|".join(patterns), re.IGNORECASE), reason)
    for patterns, reason in (
        (
            (
                r"inclusion proof, with checkpoint",
                r"expected checkpoint",
                r"not contain a checkpoint",
            ),
            Reason.CHECKPOINT_MISSING,
        ),
        (
            (
                r"inclusion promise or signed timestamp",
                r"must contain an inclusion promise",
                r"not enough sources of verified time",
            ),
            Reason.NO_SIGNED_TIME,
        ),
        ((r"message digest mismatch",), Reason.DIGEST_MISMATCH),
        (
            (r"signature is invalid for input", r"DSSE: invalid signature", r"DSSE: exactly"),
            Reason.SIGNATURE_INVALID,
        ),
        (
            (r"expired at time of signing", r"not valid at validation time", r"expired"),
            Reason.CERTIFICATE_EXPIRED,
        ),
        ((r"\bSCT\b",), Reason.SCT_INVALID),
        ((r"inclusion proof",), Reason.INCLUSION_PROOF_INVALID),
        ((r"checkpoint", r"\bnote\b"), Reason.CHECKPOINT_INVALID),
        ((r"inclusion promise",), Reason.INCLUSION_PROMISE_INVALID),
        ((r"timestamp",), Reason.TIMESTAMP_INVALID),
        (
            (
                r"inconsistent with other materials",
                r"log entry (payload hash|signatures) do not match",
                r"Expected entry type",
                r"Unsupported (DSSE log entry|hashedrekord)",
            ),
            Reason.LOG_ENTRY_INCONSISTENT,
        ),
        (
            (r"certificate chain", r"Key usage", r"Extended usage", r"certificate"),
            Reason.CERTIFICATE_INVALID,
        ),
    )
)


class _Refusal(Exception):
    """A check of clearance's own failed (not sigstore's): carries its reason code."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def classify(error: BaseException) -> tuple[Reason, str]:
    """The reason code and one-line detail for an exception raised while verifying."""
    message = " ".join(str(error).split()) or type(error).__name__
    if len(message) > _DETAIL_LIMIT:
        message = message[: _DETAIL_LIMIT - 3] + "..."
    if isinstance(error, _Refusal):
        return error.reason, message
    if isinstance(error, PolicyMismatch):
        return Reason(error.constraint.value), message
    if isinstance(error, ProvenanceMismatch):
        return Reason.PROVENANCE_MISMATCH, message
    if isinstance(error, InvalidBundleDocument):
        return Reason.BUNDLE_INVALID, message
    if isinstance(error, InvalidBundle):
        for pattern, reason in _MESSAGE_REASONS[:2]:
            if pattern.search(message):
                return reason, message
        return Reason.BUNDLE_INVALID, message
    if isinstance(error, CertValidationError):
        if _MESSAGE_REASONS[4][0].search(message):
            return Reason.CERTIFICATE_EXPIRED, message
        return Reason.CERTIFICATE_INVALID, message
    if isinstance(error, SigstoreError):
        if "malformed in-toto statement" in message or "invalid statement" in message:
            return Reason.NOT_IN_TOTO, message
        for pattern, reason in _MESSAGE_REASONS:
            if pattern.search(message):
                return reason, message
        return Reason.VERIFICATION_FAILED, message
    if isinstance(error, ValueError | TypeError | KeyError | IndexError | UnicodeError):
        # Malformed content deep in a bundle (bad base64, a certificate that does not parse).
        return Reason.BUNDLE_INVALID, f"{type(error).__name__}: {message}"
    return Reason.INTERNAL_ERROR, f"{type(error).__name__}: {message}"


@dataclass(frozen=True)
class Subject:
    """One thing to verify: an artifact (file or sha256 digest) with one bundle."""

    name: str
    digest: str
    bundle: BundleDocument
    kind: BundleKind = BundleKind.SIGNATURE
    artifact: Path | None = None

    @classmethod
    def for_file(
        cls,
        artifact: Path,
        kind: BundleKind = BundleKind.SIGNATURE,
        bundle: Path | None = None,
        *,
        name: str | None = None,
        digest: str | None = None,
    ) -> Subject:
        """A file and its bundle (by default the one named after it); `UsageError` if missing.

        `digest` (hex) spares hashing a file already hashed; `name` is how to show it."""
        digest = digest or sha256_file(artifact)
        path = bundle if bundle is not None else bundle_path(artifact, kind)
        return cls(
            name=name or str(artifact),
            digest=digest,
            bundle=read_bundle_document(path),
            kind=kind if bundle is None else kind_of_bundle(path),
            artifact=artifact,
        )

    @classmethod
    def for_digest(cls, digest: str, bundle: Path) -> Subject:
        """An artifact known by digest only (`sha256:<hex>`), e.g. a container image."""
        hex_digest = parse_digest(digest)
        return cls(
            name=f"sha256:{hex_digest}",
            digest=hex_digest,
            bundle=read_bundle_document(bundle),
            kind=kind_of_bundle(bundle),
        )


def parse_digest(text: str) -> str:
    match = _DIGEST.match(text.strip())
    if match is None:
        raise UsageError(f"{text!r} is not a digest: expected sha256:<64 hex digits>")
    return match.group(1).lower()


def is_digest(text: str) -> bool:
    return text.startswith("sha256:")


def sha256_file(path: Path, shown: str | None = None) -> str:
    """The file's sha256 (hex), read in chunks; `UsageError` when it is missing or unreadable.

    `shown` is how the error names the file (as the user typed it)."""
    name = shown or str(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise UsageError(f"artifact {name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"artifact {name}: is a directory (name files, or sha256:<hex>)") from None
    except OSError as exc:
        raise UsageError(f"artifact {name}: cannot read it: {exc.strerror or exc}") from exc
    return digest.hexdigest()


@dataclass(frozen=True)
class Signer:
    """Who signed, as the certificate says (verified only when the verdict is)."""

    identity: str | None
    issuer: str | None
    repository: str | None = None
    workflow: str | None = None
    ref: str | None = None
    sha: str | None = None
    trigger: str | None = None
    runner_environment: str | None = None
    run_url: str | None = None

    @classmethod
    def of(cls, claims: Claims) -> Signer:
        return cls(
            identity=claims.identity,
            issuer=claims.issuer,
            repository=claims.repository,
            workflow=claims.signer_workflow,
            ref=claims.source_ref,
            sha=claims.source_digest,
            trigger=claims.trigger,
            runner_environment=claims.runner_environment,
            run_url=claims.run_invocation_uri,
        )


@dataclass(frozen=True)
class LogEntry:
    """The transparency log entry a bundle carries."""

    index: int | None
    log_id: str | None
    url: str | None
    kind: str | None
    integrated_time: dt.datetime | None


@dataclass
class _Evidence:
    """Facts gathered while verifying, reported whatever the outcome."""

    content: str | None = None
    predicate_type: str | None = None
    signer: Signer | None = None
    signed_at: dt.datetime | None = None
    log: LogEntry | None = None
    provenance: ProvenanceCheck | None = None


@dataclass(frozen=True)
class Verdict:
    """The answer for one subject. `verified` is true only for a verifier's clean return."""

    subject: str
    digest: str
    bundle: str
    kind: BundleKind
    outcome: Outcome
    reason: Reason | None = None
    detail: str = ""
    content: str | None = None
    predicate_type: str | None = None
    signer: Signer | None = None
    signed_at: dt.datetime | None = None
    log: LogEntry | None = None
    provenance: ProvenanceCheck | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VERIFIED

    def to_json(self) -> dict[str, Any]:
        signer = self.signer
        log = self.log
        return {
            "subject": self.subject,
            "digest": f"sha256:{self.digest}",
            "bundle": self.bundle,
            "kind": self.kind.value,
            "outcome": self.outcome.value,
            "reason": self.reason.value if self.reason else None,
            "detail": self.detail,
            "content": self.content,
            "predicate_type": self.predicate_type,
            "signer": None
            if signer is None
            else {
                "identity": signer.identity,
                "issuer": signer.issuer,
                "repository": signer.repository,
                "workflow": signer.workflow,
                "ref": signer.ref,
                "sha": signer.sha,
                "trigger": signer.trigger,
                "runner_environment": signer.runner_environment,
                "run_url": signer.run_url,
            },
            "signed_at": _iso(self.signed_at),
            "log_entry": None
            if log is None
            else {
                "index": log.index,
                "log_id": log.log_id,
                "url": log.url,
                "kind": log.kind,
                "integrated_time": _iso(log.integrated_time),
            },
            "provenance": None
            if self.provenance is None
            else {
                "compared": list(self.provenance.compared),
                "not_compared": list(self.provenance.not_compared),
            },
            "notes": list(self.notes),
        }


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def verify_artifacts(
    subjects: Iterable[Subject],
    policy: IdentityPolicy,
    trust: Trust,
    *,
    predicate_type: str | None = None,
) -> list[Verdict]:
    """One verdict per subject, in order; never raises for a bad bundle or artifact."""
    return [verify_subject(s, policy, trust, predicate_type=predicate_type) for s in subjects]


def verify_subject(
    subject: Subject,
    policy: IdentityPolicy,
    trust: Trust,
    *,
    predicate_type: str | None = None,
) -> Verdict:
    evidence = _Evidence()
    try:
        _verify_one(subject, policy, trust, predicate_type, evidence)
    except Exception as error:  # fail closed: every exception is a failed verdict
        reason, detail = classify(error)
        return _verdict(subject, evidence, Outcome.FAILED, reason, detail)
    return _verdict(subject, evidence, Outcome.VERIFIED, None, "")


def _verdict(
    subject: Subject, evidence: _Evidence, outcome: Outcome, reason: Reason | None, detail: str
) -> Verdict:
    notes: tuple[str, ...] = ()
    if evidence.provenance is not None and evidence.provenance.not_compared:
        notes = tuple(f"provenance not compared: {n}" for n in evidence.provenance.not_compared)
    return Verdict(
        subject=subject.name,
        digest=subject.digest,
        bundle=str(subject.bundle.path),
        kind=subject.kind,
        outcome=outcome,
        reason=reason,
        detail=detail,
        content=evidence.content,
        predicate_type=evidence.predicate_type,
        signer=evidence.signer,
        signed_at=evidence.signed_at,
        log=evidence.log,
        provenance=evidence.provenance,
        notes=notes,
    )


def _verify_one(
    subject: Subject,
    policy: IdentityPolicy,
    trust: Trust,
    predicate_type: str | None,
    evidence: _Evidence,
) -> None:
    """Return only when sigstore's verifier returned and every clearance check passed."""
    if _signed_with_key(subject.bundle.document):
        raise InvalidBundleDocument(
            "the bundle is signed with a key, not a certificate: verify it with --key PUBLIC_KEY"
        )
    bundle = parse_bundle(subject.bundle)
    _gather(bundle, trust, evidence)
    claims = claims_of(bundle.signing_certificate)
    hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(subject.digest))
    # sigstore-python has no public accessor for a bundle's content kind; its CLI reads this too.
    if bundle._dsse_envelope is None:
        evidence.content = "message-signature"
        if subject.kind.is_attestation or predicate_type is not None:
            raise _Refusal(
                Reason.NOT_AN_ATTESTATION,
                f"expected an in-toto attestation ({subject.kind.value}"
                + (f", predicate type {predicate_type}" if predicate_type else "")
                + "), the bundle holds a plain signature",
            )
        trust.verifier.verify_artifact(hashed, bundle, policy)
        return
    evidence.content = "dsse"
    payload_type, payload = trust.verifier.verify_dsse(bundle, policy)
    statement = check_statement(payload_type, payload, subject, predicate_type, evidence)
    if statement["predicateType"] in SLSA_PROVENANCE_TYPES:
        facts = provenance_facts(statement["predicateType"], statement.get("predicate"))
        evidence.provenance = check_provenance(facts, claims)


def check_statement(
    payload_type: str,
    payload: bytes,
    subject: Subject,
    predicate_type: str | None,
    evidence: _Evidence,
) -> dict[str, Any]:
    """The in-toto checks of a verified DSSE payload (shared with key-based verification):
    an in-toto Statement v1 that names the artifact's digest, of the predicate type asked."""
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise _Refusal(
            Reason.NOT_IN_TOTO, f"the DSSE payload type is {payload_type!r}, not in-toto"
        )
    dsse.Statement(payload)  # validates the in-toto Statement v1 layout
    statement: dict[str, Any] = json.loads(payload)
    evidence.predicate_type = statement["predicateType"]
    if not _has_subject(statement, subject.digest):
        raise _Refusal(
            Reason.SUBJECT_MISMATCH,
            f"the artifact's sha256 {subject.digest} is not a subject of the in-toto statement",
        )
    if predicate_type is not None and statement["predicateType"] != predicate_type:
        raise _Refusal(
            Reason.PREDICATE_TYPE_MISMATCH,
            f"predicate type is {statement['predicateType']!r}, expected {predicate_type!r}",
        )
    return statement


def _signed_with_key(document: Any) -> bool:
    material = document.get("verificationMaterial") if isinstance(document, dict) else None
    return isinstance(material, dict) and "publicKey" in material


def _has_subject(statement: Mapping[str, Any], digest: str) -> bool:
    subjects = statement.get("subject")
    for item in subjects if isinstance(subjects, list) else []:
        digests = item.get("digest") if isinstance(item, Mapping) else None
        value = digests.get("sha256") if isinstance(digests, Mapping) else None
        if isinstance(value, str) and value.lower() == digest:
            return True
    return False


def _gather(bundle: Bundle, trust: Trust, evidence: _Evidence) -> None:
    """Who signed, when, in which log entry: read before verifying, so failures tell too.

    Best effort: a fact that cannot be read is left out (verification decides, not this)."""
    try:
        evidence.signer = Signer.of(claims_of(bundle.signing_certificate))
    except Exception:  # noqa: S110 - the verifier rejects such a certificate anyway
        pass
    try:
        document = json.loads(bundle.to_json())
        entry = document["verificationMaterial"]["tlogEntries"][0]
        log_id = base64.b64decode(entry["logId"]["keyId"])
        integrated = int(entry["integratedTime"]) if entry.get("integratedTime") else None
        when = dt.datetime.fromtimestamp(integrated, dt.UTC) if integrated else None
        kind = entry.get("kindVersion", {})
        evidence.log = LogEntry(
            index=int(entry["logIndex"]) if "logIndex" in entry else None,
            log_id=log_id.hex(),
            url=trust.log_url(log_id),
            kind=f"{kind.get('kind')}/{kind.get('version')}" if kind else None,
            integrated_time=when,
        )
        evidence.signed_at = when or _timestamp_time(bundle)
    except Exception:  # noqa: S110 - facts only
        pass


def _timestamp_time(bundle: Bundle) -> dt.datetime | None:
    data = bundle.verification_material.timestamp_verification_data
    if data is None or not data.rfc3161_timestamps:
        return None
    return min(ts.tst_info.gen_time for ts in data.rfc3161_timestamps)


def subjects_for(
    artifacts: Sequence[str],
    *,
    bundles: Sequence[Path] = (),
    kinds: Sequence[BundleKind] = (BundleKind.SIGNATURE,),
    cwd: Path,
) -> list[Subject]:
    """What the command line names, as subjects (all files read now; `UsageError` if unusable).

    Without `bundles`, each file artifact is verified with its bundle of each kind, named after
    it. With `bundles`: one artifact takes every bundle given; several artifacts take one
    bundle each, in order. A digest needs its bundle named.
    """
    if not artifacts:
        raise UsageError("name at least one ARTIFACT (a file or sha256:<hex>)")
    if bundles and len(artifacts) > 1 and len(bundles) != len(artifacts):
        raise UsageError(
            f"{len(artifacts)} artifacts and {len(bundles)} bundles: give one --bundle per "
            "artifact (in the same order), or none to use the bundles named after the files"
        )
    subjects: list[Subject] = []
    for index, text in enumerate(artifacts):
        named = (
            list(bundles)
            if bundles and len(artifacts) == 1
            else [bundles[index]]
            if bundles
            else []
        )
        named = [b if b.is_absolute() else cwd / b for b in named]
        if is_digest(text):
            if not named:
                raise UsageError(f"{text}: a digest needs its bundle (--bundle PATH)")
            subjects += [Subject.for_digest(text, b) for b in named]
            continue
        path = Path(text)
        path = path if path.is_absolute() else cwd / path
        digest = sha256_file(path, shown=text)
        if named:
            subjects += [Subject.for_file(path, bundle=b, name=text, digest=digest) for b in named]
        else:
            subjects += [Subject.for_file(path, k, name=text, digest=digest) for k in kinds]
    return subjects

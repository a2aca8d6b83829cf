"""Key-based signing and verification, for runners without an OIDC issuer or a reachable
Sigstore instance (GitHub Enterprise Server, air-gapped networks).

The bundle is still a Sigstore bundle v0.3, built with sigstore's own bundle models
(`sigstore_models`), but its verification material is a public-key hint (the key id) instead
of a certificate, and it has no transparency log entry:

- a file is signed as a message signature: the file's sha256 in `messageDigest`, the key's
  signature over the file's bytes (what `cosign sign-blob --key` makes);
- an in-toto statement is signed as a DSSE envelope (payload type `application/vnd.in-toto+json`).

Signing and checking signatures is securesystemslib's (`CryptoSigner`, `SSlibKey`, its DSSE
`Envelope` and PAE): ECDSA P-256/P-384/P-521, Ed25519 and RSA (PSS) keys in PEM. Nothing here
hand-rolls cryptography. The private key is a PEM file or an environment variable
(`--key env://NAME`, so a CI secret need not touch the disk); its password, if any, comes from
`CLEARANCE_KEY_PASSWORD`. No key material or password appears in any message.

Such a bundle proves who holds the key, nothing about a workflow: `clearance verify --key`
checks the signature and the statement, and there is no identity policy or log to consult.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clearance.errors import UsageError
from clearance.trust.bundles import InvalidBundleDocument
from clearance.trust.signing import SignerDescription

if TYPE_CHECKING:
    from securesystemslib.signer import CryptoSigner, SSlibKey

    from clearance.trust.verify import Subject, Verdict

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PASSWORD_VARIABLE = "CLEARANCE_KEY_PASSWORD"  # noqa: S105 - a variable name
ENV_SCHEME = "env://"


@dataclass(frozen=True)
class KeySource:
    """Where the private key is: a file, or an environment variable (`env://NAME`)."""

    text: str

    @property
    def variable(self) -> str | None:
        return self.text.removeprefix(ENV_SCHEME) if self.text.startswith(ENV_SCHEME) else None

    def default_public_key(self) -> Path | None:
        """cosign's pair naming: `signing.key` → `signing.pub` (None for env://)."""
        if self.variable is not None:
            return None
        path = Path(self.text)
        return path.with_suffix(".pub") if path.suffix != ".pub" else None

    def read(self, env: Mapping[str, str], cwd: Path) -> bytes:
        if self.variable is not None:
            value = env.get(self.variable, "")
            if not value.strip():
                raise UsageError(f"--key {self.text}: {self.variable} is not set or empty")
            return value.encode("utf-8")
        path = Path(self.text)
        path = path if path.is_absolute() else cwd / path
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise UsageError(f"--key {self.text}: no such file") from None
        except OSError as exc:
            raise UsageError(f"--key {self.text}: cannot read it: {exc.strerror or exc}") from None


def load_private_key(source: KeySource, env: Mapping[str, str], cwd: Path) -> CryptoSigner:
    """A securesystemslib signer for a PEM private key; `UsageError` naming the problem."""
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.signer import CryptoSigner

    data = source.read(env, cwd)
    if b"SIGSTORE PRIVATE KEY" in data:
        raise UsageError(
            f"--key {source.text}: a cosign-encrypted key; export it as PKCS#8 PEM "
            "(openssl pkcs8) and put its password in CLEARANCE_KEY_PASSWORD"
        )
    password = env.get(PASSWORD_VARIABLE) or None
    try:
        key = serialization.load_pem_private_key(
            data, password=password.encode("utf-8") if password else None
        )
    except TypeError:
        raise UsageError(
            f"--key {source.text}: the key is encrypted: set {PASSWORD_VARIABLE}"
            if password is None
            else f"--key {source.text}: the key is not encrypted: unset {PASSWORD_VARIABLE}"
        ) from None
    except ValueError:
        raise UsageError(
            f"--key {source.text}: not a PEM private key, or the wrong {PASSWORD_VARIABLE}"
        ) from None
    except Exception as exc:  # UnsupportedAlgorithm
        raise UsageError(f"--key {source.text}: unusable key ({type(exc).__name__})") from None
    try:
        return CryptoSigner(key)
    except ValueError as exc:
        raise UsageError(f"--key {source.text}: unsupported key: {exc}") from None


def load_public_key(path: Path, shown: str | None = None) -> SSlibKey:
    """A securesystemslib key for a PEM public key (SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.signer import SSlibKey

    name = shown or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"--key {name}: no such file") from None
    except OSError as exc:
        raise UsageError(f"--key {name}: cannot read it: {exc.strerror or exc}") from None
    if b"PRIVATE KEY" in data:
        raise UsageError(f"--key {name}: a private key; verify with the public key")
    try:
        public = serialization.load_pem_public_key(data)
        return SSlibKey.from_crypto(public)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--key {name}: not a usable PEM public key ({exc})") from None
    except Exception as exc:  # UnsupportedAlgorithm
        raise UsageError(f"--key {name}: unusable public key ({type(exc).__name__})") from None


def public_key_pem(signer: CryptoSigner) -> bytes:
    from cryptography.hazmat.primitives import serialization

    crypto = signer.public_key._crypto_key()
    return bytes(
        crypto.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def write_public_key(signer: CryptoSigner, path: Path) -> None:
    """Write the public key for consumers; an existing file must be this key's."""
    from securesystemslib.signer import SSlibKey

    pem = public_key_pem(signer)
    if path.exists():
        try:
            existing = load_public_key(path)
        except UsageError as exc:
            raise UsageError(f"--public-key {path}: exists and {exc}") from None
        if not isinstance(existing, SSlibKey) or existing.keyid != signer.public_key.keyid:
            raise UsageError(
                f"--public-key {path} holds another key than --key: remove it or name another file"
            )
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)


class KeySigner:
    """A `SigningBackend` with a local key: bundles with a public-key hint and no log entry."""

    def __init__(self, signer: CryptoSigner, public_key: Path | None) -> None:
        self._signer = signer
        self._public_key = public_key

    def __enter__(self) -> KeySigner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    @property
    def key_id(self) -> str:
        return str(self._signer.public_key.keyid)

    def _bundle(self, content: dict[str, Any]) -> str:
        from sigstore_models.bundle.v1 import Bundle

        document = {
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {"publicKey": {"hint": self.key_id}, "tlogEntries": []},
            **content,
        }
        return Bundle.from_json(json.dumps(document)).to_json()

    def sign_digest(self, path: Path, sha256: str) -> str:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise UsageError(f"{path} changed while it was being signed")
        signature = self._signer.sign(data)
        return self._bundle(
            {
                "messageSignature": {
                    "messageDigest": {
                        "algorithm": "SHA2_256",
                        "digest": base64.b64encode(bytes.fromhex(sha256)).decode(),
                    },
                    "signature": base64.b64encode(bytes.fromhex(signature.signature)).decode(),
                }
            }
        )

    def sign_statement(self, payload: bytes) -> str:
        from securesystemslib.dsse import Envelope

        from clearance.trust.attest.statement import PAYLOAD_TYPE

        envelope = Envelope(payload=payload, payload_type=PAYLOAD_TYPE, signatures={})
        signature = envelope.sign(self._signer)
        return self._bundle(
            {
                "dsseEnvelope": {
                    "payload": base64.b64encode(payload).decode(),
                    "payloadType": PAYLOAD_TYPE,
                    "signatures": [
                        {
                            "sig": base64.b64encode(bytes.fromhex(signature.signature)).decode(),
                            "keyid": signature.keyid,
                        }
                    ],
                }
            }
        )

    def token_claims(self) -> None:
        return None

    def signer(self) -> SignerDescription:
        return SignerDescription(public_key=self._public_key, key_id=self.key_id)


# ---------------------------------------------------------------------------- verification


class KeyMismatch(Exception):
    """The signature does not verify with the given key."""


def _key_bundle(document: Any, raw: bytes) -> Any:
    """sigstore's bundle model of a key-signed bundle; `InvalidBundleDocument` otherwise."""
    from pydantic import ValidationError
    from sigstore_models.bundle.v1 import Bundle

    if not isinstance(document, dict) or "mediaType" not in document:
        raise InvalidBundleDocument("the JSON is not a Sigstore bundle")
    try:
        bundle = Bundle.from_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
        message = errors[0]["msg"] if errors else "invalid"
        raise InvalidBundleDocument(f"not a valid Sigstore bundle ({where}: {message})") from None
    if bundle.verification_material.public_key is None:
        raise InvalidBundleDocument(
            "the bundle is signed with a certificate (keyless), not a key: verify it without --key"
        )
    return bundle


def verify_with_key(
    subjects: Sequence[Subject], key: SSlibKey, *, predicate_type: str | None = None
) -> list[Verdict]:
    """One verdict per subject, as `verify_artifacts` gives, checked against a public key."""
    from clearance.trust.verify import Outcome, Reason, _Evidence, classify

    verdicts: list[Verdict] = []
    for subject in subjects:
        evidence = _Evidence()
        try:
            _verify_one(subject, key, predicate_type, evidence)
        except KeyMismatch as error:
            verdicts.append(
                _verdict(subject, evidence, Outcome.FAILED, Reason.SIGNATURE_INVALID, str(error))
            )
            continue
        except Exception as error:  # fail closed: every exception is a failed verdict
            reason, detail = classify(error)
            verdicts.append(_verdict(subject, evidence, Outcome.FAILED, reason, detail))
            continue
        verdicts.append(_verdict(subject, evidence, Outcome.VERIFIED, None, ""))
    return verdicts


def _verdict(subject: Subject, evidence: Any, outcome: Any, reason: Any, detail: str) -> Verdict:
    from clearance.trust.verify import Verdict

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
        notes=("signed with a key: no certificate identity or transparency log to check",),
    )


def _verify_one(subject: Subject, key: SSlibKey, predicate_type: str | None, evidence: Any) -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import UnverifiedSignatureError, VerificationError
    from securesystemslib.signer import Signature

    from clearance.trust.verify import Reason, _Refusal, check_statement

    bundle = _key_bundle(subject.bundle.document, subject.bundle.raw)
    if bundle.message_signature is not None:
        evidence.content = "message-signature"
        if subject.kind.is_attestation or predicate_type is not None:
            raise _Refusal(
                Reason.NOT_AN_ATTESTATION,
                f"expected an in-toto attestation ({subject.kind.value}), the bundle holds a "
                "plain signature",
            )
        signed = bundle.message_signature
        digest = signed.message_digest
        if digest is not None and digest.digest.hex() != subject.digest:
            raise _Refusal(
                Reason.DIGEST_MISMATCH,
                "message digest mismatch: the bundle signs another artifact than this file",
            )
        if subject.artifact is None:
            raise _Refusal(
                Reason.VERIFICATION_FAILED,
                "a message signature made with a key is checked over the file: name the file, "
                "not its digest",
            )
        data = subject.artifact.read_bytes()
        if hashlib.sha256(data).hexdigest() != subject.digest:
            raise _Refusal(Reason.DIGEST_MISMATCH, "the file changed while it was verified")
        try:
            key.verify_signature(Signature(key.keyid, signed.signature.hex()), data)
        except (UnverifiedSignatureError, VerificationError):
            raise KeyMismatch(
                f"the signature does not verify with key {key.keyid[:16]}: another key signed "
                "it, or the file is not the one signed"
            ) from None
        return
    evidence.content = "dsse"
    envelope = bundle.dsse_envelope
    if len(envelope.signatures) != 1:
        raise _Refusal(
            Reason.SIGNATURE_INVALID,
            f"DSSE: exactly one signature expected, found {len(envelope.signatures)}",
        )
    # securesystemslib matches signatures to keys by keyid, an unauthenticated hint: the one
    # signature is tried against the one key whatever keyid it names.
    sslib = Envelope(
        payload=envelope.payload,
        payload_type=envelope.payload_type,
        signatures={key.keyid: Signature(key.keyid, envelope.signatures[0].sig.hex())},
    )
    try:
        sslib.verify([key], 1)
    except VerificationError:
        raise KeyMismatch(
            f"DSSE: the signature does not verify with key {key.keyid[:16]}: another key signed "
            "it, or the envelope was changed"
        ) from None
    check_statement(envelope.payload_type, envelope.payload, subject, predicate_type, evidence)


def describe_key(key: SSlibKey) -> str:
    return f"public key {key.keyid[:16]} ({key.keytype}/{key.scheme})"

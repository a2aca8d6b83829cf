"""A Fulcio-like certificate authority: root and intermediate CA, a CT log key, and short-lived
code-signing certificates for an OIDC identity, with an embedded SCT and the Sigstore OID
extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).

For GitHub Actions tokens the mapping is Fulcio's own (pkg/identity/github/principal.go):
SAN URI = https://github.com/<job_workflow_ref>, legacy extensions .1.1-.1.6 as raw bytes and
.1.8-.1.22 as DER UTF8String. All cryptography is `cryptography`'s.
"""

from __future__ import annotations

import hashlib
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..tokens import GITHUB_ACTIONS_ISSUER

SIGSTORE_OID = "1.3.6.1.4.1.57264.1"
SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
GITHUB_URL = "https://github.com/"


class IdentityRejected(Exception):
    """The token's identity cannot be put in a certificate (Fulcio answers 400)."""


@dataclass(frozen=True)
class Principal:
    """What goes in the certificate: a SAN and the Sigstore extensions (by OID suffix)."""

    san: x509.GeneralName
    extensions: Mapping[int, str]


def _required(claims: Mapping[str, Any], *names: str) -> list[str]:
    missing = [name for name in names if not claims.get(name)]
    if missing:
        raise IdentityRejected(f"missing {', '.join(missing)} claim in ID token")
    return [str(claims[name]) for name in names]


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Fulcio's principal for the token's issuer: GitHub workflow or e-mail."""
    issuer = str(claims["iss"])
    if issuer == GITHUB_ACTIONS_ISSUER:
        (
            job_workflow_ref,
            sha,
            event,
            repository,
            workflow,
            ref,
            job_workflow_sha,
            runner,
            repository_id,
            owner,
            owner_id,
            workflow_ref,
            workflow_sha,
            run_id,
            run_attempt,
        ) = _required(
            claims,
            "job_workflow_ref",
            "sha",
            "event_name",
            "repository",
            "workflow",
            "ref",
            "job_workflow_sha",
            "runner_environment",
            "repository_id",
            "repository_owner",
            "repository_owner_id",
            "workflow_ref",
            "workflow_sha",
            "run_id",
            "run_attempt",
        )
        signer = GITHUB_URL + job_workflow_ref
        extensions = {
            1: issuer,
            2: event,
            3: sha,
            4: workflow,
            5: repository,
            6: ref,  # legacy (raw bytes)
            8: issuer,
            9: signer,
            10: job_workflow_sha,
            11: runner,
            12: GITHUB_URL + repository,
            13: sha,
            14: ref,
            15: repository_id,
            16: GITHUB_URL + owner,
            17: owner_id,
            18: GITHUB_URL + workflow_ref,
            19: workflow_sha,
            20: event,
            21: f"{GITHUB_URL}{repository}/actions/runs/{run_id}/attempts/{run_attempt}",
        }
        if claims.get("repository_visibility"):
            extensions[22] = str(claims["repository_visibility"])
        return Principal(x509.UniformResourceIdentifier(signer), extensions)
    email = claims.get("email")
    if email:
        if claims.get("email_verified") is False:
            raise IdentityRejected("email_verified claim was false")
        return Principal(x509.RFC822Name(str(email)), {1: issuer, 8: issuer})
    raise IdentityRejected(f"no identity claim Fulcio maps for issuer {issuer}")


def _der_utf8(value: str) -> bytes:
    encoded = value.encode()
    return b"\x0c" + _der_length(len(encoded)) + encoded


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _sigstore_extension(suffix: int, value: str) -> x509.UnrecognizedExtension:
    raw = value.encode() if suffix <= 6 else _der_utf8(value)
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(f"{SIGSTORE_OID}.{suffix}"), raw)


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.dev"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class CertificateAuthority:
    """Root (P-384) -> intermediate (P-384) -> leaf (the client's key), as Fulcio's chain."""

    LEAF_LIFETIME = timedelta(minutes=10)

    def __init__(self, *, name: str = "sigstore-standin") -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        self.not_before = now - timedelta(days=1)
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.intermediate_key = ec.generate_private_key(ec.SECP384R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._ca_certificate(
            _name(name), self.root_key, self.root_key, None, path_length=1
        )
        self.intermediate = self._ca_certificate(
            _name(f"{name}-intermediate"),
            self.intermediate_key,
            self.root_key,
            self.root,
            path_length=0,
        )
        self.ct_log_id = hashlib.sha256(_spki(self.ct_key.public_key())).digest()

    def _ca_certificate(
        self,
        subject: x509.Name,
        key: ec.EllipticCurvePrivateKey,
        signer: ec.EllipticCurvePrivateKey,
        issuer: x509.Certificate | None,
        *,
        path_length: int,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.subject if issuer else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_before + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            ).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
        return builder.sign(signer, hashes.SHA384())

    @property
    def chain(self) -> list[x509.Certificate]:
        """The CA chain, issuer first, as the trusted root lists it."""
        return [self.intermediate, self.root]

    def issue(
        self, public_key: Any, principal: Principal, *, now: datetime | None = None
    ) -> x509.Certificate:
        """A leaf for `public_key` with an embedded SCT from this CA's CT log."""
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        serial = x509.random_serial_number()

        def builder() -> x509.CertificateBuilder:
            b = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([]))
                .issuer_name(self.intermediate.subject)
                .public_key(public_key)
                .serial_number(serial)
                .not_valid_before(now)
                .not_valid_after(now + self.LEAF_LIFETIME)
                .add_extension(
                    x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                    critical=True,
                )
                .add_extension(
                    x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
                )
                .add_extension(
                    x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
                )
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(
                        self.intermediate_key.public_key()
                    ),
                    critical=False,
                )
                .add_extension(x509.SubjectAlternativeName([principal.san]), critical=True)
            )
            for suffix, value in sorted(principal.extensions.items()):
                b = b.add_extension(_sigstore_extension(suffix, value), critical=False)
            return b

        precertificate = builder().sign(self.intermediate_key, hashes.SHA384())
        tbs = precertificate.tbs_certificate_bytes
        sct = self._sct(tbs, int(time.time() * 1000))
        leaf = (
            builder()
            .add_extension(x509.UnrecognizedExtension(SCT_LIST_OID, sct), critical=False)
            .sign(self.intermediate_key, hashes.SHA384())
        )
        if leaf.tbs_precertificate_bytes != tbs:  # the SCT must sign exactly the precertificate
            raise AssertionError("embedded SCT does not cover the issued certificate")
        return leaf

    def _sct(self, tbs_precertificate: bytes, timestamp_ms: int) -> bytes:
        """RFC 6962 v1 SCT over the precert entry, wrapped as the X.509 extension's
        SignedCertificateTimestampList OCTET STRING."""
        issuer_key_hash = hashlib.sha256(_spki(self.intermediate_key.public_key())).digest()
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp_ms, 1)
            + issuer_key_hash
            + len(tbs_precertificate).to_bytes(3, "big")
            + tbs_precertificate
            + struct.pack("!H", 0)
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = struct.pack("!B32sQH", 0, self.ct_log_id, timestamp_ms, 0)
        sct += struct.pack("!BBH", 4, 3, len(signature)) + signature  # sha256, ecdsa
        sct_list = struct.pack("!H", len(sct) + 2) + struct.pack("!H", len(sct)) + sct
        return b"\x04" + _der_length(len(sct_list)) + sct_list

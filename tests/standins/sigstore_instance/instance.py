"""A Sigstore instance on loopback: Fulcio's `/api/v2/signingCert`, Rekor v1's
`/api/v1/log/entries`, an identity-token minter, and the ClientTrustConfig (trusted root +
signing config) with which unmodified sigstore-python signs against it and verifies.

No timestamp authority: with Rekor v1 the SET-bound integrated time is the verified time.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from ..loopback import HttpRequest, HttpResponse, LoopbackServer, Problems
from ..tokens import GITHUB_ACTIONS_ISSUER, ActionsRun, TokenIssuer
from .fulcio import CertificateAuthority, IdentityRejected, principal_from_claims
from .rekor import EntryRejected, TransparencyLog

SIGSTORE_EMAIL_ISSUER = "https://oauth2.sigstore.dev/auth"
TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
CLIENT_TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _spki(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


class SigstoreInstance:
    """Fulcio + Rekor v1 on one loopback origin. `trusted_issuers` are OIDC issuers whose tokens
    the CA accepts besides its own minters (e.g. the Actions OIDC stand-in's issuer)."""

    def __init__(
        self,
        *,
        trusted_issuers: Sequence[TokenIssuer] = (),
        port: int = 0,
        state_dir: Path | None = None,
    ) -> None:
        self.ca = CertificateAuthority()
        self.log = TransparencyLog()
        self.github_issuer = TokenIssuer(GITHUB_ACTIONS_ISSUER)
        self.email_issuer = TokenIssuer(SIGSTORE_EMAIL_ISSUER)
        self.trusted_issuers = [self.github_issuer, self.email_issuer, *trusted_issuers]
        self.problems = Problems()
        self.counts: Counter[str] = Counter()
        self.rejections: list[str] = []  # 4xx reasons (sigstore-python does not show them)
        self.certificates: list[x509.Certificate] = []
        self._state_dir = state_dir
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self._server = LoopbackServer(
            self._serve, self.problems, port=port, name="sigstore-standin"
        )

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SigstoreInstance:
        self._server.start()
        if self._state_dir is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="sigstore-standin-")
            self._state_dir = Path(self._temporary.name)
        self._state_dir.mkdir(parents=True, exist_ok=True)
        self.trust_config_path.write_text(
            json.dumps(self.trust_config(), indent=2), encoding="utf-8"
        )
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None
            self._state_dir = None

    def __enter__(self) -> SigstoreInstance:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def trust_config_path(self) -> Path:
        if self._state_dir is None:
            raise RuntimeError("the Sigstore stand-in is not running")
        return self._state_dir / "trust_config.json"

    # ------------------------------------------------------------------ identity tokens
    def identity_token(
        self, run: ActionsRun | None = None, *, audience: str = "sigstore", lifetime: int = 300
    ) -> str:
        """A GitHub Actions ID token for `run` (defaults to ActionsRun())."""
        return self.github_issuer.mint(
            (run or ActionsRun()).claims(), audience=audience, lifetime=lifetime
        )

    def email_token(self, email: str, *, audience: str = "sigstore") -> str:
        """A token as Sigstore's own OAuth issuer gives a person."""
        return self.email_issuer.mint(
            {"sub": email, "email": email, "email_verified": True}, audience=audience
        )

    # ------------------------------------------------------------------ trust config
    def trust_config(self) -> dict[str, Any]:
        start = self.ca.not_before.strftime("%Y-%m-%dT%H:%M:%SZ")
        valid = {"start": start}

        def key(public_key: Any) -> dict[str, Any]:
            return {
                "rawBytes": _b64(_spki(public_key)),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": valid,
            }

        trusted_root = {
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [
                {
                    "baseUrl": self.url,
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": key(self.log.key.public_key()),
                    "logId": {"keyId": _b64(self.log.log_id)},
                }
            ],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "sigstore.dev", "commonName": "sigstore-standin"},
                    "uri": self.url,
                    "certChain": {
                        "certificates": [
                            {"rawBytes": _b64(c.public_bytes(serialization.Encoding.DER))}
                            for c in self.ca.chain
                        ]
                    },
                    "validFor": valid,
                }
            ],
            "ctlogs": [
                {
                    "baseUrl": self.url,
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": key(self.ca.ct_key.public_key()),
                    "logId": {"keyId": _b64(self.ca.ct_log_id)},
                }
            ],
            "timestampAuthorities": [],
        }
        service = {
            "url": self.url,
            "majorApiVersion": 1,
            "validFor": valid,
            "operator": "sigstore-standin",
        }
        signing_config = {
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [service],
            "oidcUrls": [],
            "rekorTlogUrls": [service],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        }
        return {
            "mediaType": CLIENT_TRUST_CONFIG_MEDIA_TYPE,
            "trustedRoot": trusted_root,
            "signingConfig": signing_config,
        }

    def client_trust_config(self) -> Any:
        """sigstore-python's ClientTrustConfig for this instance."""
        from sigstore.models import ClientTrustConfig

        return ClientTrustConfig.from_json(json.dumps(self.trust_config()))

    def signing_context(self) -> Any:
        from sigstore.sign import SigningContext

        return SigningContext.from_trust_config(self.client_trust_config())

    def verifier(self) -> Any:
        from sigstore.verify import Verifier

        return Verifier(trusted_root=self.client_trust_config().trusted_root)

    # ------------------------------------------------------------------ HTTP
    def _serve(self, request: HttpRequest) -> HttpResponse:
        route = (request.method, request.path)
        if route == ("POST", "/api/v2/signingCert"):
            self.counts["fulcio/signingCert"] += 1
            return self._signing_cert(request)
        if route == ("POST", "/api/v1/log/entries"):
            self.counts["rekor/createLogEntry"] += 1
            return self._create_entry(request)
        if route == ("GET", "/api/v1/log"):
            self.counts["rekor/getLogInfo"] += 1
            return HttpResponse.json(200, self.log.info())
        if route == ("GET", "/api/v1/log/entries"):
            self.counts["rekor/getLogEntryByIndex"] += 1
            index = request.query_value("logIndex")
            if index is None or not index.isdigit() or int(index) >= len(self.log.entries):
                return HttpResponse.json(404, {"code": 404, "message": "log entry not found"})
            return HttpResponse.json(200, self.log.entry(int(index)))
        if route == ("GET", "/api/v1/log/publicKey"):
            pem = self.log.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return HttpResponse(200, pem, {"Content-Type": "application/x-pem-file"})
        if route == ("GET", "/api/v2/trustBundle"):
            chain = {"certificates": [_pem(c) for c in self.ca.chain]}
            return HttpResponse.json(200, {"chains": [chain]})
        return HttpResponse.json(404, {"code": 5, "message": "Not Found"})

    def _reject(self, status: int, code: int, message: str) -> HttpResponse:
        self.rejections.append(message)
        return HttpResponse.json(status, {"code": code, "message": message})

    def _claims(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
        for issuer in self.trusted_issuers:
            if issuer.issuer == unverified.get("iss") and issuer.key_id == header.get("kid"):
                return issuer.verify(token, audience="sigstore")
        raise jwt.InvalidIssuerError(
            f"untrusted issuer or key: {unverified.get('iss')} kid={header.get('kid')}"
        )

    def _signing_cert(self, request: HttpRequest) -> HttpResponse:
        scheme, _, token = request.header("authorization").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return self._reject(401, 16, "missing bearer identity token")
        try:
            claims = self._claims(token.strip())
        except jwt.InvalidTokenError as error:
            return self._reject(
                401, 16, f"There was an error processing the identity token: {error}"
            )
        try:
            document = request.json()
            csr = x509.load_pem_x509_csr(base64.b64decode(document["certificateSigningRequest"]))
        except (ValueError, KeyError, TypeError) as error:
            return self._reject(400, 3, f"invalid certificate signing request: {error!r}")
        if not csr.is_signature_valid:
            return self._reject(400, 3, "the CSR's signature does not prove possession of its key")
        try:
            principal = principal_from_claims(claims)
        except IdentityRejected as error:
            return self._reject(400, 3, str(error))
        try:
            leaf = self.ca.issue(csr.public_key(), principal)
        except (InvalidSignature, ValueError, TypeError) as error:
            return self._reject(400, 3, f"cannot certify this key: {error!r}")
        self.certificates.append(leaf)
        chain = [_pem(leaf), *(_pem(c) for c in self.ca.chain)]
        return HttpResponse.json(
            201, {"signedCertificateEmbeddedSct": {"chain": {"certificates": chain}}}
        )

    def _create_entry(self, request: HttpRequest) -> HttpResponse:
        try:
            proposed = request.json()
        except ValueError as error:
            return self._reject(400, 400, f"invalid JSON: {error}")
        try:
            entry = self.log.add(proposed)
        except EntryRejected as error:
            return self._reject(error.status, error.status, error.message)
        (uuid,) = entry
        return HttpResponse.json(
            201, entry, {"Location": f"{self.url}/api/v1/log/entries/{uuid}", "ETag": uuid}
        )

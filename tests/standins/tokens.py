"""OIDC identity tokens: the claims GitHub Actions puts in a job's token, and an issuer that
signs them (RS256, PyJWT over `cryptography` keys) and publishes its JWKS.

The runner OIDC stand-in hands these tokens to jobs; the Sigstore stand-in's CA verifies them
against the issuer's public key, as Fulcio verifies GitHub's tokens against its JWKS.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class ActionsRun:
    """The workflow run being simulated; every field is a claim of GitHub's Actions token.
    Defaults describe a push to main of octo-org/octo-repo running ci.yml on a GitHub-hosted
    runner; override any of them (`ActionsRun(ref="refs/tags/v1.2.3", ref_type="tag")`)."""

    repository: str = "octo-org/octo-repo"
    repository_id: str = "812345678"
    repository_owner: str = "octo-org"
    repository_owner_id: str = "41898290"
    repository_visibility: str = "public"
    ref: str = "refs/heads/main"
    ref_type: str = "branch"
    ref_protected: str = "true"
    sha: str = "7d09463c2c8f23f081a84d42d8ad2050059e84d6"
    workflow: str = "CI"
    workflow_ref: str = "octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main"
    workflow_sha: str = "7d09463c2c8f23f081a84d42d8ad2050059e84d6"
    job_workflow_ref: str = "octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main"
    job_workflow_sha: str = "7d09463c2c8f23f081a84d42d8ad2050059e84d6"
    event_name: str = "push"
    run_id: str = "9876543210"
    run_number: str = "42"
    run_attempt: str = "1"
    runner_environment: str = "github-hosted"
    actor: str = "octocat"
    actor_id: str = "583231"
    environment: str | None = None
    head_ref: str = ""
    base_ref: str = ""

    def with_(self, **changes: Any) -> ActionsRun:
        return replace(self, **changes)

    @property
    def subject(self) -> str:
        """GitHub's default `sub`: environment, then pull request, then ref."""
        if self.environment:
            return f"repo:{self.repository}:environment:{self.environment}"
        if self.event_name in ("pull_request", "pull_request_target"):
            return f"repo:{self.repository}:pull_request"
        return f"repo:{self.repository}:ref:{self.ref}"

    def claims(self) -> dict[str, Any]:
        """The run's claims (no iss/aud/time claims: the issuer adds them)."""
        claims = {key: value for key, value in asdict(self).items() if value is not None}
        claims["sub"] = self.subject
        return claims


class TokenIssuer:
    """Signs ID tokens for one `iss` with an RSA key; the key can be kept in a file so that
    separate processes (the OIDC endpoint and the Sigstore CA of an act run) share it."""

    def __init__(
        self, issuer: str = GITHUB_ACTIONS_ISSUER, key: rsa.RSAPrivateKey | None = None
    ) -> None:
        self.issuer = issuer
        self._key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        spki = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = hashlib.sha256(spki).hexdigest()[:40].upper()

    @classmethod
    def load_or_create(cls, path: Path, issuer: str = GITHUB_ACTIONS_ISSUER) -> TokenIssuer:
        """The issuer whose private key is in `path` (PEM), creating the key if absent."""
        if not path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            temporary.chmod(0o600)
            temporary.replace(path)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return cls(issuer, loaded)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.public_key))
        return {"keys": [{**jwk, "kid": self.key_id, "alg": "RS256", "use": "sig"}]}

    def mint(
        self,
        claims: Mapping[str, Any],
        *,
        audience: str,
        lifetime: int = 300,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        payload = {
            **claims,
            "jti": str(uuid.uuid4()),
            "iss": self.issuer,
            "aud": audience,
            "iat": issued,
            "nbf": issued - 600,  # GitHub backdates nbf; exp is iat + 5 minutes
            "exp": issued + lifetime,
        }
        return jwt.encode(
            payload, self._key, algorithm="RS256", headers={"kid": self.key_id, "x5t": self.key_id}
        )

    def verify(self, token: str, *, audience: str) -> dict[str, Any]:
        """Claims of a token this issuer signed; raises jwt.InvalidTokenError otherwise."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            audience=audience,
            issuer=self.issuer,
            leeway=5,
        )
        return claims

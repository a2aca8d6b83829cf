"""Keyless signing with sigstore-python: an ephemeral key, a Fulcio certificate for the OIDC
identity, a Rekor entry, a bundle v0.3.

One `KeylessSigner` is one identity: sigstore's signer caches the key and certificate, so
signing several files asks Fulcio once. Failures become clearance errors naming the service:
Fulcio or Rekor unreachable or refusing is a `ServiceError` (exit 3); a token sigstore cannot
use is a `UsageError` (exit 2). No message carries the token.

The trust config says where Fulcio and Rekor are and what to trust: the public-good instance
(production, or staging) through sigstore's TUF repository, or a `ClientTrustConfig` file for
a private instance. sigstore-python's HTTP sessions have no timeout of their own; every request
of this signer gets one (`TIMEOUT_SECONDS`).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from clearance.errors import ServiceError, UsageError
from clearance.trust.claims import claims_of
from clearance.trust.identity import IdentityToken
from clearance.trust.roots import Instance
from clearance.trust.signing import SignerDescription

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sigstore.models import Bundle, ClientTrustConfig
    from sigstore.sign import Signer

TIMEOUT_SECONDS = 60.0


def load_signing_config(instance: Instance, trust_config: Path | None) -> ClientTrustConfig:
    """The ClientTrustConfig to sign with: a file, or the instance's over TUF."""
    from sigstore.models import ClientTrustConfig

    if trust_config is not None:
        where = f"--trust-config {trust_config}"
        try:
            text = trust_config.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{where}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{where}: cannot read it: {exc}") from None
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"{where}: not JSON: {exc}") from None
        if not isinstance(document, dict) or "signingConfig" not in document:
            raise UsageError(
                f"{where}: signing needs a Sigstore ClientTrustConfig (trustedRoot and "
                "signingConfig); a bare trusted root is enough only to verify"
            )
        try:
            return ClientTrustConfig.from_json(text)
        except Exception as exc:  # pydantic ValidationError, sigstore Error
            raise UsageError(
                f"{where}: not a Sigstore ClientTrustConfig ({type(exc).__name__})"
            ) from None
    try:
        if instance is Instance.STAGING:
            return ClientTrustConfig.staging()
        return ClientTrustConfig.production()
    except Exception as exc:  # TUF and network errors
        raise ServiceError(
            f"could not fetch the Sigstore {instance.value} trust config over TUF from "
            f"{instance.tuf_url} ({type(exc).__name__}); check the network, or sign with "
            "--trust-config (private instance) or --key (no Sigstore)"
        ) from None


def _with_timeouts(client: Any, default: float) -> None:
    """Give every request of a sigstore client's `requests` session a default timeout."""
    import requests
    from requests.adapters import HTTPAdapter

    class _TimeoutAdapter(HTTPAdapter):
        def send(
            self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
        ) -> requests.Response:
            if len(args) < 2 and kwargs.get("timeout") is None:  # timeout is the 2nd extra
                kwargs["timeout"] = default
            return super().send(request, *args, **kwargs)

    session = getattr(client, "session", None)
    if isinstance(session, requests.Session):
        adapter = _TimeoutAdapter()
        session.mount("https://", adapter)
        session.mount("http://", adapter)


def _http_status(exc: BaseException) -> int | None:
    cause: BaseException | None = exc
    while cause is not None:
        response = getattr(cause, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            return status
        for arg in getattr(cause, "args", ()):
            status = getattr(getattr(arg, "response", None), "status_code", None)
            if isinstance(status, int):
                return status
        cause = cause.__cause__ or cause.__context__
    return None


def _service_error(service: str, url: str, exc: BaseException) -> ServiceError:
    import requests

    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return ServiceError(
            f"{service} at {url} is unreachable ({type(exc).__name__}); check the URL in the "
            "trust config and the network, then retry"
        )
    status = _http_status(exc)
    detail = " ".join(str(exc).split())[:200]
    what = f"HTTP {status}" if status is not None else type(exc).__name__
    return ServiceError(
        f"{service} at {url} refused the request ({what}{': ' + detail if detail else ''})"
    )


class KeylessSigner:
    """A `SigningBackend` over sigstore-python for one identity token."""

    def __init__(
        self,
        trust_config: ClientTrustConfig,
        token: IdentityToken,
        *,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._trust_config = trust_config
        self._token = token
        self._timeout = timeout
        self._context: AbstractContextManager[Signer] | None = None
        self._signer: Signer | None = None
        self._last: Bundle | None = None
        self.fulcio_url = "Fulcio"
        self.rekor_url = "Rekor"

    def __enter__(self) -> KeylessSigner:
        import requests
        from sigstore.oidc import IdentityError
        from sigstore.oidc import IdentityToken as SigstoreToken
        from sigstore.sign import SigningContext

        try:
            context = SigningContext.from_trust_config(self._trust_config)
        except Exception as exc:
            raise UsageError(f"the trust config cannot sign: {type(exc).__name__}") from None
        self.fulcio_url = str(getattr(context._fulcio, "url", "Fulcio"))
        self.rekor_url = str(getattr(context._rekor, "url", "Rekor"))
        for client in (context._fulcio, context._rekor, *context._tsa_clients):
            _with_timeouts(client, self._timeout)
        try:
            token = SigstoreToken(self._token.value)
        except IdentityError as exc:
            raise UsageError(
                f"the identity token ({self._token.source.value}) cannot be used: {exc}"
            ) from None
        try:
            self._context = context.signer(token, cache=True)
            self._signer = self._context.__enter__()
        except (requests.RequestException, ValueError) as exc:
            raise _service_error("Fulcio", self.fulcio_url, exc) from None
        except Exception as exc:  # FulcioClientError, ExpiredIdentity, SCT verification
            if type(exc).__name__ == "ExpiredIdentity":
                raise UsageError("the identity token has expired: get a fresh one") from None
            raise _service_error("Fulcio", self.fulcio_url, exc) from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._context is not None:
            self._context.__exit__(exc_type, exc, traceback)
            self._context = None
        self._signer = None

    def _require(self) -> Signer:
        if self._signer is None:
            raise RuntimeError("KeylessSigner is used outside its `with` block")
        return self._signer

    def _finish(self, sign: Any, content: Any) -> str:
        try:
            bundle: Bundle = sign(content)
        except Exception as exc:  # RekorClientError, requests errors, TSA
            raise _service_error("Rekor", self.rekor_url, exc) from None
        self._last = bundle
        return bundle.to_json()

    def sign_digest(self, path: Path, sha256: str) -> str:
        from sigstore.hashes import Hashed
        from sigstore_models.common.v1 import HashAlgorithm

        hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(sha256))
        return self._finish(self._require().sign_artifact, hashed)

    def sign_statement(self, payload: bytes) -> str:
        from sigstore.dsse import Statement

        return self._finish(self._require().sign_dsse, Statement(payload))

    def token_claims(self) -> dict[str, Any]:
        return self._token.claims()

    def signer(self) -> SignerDescription:
        if self._last is None:
            return SignerDescription()
        return SignerDescription(claims=claims_of(self._last.signing_certificate))

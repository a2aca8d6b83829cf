"""Where a keyless signature's identity comes from: an OIDC identity token.

Two sources, in this order:

1. **ambient GitHub Actions**: a job with `permissions: id-token: write` has
   `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; a GET of the URL with
   `&audience=sigstore` and the request token as bearer answers `{"value": <jwt>}` (the runner
   protocol @actions/core's `getIDToken` speaks).
2. **`CLEARANCE_IDENTITY_TOKEN`**: a token obtained elsewhere (another CI's OIDC, a token
   minted for a private instance). Never an argument: argv is visible to every process.

A token is a credential: it is registered with the redactor and masked in the runner's log
(`::add-mask::`, as `getIDToken` does) before anything else can print, and no message of this
module contains it. Read from the environment mapping the command was given, never
`os.environ`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clearance.errors import ServiceError, UsageError

TOKEN_VARIABLE = "CLEARANCE_IDENTITY_TOKEN"  # noqa: S105 - a variable name
REQUEST_URL = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name
AUDIENCE = "sigstore"
TIMEOUT_SECONDS = 30.0

NO_CREDENTIAL = (
    "no identity for keyless signing: give the job `permissions: id-token: write` "
    f"(GitHub Actions), or set {TOKEN_VARIABLE} to an OIDC identity token, "
    "or sign with --key"
)


class TokenSource(StrEnum):
    GITHUB_ACTIONS = "github-actions"
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class IdentityToken:
    """A raw OIDC token and where it came from. `repr` never shows the token."""

    value: str
    source: TokenSource

    def __repr__(self) -> str:
        return f"IdentityToken(source={self.source.value!r}, value=<{len(self.value)} chars>)"

    def claims(self) -> dict[str, Any]:
        """The token's claims, unverified (Fulcio verifies the token; this reads facts only)."""
        try:
            body = self.value.split(".")[1]
            decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            claims = json.loads(decoded)
        except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
            return {}
        return claims if isinstance(claims, dict) else {}


def ambient_request(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The runner's token request URL and bearer, when the job may ask for an ID token."""
    url, bearer = env.get(REQUEST_URL, ""), env.get(REQUEST_TOKEN, "")
    return (url, bearer) if url and bearer else None


def fetch_github_token(url: str, bearer: str, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """Ask the runner's endpoint for an ID token with audience `sigstore`."""
    import requests

    separator = "&" if "?" in url else "?"
    try:
        response = requests.get(
            f"{url}{separator}audience={AUDIENCE}",
            headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise ServiceError(
            f"the GitHub Actions OIDC endpoint ({REQUEST_URL}) is unreachable "
            f"({type(exc).__name__}); retry the job"
        ) from None
    if response.status_code in (401, 403):
        raise UsageError(
            f"the GitHub Actions OIDC endpoint refused the request (HTTP {response.status_code}): "
            "give the job `permissions: id-token: write`"
        )
    if response.status_code != 200:
        raise ServiceError(
            f"the GitHub Actions OIDC endpoint answered HTTP {response.status_code}; retry the job"
        )
    try:
        value = response.json()["value"]
    except (ValueError, KeyError, TypeError):
        value = None
    if not isinstance(value, str) or not value:
        raise ServiceError("the GitHub Actions OIDC endpoint answered without a token")
    return value


def identity_token(env: Mapping[str, str]) -> IdentityToken:
    """The ambient GitHub Actions token when the job has one, else `CLEARANCE_IDENTITY_TOKEN`.

    `UsageError` (exit 2) when neither is there, saying what to set."""
    request = ambient_request(env)
    if request is not None:
        return IdentityToken(fetch_github_token(*request), TokenSource.GITHUB_ACTIONS)
    value = env.get(TOKEN_VARIABLE, "").strip()
    if value:
        return IdentityToken(value, TokenSource.ENVIRONMENT)
    raise UsageError(NO_CREDENTIAL)

"""The runner's OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`).

A job with `id-token: write` gets a request URL and a bearer request token; a GET of the URL
with `Authorization: Bearer <request token>` and `audience=<aud>` answers `{"value": <jwt>}`,
a GitHub Actions ID token for the run (iss https://token.actions.githubusercontent.com). A
wrong or missing request token gets 401. Without `audience` GitHub uses the owner's URL.
Each request token stands for one job's run: `request_token_for(run)` adds another.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from typing import Any

import jwt

from .loopback import HttpRequest, HttpResponse, LoopbackServer, Problems
from .tokens import ActionsRun, TokenIssuer


class ActionsOidcStandIn:
    def __init__(
        self, run: ActionsRun | None = None, *, issuer: TokenIssuer | None = None, port: int = 0
    ) -> None:
        self.run = run or ActionsRun()
        self.issuer = issuer or TokenIssuer()
        self.problems = Problems()
        self.counts: Counter[str] = Counter()
        self.issued: list[dict[str, Any]] = []  # claims of every token handed out
        self._plan, self._job = uuid.uuid4(), uuid.uuid4()
        self._runs: dict[str, ActionsRun | None] = {}
        self.request_token = self.request_token_for(None)
        self._server = LoopbackServer(
            self._serve, self.problems, port=port, name="actions-oidc-standin"
        )

    def start(self) -> ActionsOidcStandIn:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> ActionsOidcStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def request_url(self) -> str:
        """Shaped like the runner's: it already has a query, so clients append `&audience=`."""
        return (
            f"{self.url}/_apis/distributedtask/hubs/Actions/plans/{self._plan}/jobs/{self._job}"
            f"/idtoken?api-version=2.0"
        )

    def request_token_for(self, run: ActionsRun | None) -> str:
        """A request token for another job; None follows `self.run` as it changes."""
        token = secrets.token_urlsafe(32)
        self._runs[token] = run
        return token

    def env(self, request_token: str | None = None) -> dict[str, str]:
        """The variables the runner gives a job with `permissions: id-token: write`."""
        return {
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": self.request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": request_token or self.request_token,
        }

    def _serve(self, request: HttpRequest) -> HttpResponse:
        if request.path.endswith("/.well-known/openid-configuration"):
            return HttpResponse.json(
                200,
                {
                    "issuer": self.issuer.issuer,
                    "jwks_uri": f"{self.url}/.well-known/jwks",
                    "subject_types_supported": ["public", "pairwise"],
                    "response_types_supported": ["id_token"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "claims_supported": sorted(
                        {"sub", "aud", "exp", "iat", "iss", "jti", "nbf", *self.run.claims()}
                    ),
                    "scopes_supported": ["openid"],
                },
            )
        if request.path.endswith("/.well-known/jwks"):
            return HttpResponse.json(200, self.issuer.jwks())
        if not request.path.endswith("/idtoken"):
            return HttpResponse.json(404, {"message": "Not Found"})
        self.counts["idtoken"] += 1
        if request.method != "GET":
            return HttpResponse.json(
                405,
                {
                    "message": f"The requested resource does not support http method "
                    f"'{request.method}'."
                },
            )
        scheme, _, token = request.header("authorization").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or token not in self._runs:
            self.counts["idtoken/unauthorized"] += 1
            return HttpResponse.json(
                401, {"message": "Unauthorized: the request token is missing or invalid"}
            )
        run = self._runs[token] or self.run
        audience = request.query_value("audience") or f"https://github.com/{run.repository_owner}"
        value = self.issuer.mint(run.claims(), audience=audience)
        self.issued.append(jwt.decode(value, options={"verify_signature": False}))
        return HttpResponse.json(200, {"count": len(value), "value": value})

"""The GitHub stand-in: REST and GraphQL over one state, every exchange validated.

Request pipeline (REST): route by GitHub's OpenAPI description -> count -> refusing faults
(5xx, rate limits) -> authentication -> request validation (invalid: GitHub's 400/404/422 and
a recorded problem) -> permission of the token -> handler -> response validation (invalid: a
recorded problem and a 500) -> delivery faults (slow, drop after write).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..faults import REFUSING, Fault, Faults
from ..loopback import HttpRequest, HttpResponse, LoopbackServer, Problems
from ..validation import (
    OpenApiRequest,
    OpenApiResponse,
    RequestCheck,
    RestDescription,
    check_query,
    check_result,
    github_graphql_schema,
)
from .graphql import GraphQLApi, NotServed, formatted_errors, is_misuse
from .rest import OPERATIONS, ApiError, Call, Reply, asset_download
from .rest_objects import Rest, Urls
from .state import GitHubState, User

REST_DOCS = "https://docs.github.com/rest"
GRAPHQL_DOCS = "https://docs.github.com/graphql"
SECONDARY_LIMIT_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
_LEVELS = {"read": 1, "write": 2, "admin": 3}
_DOWNLOAD = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/releases/download/(?P<tag>.+)/(?P<name>[^/]+)$"
)


@dataclass(frozen=True)
class TokenGrant:
    """Who a token authenticates, and its permissions (`{"deployments": "write", ...}`, as a
    GitHub App installation token or `permissions:` block grants them); None grants all."""

    login: str = "github-actions[bot]"
    permissions: Mapping[str, str] | None = None

    def allows(self, needed: tuple[tuple[str, str], ...]) -> bool:
        if self.permissions is None or not needed:
            return True
        return any(
            _LEVELS.get(self.permissions.get(scope, ""), 0) >= _LEVELS[level]
            for scope, level in needed
        )


class GitHubStandIn:
    """A loopback GitHub (GHES URL layout): `api_url` for REST (PyGithub's base_url),
    `graphql_url`, `uploads_url`, and web pages (release downloads) under `server_url`."""

    def __init__(
        self,
        *,
        tokens: Mapping[str, TokenGrant] | None = None,
        repositories: tuple[str, ...] = ("octo-org/octo-repo",),
        port: int = 0,
    ) -> None:
        self.state = GitHubState(repositories=repositories)
        self.problems = Problems()
        self.faults = Faults()
        self.counts: Counter[str] = Counter()
        self.tokens: dict[str, TokenGrant] = dict(tokens or {})
        self.token = next(iter(self.tokens)) if self.tokens else self.add_token()
        self._server = LoopbackServer(self._serve, self.problems, port=port, name="github-standin")
        self._urls: Urls | None = None
        self._description: RestDescription | None = None
        self._graphql: GraphQLApi | None = None

    # ------------------------------------------------------------------ lifecycle and URLs
    def start(self) -> GitHubStandIn:
        self._server.start()
        self._urls = Urls(self._server.url)
        self._description = RestDescription(self._urls.api, self._urls.uploads)
        self._graphql = GraphQLApi(self.state, Rest(self._urls), github_graphql_schema())
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def urls(self) -> Urls:
        if self._urls is None:
            raise RuntimeError("the GitHub stand-in is not running")
        return self._urls

    @property
    def server_url(self) -> str:
        return self.urls.server

    @property
    def api_url(self) -> str:
        return self.urls.api

    @property
    def graphql_url(self) -> str:
        return self.urls.graphql

    @property
    def uploads_url(self) -> str:
        return self.urls.uploads

    @property
    def description(self) -> RestDescription:
        if self._description is None:
            raise RuntimeError("the GitHub stand-in is not running")
        return self._description

    def add_token(
        self,
        token: str | None = None,
        *,
        login: str = "github-actions[bot]",
        permissions: Mapping[str, str] | None = None,
    ) -> str:
        token = token or "ghs_" + uuid.uuid4().hex + uuid.uuid4().hex[:4]
        self.tokens[token] = TokenGrant(
            login, dict(permissions) if permissions is not None else None
        )
        return token

    @property
    def usage(self) -> dict[str, int]:
        graphql = sum(n for key, n in self.counts.items() if key.startswith("graphql"))
        return {"core": sum(self.counts.values()) - graphql, "graphql": graphql}

    # ------------------------------------------------------------------ dispatch
    def _serve(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/api/graphql":
            return self._serve_graphql(request)
        if request.path.startswith(("/api/v3/", "/api/uploads/")) or request.path == "/api/v3":
            return self._serve_rest(request)
        download = _DOWNLOAD.match(request.path)
        if download and request.method == "GET":
            self.counts["web/release-download"] += 1
            with self.state.lock:
                content = asset_download(
                    self.state, *download.group("owner", "repo", "tag", "name")
                )
            if content is not None:
                return HttpResponse(200, content, {"Content-Type": "application/octet-stream"})
        return HttpResponse.json(404, {"message": "Not Found", "documentation_url": REST_DOCS})

    def _actor(self, request: HttpRequest) -> TokenGrant | None:
        scheme, _, token = request.header("authorization").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.tokens.get(token.strip())

    def _rate_headers(self, resource: str) -> dict[str, str]:
        used = self.usage[resource]
        reset = int(self.state.clock.now().timestamp()) + 3600
        return {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": str(max(5000 - used, 0)),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Resource": resource,
            "X-GitHub-Request-Id": uuid.uuid4().hex[:8].upper()
            + ":"
            + uuid.uuid4().hex[:8].upper(),
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }

    def _refusal(self, fault: Fault, documentation_url: str) -> HttpResponse:
        headers: dict[str, str] = {}
        if fault.kind == "server_error":
            body = {"message": "Server Error", "documentation_url": documentation_url}
        elif fault.kind == "secondary_rate_limit":
            headers["Retry-After"] = str(fault.retry_after)
            body = {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
                "again. If you reach out to GitHub Support for help, please include the request ID.",
                "documentation_url": SECONDARY_LIMIT_DOCS,
            }
        else:
            reset = int(self.state.clock.now().timestamp()) + (fault.retry_after or 60)
            headers |= {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
                "X-RateLimit-Limit": "5000",
            }
            body = {
                "message": "API rate limit exceeded for installation.",
                "documentation_url": documentation_url,
            }
        return HttpResponse.json(fault.status, body, headers)

    @staticmethod
    def _deliver(response: HttpResponse, faults: Faults, keys: tuple[str, ...]) -> HttpResponse:
        slow = faults.take(("slow",), keys)
        if slow is not None:
            response.delay = slow.seconds
        if faults.take(("drop_after_write",), keys) is not None:
            response.drop_connection = True
        return response

    # ------------------------------------------------------------------ REST
    def _serve_rest(self, request: HttpRequest) -> HttpResponse:
        content_type = request.header("content-type", "application/json")
        if request.path.startswith("/api/uploads/"):
            # the description lists only application/octet-stream, while GitHub documents (and
            # clients send) the asset's own media type: the body is raw bytes either way
            content_type = "application/octet-stream"
        api_request = self.description.normalize(
            OpenApiRequest.build(
                request.base_url + request.path,
                request.method,
                query=request.query,
                headers=request.headers,
                body=request.body or None,
                content_type=content_type,
            )
        )
        check = self.description.check_request(api_request)
        operation_id = check.operation_id or "unknown"
        self.counts[operation_id] += 1
        documentation_url = REST_DOCS
        if check.operation_id is not None:
            documentation_url = (
                self.description.operations[check.operation_id][2]
                .get("externalDocs", {})
                .get("url", REST_DOCS)
            )
        keys = (operation_id,)
        refusal = self.faults.take(REFUSING, keys)
        if refusal is not None:
            return self._refusal(refusal, documentation_url)

        grant = self._actor(request)
        if grant is None:
            message = (
                "Bad credentials" if request.header("authorization") else "Requires authentication"
            )
            reply = Reply(
                401, {"message": message, "documentation_url": REST_DOCS, "status": "401"}
            )
        elif check.errors:
            self.problems.record("request", operation_id, " | ".join(check.errors))
            reply = self._error_reply(check.status, check.errors, documentation_url)
        else:
            reply = self._call(check, grant, request, documentation_url)

        response = self._response(reply, "core")
        errors = self.description.check_response(
            api_request,
            OpenApiResponse(
                reply.status,
                response.body or None,
                response.content_type or "application/json",
                response.headers,
            ),
        )
        if errors and check.operation_id is not None:
            self.problems.record("response", operation_id, " | ".join(errors))
            return HttpResponse.json(
                500,
                {
                    "message": "GitHub stand-in produced an invalid response",
                    "documentation_url": documentation_url,
                },
            )
        return self._deliver(response, self.faults, keys)

    def _call(
        self, check: RequestCheck, grant: TokenGrant, request: HttpRequest, documentation_url: str
    ) -> Reply:
        operation = OPERATIONS.get(check.operation_id or "")
        if operation is None or check.operation_id is None:
            return Reply(
                404,
                {"message": "Not Found", "documentation_url": documentation_url, "status": "404"},
            )
        if not grant.allows(operation.permissions):
            return Reply(
                403,
                {
                    "message": "Resource not accessible by integration",
                    "documentation_url": documentation_url,
                    "status": "403",
                },
            )
        with self.state.lock:
            actor: User = self.state.user(
                grant.login, type="Bot" if grant.login.endswith("[bot]") else "User"
            )
            call = Call(
                check.operation_id,
                self.state,
                Rest(self.urls),
                actor,
                check.path,
                check.query,
                check.body,
                request,
                self.usage,
            )
            try:
                return operation.handler(call)
            except ApiError as error:
                body: dict[str, Any] = {
                    "message": error.message,
                    "documentation_url": documentation_url,
                    "status": str(error.status),
                }
                if error.errors:
                    body["errors"] = error.errors
                return Reply(error.status, body)

    @staticmethod
    def _error_reply(status: int, errors: list[str], documentation_url: str) -> Reply:
        message = {404: "Not Found", 400: "Problems parsing JSON"}.get(
            status, "Invalid request.\n\n" + "\n".join(errors)
        )
        return Reply(
            status,
            {"message": message, "documentation_url": documentation_url, "status": str(status)},
        )

    def _response(self, reply: Reply, resource: str) -> HttpResponse:
        headers = {**self._rate_headers(resource), **reply.headers}
        if reply.status == 204 or reply.body is None:
            return HttpResponse(reply.status, b"", headers)
        return HttpResponse.json(reply.status, reply.body, headers)

    # ------------------------------------------------------------------ GraphQL
    def _serve_graphql(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            self.counts["graphql"] += 1
            return HttpResponse.json(
                404, {"message": "Not Found", "documentation_url": GRAPHQL_DOCS}
            )
        try:
            envelope = json.loads(request.body)
            query = envelope["query"]
            variables = envelope.get("variables") or {}
            operation_name = envelope.get("operationName")
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError("`query` must be a string and `variables` an object")
        except (ValueError, KeyError, TypeError) as error:
            self.counts["graphql"] += 1
            self.problems.record("request", "graphql", f"not a GraphQL request: {error}")
            return HttpResponse.json(
                400, {"message": "Problems parsing JSON", "documentation_url": GRAPHQL_DOCS}
            )

        schema = github_graphql_schema()
        document, errors = check_query(schema, query)
        name = operation_name or _operation_name(document) or "anonymous"
        key = f"graphql:{name}"
        self.counts[key] += 1
        keys = (key, "graphql")
        refusal = self.faults.take(REFUSING, keys)
        if refusal is not None:
            return self._refusal(refusal, GRAPHQL_DOCS)
        grant = self._actor(request)
        if grant is None:
            return HttpResponse.json(
                401,
                {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": GRAPHQL_DOCS + "/guides/forming-calls-with-graphql"
                    "#authenticating-with-graphql",
                },
            )
        if errors or document is None:
            self.problems.record("request", key, " | ".join(e.message for e in errors))
            body: dict[str, Any] = {"errors": [dict(e.formatted) for e in errors]}
            return self._deliver(self._response(Reply(200, body), "graphql"), self.faults, keys)

        assert self._graphql is not None
        with self.state.lock:
            viewer = self.state.user(
                grant.login, type="Bot" if grant.login.endswith("[bot]") else "User"
            )
            result = self._graphql.execute(document, variables, operation_name, viewer, self.usage)
        for failure in result.errors or []:
            if isinstance(failure.original_error, NotServed):
                self.problems.record("response", key, failure.message)
            elif is_misuse(failure):
                self.problems.record("request", key, failure.message)
        body = {"data": result.data}
        if result.errors:
            body["errors"] = formatted_errors(result)
        invalid = check_result(
            schema, document, result.data, variables=variables, operation_name=operation_name
        )
        if invalid:
            self.problems.record("response", key, " | ".join(invalid))
            return HttpResponse.json(
                500, {"message": "GitHub stand-in produced an invalid response"}
            )
        return self._deliver(self._response(Reply(200, body), "graphql"), self.faults, keys)


def _operation_name(document: Any) -> str | None:
    if document is None:
        return None
    for definition in document.definitions:
        name = getattr(definition, "name", None)
        if getattr(definition, "operation", None) is not None and name is not None:
            return str(name.value)
    return None

"""A loopback OSV API over a local advisory database, for pip-audit's `--osv-url`.

It answers the parts of the OSV v1 API that auditors use: `POST /v1/query` (one package
version; the full records, or `{}` when none applies), `POST /v1/querybatch` (many; ids and
modification dates, as OSV answers) and `GET /v1/vulns/{id}`. It binds 127.0.0.1 on a free
port, serves from a daemon thread, and is stopped by leaving its context; nothing reaches
beyond the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from clearance.scan.deps.advisories import ECOSYSTEM, AdvisoryDatabase

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_BATCH = 1000
SHUTDOWN_TIMEOUT_SECONDS = 5.0


class QueryError(ValueError):
    """A query the API cannot answer; the text is the error message returned."""


def _package_version(query: Mapping[str, Any]) -> tuple[str, str] | None:
    """(name, version) of a PyPI query; None for another ecosystem."""
    if not isinstance(query, Mapping):
        raise QueryError("a query must be an object")
    if "commit" in query:
        raise QueryError("commit queries are not supported by this local database")
    package = query.get("package")
    if not isinstance(package, Mapping):
        raise QueryError("a query needs a package")
    version = query.get("version")
    purl = package.get("purl")
    name: object
    if isinstance(purl, str) and purl:
        head, _, purl_version = purl.partition("@")
        if not head.lower().startswith("pkg:pypi/"):
            return None
        name = unquote(head[len("pkg:pypi/") :])
        version = version or unquote(purl_version.split("?", 1)[0].split("#", 1)[0])
    else:
        if package.get("ecosystem") != ECOSYSTEM:
            return None
        name = package.get("name")
    if not isinstance(name, str) or not name:
        raise QueryError("a query needs a package name")
    if not isinstance(version, str) or not version:
        raise QueryError("a query needs a version (listing all advisories is not supported)")
    return canonicalize_name(name), version


def answer_query(database: AdvisoryDatabase, query: Mapping[str, Any]) -> dict[str, Any]:
    """`/v1/query`: `{"vulns": [records]}`, or `{}` when nothing applies (as OSV does)."""
    wanted = _package_version(query)
    if wanted is None:
        return {}
    found = database.query(*wanted)
    return {"vulns": [dict(a.record) for a in found]} if found else {}


def answer_batch(database: AdvisoryDatabase, body: Mapping[str, Any]) -> dict[str, Any]:
    """`/v1/querybatch`: per query, the ids and modification dates (as OSV does)."""
    queries = body.get("queries") if isinstance(body, Mapping) else None
    if not isinstance(queries, list):
        raise QueryError("querybatch needs a list of queries")
    if len(queries) > MAX_BATCH:
        raise QueryError(f"at most {MAX_BATCH} queries per batch")
    results: list[dict[str, Any]] = []
    for query in queries:
        wanted = _package_version(query)
        found = database.query(*wanted) if wanted is not None else []
        results.append(
            {"vulns": [{"id": a.id, "modified": a.record.get("modified", "")} for a in found]}
            if found
            else {}
        )
    return {"results": results}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "clearance-osv"
    # One small response per request on a kept-alive connection: without this, Nagle's
    # algorithm and the client's delayed ACK stall each answer by ~40 ms.
    disable_nagle_algorithm = True
    database: AdvisoryDatabase

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the auditor reports what matters."""

    def _send(self, status: HTTPStatus, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(
            status, {"code": 3 if status == HTTPStatus.BAD_REQUEST else 5, "message": message}
        )

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            return
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
            if path == "/v1/query":
                self._send(HTTPStatus.OK, answer_query(self.database, body))
            elif path == "/v1/querybatch":
                self._send(HTTPStatus.OK, answer_batch(self.database, body))
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        except (ValueError, UnicodeDecodeError) as exc:
            # QueryError is a ValueError; so is a body that is not JSON.
            self._error(
                HTTPStatus.BAD_REQUEST, str(exc) if isinstance(exc, QueryError) else "invalid JSON"
            )

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/v1/vulns/"):
            identifier = unquote(path[len("/v1/vulns/") :])
            advisory = self.database.get(identifier)
            if advisory is not None and advisory.id.upper() == identifier.upper():
                self._send(HTTPStatus.OK, dict(advisory.record))
                return
            self._error(HTTPStatus.NOT_FOUND, "Bug not found.")
            return
        self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")


@dataclass(frozen=True)
class LoopbackOsv:
    """A running loopback endpoint: `base_url` (`http://127.0.0.1:PORT`) and `query_url`."""

    base_url: str

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/v1/query"


@contextmanager
def serve(database: AdvisoryDatabase) -> Iterator[LoopbackOsv]:
    """Serve `database` on 127.0.0.1 for the duration of the `with` block."""
    handler = type("OsvHandler", (_Handler,), {"database": database})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield LoopbackOsv(base_url=f"http://{host!s}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(SHUTDOWN_TIMEOUT_SECONDS)

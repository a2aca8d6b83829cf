"""The HTTP plumbing every stand-in shares: a threaded server on 127.0.0.1, port 0.

A stand-in is a callable `app(HttpRequest) -> HttpResponse`; this module owns sockets, threads,
request parsing (Content-Length and chunked bodies), the "drop the connection" and "answer
slowly" faults, and the `Problems` ledger that fixtures read at teardown to fail the test that
caused a violation. Nothing here knows GitHub or Sigstore.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host:port of the server that received it

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def query_value(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False  # close the socket instead of answering
    delay: float = 0.0  # seconds to wait before answering

    @classmethod
    def json(
        cls, status: int, document: Any, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, json.dumps(document).encode(), merged)

    @property
    def content_type(self) -> str:
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        return ""


@dataclass(frozen=True)
class Problem:
    """Something a test must not get away with: a request that breaks the service's
    specification, a response the stand-in should never have produced, or a crash."""

    kind: str  # "request" | "response" | "crash"
    where: str  # operation id, endpoint, GraphQL operation
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.message}"


class Problems:
    """Thread-safe ledger of `Problem`s; fixtures fail the test at teardown if it is not empty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Problem] = []

    def record(self, kind: str, where: str, message: str) -> Problem:
        problem = Problem(kind, where, message)
        with self._lock:
            self._items.append(problem)
        return problem

    def take(self) -> list[Problem]:
        """Return and forget every recorded problem."""
        with self._lock:
            items, self._items = self._items, []
        return items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[Problem]:
        with self._lock:
            return iter(list(self._items))

    @contextlib.contextmanager
    def expected(self) -> Iterator[list[Problem]]:
        """For tests that break the rules on purpose: the problems recorded inside the block
        are handed to the test (and forgotten) instead of failing it at teardown."""
        before = self.take()
        caught: list[Problem] = []
        try:
            yield caught
        finally:
            caught.extend(self.take())
            with self._lock:
                self._items[:0] = before

    def report(self) -> str:
        return "\n".join(str(problem) for problem in self)


App = Callable[[HttpRequest], HttpResponse]


class LoopbackServer:
    """Serve `app` on 127.0.0.1 (port 0 unless told otherwise) from a daemon thread."""

    def __init__(self, app: App, problems: Problems, *, port: int = 0, name: str = "stand-in"):
        self._app = app
        self._problems = problems
        self._name = name
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self._name} is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer:
        handler = _handler_class(self._app, self._problems, self._name)
        server = ThreadingHTTPServer((LOOPBACK, self._port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _handler_class(app: App, problems: Problems, name: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = name
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read state and counters, not access logs."""

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            host, port = self.server.server_address[:2]
            request = HttpRequest(
                method=self.command.upper(),
                path=parts.path,
                query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self._read_body(),
                base_url=f"http://{host!s}:{port}",
            )
            try:
                response = app(request)
            except Exception as error:  # a bug in the stand-in: answer 500, fail the test
                problems.record("crash", f"{request.method} {request.path}", repr(error))
                response = HttpResponse.json(500, {"message": f"{name} crashed: {error!r}"})
            if response.delay:
                time.sleep(response.delay)
            if response.drop_connection:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(response.status)
            for header, value in response.headers.items():
                self.send_header(header, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Handler

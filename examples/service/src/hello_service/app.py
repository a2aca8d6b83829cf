"""The service: a WSGI application with two routes, served by waitress.

    GET /healthz           -> {"status": "ok"}
    GET /?name=ada         -> {"message": "hello, ada"}
    anything else          -> 404 / 405 as JSON
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

STATUS_TEXT = {200: "200 OK", 404: "404 Not Found", 405: "405 Method Not Allowed"}


def greeting(name: str) -> dict[str, str]:
    return {"message": f"hello, {name.strip() or 'world'}"}


def route(method: str, path: str, query: str) -> tuple[int, dict[str, str]]:
    """The status and JSON body for a request."""
    if path not in ("/", "/healthz"):
        return 404, {"error": f"no route {path}"}
    if method not in ("GET", "HEAD"):
        return 405, {"error": f"{method} not allowed"}
    if path == "/healthz":
        return 200, {"status": "ok"}
    names = parse_qs(query).get("name", [""])
    return 200, greeting(names[0])


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI entry point (PEP 3333)."""
    status, body = route(
        environ.get("REQUEST_METHOD", "GET"),
        environ.get("PATH_INFO", "/") or "/",
        environ.get("QUERY_STRING", ""),
    )
    data = json.dumps(body).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if status == 405:
        headers.append(("Allow", "GET, HEAD"))
    start_response(STATUS_TEXT[status], headers)
    return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [data]


def main() -> None:
    """Serve on $HOST:$PORT (default 127.0.0.1:8080) with waitress."""
    from waitress import serve

    serve(
        application,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8080")),
    )


if __name__ == "__main__":
    main()

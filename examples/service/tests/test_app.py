"""The service's behaviour, through its WSGI interface (no server, no dependency)."""

import json
from wsgiref.util import setup_testing_defaults

from hello_service.app import application, greeting


def call(method: str, path: str, query: str = "") -> tuple[str, dict[str, str], dict[str, str]]:
    environ: dict[str, object] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
    }
    setup_testing_defaults(environ)
    seen: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(application(environ, start_response))
    return str(seen["status"]), dict(seen["headers"]), json.loads(body) if body else {}  # type: ignore[arg-type]


def test_greeting_names_the_caller() -> None:
    assert greeting("ada") == {"message": "hello, ada"}


def test_greeting_defaults_to_world() -> None:
    assert greeting("") == {"message": "hello, world"}


def test_the_root_greets_by_the_name_in_the_query() -> None:
    status, headers, body = call("GET", "/", "name=grace")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert body == {"message": "hello, grace"}


def test_health_is_ok() -> None:
    assert call("GET", "/healthz")[2] == {"status": "ok"}


def test_an_unknown_path_is_404_and_a_post_is_405() -> None:
    assert call("GET", "/nowhere")[0] == "404 Not Found"
    status, headers, _ = call("POST", "/")
    assert status == "405 Method Not Allowed"
    assert headers["Allow"] == "GET, HEAD"

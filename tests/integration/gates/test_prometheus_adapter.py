"""The Prometheus adapter's failures: one line, naming the URL reached and what to try.

Each case is a real loopback endpoint: a closed port, a server that never answers, one that
answers HTML, one that answers an API error. No message carries the token or a URL password.
"""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest
from tests.prometheus.server import free_port

from clearance.errors import ConfigError, ExitCode
from clearance.gates.prometheus import (
    PrometheusClient,
    PrometheusError,
    PrometheusQueryError,
    display_url,
)

pytestmark = pytest.mark.integration
AT = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)


class Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b""
    content_type = "application/json"
    seen_headers: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        type(self).seen_headers.append(dict(self.headers))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(status: int, body: bytes, content_type: str = "application/json") -> str:
        handler = type(
            "H",
            (Handler,),
            {"status": status, "body": body, "content_type": content_type, "seen_headers": []},
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        start.handler = handler  # type: ignore[attr-defined]
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_closed_port_names_the_url_and_what_to_try() -> None:
    url = f"http://user:hunter2@127.0.0.1:{free_port()}"

    with pytest.raises(PrometheusError) as caught:
        PrometheusClient(url, timeout=2).instant("up", AT)

    message = str(caught.value)
    assert message.startswith(
        f"cannot reach Prometheus at http://127.0.0.1:{url.rsplit(':', 1)[1]}"
    )
    assert "check --prometheus-url" in message
    assert "hunter2" not in message and "user" not in message
    assert caught.value.exit_code is ExitCode.EXTERNAL


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"

        with pytest.raises(PrometheusError, match=r"did not answer within 0.3s \(check"):
            PrometheusClient(url, timeout=0.3).instant("up", AT)


def test_html_instead_of_the_api(serve) -> None:
    url = serve(200, b"<html>Grafana</html>", "text/html")

    with pytest.raises(PrometheusError, match="without Prometheus API JSON: is --prometheus-url"):
        PrometheusClient(url).instant("up", AT)


def test_a_server_error_is_external_a_bad_query_is_usage(serve) -> None:
    failing = serve(503, b'{"status":"error","errorType":"unavailable","error":"overloaded"}')
    rejecting = serve(400, b'{"status":"error","errorType":"bad_data","error":"parse error"}')

    with pytest.raises(PrometheusError, match=r"failed the query 'up' \(unavailable: overloaded\)"):
        PrometheusClient(failing).instant("up", AT)
    with pytest.raises(PrometheusQueryError) as caught:
        PrometheusClient(rejecting).instant("up", AT)
    assert caught.value.exit_code is ExitCode.USAGE


def test_the_token_is_a_header_never_a_message(serve) -> None:
    url = serve(200, b'{"status":"success","data":{"resultType":"vector","result":[]}}')

    assert PrometheusClient(url, token="s3cr3t-token").instant("up", AT) is None
    assert serve.handler.seen_headers[0]["Authorization"] == "Bearer s3cr3t-token"


@pytest.mark.parametrize(
    "url, shown",
    [
        ("http://u:p@prom:9090/base/?x=1#f", "http://prom:9090/base/"),
        ("https://[::1]:9090", "https://[::1]:9090"),
    ],
)
def test_display_url_drops_credentials_and_query(url, shown) -> None:
    assert display_url(url) == shown


def test_not_an_http_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is not an http"):
        PrometheusClient("prometheus:9090")

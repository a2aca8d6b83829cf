"""The pytest fixture: one backfilled Prometheus per test session, shared by every gate test.

Registered for the whole suite by `pytest_plugins` in tests/conftest.py, so the integration
and e2e tests share the one server. Fails (rather than skips) when the binaries are missing and
CLEARANCE_REQUIRE_TOOLS is set, as tests/run.sh sets it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.prometheus.scenarios import openmetrics
from tests.prometheus.server import PrometheusServer, PrometheusUnavailable, backfill


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    try:
        blocks = backfill(openmetrics())
    except PrometheusUnavailable as missing:
        if os.environ.get("CLEARANCE_REQUIRE_TOOLS"):
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    server = PrometheusServer(blocks, tmp_path_factory.mktemp("prometheus")).start()
    try:
        yield server
    finally:
        server.stop()

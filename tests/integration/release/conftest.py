"""Fixtures of the release integration tests: the ledger backends, one test per backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.release.backends import Backend, github_backend, sqlite_backend
from tests.release.support import Clock

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "github"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return sqlite_backend(tmp_path)
    return github_backend(request.getfixturevalue("github_api"))


@pytest.fixture
def clock() -> Clock:
    return Clock()

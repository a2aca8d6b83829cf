"""Fixtures of the release unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.release.support import Cli, Clock, Repo


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(tmp_path: Path, clock: Clock) -> Repo:
    return Repo(tmp_path / "repo", clock)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, repo: Repo, clock: Clock) -> Cli:
    return Cli(monkeypatch, repo.path, clock)

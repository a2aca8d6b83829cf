"""Fixtures for the act runs: one harness per session, a consumer repository per test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.e2e.harness import (
    ActHarness,
    ActResult,
    HarnessError,
    make_repository,
    wheelhouse_problem,
)


@pytest.fixture(scope="session")
def act_harness(tmp_path_factory: pytest.TempPathFactory) -> ActHarness:
    problem = wheelhouse_problem()
    if problem:
        pytest.fail(problem)
    try:
        return ActHarness(tmp_path_factory.mktemp("act"))
    except HarnessError as error:
        pytest.fail(str(error))


@pytest.fixture
def run_act(act_harness: ActHarness) -> Callable[..., ActResult]:
    """`run_act(workflow, repo=..., event=..., env=..., ...)`: see `ActHarness.run`."""
    return act_harness.run


@pytest.fixture
def consumer_repo(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """`consumer_repo({path: text})`: a committed repo, origin github.com/clearance-dev/consumer."""

    def make(files: Mapping[str, str]) -> Path:
        return make_repository(tmp_path / "consumer", files)

    return make

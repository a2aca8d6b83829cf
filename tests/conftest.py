"""Test-wide fixtures: a scrubbed environment, and `run_cli` through `main(argv)`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clearance.cli import main

# loopback stand-ins for GitHub, Sigstore and the runner's OIDC endpoint (tests/standins/README.md);
# a real Prometheus on backfilled data, one per session (tests/prometheus/)
pytest_plugins = ["tests.standins.fixtures", "tests.prometheus.fixtures"]

SCRUBBED_PREFIXES = ("GITHUB_", "RUNNER_", "ACTIONS_", "CLEARANCE_")
# Paths of test tools installed by tests/run.sh: kept, they are not option defaults.
KEPT = frozenset({"CLEARANCE_SARIF_MULTITOOL", "CLEARANCE_REQUIRE_TOOLS", "CLEARANCE_WHEELHOUSE"})


@pytest.fixture(autouse=True)
def scrubbed_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No test sees the runner's or the developer's GITHUB_*/RUNNER_*/ACTIONS_*/CLEARANCE_*;
    each test gets its own empty result cache; proxies are bypassed for loopback."""
    for name in list(os.environ):
        if (name.startswith(SCRUBBED_PREFIXES) and name not in KEPT) or name == "CI":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLEARANCE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")
    yield


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `clearance ARGS` in a directory through `main(argv)`; returns code, stdout, stderr."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run

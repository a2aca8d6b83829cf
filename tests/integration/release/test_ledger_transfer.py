"""An export from one backend imported into the other reproduces `clearance history` exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.release.backends import Backend, ensure_commits, github_backend, sqlite_backend
from tests.release.desk import FAILING_SCAN, Desk
from tests.release.support import Cli, Clock, Repo, digest_of

from clearance.release.ledger.transfer import import_into, parse_export, render_export
from clearance.release.records import State


def fill(backend: Backend, clock: Clock) -> None:
    """A varied history: deploys, a promotion, a failure, a rollback, per-target environments."""
    desk = Desk(backend.open(), clock)
    first, second = backend.commit("one (#1)"), backend.commit("two (#2)")
    desk.deploy("staging", digest_of("A"), first)
    clock.advance(minutes=45)
    desk.finish(desk.promote(digest_of("A"), "staging", "production/eu-west-1").deployment)  # type: ignore[arg-type]
    desk.deploy("staging", digest_of("B"), second, scan=FAILING_SCAN)
    clock.advance(minutes=45)
    promoted = desk.promote(digest_of("B"), "staging", "production/eu-west-1")
    desk.finish(promoted.deployment, State.FAILURE)  # type: ignore[arg-type]
    desk.finish(desk.rollback("production/eu-west-1").deployment)  # type: ignore[arg-type]
    desk.start("production/us-east-1", digest_of("A"), first)


@pytest.mark.parametrize("direction", ["sqlite to github", "github to sqlite"])
def test_an_export_imported_into_the_other_backend_reproduces_history_exactly(
    direction: str, tmp_path: Path, github_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    backends = {"sqlite": sqlite_backend(tmp_path), "github": github_backend(github_api)}
    source_name, _, target_name = direction.split()
    source, target = backends[source_name], backends[target_name]
    fill(source, Clock())
    if target.name == "github":
        ensure_commits(github_api, [d.commit for d in source.open().history()])

    exported = render_export(source.open().history())
    assert import_into(target.open(), parse_export(exported, "export.json")) == (6, 0)

    repo = Repo(tmp_path / "repo", Clock())
    repo.commit("any")
    cli = Cli(monkeypatch, repo.path, Clock())
    views = {}
    for backend in (source, target):
        for fmt in ("text", "json", "markdown"):
            result = cli("history", "--format", fmt, *backend.cli_args, env=backend.cli_env)
            assert result.code == 0, result.stderr
            views[backend.name, fmt] = result.stdout
    for fmt in ("text", "json", "markdown"):
        assert views[target.name, fmt] == views[source.name, fmt]
    assert len(views[source.name, "json"]) > 2000
    assert render_export(target.open().history()) == exported

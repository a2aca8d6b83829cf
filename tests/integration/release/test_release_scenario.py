"""The release scenario, end to end through the CLI, on both ledgers, with identical results:
deploy A to staging, promote it to production, deploy B to staging, promote B, B fails in
production, rollback restores A."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.release.backends import Backend, github_backend, mirror, sqlite_backend
from tests.release.support import Cli, Clock, Repo, deployment_id, digest_of

A, B = digest_of("artifact A"), digest_of("artifact B")
CONFIG = '[environments.production]\nafter = "staging"\nmin-soak = "30m"\nrequire = ["scan"]\n'
ULID = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b")


def normalized(text: str) -> str:
    """Ids replaced by their order of first appearance: ULIDs are random, the facts are not."""
    labels: dict[str, str] = {}
    return ULID.sub(lambda m: labels.setdefault(m.group(0), f"<id {len(labels) + 1}>"), text)


def scenario(backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    clock = Clock()
    repo = Repo(tmp_path / f"repo-{backend.name}", clock)
    (repo.path / "clearance.toml").write_text(CONFIG)
    cli = Cli(monkeypatch, repo.path, clock, env=backend.cli_env)
    report = tmp_path / "scan.json"

    def run(*argv: str) -> Any:
        result = cli(*argv, *backend.cli_args)
        assert result.code == 0, f"{argv}: {result.stderr}"
        return result

    first = repo.commit("Add the shop (#1)")
    if backend.standin is not None:
        mirror(backend.standin, repo.path)
    assert cli("scan", "code", "--format", "json", "-o", str(report)).code == 0
    clock.advance(minutes=5)
    staging_a = deployment_id(
        run(
            "deploy",
            "start",
            "-e",
            "staging",
            "--digest",
            A,
            "--scan-report",
            str(report),
            "--format",
            "json",
        )
    )
    run("deploy", "finish", "--deployment-id", staging_a, "--status", "success")

    clock.advance(minutes=10)
    early = cli("promote", "--digest", A, "--to", "production", *backend.cli_args)
    assert early.code == 1 and "soaked 10m of the 30m required" in early.stderr

    clock.advance(minutes=25)
    production_a = deployment_id(
        run("promote", "--digest", A, "--to", "production", "--format", "json")
    )
    clock.advance(minutes=2)
    run(
        "deploy",
        "finish",
        "--deployment-id",
        production_a,
        "--status",
        "success",
        "--environment-url",
        "https://shop.example",
    )

    clock.advance(hours=1)
    second = repo.commit("Faster checkout (#2)")
    if backend.standin is not None:
        mirror(backend.standin, repo.path)
    staging_b = deployment_id(
        run(
            "deploy",
            "start",
            "-e",
            "staging",
            "--digest",
            B,
            "--scan-report",
            str(report),
            "--format",
            "json",
        )
    )
    run("deploy", "finish", "--deployment-id", staging_b, "--status", "success")
    clock.advance(minutes=45)
    production_b = deployment_id(
        run("promote", "--digest", B, "--to", "production", "--format", "json")
    )
    clock.advance(minutes=3)
    run(
        "deploy",
        "finish",
        "--deployment-id",
        production_b,
        "--status",
        "failure",
        "--description",
        "smoke test failed",
    )

    clock.advance(minutes=1)
    rollback = run("rollback", "-e", "production", "--format", "json").json()
    clock.advance(minutes=2)
    run("deploy", "finish", "--deployment-id", rollback["deployment_id"], "--status", "success")

    return {
        "commits": (first, second),
        "ids": (staging_a, production_a, staging_b, production_b, rollback["deployment_id"]),
        "rollback": rollback,
        "history": run("history", "--format", "json").json(),
        "text": run("history").stdout,
    }


def test_the_release_scenario_gives_identical_results_on_both_ledgers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_api: Any
) -> None:
    results = {
        backend.name: scenario(backend, tmp_path, monkeypatch)
        for backend in (sqlite_backend(tmp_path), github_backend(github_api))
    }

    sqlite, github = results["sqlite"], results["github"]
    first, second = sqlite["commits"]
    _, production_a, _, production_b, rollback_id = sqlite["ids"]
    production = [d for d in sqlite["history"]["deployments"] if d["environment"] == "production"]
    assert [(d["task"], d["digest"], d["statuses"][-1]["state"]) for d in production] == [
        ("deploy:rollback", A, "success"),
        ("deploy:promote", B, "failure"),
        ("deploy:promote", A, "success"),
    ]
    assert production[0]["rollback_of"] == production_b and production[0]["commit"] == first
    assert [c["sha"] for c in production[1]["changes"]] == [second], "B ships the commit since A"
    assert production[1]["changes"][0]["pull_request"] == 2
    assert production[0]["changes"] == [], "a rollback ships no new commit"
    assert production[2]["statuses"][-1]["environment_url"] == "https://shop.example"
    assert sqlite["rollback"]["digest"] == A and sqlite["rollback"]["rollback_of"] == production_b
    assert production_a != rollback_id

    # The same facts, read from GitHub Deployments, give the same history, field for field.
    assert json.loads(normalized(json.dumps(github["history"]))) == json.loads(
        normalized(json.dumps(sqlite["history"]))
    )
    assert normalized(github["text"]) == normalized(sqlite["text"])
    assert github["commits"] == sqlite["commits"]

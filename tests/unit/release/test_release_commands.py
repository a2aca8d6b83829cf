"""The release commands through `main(argv)`: what they print, output, summarise and exit with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.release.support import Cli, Clock, Repo, deployment_id, digest_of

A, B = digest_of("A"), digest_of("B")


def actions(tmp_path: Path, **extra: str) -> dict[str, str]:
    for name in ("out", "summary"):
        (tmp_path / name).write_text("")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "100",
        "GITHUB_RUN_ATTEMPT": "1",
        **extra,
    }


def outputs(tmp_path: Path) -> dict[str, str]:
    values, lines = {}, (tmp_path / "out").read_text().splitlines()
    i = 0
    while i < len(lines):
        name, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


def configure(repo: Repo, table: str) -> None:
    (repo.path / "clearance.toml").write_text(table)


def deployed(cli: Cli, environment: str, digest: str, *extra: str, status: str = "success") -> str:
    ident = deployment_id(
        cli("deploy", "start", "-e", environment, "--digest", digest, "--format", "json", *extra)
    )
    assert cli("deploy", "finish", "--deployment-id", ident, "--status", status).code == 0
    return ident


def test_deploy_start_records_the_changes_since_the_last_success_with_times_and_pull_requests(
    repo: Repo, cli: Cli, clock: Clock
) -> None:
    repo.commit("initial")
    deployed(cli, "staging", A)
    clock.advance(hours=1)
    first = repo.commit("Add basket (#12)")
    clock.advance(hours=1)
    second = repo.commit("Merge pull request #13 from acme/prices")
    clock.advance(hours=1)

    ident = deployed(cli, "staging", B)

    record = next(
        d for d in cli("history", "--format", "json").json()["deployments"] if d["id"] == ident
    )
    assert record["changes"] == [
        {
            "sha": second,
            "authored_at": "2025-03-03T11:00:00Z",
            "committed_at": "2025-03-03T11:00:00Z",
            "pull_request": 13,
            "first_commit_at": None,
        },
        {
            "sha": first,
            "authored_at": "2025-03-03T10:00:00Z",
            "committed_at": "2025-03-03T10:00:00Z",
            "pull_request": 12,
            "first_commit_at": None,
        },
    ]
    assert record["changes_complete"] is True
    assert (repo.path / ".clearance" / "ledger.db").is_file(), (
        "the default ledger is SQLite in the repository"
    )


def test_deploy_start_records_the_summary_of_a_clearance_scan_report(repo: Repo, cli: Cli) -> None:
    repo.commit("initial")
    (repo.path / "app.py").write_text(
        "import subprocess, sys\nsubprocess.call(sys.argv[1], shell=True)\n"
    )
    scan = cli("scan", "code", "--format", "json", "-o", "scan.json", "--fail-on", "critical")
    assert scan.code == 0, scan.stderr

    started = cli(
        "deploy",
        "start",
        "-e",
        "staging",
        "--digest",
        A,
        "--scan-report",
        "scan.json",
        "--format",
        "json",
    )

    record = cli("history", "--format", "json").json()["deployments"][0]
    assert started.code == 0
    summary = record["evidence"]["scan"]
    assert summary["outcome"] == "pass" and summary["fail_on"] == "critical"
    assert summary["scanners"] == ["code"]
    assert summary["counts"]["high"] >= 1
    assert summary["report_digest"].startswith("sha256:")


def test_a_scan_report_that_is_not_one_is_a_usage_error(repo: Repo, cli: Cli) -> None:
    repo.commit("initial")
    (repo.path / "scan.json").write_text('{"outcome": "pass"}')
    result = cli("deploy", "start", "-e", "staging", "--digest", A, "--scan-report", "scan.json")
    assert result.code == 2
    assert "not a clearance JSON report" in result.stderr
    assert cli("history").stdout == "no deployments recorded\n"


def test_deploy_finish_is_idempotent_and_refuses_unknown_ids(repo: Repo, cli: Cli) -> None:
    repo.commit("initial")
    ident = deployed(cli, "staging", A)
    again = cli("deploy", "finish", "--deployment-id", ident, "--status", "success")
    assert again.code == 0 and "already has status success" in again.stderr
    assert len(cli("history", "--format", "json").json()["deployments"][0]["statuses"]) == 2
    unknown = cli(
        "deploy", "finish", "--deployment-id", "01JNQ3V6E0Z8K4XQ2M6T9B1C5D", "--status", "success"
    )
    assert unknown.code == 2 and "no deployment 01JNQ3V6E0Z8K4XQ2M6T9B1C5D" in unknown.stderr
    malformed = cli("deploy", "finish", "--deployment-id", "42", "--status", "success")
    assert malformed.code == 2 and "not a deployment id" in malformed.stderr


def test_a_refused_promotion_exits_1_and_explains_each_gate_in_the_log_and_the_summary(
    repo: Repo, cli: Cli, clock: Clock, tmp_path: Path
) -> None:
    repo.commit("initial")
    configure(repo, '[environments.production]\nafter = "staging"\nmin-soak = "30m"\n')
    deployed(cli, "staging", A)
    clock.advance(minutes=5)

    result = cli("promote", "--digest", B, "--to", "production", env=actions(tmp_path))

    assert result.code == 1
    assert f"source: {B[:19]} never succeeded in staging" in result.stderr
    assert "soak: nothing to measure" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"clearance: error: promotion of {B[:19]} to production refused: 2 gate(s) said no (see above)"
    )
    summary = (tmp_path / "summary").read_text()
    assert "| ❌ | source | fail |" in summary and "| ❌ | soak | fail |" in summary
    assert "| · | verification | not configured | not configured |" in summary
    assert outputs(tmp_path) == {"outcome": "fail", "deployment-id": ""}
    assert cli("history", "-e", "production").stdout == "no deployments recorded\n"


def test_a_promotion_on_hold_exits_4(repo: Repo, cli: Cli, clock: Clock) -> None:
    repo.commit("initial")
    deployed(cli, "staging", A)
    cli("deploy", "start", "-e", "staging", "--digest", B)
    result = cli("promote", "--digest", A, "--from", "staging", "--to", "production")
    assert result.code == 4
    assert "on hold" in result.stderr


def test_a_promotion_outputs_what_the_deploy_step_needs(
    repo: Repo, cli: Cli, clock: Clock, tmp_path: Path
) -> None:
    sha = repo.commit("initial")
    repo.git("tag", "v3.1.0")
    source = deployed(cli, "staging", A)
    clock.advance(hours=1)

    result = cli(
        "promote",
        "--digest",
        A,
        "--from",
        "staging",
        "--to",
        "production",
        "--format",
        "env",
        env=actions(tmp_path, GITHUB_SHA="0" * 40),
    )

    assert result.code == 0, result.stderr
    printed = dict(line.split("=", 1) for line in result.stdout.splitlines())
    values = outputs(tmp_path)
    assert printed["DEPLOY_ID"] == values["deployment-id"]
    assert values["digest"] == A and values["commit"] == sha, (
        "the commit deployed to staging, not this run's"
    )
    assert values["version"] == "v3.1.0"
    assert values["promoted-from"] == source
    assert values["environment"] == "production" and values["state"] == "in_progress"
    assert json.loads(values["json"])["deployment_id"] == values["deployment-id"]
    assert "deployment.environment.name=production" in values["otel-resource-attributes"]
    assert "Deployment to production recorded" in (tmp_path / "summary").read_text()


def test_promote_checks_the_source_against_the_configured_order(repo: Repo, cli: Cli) -> None:
    repo.commit("initial")
    configure(repo, '[environments.production]\nafter = "staging"\n')
    wrong = cli("promote", "--digest", A, "--from", "qa", "--to", "production")
    assert wrong.code == 2 and "production takes digests from staging" in wrong.stderr
    missing = cli("promote", "--digest", A, "--to", "qa")
    assert missing.code == 2 and "--from is required" in missing.stderr


@pytest.mark.parametrize(
    "table, message",
    [
        ('[environments.production]\nmin-soak = "30"\n', "environments.production.min-soak"),
        (
            '[environments.production]\nsoak = "30m"\n',
            "unknown key 'soak' in environments.production",
        ),
        ('[environments.production]\nrequire = ["vibes"]\n', "environments.production.require[0]"),
        (
            '[environments.production]\nfreeze = [{ start = "fri 16:00" }]\n',
            "missing the required key 'end'",
        ),
        (
            '[environments.production]\nfreeze = [{ start = "fri 16:00", end = "mon" }]\n',
            "expected a day and time",
        ),
        (
            '[environments.production]\nfreeze = [{ start = "fri 16:00", end = "mon 08:00", timezone = "Mars/X" }]\n',
            "freeze[0]: unknown timezone 'Mars/X'",
        ),
        (
            "[environments.production]\nfreeze = [{ start = 2025-01-02T00:00:00Z, end = 2025-01-01T00:00:00Z }]\n",
            "is not after start",
        ),
    ],
)
def test_environment_configuration_errors_name_the_key(
    repo: Repo, cli: Cli, table: str, message: str
) -> None:
    repo.commit("initial")
    configure(repo, table)
    result = cli("promote", "--digest", A, "--from", "staging", "--to", "production")
    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_rollback_through_the_cli(repo: Repo, cli: Cli, tmp_path: Path) -> None:
    repo.commit("initial")
    good = deployed(cli, "production", A)
    bad = deployed(cli, "production", B, status="failure")
    result = cli("rollback", "-e", "production", "--format", "json", env=actions(tmp_path))
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["digest"] == A and data["task"] == "deploy:rollback" and data["rollback_of"] == bad
    assert outputs(tmp_path)["rollback-of"] == bad
    assert good != data["deployment_id"]
    refused = cli("rollback", "-e", "staging")
    assert refused.code == 1 and "nothing has been deployed to staging" in refused.stderr


def test_history_lists_newest_first_in_every_format(repo: Repo, cli: Cli, clock: Clock) -> None:
    repo.commit("initial")
    first = deployed(cli, "staging", A)
    clock.advance(minutes=1)
    second = deployed(cli, "production", B, status="failure")
    text = cli("history").stdout.splitlines()
    assert text[0].split() == [
        "ID",
        "ENVIRONMENT",
        "TASK",
        "DIGEST",
        "STATE",
        "CREATED",
        "FINISHED",
        "VERSION",
        "CHANGES",
    ]
    assert [line.split()[0] for line in text[1:]] == [second, first]
    assert [d["id"] for d in cli("history", "--format", "json").json()["deployments"]] == [
        second,
        first,
    ]
    assert [
        d["id"] for d in cli("history", "-e", "staging", "--format", "json").json()["deployments"]
    ] == [first]
    assert len(cli("history", "--limit", "1", "--format", "json").json()["deployments"]) == 1
    assert f"| `{second}` | production |" in cli("history", "--format", "markdown").stdout


def test_export_and_import_between_two_sqlite_ledgers(repo: Repo, cli: Cli, tmp_path: Path) -> None:
    repo.commit("initial")
    deployed(cli, "staging", A)
    deployed(cli, "staging", B, status="failure")
    assert cli("ledger", "export", "-o", str(tmp_path / "export.json")).code == 0
    other = str(tmp_path / "other.db")
    imported = cli("ledger", "import", str(tmp_path / "export.json"), "--ledger", other)
    assert imported.code == 0 and "imported 2 deployment(s)" in imported.stderr
    assert cli("history", env={"CLEARANCE_LEDGER": other}).stdout == cli("history").stdout


@pytest.mark.parametrize("choice", ["githb", "ledger"])
def test_a_ledger_that_is_neither_a_backend_nor_a_path_is_a_usage_error(
    repo: Repo, cli: Cli, choice: str
) -> None:
    repo.commit("initial")
    result = cli("history", "--ledger", choice)
    assert (
        result.code == 2
        and "expected github, sqlite, or the path of a SQLite ledger" in result.stderr
    )
    assert not (repo.path / choice).exists()


def test_the_github_ledger_needs_a_token(repo: Repo, cli: Cli) -> None:
    repo.commit("initial")
    result = cli("history", "--ledger", "github", "--repository", "acme/shop")
    assert result.code == 2
    assert "the github ledger needs a token in GITHUB_TOKEN" in result.stderr


def test_inside_actions_without_a_token_the_ledger_is_sqlite(
    repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    repo.commit("initial")
    assert cli("deploy", "start", "-e", "staging", "--digest", A, env=actions(tmp_path)).code == 0
    assert (repo.path / ".clearance" / "ledger.db").is_file()

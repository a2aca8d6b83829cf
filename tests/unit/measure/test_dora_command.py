"""`clearance dora`: the window options, the formats, the dashboard file and the job summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.release import dora_scenarios as s
from tests.release.support import Cli, Clock

from clearance.errors import ExitCode
from clearance.measure import dora, render
from clearance.release.ledger.sqlite import SqliteLedger


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with SqliteLedger(path) as ledger:
        for d in s.RESTORE:
            ledger.record(d, new=True)
    return path


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    return Cli(monkeypatch, tmp_path, Clock(s.at(7)))


def test_markdown_is_the_rendering_of_the_keys_over_the_window(cli: Cli, ledger: Path) -> None:
    result = cli("dora", "--ledger", str(ledger), "--window", "7d", "--format", "markdown")
    assert result.code == 0, result.stderr
    expected = dora.dora(s.newest_first(s.RESTORE), s.WINDOW)
    assert result.stdout == render.render_markdown(expected)


def test_the_window_defaults_from_the_environment_like_every_option(cli: Cli, ledger: Path) -> None:
    result = cli(
        "dora", "--ledger", str(ledger), "--format", "json", env={"CLEARANCE_WINDOW": "7d"}
    )
    assert result.code == 0, result.stderr
    assert (result.json()["since"], result.json()["until"]) == (
        "2025-03-03T00:00:00Z",
        "2025-03-10T00:00:00Z",
    )


def test_html_writes_the_dashboard_and_the_summary_gets_the_table_in_actions(
    cli: Cli, ledger: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("")
    page = tmp_path / "out" / "dora.html"
    result = cli(
        "dora",
        "--ledger",
        str(ledger),
        "--since",
        "2025-03-03",
        "--html",
        str(page),
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.code == 0, result.stderr
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "wrote the DORA dashboard" in result.stderr
    assert "| `production` | 4 (0.57/day) |" in summary.read_text(encoding="utf-8")
    assert result.stdout.startswith("DORA metrics, 2025-03-03T00:00:00Z to 2025-03-10T00:00:00Z")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "2025-03-01", "--until", "2025-03-08", "--window", "7d"], "not all three"),
        (["--since", "yesterday"], "is not a date"),
        (["--window", "30"], "is not a duration"),
        (["--since", "2025-04-01", "--until", "2025-03-01"], "ends before it starts"),
    ],
)
def test_a_window_that_makes_no_sense_is_a_usage_error(
    cli: Cli, ledger: Path, args: list[str], message: str
) -> None:
    result = cli("dora", "--ledger", str(ledger), *args)
    assert result.code == ExitCode.USAGE
    assert message in result.stderr
    assert result.stdout == ""


def test_json_names_its_schema_and_the_definitions(cli: Cli, ledger: Path) -> None:
    document = json.loads(
        cli("dora", "--ledger", str(ledger), "--window", "7d", "--format", "json").stdout
    )
    assert document["$schema"] == render.DORA_SCHEMA_ID
    assert document["definitions"].endswith("#dora-metrics")
    assert [e["environment"] for e in document["environments"]] == ["production"]

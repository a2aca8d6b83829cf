"""`clearance scan all` through `main(argv)` on a real git repository with one planted problem
per scanner: one report for the three (SARIF with a run each, accepted under GitHub's rules;
JSON valid against its schema), per-scanner thresholds and toggles, the worst exit code, a
crashed scanner named with no report left behind, and no secret value in anything shown, even
from another process."""

from __future__ import annotations

import json
import os
import random
import signal
import string
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.sarif_validator import validate

from clearance.errors import EngineError

pytestmark = pytest.mark.integration

ADVISORIES = Path(__file__).parents[2] / "data" / "advisories"
SCHEMA = Path(__file__).parents[3] / "src" / "clearance" / "schema" / "report.schema.json"
_RANDOM = random.Random(1009)
TOKEN = "ghp_" + "".join(_RANDOM.choices(string.ascii_letters + string.digits, k=36))


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    files = {
        "app/settings.py": f'GITHUB_TOKEN = "{TOKEN}"\n',
        "app/run.py": "import subprocess\n\n\ndef run(cmd):\n"
        "    return subprocess.call(cmd, shell=True)\n",
        "requirements.txt": "requests==2.19.0\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "planted")
    return root


def scan_all(run_cli: Any, repo: Path, *args: str) -> Any:
    return run_cli("scan", "all", "--advisory-db", str(ADVISORIES), *args, cwd=repo)


def test_one_sarif_file_has_a_run_per_scanner_and_github_accepts_it(
    run_cli: Any, repo: Path
) -> None:
    result = scan_all(run_cli, repo, "--format", "sarif", "-o", "all.sarif")

    assert result.code == 1, result.stderr
    sarif = json.loads((repo / "all.sarif").read_text())
    runs = {run["automationDetails"]["id"]: run for run in sarif["runs"]}
    assert list(runs) == ["clearance/secrets/", "clearance/deps/", "clearance/code/"]
    assert {r["ruleId"] for r in runs["clearance/secrets/"]["results"]} == {"secret/github-pat"}
    assert "PYSEC-2018-28" in {r["ruleId"] for r in runs["clearance/deps/"]["results"]}
    assert "B602" in {r["ruleId"] for r in runs["clearance/code/"]["results"]}
    assert validate(repo / "all.sarif") == []


def test_each_scanner_is_judged_against_its_own_threshold(run_cli: Any, repo: Path) -> None:
    result = scan_all(
        run_cli,
        repo,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--secrets-fail-on",
        "high",
    )

    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    judged = {run["scanner"]: (run["fail_on"], run["outcome"]) for run in report["runs"]}
    assert judged == {
        "secrets": ("high", "fail"),
        "deps": ("none", "pass"),
        "code": ("none", "pass"),
    }
    assert report["outcome"] == "fail"


@pytest.mark.parametrize(
    "args, scanners",
    [
        ((), ["secrets", "deps", "code"]),
        (("--no-deps",), ["secrets", "code"]),
        (("--scanners", "deps"), ["deps"]),
        (("--scanners", "code,secrets", "--no-code"), ["secrets"]),
    ],
)
def test_scanners_are_toggled(
    run_cli: Any, repo: Path, args: tuple[str, ...], scanners: list[str]
) -> None:
    result = scan_all(run_cli, repo, "--format", "json", "--fail-on", "none", *args)

    assert result.code == 0, result.stderr
    assert [run["scanner"] for run in json.loads(result.stdout)["runs"]] == scanners


def test_no_scanner_left_is_a_usage_error(run_cli: Any, repo: Path) -> None:
    result = scan_all(run_cli, repo, "--scanners", "code", "--no-code")

    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no scanner left to run" in result.stderr


def test_text_report_names_every_scanner_and_threshold(run_cli: Any, repo: Path) -> None:
    result = scan_all(run_cli, repo, "--code-fail-on", "critical", "--deps-fail-on", "none")

    assert result.code == 1  # the secret, at the default threshold (low)
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("clearance [secrets, deps, code]:")
    assert "fail-on secrets low, deps none, code critical: FAIL" in last


def _crash(self: object, *args: object, **kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_crashed_scanner_is_named_in_one_line_exit_3_and_no_report_is_left(
    run_cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearance.scan.code.bandit import BanditScanner

    monkeypatch.setattr(BanditScanner, "scan", _crash)  # inherited by the forked child

    result = scan_all(
        run_cli, repo, "--format", "json", "-o", "report.json", "--sarif-file", "all.sarif"
    )

    assert result.code == 3
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "clearance: error: the code scanner failed: crashed (killed by SIGKILL); "
        "no report was written"
    ]
    assert sorted(p.name for p in repo.iterdir() if p.name != ".git") == [
        "app",
        "requirements.txt",
    ]


def test_an_engine_failure_is_named_with_its_reason(run_cli: Any, repo: Path) -> None:
    (repo / "clearance.toml").write_text('[code]\ntests = ["B999"]\n')

    result = scan_all(run_cli, repo, "--sarif-file", "all.sarif")

    assert result.code == 3
    assert "the code scanner failed: bandit" in result.stderr
    assert "has no test B999" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (repo / "all.sarif").exists()


def _leaky_audit(self: object, *args: object, **kwargs: object) -> None:
    raise EngineError(f"pip-audit choked on a line: {TOKEN}")


def _chatty_scan(self: object, *args: object, **kwargs: object) -> None:
    os.write(1, f"stdout of the code scanner: {TOKEN}\n".encode())
    os.write(2, f"stderr of the code scanner: {TOKEN}\n".encode())
    raise RuntimeError(f"bandit bug quoting {TOKEN}")


def test_secret_values_found_in_one_process_are_scrubbed_from_every_other(
    run_cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearance.scan.code.bandit import BanditScanner
    from clearance.scan.deps.scanner import DepsScanner

    monkeypatch.setattr(DepsScanner, "audit", _leaky_audit)
    monkeypatch.setattr(BanditScanner, "scan", _chatty_scan)

    result = scan_all(run_cli, repo, "-v")

    assert result.code == 3
    shown = result.stdout + result.stderr
    assert "the deps scanner failed: pip-audit choked on a line: [REDACTED]" in shown
    assert "the code scanner failed: internal error: RuntimeError" in shown
    assert "[code] stderr of the code scanner: [REDACTED]" in shown
    assert "[code] stdout of the code scanner: [REDACTED]" in shown
    assert "Traceback" in shown  # -v shows the children's tracebacks, scrubbed
    assert TOKEN not in shown and TOKEN[4:12] not in shown


def test_every_output_of_a_clean_run_is_free_of_the_secret(run_cli: Any, repo: Path) -> None:
    for fmt in ("text", "json", "sarif", "markdown", "github"):
        result = scan_all(run_cli, repo, "--format", fmt, "--sbom", "sbom.json")
        assert result.code == 1
        for text in (result.stdout, result.stderr, (repo / "sbom.json").read_text()):
            assert TOKEN not in text and TOKEN[4:12] not in text

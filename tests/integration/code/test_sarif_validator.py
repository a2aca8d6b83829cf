"""Our SARIF passes the official validator with GitHub's ingestion rules."""

from __future__ import annotations

from pathlib import Path

from tests.findings_factory import many, result
from tests.sarif_validator import validate

from clearance.findings import FailOn
from clearance.report import Report
from clearance.report.sarif import SarifLimits, render_sarif

RISKY = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def test_code_scan_sarif_is_accepted(tmp_path: Path, run_cli) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text(RISKY + "\nassert run\n")
    (tmp_path / "src/broken.py").write_text("def broken(:\n")
    run_cli("scan", "code", "--format", "sarif", "-o", "code.sarif", cwd=tmp_path)
    assert validate(tmp_path / "code.sarif") == []


def test_multi_run_truncated_sarif_is_accepted(tmp_path: Path) -> None:
    report = Report(
        results=[result(many(40), "code"), result(many(30, "secrets"), "secrets")],
        fail_on=FailOn.LOW,
        tool_version="1.2.3",
    )
    path = tmp_path / "multi.sarif"
    path.write_text(render_sarif(report, SarifLimits(results_per_run=10)).text)
    assert validate(path) == []


def test_the_validator_catches_a_broken_file(tmp_path: Path) -> None:
    """Guard against a validator that accepts anything."""
    path = tmp_path / "bad.sarif"
    text = render_sarif(
        Report(results=[result(many(3))], fail_on=FailOn.LOW, tool_version="1")
    ).text
    path.write_text(text.replace('"help"', '"helpless"'))
    assert any(p["rule"].startswith("GH") for p in validate(path))

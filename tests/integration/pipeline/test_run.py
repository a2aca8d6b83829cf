"""`clearance run`: the README's main job on the example application and on bare repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

from clearance.errors import ExitCode

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "service"


def test_the_example_service_passes_the_conveyor(tmp_path: Path, run_cli) -> None:
    repo = tmp_path / "service"
    shutil.copytree(EXAMPLE, repo)
    r = run_cli("run", str(repo), cwd=tmp_path)
    assert r.code == ExitCode.OK, r.stderr
    assert "✓ scan code: passed" in r.stderr
    assert "2 suppressed" in r.stdout  # the example's documented ignore of asserts in tests


def test_a_repository_without_configuration_runs_on_the_embedded_defaults(
    tmp_path: Path, run_cli
) -> None:
    (tmp_path / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    r = run_cli("run", cwd=tmp_path)
    assert r.code == ExitCode.FAILED
    assert "the embedded defaults" in r.stderr
    assert "✗ scan code: failed" in r.stderr
    assert "[B602]" in r.stdout


def test_a_missing_repository_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    r = run_cli("run", "nowhere", cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert r.stderr.strip().splitlines() == ["clearance: error: nowhere: no such directory"]

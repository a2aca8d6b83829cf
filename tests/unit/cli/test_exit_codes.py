"""The exit-code contract through `main(argv)`: 0 clean, 1 findings, 2 usage/config,
3 external failure, 130 interrupted; failures are one readable line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clearance.commands import scan_code
from clearance.errors import ExitCode

CLEAN = "def add(a, b):\n    return a + b\n"
RISKY = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def assert_one_line(stderr: str, contains: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert contains in lines[0]
    assert "Traceback" not in stderr


def test_clean_code_exits_0(tmp_path, run_cli) -> None:
    r = run_cli("scan", "code", cwd=repo(tmp_path, {"app.py": CLEAN}))
    assert r.code == ExitCode.OK
    assert "no findings" in r.stdout


def test_findings_at_the_threshold_exit_1(tmp_path, run_cli) -> None:
    r = run_cli("scan", "code", cwd=repo(tmp_path, {"app.py": RISKY}))
    assert r.code == ExitCode.FAILED
    assert "[B602]" in r.stdout


def test_findings_below_the_threshold_exit_0(tmp_path, run_cli) -> None:
    r = run_cli("scan", "code", "--fail-on", "critical", cwd=repo(tmp_path, {"app.py": RISKY}))
    assert r.code == ExitCode.OK


def test_threshold_from_the_environment(tmp_path, run_cli) -> None:
    r = run_cli(
        "scan", "code", cwd=repo(tmp_path, {"app.py": RISKY}), env={"CLEARANCE_FAIL_ON": "none"}
    )
    assert r.code == ExitCode.OK


def test_a_bad_environment_default_is_a_usage_error(tmp_path, run_cli) -> None:
    r = run_cli(
        "scan", "code", cwd=repo(tmp_path, {"app.py": CLEAN}), env={"CLEARANCE_FAIL_ON": "loud"}
    )
    assert r.code == ExitCode.USAGE
    assert_one_line(r.stderr, "CLEARANCE_FAIL_ON='loud'")


def test_a_malformed_config_exits_2_naming_key_and_file(tmp_path, run_cli) -> None:
    root = repo(tmp_path, {"app.py": CLEAN, "clearance.toml": "[code]\nseverity = 'extreme'\n"})
    r = run_cli("scan", "code", cwd=root)
    assert r.code == ExitCode.USAGE
    assert_one_line(r.stderr, "clearance.toml: code.severity is 'extreme'")


def test_a_missing_path_exits_2(tmp_path, run_cli) -> None:
    r = run_cli("scan", "code", "no/such/dir", cwd=repo(tmp_path, {"app.py": CLEAN}))
    assert r.code == ExitCode.USAGE
    assert_one_line(r.stderr, "no/such/dir: no such file or directory")


def test_an_unknown_option_exits_2(tmp_path, run_cli) -> None:
    r = run_cli("scan", "code", "--fail-on", "loud", cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert_one_line(r.stderr, "'loud' is not one of: critical, high, medium, low, info, none")


def test_an_unparseable_file_is_a_notice_not_a_crash(tmp_path, run_cli) -> None:
    root = repo(tmp_path, {"ok.py": CLEAN, "broken.py": "def broken(:\n"})
    r = run_cli("scan", "code", cwd=root)
    assert r.code == ExitCode.OK
    assert "broken.py: warning: bandit could not analyse this file" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_an_engine_failure_exits_3(tmp_path, run_cli) -> None:
    root = repo(
        tmp_path,
        {"app.py": CLEAN, "pyproject.toml": "[tool.bandit]\ntests = ['B999']\n"},
    )
    r = run_cli("scan", "code", cwd=root)
    assert r.code == ExitCode.EXTERNAL
    assert_one_line(r.stderr, "bandit")
    assert "B999" in r.stderr


def test_an_unexpected_exception_is_one_line_exit_3_and_traceback_only_with_v(
    tmp_path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something odd")

    monkeypatch.setattr(scan_code, "run_scanner", explode)
    r = run_cli("scan", "code", cwd=repo(tmp_path, {"app.py": CLEAN}))
    assert r.code == ExitCode.EXTERNAL
    assert_one_line(r.stderr, "internal error: RuntimeError at test_exit_codes.py")
    r = run_cli("scan", "code", "-v", cwd=tmp_path)
    assert "Traceback" in r.stderr


def test_interrupt_exits_130(tmp_path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan_code, "run_scanner", interrupt)
    r = run_cli("scan", "code", cwd=repo(tmp_path, {"app.py": CLEAN}))
    assert r.code == ExitCode.INTERRUPTED


def test_help_teaches_and_exits_0(run_cli) -> None:
    r = run_cli("scan", "code", "--help")
    assert r.code == ExitCode.OK
    assert "examples:" in r.stdout
    assert "exit codes:" in r.stdout
    assert "CLEARANCE_FAIL_ON" in r.stdout


def test_a_group_without_a_command_shows_help_and_exits_2(run_cli) -> None:
    r = run_cli("scan")
    assert r.code == ExitCode.USAGE
    assert "code" in r.stdout


def test_module_entry_point_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "clearance", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("clearance ")


def test_sarif_format_to_a_file_and_outputs_inside_actions(tmp_path, run_cli) -> None:
    root = repo(tmp_path, {"app.py": RISKY})
    outputs = tmp_path / "gh_output"
    summary = tmp_path / "gh_summary"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    r = run_cli(
        "scan", "code", "--format", "github", "--sarif-file", "out.sarif", cwd=root, env=env
    )
    assert r.code == ExitCode.FAILED
    assert r.stdout.startswith("::")
    text = outputs.read_text()
    for name in ("sarif-file", "findings-count", "counts", "outcome"):
        assert f"{name}<<ghadelimiter_" in text
    assert "\nfail\n" in text
    assert (root / "out.sarif").is_file()
    assert "## clearance scan" in summary.read_text()


def test_output_to_a_special_file_writes_through_it_instead_of_replacing_it(
    tmp_path, run_cli
) -> None:
    """`-o /dev/null` must not replace the device: a FIFO stands in for it here."""
    import os
    import stat
    import threading

    root = repo(tmp_path, {"app.py": CLEAN})
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    r = run_cli("scan", "code", "--format", "json", "-o", str(fifo), cwd=root)
    reader.join(timeout=30)
    assert r.code == ExitCode.OK
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and '"outcome": "pass"' in received[0]

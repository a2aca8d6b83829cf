"""`clearance run` on a copy of the example application and on bare repositories, offline.

The advisory service is a closed loopback port: the dependency audit must fall back to the
bundled snapshot and say so. The ledger is read back with the SQLite backend.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.e2e.harness import commit_all

from clearance.errors import ExitCode
from clearance.release.digests import file_digest
from clearance.release.ledger.sqlite import DEFAULT_PATH, SqliteLedger
from clearance.release.records import State

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "service"
SNAPSHOT_NOTICE = "audited against the bundled PyPA advisory snapshot of 2024-10-10"
STAGES = [
    "scan secrets",
    "scan deps",
    "scan code",
    "build",
    "digest",
    "metadata",
    "sign",
    "deploy",
]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> str:
    """CLEARANCE_OSV_URL on a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/query"
    monkeypatch.setenv("CLEARANCE_OSV_URL", url)
    return url


def service_copy(tmp_path: Path, *, config: str = "") -> Path:
    """The example application, committed in a repository of its own."""
    repo = tmp_path / "service"
    shutil.copytree(
        EXAMPLE, repo, ignore=shutil.ignore_patterns("build", "dist", ".clearance", "*.egg-info")
    )
    if config:
        with (repo / "pyproject.toml").open("a", encoding="utf-8") as handle:
            handle.write("\n" + textwrap.dedent(config))
    return commit_all(repo)


def ledger_rows(repo: Path) -> list[tuple[str, str, State | None]]:
    path = repo / DEFAULT_PATH
    if not path.exists():
        return []
    with SqliteLedger(path) as ledger:
        return [(d.environment, d.digest, d.state) for d in ledger.history()]


def stage_lines(stderr: str) -> dict[str, str]:
    found = {}
    for line in stderr.splitlines():
        parts = line.split()
        for name in STAGES:
            if line[2:].startswith(name + " ") and parts[0] in "✓✗-":
                found[name] = line
    return found


def test_the_example_service_goes_through_the_whole_conveyor_offline(
    tmp_path: Path, run_cli, offline: str
) -> None:
    repo = service_copy(tmp_path)
    r = run_cli("run", str(repo), cwd=tmp_path)
    assert r.code == ExitCode.OK, r.stderr
    lines = stage_lines(r.stderr)
    assert list(lines) == STAGES
    for name in STAGES:
        expected = "skipped" if name == "sign" else "passed"
        assert lines[name].split()[len(name.split()) + 1] == expected, lines[name]
    assert SNAPSHOT_NOTICE in r.stderr and SNAPSHOT_NOTICE in r.stdout
    assert "signing skipped: no key configured" in r.stderr
    wheels = sorted((repo / "dist").glob("hello_service-1.0.0-*.whl"))
    assert len(wheels) == 1
    digest = str(file_digest(wheels[0]))
    assert ledger_rows(repo) == [("dev", digest, State.SUCCESS)]
    assert f"deployed {digest} to dev" in r.stdout
    assert r.stdout.rstrip().endswith("verdict: passed")
    metadata = json.loads((repo / ".clearance" / "run" / "metadata.json").read_text())
    assert metadata["digest"] == digest and metadata["environment"] == "dev"


def test_a_second_run_of_the_same_commit_deploys_the_same_digest_again(
    tmp_path: Path, run_cli, offline: str
) -> None:
    repo = service_copy(tmp_path)
    assert run_cli("run", str(repo), cwd=tmp_path).code == ExitCode.OK
    assert run_cli("run", str(repo), cwd=tmp_path).code == ExitCode.OK
    rows = ledger_rows(repo)
    assert len(rows) == 2 and rows[0] == rows[1]  # a reproducible wheel: one digest


def test_json_output_names_every_stage_the_digest_and_the_deployment(
    tmp_path: Path, run_cli, offline: str
) -> None:
    repo = service_copy(tmp_path)
    r = run_cli("run", str(repo), "--format", "json", "--environment", "local/a", cwd=tmp_path)
    assert r.code == ExitCode.OK, r.stderr
    document = json.loads(r.stdout)
    assert [s["name"] for s in document["stages"]] == STAGES
    assert document["outcome"] == "pass"
    assert document["deployment"]["environment"] == "local/a"
    assert document["deployment"]["digest"] == document["digest"]
    assert document["deployment"]["state"] == "success"
    assert {run["scanner"] for run in document["report"]["runs"]} == {"secrets", "deps", "code"}


def test_a_failing_scan_lets_the_other_scans_run_and_skips_the_rest(
    tmp_path: Path, run_cli, offline: str
) -> None:
    repo = tmp_path / "service"
    service_copy(tmp_path)
    (repo / "src" / "hello_service" / "settings.py").write_text(
        'AWS_ACCESS_KEY_ID = "AKIAZ6G3P5QXW2LTYRVM"\n'
    )
    commit_all(repo)
    r = run_cli("run", str(repo), cwd=tmp_path)
    assert r.code == ExitCode.FAILED
    lines = stage_lines(r.stderr)
    assert lines["scan secrets"].startswith("✗")
    assert lines["scan deps"].startswith("✓") and lines["scan code"].startswith("✓")
    for name in STAGES[3:]:
        assert lines[name].startswith("-") and "not run: scan secrets failed" in lines[name]
    assert not (repo / "dist").exists()
    assert not (repo / DEFAULT_PATH).exists()  # nothing half-recorded
    assert "AKIAZ6G3P5QXW2LTYRVM" not in r.stdout + r.stderr


def test_a_broken_build_command_is_one_line_and_exit_3_with_nothing_recorded(
    tmp_path: Path, run_cli, offline: str
) -> None:
    repo = service_copy(
        tmp_path,
        config="""\
        [tool.clearance.run]
        build = "python3 -c 'import sys; sys.exit(\\"compiler exploded\\")'"
        """,
    )
    r = run_cli("run", str(repo), cwd=tmp_path)
    assert r.code == ExitCode.EXTERNAL
    lines = stage_lines(r.stderr)
    build = [line for line in r.stderr.splitlines() if "build" in line and "exited" in line]
    assert build == [lines["build"]]
    assert "exited with 1: compiler exploded (output in .clearance/run/build.log)" in lines["build"]
    assert "Traceback" not in r.stderr
    for name in ("digest", "metadata", "sign", "deploy"):
        assert lines[name].startswith("- ")
    assert ledger_rows(repo) == []
    assert not (repo / DEFAULT_PATH).exists()
    assert r.stdout.rstrip().endswith("verdict: failed at build (exit 3)")


def test_with_a_key_the_artifact_is_signed_and_verifies_with_the_public_key(
    tmp_path: Path, run_cli, offline: str
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    repo = service_copy(tmp_path, config='[tool.clearance.run]\nkey = "keys/signing.key"\n')
    (repo / "keys").mkdir()
    (repo / "keys" / "signing.key").write_bytes(pem)
    r = run_cli("run", str(repo), cwd=tmp_path)
    assert r.code == ExitCode.OK, r.stderr
    assert stage_lines(r.stderr)["sign"].startswith("✓ sign")
    wheel = next((repo / "dist").glob("*.whl"))
    assert Path(f"{wheel}.sigstore.json").is_file()
    assert (repo / "keys" / "signing.pub").is_file()
    v = run_cli("verify", str(wheel), "--key", str(repo / "keys" / "signing.pub"), cwd=repo)
    assert v.code == ExitCode.OK, v.stderr
    with SqliteLedger(repo / DEFAULT_PATH) as ledger:
        (deployment,) = list(ledger.history())
    assert deployment.evidence.references == (f"dist/{wheel.name}.sigstore.json",)
    assert deployment.evidence.scan is not None and deployment.evidence.scan.outcome == "pass"


def test_outside_git_the_metadata_stage_asks_for_a_commit_and_nothing_is_deployed(
    tmp_path: Path, run_cli, offline: str
) -> None:
    repo = tmp_path / "plain"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("build", "dist", ".clearance"))
    r = run_cli("run", str(repo), cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    lines = stage_lines(r.stderr)
    assert lines["build"].startswith("✓") and lines["metadata"].startswith("✗")
    assert "cannot tell which commit this is" in lines["metadata"]
    assert not (repo / DEFAULT_PATH).exists()


def test_a_repository_without_configuration_runs_on_the_embedded_defaults(
    tmp_path: Path, run_cli, offline: str
) -> None:
    (tmp_path / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    r = run_cli("run", cwd=tmp_path)
    assert r.code == ExitCode.FAILED
    assert "the embedded defaults" in r.stderr
    lines = stage_lines(r.stderr)
    assert lines["scan code"].startswith("✗ scan code")
    assert "no dependency manifest found" in lines["scan deps"]
    assert "[B602]" in r.stdout


def test_a_project_that_is_not_python_needs_a_build_command(
    tmp_path: Path, run_cli, offline: str
) -> None:
    (tmp_path / "main.go").write_text("package main\n")
    r = run_cli("run", cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert "[tool.clearance.run] build" in stage_lines(r.stderr)["build"]


@pytest.mark.parametrize("name", ["", "-x", "dev env"])
def test_an_unusable_environment_name_is_a_usage_error(tmp_path: Path, run_cli, name: str) -> None:
    r = run_cli("run", "--environment", name, cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert "--environment" in r.stderr and not (tmp_path / ".clearance").exists()


def test_a_missing_repository_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    r = run_cli("run", "nowhere", cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert r.stderr.strip().splitlines() == ["clearance: error: nowhere: no such directory"]


def test_the_example_services_own_tests_pass(tmp_path: Path) -> None:
    repo = tmp_path / "service"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("build", "dist", ".clearance"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo / "src")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout

"""The routes through pip-audit's CLI: another interpreter's environment, and resolving.

Offline: a made-up package with a hand-written advisory, installed from a local wheel (for the
environment) or resolved from a local wheelhouse (for an unpinned manifest; the wheelhouse of
pip, setuptools and wheel that pip-audit's resolver needs is made by tests/setup.d/deps.sh).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

WHEELHOUSE = Path(__file__).parents[3] / ".cache" / "test-wheelhouse"
PACKAGE, VERSION = "clearance-demo-vulnerable", "1.0.0"
ADVISORY = {
    "schema_version": "1.6.0",
    "id": "DEMO-2024-1",
    "aliases": ["CVE-2099-0001"],
    "summary": "A made-up advisory for clearance's tests",
    "details": "Everything before 1.1.0 is affected.",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": PACKAGE},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}],
            "severity": [
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
            ],
        }
    ],
}


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel of the made-up package."""
    module = PACKAGE.replace("-", "_")
    dist_info = f"{module}-{VERSION}.dist-info"
    files = {
        f"{module}/__init__.py": b"",
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\n".encode()
        ),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: clearance-tests\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{module}-{VERSION}-py3-none-any.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return path


@pytest.fixture
def database(tmp_path: Path) -> Path:
    root = tmp_path / "advisories" / PACKAGE
    root.mkdir(parents=True)
    (root / "DEMO-2024-1.json").write_text(json.dumps(ADVISORY))
    return root.parent


def offline_pip(env_extra: dict[str, str]) -> dict[str, str]:
    """pip with no index and no configuration: only local files."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **env_extra,
    }


def test_the_environment_of_another_interpreter_is_audited(
    run_cli, tmp_path: Path, database: Path
) -> None:  # type: ignore[no-untyped-def]
    environment = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    wheel = build_wheel(tmp_path / "dist")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        env={**os.environ, **offline_pip({})},
        check=True,
        timeout=300,
    )
    project = tmp_path / "project"
    project.mkdir()
    result = run_cli(
        "scan",
        "deps",
        "--installed",
        "--python",
        str(python),
        "--advisory-db",
        str(database),
        "--format",
        "json",
        cwd=project,
        env=offline_pip({}),
    )
    assert result.code == 1, result.stderr
    [run] = json.loads(result.stdout)["runs"]
    [finding] = run["findings"]
    # pip-audit names a result by its PYSEC id, else its CVE, else its own id.
    assert (finding["rule_id"], finding["properties"]["package"], finding["severity"]) == (
        "CVE-2099-0001",
        PACKAGE,
        "critical",
    )
    assert finding["aliases"] == ["DEMO-2024-1"] and finding["fix"] == f"{PACKAGE}>=1.1.0"
    assert finding["help_uri"] == "https://osv.dev/vulnerability/DEMO-2024-1"  # the record's own id
    assert finding["location"] is None  # an environment has no file to point at


def test_an_unpinned_manifest_is_resolved_by_pip_audit(
    run_cli, tmp_path: Path, database: Path
) -> None:  # type: ignore[no-untyped-def]
    if not any(WHEELHOUSE.glob("packaging-*.whl")):
        missing = "no local wheelhouse for pip-audit's resolver (tests/setup.d/deps.sh makes it)"
        if os.environ.get("CLEARANCE_REQUIRE_TOOLS") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    wheelhouse = tmp_path / "wheelhouse"
    build_wheel(wheelhouse)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text(f"{PACKAGE}>=0.9\n")
    env = offline_pip({"PIP_FIND_LINKS": f"{wheelhouse} {WHEELHOUSE}"})
    result = run_cli(
        "scan", "deps", "--advisory-db", str(database), "--format", "json", cwd=project, env=env
    )
    assert result.code == 1, result.stderr
    [finding] = json.loads(result.stdout)["runs"][0]["findings"]
    assert finding["properties"]["version"] == VERSION
    assert (finding["location"]["path"], finding["location"]["start_line"]) == (
        "requirements.txt",
        1,
    )


def test_a_resolution_that_fails_is_one_line_exit_3(
    run_cli, tmp_path: Path, database: Path
) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("no-such-package-anywhere>=1\n")
    result = run_cli(
        "scan", "deps", "--advisory-db", str(database), cwd=project, env=offline_pip({})
    )
    assert result.code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "clearance: error: pip-audit could not resolve requirements.txt with pip"
    )
    assert line.endswith("to audit it without resolving")


def test_python_runs_pip_audit_from_clearances_own_environment() -> None:
    # The subprocess route runs `python -m pip_audit` with clearance's interpreter.
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith("pip-audit ")

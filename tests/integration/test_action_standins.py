"""The action stand-ins behave as the real actions document, run as a composite step runs them.

These call tests/standins/actions/standin.py the way the stand-ins' action.yml do (inputs as
INPUT_* variables, outputs to $GITHUB_OUTPUT); the e2e tests run them under act.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.e2e.harness import STANDIN_ACTIONS, find_sarif_multitool

pytestmark = pytest.mark.integration

SCRIPT = STANDIN_ACTIONS / "standin.py"


class Runner:
    """One workflow run: a workspace, the stand-ins' run folder, and the steps' outputs."""

    def __init__(self, tmp_path: Path) -> None:
        self.workspace = tmp_path / "workspace"
        self.workspace.mkdir()
        self.run_dir = tmp_path / "run"
        self.tmp_path = tmp_path
        self.steps = 0

    def step(self, command: str, **inputs: str) -> tuple[int, dict[str, str], str]:
        self.steps += 1
        output_file = self.tmp_path / f"output-{self.steps}"
        output_file.touch()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.tmp_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "clearance-dev/consumer",
            "GITHUB_RUN_ID": "7",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_SHA": "a" * 40,
            "STANDIN_RUN_DIR": str(self.run_dir),
        }
        multitool = find_sarif_multitool()
        if multitool:
            env["STANDIN_SARIF_MULTITOOL"] = str(multitool)
        env.update({"INPUT_" + k.upper(): v for k, v in inputs.items()})
        completed = subprocess.run(
            [sys.executable, str(SCRIPT), command],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        outputs = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
        return completed.returncode, outputs, completed.stdout + completed.stderr

    def write(self, name: str, text: str = "x") -> Path:
        path = self.workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def members(runner: Runner, name: str) -> list[str]:
    with zipfile.ZipFile(runner.run_dir / "artifacts" / f"{name}.zip") as bundle:
        return sorted(bundle.namelist())


# ---------------------------------------------------------------- upload-artifact


def test_a_glob_keeps_the_hierarchy_after_its_first_wildcard(runner) -> None:
    runner.write("build/a/out/x.txt")
    runner.write("build/b/out/y.txt")
    runner.write("build/b/other.txt")

    code, outputs, log = runner.step("upload-artifact", name="out", path="build/*/out/*.txt")

    assert code == 0, log
    assert members(runner, "out") == ["a/out/x.txt", "b/out/y.txt"]
    assert outputs["artifact-id"] == "1"
    assert (
        outputs["artifact-url"]
        == "https://github.com/clearance-dev/consumer/actions/runs/7/artifacts/1"
    )


@pytest.mark.parametrize(
    "include_hidden, expected", [("false", ["visible.txt"]), ("true", [".env", "visible.txt"])]
)
def test_hidden_files_are_left_out_unless_asked_for(runner, include_hidden, expected) -> None:
    runner.write("out/visible.txt")
    runner.write("out/.env")

    code, _, log = runner.step(
        "upload-artifact", name="out", path="out", **{"include_hidden_files": include_hidden}
    )

    assert code == 0, log
    assert members(runner, "out") == expected


@pytest.mark.parametrize(
    "setting, code, level",
    [("warn", 0, "::warning::"), ("error", 1, "::error::"), ("ignore", 0, "No files were found")],
)
def test_if_no_files_found(runner, setting, code, level) -> None:
    status, outputs, log = runner.step(
        "upload-artifact", name="none", path="nowhere/", if_no_files_found=setting
    )

    assert status == code
    assert level in log
    assert outputs == {}


def test_a_second_upload_of_a_name_conflicts_unless_overwrite(runner) -> None:
    runner.write("a.txt")
    assert runner.step("upload-artifact", name="same", path="a.txt")[0] == 0

    conflict, _, log = runner.step("upload-artifact", name="same", path="a.txt")
    replaced, outputs, _ = runner.step(
        "upload-artifact", name="same", path="a.txt", overwrite="true"
    )

    assert conflict == 1
    assert "(409) Conflict" in log
    assert replaced == 0
    assert outputs["artifact-id"] == "2"


@pytest.mark.parametrize("name", ["a/b", "a:b", 'say"', "star*"])
def test_invalid_artifact_names_are_refused(runner, name) -> None:
    runner.write("a.txt")

    code, _, log = runner.step("upload-artifact", name=name, path="a.txt")

    assert code == 1
    assert "The artifact name is not valid" in log


# ---------------------------------------------------------------- download-artifact


def test_download_by_pattern_into_folders_or_merged(runner) -> None:
    runner.write("one/a.txt", "1")
    runner.write("two/b.txt", "2")
    runner.step("upload-artifact", name="dist-one", path="one")
    runner.step("upload-artifact", name="dist-two", path="two")
    runner.step("upload-artifact", name="other", path="one")

    separate = runner.step("download-artifact", pattern="dist-*", path="separate")
    merged = runner.step(
        "download-artifact", pattern="dist-*", path="merged", merge_multiple="true"
    )

    assert separate[0] == 0 and merged[0] == 0
    ws = runner.workspace
    assert sorted(
        p.relative_to(ws / "separate").as_posix() for p in (ws / "separate").rglob("*.txt")
    ) == [
        "dist-one/a.txt",
        "dist-two/b.txt",
    ]
    assert sorted(p.name for p in (ws / "merged").iterdir()) == ["a.txt", "b.txt"]
    assert separate[1]["download-path"] == str(ws / "separate")


def test_download_by_ids_and_name_together_is_refused(runner) -> None:
    runner.write("a.txt")
    runner.step("upload-artifact", name="a", path="a.txt")

    by_id = runner.step("download-artifact", artifact_ids="1", path="got")
    both = runner.step("download-artifact", name="a", artifact_ids="1")

    assert by_id[0] == 0
    assert (runner.workspace / "got" / "a" / "a.txt").is_file()
    assert both[0] == 1
    assert "cannot be used together" in both[2]


def test_a_corrupted_artifact_fails_its_digest_check(runner) -> None:
    runner.write("a.txt")
    runner.step("upload-artifact", name="a", path="a.txt")
    with zipfile.ZipFile(runner.run_dir / "artifacts" / "a.zip", "a") as bundle:
        bundle.writestr("extra.txt", "tampered")

    code, _, log = runner.step("download-artifact", name="a")

    assert code == 1
    assert "digest validation failed" in log


# ---------------------------------------------------------------- upload-sarif


@pytest.fixture
def multitool() -> Path:
    found = find_sarif_multitool()
    if found is None:
        pytest.fail(
            "the SARIF multitool is not installed: run bash tests/run.sh (it installs it from npm)"
        )
    return found


def clearance_sarif(runner: Runner) -> Path:
    runner.write("pkg/bad.py", "import subprocess\n\nsubprocess.call('ls', shell=True)\n")
    target = runner.workspace / "results.sarif"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "clearance"),
            "scan",
            "code",
            "pkg",
            "--root",
            str(runner.workspace),
            "--format",
            "sarif",
            "--output",
            str(target),
            "--fail-on",
            "none",
            "--no-cache",
        ],
        cwd=runner.workspace,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(runner.tmp_path)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


def test_valid_sarif_is_recorded_with_its_category(runner, multitool) -> None:
    clearance_sarif(runner)

    code, outputs, log = runner.step(
        "upload-sarif", sarif_file="results.sarif", category="clearance"
    )

    assert code == 0, log
    upload = runner.run_dir / "code-scanning" / outputs["sarif-id"]
    meta = json.loads((upload / "upload.json").read_text())
    assert (meta["ref"], meta["sha"], meta["category"]) == (
        "refs/heads/main",
        "a" * 40,
        "clearance",
    )
    stored = json.loads((upload / "results.sarif").read_text())
    assert meta["results"] == sum(len(run["results"]) for run in stored["runs"]) > 0


def test_sarif_that_github_would_reject_fails_the_step(runner, multitool) -> None:
    runner.write(
        "bad.sarif",
        json.dumps(
            {
                "version": "2.1.0",
                "runs": [
                    {"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}}]}
                ],
            }
        ),
    )

    code, outputs, log = runner.step("upload-sarif", sarif_file="bad.sarif")

    assert code == 1
    assert outputs == {}
    assert "GH1018" in log  # no rules array
    assert "not valid SARIF" in log
    assert not (runner.run_dir / "code-scanning").exists()


def test_two_runs_of_one_tool_and_category_in_an_upload_are_refused(runner, multitool) -> None:
    first = clearance_sarif(runner)
    folder = runner.workspace / "many"
    folder.mkdir()
    (folder / "a.sarif").write_text(first.read_text())
    (folder / "b.sarif").write_text(first.read_text())

    code, _, log = runner.step("upload-sarif", sarif_file="many")

    assert code == 1
    assert "same tool and category" in log


def test_a_missing_sarif_path_fails(runner, multitool) -> None:
    code, _, log = runner.step("upload-sarif", sarif_file="absent.sarif")

    assert code == 1
    assert "Path does not exist: absent.sarif" in log

"""shellcheck reports nothing on the shell we ship: scripts/, tests/setup.d/ and every `run:`
block of our actions (bash, as the actions declare)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SHELLCHECK = Path(sys.executable).parent / "shellcheck"


def shellcheck(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SHELLCHECK), "--shell=bash", "--format=gcc", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_shipped_scripts_are_clean() -> None:
    scripts = [
        *sorted((ROOT / "scripts").glob("*.sh")),
        *sorted((ROOT / "tests" / "setup.d").glob("*.sh")),
        *sorted((ROOT / "tests" / "lib").glob("*.sh")),
    ]
    assert ROOT / "scripts" / "setup.sh" in scripts

    result = shellcheck(*scripts)

    assert result.returncode == 0, result.stdout + result.stderr


def test_run_blocks_of_actions_are_clean(tmp_path: Path) -> None:
    extracted: list[Path] = []
    actions = [ROOT / "action.yml", *sorted((ROOT / "actions").glob("*/action.yml"))]
    for action in actions:
        name = "root" if action.parent == ROOT else action.parent.name
        steps = yaml.safe_load(action.read_text(encoding="utf-8"))["runs"]["steps"]
        for index, step in enumerate(steps):
            if "run" in step:
                script = tmp_path / f"{name}-step{index}.sh"
                script.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
                extracted.append(script)
    assert extracted
    assert (tmp_path / "root-step1.sh") in extracted  # the root action (clearance scan all)

    result = shellcheck(*extracted)

    assert result.returncode == 0, result.stdout + result.stderr


def test_run_blocks_of_workflows_and_templates_are_clean(tmp_path: Path) -> None:
    extracted: list[Path] = []
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
        (ROOT / "workflows-templates").glob("*.yml")
    )
    for workflow in workflows:
        jobs = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
        for job_id, job in jobs.items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    script = tmp_path / f"{workflow.stem}-{job_id}-{index}.sh"
                    script.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
                    extracted.append(script)
    assert (tmp_path / "build-build-4.sh") in extracted  # build.yml: the artifact listing

    result = shellcheck(*extracted)

    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_catches_an_unquoted_expansion(tmp_path: Path) -> None:
    script = tmp_path / "bad.sh"
    script.write_text("#!/usr/bin/env bash\nrm -rf $1/tmp\n")

    result = shellcheck(script)

    assert result.returncode != 0
    assert "SC2086" in result.stdout

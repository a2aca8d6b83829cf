"""The starter templates follow GitHub's starter-workflow format and clearance's rules.

Each `workflows-templates/NAME.yml` has `NAME.properties.json` with the keys GitHub reads
(name, description, iconName, categories, filePatterns), an icon under `icons/`, a comment
on each value a user must change, and the exact file names `clearance init` copies. The
reusable workflows document every input, output and secret in the README, only the signing
jobs can mint OIDC tokens, and deployments of one environment run one at a time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "workflows-templates"
NAMES = ("python-service", "python-package", "pull-request-checks")


def test_the_templates_are_the_ones_clearance_init_copies() -> None:
    assert sorted(p.stem for p in TEMPLATES.glob("*.yml")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_properties_have_githubs_starter_workflow_keys(name: str) -> None:
    properties = json.loads((TEMPLATES / f"{name}.properties.json").read_text(encoding="utf-8"))
    assert set(properties) == {"name", "description", "iconName", "categories", "filePatterns"}
    assert properties["name"] and properties["description"]
    assert (TEMPLATES / "icons" / f"{properties['iconName']}.svg").is_file()
    assert properties["categories"] and all(isinstance(c, str) for c in properties["categories"])
    for pattern in properties["filePatterns"]:
        re.compile(pattern)


@pytest.mark.parametrize("name", NAMES)
def test_a_template_says_what_to_change_and_grants_nothing_at_the_top(name: str) -> None:
    text = (TEMPLATES / f"{name}.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {}
    assert len(re.findall(r"#\s*change\b", text)) >= 2
    for job in workflow["jobs"].values():
        assert "permissions" in job, f"{name}: a job without its own permissions"


WORKFLOWS = ROOT / ".github" / "workflows"
REUSABLE = ("build", "deploy")


def _load(path: Path) -> dict[str, object]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("name", REUSABLE)
def test_every_input_output_and_secret_of_a_reusable_workflow_is_in_the_readme(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    call = _load(WORKFLOWS / f"{name}.yml")[True]["workflow_call"]  # type: ignore[index]
    for kind in ("inputs", "outputs", "secrets"):
        for key, spec in (call.get(kind) or {}).items():
            assert spec.get("description"), f"{name}.yml {kind}.{key} has no description"
            assert f"`{key}`" in readme, f"{name}.yml {kind}.{key} is not in the README"


def test_only_the_signing_job_can_mint_oidc_tokens() -> None:
    granted = {
        (path.stem, job_id)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for job_id, job in _load(path)["jobs"].items()  # type: ignore[attr-defined]
        if (job.get("permissions") or {}).get("id-token") == "write"
    }
    assert granted == {("build", "sign"), ("release", "sign")}


def test_deploy_runs_one_at_a_time_per_environment_in_a_github_environment() -> None:
    [job] = _load(WORKFLOWS / "deploy.yml")["jobs"].values()  # type: ignore[attr-defined]
    assert job["environment"]["name"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {
        "group": "clearance-deploy-${{ github.repository }}-${{ inputs.environment }}",
        "cancel-in-progress": False,
    }
    assert job["permissions"] == {"contents": "read", "deployments": "write"}

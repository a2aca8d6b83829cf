"""The starter templates follow GitHub's starter-workflow format and clearance's rules.

Each `workflows-templates/NAME.yml` has `NAME.properties.json` with the keys GitHub reads
(name, description, iconName, categories, filePatterns), an icon under `icons/`, a comment
on each value a user must change, and the exact file names `clearance init` copies.
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

"""The rules every shipped action, workflow and hook follows (STYLE.md: actions, workflows, hooks).

- An action lives in `actions/<the CLI words joined by ->/` and its command exists (or its
  command group, when an input chooses the subcommand: `actions/deploy`, step start|finish).
- Inputs reach `run:` through `env:` only: no `${{ }}` inside `run:`.
- Every input and output is documented; scanning actions have the common outputs.
- The action installs with scripts/setup.sh, then makes exactly one `clearance <command>` call.
- Third-party actions are pinned by full commit SHA with a `# vX.Y.Z` comment.
- Hooks map onto one `clearance` command and declare `minimum_pre_commit_version`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearance.commands.registry import COMMANDS, GROUPS

ROOT = Path(__file__).resolve().parents[2]
# The root action (`uses: clearance-dev/clearance@v1`) is `clearance scan all`.
ROOT_ACTION = ROOT / "action.yml"
ACTIONS = [ROOT_ACTION, *sorted((ROOT / "actions").glob("*/action.yml"))]
SCANNING_OUTPUTS = {"sarif-file", "findings-count", "counts", "outcome"}
COMMAND_WORDS = {"-".join(c.words): c.words for c in COMMANDS} | {"-".join(g): g for g in GROUPS}
OWN, OWN_TAG = "clearance-dev/clearance", "v1"
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(?P<ref>[^\s#]+)(?:\s*#\s*(?P<comment>.*))?$")


def action_id(action: Path) -> str:
    """The action's name in the CLI's words joined by `-`: its folder, `scan-all` for the root."""
    return "scan-all" if action == ROOT_ACTION else action.parent.name


def setup_call(action: Path) -> str:
    scripts = "scripts" if action == ROOT_ACTION else "../../scripts"
    return f'bash "$GITHUB_ACTION_PATH/{scripts}/setup.sh"'


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def shipped_yaml() -> list[Path]:
    found = [*ACTIONS]
    for folder in (ROOT / ".github" / "workflows", ROOT / "workflows-templates"):
        found += sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    return found


def test_there_is_an_action_to_check() -> None:
    assert ROOT / "actions" / "scan-code" / "action.yml" in ACTIONS
    assert ROOT_ACTION.is_file()


def test_root_action_has_the_scan_all_outputs_and_toggles() -> None:
    definition = load(ROOT_ACTION)
    assert SCANNING_OUTPUTS | {"sbom-file"} <= set(definition["outputs"])
    assert {"scanners", "fail-on", "secrets-fail-on", "deps-fail-on", "code-fail-on"} <= set(
        definition["inputs"]
    )


@pytest.mark.parametrize("action", ACTIONS, ids=action_id)
def test_action_is_named_after_its_cli_command(action: Path) -> None:
    assert action_id(action) in COMMAND_WORDS, (
        f"no clearance command {action_id(action).replace('-', ' ')!r}"
    )


@pytest.mark.parametrize("action", ACTIONS, ids=action_id)
def test_inputs_reach_run_through_env_only(action: Path) -> None:
    steps = load(action)["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], (
                f"{action}: expression inside run: of step {step.get('name')}"
            )
            assert step.get("shell") == "bash"


@pytest.mark.parametrize("action", ACTIONS, ids=action_id)
def test_every_input_and_output_is_documented_and_inputs_are_used(action: Path) -> None:
    definition = load(action)
    text = action.read_text(encoding="utf-8")
    for name, spec in definition.get("inputs", {}).items():
        assert spec.get("description"), f"input {name} has no description"
        assert f"${{{{ inputs.{name} }}}}" in text, f"input {name} is never passed on"
    for name, spec in definition.get("outputs", {}).items():
        assert spec.get("description"), f"output {name} has no description"


@pytest.mark.parametrize("action", ACTIONS, ids=action_id)
def test_scanning_actions_have_the_common_outputs(action: Path) -> None:
    words = COMMAND_WORDS[action_id(action)]
    if words[0] == "scan":
        assert SCANNING_OUTPUTS <= set(load(action)["outputs"])


@pytest.mark.parametrize("action", ACTIONS, ids=action_id)
def test_action_sets_up_then_makes_one_clearance_call(action: Path) -> None:
    runs = [step["run"] for step in load(action)["runs"]["steps"] if "run" in step]
    assert runs[0].strip() == setup_call(action)
    calls = [
        (run, line)
        for run in runs[1:]
        for line in run.splitlines()
        if re.match(r"^\s*(exec\s+)?clearance\s", line)
    ]
    assert len(calls) == 1, f"{action}: expected one clearance call, found {calls}"
    run, _ = calls[0]
    assert " ".join(COMMAND_WORDS[action_id(action)]) in run


@pytest.mark.parametrize("path", shipped_yaml(), ids=lambda p: str(p.relative_to(ROOT)))
def test_third_party_actions_are_pinned_by_full_sha_with_a_version_comment(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        match = USES.match(line)
        if not match or match["ref"].startswith("./"):
            continue
        ref = match["ref"]
        name = ref.split("@")[0]
        if name == OWN or name.startswith(f"{OWN}/"):
            assert path not in ACTIONS, f"{path}: an action calls another by reference"
            # Workflows and templates call clearance's own actions and reusable workflows by
            # its release tag: allowed by .github/zizmor.yml, which says why.
            assert ref.endswith(f"@{OWN_TAG}"), f"{path.name}: {ref} is not at @{OWN_TAG}"
            continue
        _, _, version = ref.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", version), (
            f"{path.name}: {ref} is not pinned by a full SHA"
        )
        assert match["comment"] and re.match(r"v\d+(\.\d+)*", match["comment"]), (
            f"{path.name}: {ref} has no # vX.Y.Z"
        )


def test_pre_commit_hooks_map_onto_one_clearance_command() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert "clearance-code" in by_id
    commands = {" ".join(c.words) for c in COMMANDS}
    for hook in hooks:
        assert hook["id"].startswith("clearance-")
        assert hook.get("minimum_pre_commit_version")
        words = hook["entry"].split()
        assert words[0] == "clearance"
        assert " ".join(words[1:3]) in commands
    assert by_id["clearance-code"]["types"] == ["python"]
    assert by_id["clearance-code"]["entry"] == "clearance scan code"


def test_root_action_inputs_and_outputs_are_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The root action", 1)[1].split("\n## ", 1)[0]
    definition = load(ROOT_ACTION)
    for name in (*definition["inputs"], *definition["outputs"]):
        assert f"`{name}`" in section, f"{name} is not in the README's root action section"

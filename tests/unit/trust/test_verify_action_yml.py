"""actions/verify/action.yml is a thin mapping: every input reaches the script through env."""

from __future__ import annotations

from pathlib import Path

import yaml

ACTION = Path(__file__).resolve().parents[3] / "actions" / "verify" / "action.yml"


def test_every_input_reaches_the_script_through_env_and_the_outputs_are_the_cli_s() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    setup, verify = action["runs"]["steps"]
    assert "scripts/setup.sh" in setup["run"]
    for name in action["inputs"]:
        variable = f"INPUT_{name.upper().replace('-', '_')}"
        assert verify["env"][variable] == f"${{{{ inputs.{name} }}}}"
        assert f"${variable}" in verify["run"], name
    assert "${{" not in verify["run"]
    assert set(action["outputs"]) == {"verdict-file", "verified-count", "outcome"}
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.verify.outputs.{name} }}}}"


def test_the_parser_s_runner_environments_are_the_policy_s() -> None:
    from clearance.commands.verify import RunnerEnvironmentChoice
    from clearance.trust.policy import RunnerEnvironment

    assert [e.value for e in RunnerEnvironmentChoice] == [e.value for e in RunnerEnvironment]

"""The harness itself: what a workflow sees under it, and that it stays offline.

Later issues rely on these properties (inputs, event payload, env, secrets masked and not
leaked into steps that do not ask for them, an isolated HOME, no network).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

SECRET = "s3cr3t-value-for-the-harness-test"

WORKFLOW = """\
name: harness
on:
  workflow_dispatch:
    inputs:
      target:
        description: where
        required: true
permissions: {}
jobs:
  context:
    runs-on: ubuntu-latest
    steps:
      - id: seen
        env:
          TARGET: ${{ inputs.target }}
          SENDER: ${{ github.event.sender.login }}
          REPOSITORY: ${{ github.repository }}
          TOKEN: ${{ secrets.DEPLOY_TOKEN }}
        run: |
          echo "target=$TARGET sender=$SENDER repository=$REPOSITORY from-env=$FROM_ENV"
          echo "token=$TOKEN"
          echo "home=$HOME"
          echo "token-length=${#TOKEN}" >> "$GITHUB_OUTPUT"
      - id: unasked
        run: |
          if env | grep -q "s3cr3t"; then echo "leaked"; exit 1; fi
          echo "no secret in the environment of a step that does not ask for it"
  offline:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0
"""


def test_workflows_see_inputs_payload_env_and_masked_secrets_and_stay_offline(
    consumer_repo, run_act
) -> None:
    repo = consumer_repo({".github/workflows/harness.yml": WORKFLOW})

    result = run_act(
        ".github/workflows/harness.yml",
        repo=repo,
        event="workflow_dispatch",
        event_payload={"sender": {"login": "octocat"}, "inputs": {"target": "staging"}},
        env={"FROM_ENV": "yes"},
        secrets={"DEPLOY_TOKEN": SECRET},
    )

    assert result.jobs["context"] == "success", result.describe()
    out = result.text("context")
    assert "target=staging sender=octocat repository=clearance-dev/consumer from-env=yes" in out
    assert SECRET not in out
    assert "token=***" in out
    assert result.output("context", "seen")["token-length"] == str(len(SECRET))
    assert "no secret in the environment" in out
    home = out.split("home=", 1)[1].split()[0]
    assert home.startswith(str(result.run_dir.parent))
    # An action that is not mapped to a local folder cannot be fetched: the run is offline.
    assert result.jobs["offline"] == "failure"
    assert "127.0.0.1:9" in "".join(str(e.get("msg", "")) for e in result.log)
    assert result.seconds < 60

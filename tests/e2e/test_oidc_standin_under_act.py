"""A workflow under act obtains an ID token from the runner OIDC stand-in, as a job with
`id-token: write` does on GitHub: the harness passes ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN with
`--env` (act does not set them) and the step asks for audience `sigstore`. (That the CA of the
Sigstore stand-in certifies such tokens is tests/integration/test_standin_actions_oidc.py.)"""

from __future__ import annotations

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT
from tests.standins.actions_oidc import ActionsOidcStandIn
from tests.standins.tokens import ActionsRun

pytestmark = pytest.mark.e2e

# The step does what @actions/core's getIDToken does: GET the URL (which already has a query)
# with `&audience=`, bearer the request token, read `value`. It writes only claims, never the token.
WORKFLOW = f"""\
name: oidc
on: push
permissions: {{}}
jobs:
  token:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - id: token
        shell: bash
        run: |
          python3 - <<'PY'
          import base64, json, os, urllib.request
          url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=sigstore"
          bearer = "Bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
          request = urllib.request.Request(url, headers={{"Authorization": bearer}})
          with urllib.request.urlopen(request, timeout=10) as response:
              token = json.load(response)["value"]
          body = token.split(".")[1]
          claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
          with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
              for name in ("iss", "aud", "sub", "repository", "job_workflow_ref", "runner_environment"):
                  out.write(f"{{name}}={{claims[name]}}\\n")
          PY
      - name: without the request token
        id: refused
        continue-on-error: true
        shell: bash
        run: |
          python3 - <<'PY'
          import os, urllib.request
          urllib.request.urlopen(os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=sigstore", timeout=10)
          PY
"""

RUN = ActionsRun(
    repository="clearance-dev/consumer",
    repository_owner="clearance-dev",
    workflow="oidc",
    workflow_ref="clearance-dev/consumer/.github/workflows/oidc.yml@refs/heads/main",
    job_workflow_ref="clearance-dev/consumer/.github/workflows/oidc.yml@refs/heads/main",
)


def test_a_workflow_under_act_obtains_a_token_from_the_oidc_stand_in(
    consumer_repo, run_act, actions_oidc: ActionsOidcStandIn
) -> None:
    actions_oidc.run = RUN
    repo = consumer_repo({".github/workflows/oidc.yml": WORKFLOW})

    result = run_act(".github/workflows/oidc.yml", repo=repo, env=actions_oidc.env())

    assert result.jobs == {"token": "success"}, result.describe()
    claims = result.output("token", "token")
    assert claims == {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sigstore",
        "sub": "repo:clearance-dev/consumer:ref:refs/heads/main",
        "repository": "clearance-dev/consumer",
        "job_workflow_ref": RUN.job_workflow_ref,
        "runner_environment": "github-hosted",
    }
    assert result.steps["token"]["refused"] == "failure"  # no bearer: 401
    assert actions_oidc.counts == {"idtoken": 2, "idtoken/unauthorized": 1}
    (issued,) = actions_oidc.issued
    assert (issued["aud"], issued["run_id"]) == ("sigstore", RUN.run_id)

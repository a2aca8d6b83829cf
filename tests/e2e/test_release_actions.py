"""The release scenario end to end under act, through the actions as users reference them:
metadata, deploy A to staging, a refused promotion, promote A to production, deploy and promote
B, B fails, rollback restores A. The ledger is GitHub Deployments: the GitHub API stand-in,
reached through `--env GITHUB_API_URL=...`, with the token passed as a secret."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from clearance.release.ledger.github import GitHubApi, GitHubLedger
from clearance.release.records import State
from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, OWNER, ActResult
from tests.release.backends import mirror
from tests.release.support import digest_of
from tests.standins.github_api import GitHubStandIn

pytestmark = pytest.mark.e2e

REPOSITORY = f"{OWNER}/consumer"
A, B = digest_of("artifact A"), digest_of("artifact B")


def action(name: str) -> str:
    return f"{OWNER}/clearance/actions/{name}@v1"


LEDGER = "          ledger: github\n          token: ${{ secrets.STANDIN_TOKEN }}\n"


def step(ident: str, name: str, inputs: Mapping[str, str], *, tolerate: bool = False) -> str:
    lines = [f"      - id: {ident}\n"]
    if tolerate:
        lines.append("        continue-on-error: true\n")
    lines.append(f"        uses: {action(name)}\n        with:\n")
    lines += [f"          {key}: {value}\n" for key, value in inputs.items()]
    if name != "metadata":
        lines.append(LEDGER)
    return "".join(lines)


WORKFLOW = (
    f"""\
name: release
on: push
permissions: {{}}
concurrency:
  group: release-${{{{ github.repository }}}}
  cancel-in-progress: false
jobs:
  release:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      deployments: write
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
"""
    + step("meta", "metadata", {"digests": A, "environment": "staging", "export-env": '"true"'})
    + step(
        "start-a",
        "deploy",
        {"step": "start", "environment": "staging", "digest": "${{ steps.meta.outputs.digest }}"},
    )
    + step(
        "finish-a",
        "deploy",
        {
            "step": "finish",
            "deployment-id": "${{ steps.start-a.outputs.deployment-id }}",
            "status": "success",
        },
    )
    + step("too-early", "promote", {"digest": B, "to": "production"}, tolerate=True)
    + step("promote-a", "promote", {"digest": A, "to": "production"})
    + step(
        "live-a",
        "deploy",
        {
            "step": "finish",
            "deployment-id": "${{ steps.promote-a.outputs.deployment-id }}",
            "status": "success",
            "environment-url": "https://shop.example",
        },
    )
    + step("start-b", "deploy", {"step": "start", "environment": "staging", "digest": B})
    + step(
        "finish-b",
        "deploy",
        {
            "step": "finish",
            "deployment-id": "${{ steps.start-b.outputs.deployment-id }}",
            "status": "success",
        },
    )
    + step("promote-b", "promote", {"digest": B, "to": "production"})
    + step(
        "broken-b",
        "deploy",
        {
            "step": "finish",
            "deployment-id": "${{ steps.promote-b.outputs.deployment-id }}",
            "status": "failure",
        },
    )
    + step("rollback", "rollback", {"environment": "production"})
    + step(
        "restored",
        "deploy",
        {
            "step": "finish",
            "deployment-id": "${{ steps.rollback.outputs.deployment-id }}",
            "status": "success",
        },
    )
    + """\
      - id: exported
        shell: bash
        run: test "$DEPLOY_DIGEST" = "$EXPECTED" && test -n "$DEPLOY_COMMIT"
        env:
          EXPECTED: ${{ steps.meta.outputs.digest }}
"""
)

FILES = {
    ".github/workflows/release.yml": WORKFLOW,
    "clearance.toml": '[environments.production]\nafter = "staging"\nurl = "https://shop.example"\n',
    "app.py": "print('shop')\n",
}


@pytest.fixture
def github_standin() -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn(repositories=(REPOSITORY,)).start()
    try:
        yield standin
    finally:
        standin.stop()
        problems = standin.problems.take()
        if problems:
            pytest.fail("the GitHub stand-in recorded problems:\n" + "\n".join(map(str, problems)))


def test_the_release_scenario_runs_through_the_actions(
    consumer_repo: Callable[[Mapping[str, str]], Path],
    run_act: Callable[..., ActResult],
    github_standin: GitHubStandIn,
) -> None:
    repo = consumer_repo(FILES)
    mirror(github_standin, repo)

    result = run_act(
        ".github/workflows/release.yml",
        repo=repo,
        env={"GITHUB_API_URL": github_standin.api_url},
        secrets={"STANDIN_TOKEN": github_standin.token},
    )

    steps = result.steps["release"]
    failed = {
        name: state for name, state in steps.items() if state != "success" and "/" not in name
    }
    assert failed == {"too-early": "failure"}, result.describe()
    out: Any = {name: result.output("release", name) for name in steps if "/" not in name}
    assert out["meta"]["digest"] == A and out["meta"]["environment"] == "staging"
    assert out["too-early"]["outcome"] == "fail"
    assert (
        out["promote-a"]["digest"] == A
        and out["promote-a"]["promoted-from"] == out["start-a"]["deployment-id"]
    )
    assert out["rollback"]["digest"] == A
    assert out["rollback"]["rollback-of"] == out["promote-b"]["deployment-id"]
    assert f"{B[:19]} never succeeded in staging" in result.text()
    summary = result.summaries["release"]
    assert "Promotion of" in summary and "| ❌ | source | fail |" in summary
    assert "Rollback of production recorded" in summary

    ledger = GitHubLedger(
        GitHubApi(api_url=github_standin.api_url, token=github_standin.token, repository=REPOSITORY)
    )
    production = list(ledger.history(["production"]))
    assert [(d.task.value, d.digest, d.state) for d in production] == [
        ("deploy:rollback", A, State.SUCCESS),
        ("deploy:promote", B, State.FAILURE),
        ("deploy:promote", A, State.SUCCESS),
    ]
    assert all(d.run_url and d.production for d in production)
    assert production[2].statuses[-1].environment_url == "https://shop.example"
    assert [d.digest for d in ledger.history(["staging"])] == [B, A]

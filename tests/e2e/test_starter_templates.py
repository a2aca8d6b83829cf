"""The starter templates of `workflows-templates/`, copied verbatim into a fresh consumer
repository and run under act as GitHub would run them: the reusable workflows and clearance's
actions by their remote references (`clearance-dev/clearance/...@v1`, redirected with
`--local-repository` to this checkout), the third-party actions by their pinned SHAs (the
stand-ins), the GitHub API, the runner's OIDC endpoint and a Sigstore instance on loopback.

- python-service.yml: build → sign → staging → production; then a second commit whose
  production smoke test fails is rolled back to the first digest.
- python-package.yml: a tag push builds, signs and attests the wheel, verifies it, and
  publishes it with its bundles as the assets of the tag's release.
- pull-request-checks.yml: a pull request with a planted secret, vulnerable dependency and
  insecure call fails its scan with annotations of all three; the workflow_run that follows
  uploads the SARIF and comments on the pull request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from clearance.release.ledger.github import GitHubApi, GitHubLedger
from clearance.release.records import State
from tests.e2e.harness import OWNER, ROOT, ActResult, commit_all, git
from tests.events import make_event
from tests.release.backends import mirror
from tests.standins.actions_oidc import ActionsOidcStandIn
from tests.standins.github_api import GitHubStandIn
from tests.standins.sigstore_instance import SigstoreInstance
from tests.standins.tokens import ActionsRun

pytestmark = pytest.mark.e2e

TEMPLATES = ROOT / "workflows-templates"
REPOSITORY = f"{OWNER}/consumer"
BUILD_WORKFLOW = f"{OWNER}/clearance/.github/workflows/build.yml"

DEPLOY_SH = """\
#!/usr/bin/env bash
# The consumer's deploy command: records what it was asked to deploy.
set -euo pipefail
printf '%s %s %s %s\\n' "$DEPLOY_ENVIRONMENT" "$DEPLOY_DIGEST" "$DEPLOY_ID" "${DEPLOY_ARTIFACT:-}" \\
  >>"$STANDIN_RUN_DIR/deploys.log"
"""

SMOKE_SH = """\
#!/usr/bin/env bash
# The consumer's smoke test: fails once per job in the environment named by FORCE_SMOKE_FAILURE.
set -euo pipefail
if [ "$DEPLOY_ENVIRONMENT" = "${FORCE_SMOKE_FAILURE:-}" ] && [ ! -e "$RUNNER_TEMP/smoke-failed" ]; then
  touch "$RUNNER_TEMP/smoke-failed"
  echo "smoke test of $DEPLOY_DIGEST in $DEPLOY_ENVIRONMENT: HTTP 503"
  exit 1
fi
echo "smoke test of $DEPLOY_DIGEST in $DEPLOY_ENVIRONMENT: ok"
"""


def pyproject(trust_config: Path, version: str) -> str:
    return f"""\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "shop"
version = "{version}"
dependencies = []

[tool.setuptools]
packages = ["shop"]

[tool.clearance.environments.production]
after = "staging"
require = ["scan"]

[tool.clearance.verify]
trust-config = "{trust_config}"
"""


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


def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def simulate(
    oidc: ActionsOidcStandIn, repo: Path, workflow: str, ref: str = "refs/heads/main", **claims: str
) -> str:
    """The OIDC stand-in's tokens describe this run of WORKFLOW at REF, signed by build.yml@v1
    (act leaves GITHUB_WORKFLOW_REF empty in a called workflow: the token's claim is used)."""
    sha = git(repo, "rev-parse", "HEAD").strip()
    oidc.run = ActionsRun(
        repository=REPOSITORY,
        repository_owner=OWNER,
        sha=sha,
        ref=ref,
        workflow_ref=f"{REPOSITORY}/.github/workflows/{workflow}@{ref}",
        workflow_sha=sha,
        job_workflow_ref=f"{BUILD_WORKFLOW}@refs/tags/v1",
        job_workflow_sha=sha,
        **claims,
    )
    return sha


def failed_jobs(result: ActResult) -> dict[str, str]:
    return {job: state for job, state in result.jobs.items() if state != "success"}


def test_the_service_template_deploys_promotes_and_rolls_back(
    consumer_repo: Callable[[Mapping[str, str]], Path],
    run_act: Callable[..., ActResult],
    github_standin: GitHubStandIn,
    actions_oidc: ActionsOidcStandIn,
    sigstore_instance: SigstoreInstance,
) -> None:
    trust_config = sigstore_instance.trust_config_path
    repo = consumer_repo(
        {
            ".github/workflows/service.yml": template("python-service.yml"),
            "pyproject.toml": pyproject(trust_config, "1.0.0"),
            "shop/__init__.py": "GREETING = 'hello'\n",
            "deploy/deploy.sh": DEPLOY_SH,
            "deploy/smoke.sh": SMOKE_SH,
        }
    )
    for script in ("deploy/deploy.sh", "deploy/smoke.sh"):
        (repo / script).chmod(0o755)
    commit_all(repo, message="executable scripts")
    env = {
        "GITHUB_API_URL": github_standin.api_url,
        "CLEARANCE_TRUST_CONFIG": str(trust_config),  # the sign and verify steps' default
        **actions_oidc.env(),
    }
    secrets = {"GITHUB_TOKEN": github_standin.token, "DEPLOY_TOKEN": "deploy-token-value"}

    # First commit: build, staging, production.
    mirror(github_standin, repo)
    simulate(actions_oidc, repo, "service.yml")
    first = run_act(".github/workflows/service.yml", repo=repo, env=env, secrets=secrets)

    assert failed_jobs(first) == {}, first.describe()
    assert set(first.jobs) == {"build/build", "build/sign", "staging/deploy", "production/deploy"}
    metadata = first.output("build/build", "metadata")
    digest_a = metadata["digest"]
    assert digest_a.startswith("sha256:")
    [artifact] = json.loads(metadata["artifacts"])
    assert artifact == {"name": "shop-1.0.0-py3-none-any.whl", "digest": digest_a}
    assert first.output("staging/deploy", "verify")["outcome"] == "verified"
    assert first.output("production/deploy", "promote")["digest"] == digest_a
    for job in ("staging/deploy", "production/deploy"):
        assert first.output(job, "outcome") == {"outcome": "deployed"}
    assert "Promotion of" in first.summaries["production/deploy"]
    log = (first.run_dir / "deploys.log").read_text().splitlines()
    assert [line.split()[:2] for line in log] == [["staging", digest_a], ["production", digest_a]]
    assert all(line.split()[3] == "dist/shop-1.0.0-py3-none-any.whl" for line in log)

    # Second commit: its production smoke test fails; production goes back to the first.
    (repo / "shop" / "__init__.py").write_text("GREETING = 'hello again'\n")
    (repo / "pyproject.toml").write_text(pyproject(trust_config, "1.0.1"))
    commit_all(repo, message="a change that breaks production")
    mirror(github_standin, repo)
    simulate(actions_oidc, repo, "service.yml")
    second = run_act(
        ".github/workflows/service.yml",
        repo=repo,
        env={**env, "FORCE_SMOKE_FAILURE": "production"},
        secrets=secrets,
    )

    assert failed_jobs(second) == {"production/deploy": "failure"}, second.describe()
    digest_b = second.output("build/build", "metadata")["digest"]
    assert digest_b != digest_a
    steps = second.steps["production/deploy"]
    assert steps["smoke"] == "failure" and steps["rollback"] == "success", second.describe()
    assert second.output("production/deploy", "rollback")["digest"] == digest_a
    assert second.output("production/deploy", "outcome") == {"outcome": "rolled-back"}
    assert "Rollback of production recorded" in second.summaries["production/deploy"]
    log = (second.run_dir / "deploys.log").read_text().splitlines()
    assert [line.split()[:2] for line in log] == [
        ["staging", digest_b],
        ["production", digest_b],
        ["production", digest_a],
    ]

    ledger = GitHubLedger(
        GitHubApi(api_url=github_standin.api_url, token=github_standin.token, repository=REPOSITORY)
    )
    production: list[Any] = list(ledger.history(["production"]))
    assert [(d.task.value, d.digest, d.state) for d in production] == [
        ("deploy:rollback", digest_a, State.SUCCESS),
        ("deploy:promote", digest_b, State.FAILURE),
        ("deploy:promote", digest_a, State.SUCCESS),
    ]
    assert production[2].statuses[-1].environment_url == "https://www.example.com"
    assert [(d.digest, d.state) for d in ledger.history(["staging"])] == [
        (digest_b, State.SUCCESS),
        (digest_a, State.SUCCESS),
    ]
    assert "deploy-token-value" not in json.dumps(first.log + second.log)


def test_the_package_template_signs_attests_and_publishes_a_release(
    consumer_repo: Callable[[Mapping[str, str]], Path],
    run_act: Callable[..., ActResult],
    github_standin: GitHubStandIn,
    actions_oidc: ActionsOidcStandIn,
    sigstore_instance: SigstoreInstance,
) -> None:
    trust_config = sigstore_instance.trust_config_path
    repo = consumer_repo(
        {
            ".github/workflows/package.yml": template("python-package.yml"),
            "pyproject.toml": pyproject(trust_config, "2.0.0"),
            "shop/__init__.py": "GREETING = 'hello'\n",
        }
    )
    # A tag push: the tag checked out, as the runner has it.
    git(repo, "tag", "v2.0.0")
    git(repo, "checkout", "-q", "v2.0.0")
    mirror(github_standin, repo)
    sha = simulate(actions_oidc, repo, "package.yml", ref="refs/tags/v2.0.0", ref_type="tag")
    event = make_event(
        "push",
        ref="refs/tags/v2.0.0",
        after=sha,
        repository={"full_name": REPOSITORY, "name": "consumer", "owner": {"login": OWNER}},
    )

    result = run_act(
        ".github/workflows/package.yml",
        repo=repo,
        event_payload=event,
        env={
            "GITHUB_API_URL": github_standin.api_url,
            "CLEARANCE_TRUST_CONFIG": str(trust_config),
            **actions_oidc.env(),
        },
        secrets={"GITHUB_TOKEN": github_standin.token},
    )

    assert failed_jobs(result) == {}, result.describe()
    assert set(result.jobs) == {"build/build", "build/sign", "release"}
    wheel = "shop-2.0.0-py3-none-any.whl"
    verified = result.output("release", "verify")
    assert (verified["outcome"], verified["verified-count"]) == ("verified", "4")
    [release] = github_standin.state.repo.releases.values()
    assert release.tag_name == "v2.0.0"
    assets = {asset.name for asset in release.assets}
    assert assets == {
        wheel,
        f"{wheel}.sigstore.json",
        f"{wheel}.provenance.sigstore.json",
        f"{wheel}.scan.sigstore.json",
        f"{wheel}.sbom.sigstore.json",
    }
    uploaded = result.output("release", "release")["assets"].splitlines()
    assert sorted(url.rsplit("/", 1)[-1] for url in uploaded) == sorted(assets)
    assert "Release [v2.0.0]" in result.summaries["release"]
    digest = result.output("build/build", "metadata")["digest"]
    content = next(a.content for a in release.assets if a.name == wheel)
    import hashlib

    assert digest == "sha256:" + hashlib.sha256(content).hexdigest()


ADVISORIES = ROOT / "tests" / "data" / "advisories"
PLANTED_TOKEN = "ghp_" + "Q7w2E9r4T6y8U1i3O5p7A9s2D4f6G8h0J2k4"


def test_the_pull_request_template_reports_findings_from_a_separate_workflow_run(
    tmp_path: Path,
    consumer_repo: Callable[[Mapping[str, str]], Path],
    run_act: Callable[..., ActResult],
    github_standin: GitHubStandIn,
) -> None:
    files = {
        ".github/workflows/pull-request-checks.yml": template("pull-request-checks.yml"),
        "pyproject.toml": '[project]\nname = "shop"\nversion = "1"\n'
        'dependencies = ["requests==2.19.0"]\n',
        "shop/__init__.py": "",
    }
    for path in sorted((ADVISORIES / "requests").glob("*.json")):
        files[f"advisories/requests/{path.name}"] = path.read_text(encoding="utf-8")
    repo = consumer_repo(files)
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "shop" / "settings.py").write_text(f'GITHUB_TOKEN = "{PLANTED_TOKEN}"\n')
    (repo / "shop" / "run.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    commit_all(repo, message="settings and a runner")
    head = git(repo, "rev-parse", "HEAD").strip()
    mirror(github_standin, repo)
    with github_standin.state.lock:
        state = github_standin.state.repo
        state.refs["refs/heads/main"], state.refs["refs/heads/feature"] = base, head
        pull = state.pull_request("Settings and a runner", head_ref="feature")
    env = {"GITHUB_API_URL": github_standin.api_url, "CLEARANCE_ADVISORY_DB": "advisories"}
    workflow = ".github/workflows/pull-request-checks.yml"

    # The pull request's run: read-only, no secrets.
    opened = make_event(
        "pull_request",
        "opened",
        number=pull.number,
        pull_request={
            "number": pull.number,
            "head": {"sha": head, "ref": "feature"},
            "base": {"sha": base, "ref": "main"},
        },
        repository={"full_name": REPOSITORY, "default_branch": "main"},
    )
    scan = run_act(workflow, repo=repo, event="pull_request", event_payload=opened, env=env)

    assert scan.jobs == {"scan": "failure"}, scan.describe()
    assert scan.steps["scan"]["scan"] == "failure"
    assert json.loads(scan.output("scan", "scan")["counts"])["high"] >= 4
    titles = {
        (a.file, (a.title or "").split(" ")[0])
        for a in scan.annotations_of(step="scan", level="error")
    }
    assert {
        ("shop/settings.py", "secret/github-pat"),
        ("shop/run.py", "B602"),
        ("pyproject.toml", "PYSEC-2018-28"),
    } <= titles
    assert "## clearance scan" in scan.summaries["scan"]
    assert github_standin.state.repo.comments == []  # the pull request's run cannot write

    # The workflow_run that follows: base repository's context, the token, no checkout.
    completed = make_event(
        "workflow_run",
        "completed",
        workflow_run={
            "id": 30433642,
            "name": "Pull request checks",
            "event": "pull_request",
            "head_sha": head,
            "head_branch": "feature",
            "conclusion": "failure",
            "pull_requests": [],  # as GitHub sends it for a pull request from a fork
        },
        repository={"full_name": REPOSITORY},
    )
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "30433642").symlink_to(scan.run_dir)
    report = run_act(
        workflow,
        repo=repo,
        event="workflow_run",
        event_payload=completed,
        env={**env, "STANDIN_RUNS": str(runs)},  # where the scan run's artifacts are
        secrets={"GITHUB_TOKEN": github_standin.token},
    )

    assert report.jobs == {"report": "success"}, report.describe()
    [comment] = github_standin.state.repo.comments
    assert comment.issue_number == pull.number
    assert "secret/github-pat" in comment.body and "B602" in comment.body
    assert PLANTED_TOKEN not in comment.body and PLANTED_TOKEN[4:20] not in comment.body
    assert report.output("report", "comment")["pr-number"] == str(pull.number)
    [upload] = (report.run_dir / "code-scanning").iterdir()
    sarif = json.loads((upload / "results.sarif").read_text())
    assert [run["automationDetails"]["id"] for run in sarif["runs"]] == [
        "clearance/secrets/",
        "clearance/deps/",
        "clearance/code/",
    ]
    assert PLANTED_TOKEN not in json.dumps(sarif)

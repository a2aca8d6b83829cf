"""The GitHub stand-in's REST API: every operation of GitHub's description is served, every
request and response is validated (a broken one is rejected), and PyGithub round-trips."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import github
import pytest
import requests
from github.EnvironmentDeploymentBranchPolicy import EnvironmentDeploymentBranchPolicyParams
from github.EnvironmentProtectionRuleReviewer import ReviewerParams
from tests.standins.github_api import GitHubStandIn
from tests.standins.github_api.rest import OPERATIONS
from tests.standins.validation import OpenApiRequest, OpenApiResponse

pytestmark = pytest.mark.integration

REPO = "octo-org/octo-repo"


@dataclass(frozen=True)
class Exchange:
    """One HTTP request to the stand-in (path relative to the API or uploads root)."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON document, or bytes for raw uploads
    content_type: str = "application/json"
    uploads: bool = False


class World:
    """A seeded repository and a raw HTTP client; objects are created through the API on
    first use, so each case sets up exactly what it needs."""

    def __init__(self, standin: GitHubStandIn) -> None:
        self.standin = standin
        self.repo = standin.state.repo
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {standin.token}"
        self.main = self.repo.resolve("main")
        self.feature = self.repo.commit(
            "Add feature", files={"app.py": "print('hi')\n"}, branch="feature"
        ).sha
        self.pr = self.repo.pull_request("Add feature", head_ref="feature", merged=True)
        self.issue = self.repo.issue("Something is off")
        self._cache: dict[str, Any] = {}

    def send(self, exchange: Exchange) -> requests.Response:
        root = self.standin.uploads_url if exchange.uploads else self.standin.api_url
        kwargs: dict[str, Any] = {"params": exchange.params, "timeout": 10}
        if isinstance(exchange.body, bytes):
            kwargs["data"] = exchange.body
            kwargs["headers"] = {"Content-Type": exchange.content_type}
        elif exchange.body is not None:
            kwargs["data"] = json.dumps(exchange.body).encode()
            kwargs["headers"] = {"Content-Type": exchange.content_type}
        return self.session.request(exchange.method, root + exchange.path, **kwargs)

    def created(self, key: str, exchange: Exchange) -> Any:
        if key not in self._cache:
            response = self.send(exchange)
            assert response.status_code == 201, response.text
            self._cache[key] = response.json()
        return self._cache[key]

    @property
    def deployment(self) -> dict[str, Any]:
        return self.created(
            "deployment",
            Exchange(
                "POST",
                f"/repos/{REPO}/deployments",
                body={
                    "ref": "main",
                    "environment": "staging",
                    "required_contexts": [],
                    "payload": {"digest": "sha256:ab"},
                },
            ),
        )

    @property
    def deployment_status(self) -> dict[str, Any]:
        return self.created(
            "status",
            Exchange(
                "POST",
                f"/repos/{REPO}/deployments/{self.deployment['id']}/statuses",
                body={"state": "success"},
            ),
        )

    @property
    def release(self) -> dict[str, Any]:
        return self.created(
            "release", Exchange("POST", f"/repos/{REPO}/releases", body={"tag_name": "v1.0.0"})
        )

    @property
    def tag(self) -> dict[str, Any]:
        return self.created(
            "tag",
            Exchange(
                "POST",
                f"/repos/{REPO}/git/tags",
                body={
                    "tag": "v1.0.0",
                    "message": "Release 1.0.0",
                    "object": self.main,
                    "type": "commit",
                },
            ),
        )

    @property
    def check_run(self) -> dict[str, Any]:
        return self.created(
            "check",
            Exchange(
                "POST", f"/repos/{REPO}/check-runs", body={"name": "lint", "head_sha": self.main}
            ),
        )

    @property
    def attestation_bundle(self) -> dict[str, Any]:
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "predicateType": "https://slsa.dev/provenance/v1",
            "subject": [{"name": "app.tar.gz", "digest": {"sha256": "ab" * 32}}],
            "predicate": {},
        }
        return {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {},
            "dsseEnvelope": {
                "payload": base64.b64encode(json.dumps(statement).encode()).decode(),
                "payloadType": "application/vnd.in-toto+json",
                "signatures": [],
            },
        }


# A valid request for every operation (setting up what it needs through the API).
VALID: dict[str, Callable[[World], Exchange]] = {
    "rate-limit/get": lambda w: Exchange("GET", "/rate_limit"),
    "repos/get": lambda w: Exchange("GET", f"/repos/{REPO}"),
    "repos/create-attestation": lambda w: Exchange(
        "POST", f"/repos/{REPO}/attestations", body={"bundle": w.attestation_bundle}
    ),
    "repos/list-attestations": lambda w: (
        w.created("attestation", VALID["repos/create-attestation"](w)),
        Exchange(
            "GET", f"/repos/{REPO}/attestations/sha256:{'ab' * 32}", params={"per_page": "10"}
        ),
    )[1],
    "checks/create": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/check-runs",
        body={"name": "test", "head_sha": w.main, "status": "in_progress"},
    ),
    "checks/update": lambda w: Exchange(
        "PATCH",
        f"/repos/{REPO}/check-runs/{w.check_run['id']}",
        body={"conclusion": "success", "output": {"title": "All good", "summary": "12 passed"}},
    ),
    "repos/list-pull-requests-associated-with-commit": lambda w: Exchange(
        "GET", f"/repos/{REPO}/commits/{w.feature}/pulls"
    ),
    "repos/get-commit": lambda w: Exchange("GET", f"/repos/{REPO}/commits/main"),
    "repos/get-combined-status-for-ref": lambda w: Exchange(
        "GET", f"/repos/{REPO}/commits/main/status"
    ),
    "repos/compare-commits": lambda w: Exchange("GET", f"/repos/{REPO}/compare/{w.main}...main"),
    "repos/list-deployments": lambda w: (
        w.deployment,
        Exchange("GET", f"/repos/{REPO}/deployments", params={"environment": "staging"}),
    )[1],
    "repos/create-deployment": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/deployments",
        body={
            "ref": "main",
            "environment": "production",
            "required_contexts": [],
            "payload": {"digest": "sha256:cd"},
        },
    ),
    "repos/get-deployment": lambda w: Exchange(
        "GET", f"/repos/{REPO}/deployments/{w.deployment['id']}"
    ),
    "repos/delete-deployment": lambda w: Exchange(
        "DELETE", f"/repos/{REPO}/deployments/{w.deployment['id']}"
    ),
    "repos/list-deployment-statuses": lambda w: (
        w.deployment_status,
        Exchange("GET", f"/repos/{REPO}/deployments/{w.deployment['id']}/statuses"),
    )[1],
    "repos/create-deployment-status": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/deployments/{w.deployment['id']}/statuses",
        body={"state": "in_progress", "log_url": "https://ci.example/run/1"},
    ),
    "repos/get-deployment-status": lambda w: Exchange(
        "GET",
        f"/repos/{REPO}/deployments/{w.deployment['id']}/statuses/{w.deployment_status['id']}",
    ),
    "repos/get-all-environments": lambda w: (
        w.deployment,
        Exchange("GET", f"/repos/{REPO}/environments"),
    )[1],
    "repos/get-environment": lambda w: (
        w.deployment,
        Exchange("GET", f"/repos/{REPO}/environments/staging"),
    )[1],
    "repos/create-or-update-environment": lambda w: Exchange(
        "PUT", f"/repos/{REPO}/environments/production", body={"wait_timer": 30}
    ),
    "git/get-ref": lambda w: Exchange("GET", f"/repos/{REPO}/git/ref/heads/main"),
    "git/create-ref": lambda w: Exchange(
        "POST", f"/repos/{REPO}/git/refs", body={"ref": "refs/heads/release/1.0", "sha": w.main}
    ),
    "git/create-tag": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/git/tags",
        body={"tag": "v2.0.0", "message": "Release 2.0.0", "object": w.main, "type": "commit"},
    ),
    "git/get-tag": lambda w: Exchange("GET", f"/repos/{REPO}/git/tags/{w.tag['sha']}"),
    "issues/create-comment": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/issues/{w.issue.number}/comments",
        body={"body": "Deployed to staging"},
    ),
    "repos/create-release": lambda w: Exchange(
        "POST", f"/repos/{REPO}/releases", body={"tag_name": "v2.0.0", "name": "2.0.0"}
    ),
    "repos/get-release-by-tag": lambda w: (
        w.release,
        Exchange("GET", f"/repos/{REPO}/releases/tags/v1.0.0"),
    )[1],
    "repos/list-release-assets": lambda w: (
        w.created("asset", VALID["repos/upload-release-asset"](w)),
        Exchange("GET", f"/repos/{REPO}/releases/{w.release['id']}/assets"),
    )[1],
    "repos/upload-release-asset": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/releases/{w.release['id']}/assets",
        params={"name": "app.tar.gz"},
        body=b"\x1f\x8b fake tarball",
        content_type="application/gzip",
        uploads=True,
    ),
    "repos/create-commit-status": lambda w: Exchange(
        "POST",
        f"/repos/{REPO}/statuses/{w.main}",
        body={"state": "success", "context": "ci/test", "target_url": "https://ci.example/1"},
    ),
}

# One broken field per operation. Six GET operations have no field the description
# constrains beyond "a string in the path" (rate limit, repository, environment by name, ref,
# tag object, release by tag): for them the request is broken in the one place it can be,
# its method, which GitHub answers with 404.
MALFORMED: dict[str, Callable[[Exchange], Exchange]] = {
    "rate-limit/get": lambda e: replace(e, method="POST"),
    "repos/get": lambda e: replace(e, method="PUT"),
    "repos/create-attestation": lambda e: replace(e, body={"bundle": "not a bundle object"}),
    "repos/list-attestations": lambda e: replace(e, params={"per_page": "ten"}),
    "checks/create": lambda e: replace(e, body={**e.body, "head_sha": 1234567}),
    "checks/update": lambda e: replace(e, body={**e.body, "conclusion": "mostly fine"}),
    "repos/list-pull-requests-associated-with-commit": lambda e: replace(
        e, params={"per_page": "all"}
    ),
    "repos/get-commit": lambda e: replace(e, params={"page": "first"}),
    "repos/get-combined-status-for-ref": lambda e: replace(e, params={"per_page": "-"}),
    "repos/compare-commits": lambda e: replace(e, params={"page": "next"}),
    "repos/list-deployments": lambda e: replace(e, params={"per_page": "many"}),
    "repos/create-deployment": lambda e: replace(
        e, body={**e.body, "transient_environment": "sometimes"}
    ),
    "repos/get-deployment": lambda e: replace(e, path=e.path.rsplit("/", 1)[0] + "/latest"),
    "repos/delete-deployment": lambda e: replace(e, path=e.path.rsplit("/", 1)[0] + "/oldest"),
    "repos/list-deployment-statuses": lambda e: replace(e, params={"page": "last"}),
    "repos/create-deployment-status": lambda e: replace(e, body={**e.body, "state": "done"}),
    "repos/get-deployment-status": lambda e: replace(e, path=e.path.rsplit("/", 1)[0] + "/newest"),
    "repos/get-all-environments": lambda e: replace(e, params={"per_page": "few"}),
    "repos/get-environment": lambda e: replace(e, method="POST"),
    "repos/create-or-update-environment": lambda e: replace(e, body={"wait_timer": "after lunch"}),
    "git/get-ref": lambda e: replace(e, method="PUT"),
    "git/create-ref": lambda e: replace(e, body={"ref": e.body["ref"]}),
    "git/create-tag": lambda e: replace(e, body={**e.body, "type": "branch"}),
    "git/get-tag": lambda e: replace(e, method="DELETE"),
    "issues/create-comment": lambda e: replace(e, body={"body": ["not", "text"]}),
    "repos/create-release": lambda e: replace(e, body={**e.body, "draft": "maybe"}),
    "repos/get-release-by-tag": lambda e: replace(e, method="POST"),
    "repos/list-release-assets": lambda e: replace(
        e, path=e.path.replace("/releases/", "/releases/latest-", 1)
    ),
    "repos/upload-release-asset": lambda e: replace(e, params={}),
    "repos/create-commit-status": lambda e: replace(e, body={**e.body, "state": "green"}),
}


@pytest.fixture
def world(github_api: GitHubStandIn) -> World:
    return World(github_api)


def test_the_stand_in_serves_exactly_the_operations_of_the_description(
    github_api: GitHubStandIn,
) -> None:
    assert set(OPERATIONS) == set(github_api.description.operations) == set(VALID) == set(MALFORMED)


@pytest.mark.parametrize("operation_id", sorted(VALID))
def test_a_malformed_request_is_rejected_with_githubs_error_shape(
    world: World, operation_id: str
) -> None:
    broken = MALFORMED[operation_id](VALID[operation_id](world))
    with world.standin.problems.expected() as caught:
        response = world.send(broken)
    assert response.status_code in (400, 404, 422), response.text
    body = response.json()
    assert body["message"] and body["documentation_url"].startswith("https://docs.github.com/")
    assert [p.kind for p in caught] == ["request"], caught


def _wrong_type(value: Any) -> Any:
    return "not-a-number" if isinstance(value, int) and not isinstance(value, bool) else 12345


def break_one_field(body: Any) -> Any:
    """Give one field of a response a value of the wrong type (the `id` if there is one)."""
    target = body[0] if isinstance(body, list) else body
    key = "id" if "id" in target else next(iter(target))
    target[key] = _wrong_type(target[key])
    return body


def _as_openapi(prepared: requests.PreparedRequest, standin: GitHubStandIn) -> OpenApiRequest:
    parts = urlsplit(prepared.url or "")
    body = (
        prepared.body
        if isinstance(prepared.body, bytes)
        else (prepared.body or "").encode() or None
    )
    request = OpenApiRequest.build(
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        prepared.method or "GET",
        query=parse_qsl(parts.query),
        body=body,
        content_type=prepared.headers.get("Content-Type", "application/json"),
    )
    if parts.path.startswith("/api/uploads/"):
        request = replace(request, content_type="application/octet-stream")
    return standin.description.normalize(request)


@pytest.mark.parametrize("operation_id", sorted(VALID))
def test_a_malformed_response_is_rejected_by_the_validation(
    world: World, operation_id: str
) -> None:
    response = world.send(VALID[operation_id](world))
    assert response.ok, response.text
    request = _as_openapi(response.request, world.standin)
    content_type = response.headers.get("Content-Type", "application/json")

    def check(status: int, body: bytes) -> list[str]:
        return world.standin.description.check_response(
            request, OpenApiResponse(status, body or None, content_type)
        )

    assert check(response.status_code, response.content) == []
    if (
        response.status_code == 204
    ):  # nothing to break but the status: 200 is not what GitHub answers
        broken_status, broken_body = 200, b'{"message": "deleted"}'
    else:
        broken_status, broken_body = (
            response.status_code,
            json.dumps(break_one_field(response.json())).encode(),
        )
    assert check(broken_status, broken_body) != []


# --------------------------------------------------------------------------- PyGithub round trips


def _raw(world: World, method: str, path: str, **kwargs: Any) -> requests.Response:
    return world.session.request(method, world.standin.api_url + path, timeout=10, **kwargs)


def _deployment(g: github.Github, env: str = "staging") -> Any:
    return g.get_repo(REPO).create_deployment(
        ref="main",
        environment=env,
        payload={"digest": "sha256:ab"},
        required_contexts=[],
        description="deploy ab",
    )


def rt_attestations(g: github.Github, w: World) -> None:
    created = _raw(w, "POST", f"/repos/{REPO}/attestations", json={"bundle": w.attestation_bundle})
    assert created.status_code == 201
    listed = _raw(w, "GET", f"/repos/{REPO}/attestations/sha256:{'ab' * 32}").json()
    assert [a["bundle"] for a in listed["attestations"]] == [w.attestation_bundle]
    assert w.standin.state.attestations[0].subject_digests == [f"sha256:{'ab' * 32}"]


def rt_checks(g: github.Github, w: World) -> None:
    repo = g.get_repo(REPO)
    run = repo.create_check_run(name="lint", head_sha=w.main, status="in_progress")
    assert (run.status, run.conclusion) == ("in_progress", None)
    run.edit(conclusion="failure", output={"title": "2 findings", "summary": "see annotations"})
    assert (run.status, run.conclusion, run.output.title) == ("completed", "failure", "2 findings")
    assert w.standin.state.check_runs[0].completed_at is not None


def rt_commits(g: github.Github, w: World) -> None:
    repo = g.get_repo(REPO)
    commit = repo.get_commit("feature")
    assert (commit.sha, commit.commit.message, [f.filename for f in commit.files]) == (
        w.feature,
        "Add feature",
        ["app.py"],
    )
    assert [pr.number for pr in commit.get_pulls()] == [w.pr.number]
    compared = repo.compare(w.main, "main")
    assert (compared.status, compared.ahead_by, compared.behind_by) == ("ahead", 2, 0)
    assert {c.sha for c in compared.commits} == {w.feature, w.pr.merge_commit_sha}


def rt_statuses(g: github.Github, w: World) -> None:
    commit = g.get_repo(REPO).get_commit(w.main)
    commit.create_status("pending", context="ci/test")
    commit.create_status(
        "success", context="ci/test", target_url="https://ci.example/1", description="12 passed"
    )
    commit.create_status("success", context="ci/lint")
    combined = commit.get_combined_status()
    assert (combined.state, combined.total_count) == ("success", 2)
    assert {s.context: s.state for s in combined.statuses} == {
        "ci/test": "success",
        "ci/lint": "success",
    }


def rt_deployments(g: github.Github, w: World) -> None:
    repo = g.get_repo(REPO)
    first, second = _deployment(g), _deployment(g)
    head = w.repo.resolve("main")
    assert (first.environment, first.payload, first.sha) == (
        "staging",
        {"digest": "sha256:ab"},
        head,
    )
    assert repo.get_deployment(first.id).description == "deploy ab"
    assert [d.id for d in repo.get_deployments(environment="staging")] == [second.id, first.id]
    status = first.create_status("success", environment_url="https://staging.example")
    assert first.get_status(status.id).state == "success"
    second.create_status("success")
    assert [s.state for s in first.get_statuses()] == ["inactive", "success"]  # auto_inactive
    deleted = _raw(w, "DELETE", f"/repos/{REPO}/deployments/{first.id}")
    assert deleted.status_code == 204
    assert [d.id for d in w.standin.state.deployments] == [second.id]


def rt_environments(g: github.Github, w: World) -> None:
    repo = g.get_repo(REPO)
    reviewer = w.standin.state.user("octocat")
    production = repo.create_environment(
        "production",
        wait_timer=15,
        reviewers=[ReviewerParams("User", reviewer.id)],
        deployment_branch_policy=EnvironmentDeploymentBranchPolicyParams(protected_branches=True),
    )
    assert {r.type for r in production.protection_rules} == {
        "wait_timer",
        "required_reviewers",
        "branch_policy",
    }
    _deployment(g, "staging")
    assert sorted(e.name for e in repo.get_environments()) == ["production", "staging"]
    assert repo.get_environment("production").deployment_branch_policy.protected_branches is True


def rt_git(g: github.Github, w: World) -> None:
    repo = g.get_repo(REPO)
    assert repo.get_git_ref("heads/main").object.sha == w.repo.resolve("main")
    repo.create_git_ref("refs/heads/release/1.0", w.main)
    assert repo.get_git_ref("heads/release/1.0").object.sha == w.main
    tagger = github.InputGitAuthor("Release Bot", "release@example.com", "2024-05-01T12:00:00Z")
    tag = repo.create_git_tag("v1.0.0", "Release 1.0.0", w.main, "commit", tagger=tagger)
    fetched = repo.get_git_tag(tag.sha)
    assert (fetched.tag, fetched.object.sha, fetched.tagger.name) == (
        "v1.0.0",
        w.main,
        "Release Bot",
    )


def rt_issue_comment(g: github.Github, w: World) -> None:
    # a lazy client posts to the issue's comments without fetching the issue (an operation
    # clearance does not use, so not in the description)
    lazy = github.Github(
        base_url=w.standin.api_url, auth=github.Auth.Token(w.standin.token), lazy=True
    )
    comment = lazy.get_repo(REPO).get_issue(w.issue.number).create_comment("Deployed to staging")
    assert comment.body == "Deployed to staging"
    assert w.standin.state.comments[0].issue_number == w.issue.number


def rt_releases(g: github.Github, w: World) -> None:
    repo = g.get_repo(REPO)
    release = repo.create_git_release("v1.0.0", name="1.0.0", message="First release")
    asset = release.upload_asset_from_memory(
        io.BytesIO(b"tarball bytes"), 13, "app 1.0.tar.gz", content_type="application/gzip"
    )
    assert (asset.name, asset.size, asset.content_type) == (
        "app.1.0.tar.gz",
        13,
        "application/gzip",
    )
    fetched = repo.get_release("v1.0.0")
    assert [a.name for a in fetched.get_assets()] == ["app.1.0.tar.gz"]
    assert requests.get(asset.browser_download_url, timeout=10).content == b"tarball bytes"
    assert w.repo.resolve("refs/tags/v1.0.0") == w.repo.resolve("main")


def rt_meta(g: github.Github, w: World) -> None:
    assert g.get_repo(REPO).full_name == REPO
    assert g.get_rate_limit().resources.core.limit == 5000


ROUND_TRIPS = [
    rt_attestations,
    rt_checks,
    rt_commits,
    rt_statuses,
    rt_deployments,
    rt_environments,
    rt_git,
    rt_issue_comment,
    rt_releases,
    rt_meta,
]


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=lambda f: f.__name__)
def test_pygithub_round_trip(
    pygithub: github.Github, world: World, round_trip: Callable[..., None]
) -> None:
    round_trip(pygithub, world)


def test_the_round_trips_reach_every_operation(pygithub: github.Github, world: World) -> None:
    for round_trip in ROUND_TRIPS:
        round_trip(pygithub, world)
    assert set(OPERATIONS) - set(world.standin.counts) == set()

"""The GitHub stand-in behaves like GitHub where clients feel it: authentication and token
permissions, fault injection, request counters, and loud failure on its own bugs."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import github
import pytest
import requests
from github.GithubRetry import GithubRetry
from tests.standins.github_api import GitHubStandIn
from tests.standins.github_api.rest_objects import Rest

pytestmark = pytest.mark.integration

REPO = "octo-org/octo-repo"


def deploy(
    standin: GitHubStandIn, *, token: str | None = None, timeout: float = 10
) -> requests.Response:
    return requests.post(
        f"{standin.api_url}/repos/{REPO}/deployments",
        json={"ref": "main", "environment": "staging", "required_contexts": []},
        headers={"Authorization": f"token {token or standin.token}"},
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("token not-a-token", "Bad credentials"),
        (None, "Requires authentication"),
        ("Basic abc", "Bad credentials"),
    ],
)
def test_a_request_without_a_valid_token_gets_401(
    github_api: GitHubStandIn, authorization: str | None, message: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(f"{github_api.api_url}/repos/{REPO}", headers=headers, timeout=10)
    assert (response.status_code, response.json()["message"]) == (401, message)


def test_bearer_and_token_schemes_are_both_accepted(github_api: GitHubStandIn) -> None:
    for scheme in ("token", "Bearer"):
        response = requests.get(
            f"{github_api.api_url}/repos/{REPO}",
            headers={"Authorization": f"{scheme} {github_api.token}"},
            timeout=10,
        )
        assert response.status_code == 200


def test_a_token_without_the_permission_gets_403_and_nothing_is_written(
    github_api: GitHubStandIn,
) -> None:
    reader = github_api.add_token(permissions={"deployments": "read", "contents": "read"})
    response = deploy(github_api, token=reader)
    assert (response.status_code, response.json()["message"]) == (
        403,
        "Resource not accessible by integration",
    )
    assert github_api.state.deployments == []
    assert (
        requests.get(
            f"{github_api.api_url}/repos/{REPO}/deployments",
            headers={"Authorization": f"token {reader}"},
            timeout=10,
        ).status_code
        == 200
    )


def test_writes_are_attributed_to_the_tokens_actor(github_api: GitHubStandIn) -> None:
    release_bot = github_api.add_token(login="release-bot")
    assert deploy(github_api, token=release_bot).json()["creator"]["login"] == "release-bot"


def test_a_burst_of_server_errors_refuses_the_requests_then_serves(
    github_api: GitHubStandIn,
) -> None:
    github_api.faults.server_errors(2, status=503, operation="repos/create-deployment")
    statuses = [deploy(github_api).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    assert len(github_api.state.deployments) == 1
    assert github_api.counts["repos/create-deployment"] == 3
    assert [(i.operation, i.kind, i.status) for i in github_api.faults.injected] == [
        ("repos/create-deployment", "server_error", 503)
    ] * 2


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_rate_limit_answers_with_retry_after(
    github_api: GitHubStandIn, status: int
) -> None:
    github_api.faults.secondary_rate_limit(status=status, retry_after=42)
    response = deploy(github_api)
    assert (response.status_code, response.headers["Retry-After"]) == (status, "42")
    assert "secondary rate limit" in response.json()["message"]
    assert github_api.state.deployments == []


def test_an_exhausted_primary_rate_limit_says_when_it_resets(github_api: GitHubStandIn) -> None:
    github_api.faults.primary_rate_limit(reset_in=120)
    response = deploy(github_api)
    assert (response.status_code, response.headers["X-RateLimit-Remaining"]) == (403, "0")
    assert int(response.headers["X-RateLimit-Reset"]) >= time.time() + 100


def test_pygithub_retries_through_a_secondary_rate_limit(github_api: GitHubStandIn) -> None:
    github_api.faults.secondary_rate_limit(
        status=429, retry_after=1, operation="repos/create-deployment"
    )
    client = github.Github(
        base_url=github_api.api_url,
        auth=github.Auth.Token(github_api.token),
        retry=GithubRetry(total=3, backoff_factor=0),
    )
    deployment = client.get_repo(REPO).create_deployment(
        "main", environment="staging", required_contexts=[]
    )
    assert [d.id for d in github_api.state.deployments] == [deployment.id]
    assert github_api.counts["repos/create-deployment"] == 2


def test_a_slow_response_arrives_late_and_complete(github_api: GitHubStandIn) -> None:
    github_api.faults.slow(0.6, operation="repos/create-deployment")
    started = time.monotonic()
    response = deploy(github_api)
    assert response.status_code == 201
    assert time.monotonic() - started >= 0.6
    with pytest.raises(requests.Timeout):
        github_api.faults.slow(2.0)
        deploy(github_api, timeout=0.3)


def test_a_dropped_connection_after_the_write_loses_the_answer_not_the_write(
    github_api: GitHubStandIn,
) -> None:
    github_api.faults.drop_after_write(operation="repos/create-deployment")
    with pytest.raises(requests.ConnectionError):
        deploy(github_api)
    assert len(github_api.state.deployments) == 1  # the deployment exists; the client never heard
    assert deploy(github_api).status_code == 201


def test_requests_are_counted_per_operation(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    repo = pygithub.get_repo(REPO)
    for _ in range(3):
        repo.create_deployment("main", environment="staging", required_contexts=[])
    list(repo.get_deployments())
    assert github_api.counts == {
        "repos/get": 1,
        "repos/create-deployment": 3,
        "repos/list-deployments": 1,
    }
    assert pygithub.get_rate_limit().resources.core.used == 6


def test_lists_paginate_with_link_headers(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    repo = pygithub.get_repo(REPO)
    created = [
        repo.create_deployment("main", environment="staging", required_contexts=[]).id
        for _ in range(5)
    ]
    pygithub.per_page = 2
    assert [d.id for d in pygithub.get_repo(REPO).get_deployments()] == list(reversed(created))
    assert github_api.counts["repos/list-deployments"] == 3


def test_an_operation_outside_the_description_is_a_problem(github_api: GitHubStandIn) -> None:
    with github_api.problems.expected() as caught:
        response = requests.get(
            f"{github_api.api_url}/repos/{REPO}/issues/1",
            headers={"Authorization": f"token {github_api.token}"},
            timeout=10,
        )
    assert response.status_code == 404
    assert [p.kind for p in caught] == ["request"]


def test_an_invalid_response_from_the_stand_in_is_caught_and_fails_the_test(
    github_api: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Rest.deployment

    def without_sha(self: Rest, *args: Any) -> dict[str, Any]:
        body = original(self, *args)
        del body["sha"]
        return body

    monkeypatch.setattr(Rest, "deployment", without_sha)
    with github_api.problems.expected() as caught:
        response = deploy(github_api)
    assert response.status_code == 500
    assert [(p.kind, p.where) for p in caught] == [("response", "repos/create-deployment")]
    assert "'sha' is a required property" in caught[0].message


def test_domain_rules_answer_like_github(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    repo = pygithub.get_repo(REPO)
    sha = github_api.state.repo.resolve("main")
    repo.get_commit(sha).create_status("failure", context="ci/test")
    with pytest.raises(github.GithubException) as conflict:
        repo.create_deployment("main", environment="production")  # required contexts: all
    assert conflict.value.status == 409
    with pytest.raises(github.GithubException) as missing:
        repo.create_deployment("no-such-branch", environment="production", required_contexts=[])
    assert (missing.value.status, missing.value.data["message"]) == (
        422,
        "No ref found for: no-such-branch",
    )
    repo.create_git_release("v1.0.0", "1.0.0", "notes")
    with pytest.raises(github.GithubException) as duplicate:
        repo.create_git_release("v1.0.0", "again", "notes")
    assert duplicate.value.data["errors"][0]["code"] == "already_exists"


def test_the_clock_can_be_frozen_and_advanced(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    github_api.state.clock.freeze(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    deployment = pygithub.get_repo(REPO).create_deployment(
        "main", environment="staging", required_contexts=[]
    )
    github_api.state.clock.advance(3600)
    status = deployment.create_status("success")
    assert deployment.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert status.created_at == datetime(2024, 5, 1, 13, 0, tzinfo=UTC)

"""GraphQL over the GitHub stand-in's state: deployments with their statuses, pull requests and
commits, Relay pagination; queries validated against GitHub's schema, results re-checked."""

from __future__ import annotations

import copy
from typing import Any

import github
import pytest
import requests
from tests.standins.github_api import GitHubStandIn
from tests.standins.validation import check_query, check_result, github_graphql_schema

pytestmark = pytest.mark.integration

REPO = "octo-org/octo-repo"

DEPLOYMENTS = """
query Deployments($owner: String!, $name: String!, $environments: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(first: 2, after: $after, environments: $environments,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id databaseId environment state commitOid payload createdAt
        creator { login }
        latestStatus { state environmentUrl createdAt }
        statuses(first: 10) { nodes { state description } }
        commit { oid messageHeadline }
      }
    }
  }
}
"""


def graphql(
    standin: GitHubStandIn, query: str, variables: dict[str, Any] | None = None
) -> requests.Response:
    return requests.post(
        standin.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"bearer {standin.token}"},
        timeout=10,
    )


def test_deployments_with_their_statuses_round_trip_through_pygithub(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    repo = pygithub.get_repo(REPO)
    staging = repo.create_deployment(
        "main", environment="staging", payload={"digest": "sha256:ab"}, required_contexts=[]
    )
    staging.create_status("in_progress", description="rolling out")
    staging.create_status("success", environment_url="https://staging.example", description="done")
    repo.create_deployment("main", environment="production", required_contexts=[])

    _, body = pygithub.requester.graphql_query(
        DEPLOYMENTS, {"owner": "octo-org", "name": "octo-repo", "environments": ["staging"]}
    )
    connection = body["data"]["repository"]["deployments"]
    assert connection["totalCount"] == 1
    (node,) = connection["nodes"]
    assert (node["databaseId"], node["environment"], node["state"]) == (
        staging.id,
        "staging",
        "ACTIVE",
    )
    assert node["payload"] == '{"digest":"sha256:ab"}'
    assert node["latestStatus"]["environmentUrl"] == "https://staging.example"
    assert [s["state"] for s in node["statuses"]["nodes"]] == ["SUCCESS", "IN_PROGRESS"]
    assert node["commit"]["oid"] == node["commitOid"] == github_api.state.repo.resolve("main")
    assert github_api.counts["graphql:Deployments"] == 1


def test_connections_paginate_with_first_after_and_page_info(github_api: GitHubStandIn) -> None:
    for _ in range(5):
        assert (
            requests.post(
                f"{github_api.api_url}/repos/{REPO}/deployments",
                json={"ref": "main", "environment": "staging", "required_contexts": []},
                headers={"Authorization": f"token {github_api.token}"},
                timeout=10,
            ).status_code
            == 201
        )
    seen, after, pages = [], None, 0
    while True:
        data = graphql(
            github_api, DEPLOYMENTS, {"owner": "octo-org", "name": "octo-repo", "after": after}
        ).json()
        connection = data["data"]["repository"]["deployments"]
        seen += [n["databaseId"] for n in connection["nodes"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == sorted((d.id for d in github_api.state.deployments), reverse=True)


def test_last_and_before_page_backwards(github_api: GitHubStandIn) -> None:
    repo = github_api.state.repo
    for number in range(4):
        repo.commit(f"change {number}")
    query = """query { repository(owner: "octo-org", name: "octo-repo") { object(expression: "main") {
      ... on Commit { history(last: 2) { nodes { messageHeadline } pageInfo { hasPreviousPage startCursor } } } } } }"""
    history = graphql(github_api, query).json()["data"]["repository"]["object"]["history"]
    assert [n["messageHeadline"] for n in history["nodes"]] == ["change 0", "Initial commit"]
    assert history["pageInfo"]["hasPreviousPage"] is True


def test_pull_requests_and_commits_are_linked(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    repo = github_api.state.repo
    feature = repo.commit("Add feature", files={"app.py": "print(1)\n"}, branch="feature")
    pr = repo.pull_request("Add feature", head_ref="feature", merged=True)
    query = """
    query Linked($number: Int!, $oid: GitObjectID!) {
      repository(owner: "octo-org", name: "octo-repo") {
        pullRequest(number: $number) {
          number state merged headRefName baseRefName mergeCommit { oid }
          commits(first: 10) { nodes { commit { oid } } }
        }
        object(oid: $oid) { ... on Commit { associatedPullRequests(first: 5) { nodes { number title } } } }
        defaultBranchRef { name target { ... on Commit { oid parents(first: 2) { totalCount } } } }
      }
    }"""
    _, body = pygithub.requester.graphql_query(query, {"number": pr.number, "oid": feature.sha})
    data = body["data"]["repository"]
    assert (data["pullRequest"]["state"], data["pullRequest"]["merged"]) == ("MERGED", True)
    assert data["pullRequest"]["mergeCommit"]["oid"] == pr.merge_commit_sha
    assert [n["commit"]["oid"] for n in data["pullRequest"]["commits"]["nodes"]] == [feature.sha]
    assert data["object"]["associatedPullRequests"]["nodes"] == [
        {"number": pr.number, "title": "Add feature"}
    ]
    assert data["defaultBranchRef"]["target"] == {
        "oid": pr.merge_commit_sha,
        "parents": {"totalCount": 2},
    }


def test_nodes_are_found_by_their_global_id(
    pygithub: github.Github, github_api: GitHubStandIn
) -> None:
    deployment = pygithub.get_repo(REPO).create_deployment(
        "main", environment="staging", required_contexts=[]
    )
    query = "query($id: ID!) { node(id: $id) { __typename ... on Deployment { databaseId } } }"
    data = graphql(github_api, query, {"id": deployment.node_id}).json()["data"]
    assert data["node"] == {"__typename": "Deployment", "databaseId": deployment.id}


def test_an_unknown_repository_is_not_found_the_github_way(pygithub: github.Github) -> None:
    query = 'query { repository(owner: "octo-org", name: "nope") { id } }'
    with pytest.raises(github.UnknownObjectException):
        pygithub.requester.graphql_query(query, {})


def test_a_query_that_breaks_the_schema_is_rejected_and_recorded(github_api: GitHubStandIn) -> None:
    with github_api.problems.expected() as caught:
        response = graphql(
            github_api,
            'query Broken { repository(owner: "octo-org", name: "octo-repo") { deploys } }',
        )
    assert response.status_code == 200
    assert (
        "Cannot query field 'deploys' on type 'Repository'"
        in response.json()["errors"][0]["message"]
    )
    assert [(p.kind, p.where) for p in caught] == [("request", "graphql:Broken")]


def test_a_connection_without_first_or_last_is_refused_as_github_does(
    github_api: GitHubStandIn,
) -> None:
    with github_api.problems.expected() as caught:
        body = graphql(
            github_api,
            'query { repository(owner: "octo-org", name: "octo-repo") '
            "{ deployments { totalCount } } }",
        ).json()
    assert body["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert [p.kind for p in caught] == ["request"]


def test_a_field_the_stand_in_does_not_serve_fails_loudly(github_api: GitHubStandIn) -> None:
    with github_api.problems.expected() as caught:
        body = graphql(
            github_api,
            'query { repository(owner: "octo-org", name: "octo-repo") { stargazerCount } }',
        ).json()
    assert "does not serve Repository.stargazerCount" in body["errors"][0]["message"]
    assert [p.kind for p in caught] == ["response"]


@pytest.mark.parametrize(
    ("path", "broken"),
    [
        (("state",), "BOGUS"),  # not a DeploymentState
        (("createdAt",), "yesterday"),  # not a DateTime
        (("databaseId",), "1846213001"),  # an Int as a string
        (("statuses", "nodes"), None),  # dropped field
        (("creator",), None),  # null in a non-null field
        (("commit", "color"), "red"),  # a field the query did not select
    ],
)
def test_a_malformed_graphql_response_is_rejected_by_the_validation(
    github_api: GitHubStandIn, path: tuple[str, ...], broken: Any
) -> None:
    requests.post(
        f"{github_api.api_url}/repos/{REPO}/deployments",
        json={"ref": "main", "environment": "staging", "required_contexts": []},
        headers={"Authorization": f"token {github_api.token}"},
        timeout=10,
    )
    variables = {"owner": "octo-org", "name": "octo-repo"}
    data = graphql(github_api, DEPLOYMENTS, variables).json()["data"]
    schema = github_graphql_schema()
    document, errors = check_query(schema, DEPLOYMENTS)
    assert document is not None and errors == []
    assert check_result(schema, document, data, variables=variables) == []

    tampered = copy.deepcopy(data)
    target = tampered["repository"]["deployments"]["nodes"][0]
    for key in path[:-1]:
        target = target[key]
    if broken is None and path[-1] != "creator":
        del target[path[-1]]
    else:
        target[path[-1]] = broken
    assert check_result(schema, document, tampered, variables=variables) != []


def test_graphql_requires_a_token(github_api: GitHubStandIn) -> None:
    response = requests.post(
        github_api.graphql_url, json={"query": "query { viewer { login } }"}, timeout=10
    )
    assert response.status_code == 401


def test_viewer_and_rate_limit(github_api: GitHubStandIn) -> None:
    body = graphql(
        github_api, "query { viewer { login } rateLimit { limit remaining used } }"
    ).json()
    assert body["data"]["viewer"] == {"login": "github-actions"}
    assert body["data"]["rateLimit"]["limit"] == 5000

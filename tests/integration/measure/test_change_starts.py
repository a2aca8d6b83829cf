"""Where lead time starts: a squash-merged pull request's first commit (read from GitHub, the
only place that still has it) and a merge commit's first merged commit (local git)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.release.backends import REPOSITORY, github_backend, mirror
from tests.release.support import Cli, Clock, Repo, digest_of

from clearance.release.changes import GitChanges, WithPullRequestStarts
from clearance.release.ledger.github import (
    GitHubApi,
    GitHubChanges,
    GitHubPullRequests,
    RetryPolicy,
)

pytestmark = pytest.mark.integration
T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


def api(github_api: Any) -> GitHubApi:
    return GitHubApi(
        api_url=github_api.api_url,
        token=github_api.token,
        repository=REPOSITORY,
        retry=RetryPolicy(sleep=lambda _: None),
        timeout=10,
    )


def test_a_squash_merge_starts_at_its_pull_requests_first_commit(github_api: Any) -> None:
    state = github_api.state
    with state.lock:
        state.clock.freeze(T0)
        repo = state.repo
        base = repo.resolve("main")
        state.clock.advance(3600)
        repo.commit("start the basket", branch="basket")
        state.clock.advance(2 * 3600)
        repo.commit("finish the basket", branch="basket")
        state.clock.advance(2 * 3600)
        pull = repo.pull_request("Add basket", head_ref="basket", merged=True, squash=True)
        state.clock.advance(600)
        stray = repo.commit("Fix typo (#999)")  # names an issue, not a pull request
    client = api(github_api)
    source = WithPullRequestStarts(GitHubChanges(client), GitHubPullRequests(client))

    found = source.between(base, stray.sha)

    assert found is not None and found.complete
    (squash,) = (c for c in found.changes if c.sha == pull.merge_commit_sha)
    assert squash.pull_request == pull.number
    assert squash.authored_at == T0 + dt.timedelta(hours=5), "the squash commit: merge time"
    assert squash.first_commit_at == T0 + dt.timedelta(hours=1), "the PR's first commit"
    assert squash.started_at == T0 + dt.timedelta(hours=1)
    (typo,) = (c for c in found.changes if c.sha == stray.sha)
    assert (typo.pull_request, typo.first_commit_at) == (999, None), "no such pull request"
    assert github_api.counts["graphql:ClearancePullRequestStarts"] >= 1


def test_pull_request_starts_are_read_25_a_query(github_api: Any) -> None:
    state = github_api.state
    numbers = []
    with state.lock:
        state.clock.freeze(T0)
        for n in range(30):
            state.clock.advance(60)
            state.repo.commit(f"work {n}", branch=f"topic-{n}")
            numbers.append(
                state.repo.pull_request(
                    f"Topic {n}", head_ref=f"topic-{n}", merged=True, squash=True
                ).number
            )
    github_api.counts.clear()

    starts = GitHubPullRequests(api(github_api)).first_commits(numbers)

    assert starts == {number: T0 + dt.timedelta(minutes=n + 1) for n, number in enumerate(numbers)}
    assert github_api.counts["graphql:ClearancePullRequestStarts"] == 2


def test_local_git_times_a_merge_commit_from_the_first_commit_it_merged(tmp_path: Path) -> None:
    clock = Clock(T0)
    repo = Repo(tmp_path / "repo", clock)
    base = repo.commit("base")
    repo.git("switch", "-q", "-c", "prices")
    clock.advance(hours=1)
    first = repo.commit("start prices", name="prices.txt")
    clock.advance(hours=2)
    repo.commit("finish prices", name="prices.txt")
    repo.git("switch", "-q", "main")
    clock.advance(hours=1)
    when = clock().strftime("%Y-%m-%dT%H:%M:%S+0000")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #7 from acme/prices",
        "prices",
        GIT_AUTHOR_DATE=when,
        GIT_COMMITTER_DATE=when,
    )
    merge = repo.git("rev-parse", "HEAD")

    found = GitChanges(repo.path).between(base, merge)

    assert found is not None
    by_sha = {c.sha: c for c in found.changes}
    assert by_sha[merge].pull_request == 7
    assert by_sha[merge].first_commit_at == T0 + dt.timedelta(hours=1)
    assert by_sha[first].first_commit_at is None, "a plain commit starts at its own time"
    assert by_sha[first].started_at == T0 + dt.timedelta(hours=1)


def test_deploy_start_on_the_github_ledger_records_a_squash_merges_first_commit(
    github_api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = github_backend(github_api)
    clock = Clock(T0)
    repo = Repo(tmp_path / "repo", clock)
    repo.commit("Initial shop")
    mirror(github_api, repo.path)
    with github_api.state.lock:  # the pull request's branch lives only on GitHub
        github_api.state.clock.freeze(T0 - dt.timedelta(days=2))
        github_api.state.repo.commit("start the basket", branch="basket")
        pull = github_api.state.repo.pull_request("Add basket", head_ref="basket")
    clock.advance(hours=1)
    squash = repo.commit(f"Add basket (#{pull.number})")
    mirror(github_api, repo.path)
    cli = Cli(monkeypatch, repo.path, clock, env=backend.cli_env)

    started = cli(
        "deploy",
        "start",
        "-e",
        "staging",
        "--digest",
        digest_of("A"),
        "--format",
        "json",
        *backend.cli_args,
    )

    assert started.code == 0, started.stderr
    history = cli("history", "--format", "json", *backend.cli_args).json()["deployments"]
    changes = {c["sha"]: c for c in history[0]["changes"]}
    assert changes[squash]["pull_request"] == pull.number
    assert changes[squash]["first_commit_at"] == "2025-03-01T09:00:00Z", "read from the PR"

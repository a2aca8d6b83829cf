"""`clearance pr comment` against the GitHub API stand-in: the comment is posted; with
--head-sha, only when that commit belongs to that pull request; a number read from a file
must be digits."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.standins.github_api import GitHubStandIn

pytestmark = pytest.mark.integration


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "comment.md").write_text("### clearance\n\n1 high finding\n")
    (tmp_path / "number").write_text("1\n")
    (tmp_path / "forged").write_text("1; rm -rf /\n")
    return tmp_path


@pytest.fixture
def env(github_api: GitHubStandIn) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": github_api.token,
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_API_URL": github_api.api_url,
    }


@pytest.fixture
def head(github_api: GitHubStandIn) -> str:
    """A branch with one commit and an open pull request (#1) from it."""
    repo = github_api.state.repo
    with github_api.state.lock:
        commit = repo.commit("feature", branch="feature")
        repo.pull_request("A feature", head_ref="feature")
    return commit.sha


def test_the_comment_is_posted_when_the_commit_is_the_pull_requests(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, head: str, run_cli
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "pr", "comment", "--pr-file", "number", "--head-sha", head, "--body-file", "comment.md",
        cwd=work, env=env,
    )  # fmt: skip

    assert result.code == 0, result.stderr
    [comment] = github_api.state.repo.comments
    assert (comment.issue_number, comment.body) == (1, "### clearance\n\n1 high finding\n")
    assert result.stdout.strip().endswith(f"#issuecomment-{comment.id}")


def test_another_commit_or_a_forged_number_is_refused(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, head: str, run_cli
) -> None:  # type: ignore[no-untyped-def]
    main = github_api.state.repo.resolve("main")
    other = run_cli(
        "pr", "comment", "--pr", "1", "--head-sha", str(main), "--body-file", "comment.md",
        cwd=work, env=env,
    )  # fmt: skip
    forged = run_cli(
        "pr", "comment", "--pr-file", "forged", "--body-file", "comment.md", cwd=work, env=env
    )

    assert other.code == 1 and "is not part of pull request #1" in other.stderr
    assert forged.code == 2 and "not a pull request number" in forged.stderr
    assert github_api.state.repo.comments == []

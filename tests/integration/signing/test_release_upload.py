"""`clearance release upload` against the GitHub API stand-in (every request and response
validated against GitHub's REST description): the release is created when the tag has none,
assets are uploaded with their media type, never replaced, and the token is never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.standins.github_api import GitHubStandIn

pytestmark = pytest.mark.integration


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "shop-1.0.0-py3-none-any.whl").write_bytes(b"wheel\n")
    (tmp_path / "dist" / "shop-1.0.0.tar.gz").write_bytes(b"sdist\n")
    (tmp_path / "dist" / "shop-1.0.0.tar.gz.sigstore.json").write_text("{}\n")
    (tmp_path / "CHANGES.md").write_text("First release.\n")
    return tmp_path


@pytest.fixture
def env(github_api: GitHubStandIn) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": github_api.token,
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_API_URL": github_api.api_url,
        "GITHUB_SERVER_URL": github_api.server_url,
    }


def test_the_release_is_created_and_the_files_uploaded(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, run_cli
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "release", "upload", "--tag", "v1.0.0", "--notes-file", "CHANGES.md", "--format", "json",
        "dist/shop-1.0.0-py3-none-any.whl", "dist/shop-1.0.0.tar.gz",
        "dist/shop-1.0.0.tar.gz.sigstore.json", cwd=work, env=env,
    )  # fmt: skip

    assert result.code == 0, result.stderr
    [release] = github_api.state.repo.releases.values()
    assert (release.tag_name, release.name, release.body) == (
        "v1.0.0",
        "v1.0.0",
        "First release.\n",
    )
    kinds = {asset.name: (asset.content_type, asset.content) for asset in release.assets}
    assert kinds == {
        "shop-1.0.0-py3-none-any.whl": ("application/zip", b"wheel\n"),
        "shop-1.0.0.tar.gz": ("application/x-tar", b"sdist\n"),
        "shop-1.0.0.tar.gz.sigstore.json": ("application/json", b"{}\n"),
    }
    document = json.loads(result.stdout)
    assert document["created"] is True and document["tag"] == "v1.0.0"
    assert [a["name"] for a in document["assets"]] == list(kinds)
    assert github_api.token not in result.stdout + result.stderr


def test_an_existing_release_gets_more_assets_but_none_replaced(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, pygithub, run_cli
) -> None:  # type: ignore[no-untyped-def]
    pygithub.get_repo("octo-org/octo-repo").create_git_release("v1.0.0", "v1.0.0", "notes")

    first = run_cli(
        "release", "upload", "--tag", "v1.0.0", "dist/shop-1.0.0.tar.gz", cwd=work, env=env
    )
    again = run_cli(
        "release", "upload", "--tag", "v1.0.0", "dist/shop-1.0.0.tar.gz", cwd=work, env=env
    )
    missing = run_cli(
        "release",
        "upload",
        "--tag",
        "v2",
        "--no-create",
        "dist/shop-1.0.0.tar.gz",
        cwd=work,
        env=env,
    )

    assert first.code == 0, first.stderr
    assert "release v1.0.0 updated: 1 asset(s) uploaded" in first.stderr
    assert len(github_api.state.repo.releases) == 1
    assert again.code == 2 and "already has shop-1.0.0.tar.gz" in again.stderr
    assert missing.code == 2 and "there is no release v2" in missing.stderr


def test_without_a_tag_or_with_a_missing_file_it_is_a_usage_error(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, run_cli
) -> None:  # type: ignore[no-untyped-def]
    no_tag = run_cli("release", "upload", "dist/shop-1.0.0.tar.gz", cwd=work, env=env)
    missing = run_cli("release", "upload", "--tag", "v1", "dist/nothing.whl", cwd=work, env=env)

    assert no_tag.code == 2 and "--tag is required" in no_tag.stderr
    assert missing.code == 2 and "dist/nothing.whl: no such file" in missing.stderr
    assert github_api.state.repo.releases == {}

"""`clearance metadata`: this run's deployment metadata, from the runner or from git alone."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from pathlib import Path

import pytest
from tests.release.support import Cli, Repo

from clearance.release.git import normalize_remote, pull_request_of

DIGEST = "sha256:" + "ab" * 32


def actions_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "out").write_text("")
    (tmp_path / "env").write_text("")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SHA": "1" * 40,
        "GITHUB_REF": "refs/tags/v2.0.0",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SERVER_URL": "https://github.example.com",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_WORKFLOW": "deploy",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_ENV": str(tmp_path / "env"),
    }


def read_file_commands(path: Path) -> dict[str, str]:
    """Parse `name<<delim` heredoc entries of $GITHUB_OUTPUT / $GITHUB_ENV."""
    values, lines = {}, path.read_text().splitlines()
    i = 0
    while i < len(lines):
        name, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


def test_outside_actions_the_metadata_comes_from_git_alone(repo: Repo, cli: Cli) -> None:
    repo.commit("first")
    repo.git("tag", "v1.2.0")
    sha = repo.commit("second (#12)")
    repo.git(
        "remote", "add", "origin", "https://x-access-token:ghs_secret@github.com/acme/shop.git"
    )

    result = cli("metadata", "--digest", DIGEST, "--environment", "staging", "--format", "json")

    assert result.code == 0, result.stderr
    data = result.json()
    assert data["commit"] == sha
    assert data["ref"] == "refs/heads/main"
    assert data["repository"] == "acme/shop"
    assert data["repository_url"] == "https://github.com/acme/shop"
    assert data["version"].startswith("v1.2.0-1-g")
    assert data["actor"] == "Dev Eloper"
    assert data["environment"] == "staging"
    assert data["digest"] == DIGEST
    assert data["time"] == "2025-03-03T09:00:00Z"
    assert data["run_id"] is None and data["run_url"] is None
    assert "ghs_secret" not in result.stdout + result.stderr


def test_inside_actions_the_runner_variables_win_and_outputs_are_written(
    repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    repo.commit("first")
    env = actions_env(tmp_path)

    result = cli("metadata", "--digest", f"app={DIGEST}", "--environment", "production", env=env)

    assert result.code == 0, result.stderr
    outputs = read_file_commands(tmp_path / "out")
    assert outputs["commit"] == "1" * 40
    assert outputs["version"] == "v2.0.0"
    assert outputs["run-url"] == "https://github.example.com/acme/shop/actions/runs/4242/attempts/2"
    assert outputs["run-attempt"] == "2"
    assert outputs["actor"] == "octocat"
    assert outputs["digest"] == DIGEST
    assert json.loads(outputs["artifacts"]) == [{"name": "app", "digest": DIGEST}]
    assert json.loads(outputs["json"])["environment"] == "production"
    assert (tmp_path / "env").read_text() == "", "nothing is exported without --export"


def test_env_format_uses_the_deploy_prefix(repo: Repo, cli: Cli) -> None:
    sha = repo.commit("first")
    result = cli("metadata", "--digest", DIGEST, "--format", "env")
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["DEPLOY_COMMIT"] == sha
    assert lines["DEPLOY_DIGEST"] == DIGEST
    assert all(name.startswith("DEPLOY_") for name in lines)


@pytest.mark.parametrize("prefix", ["CLEARANCE_", "CLEARANCE_DEPLOY_", "CLEAR"])
def test_clearance_variables_are_never_written(repo: Repo, cli: Cli, prefix: str) -> None:
    repo.commit("first")
    result = cli("metadata", "--format", "env", "--env-prefix", prefix)
    assert result.code == 2
    assert "CLEARANCE_* variables are option defaults" in result.stderr
    assert result.stdout == ""


def test_export_writes_deploy_variables_to_github_env(repo: Repo, cli: Cli, tmp_path: Path) -> None:
    repo.commit("first")
    result = cli("metadata", "--digest", DIGEST, "--export", env=actions_env(tmp_path))
    assert result.code == 0, result.stderr
    exported = read_file_commands(tmp_path / "env")
    assert exported["DEPLOY_DIGEST"] == DIGEST
    assert exported["DEPLOY_VERSION"] == "v2.0.0"
    assert not [name for name in exported if name.startswith("CLEARANCE_")]


def test_labels_are_the_oci_annotations(repo: Repo, cli: Cli) -> None:
    sha = repo.commit("first")
    repo.git("remote", "add", "origin", "git@github.com:acme/shop.git")
    result = cli("metadata", "--format", "labels")
    assert result.stdout.splitlines() == [
        f"org.opencontainers.image.revision={sha}",
        "org.opencontainers.image.source=https://github.com/acme/shop",
        f"org.opencontainers.image.version={sha[:7]}",
        "org.opencontainers.image.created=2025-03-03T09:00:00Z",
    ]


def test_otel_resource_attributes_use_semantic_convention_keys_and_encode_values(
    repo: Repo, cli: Cli
) -> None:
    sha = repo.commit("first")
    result = cli(
        "metadata",
        "--format",
        "otel",
        "--environment",
        "prod/eu-west-1",
        "--version",
        "1.0,beta=2",
        "--service",
        "shop api",
    )
    name, _, value = result.stdout.strip().partition("=")
    assert name == "OTEL_RESOURCE_ATTRIBUTES"
    pairs = dict(item.split("=", 1) for item in value.split(","))
    decoded = {k: urllib.parse.unquote(v) for k, v in pairs.items()}
    assert decoded["deployment.environment.name"] == "prod/eu-west-1"
    assert decoded["service.version"] == "1.0,beta=2"
    assert decoded["service.name"] == "shop api"
    assert decoded["vcs.ref.head.revision"] == sha
    assert decoded["vcs.ref.head.name"] == "main"
    assert decoded["vcs.ref.type"] == "branch"
    assert " " not in value


def test_artifact_files_are_hashed(repo: Repo, cli: Cli) -> None:
    repo.commit("first")
    (repo.path / "dist").mkdir()
    (repo.path / "dist" / "app.tar.gz").write_bytes(b"artifact bytes")
    result = cli("metadata", "--artifact", "dist/app.tar.gz", "--format", "json")
    assert result.json()["artifacts"] == [
        {"name": "app.tar.gz", "digest": "sha256:" + hashlib.sha256(b"artifact bytes").hexdigest()}
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--artifact", "missing.bin"], "--artifact missing.bin: no such file"),
        (["--digest", "sha256:abc"], "not a digest"),
        (["--digest", "md5:" + "a" * 32], "not a digest"),
    ],
)
def test_bad_artifacts_are_usage_errors(
    repo: Repo, cli: Cli, args: list[str], message: str
) -> None:
    repo.commit("first")
    result = cli("metadata", *args)
    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_git_or_github_sha_the_commit_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.release.support import Clock

    cli = Cli(monkeypatch, tmp_path, Clock())
    result = cli("metadata")
    assert result.code == 2
    assert "pass --commit SHA" in result.stderr
    assert cli("metadata", "--commit", "a" * 40, "--format", "json").json()["commit"] == "a" * 40


@pytest.mark.parametrize(
    "remote, expected",
    [
        ("git@github.com:acme/shop.git", "https://github.com/acme/shop"),
        ("https://github.com/acme/shop.git", "https://github.com/acme/shop"),
        (
            "https://user:token@ghe.example.com:8443/acme/shop",
            "https://ghe.example.com:8443/acme/shop",
        ),
        ("ssh://git@github.com/acme/shop.git", "https://github.com/acme/shop"),
        ("", None),
        ("/local/path/repo", None),
    ],
)
def test_remotes_become_credential_free_https_urls(remote: str, expected: str | None) -> None:
    assert normalize_remote(remote) == expected


@pytest.mark.parametrize(
    "subject, number",
    [
        ("Add checkout (#123)", 123),
        ("Merge pull request #45 from acme/feature", 45),
        ("Fix #9 in the parser", None),
        ("plain commit", None),
    ],
)
def test_pull_requests_are_read_from_squash_and_merge_subjects(
    subject: str, number: int | None
) -> None:
    assert pull_request_of(subject) == number

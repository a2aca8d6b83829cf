"""`--attach-to-release` and `--github-attestation` against the GitHub API stand-in (every
request and response validated against GitHub's REST description), with bundles signed by the
Sigstore stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.standins.github_api import GitHubStandIn
from tests.standins.sigstore_instance import SigstoreInstance

pytestmark = pytest.mark.integration

SBOM = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.tar.gz").write_bytes(b"app\n")
    (tmp_path / "dist" / "app.whl").write_bytes(b"wheel\n")
    (tmp_path / "sbom.json").write_text(json.dumps(SBOM))
    return tmp_path


@pytest.fixture
def env(github_api: GitHubStandIn, sigstore_instance: SigstoreInstance) -> dict[str, str]:
    return {
        "CLEARANCE_IDENTITY_TOKEN": sigstore_instance.email_token("dev@example.com"),
        "GITHUB_TOKEN": github_api.token,
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_API_URL": github_api.api_url,
        "GITHUB_SERVER_URL": github_api.server_url,
    }


def trust(sigstore_instance: SigstoreInstance) -> list[str]:
    return ["--trust-config", str(sigstore_instance.trust_config_path)]


def test_bundles_are_attached_to_the_release(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, pygithub, sigstore_instance, run_cli
) -> None:  # type: ignore[no-untyped-def]
    pygithub.get_repo("octo-org/octo-repo").create_git_release("v1.2.0", "v1.2.0", "notes")

    result = run_cli(
        "sign", "dist/app.tar.gz", "dist/app.whl", *trust(sigstore_instance),
        "--attach-to-release", "v1.2.0", "--format", "json", cwd=work, env=env,
    )  # fmt: skip

    assert result.code == 0, result.stderr
    [release] = github_api.state.repo.releases.values()
    assets = {asset.name: asset.content for asset in release.assets}
    assert assets == {
        "app.tar.gz.sigstore.json": (work / "dist/app.tar.gz.sigstore.json").read_bytes(),
        "app.whl.sigstore.json": (work / "dist/app.whl.sigstore.json").read_bytes(),
    }
    urls = json.loads(result.stdout)["release_assets"]
    assert [u.rsplit("/", 1)[-1] for u in urls] == sorted(assets)
    assert github_api.token not in result.stdout + result.stderr


def test_a_missing_release_or_an_existing_asset_is_exit_2(
    work: Path, env: dict[str, str], pygithub, sigstore_instance, run_cli
) -> None:  # type: ignore[no-untyped-def]
    missing = run_cli(
        "sign", "dist/app.tar.gz", *trust(sigstore_instance), "--attach-to-release", "v9",
        cwd=work, env=env,
    )  # fmt: skip
    pygithub.get_repo("octo-org/octo-repo").create_git_release("v1", "v1", "notes")
    first = run_cli(
        "sign", "dist/app.tar.gz", *trust(sigstore_instance), "--attach-to-release", "v1",
        cwd=work, env=env,
    )  # fmt: skip
    again = run_cli(
        "sign", "dist/app.tar.gz", *trust(sigstore_instance), "--attach-to-release", "v1",
        cwd=work, env=env,
    )  # fmt: skip

    assert missing.code == 2 and "there is no release v9 of octo-org/octo-repo" in missing.stderr
    assert first.code == 0
    assert again.code == 2 and "already has app.tar.gz.sigstore.json" in again.stderr


def test_an_attestation_is_stored_with_githubs_attestations_api(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, sigstore_instance, run_cli
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "attest", "sbom", "dist/app.tar.gz", "dist/app.whl", "--sbom", "sbom.json",
        *trust(sigstore_instance), "--github-attestation", "--format", "json",
        cwd=work, env=env,
    )  # fmt: skip

    assert result.code == 0, result.stderr
    [stored] = github_api.state.repo.attestations
    assert stored.predicate_type == "https://cyclonedx.org/bom"
    assert len(stored.subject_digests) == 2
    assert stored.bundle == json.loads((work / "dist/app.tar.gz.sbom.sigstore.json").read_text())
    attestation = json.loads(result.stdout)["attestation"]
    assert attestation["url"].endswith(f"/octo-org/octo-repo/attestations/{attestation['id']}")


@pytest.mark.parametrize("unsupported", ["no permission (403)", "no such API (404)"])
def test_without_the_attestations_api_a_notice_and_the_local_bundle(
    work: Path,
    env: dict[str, str],
    github_api: GitHubStandIn,
    sigstore_instance,
    run_cli,
    unsupported: str,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    if "403" in unsupported:
        env["GITHUB_TOKEN"] = github_api.add_token(permissions={"contents": "write"})
    else:
        env["GITHUB_REPOSITORY"] = "octo-org/private-repo"  # GitHub answers 404
    env |= {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out")}
    (tmp_path / "out").touch()

    with github_api.problems.expected():
        result = run_cli(
            "attest", "sbom", "dist/app.tar.gz", "--sbom", "sbom.json",
            *trust(sigstore_instance), "--github-attestation", cwd=work, env=env,
        )  # fmt: skip

    assert result.code == 0, result.stderr
    assert "GitHub did not store the attestation (HTTP" in result.stderr
    assert "::notice title=clearance::GitHub did not store the attestation" in result.stderr
    assert (work / "dist/app.tar.gz.sbom.sigstore.json").is_file()
    assert github_api.state.repo.attestations == []
    assert "attestation-id<<" in (tmp_path / "out").read_text()


def test_a_failing_attestations_api_is_exit_3(
    work: Path, env: dict[str, str], github_api: GitHubStandIn, sigstore_instance, run_cli
) -> None:  # type: ignore[no-untyped-def]
    github_api.faults.server_errors(1, status=502, operation="repos/create-attestation")

    result = run_cli(
        "attest", "sbom", "dist/app.tar.gz", "--sbom", "sbom.json", *trust(sigstore_instance),
        "--github-attestation", cwd=work, env=env,
    )  # fmt: skip

    assert result.code == 3
    assert f"GitHub API at {github_api.api_url}: storing the attestation: HTTP 502" in result.stderr


def test_uploads_need_a_token_from_the_environment(
    work: Path, env: dict[str, str], sigstore_instance, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    del env["GITHUB_TOKEN"]

    result = run_cli(
        "sign", "dist/app.tar.gz", *trust(sigstore_instance), "--attach-to-release", "v1",
        cwd=work, env=env,
    )  # fmt: skip

    assert result.code == 2 and "needs GITHUB_TOKEN" in result.stderr

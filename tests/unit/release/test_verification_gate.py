"""Promotion verifies the digest's signature (and provenance) with the trust module when
[tool.clearance.verify] is configured: real Sigstore bundles from the corpus, offline."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from tests.release.support import Cli, Clock, Repo, deployment_id
from tests.unit.trust.corpus import BY_ID

CASE = BY_ID["py-bundle_v3_github.whl"]


def configure(repo: Repo, *, identity: str, require: str) -> None:
    (repo.path / "clearance.toml").write_text(
        f'[verify]\ncert-identity = "{identity}"\nissuer = "{CASE.issuer}"\n\n'
        f'[environments.production]\nafter = "staging"\nrequire = {require}\n'
    )


@pytest.fixture
def digest(repo: Repo) -> str:
    assert CASE.artifact is not None
    repo.commit("initial")
    (repo.path / "dist").mkdir()
    shutil.copy(CASE.bundle, repo.path / "dist" / "app.sigstore.json")
    return "sha256:" + hashlib.sha256(CASE.artifact.read_bytes()).hexdigest()


def staged(cli: Cli, digest: str, *evidence: str) -> None:
    ident = deployment_id(
        cli("deploy", "start", "-e", "staging", "--digest", digest, "--format", "json", *evidence)
    )
    assert cli("deploy", "finish", "--deployment-id", ident, "--status", "success").code == 0


def test_a_signature_verified_under_the_policy_opens_the_gate(
    repo: Repo, cli: Cli, digest: str
) -> None:
    configure(repo, identity=CASE.identity, require='["signature"]')
    staged(cli, digest, "--evidence", "dist/app.sigstore.json")
    result = cli("promote", "--digest", digest, "--to", "production")
    assert result.code == 0, result.stderr
    assert (
        f"verification: signature verified (1 of 1 bundle(s), signed by {CASE.identity})"
        in result.stderr
    )


def test_a_signature_from_another_identity_closes_it(repo: Repo, cli: Cli, digest: str) -> None:
    configure(repo, identity=CASE.identity.replace("v0.1.2", "v9.9.9"), require='["signature"]')
    staged(cli, digest, "--evidence", "dist/app.sigstore.json")
    result = cli("promote", "--digest", digest, "--to", "production")
    assert result.code == 1
    line = next(line for line in result.stderr.splitlines() if "verification:" in line)
    assert "FAIL" in line and "identity" in line


@pytest.mark.parametrize(
    "evidence, require, message",
    [
        ([], '["signature"]', "no bundle recorded with"),
        (
            ["--evidence", "dist/gone.sigstore.json"],
            '["signature"]',
            "is not here (download it before promoting)",
        ),
        (["--evidence", "dist/app.sigstore.json"], '["provenance"]', "no verified SLSA provenance"),
    ],
)
def test_missing_evidence_closes_the_gate_with_the_reason(
    repo: Repo, cli: Cli, digest: str, evidence: list[str], require: str, message: str
) -> None:
    configure(repo, identity=CASE.identity, require=require)
    staged(cli, digest, *evidence)
    result = cli("promote", "--digest", digest, "--to", "production")
    assert result.code == 1
    assert message in result.stderr


def test_without_a_requirement_the_configured_gate_says_so(
    repo: Repo, cli: Cli, digest: str, clock: Clock
) -> None:
    configure(repo, identity=CASE.identity, require="[]")
    staged(cli, digest)
    result = cli("promote", "--digest", digest, "--to", "production")
    assert result.code == 0
    assert "verification: production requires no signature or provenance" in result.stderr

"""`clearance verify` on the command line: bundle naming, inputs, outputs, config, trust roots,
and the exit-code contract (0 all verified, 1 any failed, 2 unusable input, 3 refresh failed)."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
from tests.unit.trust.corpus import BY_ID, DATA

RELEASE = BY_ID["py-bundle_v3_github.whl"]  # rfc8785-0.1.2 wheel, signed by its release workflow
SLSA = BY_ID["pa-pypi_attestations-0.0.19-slsa-pep740"]
PUBLISH = BY_ID["pa-pypi_attestations-0.0.19-publish-pep740"]
RELEASE_POLICY = [
    "--repository",
    "trailofbits/rfc8785.py",
    "--workflow",
    ".github/workflows/release.yml",
    "--ref",
    "refs/tags/v*",
]
WITH_BUNDLE = ["present.whl", "--bundle", "x.json", "--repository", "o/r"]
PYPI_POLICY = ["--repository", "trailofbits/pypi-attestations", "--ref", "refs/tags/v*"]


def release_in(directory: Path, name: str = "rfc8785-0.1.2-py3-none-any.whl") -> Path:
    """The release artifact with its signature bundle named after it, as signing leaves them."""
    assert RELEASE.artifact is not None
    artifact = directory / name
    shutil.copyfile(RELEASE.artifact, artifact)
    shutil.copyfile(RELEASE.bundle, directory / f"{name}.sigstore.json")
    return artifact


def json_verdicts(stdout: str) -> list[dict[str, object]]:
    verdicts: list[dict[str, object]] = json.loads(stdout)["verdicts"]
    return verdicts


# --- bundle naming --------------------------------------------------------------------------


def test_a_file_is_verified_with_the_bundle_named_after_it(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    artifact = release_in(tmp_path)
    result = run_cli("verify", artifact.name, *RELEASE_POLICY, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"verified: {artifact.name} [signature] with ")


def test_attestation_kinds_use_their_own_bundle_names(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert SLSA.artifact is not None
    artifact = tmp_path / "pypi_attestations-0.0.19.tar.gz"
    shutil.copyfile(SLSA.artifact, artifact)
    shutil.copyfile(SLSA.bundle, tmp_path / f"{artifact.name}.provenance.sigstore.json")
    shutil.copyfile(PUBLISH.bundle, tmp_path / f"{artifact.name}.sigstore.json")

    result = run_cli(
        "verify", artifact.name, "--kind", "signature", "--kind", "provenance",
        *PYPI_POLICY, "--format", "json", cwd=tmp_path,
    )  # fmt: skip

    assert result.code == 0, result.stdout
    verdicts = json_verdicts(result.stdout)
    assert [v["kind"] for v in verdicts] == ["signature", "provenance"]
    assert [v["bundle"] for v in verdicts] == [
        str(tmp_path / f"{artifact.name}.sigstore.json"),
        str(tmp_path / f"{artifact.name}.provenance.sigstore.json"),
    ]
    assert verdicts[1]["predicate_type"] == "https://slsa.dev/provenance/v1"
    assert verdicts[1]["provenance"] == {
        "compared": ["builder", "source repository", "ref", "commit", "workflow"],
        "not_compared": [],
    }


def test_a_plain_signature_where_an_attestation_is_expected_fails(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    artifact = release_in(tmp_path)
    shutil.copyfile(RELEASE.bundle, tmp_path / f"{artifact.name}.provenance.sigstore.json")
    result = run_cli("verify", artifact.name, "--kind", "provenance", *RELEASE_POLICY, cwd=tmp_path)
    assert result.code == 1
    assert "not-an-attestation" in result.stdout


def test_the_predicate_type_is_enforced(run_cli) -> None:  # type: ignore[no-untyped-def]
    slsa = "https://slsa.dev/provenance/v1"
    ok = run_cli("verify", str(SLSA.artifact), "--bundle", str(SLSA.bundle), *PYPI_POLICY,
                 "--predicate-type", slsa)  # fmt: skip
    assert ok.code == 0, ok.stdout
    wrong = run_cli("verify", str(PUBLISH.artifact), "--bundle", str(PUBLISH.bundle),
                    *PYPI_POLICY, "--predicate-type", slsa, "--format", "json")  # fmt: skip
    assert wrong.code == 1
    assert json_verdicts(wrong.stdout)[0]["reason"] == "predicate-type-mismatch"


def test_a_pep740_attestation_object_verifies_like_its_bundle(run_cli) -> None:  # type: ignore[no-untyped-def]
    attestation = DATA / "pep740" / "pypi_attestations-0.0.19.tar.gz.publish.attestation"
    result = run_cli("verify", str(PUBLISH.artifact), "--bundle", str(attestation), *PYPI_POLICY)
    assert result.code == 0, result.stdout


def test_several_bundles_for_one_artifact(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "verify", str(SLSA.artifact), "--bundle", str(SLSA.bundle), "--bundle", str(PUBLISH.bundle),
        *PYPI_POLICY, "--format", "json",
    )  # fmt: skip
    assert result.code == 0
    assert len(json_verdicts(result.stdout)) == 2


# --- unusable input: exit 2, one line, no traceback -----------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.whl", *RELEASE_POLICY], "artifact missing.whl: no such file"),
        (["present.whl", *RELEASE_POLICY], "present.whl.sigstore.json: no such file"),
        (["present.whl", "--bundle", "not-json.json", *RELEASE_POLICY], "not JSON"),
        (["present.whl", "--kind", "sbom", *RELEASE_POLICY], "present.whl.sbom.sigstore.json"),
        ([f"sha256:{'a' * 64}", *RELEASE_POLICY], "needs its bundle"),
        (["sha256:abc", "--bundle", "not-json.json", *RELEASE_POLICY], "is not a digest"),
        (["present.whl", "present.whl", "--bundle", "x.json", *RELEASE_POLICY], "one --bundle per"),
        ([*RELEASE_POLICY], "at least one ARTIFACT"),
        (["present.whl"], "no identity to verify against"),
        (["present.whl", "--repository", "nope"], "not owner/name"),
        (["present.whl", "--repository", "o/r", "--ref", "refs/[x"], "unclosed"),
        (["present.whl", "--repository", "o/r", "--kind", "nope"], "'nope' is not one of"),
        ([*WITH_BUNDLE, "--trust-config", "none.json"], "none.json: no such file"),
        ([*WITH_BUNDLE, "--trust-config", "not-json.json"], "not JSON"),
        ([*WITH_BUNDLE, "--trust-config", "x.json"], "not a Sigstore ClientTrustConfig"),
        ([*WITH_BUNDLE, "--trust-config", "x.json", "--online"], "exclude"),
        ([".", "--repository", "o/r", "--bundle", "x.json"], "is a directory"),
    ],
)
def test_unusable_input_exits_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "present.whl").write_bytes(b"artifact")
    (tmp_path / "not-json.json").write_text("this is { not json", encoding="utf-8")
    (tmp_path / "x.json").write_text(RELEASE.bundle.read_text(encoding="utf-8"), encoding="utf-8")

    result = run_cli("verify", *args, cwd=tmp_path)

    assert result.code == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("document", ["[]", "{}", '{"mediaType": 3}', '"text"', "null"])
def test_json_that_is_not_a_bundle_fails_verification_with_exit_1(
    document: str, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    artifact = release_in(tmp_path)
    (tmp_path / f"{artifact.name}.sigstore.json").write_text(document, encoding="utf-8")
    result = run_cli("verify", artifact.name, *RELEASE_POLICY, "--format", "json", cwd=tmp_path)
    assert result.code == 1
    assert json_verdicts(result.stdout)[0]["reason"] == "bundle-invalid"


# --- what the verdicts say ------------------------------------------------------------------


def test_the_text_verdict_says_who_which_workflow_ref_commit_when_and_which_log_entry(
    run_cli,
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *RELEASE_POLICY
    )
    line, summary = result.stdout.splitlines()
    assert line.startswith("verified: ")
    for fact in (
        "by https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
        "issuer https://token.actions.githubusercontent.com",
        "workflow trailofbits/rfc8785.py/.github/workflows/release.yml",
        "ref refs/tags/v0.1.2",
        "commit d8b4a6445f38",
        "trigger release",
        "signed 2024-03-19T22:41:16Z",
        "log entry #79605083 on https://rekor.sigstore.dev",
    ):
        assert fact in line
    assert summary == "1 of 1 verified: verified"


def test_the_json_verdict_carries_the_same_facts(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle),
                     *RELEASE_POLICY, "--format", "json")  # fmt: skip
    document = json.loads(result.stdout)
    assert (document["schema"], document["outcome"], document["verified"], document["total"]) == (
        1,
        "verified",
        1,
        1,
    )
    assert "repository trailofbits/rfc8785.py" in document["policy"]
    assert document["trust"] == "production trust root, shipped with sigstore-python"
    [verdict] = document["verdicts"]
    assert (
        verdict["digest"]
        == "sha256:c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201"
    )
    assert verdict["content"] == "message-signature"
    assert verdict["signer"] == {
        "identity": "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
        "issuer": "https://token.actions.githubusercontent.com",
        "repository": "trailofbits/rfc8785.py",
        "workflow": "trailofbits/rfc8785.py/.github/workflows/release.yml",
        "ref": "refs/tags/v0.1.2",
        "sha": "d8b4a6445f38c48b9137a8099706d9b8073146e4",
        "trigger": "release",
        "runner_environment": "github-hosted",
        "run_url": "https://github.com/trailofbits/rfc8785.py/actions/runs/8351058501/attempts/1",
    }
    assert verdict["signed_at"] == "2024-03-19T22:41:16Z"
    assert verdict["log_entry"]["index"] == 79605083
    assert verdict["log_entry"]["url"] == "https://rekor.sigstore.dev"
    assert verdict["log_entry"]["kind"] == "hashedrekord/0.0.1"


def test_a_failure_states_its_reason_and_what_the_certificate_says(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle),
                     "--repository", "trailofbits/rfc8785.py", "--ref", "refs/heads/main")  # fmt: skip
    assert result.code == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith("FAILED: ")
    assert "ref-mismatch: ref is 'refs/tags/v0.1.2', expected 'refs/heads/main'" in line
    assert "(certificate says: by https://github.com/trailofbits/rfc8785.py/" in line


def test_in_github_actions_it_writes_outputs_summary_annotations_and_the_verdict_file(
    tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    tampered = BY_ID["derived-tampered-artifact"]
    result = run_cli(
        "verify", str(RELEASE.artifact), str(tampered.artifact),
        "--bundle", str(RELEASE.bundle), "--bundle", str(tampered.bundle),
        "--cert-identity-regex", "https://github.com/.*", "--verdict-file", "out/verdicts.json",
        cwd=tmp_path, env=env,
    )  # fmt: skip

    assert result.code == 1
    verdict_file = tmp_path / "out" / "verdicts.json"
    assert json.loads(verdict_file.read_text(encoding="utf-8"))["verified"] == 1
    outputs = output.read_text(encoding="utf-8")
    for name, value in (
        ("verdict-file", str(verdict_file)),
        ("verified-count", "1"),
        ("outcome", "failed"),
    ):
        assert f"{name}<<" in outputs
        assert f"\n{value}\n" in outputs
    assert "clearance verify: FAILED (1 of 2 verified)" in summary.read_text(encoding="utf-8")
    assert "::error title=clearance verify::FAILED: " in result.stderr


# --- configuration --------------------------------------------------------------------------


def test_the_policy_comes_from_tool_clearance_verify(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    artifact = release_in(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.clearance.verify]\n"
        'repository = "trailofbits/rfc8785.py"\n'
        'workflow = ".github/workflows/release.yml"\n'
        'ref = ["refs/tags/v*"]\n'
        'trigger = "release"\n'
        'runner-environment = "github-hosted"\n',
        encoding="utf-8",
    )
    assert run_cli("verify", artifact.name, cwd=tmp_path).code == 0
    overridden = run_cli("verify", artifact.name, "--trigger", "push", cwd=tmp_path)
    assert overridden.code == 1
    assert "trigger-mismatch" in overridden.stdout


def test_a_bad_config_value_is_a_usage_error(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    artifact = release_in(tmp_path)
    (tmp_path / "clearance.toml").write_text(
        '[verify]\nrepository = "o/r"\nrunner-environment = "cloud"\n', encoding="utf-8"
    )
    result = run_cli("verify", artifact.name, cwd=tmp_path)
    assert result.code == 2
    assert "verify.runner-environment" in result.stderr


def test_options_take_defaults_from_clearance_environment_variables(
    tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    artifact = release_in(tmp_path)
    env = {
        "CLEARANCE_REPOSITORY": "trailofbits/rfc8785.py",
        "CLEARANCE_REF": "refs/tags/v* refs/heads/main",
    }
    assert run_cli("verify", artifact.name, cwd=tmp_path, env=env).code == 0


# --- trust roots ----------------------------------------------------------------------------


def _shipped(instance: str, name: str) -> Path:
    url = (
        "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
        if instance == "production"
        else ("https%3A%2F%2Ftuf-repo-cdn.sigstage.dev")
    )
    return Path(str(resources.files("sigstore._store").joinpath(url, name)))


def test_offline_ignores_a_trust_root_cached_by_sigstore(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """sigstore prefers its cache; a poisoned (here: staging) cached root must not matter."""
    for variable in ("XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable))
    cache = (
        tmp_path
        / "XDG_CACHE_HOME"
        / "sigstore-python"
        / "tuf"
        / "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
    )
    cache.mkdir(parents=True)
    shutil.copyfile(_shipped("staging", "trusted_root.json"), cache / "trusted_root.json")

    result = run_cli(
        "verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *RELEASE_POLICY
    )
    assert result.code == 0, result.stdout


def test_a_trust_config_file_is_used_for_private_instances(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    def client_config(instance: str) -> Path:
        path = tmp_path / f"{instance}.trust.json"
        document = {
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": json.loads(_shipped(instance, "trusted_root.json").read_text()),
            "signingConfig": json.loads(_shipped(instance, "signing_config.v0.2.json").read_text()),
        }
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    base = ["verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *RELEASE_POLICY]
    assert run_cli(*base, "--trust-config", str(client_config("production"))).code == 0
    assert (
        run_cli(*base, "--trust-config", str(_shipped("production", "trusted_root.json"))).code == 0
    )
    wrong = run_cli(*base, "--trust-config", str(client_config("staging")), "--format", "json")
    assert wrong.code == 1
    assert json_verdicts(wrong.stdout)[0]["reason"] == "certificate-invalid"


def test_staging_bundles_need_staging_and_production_ones_production(run_cli) -> None:  # type: ignore[no-untyped-def]
    staging = BY_ID["py-bundle_v3.txt-staging"]
    base = ["verify", str(staging.artifact), "--bundle", str(staging.bundle),
            "--cert-identity", staging.identity, "--issuer", staging.issuer]  # fmt: skip
    assert run_cli(*base, "--staging").code == 0
    assert run_cli(*base).code == 1
    assert run_cli("verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle),
                   *RELEASE_POLICY, "--staging").code == 1  # fmt: skip


def test_claims_of_an_untrusted_certificate_cannot_inject_lines(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """A failed verdict reports what the certificate says; a forged one must not start a
    workflow command (or a terminal sequence) on a line of its own."""
    import base64
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forged")])
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=3650))
        .not_valid_after(now)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier("https://x/\n::error::pwned\n\x1b[2J")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]), False)
        .sign(key, hashes.SHA256())
    )
    bundle = json.loads(RELEASE.bundle.read_text(encoding="utf-8"))
    chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
    chain[0]["rawBytes"] = base64.b64encode(
        forged.public_bytes(serialization.Encoding.DER)
    ).decode()
    artifact = release_in(tmp_path)
    (tmp_path / f"{artifact.name}.sigstore.json").write_text(json.dumps(bundle), encoding="utf-8")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}

    result = run_cli("verify", artifact.name, "--cert-identity-regex", ".*", cwd=tmp_path, env=env)

    assert result.code == 1
    assert "pwned" in result.stdout
    for line in (result.stdout + result.stderr).splitlines():
        assert not line.startswith("::error::pwned")
        assert "\x1b" not in line
    assert "\x1b" not in summary.read_text(encoding="utf-8")
    assert "\n::error::pwned" not in summary.read_text(encoding="utf-8")

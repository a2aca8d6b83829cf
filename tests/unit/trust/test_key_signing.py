"""Key-based signing (`clearance sign --key`, `clearance attest ... --key`) and
`clearance verify --key`: a Sigstore bundle v0.3 with a public-key hint and no log entry,
round-tripped for a blob and an attestation; a wrong key and a tampered artifact fail with 1."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

SBOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


def write_key(path: Path, key: object, password: bytes | None = None) -> Path:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
    )
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.tar.gz").write_bytes(b"application bytes\n")
    (tmp_path / "dist" / "app.whl").write_bytes(b"wheel bytes\n")
    (tmp_path / "sbom.json").write_text(json.dumps(SBOM))
    write_key(tmp_path / "signing.key", ec.generate_private_key(ec.SECP256R1()))
    write_key(tmp_path / "other.key", ec.generate_private_key(ec.SECP256R1()))
    return tmp_path


def test_a_blob_signed_with_a_key_verifies_with_its_public_key(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    signed = run_cli("sign", "dist/app.tar.gz", "dist/app.whl", "--key", "signing.key", cwd=work)

    assert signed.code == 0, signed.stderr
    assert (work / "signing.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    bundle = json.loads((work / "dist/app.tar.gz.sigstore.json").read_text())
    assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert set(bundle["verificationMaterial"]) == {"publicKey", "tlogEntries"}
    assert bundle["verificationMaterial"]["tlogEntries"] == []
    assert "messageSignature" in bundle
    command = signed.stdout.splitlines()[-1].split()
    assert command == [
        "clearance",
        "verify",
        "dist/app.tar.gz",
        "dist/app.whl",
        "--key",
        "signing.pub",
    ]

    verified = run_cli(*command[1:], cwd=work)

    assert verified.code == 0, verified.stdout + verified.stderr
    assert "2 of 2 verified" in verified.stdout


@pytest.mark.parametrize(
    ("kind", "extra", "predicate_type"),
    [
        ("sbom", ["--sbom", "sbom.json"], "https://cyclonedx.org/bom"),
        ("provenance", [], "https://slsa.dev/provenance/v1"),
    ],
)
def test_an_attestation_signed_with_a_key_verifies_with_its_public_key(
    work: Path, run_cli, kind: str, extra: list[str], predicate_type: str
) -> None:  # type: ignore[no-untyped-def]
    env = {  # provenance describes a run: the runner's variables, no OIDC token
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_REPOSITORY_ID": "1",
        "GITHUB_REPOSITORY_OWNER_ID": "2",
        "GITHUB_WORKFLOW_REF": "acme/app/.github/workflows/release.yml@refs/tags/v1",
        "GITHUB_REF": "refs/tags/v1",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_RUN_ID": "3",
        "GITHUB_RUN_ATTEMPT": "1",
        "RUNNER_ENVIRONMENT": "self-hosted",
    }
    signed = run_cli(
        "attest", kind, "dist/app.tar.gz", *extra, "--key", "signing.key", cwd=work, env=env
    )

    assert signed.code == 0, signed.stderr
    bundle = json.loads((work / f"dist/app.tar.gz.{kind}.sigstore.json").read_text())
    envelope = bundle["dsseEnvelope"]
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicateType"] == predicate_type
    command = signed.stdout.splitlines()[-1].split()
    assert command[-4:] == ["--predicate-type", predicate_type, "--key", "signing.pub"]

    verified = run_cli(*command[1:], cwd=work)

    assert verified.code == 0, verified.stdout + verified.stderr
    wrong_type = run_cli(
        "verify", "dist/app.tar.gz", "--kind", kind, "--predicate-type", "https://example.com/x",
        "--key", "signing.pub", cwd=work,
    )  # fmt: skip
    assert wrong_type.code == 1 and "predicate-type-mismatch" in wrong_type.stdout


def test_a_wrong_key_fails_with_1(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("sign", "dist/app.tar.gz", "--key", "signing.key", cwd=work).code == 0
    assert run_cli("sign", "dist/app.whl", "--key", "other.key", cwd=work).code == 0
    assert (
        run_cli(
            "attest", "sbom", "dist/app.whl", "--sbom", "sbom.json", "--key", "other.key", cwd=work
        ).code
        == 0
    )

    blob = run_cli("verify", "dist/app.whl", "--key", "signing.pub", cwd=work)
    attestation = run_cli(
        "verify", "dist/app.whl", "--kind", "sbom", "--key", "signing.pub", cwd=work
    )

    assert blob.code == 1 and ": signature-invalid: " in blob.stdout, blob.stdout
    assert attestation.code == 1 and ": signature-invalid: " in attestation.stdout


def test_a_tampered_artifact_fails_with_1(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("sign", "dist/app.tar.gz", "--key", "signing.key", cwd=work).code == 0
    assert (
        run_cli(
            "attest",
            "sbom",
            "dist/app.tar.gz",
            "--sbom",
            "sbom.json",
            "--key",
            "signing.key",
            cwd=work,
        ).code
        == 0
    )
    (work / "dist/app.tar.gz").write_bytes(b"application bytes, patched\n")

    blob = run_cli("verify", "dist/app.tar.gz", "--key", "signing.pub", cwd=work)
    attestation = run_cli(
        "verify", "dist/app.tar.gz", "--kind", "sbom", "--key", "signing.pub", cwd=work
    )

    assert blob.code == 1 and ": digest-mismatch: " in blob.stdout
    assert attestation.code == 1 and ": subject-mismatch: " in attestation.stdout


def test_a_signature_over_other_bytes_with_the_digest_rewritten_fails(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The digest field is not trusted: the signature is checked over the file itself."""
    import hashlib

    assert run_cli("sign", "dist/app.tar.gz", "--key", "signing.key", cwd=work).code == 0
    bundle_path = work / "dist/app.tar.gz.sigstore.json"
    bundle = json.loads(bundle_path.read_text())
    (work / "dist/app.tar.gz").write_bytes(b"other bytes\n")
    bundle["messageSignature"]["messageDigest"]["digest"] = base64.b64encode(
        hashlib.sha256(b"other bytes\n").digest()
    ).decode()
    bundle_path.write_text(json.dumps(bundle))

    result = run_cli("verify", "dist/app.tar.gz", "--key", "signing.pub", cwd=work)

    assert result.code == 1 and ": signature-invalid: " in result.stdout


@pytest.mark.parametrize(
    "make",
    [
        lambda: ed25519.Ed25519PrivateKey.generate(),
        lambda: ec.generate_private_key(ec.SECP384R1()),
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ],
    ids=["ed25519", "ecdsa-p384", "rsa"],
)
def test_other_key_types_round_trip(work: Path, run_cli, make) -> None:  # type: ignore[no-untyped-def]
    write_key(work / "k.pem", make())

    signed = run_cli(
        "sign", "dist/app.tar.gz", "--key", "k.pem", "--public-key", "keys/k.pub", cwd=work
    )
    verified = run_cli("verify", "dist/app.tar.gz", "--key", "keys/k.pub", cwd=work)

    assert signed.code == 0, signed.stderr
    assert verified.code == 0, verified.stdout


def test_an_encrypted_key_takes_its_password_from_the_environment_only(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    password = "correct horse battery staple"
    write_key(work / "locked.key", ec.generate_private_key(ec.SECP256R1()), password.encode())

    without = run_cli("sign", "dist/app.tar.gz", "--key", "locked.key", cwd=work)
    wrong = run_cli(
        "sign",
        "dist/app.tar.gz",
        "--key",
        "locked.key",
        cwd=work,
        env={"CLEARANCE_KEY_PASSWORD": "nope"},
    )
    right = run_cli(
        "sign",
        "dist/app.tar.gz",
        "--key",
        "locked.key",
        cwd=work,
        env={"CLEARANCE_KEY_PASSWORD": password},
    )

    assert without.code == 2 and "set CLEARANCE_KEY_PASSWORD" in without.stderr
    assert wrong.code == 2 and "wrong CLEARANCE_KEY_PASSWORD" in wrong.stderr
    assert right.code == 0, right.stderr
    for result in (without, wrong, right):
        assert password not in result.stdout + result.stderr


def test_a_key_from_an_environment_variable_never_touches_the_disk(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    pem = (work / "signing.key").read_text()
    (work / "signing.key").unlink()

    no_public = run_cli(
        "sign", "dist/app.tar.gz", "--key", "env://SIGNING_KEY", cwd=work, env={"SIGNING_KEY": pem}
    )
    signed = run_cli(
        "sign", "dist/app.tar.gz", "--key", "env://SIGNING_KEY", "--public-key", "release.pub",
        cwd=work, env={"SIGNING_KEY": pem},
    )  # fmt: skip

    assert no_public.code == 2 and "--public-key" in no_public.stderr
    assert signed.code == 0, signed.stderr
    assert "PRIVATE" not in signed.stdout + signed.stderr
    assert run_cli("verify", "dist/app.tar.gz", "--key", "release.pub", cwd=work).code == 0


def test_an_existing_public_key_of_another_key_is_refused(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert (
        run_cli(
            "sign", "dist/app.tar.gz", "--key", "other.key", "--public-key", "signing.pub", cwd=work
        ).code
        == 0
    )

    clash = run_cli("sign", "dist/app.tar.gz", "--key", "signing.key", cwd=work)

    assert clash.code == 2 and "holds another key" in clash.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "dist/app.tar.gz", "--key", "signing.key"], "a private key"),
        (
            ["verify", "dist/app.tar.gz", "--key", "signing.pub", "--repository", "a/b"],
            "--repository",
        ),
        (["sign", "dist/app.tar.gz", "--key", "signing.key", "--staging"], "drop --staging"),
        (["sign", "dist/app.tar.gz", "--key", "missing.key"], "no such file"),
        (["sign", "dist/missing", "--key", "signing.key"], "no such file"),
        (["sign", "--key", "signing.key"], "at least one FILE"),
    ],
)
def test_unusable_key_options_are_exit_2_in_one_line(
    work: Path, run_cli, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("sign", "dist/app.whl", "--key", "signing.key", cwd=work).code == 0

    result = run_cli(*args, cwd=work)

    assert result.code == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert message in line


def test_keyless_verification_of_a_key_signed_bundle_says_to_use_the_key(
    work: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("sign", "dist/app.tar.gz", "--key", "signing.key", cwd=work).code == 0

    result = run_cli("verify", "dist/app.tar.gz", "--repository", "acme/app", cwd=work)

    assert result.code == 1
    assert "signed with a key, not a certificate: verify it with --key" in result.stdout


def test_the_bundle_goes_next_to_the_name_given_even_for_a_symlink(work: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (work / "dist" / "latest.tar.gz").symlink_to("app.tar.gz")

    signed = run_cli("sign", "dist/latest.tar.gz", "--key", "signing.key", cwd=work)

    assert signed.code == 0, signed.stderr
    assert (work / "dist/latest.tar.gz.sigstore.json").is_file()
    assert not (work / "dist/app.tar.gz.sigstore.json").exists()
    assert run_cli("verify", "dist/latest.tar.gz", "--key", "signing.pub", cwd=work).code == 0

"""Keyless signing against the loopback Sigstore instance, checked by `clearance verify`.

Every signature here is made by sigstore-python against the stand-in's Fulcio and Rekor, and
verified by sigstore-python's verifier through `clearance verify --trust-config`: several files
at once, provenance, scan and SBOM attestations; each kind of tampering is rejected; the GitHub
identity policy the signer prints passes for the simulated workflow and fails for another; the
identity token never appears in what the commands print.
"""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from tests.standins.actions_oidc import ActionsOidcStandIn
from tests.standins.sigstore_instance import SigstoreInstance
from tests.standins.tokens import ActionsRun

pytestmark = pytest.mark.integration

RUN = ActionsRun(
    repository="octo-org/octo-repo",
    ref="refs/tags/v1.2.0",
    ref_type="tag",
    event_name="release",
    workflow_ref="octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.0",
    job_workflow_ref="octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.0",
)
POLICY = [
    "--repository",
    "octo-org/octo-repo",
    "--workflow",
    ".github/workflows/release.yml",
    "--ref",
    "refs/tags/v*",
]
REPORT = {
    "$schema": "https://clearance.dev/schema/report/v1.json",
    "version": 1,
    "tool": {"name": "clearance", "version": "0.1.0"},
    "outcome": "pass",
    "fail_on": "high",
    "counts": {"critical": 0, "high": 0, "medium": 1, "low": 2, "info": 0},
    "runs": [
        {
            "scanner": "code",
            "tool": {
                "name": "bandit",
                "version": "1.8.6",
                "information_uri": "https://bandit.readthedocs.io/",
            },
            "counts": {"critical": 0, "high": 0, "medium": 1, "low": 2, "info": 0},
            "suppressed": 0,
            "stats": {},
            "notices": [],
            "findings": [],
        }
    ],
}
SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "components": [{"type": "library", "name": "requests", "version": "2.32.3"}],
}


def runner_env(run: ActionsRun, tmp_path: Path) -> dict[str, str]:
    """What the runner exports to a step of `run` (the parts provenance reads)."""
    workflow_file, _, _ = run.workflow_ref.partition("@")
    return {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": run.repository,
        "GITHUB_REPOSITORY_ID": run.repository_id,
        "GITHUB_REPOSITORY_OWNER_ID": run.repository_owner_id,
        "GITHUB_WORKFLOW_REF": run.workflow_ref,
        "GITHUB_REF": run.ref,
        "GITHUB_SHA": run.sha,
        "GITHUB_EVENT_NAME": run.event_name,
        "GITHUB_RUN_ID": run.run_id,
        "GITHUB_RUN_ATTEMPT": run.run_attempt,
        "RUNNER_ENVIRONMENT": run.runner_environment,
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "WORKFLOW_FILE": workflow_file,
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    (folder / "dist").mkdir(parents=True)
    (folder / "dist" / "app-1.2.0.tar.gz").write_bytes(b"the application\n")
    (folder / "dist" / "app-1.2.0-py3-none-any.whl").write_bytes(b"the wheel\n")
    (folder / "dist" / "notes.txt").write_text("release notes\n", encoding="utf-8")
    (folder / "scan.json").write_text(json.dumps(REPORT), encoding="utf-8")
    (folder / "sbom.cdx.json").write_text(json.dumps(SBOM), encoding="utf-8")
    return folder


@pytest.fixture
def signing(
    sigstore_instance: SigstoreInstance,
    actions_oidc: ActionsOidcStandIn,
    workspace: Path,
    tmp_path: Path,
    run_cli,
):  # type: ignore[no-untyped-def]
    """`signing(*args)`: a clearance command run as a step of RUN with `id-token: write`."""
    actions_oidc.run = RUN
    env = {**actions_oidc.env(), **runner_env(RUN, tmp_path)}
    outputs: list[Any] = []

    def run(*args: str, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        result = run_cli(*args, cwd=workspace, env={**env, **(extra_env or {})})
        outputs.append(result)
        return result

    run.trust = ["--trust-config", str(sigstore_instance.trust_config_path)]  # type: ignore[attr-defined]
    run.outputs = outputs  # type: ignore[attr-defined]
    yield run
    issued = [claims["jti"] for claims in actions_oidc.issued]
    assert issued, "no identity token was handed out"


def data(stdout: str) -> str:
    """stdout without the workflow commands (`::add-mask::`) the runner consumes."""
    return "".join(line for line in stdout.splitlines(keepends=True) if not line.startswith("::"))


def verify(run_cli, workspace: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("verify", *args, cwd=workspace)


def test_several_files_signed_at_once_verify_with_the_printed_command(
    signing, sigstore_instance: SigstoreInstance, workspace: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    files = ["dist/app-1.2.0.tar.gz", "dist/app-1.2.0-py3-none-any.whl", "dist/notes.txt"]

    signed = signing("sign", *files, *signing.trust, "--format", "json")

    assert signed.code == 0, signed.stderr
    document = json.loads(data(signed.stdout))
    assert [b["bundle"] for b in document["bundles"]] == [f + ".sigstore.json" for f in files]
    assert sigstore_instance.counts["fulcio/signingCert"] == 1  # one identity for every file
    assert sigstore_instance.counts["rekor/createLogEntry"] == 3
    for name in files:
        bundle = json.loads((workspace / (name + ".sigstore.json")).read_text())
        assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
        assert "messageSignature" in bundle
    command = shlex.split(document["verify_command"])
    assert command[:5] == ["clearance", "verify", *files]
    assert command[5:] == [
        "--repository",
        "octo-org/octo-repo",
        "--workflow",
        ".github/workflows/release.yml",
        "--ref",
        "refs/tags/v1.2.0",
        *signing.trust,
    ]
    verified = verify(run_cli, workspace, *command[2:])
    assert verified.code == 0, verified.stdout + verified.stderr
    assert "3 of 3 verified" in verified.stdout


def test_the_identity_policy_passes_for_the_simulated_workflow_and_fails_for_another(
    signing, workspace: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    assert signing("sign", "dist/notes.txt", *signing.trust).code == 0

    same = verify(
        run_cli, workspace, "dist/notes.txt", *POLICY, "--trigger", "release", *signing.trust
    )
    other_workflow = verify(
        run_cli,
        workspace,
        "dist/notes.txt",
        "--repository",
        "octo-org/octo-repo",
        "--workflow",
        ".github/workflows/ci.yml",
        *signing.trust,
    )
    other_repository = verify(
        run_cli, workspace, "dist/notes.txt", "--repository", "evil-org/octo-repo", *signing.trust
    )

    assert same.code == 0, same.stdout
    assert other_workflow.code == 1 and "workflow-mismatch" in other_workflow.stdout
    assert other_repository.code == 1 and "repository-mismatch" in other_repository.stdout


@pytest.mark.parametrize(
    ("kind", "extra", "predicate_type"),
    [
        ("provenance", [], "https://slsa.dev/provenance/v1"),
        ("scan", ["--report", "scan.json"], "https://clearance.dev/attestation/scan/v1"),
        ("sbom", ["--sbom", "sbom.cdx.json"], "https://cyclonedx.org/bom"),
    ],
)
def test_attestations_round_trip_through_verify(
    signing, workspace: Path, run_cli, kind: str, extra: list[str], predicate_type: str
) -> None:  # type: ignore[no-untyped-def]
    files = ["dist/app-1.2.0.tar.gz", "dist/app-1.2.0-py3-none-any.whl"]

    attested = signing("attest", kind, *files, *extra, *signing.trust, "--format", "json")

    assert attested.code == 0, attested.stderr
    document = json.loads(data(attested.stdout))
    assert document["predicate_type"] == predicate_type
    assert document["statement_digest"].startswith("sha256:")
    bundles = [workspace / f"{f}.{kind}.sigstore.json" for f in files]
    assert bundles[0].read_bytes() == bundles[1].read_bytes()  # one statement, both subjects
    statement = json.loads(
        base64.b64decode(json.loads(bundles[0].read_text())["dsseEnvelope"]["payload"])
    )
    assert [s["name"] for s in statement["subject"]] == [Path(f).name for f in files]
    command = shlex.split(document["verify_command"])
    assert command[4:8] == ["--kind", kind, "--predicate-type", predicate_type]
    verified = verify(run_cli, workspace, *command[2:])
    assert verified.code == 0, verified.stdout + verified.stderr
    assert "2 of 2 verified" in verified.stdout
    if kind == "provenance":
        as_json = verify(run_cli, workspace, *command[2:], "--format", "json")
        verdict = json.loads(as_json.stdout)["verdicts"][0]
        assert set(verdict["provenance"]["compared"]) >= {
            "builder",
            "source repository",
            "ref",
            "commit",
            "workflow",
        }


def test_provenance_carries_the_runs_facts(signing, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    assert signing("attest", "provenance", "dist/notes.txt", *signing.trust).code == 0

    bundle = json.loads((workspace / "dist/notes.txt.provenance.sigstore.json").read_text())
    predicate = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))["predicate"]
    assert predicate["buildDefinition"]["externalParameters"]["workflow"] == {
        "ref": "refs/tags/v1.2.0",
        "repository": "https://github.com/octo-org/octo-repo",
        "path": ".github/workflows/release.yml",
    }
    assert predicate["buildDefinition"]["resolvedDependencies"] == [
        {
            "uri": "git+https://github.com/octo-org/octo-repo@refs/tags/v1.2.0",
            "digest": {"gitCommit": RUN.sha},
        }
    ]
    assert predicate["runDetails"]["metadata"]["invocationId"] == (
        f"https://github.com/octo-org/octo-repo/actions/runs/{RUN.run_id}/attempts/1"
    )


def test_provenance_the_certificate_contradicts_is_not_written(signing, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    """The runner says one commit, the job's token (and so the certificate) another."""
    result = signing(
        "attest",
        "provenance",
        "dist/notes.txt",
        *signing.trust,
        extra_env={"GITHUB_SHA": "0" * 40},
    )

    assert result.code == 1
    assert "disagrees with the signing certificate" in result.stderr
    assert "commit" in result.stderr
    assert not (workspace / "dist/notes.txt.provenance.sigstore.json").exists()


# ----------------------------------------------------------------------------- tampering


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_tampered_artifact_is_rejected(signing, workspace: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert signing("sign", "dist/notes.txt", *signing.trust).code == 0
    (workspace / "dist/notes.txt").write_text("release notes, edited\n")

    result = verify(run_cli, workspace, "dist/notes.txt", *POLICY, *signing.trust)

    assert result.code == 1
    assert "digest-mismatch" in result.stdout


def test_a_tampered_envelope_is_rejected(signing, workspace: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert signing("attest", "provenance", "dist/notes.txt", *signing.trust).code == 0
    bundle = workspace / "dist/notes.txt.provenance.sigstore.json"

    def other_ref(document: dict[str, Any]) -> None:
        envelope = document["dsseEnvelope"]
        statement = json.loads(base64.b64decode(envelope["payload"]))
        statement["predicate"]["buildDefinition"]["externalParameters"]["workflow"]["ref"] = (
            "refs/heads/evil"
        )
        envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()

    _rewrite(bundle, other_ref)
    result = verify(
        run_cli, workspace, "dist/notes.txt", "--kind", "provenance", *POLICY, *signing.trust
    )

    assert result.code == 1
    assert ": signature-invalid: DSSE: invalid signature" in result.stdout


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        # a second later: still within the certificate, but not what the log signed
        ("integratedTime", "+1", "inclusion-promise-invalid"),
        # before the certificate existed
        ("integratedTime", "1", "certificate-expired"),
        ("logIndex", "7", "inclusion-promise-invalid"),
        (
            "inclusionProof.rootHash",
            base64.b64encode(b"\x00" * 32).decode(),
            "inclusion-proof-invalid",
        ),
        (
            "inclusionPromise.signedEntryTimestamp",
            base64.b64encode(b"\x30\x00").decode(),
            "inclusion-promise-invalid",
        ),
    ],
)
def test_a_tampered_log_entry_is_rejected(
    signing, workspace: Path, run_cli, field: str, value: str, reason: str
) -> None:  # type: ignore[no-untyped-def]
    assert signing("sign", "dist/notes.txt", *signing.trust).code == 0

    def change(document: dict[str, Any]) -> None:
        entry = document["verificationMaterial"]["tlogEntries"][0]
        *parents, leaf = field.split(".")
        for parent in parents:
            entry = entry[parent]
        entry[leaf] = str(int(entry[leaf]) + 1) if value == "+1" else value

    _rewrite(workspace / "dist/notes.txt.sigstore.json", change)
    result = verify(run_cli, workspace, "dist/notes.txt", *POLICY, *signing.trust)

    assert result.code == 1, result.stdout
    assert f"FAILED: dist/notes.txt [signature] with {workspace}" in result.stdout
    assert f": {reason}: " in result.stdout


def test_a_swapped_certificate_is_rejected(
    signing, sigstore_instance: SigstoreInstance, workspace: Path, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The leaf of a rogue CA with the very same claims, put in a genuine bundle."""
    assert signing("sign", "dist/notes.txt", *signing.trust).code == 0
    genuine = json.loads((workspace / "dist/notes.txt.sigstore.json").read_text())
    for name in ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        monkeypatch.delenv(name)
    with SigstoreInstance() as rogue:
        (workspace / "rogue").mkdir()
        (workspace / "rogue" / "notes.txt").write_text("release notes\n", encoding="utf-8")
        rogue_sign = run_cli(
            "sign",
            "rogue/notes.txt",
            "--trust-config",
            str(rogue.trust_config_path),
            cwd=workspace,
            env={"CLEARANCE_IDENTITY_TOKEN": rogue.identity_token(RUN)},
        )
        assert rogue_sign.code == 0, rogue_sign.stderr
    rogue_bundle = json.loads((workspace / "rogue/notes.txt.sigstore.json").read_text())

    whole = workspace / "rogue/notes.txt.sigstore.json"
    by_rogue = verify(
        run_cli, workspace, "dist/notes.txt", "--bundle", str(whole), *POLICY, *signing.trust
    )
    genuine["verificationMaterial"]["certificate"] = rogue_bundle["verificationMaterial"][
        "certificate"
    ]
    swapped = workspace / "swapped.sigstore.json"
    swapped.write_text(json.dumps(genuine))
    with_swapped = verify(
        run_cli, workspace, "dist/notes.txt", "--bundle", str(swapped), *POLICY, *signing.trust
    )

    assert by_rogue.code == 1 and "certificate-invalid" in by_rogue.stdout, by_rogue.stdout
    assert with_swapped.code == 1 and "certificate-invalid" in with_swapped.stdout, (
        with_swapped.stdout
    )


# ----------------------------------------------------------------------------- secrets, errors


def test_no_identity_token_appears_in_any_output(
    signing, actions_oidc: ActionsOidcStandIn, workspace: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for args in (
        ("sign", "dist/notes.txt"),
        ("attest", "provenance", "dist/notes.txt"),
        ("attest", "scan", "dist/notes.txt", "--report", "scan.json"),
        ("attest", "sbom", "dist/notes.txt", "--sbom", "sbom.cdx.json"),
        ("sign", "dist/notes.txt", "-v", "--format", "json"),
    ):
        assert signing(*args, *signing.trust).code == 0
    assert len(actions_oidc.issued) == 5
    written = [
        (tmp_path / "github-output").read_text(),
        (tmp_path / "summary.md").read_text(),
        *(p.read_text() for p in workspace.rglob("*.sigstore.json")),
    ]
    masked: list[str] = []
    for result in signing.outputs:
        for line in (result.stdout + result.stderr).splitlines():
            if line.startswith("::add-mask::"):
                masked.append(line.removeprefix("::add-mask::"))
            else:
                written.append(line)
    # each token was masked for the runner (the runner consumes ::add-mask:: lines, they are
    # never shown), on stderr so data on stdout stays clean, and appears nowhere else
    assert len(masked) == 5
    assert not any(line.startswith("::") for r in signing.outputs for line in r.stdout.splitlines())
    for token in masked:
        assert token.count(".") == 2 and len(token) > 100  # a JWT
        assert not any(token in text for text in written)
        signature = token.split(".")[2]
        assert not any(signature in text for text in written)


def test_an_identity_token_from_the_environment_signs_outside_actions(
    sigstore_instance: SigstoreInstance, workspace: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    token = sigstore_instance.email_token("release-manager@example.com")

    result = run_cli(
        "sign",
        "dist/notes.txt",
        "--trust-config",
        str(sigstore_instance.trust_config_path),
        cwd=workspace,
        env={"CLEARANCE_IDENTITY_TOKEN": token},
    )

    assert result.code == 0, result.stderr
    assert token not in result.stdout + result.stderr
    command = result.stdout.splitlines()[-1].strip()
    assert (
        "--cert-identity release-manager@example.com --issuer https://oauth2.sigstore.dev/auth"
        in command
    )
    verified = run_cli(*shlex.split(command)[1:], cwd=workspace)
    assert verified.code == 0, verified.stdout


def test_without_an_oidc_credential_or_token_it_says_what_to_set(workspace: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("sign", "dist/notes.txt", cwd=workspace, env={"GITHUB_ACTIONS": "true"})

    assert result.code == 2
    [line] = result.stderr.splitlines()
    assert "permissions: id-token: write" in line and "CLEARANCE_IDENTITY_TOKEN" in line
    assert not (workspace / "dist/notes.txt.sigstore.json").exists()


def test_an_unreachable_sigstore_is_exit_3_naming_the_service(
    sigstore_instance: SigstoreInstance, workspace: Path, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    config = json.loads(sigstore_instance.trust_config_path.read_text())
    dead = "http://127.0.0.1:9"
    config["signingConfig"]["caUrls"][0]["url"] = dead
    fulcio_down = tmp_path / "fulcio-down.json"
    fulcio_down.write_text(json.dumps(config))
    config = json.loads(sigstore_instance.trust_config_path.read_text())
    config["signingConfig"]["rekorTlogUrls"][0]["url"] = dead
    rekor_down = tmp_path / "rekor-down.json"
    rekor_down.write_text(json.dumps(config))
    token = {"CLEARANCE_IDENTITY_TOKEN": sigstore_instance.identity_token(RUN)}

    no_fulcio = run_cli(
        "sign", "dist/notes.txt", "--trust-config", str(fulcio_down), cwd=workspace, env=token
    )
    no_rekor = run_cli(
        "sign", "dist/notes.txt", "--trust-config", str(rekor_down), cwd=workspace, env=token
    )

    assert no_fulcio.code == 3
    assert f"Fulcio at {dead}" in no_fulcio.stderr and "unreachable" in no_fulcio.stderr
    assert no_rekor.code == 3
    assert f"Rekor at {dead}" in no_rekor.stderr and "unreachable" in no_rekor.stderr
    assert len(no_fulcio.stderr.splitlines()) == len(no_rekor.stderr.splitlines()) == 1
    assert not (workspace / "dist/notes.txt.sigstore.json").exists()


def test_a_sigstore_that_never_answers_times_out_naming_the_service(
    sigstore_instance: SigstoreInstance, tmp_path: Path
) -> None:
    """sigstore-python's sessions have no timeout; the signer gives every request one."""
    import socket

    from clearance.errors import ServiceError
    from clearance.trust.identity import IdentityToken, TokenSource
    from clearance.trust.keyless import KeylessSigner, load_signing_config
    from clearance.trust.roots import Instance

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    config = json.loads(sigstore_instance.trust_config_path.read_text())
    config["signingConfig"]["caUrls"][0]["url"] = url
    path = tmp_path / "silent.json"
    path.write_text(json.dumps(config))
    token = IdentityToken(sigstore_instance.identity_token(RUN), TokenSource.ENVIRONMENT)

    try:
        with pytest.raises(ServiceError, match=rf"Fulcio at {url} is unreachable \(ReadTimeout\)"):
            with KeylessSigner(load_signing_config(Instance.PRODUCTION, path), token, timeout=0.5):
                pass
    finally:
        silent.close()

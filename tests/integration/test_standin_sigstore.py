"""Unmodified sigstore-python signs against the loopback Sigstore instance and its verifier
accepts the result; tampering anywhere is rejected; GitHub identity policies hold."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sigstore._internal.fulcio.client import FulcioClientError  # what sign_* raises on a 4xx
from sigstore.dsse import Statement, StatementBuilder, Subject
from sigstore.errors import Error as SigstoreError
from sigstore.models import Bundle
from sigstore.oidc import IdentityToken
from sigstore.verify import policy
from tests.standins.sigstore_instance import SigstoreInstance
from tests.standins.sigstore_instance.fulcio import SIGSTORE_OID
from tests.standins.tokens import GITHUB_ACTIONS_ISSUER, ActionsRun, TokenIssuer

pytestmark = pytest.mark.integration

ARTIFACT = b"clearance-1.0.0.tar.gz contents\n"
RUN = ActionsRun(
    repository="octo-org/octo-repo",
    ref="refs/tags/v1.0.0",
    ref_type="tag",
    event_name="release",
    workflow_ref="octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.0.0",
    job_workflow_ref="octo-org/clearance-workflows/.github/workflows/sign.yml@refs/heads/main",
    job_workflow_sha="0123456789abcdef0123456789abcdef01234567",
)


def statement(data: bytes = ARTIFACT) -> Statement:
    return (
        StatementBuilder()
        .subjects(
            [
                Subject(
                    name="clearance-1.0.0.tar.gz",
                    digest={"sha256": hashlib.sha256(data).hexdigest()},
                )
            ]
        )
        .predicate_type("https://slsa.dev/provenance/v1")
        .predicate({"buildDefinition": {"buildType": "https://example.com/build@v1"}})
        .build()
    )


def github_policy(run: ActionsRun) -> policy.AllOf:
    """The identity policy a verifier derives from the claims of the signing run."""
    return policy.AllOf(
        [
            policy.Identity(
                identity=f"https://github.com/{run.job_workflow_ref}", issuer=GITHUB_ACTIONS_ISSUER
            ),
            policy.GitHubWorkflowRepository(run.repository),
            policy.GitHubWorkflowRef(run.ref),
            policy.GitHubWorkflowSHA(run.sha),
            policy.GitHubWorkflowTrigger(run.event_name),
            policy.GitHubWorkflowName(run.workflow),
            policy.OIDCIssuerV2(GITHUB_ACTIONS_ISSUER),
            policy.OIDCBuildSignerURI(f"https://github.com/{run.job_workflow_ref}"),
            policy.OIDCBuildSignerDigest(run.job_workflow_sha),
            policy.OIDCRunnerEnvironment(run.runner_environment),
            policy.OIDCSourceRepositoryURI(f"https://github.com/{run.repository}"),
            policy.OIDCSourceRepositoryDigest(run.sha),
            policy.OIDCSourceRepositoryRef(run.ref),
            policy.OIDCSourceRepositoryIdentifier(run.repository_id),
            policy.OIDCSourceRepositoryOwnerURI(f"https://github.com/{run.repository_owner}"),
            policy.OIDCSourceRepositoryOwnerIdentifier(run.repository_owner_id),
            policy.OIDCBuildConfigURI(f"https://github.com/{run.workflow_ref}"),
            policy.OIDCBuildConfigDigest(run.workflow_sha),
            policy.OIDCBuildTrigger(run.event_name),
            policy.OIDCRunInvocationURI(
                f"https://github.com/{run.repository}/actions/runs/{run.run_id}/attempts/{run.run_attempt}"
            ),
            policy.OIDCSourceRepositoryVisibility(run.repository_visibility),
        ]
    )


@pytest.fixture
def instance() -> Any:
    with SigstoreInstance() as standin:
        yield standin
    assert not standin.problems.take()


def sign_blob(instance: SigstoreInstance, data: bytes = ARTIFACT, run: ActionsRun = RUN) -> Bundle:
    with instance.signing_context().signer(IdentityToken(instance.identity_token(run))) as signer:
        return signer.sign_artifact(data)


def sign_statement(instance: SigstoreInstance, run: ActionsRun = RUN) -> Bundle:
    with instance.signing_context().signer(IdentityToken(instance.identity_token(run))) as signer:
        return signer.sign_dsse(statement())


def test_a_blob_signed_by_sigstore_python_verifies_under_the_github_policy(
    instance: SigstoreInstance,
) -> None:
    bundle = sign_blob(instance)
    instance.verifier().verify_artifact(ARTIFACT, bundle, github_policy(RUN))
    assert instance.counts == {"fulcio/signingCert": 1, "rekor/createLogEntry": 1}


def test_a_dsse_statement_signed_by_sigstore_python_verifies(instance: SigstoreInstance) -> None:
    bundle = sign_statement(instance)
    payload_type, payload = instance.verifier().verify_dsse(bundle, github_policy(RUN))
    assert payload_type == "application/vnd.in-toto+json"
    assert (
        json.loads(payload)["subject"][0]["digest"]["sha256"]
        == hashlib.sha256(ARTIFACT).hexdigest()
    )
    body = json.loads(
        base64.b64decode(
            json.loads(bundle.to_json())["verificationMaterial"]["tlogEntries"][0][
                "canonicalizedBody"
            ]
        )
    )
    assert body["kind"] == "dsse" and set(body["spec"]) == {
        "envelopeHash",
        "payloadHash",
        "signatures",
    }


def test_many_entries_each_carry_a_valid_inclusion_proof_and_checkpoint(
    instance: SigstoreInstance,
) -> None:
    verifier = instance.verifier()
    bundles = [sign_blob(instance, b"artifact %d" % n) for n in range(7)]
    for n, bundle in enumerate(bundles):
        verifier.verify_artifact(b"artifact %d" % n, bundle, github_policy(RUN))
        entry = json.loads(bundle.to_json())["verificationMaterial"]["tlogEntries"][0]
        assert (int(entry["logIndex"]), int(entry["inclusionProof"]["treeSize"])) == (n, n + 1)
    assert requests.get(f"{instance.url}/api/v1/log", timeout=10).json()["treeSize"] == 7


def test_the_certificate_carries_the_workflow_claims_as_fulcio_extensions(
    instance: SigstoreInstance,
) -> None:
    certificate = sign_blob(instance).signing_certificate
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.critical
    assert san.value.get_values_for_type(x509.UniformResourceIdentifier) == [
        f"https://github.com/{RUN.job_workflow_ref}"
    ]
    raw = {
        ext.oid.dotted_string.rsplit(".", 1)[1]: ext.value.value
        for ext in certificate.extensions
        if ext.oid.dotted_string.startswith(SIGSTORE_OID + ".")
    }
    assert raw["1"] == GITHUB_ACTIONS_ISSUER.encode()  # legacy: raw bytes
    assert raw["5"] == RUN.repository.encode()
    assert raw["6"] == RUN.ref.encode()
    assert (
        raw["15"] == b"\x0c" + bytes([len(RUN.repository_id)]) + RUN.repository_id.encode()
    )  # DER UTF8String
    assert {str(n) for n in range(8, 23)} <= set(raw)


def test_a_tampered_artifact_is_rejected(instance: SigstoreInstance) -> None:
    bundle = sign_blob(instance)
    with pytest.raises(SigstoreError):
        instance.verifier().verify_artifact(ARTIFACT + b"!", bundle, github_policy(RUN))


def test_a_tampered_envelope_is_rejected(instance: SigstoreInstance) -> None:
    document = json.loads(sign_statement(instance).to_json())
    forged = statement(b"something else")._contents
    document["dsseEnvelope"]["payload"] = base64.b64encode(forged).decode()
    with pytest.raises(SigstoreError):
        instance.verifier().verify_dsse(Bundle.from_json(json.dumps(document)), github_policy(RUN))


def _tamper_entry(entry: dict[str, Any], what: str) -> None:
    proof = entry["inclusionProof"]
    if what == "integrated time":
        entry["integratedTime"] = str(int(entry["integratedTime"]) + 1)
    elif what == "signed entry timestamp":
        signature = bytearray(base64.b64decode(entry["inclusionPromise"]["signedEntryTimestamp"]))
        signature[-1] ^= 1
        entry["inclusionPromise"]["signedEntryTimestamp"] = base64.b64encode(
            bytes(signature)
        ).decode()
    elif what == "inclusion proof":
        proof["rootHash"] = base64.b64encode(hashlib.sha256(b"another tree").digest()).decode()
    elif what == "checkpoint":
        proof["checkpoint"]["envelope"] = proof["checkpoint"]["envelope"].replace(
            "\n1\n", "\n2\n", 1
        )
    elif what == "log index":
        entry["logIndex"] = str(int(entry["logIndex"]) + 5)
        proof["logIndex"] = entry["logIndex"]


@pytest.mark.parametrize(
    "what",
    ["integrated time", "signed entry timestamp", "inclusion proof", "checkpoint", "log index"],
)
def test_a_tampered_log_entry_is_rejected(instance: SigstoreInstance, what: str) -> None:
    document = json.loads(sign_blob(instance).to_json())
    _tamper_entry(document["verificationMaterial"]["tlogEntries"][0], what)
    with pytest.raises(SigstoreError):
        instance.verifier().verify_artifact(
            ARTIFACT, Bundle.from_json(json.dumps(document)), github_policy(RUN)
        )


def test_a_certificate_from_another_ca_is_rejected(instance: SigstoreInstance) -> None:
    with SigstoreInstance() as foreign:
        forged = sign_blob(foreign)
    with pytest.raises(SigstoreError):
        instance.verifier().verify_artifact(ARTIFACT, forged, github_policy(RUN))


def test_a_certificate_swapped_into_the_bundle_is_rejected(instance: SigstoreInstance) -> None:
    document = json.loads(sign_blob(instance).to_json())
    other = json.loads(sign_blob(instance, b"other artifact").to_json())
    document["verificationMaterial"]["certificate"] = other["verificationMaterial"]["certificate"]
    with pytest.raises(SigstoreError):
        bundle = Bundle.from_json(json.dumps(document))
        instance.verifier().verify_artifact(ARTIFACT, bundle, github_policy(RUN))


@pytest.mark.parametrize(
    "wrong",
    [
        RUN.with_(repository="evil-org/octo-repo", repository_owner="evil-org"),
        RUN.with_(ref="refs/heads/feature"),
        RUN.with_(
            job_workflow_ref="octo-org/octo-repo/.github/workflows/other.yml@refs/heads/main"
        ),
    ],
    ids=["repository", "ref", "signer workflow"],
)
def test_a_policy_for_another_identity_fails(instance: SigstoreInstance, wrong: ActionsRun) -> None:
    bundle = sign_blob(instance)
    with pytest.raises(SigstoreError):
        instance.verifier().verify_artifact(ARTIFACT, bundle, github_policy(wrong))


def test_fulcio_refuses_a_token_it_cannot_verify(instance: SigstoreInstance) -> None:
    impostor = TokenIssuer(GITHUB_ACTIONS_ISSUER)  # right issuer name, unknown key
    token = IdentityToken(impostor.mint(RUN.claims(), audience="sigstore"))
    with pytest.raises(FulcioClientError), instance.signing_context().signer(token) as signer:
        signer.sign_artifact(ARTIFACT)
    assert instance.rejections and "identity token" in instance.rejections[0]
    assert instance.log.entries == []


def test_fulcio_refuses_a_github_token_without_the_workflow_claims(
    instance: SigstoreInstance,
) -> None:
    claims = {k: v for k, v in RUN.claims().items() if k != "job_workflow_ref"}
    token = IdentityToken(instance.github_issuer.mint(claims, audience="sigstore"))
    with pytest.raises(FulcioClientError), instance.signing_context().signer(token) as signer:
        signer.sign_artifact(ARTIFACT)
    assert instance.rejections == ["missing job_workflow_ref claim in ID token"]


def test_an_email_identity_signs_and_verifies(instance: SigstoreInstance) -> None:
    token = IdentityToken(instance.email_token("alice@example.com"))
    with instance.signing_context().signer(token) as signer:
        bundle = signer.sign_artifact(ARTIFACT)
    instance.verifier().verify_artifact(
        ARTIFACT,
        bundle,
        policy.Identity(identity="alice@example.com", issuer="https://oauth2.sigstore.dev/auth"),
    )


def test_rekor_refuses_an_entry_whose_signature_does_not_verify(instance: SigstoreInstance) -> None:
    bundle = json.loads(sign_blob(instance).to_json())
    certificate = bundle["verificationMaterial"]["certificate"]["rawBytes"]
    pem = x509.load_der_x509_certificate(base64.b64decode(certificate)).public_bytes(
        serialization.Encoding.PEM
    )
    entry = {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {
                "hash": {"algorithm": "sha256", "value": hashlib.sha256(b"not signed").hexdigest()}
            },
            "signature": {
                "content": bundle["messageSignature"]["signature"],
                "publicKey": {"content": base64.b64encode(pem).decode()},
            },
        },
    }
    response = requests.post(f"{instance.url}/api/v1/log/entries", json=entry, timeout=10)
    assert response.status_code == 400
    assert len(instance.log.entries) == 1


def test_the_trust_config_file_is_what_sigstore_python_loads(instance: SigstoreInstance) -> None:
    from sigstore.models import ClientTrustConfig

    config = ClientTrustConfig.from_json(instance.trust_config_path.read_text())
    assert config.signing_config.get_tlogs()[0].url == f"{instance.url}/api/v1"

"""The identity policy's GitHub shorthands, checked against the GitHub-issued certificates of
the corpus: the right repository, workflow, ref glob, trigger, commit and runner pass; a wrong
one of each fails, naming what differs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sigstore.models import Bundle
from tests.unit.trust.corpus import BY_ID

from clearance.trust import claims as oids
from clearance.trust.claims import claims_of
from clearance.trust.policy import (
    GITHUB_ACTIONS_ISSUER,
    Constraint,
    IdentityPolicy,
    PolicyError,
    PolicyMismatch,
    ref_matches,
)


def certificate(case_id: str) -> x509.Certificate:
    return Bundle.from_json(BY_ID[case_id].bundle.read_bytes()).signing_certificate


# A release signed by a tag push (rfc8785.py) and a branch build by workflow_dispatch.
RELEASE = certificate("py-bundle_v3_github.whl")
BEACON = certificate("derived-wrong-identity")
PEP740 = certificate("pa-pypi_attestations-0.0.19-publish-pep740")
EMAIL = certificate("py-bundle_v3.txt-staging")

RIGHT = {
    "repository": "trailofbits/rfc8785.py",
    "workflow": ".github/workflows/release.yml",
    "refs": ("refs/tags/v*",),
    "triggers": ("release",),
    "sha": "d8b4a6445f38c48b9137a8099706d9b8073146e4",
    "runner_environment": "github-hosted",
}


def policy(**fields: object) -> IdentityPolicy:
    return IdentityPolicy.build(**fields)  # type: ignore[arg-type]


def test_the_right_shorthands_pass() -> None:
    policy(**RIGHT).verify(RELEASE)


@pytest.mark.parametrize(
    "field, wrong, constraint",
    [
        ("repository", "trailofbits/rfc8785", Constraint.REPOSITORY),
        ("repository", "evil-org/rfc8785.py", Constraint.REPOSITORY),
        ("workflow", ".github/workflows/ci.yml", Constraint.WORKFLOW),
        ("workflow", "evil-org/rfc8785.py/.github/workflows/release.yml", Constraint.WORKFLOW),
        ("refs", ("refs/heads/*",), Constraint.REF),
        ("refs", ("refs/tags/v2*",), Constraint.REF),
        ("triggers", ("push", "workflow_dispatch"), Constraint.TRIGGER),
        ("sha", "0" * 40, Constraint.SHA),
        ("runner_environment", "self-hosted", Constraint.RUNNER),
        ("issuer", "https://accounts.google.com", Constraint.ISSUER),
    ],
)
def test_a_wrong_value_of_each_shorthand_fails_naming_it(
    field: str, wrong: object, constraint: Constraint
) -> None:
    chosen = {**RIGHT, field: wrong}

    with pytest.raises(PolicyMismatch) as caught:
        policy(**chosen).verify(RELEASE)

    named = [m.constraint for m in caught.value.mismatches]
    # A relative --workflow lives in --repository, so a wrong repository also moves the workflow.
    assert named == ([constraint, Constraint.WORKFLOW] if field == "repository" else [constraint])
    assert caught.value.constraint is constraint


def test_every_mismatch_is_named_at_once() -> None:
    with pytest.raises(PolicyMismatch) as caught:
        policy(**RIGHT).verify(BEACON)

    assert [m.constraint for m in caught.value.mismatches] == [
        Constraint.REPOSITORY,
        Constraint.WORKFLOW,
        Constraint.REF,
        Constraint.TRIGGER,
        Constraint.SHA,
    ]
    assert "refs/heads/main" in str(caught.value)


@pytest.mark.parametrize(
    "cert, fields",
    [
        (
            BEACON,
            {
                "repository": "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
                "workflow": ".github/workflows/extremely-dangerous-oidc-beacon.yml",
                "refs": ("refs/heads/main",),
                "triggers": ("workflow_dispatch",),
            },
        ),
        (
            PEP740,
            {
                "repository": "trailofbits/pypi-attestations",
                "workflow": "trailofbits/pypi-attestations/.github/workflows/release.yml",
                "refs": ("refs/tags/v0.0.*",),
                "triggers": ("push", "release"),
            },
        ),
    ],
)
def test_other_github_certificates_pass_their_own_shorthands(
    cert: x509.Certificate, fields: dict[str, object]
) -> None:
    policy(**fields).verify(cert)


def test_repository_and_workflow_owner_compare_case_insensitively_as_github_does() -> None:
    policy(repository="TrailOfBits/RFC8785.py", workflow=".github/workflows/release.yml").verify(
        RELEASE
    )
    with pytest.raises(PolicyMismatch):
        policy(
            repository="trailofbits/rfc8785.py", workflow=".github/workflows/Release.yml"
        ).verify(RELEASE)


def test_github_shorthands_fail_on_a_certificate_without_github_claims() -> None:
    with pytest.raises(PolicyMismatch) as caught:
        policy(repository="octo/app", issuer="https://github.com/login/oauth").verify(EMAIL)
    assert caught.value.constraint is Constraint.REPOSITORY


def test_the_default_issuer_is_github_actions() -> None:
    assert policy(cert_identity="william@yossarian.net").issuer == GITHUB_ACTIONS_ISSUER
    with pytest.raises(PolicyMismatch) as caught:
        policy(cert_identity="william@yossarian.net").verify(EMAIL)
    assert caught.value.constraint is Constraint.ISSUER
    policy(cert_identity="william@yossarian.net", issuer="https://github.com/login/oauth").verify(
        EMAIL
    )


def test_cert_identity_regex_must_match_in_full() -> None:
    workflow_uri = r"https://github\.com/trailofbits/rfc8785\.py/\.github/workflows/release\.yml"
    policy(cert_identity_regex=workflow_uri + r"@refs/tags/v.*").verify(RELEASE)
    with pytest.raises(PolicyMismatch) as caught:
        policy(cert_identity_regex="trailofbits").verify(RELEASE)  # a search would match
    assert caught.value.constraint is Constraint.IDENTITY


@pytest.mark.parametrize(
    "ref, pattern, expected",
    [
        ("refs/tags/v1.2.3", "refs/tags/v*", True),
        ("refs/tags/v1/evil", "refs/tags/v*", False),
        ("refs/tags/release/v1", "refs/tags/**", True),
        ("refs/heads/main", "refs/heads/main", True),
        ("refs/heads/main2", "refs/heads/main", False),
        ("refs/heads/main", "refs/heads/mai?", True),
        ("refs/heads/maint", "refs/heads/mai?", False),
        ("refs/tags/v1", "refs/tags/v[0-9]", True),
        ("refs/tags/vX", "refs/tags/v[!0-9]", True),
        ("refs/tags/v1", "refs/tags/v[!0-9]", False),
        ("refs/tags/v1.0", "refs/tags/v1.0", True),
        ("refs/tags/v1x0", "refs/tags/v1.0", False),
    ],
)
def test_ref_globs(ref: str, pattern: str, expected: bool) -> None:
    assert ref_matches(ref, pattern) is expected


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "no identity"),
        ({"repository": "no-slash"}, "not owner/name"),
        ({"cert_identity_regex": "("}, "cert-identity-regex"),
        ({"repository": "o/r", "refs": ("refs/tags/[v",)}, "unclosed"),
        ({"workflow": ".github/workflows/x.yml"}, "give --repository"),
        ({"repository": "o/r", "workflow": "release.yml"}, "is not .github/workflows"),
        ({"repository": "o/r", "workflow": ".github/workflows/x.yml@refs/heads/main"}, "path only"),
        ({"repository": "o/r", "sha": "abc"}, "commit id"),
        ({"repository": "o/r", "runner_environment": "cloud"}, "not one of"),
    ],
)
def test_unusable_policies_are_refused_with_one_line(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        policy(**fields)


# --- claims: current (DER) and legacy (raw) extensions --------------------------------------


def _certificate_with(extensions: list[tuple[x509.ObjectIdentifier, bytes]]) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(minutes=10))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.UniformResourceIdentifier(
                        "https://github.com/o/r/.github/workflows/r.yml@refs/tags/v1"
                    )
                ]
            ),
            critical=False,
        )
    )
    for oid, value in extensions:
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, value), critical=False)
    return builder.sign(key, hashes.SHA256())


def _der(text: str) -> bytes:
    data = text.encode()
    assert len(data) < 128
    return bytes([0x0C, len(data)]) + data


def test_legacy_only_claims_are_read_from_raw_extensions() -> None:
    cert = _certificate_with(
        [
            (oids.ISSUER_V1, GITHUB_ACTIONS_ISSUER.encode()),
            (oids.GITHUB_REPOSITORY, b"o/r"),
            (oids.GITHUB_REF, b"refs/tags/v1"),
            (oids.GITHUB_TRIGGER, b"push"),
            (oids.GITHUB_SHA, b"a" * 40),
        ]
    )
    claims = claims_of(cert)
    assert (claims.issuer, claims.repository, claims.source_ref) == (
        GITHUB_ACTIONS_ISSUER,
        "o/r",
        "refs/tags/v1",
    )
    policy(
        repository="o/r",
        workflow=".github/workflows/r.yml",
        refs=("refs/tags/v*",),
        triggers=("push",),
        sha="a" * 40,
    ).verify(cert)


def test_current_and_legacy_claims_that_disagree_fail_the_policy() -> None:
    cert = _certificate_with(
        [
            (oids.ISSUER, _der(GITHUB_ACTIONS_ISSUER)),
            (oids.ISSUER_V1, GITHUB_ACTIONS_ISSUER.encode()),
            (oids.SOURCE_REPOSITORY_URI, _der("https://github.com/o/r")),
            (oids.GITHUB_REPOSITORY, b"evil/r"),
        ]
    )
    assert claims_of(cert).conflicts == ("repository",)
    with pytest.raises(PolicyMismatch, match="disagree"):
        policy(repository="o/r").verify(cert)


def test_a_runner_environment_the_certificate_does_not_state_fails() -> None:
    cert = _certificate_with([(oids.ISSUER, _der(GITHUB_ACTIONS_ISSUER))])
    with pytest.raises(PolicyMismatch) as caught:
        policy(workflow="o/r/.github/workflows/r.yml", runner_environment="github-hosted").verify(
            cert
        )
    assert caught.value.constraint is Constraint.RUNNER


def test_policy_failures_on_the_cli_name_the_shorthand(run_cli) -> None:  # type: ignore[no-untyped-def]
    case = BY_ID["py-bundle_v3_github.whl"]
    base = ["verify", str(case.artifact), "--bundle", str(case.bundle), "--format", "json"]
    right = [
        "--repository",
        "trailofbits/rfc8785.py",
        "--workflow",
        ".github/workflows/release.yml",
        "--ref",
        "refs/tags/v*",
        "--trigger",
        "release",
        "--runner-environment",
        "github-hosted",
    ]
    assert run_cli(*base, *right).code == 0

    wrong = run_cli(*base, *right, "--ref", "refs/heads/*")  # a second --ref widens: still ok
    assert wrong.code == 0
    result = run_cli(*base, "--repository", "trailofbits/rfc8785.py", "--trigger", "push")
    assert result.code == 1
    assert json.loads(result.stdout)["verdicts"][0]["reason"] == "trigger-mismatch"

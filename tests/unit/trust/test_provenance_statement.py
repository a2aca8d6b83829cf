"""The SLSA v1 provenance clearance builds: parsed strictly with the in-toto attestation
framework's protobuf bindings (unknown fields rejected), and compared field by field with the
real provenance GitHub's attestation action wrote for trailofbits/pypi-attestations v0.0.19
(the corpus case `pa-pypi_attestations-0.0.19-slsa-pep740`)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.v1 import statement_pb2
from tests.unit.trust.corpus import BY_ID

from clearance.errors import UsageError, VerificationError
from clearance.trust.attest.slsa import (
    SLSA_PROVENANCE_V1,
    build_facts,
    certificate_agrees,
    provenance_predicate,
)
from clearance.trust.attest.statement import ArtifactSubject, serialize, statement
from clearance.trust.claims import Claims
from clearance.trust.signing import SignerDescription

CASE = BY_ID["pa-pypi_attestations-0.0.19-slsa-pep740"]


def corpus_statement() -> dict[str, Any]:
    bundle = json.loads(CASE.bundle.read_text(encoding="utf-8"))
    return json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))


# The runner environment of that run, as GitHub exported it to the step.
RUNNER = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "trailofbits/pypi-attestations",
    "GITHUB_REPOSITORY_ID": "772247423",
    "GITHUB_REPOSITORY_OWNER_ID": "2314423",
    "GITHUB_WORKFLOW_REF": "trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
    "GITHUB_REF": "refs/tags/v0.0.19",
    "GITHUB_SHA": "08802efe1f8e5fec4ad842d6b8ce97656092ee72",
    "GITHUB_EVENT_NAME": "release",
    "GITHUB_RUN_ID": "12169989787",
    "GITHUB_RUN_ATTEMPT": "1",
    "RUNNER_ENVIRONMENT": "github-hosted",
}


def parse_strictly(document: dict[str, Any]) -> provenance_pb2.Provenance:
    """Statement and predicate through the bindings; an unknown field raises ParseError."""
    parsed = json_format.ParseDict(document, statement_pb2.Statement(), ignore_unknown_fields=False)
    assert parsed.predicate_type == SLSA_PROVENANCE_V1
    return json_format.ParseDict(
        document["predicate"], provenance_pb2.Provenance(), ignore_unknown_fields=False
    )


def built(env: dict[str, str] = RUNNER, **claims: Any) -> dict[str, Any]:
    facts = build_facts(env, {}, claims or None)
    subject = ArtifactSubject(
        "pypi_attestations-0.0.19.tar.gz",
        "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3",
    )
    document = statement([subject], SLSA_PROVENANCE_V1, provenance_predicate(facts))
    return json.loads(serialize(document))


def paths(value: Any, prefix: str = "") -> dict[str, str]:
    """Every leaf's JSON path and type: the statement's shape."""
    if isinstance(value, dict):
        found: dict[str, str] = {}
        for key, item in value.items():
            found |= paths(item, f"{prefix}.{key}")
        return found
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found |= paths(item, f"{prefix}[{index}]")
        return found
    return {prefix: type(value).__name__}


def test_the_statement_parses_strictly_with_the_in_toto_bindings() -> None:
    provenance = parse_strictly(built())

    definition = provenance.build_definition
    assert definition.build_type == "https://actions.github.io/buildtypes/workflow/v1"
    assert definition.resolved_dependencies[0].digest["gitCommit"] == RUNNER["GITHUB_SHA"]
    assert provenance.run_details.metadata.invocation_id.endswith("/runs/12169989787/attempts/1")


def test_the_strict_parse_rejects_unknown_fields() -> None:
    document = built()
    document["predicate"]["runDetails"]["builder"]["nickname"] = "ci"

    with pytest.raises(json_format.ParseError):
        parse_strictly(document)


def test_it_has_the_shape_of_the_real_provenance_field_by_field() -> None:
    ours, real = built(), corpus_statement()

    assert paths(ours) == paths(real)
    parse_strictly(real)  # the reference parses with the same bindings


def test_with_that_runs_facts_it_is_the_real_provenance() -> None:
    assert built() == corpus_statement()


def test_a_reusable_workflow_is_the_builder_named_by_the_token() -> None:
    document = built(
        job_workflow_ref="acme/workflows/.github/workflows/release.yml@refs/tags/v2",
    )

    builder = document["predicate"]["runDetails"]["builder"]["id"]
    assert builder == "https://github.com/acme/workflows/.github/workflows/release.yml@refs/tags/v2"
    workflow = document["predicate"]["buildDefinition"]["externalParameters"]["workflow"]
    assert workflow["path"] == ".github/workflows/release.yml"


def test_what_the_runner_does_not_export_comes_from_the_event_and_the_token() -> None:
    """act and older GitHub Enterprise Server export no ids, workflow ref or runner kind."""
    env = {k: v for k, v in RUNNER.items() if k not in {
        "GITHUB_REPOSITORY_ID", "GITHUB_REPOSITORY_OWNER_ID", "GITHUB_WORKFLOW_REF",
        "RUNNER_ENVIRONMENT",
    }}  # fmt: skip
    payload = {"repository": {"id": 772247423, "owner": {"id": 2314423}}}
    claims = {
        "workflow_ref": RUNNER["GITHUB_WORKFLOW_REF"],
        "job_workflow_ref": RUNNER["GITHUB_WORKFLOW_REF"],
        "runner_environment": "github-hosted",
    }

    facts = build_facts(env, payload, claims)

    assert facts == build_facts(RUNNER, {}, None)


def test_a_fact_found_nowhere_is_a_usage_error_naming_it() -> None:
    env = {k: v for k, v in RUNNER.items() if k not in {"GITHUB_SHA", "RUNNER_ENVIRONMENT"}}

    with pytest.raises(UsageError, match="GITHUB_SHA, RUNNER_ENVIRONMENT"):
        build_facts(env, {}, None)


def test_a_certificate_that_contradicts_the_provenance_refuses_it() -> None:
    predicate = built()["predicate"]
    agreeing = Claims(
        sans=(
            "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
        ),
        build_signer_uri="https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
        source_repository_uri="https://github.com/trailofbits/pypi-attestations",
        repository="trailofbits/pypi-attestations",
        source_ref="refs/tags/v0.0.19",
        source_digest=RUNNER["GITHUB_SHA"],
        build_config_uri="https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
    )
    other_ref = Claims(**{**agreeing.__dict__, "source_ref": "refs/heads/main"})

    certificate_agrees(predicate, SignerDescription(claims=agreeing))
    certificate_agrees(predicate, SignerDescription())  # key-based: nothing to compare
    with pytest.raises(VerificationError, match="ref"):
        certificate_agrees(predicate, SignerDescription(claims=other_ref))

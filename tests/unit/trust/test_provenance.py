"""SLSA provenance must name the builder, source repository, ref and commit the certificate
does; shapes clearance does not read are reported as not compared, never guessed."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from sigstore.models import Bundle
from tests.unit.trust.corpus import BY_ID

from clearance.trust.claims import Claims, claims_of
from clearance.trust.provenance import (
    SLSA_PROVENANCE_V02,
    SLSA_PROVENANCE_V1,
    ProvenanceMismatch,
    check_provenance,
    provenance_facts,
)

CASE = BY_ID["pa-pypi_attestations-0.0.19-slsa-pep740"]
_BUNDLE = json.loads(CASE.bundle.read_text(encoding="utf-8"))
PREDICATE: dict[str, Any] = json.loads(base64.b64decode(_BUNDLE["dsseEnvelope"]["payload"]))[
    "predicate"
]
CLAIMS: Claims = claims_of(Bundle.from_json(CASE.bundle.read_bytes()).signing_certificate)


def check(predicate: dict[str, Any], predicate_type: str = SLSA_PROVENANCE_V1) -> list[str]:
    return list(check_provenance(provenance_facts(predicate_type, predicate), CLAIMS).compared)


def test_the_corpus_provenance_agrees_with_its_certificate() -> None:
    assert check(PREDICATE) == ["builder", "source repository", "ref", "commit", "workflow"]


def _set(path: str, value: object) -> dict[str, Any]:
    predicate = copy.deepcopy(PREDICATE)
    *parents, last = path.split(".")
    node: Any = predicate
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[last] = value
    return predicate


DEFINITION = "buildDefinition"
WORKFLOW = "buildDefinition.externalParameters.workflow"
EVIL_WORKFLOW = "https://github.com/evil/x/.github/workflows/r.yml@refs/tags/v1"


@pytest.mark.parametrize(
    "path, value, says",
    [
        ("runDetails.builder.id", EVIL_WORKFLOW, "builder"),
        ("runDetails.builder.id", "https://github.com/actions/runner/self-hosted", "builder"),
        (f"{WORKFLOW}.repository", "https://github.com/evil/pypi-attestations", "source repository"),
        (f"{WORKFLOW}.repository", "https://gitlab.com/trailofbits/pypi-attestations", "source host"),
        (f"{WORKFLOW}.ref", "refs/heads/main", "ref"),
        (f"{WORKFLOW}.path", ".github/workflows/other.yml", "workflow"),
        (f"{DEFINITION}.resolvedDependencies.0.uri", "git+https://github.com/evil/x@v1", "source repository"),
        (f"{DEFINITION}.resolvedDependencies.0.digest", {"gitCommit": "0" * 40}, "commit"),
    ],
)  # fmt: skip
def test_a_predicate_that_disagrees_with_the_certificate_fails(
    path: str, value: object, says: str
) -> None:
    with pytest.raises(ProvenanceMismatch, match=f"the predicate's {says}"):
        check(_set(path, value))


def test_github_runner_builders_are_compared_with_the_runner_environment() -> None:
    assert "builder" in check(
        _set("runDetails.builder.id", "https://github.com/actions/runner/github-hosted")
    )


def test_unknown_builders_and_build_types_are_reported_not_guessed() -> None:
    predicate = {
        "buildDefinition": {"buildType": "https://example.com/build/v1"},
        "runDetails": {"builder": {"id": "https://example.com/builder"}},
    }
    result = check_provenance(provenance_facts(SLSA_PROVENANCE_V1, predicate), CLAIMS)
    assert result.compared == ()
    assert len(result.not_compared) == 2


def test_slsa_v02_config_source_is_compared() -> None:
    predicate = {
        "builder": {"id": CLAIMS.build_signer_uri},
        "invocation": {
            "configSource": {
                "uri": "git+https://github.com/trailofbits/pypi-attestations@refs/tags/v0.0.19",
                "digest": {"sha1": CLAIMS.source_digest},
                "entryPoint": ".github/workflows/release.yml",
            }
        },
    }
    assert check(predicate, SLSA_PROVENANCE_V02) == [
        "builder",
        "source repository",
        "ref",
        "commit",
        "workflow",
    ]
    predicate["invocation"]["configSource"]["digest"] = {"sha1": "f" * 40}
    with pytest.raises(ProvenanceMismatch, match="commit"):
        check(predicate, SLSA_PROVENANCE_V02)


def test_a_missing_claim_cannot_corroborate_a_stated_fact() -> None:
    bare = Claims(issuer="https://token.actions.githubusercontent.com")
    with pytest.raises(ProvenanceMismatch, match="names none"):
        check_provenance(provenance_facts(SLSA_PROVENANCE_V1, PREDICATE), bare)


@pytest.mark.parametrize(
    "predicate",
    [None, [], "x", {"runDetails": 3}, {"buildDefinition": {"resolvedDependencies": "x"}}],
)
def test_malformed_predicates_do_not_crash(predicate: object) -> None:
    check_provenance(provenance_facts(SLSA_PROVENANCE_V1, predicate), CLAIMS)

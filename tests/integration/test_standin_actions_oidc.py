"""The runner OIDC endpoint stand-in: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN semantics, GitHub's
Actions token claims, and tokens the Sigstore stand-in's Fulcio accepts."""

from __future__ import annotations

import jwt
import pytest
import requests
from sigstore.oidc import IdentityToken, detect_credential
from sigstore.verify import policy
from tests.standins.actions_oidc import ActionsOidcStandIn
from tests.standins.sigstore_instance import SigstoreInstance
from tests.standins.tokens import GITHUB_ACTIONS_ISSUER, ActionsRun

pytestmark = pytest.mark.integration

CLAIMS = {
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "ref",
    "ref_type",
    "ref_protected",
    "sha",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "job_workflow_ref",
    "job_workflow_sha",
    "event_name",
    "run_id",
    "run_number",
    "run_attempt",
    "runner_environment",
    "actor",
    "actor_id",
    "head_ref",
    "base_ref",
}


def test_sigstore_pythons_ambient_github_detection_gets_a_token(
    actions_oidc: ActionsOidcStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in actions_oidc.env().items():
        monkeypatch.setenv(name, value)
    token = detect_credential()
    assert token is not None
    claims = jwt.decode(
        token, actions_oidc.issuer.public_key, algorithms=["RS256"], audience="sigstore"
    )
    assert set(claims) == CLAIMS
    assert (claims["iss"], claims["sub"]) == (
        GITHUB_ACTIONS_ISSUER,
        "repo:octo-org/octo-repo:ref:refs/heads/main",
    )
    assert claims["exp"] - claims["iat"] == 300
    assert actions_oidc.counts["idtoken"] == 1


def test_the_token_describes_the_simulated_run(actions_oidc: ActionsOidcStandIn) -> None:
    actions_oidc.run = ActionsRun(
        ref="refs/tags/v2.0.0",
        ref_type="tag",
        event_name="release",
        environment="production",
        run_attempt="2",
    )
    response = requests.get(
        actions_oidc.request_url,
        params={"audience": "https://example.com"},
        headers={"Authorization": f"Bearer {actions_oidc.request_token}"},
        timeout=10,
    )
    claims = actions_oidc.issuer.verify(response.json()["value"], audience="https://example.com")
    assert (claims["sub"], claims["environment"], claims["ref"], claims["run_attempt"]) == (
        "repo:octo-org/octo-repo:environment:production",
        "production",
        "refs/tags/v2.0.0",
        "2",
    )


def test_without_an_audience_the_token_is_for_the_owner(actions_oidc: ActionsOidcStandIn) -> None:
    response = requests.get(
        actions_oidc.request_url,
        headers={"Authorization": f"bearer {actions_oidc.request_token}"},
        timeout=10,
    )
    assert actions_oidc.issued[-1]["aud"] == "https://github.com/octo-org"
    assert response.json()["value"].count(".") == 2


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "token {token}"])
def test_a_wrong_or_missing_request_token_gets_401(
    actions_oidc: ActionsOidcStandIn, authorization: str | None
) -> None:
    headers = (
        {"Authorization": authorization.format(token=actions_oidc.request_token)}
        if authorization
        else {}
    )
    response = requests.get(
        actions_oidc.request_url, params={"audience": "sigstore"}, headers=headers, timeout=10
    )
    assert response.status_code == 401
    assert actions_oidc.issued == []


def test_each_job_can_have_its_own_request_token_and_claims(
    actions_oidc: ActionsOidcStandIn,
) -> None:
    deploy_job = actions_oidc.request_token_for(ActionsRun(environment="staging"))
    for token, subject in (
        (actions_oidc.request_token, "repo:octo-org/octo-repo:ref:refs/heads/main"),
        (deploy_job, "repo:octo-org/octo-repo:environment:staging"),
    ):
        requests.get(
            actions_oidc.request_url,
            params={"audience": "sigstore"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert actions_oidc.issued[-1]["sub"] == subject


def test_the_jwks_endpoint_publishes_the_signing_key(actions_oidc: ActionsOidcStandIn) -> None:
    jwks = requests.get(f"{actions_oidc.url}/.well-known/jwks", timeout=10).json()
    config = requests.get(f"{actions_oidc.url}/.well-known/openid-configuration", timeout=10).json()
    assert config["issuer"] == GITHUB_ACTIONS_ISSUER
    token = actions_oidc.issuer.mint(ActionsRun().claims(), audience="sigstore")
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    assert (
        jwt.decode(token, key.key, algorithms=["RS256"], audience="sigstore")["repository"]
        == "octo-org/octo-repo"
    )


def test_fulcio_certifies_the_ambient_token_as_real_fulcio_does_for_github(
    actions_oidc: ActionsOidcStandIn,
    sigstore_instance: SigstoreInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = actions_oidc.run
    for name, value in actions_oidc.env().items():
        monkeypatch.setenv(name, value)
    token = IdentityToken(detect_credential() or "")
    assert token.identity == run.subject  # sigstore-python reads `sub` for GitHub's issuer
    with sigstore_instance.signing_context().signer(token) as signer:
        bundle = signer.sign_artifact(b"artifact")
    identity = policy.Identity(
        identity=f"https://github.com/{run.job_workflow_ref}", issuer=GITHUB_ACTIONS_ISSUER
    )
    sigstore_instance.verifier().verify_artifact(
        b"artifact",
        bundle,
        policy.AllOf([identity, policy.GitHubWorkflowRepository(run.repository)]),
    )

"""pytest fixtures that start the stand-ins on loopback and stop them at teardown.

Enable with `pytest_plugins = ["tests.standins.fixtures"]` in tests/conftest.py. Every fixture
fails the test at teardown if its stand-in recorded a problem (a request that breaks the
service's specification, an invalid response, a crash); tests that break the rules on purpose
wrap the call in `with standin.problems.expected() as caught:`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import pytest

from .actions_oidc import ActionsOidcStandIn
from .github_api import GitHubStandIn
from .loopback import Problems
from .sigstore_instance import SigstoreInstance


class _HasProblems(Protocol):
    problems: Problems

    def stop(self) -> None: ...


def _finish(name: str, standin: _HasProblems) -> None:
    standin.stop()
    problems = standin.problems.take()
    if problems:
        listing = "\n".join(f"  {problem}" for problem in problems)
        pytest.fail(f"the {name} stand-in recorded problems:\n{listing}", pytrace=False)


@pytest.fixture
def github_api() -> Iterator[GitHubStandIn]:
    """A GitHub (REST + GraphQL) with one repository, `octo-org/octo-repo`, and one token
    (`github_api.token`, all permissions) for `github-actions[bot]`."""
    standin = GitHubStandIn().start()
    try:
        yield standin
    finally:
        _finish("GitHub", standin)


@pytest.fixture
def pygithub(github_api: GitHubStandIn) -> Any:
    """PyGithub pointed at the stand-in, without retries (tests decide about retrying)."""
    import github

    client = github.Github(
        base_url=github_api.api_url,
        auth=github.Auth.Token(github_api.token),
        retry=None,
        timeout=10,
    )
    yield client
    client.close()


@pytest.fixture
def actions_oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionsOidcStandIn]:
    """The runner's ID-token endpoint for a simulated workflow run (`actions_oidc.run`)."""
    standin = ActionsOidcStandIn().start()
    try:
        yield standin
    finally:
        _finish("Actions OIDC", standin)


@pytest.fixture
def sigstore_instance(actions_oidc: ActionsOidcStandIn) -> Iterator[SigstoreInstance]:
    """Fulcio + Rekor v1 on loopback whose CA trusts the Actions OIDC stand-in's tokens;
    `sigstore_instance.trust_config_path` is the ClientTrustConfig for sigstore-python."""
    standin = SigstoreInstance(trusted_issuers=[actions_oidc.issuer]).start()
    try:
        yield standin
    finally:
        _finish("Sigstore", standin)

"""SLSA v1 provenance of a GitHub Actions build, shaped as GitHub's own attestation action
(actions/attest-build-provenance, `@actions/attest`) writes it:

```
buildDefinition:
  buildType: https://actions.github.io/buildtypes/workflow/v1
  externalParameters.workflow: {ref, repository, path}        # the workflow file run
  internalParameters.github: {event_name, repository_id, repository_owner_id, runner_environment}
  resolvedDependencies: [{uri: git+<server>/<repo>@<ref>, digest: {gitCommit: <sha>}}]
runDetails:
  builder.id: <server>/<job workflow ref>                     # the workflow that signs
  metadata.invocationId: <server>/<repo>/actions/runs/<id>/attempts/<attempt>
```

The facts come from the runner's environment (`GITHUB_*`, `RUNNER_ENVIRONMENT`) and the event
payload (repository and owner ids). What a runner does not export (act, older GitHub
Enterprise Server) is taken from the claims of the job's OIDC token, which is also where the
job workflow of a reusable workflow is named. A fact found nowhere is a `UsageError` naming the
variable: provenance is never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.errors import UsageError, VerificationError
from clearance.trust.provenance import ProvenanceMismatch, check_provenance, provenance_facts
from clearance.trust.signing import SignerDescription

SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
GITHUB_WORKFLOW_BUILD_TYPE = "https://actions.github.io/buildtypes/workflow/v1"
DEFAULT_SERVER_URL = "https://github.com"


@dataclass(frozen=True)
class BuildFacts:
    """What a provenance statement says about the run that built the artifacts."""

    server_url: str
    repository: str
    repository_id: str
    repository_owner_id: str
    workflow_ref: str
    job_workflow_ref: str
    ref: str
    sha: str
    event_name: str
    runner_environment: str
    run_id: str
    run_attempt: str

    @property
    def workflow_path(self) -> str:
        """`.github/workflows/release.yml` of `owner/repo/.github/workflows/release.yml@ref`."""
        return self.workflow_ref.split("@", 1)[0].removeprefix(f"{self.repository}/")

    @property
    def workflow_file_ref(self) -> str:
        return self.workflow_ref.split("@", 1)[1] if "@" in self.workflow_ref else self.ref

    @property
    def repository_url(self) -> str:
        return f"{self.server_url}/{self.repository}"

    @property
    def run_url(self) -> str:
        return f"{self.repository_url}/actions/runs/{self.run_id}/attempts/{self.run_attempt}"


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    return (value.strip() or None) if isinstance(value, str) else None


def _payload(payload: Mapping[str, Any], *keys: str) -> Any:
    value: Any = payload
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def build_facts(
    env: Mapping[str, str],
    payload: Mapping[str, Any],
    claims: Mapping[str, Any] | None = None,
) -> BuildFacts:
    """The facts of the current run; `UsageError` naming every variable that is missing."""
    claims = claims or {}
    missing: list[str] = []

    def fact(variable: str | None, claim: str | None, *payload_keys: str) -> str:
        for value in (
            env.get(variable) if variable else None,
            _payload(payload, *payload_keys) if payload_keys else None,
            claims.get(claim) if claim else None,
        ):
            text = _text(value)
            if text:
                return text
        missing.append(variable or str(claim))
        return ""

    repository = fact("GITHUB_REPOSITORY", "repository", "repository", "full_name")
    workflow_ref = fact("GITHUB_WORKFLOW_REF", "workflow_ref")
    facts = BuildFacts(
        server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
        repository=repository,
        repository_id=fact("GITHUB_REPOSITORY_ID", "repository_id", "repository", "id"),
        repository_owner_id=fact(
            "GITHUB_REPOSITORY_OWNER_ID", "repository_owner_id", "repository", "owner", "id"
        ),
        workflow_ref=workflow_ref,
        job_workflow_ref=_text(claims.get("job_workflow_ref")) or workflow_ref,
        ref=fact("GITHUB_REF", "ref"),
        sha=fact("GITHUB_SHA", "sha"),
        event_name=fact("GITHUB_EVENT_NAME", "event_name"),
        runner_environment=fact("RUNNER_ENVIRONMENT", "runner_environment"),
        run_id=fact("GITHUB_RUN_ID", "run_id"),
        run_attempt=fact("GITHUB_RUN_ATTEMPT", "run_attempt"),
    )
    if missing:
        raise UsageError(
            "SLSA provenance describes a GitHub Actions run, and this one does not say "
            f"{', '.join(missing)}: run 'clearance attest provenance' inside the build job"
        )
    if "@" not in facts.workflow_ref or not facts.workflow_ref.startswith(f"{repository}/"):
        raise UsageError(
            f"GITHUB_WORKFLOW_REF {facts.workflow_ref!r} is not "
            f"'{repository}/.github/workflows/FILE@REF'"
        )
    return facts


def provenance_predicate(facts: BuildFacts) -> dict[str, Any]:
    """The SLSA v1 predicate, field for field as actions/attest-build-provenance writes it."""
    return {
        "buildDefinition": {
            "buildType": GITHUB_WORKFLOW_BUILD_TYPE,
            "externalParameters": {
                "workflow": {
                    "ref": facts.workflow_file_ref,
                    "repository": facts.repository_url,
                    "path": facts.workflow_path,
                }
            },
            "internalParameters": {
                "github": {
                    "event_name": facts.event_name,
                    "repository_id": facts.repository_id,
                    "repository_owner_id": facts.repository_owner_id,
                    "runner_environment": facts.runner_environment,
                }
            },
            "resolvedDependencies": [
                {
                    "uri": f"git+{facts.repository_url}@{facts.ref}",
                    "digest": {"gitCommit": facts.sha},
                }
            ],
        },
        "runDetails": {
            "builder": {"id": f"{facts.server_url}/{facts.job_workflow_ref}"},
            "metadata": {"invocationId": facts.run_url},
        },
    }


def certificate_agrees(predicate: Mapping[str, Any], signer: SignerDescription) -> None:
    """Refuse provenance that the signing certificate contradicts (builder, repository, ref,
    commit, workflow): `clearance verify` would reject it, so it is not written at all."""
    if signer.claims is None:
        return
    try:
        check_provenance(provenance_facts(SLSA_PROVENANCE_V1, predicate), signer.claims)
    except ProvenanceMismatch as exc:
        raise VerificationError(
            f"the provenance built from the runner's environment disagrees with the signing "
            f"certificate ({exc}); no bundle was written"
        ) from None

"""`deploy start` and `deploy finish`: record a deployment the user's own step performs."""

from __future__ import annotations

from dataclasses import dataclass

from clearance.errors import UsageError
from clearance.release.environments import EnvironmentPolicy
from clearance.release.ledger.interface import UnknownDeployment
from clearance.release.metadata import Metadata
from clearance.release.recording import ReleaseContext, complete_first_status, status
from clearance.release.records import Deployment, Evidence, State, Task
from clearance.release.timeline import Histories, find_run, latest_success

FINAL_STATES = (State.SUCCESS, State.FAILURE, State.ERROR)


@dataclass(frozen=True)
class Recorded:
    deployment: Deployment
    reused: bool = False


def start(
    context: ReleaseContext,
    *,
    policy: EnvironmentPolicy,
    digest: str,
    metadata: Metadata,
    evidence: Evidence,
    description: str = "",
) -> Recorded:
    """Record a deployment of `digest` to the environment as in progress.

    Re-running the same step (same run id and attempt) returns the deployment it recorded,
    completing it if the first run stopped half-way.
    """
    environment = policy.name
    now = context.clock()
    first = status(
        State.IN_PROGRESS,
        now,
        description or f"deploying {digest[:19]} to {environment}",
        log_url=metadata.run_url,
        environment_url=policy.url,
    )
    histories = Histories(context.ledger, [environment])
    existing = find_run(histories.of(environment), metadata.run_key, Task.DEPLOY, digest)
    if existing is not None:
        return Recorded(complete_first_status(context, existing, first), reused=True)
    newest = next(histories.of(environment), None)
    previous = latest_success(histories.of(environment))
    changes = context.changes.between(previous.commit if previous else None, metadata.commit)
    deployment = Deployment(
        id=context.new_id(now),
        environment=environment,
        digest=digest,
        commit=metadata.commit,
        task=Task.DEPLOY,
        created_at=now,
        ref=metadata.ref,
        repository=metadata.repository,
        version=metadata.version,
        actor=metadata.actor,
        run_id=metadata.run_id,
        run_attempt=metadata.run_attempt,
        run_url=metadata.run_url,
        production=policy.production,
        description=description,
        previous=newest.id if newest else None,
        changes=None if changes is None else changes.changes,
        changes_complete=True if changes is None else changes.complete,
        evidence=evidence,
        statuses=(first,),
    )
    return Recorded(context.ledger.record(deployment, new=True))


def finish(
    context: ReleaseContext,
    deployment_id: str,
    state: State,
    *,
    description: str = "",
    log_url: str | None = None,
    environment_url: str | None = None,
) -> Recorded:
    """Write the final status of a deployment; a no-op when it already has that state."""
    if state not in FINAL_STATES:
        raise UsageError(f"--status {state.value}: expected success, failure or error")
    deployment = context.ledger.get(deployment_id)
    if deployment is None:
        raise UnknownDeployment(
            f"no deployment {deployment_id} in {context.ledger.description} "
            "(check the id, and that --ledger names the same ledger as 'deploy start')"
        )
    if deployment.state is state:
        return Recorded(deployment, reused=True)
    words = {State.SUCCESS: "deployed", State.FAILURE: "failed", State.ERROR: "errored"}
    event = status(
        state,
        context.clock(),
        description or f"{words[state]}: {deployment.digest[:19]} in {deployment.environment}",
        log_url=log_url or deployment.run_url,
        environment_url=environment_url or _last_environment_url(deployment),
    )
    return Recorded(context.ledger.add_status(deployment, event))


def _last_environment_url(deployment: Deployment) -> str | None:
    for event in reversed(deployment.statuses):
        if event.environment_url:
            return event.environment_url
    return None

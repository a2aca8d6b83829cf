"""`promote`: move one digest from a source environment to a target, if every gate agrees.

Decides on one read of both histories (usually one page), records the target deployment as
in progress, then applies the race rule (`recording.settle`). The user's own deploy step
runs next and reports with `deploy finish`.
"""

from __future__ import annotations

from dataclasses import dataclass

from clearance.release.environments import EnvironmentPolicy
from clearance.release.gates import Candidate, Decision, Verdict, evaluate
from clearance.release.metadata import Metadata
from clearance.release.recording import ReleaseContext, complete_first_status, settle, status
from clearance.release.records import Deployment, State, Task
from clearance.release.timeline import Histories, blocking, find_run, latest_success, standing


@dataclass(frozen=True)
class Promotion:
    """The outcome: refused (no deployment), recorded, re-used (a re-run), or lost a race."""

    decision: Decision
    deployment: Deployment | None = None
    source: Deployment | None = None
    reused: bool = False
    lost_to: Deployment | None = None

    @property
    def recorded(self) -> bool:
        return self.deployment is not None and self.lost_to is None


def promote(
    context: ReleaseContext,
    *,
    digest: str,
    source: str,
    policy: EnvironmentPolicy,
    metadata: Metadata,
    description: str = "",
) -> Promotion:
    target = policy.name
    now = context.clock()
    first_text = description or f"promoting {digest[:19]} from {source}"
    first = status(
        State.IN_PROGRESS, now, first_text, log_url=metadata.run_url, environment_url=policy.url
    )
    histories = Histories(context.ledger, [source, target])
    existing = find_run(histories.of(target), metadata.run_key, Task.PROMOTE, digest)
    if existing is not None:
        resumed = complete_first_status(context, existing, first)
        if resumed.pending or resumed.state is State.ERROR:
            race = settle(context, resumed)
            return Promotion(Decision(()), race.deployment, reused=True, lost_to=race.lost_to)
        return Promotion(Decision(()), resumed, reused=True)

    where = standing(histories.of(source), digest)
    judged = where.current if where.is_current else where.last_success_of_digest
    candidate = Candidate(
        digest=digest,
        target=policy,
        now=now,
        source=source,
        standing=where,
        deployment=judged,
        blocking=tuple(blocking(histories.of(target), now)),
    )
    decision = evaluate(context.gates.for_promotion(policy), candidate)
    origin = where.current
    if decision.verdict is not Verdict.PASS or origin is None:
        return Promotion(decision, source=judged)
    newest = next(histories.of(target), None)
    previous = latest_success(histories.of(target))
    changes = context.changes.between(previous.commit if previous else None, origin.commit)
    deployment = Deployment(
        id=context.new_id(now),
        environment=target,
        digest=digest,
        commit=origin.commit,
        task=Task.PROMOTE,
        created_at=now,
        ref=origin.ref,
        repository=metadata.repository or origin.repository,
        version=origin.version,
        actor=metadata.actor,
        run_id=metadata.run_id,
        run_attempt=metadata.run_attempt,
        run_url=metadata.run_url,
        production=policy.production,
        description=description,
        promoted_from=origin.id,
        previous=newest.id if newest else None,
        changes=None if changes is None else changes.changes,
        changes_complete=True if changes is None else changes.complete,
        evidence=origin.evidence,
        gates=decision.outcomes(),
        statuses=(first,),
    )
    race = settle(context, context.ledger.record(deployment, new=True))
    return Promotion(decision, race.deployment, source=origin, lost_to=race.lost_to)

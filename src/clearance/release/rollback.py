"""`rollback`: restore the newest earlier successful deployment whose evidence still passes.

"Earlier" means before the environment's current (newest) deployment, with another digest.
Soak and freeze do not apply (a rollback restores service); evidence does, re-checked now.
The rollback is recorded as a deployment with `task: deploy:rollback` and `rollback_of`
naming the deployment it replaces; a replaced deployment still in progress is marked failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from clearance.release.environments import EnvironmentPolicy
from clearance.release.gates import Candidate, Decision, GateResult, Verdict, evaluate
from clearance.release.metadata import Metadata
from clearance.release.recording import ReleaseContext, complete_first_status, settle, status
from clearance.release.records import Deployment, State, Task
from clearance.release.timeline import Histories, find_run, latest_success

# How many earlier digests are judged before giving up (each may cost evidence checks).
MAX_CANDIDATES = 20


@dataclass(frozen=True)
class Rollback:
    decision: Decision
    deployment: Deployment | None = None
    restored: Deployment | None = None
    replaced: Deployment | None = None
    reused: bool = False
    lost_to: Deployment | None = None

    @property
    def recorded(self) -> bool:
        return self.deployment is not None and self.lost_to is None


def _short(digest: str) -> str:
    return digest[:19]


def rollback(
    context: ReleaseContext,
    *,
    policy: EnvironmentPolicy,
    metadata: Metadata,
    to: str | None = None,
    description: str = "",
) -> Rollback:
    environment = policy.name
    now = context.clock()
    histories = Histories(context.ledger, [environment])
    existing = find_run(histories.of(environment), metadata.run_key, Task.ROLLBACK, to)
    if existing is not None:
        first = status(
            State.IN_PROGRESS,
            now,
            f"rolling back to {_short(existing.digest)}",
            log_url=metadata.run_url,
            environment_url=policy.url,
        )
        resumed = complete_first_status(context, existing, first)
        if resumed.pending or resumed.state is State.ERROR:
            race = settle(context, resumed)
            return Rollback(Decision(()), race.deployment, reused=True, lost_to=race.lost_to)
        return Rollback(Decision(()), resumed, reused=True)

    records = histories.of(environment)
    current = next(records, None)
    if current is None:
        return Rollback(_refusal(f"nothing has been deployed to {environment}"))
    if to is not None and current.digest == to and current.state is State.SUCCESS:
        return Rollback(
            _refusal(f"{_short(to)} is already the current deployment of {environment}")
        )

    judged: list[GateResult] = []
    tried: set[str] = {current.digest}
    chosen: Deployment | None = None
    chosen_by: Decision | None = None
    for earlier in records:
        if earlier.state is not State.SUCCESS or earlier.digest in tried:
            continue
        if to is not None and earlier.digest != to:
            continue
        tried.add(earlier.digest)
        candidate = Candidate(earlier.digest, policy, now, deployment=earlier, rollback=True)
        decision = evaluate(context.gates.for_rollback(policy), candidate)
        if decision.verdict is Verdict.PASS:
            chosen, chosen_by = earlier, decision
            break
        judged.extend(
            GateResult(f"{_short(earlier.digest)} {r.gate}", r.verdict, r.reason)
            for r in decision.blocking
        )
        if len(tried) > MAX_CANDIDATES:
            break
    if chosen is None:
        if to is not None and to not in tried:
            reason = f"{_short(to)} has no earlier successful deployment in {environment}"
        else:
            reason = f"no earlier successful deployment of another digest in {environment} passes"
        return Rollback(Decision((*judged, GateResult("rollback", Verdict.FAIL, reason))))

    before = latest_success(histories.of(environment))
    changes = context.changes.between(before.commit if before else None, chosen.commit)
    first = status(
        State.IN_PROGRESS,
        now,
        description or f"rolling back to {_short(chosen.digest)} (replaces {current.id})",
        log_url=metadata.run_url,
        environment_url=policy.url,
    )
    deployment = Deployment(
        id=context.new_id(now),
        environment=environment,
        digest=chosen.digest,
        commit=chosen.commit,
        task=Task.ROLLBACK,
        created_at=now,
        ref=chosen.ref,
        repository=metadata.repository or chosen.repository,
        version=chosen.version,
        actor=metadata.actor,
        run_id=metadata.run_id,
        run_attempt=metadata.run_attempt,
        run_url=metadata.run_url,
        production=policy.production,
        description=description,
        rollback_of=current.id,
        previous=current.id,
        changes=None if changes is None else changes.changes,
        changes_complete=True if changes is None else changes.complete,
        evidence=chosen.evidence,
        gates=chosen_by.outcomes() if chosen_by is not None else (),
        statuses=(first,),
    )
    race = settle(context, context.ledger.record(deployment, new=True))
    if race.lost_to is None and current.pending:
        current = context.ledger.add_status(
            current,
            status(
                State.FAILURE,
                context.clock(),
                f"replaced by rollback {deployment.id}",
                log_url=metadata.run_url,
            ),
        )
    passed = Decision(
        (
            GateResult(
                "rollback", Verdict.PASS, f"restoring {_short(chosen.digest)} from {chosen.id}"
            ),
        )
    )
    return Rollback(
        passed, race.deployment, restored=chosen, replaced=current, lost_to=race.lost_to
    )


def _refusal(reason: str) -> Decision:
    return Decision((GateResult("rollback", Verdict.FAIL, reason),))

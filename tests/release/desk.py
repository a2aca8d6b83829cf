"""Drive the release operations at the core level, over any ledger backend."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from clearance.config import parse_document
from clearance.release.changes import ChangeSource, NoChanges
from clearance.release.deploy import finish, start
from clearance.release.environments import EnvironmentPolicy, policy_for
from clearance.release.gates import GateSet
from clearance.release.ids import new_ulid
from clearance.release.ledger.interface import Ledger
from clearance.release.metadata import Metadata
from clearance.release.promote import Promotion, promote
from clearance.release.recording import ReleaseContext
from clearance.release.records import Deployment, Evidence, ScanSummary, State
from clearance.release.rollback import Rollback, rollback
from tests.release.support import Clock

PASSING_SCAN = ScanSummary(
    outcome="pass",
    fail_on="high",
    counts={"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0},
    scanners=("code", "deps", "secrets"),
    report_digest="sha256:" + "0" * 64,
    tool_version="0.1.0",
)
FAILING_SCAN = ScanSummary(
    outcome="fail",
    fail_on="high",
    counts={"critical": 1, "high": 2, "medium": 0, "low": 0, "info": 0},
    scanners=("code", "deps", "secrets"),
    report_digest="sha256:" + "1" * 64,
    tool_version="0.1.0",
)


class Desk:
    """The release operations with a test clock, seeded ids and a configuration table."""

    def __init__(
        self,
        ledger: Ledger,
        clock: Clock,
        *,
        changes: ChangeSource | None = None,
        environments: Mapping[str, Any] | None = None,
        gates: GateSet | None = None,
        seed: int = 7,
    ) -> None:
        rng = random.Random(seed)
        self.clock = clock
        self.ledger = ledger
        self.context = ReleaseContext(
            ledger=ledger,
            now=clock,
            changes=changes or NoChanges(),
            new_id=lambda now: new_ulid(now, rng.randbytes),
            gates=gates or GateSet(),
        )
        self.settings = parse_document({"environments": dict(environments or {})}, source=None)

    def policy(self, environment: str) -> EnvironmentPolicy:
        return policy_for(self.settings, environment)

    def metadata(
        self, commit: str = "c" * 40, *, run: str | None = None, attempt: int | None = None
    ) -> Metadata:
        return Metadata(
            commit=commit,
            time=self.clock(),
            ref="refs/heads/main",
            repository="acme/shop",
            repository_url="https://github.com/acme/shop",
            run_id=run,
            run_attempt=attempt,
            run_url=f"https://github.com/acme/shop/actions/runs/{run}/attempts/{attempt or 1}"
            if run
            else None,
            actor="octocat",
            version="v1",
        )

    def start(
        self,
        environment: str,
        digest: str,
        commit: str = "c" * 40,
        *,
        scan: ScanSummary | None = PASSING_SCAN,
        run: str | None = None,
        attempt: int | None = None,
    ) -> Deployment:
        return start(
            self.context,
            policy=self.policy(environment),
            digest=digest,
            metadata=self.metadata(commit, run=run, attempt=attempt),
            evidence=Evidence(scan=scan),
        ).deployment

    def finish(self, deployment: Deployment | str, state: State = State.SUCCESS) -> Deployment:
        ident = deployment if isinstance(deployment, str) else deployment.id
        return finish(self.context, ident, state).deployment

    def deploy(
        self,
        environment: str,
        digest: str,
        commit: str = "c" * 40,
        *,
        state: State = State.SUCCESS,
        scan: ScanSummary | None = PASSING_SCAN,
    ) -> Deployment:
        """deploy start + finish."""
        return self.finish(self.start(environment, digest, commit, scan=scan), state)

    def promote(
        self,
        digest: str,
        source: str,
        target: str,
        *,
        run: str | None = None,
        attempt: int | None = None,
    ) -> Promotion:
        return promote(
            self.context,
            digest=digest,
            source=source,
            policy=self.policy(target),
            metadata=self.metadata(run=run, attempt=attempt),
        )

    def rollback(
        self, environment: str, *, to: str | None = None, run: str | None = None
    ) -> Rollback:
        return rollback(
            self.context, policy=self.policy(environment), metadata=self.metadata(run=run), to=to
        )

    def history(self, *environments: str) -> list[Deployment]:
        return list(self.ledger.history(list(environments) or None))

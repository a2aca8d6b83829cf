"""The ledger interface: what every backend stores and answers, with the same semantics.

Semantics every backend honours (and the shared behavioural suite checks):
- `history` yields deployments newest first, in the ledger's own creation order (never a
  client's clock), lazily, so a reader that stops early reads little.
- `record` stores a new deployment with its statuses. Recording a deployment whose id is
  already stored is not an error: the statuses missing from the stored one are appended and
  the stored deployment is returned, so a write interrupted half-way is completed, never
  duplicated. `new=True` says the id was minted a moment ago by the caller, so a backend
  for which the existence check costs a request may skip it (it still checks before
  retrying a write whose answer was lost).
- `add_status` appends one status; statuses keep the order they were written in.
- `inactive` statuses are bookkeeping (GitHub writes them by itself); `Deployment.state`
  ignores them, so no backend needs to write them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from clearance.errors import ServiceError, UsageError
from clearance.release.records import Deployment, StatusEvent


class LedgerError(ServiceError):
    """The ledger could not be read or written (exit 3)."""


class UnknownDeployment(UsageError):
    """A deployment id that the ledger does not hold (exit 2)."""


class LedgerConflict(UsageError):
    """A record that contradicts what the ledger already holds under the same id (exit 2)."""


class Ledger(Protocol):
    """A deployment ledger backend."""

    @property
    def description(self) -> str:
        """Where the ledger is, for messages: `SQLite ledger .clearance/ledger.db`."""
        ...

    def history(self, environments: Sequence[str] | None = None) -> Iterator[Deployment]:
        """Deployments of these environments (exact names; None: all), newest first."""
        ...

    def get(self, deployment_id: str) -> Deployment | None:
        """The deployment with this id, or None."""
        ...

    def record(self, deployment: Deployment, *, new: bool = False) -> Deployment:
        """Store a new deployment with its statuses; complete it if its id is already stored."""
        ...

    def add_status(self, deployment: Deployment, status: StatusEvent) -> Deployment:
        """Append a status to a stored deployment; returns the deployment with it."""
        ...

    def close(self) -> None: ...


def missing_statuses(stored: Deployment, wanted: Deployment) -> list[StatusEvent]:
    """The statuses of `wanted` that `stored` lacks, when `stored`'s are a prefix of them.

    Raises LedgerConflict when the two disagree (same id, different facts).
    """
    if (stored.environment, stored.digest, stored.commit, stored.task) != (
        wanted.environment,
        wanted.digest,
        wanted.commit,
        wanted.task,
    ):
        raise LedgerConflict(
            f"deployment {wanted.id} is already recorded with other facts "
            f"({stored.environment}, {stored.digest}); refusing to overwrite it"
        )
    have = list(stored.statuses)
    want = list(wanted.statuses)
    if want[: len(have)] == have:
        return want[len(have) :]
    if have[: len(want)] == want:
        return []
    raise LedgerConflict(
        f"deployment {wanted.id} is already recorded with a different status history; "
        "refusing to merge them"
    )

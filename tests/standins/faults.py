"""Faults a test can inject into a stand-in, consumed request by request.

Each fault targets one operation (a REST operation id such as `repos/create-deployment`, or
`graphql` / `graphql:<OperationName>`), or every request when `operation` is None, and lasts
`count` matching requests:

- `server_errors`: a burst of 5xx answers, the request is not processed;
- `secondary_rate_limit`: 403 or 429 with `Retry-After` and GitHub's message, not processed;
- `primary_rate_limit`: 403 with `X-RateLimit-Remaining: 0` and the reset time;
- `slow`: the answer comes `seconds` late (the request is processed normally);
- `drop_after_write`: the request is processed (the write happens) and the connection is then
  closed without an answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    kind: str
    operation: str | None
    remaining: int
    status: int = 0
    retry_after: int | None = None
    seconds: float = 0.0

    def matches(self, keys: tuple[str, ...]) -> bool:
        return self.remaining > 0 and (self.operation is None or self.operation in keys)


@dataclass(frozen=True)
class Injected:
    operation: str
    kind: str
    status: int


REFUSING = ("server_error", "secondary_rate_limit", "primary_rate_limit")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.injected: list[Injected] = []

    def server_errors(
        self, count: int = 1, *, status: int = 502, operation: str | None = None
    ) -> None:
        if not 500 <= status <= 599:
            raise ValueError("server errors are 5xx")
        self._add(Fault("server_error", operation, count, status=status))

    def secondary_rate_limit(
        self,
        count: int = 1,
        *,
        status: int = 403,
        retry_after: int = 60,
        operation: str | None = None,
    ) -> None:
        if status not in (403, 429):
            raise ValueError("GitHub signals secondary rate limits with 403 or 429")
        self._add(
            Fault("secondary_rate_limit", operation, count, status=status, retry_after=retry_after)
        )

    def primary_rate_limit(
        self, count: int = 1, *, reset_in: int = 60, operation: str | None = None
    ) -> None:
        self._add(Fault("primary_rate_limit", operation, count, status=403, retry_after=reset_in))

    def slow(self, seconds: float, *, count: int = 1, operation: str | None = None) -> None:
        self._add(Fault("slow", operation, count, seconds=seconds))

    def drop_after_write(self, count: int = 1, *, operation: str | None = None) -> None:
        self._add(Fault("drop_after_write", operation, count))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("a fault lasts at least one request")
        with self._lock:
            self._faults.append(fault)

    def take(self, kinds: tuple[str, ...], keys: tuple[str, ...]) -> Fault | None:
        """Consume one request's worth of the first pending fault of one of `kinds` that
        targets one of `keys`."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(keys):
                    fault.remaining -= 1
                    self.injected.append(Injected(keys[0], fault.kind, fault.status))
                    return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

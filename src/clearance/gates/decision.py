"""What a gate answers: pass, fail or hold, one line of reason, and the figures behind it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clearance.errors import ExitCode


class GateStatus(StrEnum):
    """A gate's answer. `hold` means "cannot decide yet": stop, but do not roll back."""

    PASS = "pass"  # noqa: S105 - a gate status, not a password
    FAIL = "fail"
    HOLD = "hold"

    @property
    def exit_code(self) -> ExitCode:
        return {
            GateStatus.PASS: ExitCode.OK,
            GateStatus.FAIL: ExitCode.FAILED,
            GateStatus.HOLD: ExitCode.INCONCLUSIVE,
        }[self]


class GateKind(StrEnum):
    SLO = "slo"
    CANARY = "canary"


@dataclass(frozen=True)
class GateDecision:
    """One gate's decision at one instant.

    `figures` holds every number the decision rests on, JSON-ready (floats, ints, strings,
    lists and mappings of them): ratios are fractions (0.001, not 0.1%).
    """

    gate: str
    kind: GateKind
    status: GateStatus
    reason: str
    at: dt.datetime
    figures: Mapping[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        return self.status.exit_code

    def line(self) -> str:
        """`checkout-slo: fail: burn rate 20x over 1h and 20x over 5m, above 14.4x`."""
        return f"{self.gate}: {self.status.value}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "kind": self.kind.value,
            "outcome": self.status.value,
            "reason": self.reason,
            "at": format_instant(self.at),
            "figures": _finite(self.figures),
        }


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a figure is reported as null (unknown)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def format_instant(at: dt.datetime) -> str:
    """RFC 3339 in UTC, to the second when that is exact: `2024-03-01T12:00:00Z`."""
    utc = at.astimezone(dt.UTC)
    spec = "seconds" if utc.microsecond == 0 else "milliseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def parse_instant(text: str) -> dt.datetime:
    """An instant given as RFC 3339 (`2024-03-01T12:00:00Z`, `...+02:00`) or unix seconds.

    Raises ValueError with a readable message; a time without an offset is refused, since
    it would mean a different instant on every machine.
    """
    raw = text.strip()
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        if not (0 <= seconds < 1e11):
            raise ValueError(f"{text!r} is not a plausible unix time")
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(raw.upper().replace(" ", "T") if raw else "x")
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give RFC 3339 (2024-03-01T12:00:00Z) or unix seconds"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset: add Z or +HH:MM (RFC 3339)")
    return parsed.astimezone(dt.UTC)

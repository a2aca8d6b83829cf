"""The SLO gate: multi-window, multi-burn-rate rules and an error-budget floor.

Definitions (the README's "Gates" section states them too):

- The **error budget** is `1 - objective` (objective 99.9% → budget 0.001 of events may fail).
- A window's **error ratio** is `bad / total` events in that window (`bad = total - good` when the
  SLI is given as good/total; the `error-ratio` query's value when given as a ratio); a window
  with zero events has ratio 0: nothing was spent.
- Its **burn rate** is `error ratio / budget`: 1 spends the budget exactly over the SLO window.
- A **rule** `(factor, long, short)` fires when the burn rate over the long window AND over the
  short window are both strictly above `factor` (SRE workbook, "multiwindow, multi-burn-rate
  alerts": 14.4x over 1h and 5m, 6x over 6h and 30m by default).
- The **budget remaining** over the SLO window is `1 - error ratio(slo window) / budget`
  (negative when overspent); the floor check fails when it is below `budget-floor`.
- A check **cannot decide** when a window it reads has no data (the total, or the ratio, query
  matched no series or gave NaN) or, for a rule's long window and for the SLO window, when
  fewer than `min-events` events happened there.

The gate fails when any check fails; otherwise it holds when any check cannot decide; otherwise
it passes. `evaluate_slo` is pure; `measure_slo` fetches the numbers from a `MetricsSource`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clearance.gates.decision import GateDecision, GateKind, GateStatus
from clearance.gates.metrics import MetricsSource, format_duration, render_query


@dataclass(frozen=True)
class BurnRateRule:
    """Fires when the burn rate exceeds `factor` over both `long` and `short`."""

    factor: float
    long: dt.timedelta
    short: dt.timedelta

    def describe(self) -> str:
        return (
            f"{_x(self.factor)} over {format_duration(self.long)} and {format_duration(self.short)}"
        )


DEFAULT_RULES = (
    BurnRateRule(14.4, dt.timedelta(hours=1), dt.timedelta(minutes=5)),
    BurnRateRule(6.0, dt.timedelta(hours=6), dt.timedelta(minutes=30)),
)
DEFAULT_SLO_WINDOW = dt.timedelta(days=30)
DEFAULT_MIN_EVENTS = 100


@dataclass(frozen=True)
class SliQueries:
    """The SLI as PromQL: `$window` stands for each window (`5m`, `1h`, `30d`...).

    Either `total` with `good` or `bad` (event counts in the window, typically
    `sum(increase(...[$window]))`), or `error_ratio` (optionally with `total`, which then
    gives the event counts that `min-events` checks).
    """

    total: str | None = None
    good: str | None = None
    bad: str | None = None
    error_ratio: str | None = None

    def problem(self) -> str | None:
        """Why these queries cannot define an SLI, or None."""
        given = [n for n, q in (("good", self.good), ("bad", self.bad)) if q]
        if self.error_ratio:
            if given:
                return f"give either error-ratio or {given[0]}/total, not both"
            return None
        if len(given) != 1:
            return "give the SLI as good and total, bad and total, or error-ratio queries"
        if not self.total:
            return f"{given[0]} needs a total query"
        return None


@dataclass(frozen=True)
class SloSpec:
    name: str
    objective: float
    """Fraction of good events promised, 0 < objective < 1 (99.9% → 0.999)."""
    sli: SliQueries
    rules: tuple[BurnRateRule, ...] = DEFAULT_RULES
    slo_window: dt.timedelta = DEFAULT_SLO_WINDOW
    budget_floor: float = 0.0
    """Fraction of the budget that must remain over the SLO window (0.3: refuse below 30%)."""
    min_events: int = DEFAULT_MIN_EVENTS

    @property
    def budget(self) -> float:
        # Rounded so that 99.9% gives 0.001 exactly, not 0.0010000000000000009.
        return round(1.0 - self.objective, 12)

    def windows(self) -> list[dt.timedelta]:
        """Every window a decision reads, shortest first."""
        wanted = {self.slo_window}
        for rule in self.rules:
            wanted.update((rule.long, rule.short))
        return sorted(wanted)


@dataclass(frozen=True)
class WindowMeasure:
    """What happened in one window up to the instant judged.

    `error_ratio` None: no data. `total` None: unknown (an error-ratio SLI without a total
    query) or no data. `bad` is the count of bad events when known.
    """

    window: dt.timedelta
    error_ratio: float | None
    total: float | None = None
    bad: float | None = None
    missing: str = ""
    """Which query matched nothing, when there is no data."""


class CheckStatus(StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Check:
    status: CheckStatus
    reason: str
    figures: Mapping[str, Any] = field(default_factory=dict)


def evaluate_slo(
    spec: SloSpec, measurements: Mapping[dt.timedelta, WindowMeasure], at: dt.datetime
) -> GateDecision:
    """Judge the measurements of every window of `spec.windows()` (pure)."""
    budget = spec.budget
    rule_checks = [_rule_check(spec, rule, measurements) for rule in spec.rules]
    budget_check = _budget_check(spec, measurements)
    checks = [*rule_checks, budget_check]
    failed = [c for c in checks if c.status is CheckStatus.FAIL]
    undecided = [c for c in checks if c.status is CheckStatus.UNDECIDED]
    if failed:
        status, reason = GateStatus.FAIL, failed[0].reason
        if len(failed) > 1:
            reason += f" (and {len(failed) - 1} more check{'s' if len(failed) > 2 else ''})"
    elif undecided:
        status, reason = GateStatus.HOLD, undecided[0].reason
    else:
        status = GateStatus.PASS
        reason = "; ".join([*(c.reason for c in rule_checks), budget_check.reason])
    figures = {
        "objective": spec.objective,
        "budget": budget,
        "slo_window": format_duration(spec.slo_window),
        "budget_floor": spec.budget_floor,
        "min_events": spec.min_events,
        "windows": [_window_figures(measurements.get(w), w, budget) for w in spec.windows()],
        "rules": [dict(c.figures) for c in rule_checks],
        "budget_check": dict(budget_check.figures),
    }
    return GateDecision(spec.name, GateKind.SLO, status, reason, at, figures)


def _burn(measure: WindowMeasure, budget: float) -> float | None:
    if measure.error_ratio is None:
        return None
    return measure.error_ratio / budget


def _no_data(measure: WindowMeasure | None, window: dt.timedelta) -> str | None:
    if measure is None or measure.error_ratio is None:
        what = f" ({measure.missing})" if measure is not None and measure.missing else ""
        return f"no data over {format_duration(window)}{what}"
    return None


def _too_few(spec: SloSpec, measure: WindowMeasure) -> str | None:
    if measure.total is not None and measure.total < spec.min_events:
        return (
            f"only {count(measure.total)} events over {format_duration(measure.window)}, "
            f"fewer than min-events ({spec.min_events})"
        )
    return None


def _rule_check(
    spec: SloSpec, rule: BurnRateRule, measurements: Mapping[dt.timedelta, WindowMeasure]
) -> Check:
    long, short = measurements.get(rule.long), measurements.get(rule.short)
    figures: dict[str, Any] = {
        "factor": rule.factor,
        "long": format_duration(rule.long),
        "short": format_duration(rule.short),
        "long_burn_rate": None,
        "short_burn_rate": None,
    }
    missing = _no_data(long, rule.long) or _no_data(short, rule.short)
    if missing or long is None or short is None:
        figures["status"] = CheckStatus.UNDECIDED.value
        return Check(CheckStatus.UNDECIDED, missing or "no data", figures)
    long_burn, short_burn = _burn(long, spec.budget), _burn(short, spec.budget)
    assert long_burn is not None and short_burn is not None  # noqa: S101 - checked above
    figures["long_burn_rate"], figures["short_burn_rate"] = long_burn, short_burn
    few = _too_few(spec, long)
    if few:
        figures["status"] = CheckStatus.UNDECIDED.value
        return Check(CheckStatus.UNDECIDED, few, figures)
    windows = f"{format_duration(rule.long)}/{format_duration(rule.short)}"
    if long_burn > rule.factor and short_burn > rule.factor:
        figures["status"] = CheckStatus.FAIL.value
        return Check(
            CheckStatus.FAIL,
            f"the error budget burns at {_x(long_burn)} over {format_duration(rule.long)} and "
            f"{_x(short_burn)} over {format_duration(rule.short)}, above {_x(rule.factor)}",
            figures,
        )
    figures["status"] = CheckStatus.PASS.value
    return Check(
        CheckStatus.PASS,
        f"burn {_x(long_burn)}/{_x(short_burn)} over {windows} (limit {_x(rule.factor)})",
        figures,
    )


def _budget_check(spec: SloSpec, measurements: Mapping[dt.timedelta, WindowMeasure]) -> Check:
    window = format_duration(spec.slo_window)
    measure = measurements.get(spec.slo_window)
    figures: dict[str, Any] = {
        "window": window,
        "floor": spec.budget_floor,
        "consumed": None,
        "remaining": None,
    }
    missing = _no_data(measure, spec.slo_window)
    if missing or measure is None or measure.error_ratio is None:
        figures["status"] = CheckStatus.UNDECIDED.value
        return Check(CheckStatus.UNDECIDED, missing or "no data", figures)
    consumed = measure.error_ratio / spec.budget
    remaining = 1.0 - consumed
    figures["consumed"], figures["remaining"] = consumed, remaining
    few = _too_few(spec, measure)
    if few:
        figures["status"] = CheckStatus.UNDECIDED.value
        return Check(CheckStatus.UNDECIDED, few, figures)
    floor = _percent(spec.budget_floor)
    if remaining < spec.budget_floor:
        figures["status"] = CheckStatus.FAIL.value
        if remaining <= 0:
            what = f"the error budget over {window} is spent ({_percent(remaining)} remains)"
        else:
            what = f"only {_percent(remaining)} of the error budget over {window} remains"
        return Check(CheckStatus.FAIL, f"{what}, below the floor of {floor}", figures)
    figures["status"] = CheckStatus.PASS.value
    return Check(
        CheckStatus.PASS,
        f"{_percent(remaining)} of the error budget remains over {window} (floor {floor})",
        figures,
    )


def _window_figures(
    measure: WindowMeasure | None, window: dt.timedelta, budget: float
) -> dict[str, Any]:
    ratio = measure.error_ratio if measure else None
    return {
        "window": format_duration(window),
        "total": measure.total if measure else None,
        "bad": measure.bad if measure else None,
        "error_ratio": ratio,
        "burn_rate": ratio / budget if ratio is not None else None,
    }


def _x(value: float) -> str:
    return f"{value:.3g}x"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3g}%"


def count(value: float) -> str:
    """An event count: whole when it is (counters read through increase() may be 2999.9999)."""
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


# ---- I/O: fetching the measurements ----------------------------------------------------------


def measure_slo(
    source: MetricsSource,
    spec: SloSpec,
    at: dt.datetime,
    variables: Mapping[str, str] | None = None,
) -> dict[dt.timedelta, WindowMeasure]:
    """Query every window of `spec` at `at`. `variables` fill `$environment` and the like."""
    return {w: measure_window(source, spec.sli, w, at, variables or {}) for w in spec.windows()}


def measure_window(
    source: MetricsSource,
    sli: SliQueries,
    window: dt.timedelta,
    at: dt.datetime,
    variables: Mapping[str, str],
) -> WindowMeasure:
    """One window's numbers. A numerator (good or bad) that matches no series counts as 0:
    Prometheus has no error series until the first error."""
    values = {**variables, "window": format_duration(window)}

    def ask(template: str | None) -> float | None:
        if template is None:
            return None
        value = source.instant(render_query(template, values), at)
        return None if value is None or not math.isfinite(value) else value

    total = ask(sli.total)
    if sli.error_ratio is not None:
        ratio = ask(sli.error_ratio)
        if ratio is None:
            return WindowMeasure(window, None, missing="the error-ratio query matched nothing")
        if sli.total is not None and total is None:
            return WindowMeasure(window, None, missing="the total query matched nothing")
        bad = ratio * total if total is not None else None
        return WindowMeasure(window, min(max(ratio, 0.0), 1.0), total, bad)
    if total is None:
        return WindowMeasure(window, None, missing="the total query matched nothing")
    if sli.good is not None:
        good = ask(sli.good) or 0.0
        bad = max(total - good, 0.0)
    else:
        bad = min(ask(sli.bad) or 0.0, total)
    ratio = bad / total if total > 0 else 0.0
    return WindowMeasure(window, ratio, total, bad)

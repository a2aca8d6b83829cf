"""The canary gate: a statistical judge of canary against baseline, in the manner of Kayenta.

Definitions (the README's "Gates" section states them too):

- Each **metric** is a pair of series over the same window `[at - window, at]` every `step`:
  the canary's and the baseline's. NaN and infinite points are dropped.
- A metric has **no data** when either side has fewer than `min-points` points.
- Otherwise it is compared with a **Mann-Whitney U test** (scipy.stats.mannwhitneyu) in the
  direction that is worse: one-sided "canary greater" when higher is worse (`increase`: errors,
  latency), "canary less" when lower is worse (`decrease`: throughput, success), two-sided for
  `either`.
- Its **effect size** is the rank-biserial correlation `r = 2 U / (n_canary n_baseline) - 1`
  (Cliff's delta), in [-1, 1], positive when canary values tend to be higher. It is
  scale-free and defined when a median is 0 (error rates often are).
- A metric **fails** (`high` or `low`) when `p < alpha` AND the effect in the worse direction is
  at least `effect-size` (default 0.33, a medium effect); otherwise it passes.
- The **score** is `100 * weight of passing metrics / weight of metrics with data`.
- The gate **fails** when a critical metric fails (score 0) or when the score is below
  `marginal-score`; it **holds** when a critical metric has no data, when no metric has data,
  or when the score is at least `marginal-score` but below `pass-score`; it **passes** when the
  score is at least `pass-score` (Kayenta's defaults: marginal 75, pass 95).

`judge_metric` and `judge_canary` are pure; `collect_canary` fetches the series.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from clearance.errors import UsageError
from clearance.gates.decision import GateDecision, GateKind, GateStatus
from clearance.gates.metrics import MetricsSource, format_duration, render_query


class Direction(StrEnum):
    """Which way is worse for a metric."""

    INCREASE = "increase"
    """Higher is worse: error rates, latency."""
    DECREASE = "decrease"
    """Lower is worse: throughput, success ratio."""
    EITHER = "either"
    """Any significant difference is worse."""


class MetricVerdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    HIGH = "high"
    """The canary is significantly higher (worse when higher is worse)."""
    LOW = "low"
    """The canary is significantly lower (worse when lower is worse)."""
    NODATA = "nodata"

    @property
    def failed(self) -> bool:
        return self in (MetricVerdict.HIGH, MetricVerdict.LOW)


@dataclass(frozen=True)
class CanaryMetric:
    """One metric: its canary and baseline queries (`$environment` may appear in both)."""

    name: str
    canary_query: str
    baseline_query: str
    direction: Direction = Direction.INCREASE
    critical: bool = False
    weight: float = 1.0
    effect_size: float | None = None
    """This metric's effect-size threshold; None: the gate's."""


DEFAULT_WINDOW = dt.timedelta(minutes=30)
DEFAULT_STEP = dt.timedelta(minutes=1)
DEFAULT_PASS_SCORE = 95.0
DEFAULT_MARGINAL_SCORE = 75.0
DEFAULT_ALPHA = 0.05
DEFAULT_EFFECT_SIZE = 0.33
DEFAULT_MIN_POINTS = 10


@dataclass(frozen=True)
class CanarySpec:
    name: str
    metrics: tuple[CanaryMetric, ...]
    window: dt.timedelta = DEFAULT_WINDOW
    step: dt.timedelta = DEFAULT_STEP
    pass_score: float = DEFAULT_PASS_SCORE
    marginal_score: float = DEFAULT_MARGINAL_SCORE
    alpha: float = DEFAULT_ALPHA
    effect_size: float = DEFAULT_EFFECT_SIZE
    min_points: int = DEFAULT_MIN_POINTS


@dataclass(frozen=True)
class Samples:
    """One metric's points: canary and baseline values over the same window."""

    canary: tuple[float, ...]
    baseline: tuple[float, ...]

    @classmethod
    def of(cls, canary: Sequence[float], baseline: Sequence[float]) -> Samples:
        def finite(values: Sequence[float]) -> tuple[float, ...]:
            return tuple(float(v) for v in values if math.isfinite(v))

        return cls(finite(canary), finite(baseline))


@dataclass(frozen=True)
class MetricJudgement:
    metric: str
    verdict: MetricVerdict
    reason: str
    critical: bool
    weight: float
    direction: Direction
    canary_points: int
    baseline_points: int
    p_value: float | None = None
    effect: float | None = None
    """Rank-biserial correlation, positive when the canary tends higher."""
    effect_threshold: float = DEFAULT_EFFECT_SIZE
    canary_median: float | None = None
    baseline_median: float | None = None

    @property
    def relative_median_difference(self) -> float | None:
        """(canary median - baseline median) / |baseline median|; None when that median is 0."""
        if self.canary_median is None or not self.baseline_median:
            return None
        return (self.canary_median - self.baseline_median) / abs(self.baseline_median)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "critical": self.critical,
            "weight": self.weight,
            "direction": self.direction.value,
            "canary_points": self.canary_points,
            "baseline_points": self.baseline_points,
            "p_value": self.p_value,
            "effect_size": self.effect,
            "effect_size_threshold": self.effect_threshold,
            "canary_median": self.canary_median,
            "baseline_median": self.baseline_median,
            "relative_median_difference": self.relative_median_difference,
        }


_ALTERNATIVE = {
    Direction.INCREASE: "greater",
    Direction.DECREASE: "less",
    Direction.EITHER: "two-sided",
}


def mann_whitney(
    canary: Sequence[float], baseline: Sequence[float], direction: Direction
) -> tuple[float, float]:
    """(U of the canary, p) from scipy, in the direction that is worse."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        raise UsageError(
            "the canary gate needs scipy: install clearance with its gates extra "
            "(pip install 'clearance[gates]')"
        ) from None
    result = mannwhitneyu(canary, baseline, alternative=_ALTERNATIVE[direction], method="auto")
    return float(result.statistic), float(result.pvalue)


def judge_metric(
    metric: CanaryMetric,
    samples: Samples,
    *,
    alpha: float = DEFAULT_ALPHA,
    effect_size: float = DEFAULT_EFFECT_SIZE,
    min_points: int = DEFAULT_MIN_POINTS,
) -> MetricJudgement:
    """Classify one metric: pass, high, low, or nodata (pure but for scipy's arithmetic)."""
    threshold = metric.effect_size if metric.effect_size is not None else effect_size
    n_canary, n_baseline = len(samples.canary), len(samples.baseline)
    nodata = MetricJudgement(
        metric=metric.name,
        verdict=MetricVerdict.NODATA,
        reason=(
            f"{metric.name}: too few points (canary {n_canary}, baseline {n_baseline}; "
            f"at least {min_points} each)"
        ),
        critical=metric.critical,
        weight=metric.weight,
        direction=metric.direction,
        canary_points=n_canary,
        baseline_points=n_baseline,
        effect_threshold=threshold,
    )
    if n_canary < min_points or n_baseline < min_points:
        return nodata
    u, p = mann_whitney(samples.canary, samples.baseline, metric.direction)
    effect = 2.0 * u / (n_canary * n_baseline) - 1.0
    worse = {
        Direction.INCREASE: effect,
        Direction.DECREASE: -effect,
        Direction.EITHER: abs(effect),
    }[metric.direction]
    figures = f"p={p:.3g}, effect {effect:+.2f}"
    if p < alpha and worse >= threshold:
        verdict = MetricVerdict.HIGH if effect > 0 else MetricVerdict.LOW
        side = "higher" if verdict is MetricVerdict.HIGH else "lower"
        reason = (
            f"{metric.name} is {side} in the canary ({figures}; "
            f"significant below {alpha:g} with |effect| >= {threshold:g})"
        )
    else:
        verdict = MetricVerdict.PASS
        reason = f"{metric.name} shows no worse difference ({figures})"
    return replace(
        nodata,
        verdict=verdict,
        reason=reason,
        p_value=p,
        effect=effect,
        canary_median=statistics.median(samples.canary),
        baseline_median=statistics.median(samples.baseline),
    )


def canary_score(judgements: Sequence[MetricJudgement]) -> float | None:
    """100 * passing weight / weight with data; None when no metric has data."""
    judged = [j for j in judgements if j.verdict is not MetricVerdict.NODATA]
    total = sum(j.weight for j in judged)
    if not judged or total <= 0:
        return None
    passed = sum(j.weight for j in judged if j.verdict is MetricVerdict.PASS)
    return 100.0 * passed / total


def judge_canary(spec: CanarySpec, samples: Mapping[str, Samples], at: dt.datetime) -> GateDecision:
    """Judge every metric of `spec` on its samples (a missing entry counts as no data)."""
    judgements = [
        judge_metric(
            metric,
            samples.get(metric.name, Samples((), ())),
            alpha=spec.alpha,
            effect_size=spec.effect_size,
            min_points=spec.min_points,
        )
        for metric in spec.metrics
    ]
    status, reason, score = _overall(spec, judgements)
    figures = {
        "window": format_duration(spec.window),
        "step": format_duration(spec.step),
        "score": score,
        "pass_score": spec.pass_score,
        "marginal_score": spec.marginal_score,
        "alpha": spec.alpha,
        "min_points": spec.min_points,
        "metrics": [j.to_json() for j in judgements],
    }
    return GateDecision(spec.name, GateKind.CANARY, status, reason, at, figures)


def _overall(
    spec: CanarySpec, judgements: Sequence[MetricJudgement]
) -> tuple[GateStatus, str, float | None]:
    critical_failed = [j for j in judgements if j.critical and j.verdict.failed]
    if critical_failed:
        return GateStatus.FAIL, f"critical metric {critical_failed[0].reason}", 0.0
    critical_missing = [j for j in judgements if j.critical and j.verdict is MetricVerdict.NODATA]
    if critical_missing:
        return GateStatus.HOLD, f"critical metric {critical_missing[0].reason}", None
    score = canary_score(judgements)
    if score is None:
        first = judgements[0].reason if judgements else "no metrics configured"
        return GateStatus.HOLD, f"no metric has enough data: {first}", None
    judged = [j for j in judgements if j.verdict is not MetricVerdict.NODATA]
    passing = sum(1 for j in judged if j.verdict is MetricVerdict.PASS)
    tally = f"{passing} of {len(judged)} metric{'s' if len(judged) != 1 else ''} with data pass"
    failed = [j for j in judged if j.verdict.failed]
    worst = f"; {failed[0].reason}" if failed else ""
    if score >= spec.pass_score:
        return GateStatus.PASS, f"score {score:.0f} >= {spec.pass_score:g}: {tally}", score
    if score < spec.marginal_score:
        return (
            GateStatus.FAIL,
            f"score {score:.0f} < {spec.marginal_score:g}: {tally}{worst}",
            score,
        )
    return (
        GateStatus.HOLD,
        f"score {score:.0f} is between {spec.marginal_score:g} and {spec.pass_score:g}: "
        f"{tally}{worst}",
        score,
    )


# ---- I/O: fetching the series ----------------------------------------------------------------


def collect_canary(
    source: MetricsSource,
    spec: CanarySpec,
    at: dt.datetime,
    variables: Mapping[str, str] | None = None,
) -> dict[str, Samples]:
    """Both series of every metric over `[at - window, at]`, every `step`."""
    start = at - spec.window
    values = {
        **(variables or {}),
        "window": format_duration(spec.window),
        "step": format_duration(spec.step),
    }
    collected = {}
    for metric in spec.metrics:
        canary = source.range(render_query(metric.canary_query, values), start, at, spec.step)
        baseline = source.range(render_query(metric.baseline_query, values), start, at, spec.step)
        collected[metric.name] = Samples.of([v for _, v in canary], [v for _, v in baseline])
    return collected

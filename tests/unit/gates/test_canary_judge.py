"""The canary judge, as a specification with numbers worked by hand.

A metric's effect size is the rank-biserial correlation r = 2U/(n_c n_b) - 1, where U counts
the (canary, baseline) pairs in which the canary is higher (ties count one half). It fails when
the Mann-Whitney p-value in its worse direction is below alpha AND r points that way by at
least the effect-size threshold.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clearance.gates.canary import (
    CanaryMetric,
    CanarySpec,
    Direction,
    MetricVerdict,
    Samples,
    canary_score,
    judge_canary,
    judge_metric,
)
from clearance.gates.decision import GateStatus

AT = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
LOW = (1.0, 2.0, 3.0, 4.0)
HIGH = (5.0, 6.0, 7.0, 8.0)


def metric(name: str = "m", direction: Direction = Direction.INCREASE, **kw) -> CanaryMetric:
    return CanaryMetric(name, "canary", "baseline", direction=direction, **kw)


@pytest.mark.parametrize(
    "canary, baseline, direction, verdict, u, p",
    [
        # Every canary point above every baseline point: U = 16 of 16 pairs, r = +1. The exact
        # one-sided p is 1 / C(8, 4) = 1/70.
        (HIGH, LOW, Direction.INCREASE, MetricVerdict.HIGH, 16, 1 / 70),
        # Higher is fine when lower is worse: the one-sided "less" test finds nothing (p = 1).
        (HIGH, LOW, Direction.DECREASE, MetricVerdict.PASS, 16, 1.0),
        # Two-sided: p doubles to 2/70, still below 0.05.
        (HIGH, LOW, Direction.EITHER, MetricVerdict.HIGH, 16, 2 / 70),
        # Lower when lower is worse.
        (LOW, HIGH, Direction.DECREASE, MetricVerdict.LOW, 0, 1 / 70),
        # The same values on both sides: U = 8 (all ties), r = 0.
        (LOW, LOW, Direction.INCREASE, MetricVerdict.PASS, 8, None),
    ],
)
def test_metric_verdicts(canary, baseline, direction, verdict, u, p) -> None:
    judged = judge_metric(metric(direction=direction), Samples.of(canary, baseline), min_points=4)

    assert judged.verdict is verdict, judged.reason
    assert judged.effect == pytest.approx(2 * u / 16 - 1)
    if p is not None:
        assert judged.p_value == pytest.approx(p)


def test_significance_is_strict_three_points_each_cannot_reach_alpha() -> None:
    # With 3 points a side, the smallest one-sided p is 1 / C(6, 3) = 0.05: not below 0.05.
    judged = judge_metric(metric(), Samples.of((4, 5, 6), (1, 2, 3)), min_points=3)

    assert judged.p_value == pytest.approx(0.05)
    assert judged.verdict is MetricVerdict.PASS


def test_a_significant_but_small_effect_passes() -> None:
    # Baseline 0..399, canary shifted by 60: U = sum(min(400, i + 60)) + 340 ties / 2 = 102 200,
    # so r = 2 * 102 200 / 160 000 - 1 = 0.2775: significant with 400 points, yet below 0.33.
    baseline = [float(i) for i in range(400)]
    canary = [float(i + 60) for i in range(400)]

    judged = judge_metric(metric(), Samples.of(canary, baseline))

    assert judged.effect == pytest.approx(0.2775)
    assert judged.p_value is not None and judged.p_value < 1e-4
    assert judged.verdict is MetricVerdict.PASS
    # The same difference fails a metric whose threshold is 0.25.
    stricter = judge_metric(metric(effect_size=0.25), Samples.of(canary, baseline))
    assert stricter.verdict is MetricVerdict.HIGH


def test_too_few_points_is_no_data_and_nan_points_do_not_count() -> None:
    nan = float("nan")
    judged = judge_metric(metric(), Samples.of((1, nan, 2, nan), LOW * 3), min_points=3)

    assert judged.verdict is MetricVerdict.NODATA
    assert (judged.canary_points, judged.baseline_points) == (2, 12)
    assert "too few points (canary 2, baseline 12; at least 3 each)" in judged.reason


def test_relative_median_difference_is_reported_and_undefined_on_a_zero_median() -> None:
    judged = judge_metric(metric(), Samples.of(HIGH, LOW), min_points=4)
    zero = judge_metric(metric(), Samples.of(HIGH, (0, 0, 0, 0)), min_points=4)

    assert judged.relative_median_difference == pytest.approx((6.5 - 2.5) / 2.5)
    assert zero.relative_median_difference is None


FAILS = Samples.of(HIGH, LOW)
PASSES = Samples.of(LOW, LOW)
NODATA = Samples.of((), LOW)


@pytest.mark.parametrize(
    "metrics, samples, status, score",
    [
        pytest.param(
            [metric("a"), metric("b")], [PASSES, PASSES], GateStatus.PASS, 100, id="all pass"
        ),
        pytest.param(
            [metric("a", critical=True), metric("b")],
            [FAILS, PASSES],
            GateStatus.FAIL,
            0,
            id="a critical metric fails alone, score 0",
        ),
        pytest.param(
            [metric("a", critical=True), metric("b")],
            [NODATA, PASSES],
            GateStatus.HOLD,
            None,
            id="a critical metric without data holds",
        ),
        pytest.param(
            [metric("a"), metric("b"), metric("c")],
            [PASSES, PASSES, FAILS],
            GateStatus.FAIL,
            pytest.approx(200 / 3),
            id="2 of 3 pass: 66.7 < marginal 75 fails",
        ),
        pytest.param(
            [metric(n) for n in "abcde"],
            [PASSES, PASSES, PASSES, PASSES, FAILS],
            GateStatus.HOLD,
            80,
            id="4 of 5 pass: 80 is between 75 and 95, hold",
        ),
        pytest.param(
            [metric("a", weight=19), metric("b")],
            [PASSES, FAILS],
            GateStatus.PASS,
            95,
            id="weights: 19 of 20 pass, 95 passes",
        ),
        pytest.param(
            [metric("a"), metric("b")],
            [PASSES, NODATA],
            GateStatus.PASS,
            100,
            id="no data does not count",
        ),
        pytest.param(
            [metric("a"), metric("b")],
            [NODATA, NODATA],
            GateStatus.HOLD,
            None,
            id="nothing to judge holds",
        ),
    ],
)
def test_overall_judgement(metrics, samples, status, score) -> None:
    spec = CanarySpec("web", tuple(metrics), min_points=4)

    decision = judge_canary(spec, {m.name: s for m, s in zip(metrics, samples, strict=True)}, AT)

    assert decision.status is status, decision.reason
    assert decision.figures["score"] == score
    assert decision.to_json()["outcome"] == status.value


def test_the_score_is_the_passing_weight_over_the_weight_with_data() -> None:
    judged = [
        judge_metric(metric("a", weight=3), PASSES, min_points=4),
        judge_metric(metric("b", weight=1), FAILS, min_points=4),
        judge_metric(metric("c", weight=5), NODATA, min_points=4),
    ]

    assert canary_score(judged) == pytest.approx(75.0)

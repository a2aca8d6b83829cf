"""The SLO gate's decision, as a specification with numbers worked by hand.

Objective 99.9%: the error budget is 0.001, so an error ratio of 0.02 burns at 20x. Each row
gives the (bad, total) events per window at the instant judged, and what the gate answers.
Default rules: 14.4x over 1h AND 5m; 6x over 6h AND 30m. SLO window 30d, floor 30%,
min-events 100.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clearance.gates.decision import GateStatus
from clearance.gates.slo import (
    BurnRateRule,
    SliQueries,
    SloSpec,
    WindowMeasure,
    evaluate_slo,
    measure_window,
)

AT = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
M5, M30, H1, H6, D30 = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(days=30),
)
SPEC = SloSpec(
    name="checkout",
    objective=0.999,
    sli=SliQueries(good="g", total="t"),
    budget_floor=0.30,
    min_events=100,
)
# A quiet, healthy service: 0.05% errors everywhere (burn 0.5x), half the budget left.
HEALTHY = {M5: (5, 10_000), M30: (5, 10_000), H1: (5, 10_000), H6: (5, 10_000), D30: (5, 10_000)}


def measures(rows: dict[dt.timedelta, tuple[float, float] | None]) -> dict:
    out = {}
    for window, row in rows.items():
        if row is None:
            out[window] = WindowMeasure(window, None, missing="the total query matched nothing")
        else:
            bad, total = row
            out[window] = WindowMeasure(window, bad / total if total else 0.0, total, bad)
    return out


@pytest.mark.parametrize(
    "changes, status, reason",
    [
        pytest.param({}, GateStatus.PASS, "50% of the error budget remains", id="healthy"),
        pytest.param(
            {H1: (200, 10_000), M5: (200, 10_000)},
            GateStatus.FAIL,
            "burns at 20x over 1h and 20x over 5m, above 14.4x",
            id="fast burn: 2% over 1h and 5m is 20x > 14.4x",
        ),
        pytest.param(
            {H1: (200, 10_000), M5: (1, 10_000)},
            GateStatus.PASS,
            "burn 20x/0.1x over 1h/5m",
            id="recovered: 20x over 1h but 0.1x over 5m does not fire",
        ),
        pytest.param(
            {H6: (80, 10_000), M30: (80, 10_000)},
            GateStatus.FAIL,
            "burns at 8x over 6h and 8x over 30m, above 6x",
            id="slow burn: 0.8% over 6h and 30m is 8x > 6x",
        ),
        pytest.param(
            {H1: (144, 10_000), M5: (144, 10_000), H6: (59, 10_000), M30: (59, 10_000)},
            GateStatus.PASS,
            "burn 14.4x/14.4x over 1h/5m",
            id="just below: 14.4x does not exceed 14.4x, 5.9x does not exceed 6x",
        ),
        pytest.param(
            {D30: (8, 10_000)},
            GateStatus.FAIL,
            "only 20% of the error budget over 30d remains, below the floor of 30%",
            id="floor: 0.08% over 30d spends 80%, 20% < 30% remains",
        ),
        pytest.param(
            {D30: (12, 10_000)},
            GateStatus.FAIL,
            "is spent (-20% remains)",
            id="overspent: 0.12% over 30d is 120% of the budget",
        ),
        pytest.param(
            {H1: (0, 99)},
            GateStatus.HOLD,
            "only 99 events over 1h, fewer than min-events (100)",
            id="too few events in a long window",
        ),
        pytest.param(
            {M5: None},
            GateStatus.HOLD,
            "no data over 5m (the total query matched nothing)",
            id="no data in a short window",
        ),
        pytest.param(
            {M5: (0, 0)},
            GateStatus.PASS,
            "burn 0.5x/0x over 1h/5m",
            id="zero events in a short window burn nothing",
        ),
        pytest.param(
            {H1: (200, 10_000), M5: (200, 10_000), H6: None},
            GateStatus.FAIL,
            "burns at 20x",
            id="a failing rule outranks an undecided one",
        ),
    ],
)
def test_slo_decision(changes, status, reason) -> None:
    decision = evaluate_slo(SPEC, measures({**HEALTHY, **changes}), AT)

    assert decision.status is status, decision.reason
    assert reason in decision.reason
    assert decision.exit_code == {"pass": 0, "fail": 1, "hold": 4}[status.value]


def test_the_figures_carry_every_number_the_decision_used() -> None:
    rows = {**HEALTHY, H1: (200, 10_000), M5: (150, 10_000)}

    decision = evaluate_slo(SPEC, measures(rows), AT)

    figures = decision.to_json()["figures"]
    assert figures["budget"] == 0.001
    assert [w["window"] for w in figures["windows"]] == ["5m", "30m", "1h", "6h", "30d"]
    fast, slow = figures["rules"]
    assert fast == {
        "factor": 14.4,
        "long": "1h",
        "short": "5m",
        "long_burn_rate": pytest.approx(20.0),
        "short_burn_rate": pytest.approx(15.0),
        "status": "fail",
    }
    assert slow["status"] == "pass"
    assert figures["budget_check"]["remaining"] == pytest.approx(0.5)
    assert decision.to_json()["outcome"] == "fail"
    assert decision.to_json()["at"] == "2024-03-01T12:00:00Z"


def test_a_rule_at_exactly_its_factor_does_not_fire() -> None:
    spec = SloSpec("x", 0.999, SliQueries(good="g", total="t"), rules=(BurnRateRule(2.0, H1, M5),))
    rows = {H1: (20, 10_000), M5: (20, 10_000), D30: (5, 10_000)}  # 0.2% = exactly 2x

    assert evaluate_slo(spec, measures(rows), AT).status is GateStatus.PASS


def test_an_error_ratio_sli_without_totals_skips_min_events() -> None:
    spec = SloSpec("x", 0.99, SliQueries(error_ratio="r"), min_events=10**9)
    windows = {w: WindowMeasure(w, 0.001) for w in spec.windows()}

    decision = evaluate_slo(spec, windows, AT)

    assert decision.status is GateStatus.PASS
    assert decision.figures["rules"][0]["long_burn_rate"] == pytest.approx(0.1)


class Source:
    """A MetricsSource answering from a table of rendered queries."""

    def __init__(self, answers: dict[str, float | None]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def instant(self, query: str, at: dt.datetime) -> float | None:
        self.asked.append(query)
        return self.answers.get(query)

    def range(self, query, start, end, step):  # pragma: no cover - not used by the SLO gate
        raise AssertionError


@pytest.mark.parametrize(
    "sli, answers, expected",
    [
        pytest.param(
            SliQueries(good="good[$window]", total="total[$window]"),
            {"good[1h]": 990.0, "total[1h]": 1000.0},
            (0.01, 1000.0, 10.0),
            id="good/total",
        ),
        pytest.param(
            SliQueries(good="good[$window]", total="total[$window]"),
            {"total[1h]": 1000.0},
            (1.0, 1000.0, 1000.0),
            id="no good series: every event was bad",
        ),
        pytest.param(
            SliQueries(bad="bad[$window]", total="total[$window]"),
            {"total[1h]": 1000.0},
            (0.0, 1000.0, 0.0),
            id="no bad series yet: nothing failed",
        ),
        pytest.param(
            SliQueries(bad="bad[$window]", total="total[$window]"),
            {"bad[1h]": 5.0},
            (None, None, None),
            id="no total series: no data",
        ),
        pytest.param(
            SliQueries(error_ratio="ratio[$window]"),
            {"ratio[1h]": float("nan")},
            (None, None, None),
            id="NaN ratio (0/0): no data",
        ),
        pytest.param(
            SliQueries(error_ratio="ratio[$window]", total="total[$window]"),
            {"ratio[1h]": 0.02, "total[1h]": 500.0},
            (0.02, 500.0, 10.0),
            id="ratio with a total",
        ),
    ],
)
def test_measuring_a_window(sli, answers, expected) -> None:
    source = Source(answers)

    measure = measure_window(source, sli, H1, AT, {})

    assert (measure.error_ratio, measure.total, measure.bad) == expected


def test_json_has_no_nan_an_unknown_figure_is_null() -> None:
    import json

    from clearance.gates.decision import GateDecision, GateKind

    decision = GateDecision("x", GateKind.SLO, GateStatus.HOLD, "r", AT, {"a": [float("nan")]})

    assert json.loads(json.dumps(decision.to_json(), allow_nan=False))["figures"] == {"a": [None]}

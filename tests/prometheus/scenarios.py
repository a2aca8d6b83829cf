"""The deterministic series every gate test reads, one label set per scenario.

Everything is relative to `AT` (2024-03-01T12:00:00Z), the instant the tests judge with
`--at`. Samples are every 30 s over the 7 hours before AT and every 5 min before that, back to
AT - 24h, so each window the gates read (5m, 30m, 1h, 6h, and the 1d budget window the tests
use) starts and ends on a sample: Prometheus' increase() then needs no extrapolation, and the
numbers are exact.

SLO scenarios (`http_requests_total{service=..., code="200"|"500"}`, 10 requests/s), their
error fraction over time (the objective is 99.9%, so the budget is 0.1% and a 0.02% error
fraction burns at 0.2x):

| service     | errors                                          | expected            |
|-------------|-------------------------------------------------|---------------------|
| healthy     | 0.02% throughout                                | pass                |
| burning     | 0.02%, then 2% over the last hour (20x)         | fail: 14.4x/1h/5m   |
| slow-burn   | 0.02%, then 0.8% over the last 6 hours (8x)     | fail: 6x/6h/30m     |
| exhausted   | 0.02%, and 1.5% from AT-20h to AT-19h           | fail: budget floor  |
| quiet       | 0.02% of 0.01 requests/s: 36 an hour            | hold: min-events    |

Canary scenarios (`http_requests_total{app=..., track="canary"|"baseline", code=...}` at about
10 requests/s with seeded noise, and a p99 latency gauge `http_request_latency_p99_seconds`),
over the 40 minutes before AT:

| app          | canary                                      | expected              |
|--------------|---------------------------------------------|-----------------------|
| web-healthy  | the baseline's distributions                | pass                  |
| web-errors   | 3x the baseline's 1% error rate             | fail (critical)       |
| web-sparse   | started 4 minutes before AT                 | hold (too few points) |
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

AT = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
AT_UNIX = int(AT.timestamp())
HOUR = 3600
DENSE_STEP = 30
SPARSE_STEP = 300
START = AT_UNIX - 24 * HOUR
DENSE_FROM = AT_UNIX - 7 * HOUR

OBJECTIVE = 99.9
REQUESTS_PER_SECOND = 10.0


def timeline(start: int = START) -> list[int]:
    """Sample instants: every 5 min, then every 30 s over the last 7 hours, up to AT."""
    times = []
    t = start
    while t < DENSE_FROM:
        times.append(t)
        t += SPARSE_STEP
    while t <= AT_UNIX:
        times.append(t)
        t += DENSE_STEP
    return times


ErrorFraction = Callable[[int], float]
"""The fraction of requests that fail in the second starting at unix time t."""


@dataclass(frozen=True)
class SloScenario:
    service: str
    errors: ErrorFraction
    rate: float = REQUESTS_PER_SECOND


def _steady(fraction: float) -> ErrorFraction:
    return lambda t: fraction


def _after(since: int, fraction: float, otherwise: float = 0.0002) -> ErrorFraction:
    return lambda t: fraction if t >= since else otherwise


def _between(start: int, end: int, fraction: float, otherwise: float = 0.0002) -> ErrorFraction:
    return lambda t: fraction if start <= t < end else otherwise


SLO_SCENARIOS = (
    SloScenario("healthy", _steady(0.0002)),
    SloScenario("burning", _after(AT_UNIX - HOUR, 0.02)),
    SloScenario("slow-burn", _after(AT_UNIX - 6 * HOUR, 0.008)),
    SloScenario("exhausted", _between(AT_UNIX - 20 * HOUR, AT_UNIX - 19 * HOUR, 0.015)),
    SloScenario("quiet", _steady(0.0002), rate=0.01),
)


def slo_series(scenario: SloScenario) -> Iterator[tuple[str, int, float]]:
    """(labels, t, value) of the good and bad counters; piecewise-constant rates, integrated."""
    times = timeline()
    good = bad = 0.0
    rows = [(times[0], good, bad)]
    for previous, t in itertools.pairwise(times):
        fraction = scenario.errors(previous)  # rates change only on sample instants
        bad += scenario.rate * (t - previous) * fraction
        good += scenario.rate * (t - previous) * (1 - fraction)
        rows.append((t, good, bad))
    for code, index in (("200", 1), ("500", 2)):
        labels = f'service="{scenario.service}",code="{code}"'
        for row in rows:
            yield labels, row[0], row[index]


@dataclass(frozen=True)
class CanaryScenario:
    app: str
    canary_error_fraction: float
    baseline_error_fraction: float = 0.01
    canary_minutes: int = 40
    seed: int = 1


CANARY_SCENARIOS = (
    CanaryScenario("web-healthy", 0.01, seed=11),
    CanaryScenario("web-errors", 0.03, seed=12),
    CanaryScenario("web-sparse", 0.01, canary_minutes=4, seed=13),
)


def canary_series(
    scenario: CanaryScenario,
) -> tuple[list[tuple[str, int, float]], list[tuple[str, int, float]]]:
    """(counter rows, latency rows) of both tracks: seeded noise, so the same every run."""
    rng = random.Random(scenario.seed)
    counters: list[tuple[str, int, float]] = []
    latency: list[tuple[str, int, float]] = []
    for track in ("baseline", "canary"):
        minutes = 40 if track == "baseline" else scenario.canary_minutes
        fraction = (
            scenario.canary_error_fraction
            if track == "canary"
            else scenario.baseline_error_fraction
        )
        labels = f'app="{scenario.app}",track="{track}"'
        ok = errors = 0.0
        for t in range(AT_UNIX - minutes * 60, AT_UNIX + 1, DENSE_STEP):
            requests = rng.randint(270, 330)
            failed = sum(1 for _ in range(requests) if rng.random() < fraction)
            ok += requests - failed
            errors += failed
            counters.append((f'{labels},code="200"', t, ok))
            counters.append((f'{labels},code="500"', t, errors))
            latency.append((labels, t, round(rng.gauss(0.25, 0.02), 4)))
    return counters, latency


def openmetrics() -> str:
    """The whole data set as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`:
    one family per block of lines, timestamps in seconds, `# EOF` at the end."""
    lines = ["# HELP http_requests Requests served.", "# TYPE http_requests counter"]
    for scenario in SLO_SCENARIOS:
        lines += [
            f"http_requests_total{{{labels}}} {value:.6f} {t}"
            for labels, t, value in slo_series(scenario)
        ]
    latencies: list[tuple[str, int, float]] = []
    for canary in CANARY_SCENARIOS:
        counters, latency = canary_series(canary)
        by_series: dict[str, list[tuple[int, float]]] = {}
        for labels, t, value in counters:
            by_series.setdefault(labels, []).append((t, value))
        for labels, points in by_series.items():
            lines += [f"http_requests_total{{{labels}}} {v:.0f} {t}" for t, v in points]
        latencies += latency
    lines += [
        "# HELP http_request_latency_p99_seconds The 99th percentile of request latency.",
        "# TYPE http_request_latency_p99_seconds gauge",
    ]
    lines += [f"http_request_latency_p99_seconds{{{labels}}} {v} {t}" for labels, t, v in latencies]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"

"""`clearance gate slo|canary` against a real Prometheus serving backfilled series.

The server (tests/prometheus) holds one label set per scenario, described in
tests/prometheus/scenarios.py; every decision is replayed at AT with `--at`. The SLO gates use
a 1d budget window (the data span) in place of the usual 30d.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.prometheus.scenarios import AT, AT_UNIX

from clearance.config import load_config
from clearance.gates.runner import decide_configured

pytestmark = pytest.mark.integration

CONFIG = """\
[gates.checkout]
kind = "slo"
description = "The checkout service in each environment (one service per scenario here)."
objective = 99.9
good = 'sum(increase(http_requests_total{service="$environment",code!~"5.."}[$window]))'
total = 'sum(increase(http_requests_total{service="$environment"}[$window]))'
slo-window = "1d"
budget-floor = 30
min-events = 100

[gates.web]
kind = "canary"
window = "30m"
step = "1m"
canary-scope = 'app="$environment",track="canary"'
baseline-scope = 'app="$environment",track="baseline"'

[[gates.web.metrics]]
name = "error-ratio"
query = 'sum(rate(http_requests_total{$scope,code="500"}[1m])) / sum(rate(http_requests_total{$scope}[1m]))'
critical = true

[[gates.web.metrics]]
name = "latency-p99"
query = 'max(http_request_latency_p99_seconds{$scope})'
direction = "increase"
"""


@pytest.fixture
def project(tmp_path: Path, prometheus) -> Path:
    (tmp_path / "clearance.toml").write_text(
        CONFIG.replace(
            'kind = "slo"', f'kind = "slo"\nprometheus-url = "{prometheus.url}"'
        ).replace('kind = "canary"', f'kind = "canary"\nprometheus-url = "{prometheus.url}"'),
        encoding="utf-8",
    )
    return tmp_path


def gate(run_cli, project: Path, kind: str, name: str, scenario: str, *extra: str):
    return run_cli(
        "gate",
        kind,
        name,
        "--environment",
        scenario,
        "--at",
        AT.isoformat(),
        "--format",
        "json",
        *extra,
        cwd=project,
    )


@pytest.mark.parametrize(
    "service, code, outcome, reason",
    [
        ("healthy", 0, "pass", "80% of the error budget remains over 1d (floor 30%)"),
        ("burning", 1, "fail", "burns at 20x over 1h and 20x over 5m, above 14.4x"),
        ("slow-burn", 1, "fail", "burns at 8x over 6h and 8x over 30m, above 6x"),
        (
            "exhausted",
            1,
            "fail",
            "only 18.3% of the error budget over 1d remains, below the floor of 30%",
        ),
        ("quiet", 4, "hold", "only 36 events over 1h, fewer than min-events (100)"),
        ("no-such-service", 4, "hold", "no data over 1h (the total query matched nothing)"),
    ],
)
def test_slo_gate(run_cli, project, service, code, outcome, reason) -> None:
    result = gate(run_cli, project, "slo", "checkout", service)

    assert result.code == code, result.stderr
    decision = json.loads(result.stdout)
    assert decision["outcome"] == outcome
    assert reason in decision["reason"]
    assert decision["at"] == "2024-03-01T12:00:00Z"
    assert f"checkout: {outcome}" in result.stderr


def test_slo_figures_are_the_series_numbers(run_cli, project) -> None:
    # burning: 10 req/s; 0.02% errors, then 2% over the last hour.
    decision = json.loads(gate(run_cli, project, "slo", "checkout", "burning").stdout)

    windows = {w["window"]: w for w in decision["figures"]["windows"]}
    assert windows["1h"]["total"] == pytest.approx(36_000)
    assert windows["1h"]["bad"] == pytest.approx(720)
    assert windows["5m"]["burn_rate"] == pytest.approx(20)
    # 6h: 5h at 0.02% and 1h at 2% = 0.35%: 3.5x, under 6x.
    assert windows["6h"]["burn_rate"] == pytest.approx(3.5)
    assert [r["status"] for r in decision["figures"]["rules"]] == ["fail", "pass"]
    # 1d: (23 h x 0.0002 + 1 h x 0.02) / 24 h = 0.1025%: 102.5% of the budget spent.
    assert decision["figures"]["budget_check"]["remaining"] == pytest.approx(-0.025)


def test_slo_text_report_shows_the_windows(run_cli, project) -> None:
    result = run_cli(
        "gate", "slo", "checkout", "--environment", "exhausted", "--at", str(AT_UNIX), cwd=project
    )

    assert result.code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("gate slo checkout: fail: only 18.3% of the error budget")
    assert any(line.split()[:3] == ["1d", "864000", "705.6"] for line in lines)
    assert "error budget over 1d: fail (18.3% remains, floor 30%)" in result.stdout


@pytest.mark.parametrize(
    "app, code, outcome, reason",
    [
        ("web-healthy", 0, "pass", "score 100 >= 95: 2 of 2 metrics with data pass"),
        ("web-errors", 1, "fail", "critical metric error-ratio is higher in the canary"),
        (
            "web-sparse",
            4,
            "hold",
            "critical metric error-ratio: too few points (canary 4, baseline 31",
        ),
    ],
)
def test_canary_gate(run_cli, project, app, code, outcome, reason) -> None:
    result = gate(run_cli, project, "canary", "web", app)

    assert result.code == code, result.stderr
    decision = json.loads(result.stdout)
    assert decision["outcome"] == outcome
    assert reason in decision["reason"]


def test_a_canary_with_three_times_the_errors_is_judged_on_its_numbers(run_cli, project) -> None:
    decision = json.loads(gate(run_cli, project, "canary", "web", "web-errors").stdout)

    errors = decision["figures"]["metrics"][0]
    assert (errors["metric"], errors["verdict"]) == ("error-ratio", "high")
    assert (errors["canary_points"], errors["baseline_points"]) == (31, 31)
    assert errors["canary_median"] == pytest.approx(0.03, abs=0.006)
    assert errors["baseline_median"] == pytest.approx(0.01, abs=0.003)
    assert errors["p_value"] < 1e-6
    assert errors["effect_size"] > 0.9
    assert decision["figures"]["score"] == 0


def test_options_alone_define_a_gate(run_cli, prometheus, tmp_path) -> None:
    result = run_cli(
        "gate",
        "canary",
        "--prometheus-url",
        prometheus.url,
        "--at",
        AT.isoformat(),
        "--canary-scope",
        'app="web-errors",track="canary"',
        "--baseline-scope",
        'app="web-errors",track="baseline"',
        "--metric",
        "latency:increase=max(http_request_latency_p99_seconds{$scope})",
        "--decision-file",
        "decision.json",
        cwd=tmp_path,
    )

    assert result.code == 0, result.stderr
    assert json.loads((tmp_path / "decision.json").read_text())["outcome"] == "pass"


def test_a_query_prometheus_rejects_is_a_usage_error(run_cli, prometheus, tmp_path) -> None:
    result = run_cli(
        "gate",
        "slo",
        "--prometheus-url",
        prometheus.url,
        "--objective",
        "99",
        "--error-ratio-query",
        "sum(rate(oops[$window]",
        cwd=tmp_path,
    )

    assert result.code == 2
    assert f"Prometheus at {prometheus.url}/api/v1/query rejected the query" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_query_with_several_series_asks_for_aggregation(run_cli, prometheus, tmp_path) -> None:
    result = run_cli(
        "gate",
        "slo",
        "--prometheus-url",
        prometheus.url,
        "--objective",
        "99",
        "--at",
        AT.isoformat(),
        "--bad-query",
        'sum(increase(http_requests_total{code="500"}[$window]))',
        "--total-query",
        "increase(http_requests_total[$window])",
        cwd=tmp_path,
    )

    assert result.code == 2
    assert "series; a gate needs one: aggregate it" in result.stderr


@pytest.mark.parametrize(
    "name, environment, outcome",
    [
        ("checkout", "healthy", "pass"),
        ("checkout", "burning", "fail"),
        ("web", "web-errors", "fail"),
        ("web", "web-sparse", "hold"),
    ],
)
def test_a_configured_gate_runs_for_an_environment_as_promote_runs_it(
    project, name, environment, outcome
) -> None:
    # What `clearance promote` does for `gates = ["checkout", "web"]` of an environment: the
    # gate's kind from its table, $environment from the target, `at` from the promotion's clock.
    settings = load_config(None, project)

    decision = decide_configured(settings, name, at=AT, environment=environment)

    assert decision.status.value == outcome
    assert decision.gate == name

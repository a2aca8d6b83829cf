"""Gate configuration and options: what is accepted, and the one line for what is not.

Every case here fails before any query is sent, so no server is needed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clearance.config import load_config
from clearance.errors import UsageError
from clearance.gates.decision import GateKind, parse_instant
from clearance.gates.metrics import format_duration, parse_duration, render_query
from clearance.gates.runner import decide_configured
from clearance.gates.settings import canary_gate, merged, parse_metric_option, slo_gate

SLO = """\
[gates.api]
kind = "slo"
prometheus-url = "http://127.0.0.1:9"
objective = 99.5
good = 'sum(increase(ok[$window]))'
total = 'sum(increase(all[$window]))'
burn-rates = [{ factor = 10, long = "2h", short = "10m" }]
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "clearance.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_configured_slo_gate_reads_into_a_spec(tmp_path) -> None:
    settings = load_config(None, write(tmp_path, SLO))
    document = merged(settings.section("gates")["api"], {}, GateKind.SLO, "here")

    gate = slo_gate("api", document, "here")

    assert gate.spec.objective == 0.995
    assert gate.spec.budget == 0.005
    assert [(r.factor, r.long, r.short) for r in gate.spec.rules] == [
        (10.0, dt.timedelta(hours=2), dt.timedelta(minutes=10))
    ]
    assert gate.spec.slo_window == dt.timedelta(days=30)
    assert gate.spec.budget_floor == 0.0
    assert gate.prometheus.url == "http://127.0.0.1:9"


def test_a_canary_metric_query_gets_each_sides_scope() -> None:
    document = merged(
        {
            "canary-scope": 'track="canary"',
            "baseline-scope": 'track="baseline"',
            "metrics": [{"name": "errors", "query": 'sum(rate(e{$scope,env="$environment"}[1m]))'}],
        },
        {},
        GateKind.CANARY,
        "here",
    )

    (metric,) = canary_gate("web", document, "here").spec.metrics

    assert metric.canary_query == 'sum(rate(e{track="canary",env="$environment"}[1m]))'
    assert metric.baseline_query == 'sum(rate(e{track="baseline",env="$environment"}[1m]))'


@pytest.mark.parametrize(
    "config, message",
    [
        ('[gates.api]\nkind = "sla"\n', "gates.api.kind is 'sla', expected one of: slo, canary"),
        (SLO + "budget = 3\n", "unknown key 'budget' in gates.api (allowed: bad, budget-floor,"),
        (SLO + 'slo-window = "30 days"\n', "gates.api.slo-window = '30 days' is not valid"),
        (SLO.replace("99.5", "100"), "gates.api.objective: 100 is greater than or equal"),
        (
            '[gates.Bad_Name]\nkind = "slo"\n',
            "gates = 'Bad_Name' is not valid (a gate name: lower-case",
        ),
    ],
)
def test_bad_configuration_is_one_line_exit_2(run_cli, tmp_path, config, message) -> None:
    write(tmp_path, config)

    result = run_cli("gate", "slo", "api", cwd=tmp_path)

    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["gate", "canary", "api"], "gates.api is a slo gate, not a canary gate"),
        (
            ["gate", "slo", "nope"],
            "no gate named 'nope' in [tool.clearance.gates] (configured: api)",
        ),
        (["gate", "slo", "api", "--objective", "120"], "objective: 120.0 is greater than or equal"),
        (["gate", "slo", "api", "--burn-rate", "14:1h"], "expected FACTOR:LONG:SHORT"),
        (["gate", "slo", "api", "--burn-rate", "14:5m:1h"], "the short window must be shorter"),
        (["gate", "slo", "api", "--at", "2024-03-01T12:00:00"], "has no UTC offset"),
        (["gate", "slo", "api", "--at", "yesterday"], "is not a time"),
        (["gate", "slo", "api", "--slo-window", "1 month"], "is not a duration"),
        (
            ["gate", "slo", "api", "--bad-query", "x"],
            "give the SLI as good and total, bad and total, or error-ratio queries",
        ),
    ],
)
def test_bad_options_are_one_line_exit_2(run_cli, tmp_path, args, message) -> None:
    write(tmp_path, SLO)

    result = run_cli(*args, cwd=tmp_path)

    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_a_url_the_gate_says_where_to_give_one(run_cli, tmp_path) -> None:
    result = run_cli(
        "gate", "slo", "--objective", "99", "--error-ratio-query", "r[$window]", cwd=tmp_path
    )

    assert result.code == 2
    assert "no Prometheus URL: pass --prometheus-url (or CLEARANCE_PROMETHEUS_URL)" in result.stderr


def test_an_unfilled_environment_placeholder_is_a_usage_error(run_cli, tmp_path) -> None:
    result = run_cli(
        "gate",
        "slo",
        "--prometheus-url",
        "http://127.0.0.1:9",
        "--objective",
        "99",
        "--error-ratio-query",
        'r{env="$environment"}[$window]',
        cwd=tmp_path,
    )

    assert result.code == 2
    assert (
        "a query uses $environment but no value was given for it (--environment)" in result.stderr
    )


def test_a_canary_needs_scipy_only_when_judging() -> None:
    import clearance.gates.canary as canary

    assert "scipy" not in canary.__dict__


@pytest.mark.parametrize(
    "text, item",
    [
        ("errors=sum(e)", {"name": "errors", "query": "sum(e)"}),
        ("errors:critical=a==b", {"name": "errors", "query": "a==b", "critical": True}),
        (
            "rps:decrease:critical=sum(rate(r[1m]))",
            {"name": "rps", "query": "sum(rate(r[1m]))", "direction": "decrease", "critical": True},
        ),
    ],
)
def test_metric_option(text, item) -> None:
    assert parse_metric_option(text) == item


@pytest.mark.parametrize("text", ["errors", "=sum(e)", "errors:sideways=sum(e)", "errors="])
def test_bad_metric_option(text) -> None:
    with pytest.raises(ValueError, match=r"expected NAME|neither a direction"):
        parse_metric_option(text)


@pytest.mark.parametrize(
    "text, seconds, spelled",
    [
        ("5m", 300, "5m"),
        ("1h30m", 5400, "1h30m"),
        ("90m", 5400, "1h30m"),
        ("30d", 2_592_000, "30d"),
        ("1w", 604_800, "7d"),
    ],
)
def test_durations(text, seconds, spelled) -> None:
    delta = parse_duration(text)
    assert delta.total_seconds() == seconds
    assert format_duration(delta) == spelled


@pytest.mark.parametrize("text", ["", "5", "0m", "5 m", "1.5h", "-5m"])
def test_bad_durations(text) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-01T12:00:00Z", dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)),
        ("2024-03-01t13:00:00+01:00", dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)),
        ("1709294400", dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)),
        ("1709294400.5", dt.datetime(2024, 3, 1, 12, 0, 0, 500_000, tzinfo=dt.UTC)),
    ],
)
def test_instants(text, expected) -> None:
    assert parse_instant(text) == expected


def test_placeholders_and_regular_expressions() -> None:
    query = 'sum(increase(x{path=~"/api$",env="${environment}"}[$window]))'

    assert (
        render_query(query, {"window": "5m", "environment": "prod"})
        == 'sum(increase(x{path=~"/api$",env="prod"}[5m]))'
    )
    with pytest.raises(UsageError, match=r"uses \$window"):
        render_query("x[$window]", {})


def test_a_configured_gate_fills_environment_in_the_url_and_queries(tmp_path) -> None:
    write(
        tmp_path,
        SLO.replace("http://127.0.0.1:9", "http://prometheus.$environment:9090").replace(
            "ok[$window]", 'ok{env="$environment"}[$window]'
        ),
    )
    asked: list[tuple[str, str]] = []

    class Source:
        def __init__(self, url: str) -> None:
            self.url = url

        def instant(self, query: str, at: dt.datetime) -> float | None:
            asked.append((self.url, query))
            return 1000.0

        def range(self, query, start, end, step):  # pragma: no cover
            raise AssertionError

    decision = decide_configured(
        load_config(None, tmp_path),
        "api",
        at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        environment="staging",
        source_factory=lambda url, timeout, token: Source(url),
    )

    assert decision.status.value == "pass"
    assert {url for url, _ in asked} == {"http://prometheus.staging:9090"}
    assert 'sum(increase(ok{env="staging"}[2h]))' in {query for _, query in asked}

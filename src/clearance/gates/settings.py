"""`[tool.clearance.gates.<name>]`: a named gate's configuration, read into typed specs.

A gate's table has `kind = "slo"` or `kind = "canary"`, where Prometheus is
(`prometheus-url`, `timeout`), and the keys of its kind (see the schema, and the README).
Command-line options override keys of the same name: the commands pass them as `overrides`
in the configuration's own form, and the merged table is validated against the same schema
before it is read, so a bad option and a bad key get the same one-line answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from clearance.config import Settings, load_schema
from clearance.errors import ConfigError, UsageError
from clearance.gates.canary import (
    DEFAULT_ALPHA,
    DEFAULT_EFFECT_SIZE,
    DEFAULT_MARGINAL_SCORE,
    DEFAULT_MIN_POINTS,
    DEFAULT_PASS_SCORE,
    DEFAULT_STEP,
    DEFAULT_WINDOW,
    CanaryMetric,
    CanarySpec,
    Direction,
)
from clearance.gates.decision import GateKind
from clearance.gates.metrics import parse_duration, render_query
from clearance.gates.prometheus import DEFAULT_TIMEOUT_SECONDS
from clearance.gates.slo import (
    DEFAULT_MIN_EVENTS,
    DEFAULT_RULES,
    DEFAULT_SLO_WINDOW,
    BurnRateRule,
    SliQueries,
    SloSpec,
)

SECTION = "gates"


@dataclass(frozen=True)
class PrometheusSettings:
    url: str | None
    """May contain `$environment`."""
    timeout: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class SloGate:
    spec: SloSpec
    prometheus: PrometheusSettings


@dataclass(frozen=True)
class CanaryGate:
    spec: CanarySpec
    prometheus: PrometheusSettings


def configured_gates(settings: Settings) -> Mapping[str, Mapping[str, Any]]:
    """Every `[tool.clearance.gates.<name>]` table, by name."""
    return settings.section(SECTION)


def gate_table(settings: Settings, name: str, kind: GateKind) -> Mapping[str, Any]:
    """The table of gate `name`, which must be of `kind`."""
    gates = configured_gates(settings)
    if name not in gates:
        known = ", ".join(sorted(gates)) or "none"
        raise ConfigError(
            f"{settings.where}: no gate named {name!r} in [tool.clearance.gates] "
            f"(configured: {known})"
        )
    table = gates[name]
    if table.get("kind") != kind.value:
        raise ConfigError(
            f"{settings.where}: gates.{name} is a {table.get('kind')} gate, "
            f"not a {kind.value} gate (use 'clearance gate {table.get('kind')} {name}')"
        )
    return table


def merged(
    table: Mapping[str, Any], overrides: Mapping[str, Any], kind: GateKind, where: str
) -> dict[str, Any]:
    """The table with the options given on the command line, validated as a whole."""
    document = {**table, **{k: v for k, v in overrides.items() if v is not None}}
    document["kind"] = kind.value
    schema = load_schema()
    validator = jsonschema.Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/gate"}
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        deepest = max(errors, key=lambda e: len(e.path))
        key = ".".join(str(p) for p in deepest.path) or "(gate)"
        raise ConfigError(f"{where}: {key}: {deepest.message}")
    return document


def _prometheus(document: Mapping[str, Any]) -> PrometheusSettings:
    return PrometheusSettings(
        url=document.get("prometheus-url"),
        timeout=float(document.get("timeout", DEFAULT_TIMEOUT_SECONDS)),
    )


def _duration(document: Mapping[str, Any], key: str, default: dt.timedelta) -> dt.timedelta:
    text = document.get(key)
    return default if text is None else parse_duration(str(text))


def slo_gate(name: str, document: Mapping[str, Any], where: str) -> SloGate:
    """Read a validated SLO gate table (see `merged`)."""
    sli = SliQueries(
        total=document.get("total"),
        good=document.get("good"),
        bad=document.get("bad"),
        error_ratio=document.get("error-ratio"),
    )
    problem = sli.problem()
    if problem:
        raise ConfigError(f"{where}: gates.{name}: {problem}")
    if "objective" not in document:
        raise ConfigError(
            f"{where}: gates.{name}: no objective (the SLO target in percent, e.g. 99.9)"
        )
    rules: tuple[BurnRateRule, ...] = DEFAULT_RULES
    if "burn-rates" in document:
        rules = tuple(
            BurnRateRule(
                factor=float(item["factor"]),
                long=parse_duration(item["long"]),
                short=parse_duration(item["short"]),
            )
            for item in document["burn-rates"]
        )
    for rule in rules:
        if rule.short >= rule.long:
            raise ConfigError(
                f"{where}: gates.{name}.burn-rates: the short window must be shorter than the "
                f"long one ({rule.describe()})"
            )
    spec = SloSpec(
        name=name,
        objective=round(float(document["objective"]) / 100.0, 12),
        sli=sli,
        rules=rules,
        slo_window=_duration(document, "slo-window", DEFAULT_SLO_WINDOW),
        budget_floor=round(float(document.get("budget-floor", 0.0)) / 100.0, 12),
        min_events=int(document.get("min-events", DEFAULT_MIN_EVENTS)),
    )
    return SloGate(spec, _prometheus(document))


def canary_gate(name: str, document: Mapping[str, Any], where: str) -> CanaryGate:
    """Read a validated canary gate table (see `merged`)."""
    scopes = {
        "canary": document.get("canary-scope"),
        "baseline": document.get("baseline-scope"),
    }
    metrics = []
    for item in document.get("metrics", ()):
        metric_name = str(item["name"])
        if "query" in item:
            missing = [side for side, scope in scopes.items() if scope is None]
            if missing and "$scope" in item["query"]:
                raise ConfigError(
                    f"{where}: gates.{name}.metrics {metric_name}: the query uses $scope but "
                    f"{missing[0]}-scope is not set"
                )
            query = item["query"]
            canary = render_query(query, {"scope": scopes["canary"] or ""}, final=False)
            baseline = render_query(query, {"scope": scopes["baseline"] or ""}, final=False)
        elif "canary-query" in item and "baseline-query" in item:
            canary, baseline = item["canary-query"], item["baseline-query"]
        else:
            raise ConfigError(
                f"{where}: gates.{name}.metrics {metric_name}: give query (with $scope), or "
                "canary-query and baseline-query"
            )
        metrics.append(
            CanaryMetric(
                name=metric_name,
                canary_query=canary,
                baseline_query=baseline,
                direction=Direction(item.get("direction", Direction.INCREASE.value)),
                critical=bool(item.get("critical", False)),
                weight=float(item.get("weight", 1.0)),
                effect_size=float(item["effect-size"]) if "effect-size" in item else None,
            )
        )
    if not metrics:
        raise ConfigError(
            f"{where}: gates.{name}: no metrics to compare (metrics in the config, or --metric)"
        )
    names = [m.name for m in metrics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{where}: gates.{name}.metrics: {duplicates[0]!r} appears twice")
    spec = CanarySpec(
        name=name,
        metrics=tuple(metrics),
        window=_duration(document, "window", DEFAULT_WINDOW),
        step=_duration(document, "step", DEFAULT_STEP),
        pass_score=float(document.get("pass-score", DEFAULT_PASS_SCORE)),
        marginal_score=float(document.get("marginal-score", DEFAULT_MARGINAL_SCORE)),
        alpha=float(document.get("alpha", DEFAULT_ALPHA)),
        effect_size=float(document.get("effect-size", DEFAULT_EFFECT_SIZE)),
        min_points=int(document.get("min-points", DEFAULT_MIN_POINTS)),
    )
    if spec.marginal_score > spec.pass_score:
        raise ConfigError(
            f"{where}: gates.{name}: marginal-score ({spec.marginal_score:g}) is above "
            f"pass-score ({spec.pass_score:g})"
        )
    if spec.step >= spec.window:
        raise ConfigError(f"{where}: gates.{name}: step must be shorter than window")
    return CanaryGate(spec, _prometheus(document))


def parse_metric_option(text: str) -> dict[str, Any]:
    """`--metric NAME[:DIRECTION][:critical]=QUERY` as a `metrics` item of the configuration."""
    head, sep, query = text.partition("=")
    parts = [p.strip() for p in head.split(":")]
    if not sep or not query.strip() or not parts[0]:
        raise ValueError(
            f"{text!r}: expected NAME[:DIRECTION][:critical]=QUERY, e.g. "
            "'errors:increase:critical=sum(rate(http_errors_total{$scope}[1m]))'"
        )
    item: dict[str, Any] = {"name": parts[0], "query": query.strip()}
    for part in parts[1:]:
        if part == "critical":
            item["critical"] = True
        elif part in {d.value for d in Direction}:
            item["direction"] = part
        else:
            raise ValueError(
                f"{text!r}: {part!r} is neither a direction (increase, decrease, either) "
                "nor 'critical'"
            )
    return item


def prometheus_url(prometheus: PrometheusSettings, variables: Mapping[str, str]) -> str:
    if not prometheus.url:
        raise UsageError(
            "no Prometheus URL: pass --prometheus-url (or CLEARANCE_PROMETHEUS_URL), or set "
            "prometheus-url in the gate's [tool.clearance.gates.<name>] table"
        )
    return render_query(prometheus.url, dict(variables))

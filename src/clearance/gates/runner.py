"""Run a gate end to end: its settings → Prometheus → the decision.

`decide_configured(settings, name, at=..., environment=...)` is what `clearance promote`
needs to run the gates an environment lists (`gates = ["checkout"]`): the gate's kind comes
from its table, `$environment` from the environment promoted to, `at` from the promotion's
clock. The gate commands use `decide` with their options merged in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from clearance.config import Settings
from clearance.errors import ConfigError
from clearance.gates.canary import collect_canary, judge_canary
from clearance.gates.decision import GateDecision, GateKind
from clearance.gates.metrics import MetricsSource
from clearance.gates.prometheus import PrometheusClient
from clearance.gates.settings import (
    PrometheusSettings,
    canary_gate,
    configured_gates,
    gate_table,
    merged,
    prometheus_url,
    slo_gate,
)
from clearance.gates.slo import evaluate_slo, measure_slo

SourceFactory = Callable[[str, float, str | None], MetricsSource]
"""(url, timeout, token) → a metrics source."""


def prometheus_source(url: str, timeout: float, token: str | None) -> MetricsSource:
    return PrometheusClient(url, timeout=timeout, token=token)


def _source(
    prometheus: PrometheusSettings,
    variables: Mapping[str, str],
    token: str | None,
    factory: SourceFactory,
) -> MetricsSource:
    return factory(prometheus_url(prometheus, variables), prometheus.timeout, token)


def decide(
    kind: GateKind,
    name: str,
    document: Mapping[str, Any],
    where: str,
    *,
    at: dt.datetime,
    variables: Mapping[str, str] | None = None,
    token: str | None = None,
    source_factory: SourceFactory = prometheus_source,
) -> GateDecision:
    """Judge a gate from its validated table (`settings.merged`)."""
    values = dict(variables or {})
    if kind is GateKind.SLO:
        slo = slo_gate(name, document, where)
        source = _source(slo.prometheus, values, token, source_factory)
        return evaluate_slo(slo.spec, measure_slo(source, slo.spec, at, values), at)
    canary = canary_gate(name, document, where)
    source = _source(canary.prometheus, values, token, source_factory)
    return judge_canary(canary.spec, collect_canary(source, canary.spec, at, values), at)


def gate_kind(settings: Settings, name: str) -> GateKind:
    table = configured_gates(settings).get(name)
    if table is None:
        known = ", ".join(sorted(configured_gates(settings))) or "none"
        raise ConfigError(
            f"{settings.where}: no gate named {name!r} in [tool.clearance.gates] "
            f"(configured: {known})"
        )
    return GateKind(table["kind"])


def decide_configured(
    settings: Settings,
    name: str,
    *,
    at: dt.datetime,
    environment: str | None = None,
    token: str | None = None,
    source_factory: SourceFactory = prometheus_source,
) -> GateDecision:
    """Judge the configured gate `name` at `at`, for `environment` (fills `$environment`)."""
    kind = gate_kind(settings, name)
    where = f"{settings.where} (gates.{name})"
    document = merged(gate_table(settings, name, kind), {}, kind, where)
    variables = {"environment": environment} if environment else {}
    return decide(
        kind,
        name,
        document,
        where,
        at=at,
        variables=variables,
        token=token,
        source_factory=source_factory,
    )

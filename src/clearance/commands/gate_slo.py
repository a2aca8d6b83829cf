"""`clearance gate slo`: burn-rate rules and an error-budget floor on Prometheus data."""

from __future__ import annotations

import argparse
from typing import Any

from clearance.commands import Command, Context
from clearance.commands.gating import (
    add_gate_options,
    at_of,
    duration,
    emit_decision,
    gate_document,
    token,
    variables,
)
from clearance.gates.decision import GateKind
from clearance.gates.runner import decide

DESCRIPTION = """\
Judge a service level objective on Prometheus data: pass (exit 0), fail (exit 1) or hold
(exit 4: no data, or fewer events than --min-events).

The SLI is given as PromQL counting events in $window (filled with each window: 5m, 1h, 30d...):
--good-query and --total-query, --bad-query and --total-query, or --error-ratio-query. The gate
fails when a burn-rate rule fires (the error ratio divided by the error budget, 1 - objective,
is above the rule's factor over BOTH its long and its short window; default 14.4x over 1h and
5m, 6x over 6h and 30m), or when less than --budget-floor percent of the error budget remains
over --slo-window.

examples:
  clearance gate slo checkout              the gate [tool.clearance.gates.checkout]
  clearance gate slo checkout --at 2024-03-01T12:00:00Z --format json
  clearance gate slo --prometheus-url http://prometheus:9090 --objective 99.9 \\
    --good-query 'sum(increase(http_requests_total{job="api",code!~"5.."}[$window]))' \\
    --total-query 'sum(increase(http_requests_total{job="api"}[$window]))' \\
    --budget-floor 30 --slo-window 30d
"""


def _burn_rate(text: str) -> dict[str, Any]:
    """FACTOR:LONG:SHORT, e.g. 14.4:1h:5m."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        factor = float(parts[0])
        if factor <= 0:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected FACTOR:LONG:SHORT, e.g. 14.4:1h:5m"
        ) from None
    return {"factor": factor, "long": duration(parts[1]), "short": duration(parts[2])}


def configure(parser: argparse.ArgumentParser) -> None:
    add_gate_options(parser, GateKind.SLO)
    sli = parser.add_argument_group("the SLO")
    sli.add_argument("--objective", type=float, metavar="PERCENT", help="e.g. 99.9")
    sli.add_argument("--good-query", metavar="PROMQL", help="good events in $window")
    sli.add_argument("--bad-query", metavar="PROMQL", help="bad events in $window")
    sli.add_argument("--total-query", metavar="PROMQL", help="all events in $window")
    sli.add_argument("--error-ratio-query", metavar="PROMQL", help="the error ratio over $window")
    sli.add_argument(
        "--slo-window", type=duration, metavar="DURATION", help="the budget's window (default 30d)"
    )
    sli.add_argument(
        "--budget-floor",
        type=float,
        metavar="PERCENT",
        help="fail when less of the error budget remains (default 0)",
    )
    sli.add_argument(
        "--min-events",
        type=int,
        metavar="N",
        help="hold when a long window has fewer events (default 100)",
    )
    sli.add_argument(
        "--burn-rate",
        type=_burn_rate,
        action="append",
        metavar="FACTOR:LONG:SHORT",
        help="a burn-rate rule, repeatable; replaces the defaults 14.4:1h:5m and 6:6h:30m",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    overrides = {
        "objective": args.objective,
        "good": args.good_query,
        "bad": args.bad_query,
        "total": args.total_query,
        "error-ratio": args.error_ratio_query,
        "slo-window": args.slo_window,
        "budget-floor": args.budget_floor,
        "min-events": args.min_events,
        "burn-rates": args.burn_rate,
    }
    name, document, where = gate_document(args, context, GateKind.SLO, overrides)
    decision = decide(
        GateKind.SLO,
        name,
        document,
        where,
        at=at_of(args, context),
        variables=variables(args),
        token=token(context),
    )
    return emit_decision(decision, args, context)


COMMAND = Command(
    words=("gate", "slo"),
    summary="judge an SLO on Prometheus: burn-rate rules and an error-budget floor",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

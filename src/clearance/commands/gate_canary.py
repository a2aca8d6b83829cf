"""`clearance gate canary`: canary against baseline on Prometheus data, as Kayenta judges."""

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
from clearance.gates.settings import parse_metric_option

DESCRIPTION = """\
Compare a canary with its baseline on Prometheus data: pass (exit 0), fail (exit 1), or hold
(exit 4, outcome "hold": not enough data, or a score between the marginal and pass scores;
hold the rollout, do not abort it).

Each metric's canary and baseline series over [at - window, at] are compared with a
Mann-Whitney U test in the direction that is worse (higher for errors and latency by default).
A metric fails when p < alpha and the rank-biserial effect size is at least --effect-size; a
critical metric that fails fails the gate alone. The score is the weighted percentage of metrics
with data that pass: pass at --pass-score or above, fail below --marginal-score.

examples:
  clearance gate canary web                 the gate [tool.clearance.gates.web]
  clearance gate canary web --at 2024-03-01T12:00:00Z --format json
  clearance gate canary --prometheus-url http://prometheus:9090 \\
    --canary-scope 'track="canary"' --baseline-scope 'track="baseline"' \\
    --metric 'errors:critical=sum(rate(http_errors_total{$scope}[1m]))
                           / sum(rate(http_requests_total{$scope}[1m]))' \\
    --metric 'p99:increase=histogram_quantile(0.99,
                sum by (le) (rate(http_duration_seconds_bucket{$scope}[1m])))'
"""


def _metric(text: str) -> dict[str, Any]:
    try:
        return parse_metric_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def configure(parser: argparse.ArgumentParser) -> None:
    add_gate_options(parser, GateKind.CANARY)
    judge = parser.add_argument_group("the comparison")
    judge.add_argument(
        "--metric",
        type=_metric,
        action="append",
        metavar="NAME[:DIRECTION][:critical]=QUERY",
        help="a metric, repeatable; $scope in QUERY becomes each side's scope; DIRECTION is "
        "increase (higher is worse, the default), decrease or either; replaces the config's",
    )
    judge.add_argument("--canary-scope", metavar="TEXT", help="$scope for the canary")
    judge.add_argument("--baseline-scope", metavar="TEXT", help="$scope for the baseline")
    judge.add_argument(
        "--window", type=duration, metavar="DURATION", help="compare over this (default 30m)"
    )
    judge.add_argument(
        "--step", type=duration, metavar="DURATION", help="one point every step (default 1m)"
    )
    judge.add_argument("--pass-score", type=float, metavar="SCORE", help="default 95")
    judge.add_argument("--marginal-score", type=float, metavar="SCORE", help="default 75")
    judge.add_argument("--alpha", type=float, metavar="P", help="significance (default 0.05)")
    judge.add_argument(
        "--effect-size", type=float, metavar="R", help="smallest failing effect (default 0.33)"
    )
    judge.add_argument(
        "--min-points", type=int, metavar="N", help="fewer points: no data (default 10)"
    )


def run(args: argparse.Namespace, context: Context) -> int:
    overrides = {
        "metrics": args.metric,
        "canary-scope": args.canary_scope,
        "baseline-scope": args.baseline_scope,
        "window": args.window,
        "step": args.step,
        "pass-score": args.pass_score,
        "marginal-score": args.marginal_score,
        "alpha": args.alpha,
        "effect-size": args.effect_size,
        "min-points": args.min_points,
    }
    name, document, where = gate_document(args, context, GateKind.CANARY, overrides)
    decision = decide(
        GateKind.CANARY,
        name,
        document,
        where,
        at=at_of(args, context),
        variables=variables(args),
        token=token(context),
    )
    return emit_decision(decision, args, context)


COMMAND = Command(
    words=("gate", "canary"),
    summary="judge a canary against its baseline on Prometheus (Mann-Whitney U, Kayenta-style score)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)

"""`actions/gate` from a consumer workflow under act, against the session's real Prometheus.

One job: an SLO gate from the consumer's [tool.clearance.gates] passes on the healthy service;
the same gate on the burning service fails (continue-on-error) with its decision file readable
by a later step; a canary defined by inputs alone passes on the healthy app and holds on the
sparse one (outcome hold, exit 4: the step fails, the workflow branches on the output).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT
from tests.prometheus.scenarios import AT

pytestmark = pytest.mark.e2e

ACTION = "clearance-dev/clearance/actions/gate@v1"
ERRORS = (
    'sum(rate(http_requests_total{$scope,code="500"}[1m]))'
    " / sum(rate(http_requests_total{$scope}[1m]))"
)
METRICS = f"""\
            error-ratio:critical={ERRORS}
            latency-p99:increase=max(http_request_latency_p99_seconds{{$scope}})
"""


def workflow(url: str) -> str:
    at = AT.isoformat().replace("+00:00", "Z")
    canary = f"""\
        uses: {ACTION}
        with:
          kind: canary
          prometheus-url: {url}
          at: "{at}"
          window: 30m
          metrics: |
{METRICS}"""
    return f"""\
name: gates
on: push
permissions: {{}}
jobs:
  gate:
    runs-on: ubuntu-latest
    permissions: {{}}
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - id: healthy
        uses: {ACTION}
        with:
          kind: slo
          gate: checkout
          environment: healthy
          at: "{at}"
      - id: burning
        continue-on-error: true
        uses: {ACTION}
        with:
          kind: slo
          gate: checkout
          environment: burning
          at: "{at}"
          summary: "false"
      - id: read
        shell: bash
        env:
          DECISION: ${{{{ steps.burning.outputs.decision-file }}}}
          OUTCOME: ${{{{ steps.burning.outputs.outcome }}}}
        run: |
          python3 - <<'PY'
          import json, os
          d = json.load(open(os.environ["DECISION"]))
          print("decision-file says", d["outcome"], "with", len(d["figures"]["windows"]), "windows")
          PY
          echo "output says $OUTCOME"
      - id: canary
{canary}          canary-scope: 'app="web-healthy",track="canary"'
          baseline-scope: 'app="web-healthy",track="baseline"'
      - id: sparse
        continue-on-error: true
{canary}          canary-scope: 'app="web-sparse",track="canary"'
          baseline-scope: 'app="web-sparse",track="baseline"'
"""


def pyproject(url: str) -> str:
    return f"""\
[project]
name = "consumer"
version = "1"

[tool.clearance.gates.checkout]
kind = "slo"
prometheus-url = "{url}"
objective = 99.9
good = 'sum(increase(http_requests_total{{service="$environment",code!~"5.."}}[$window]))'
total = 'sum(increase(http_requests_total{{service="$environment"}}[$window]))'
slo-window = "1d"
budget-floor = 30
"""


def test_gate_action_outcomes_outputs_and_decision_files(
    consumer_repo, run_act, prometheus
) -> None:
    repo: Path = consumer_repo(
        {
            ".github/workflows/gates.yml": workflow(prometheus.url),
            "pyproject.toml": pyproject(prometheus.url),
        }
    )

    result = run_act(".github/workflows/gates.yml", repo=repo)

    steps = result.steps["gate"]
    assert steps["healthy"] == "success", result.describe()
    healthy = result.output("gate", "healthy")
    assert healthy["outcome"] == "pass"
    assert "80% of the error budget remains over 1d" in healthy["reason"]
    assert healthy["decision-file"].endswith("/decision.json")
    # A failing gate fails its step; its outputs and decision file remain for later steps.
    assert steps["burning"] == "failure"
    burning = result.output("gate", "burning")
    assert burning["outcome"] == "fail"
    assert "burns at 20x over 1h and 20x over 5m" in burning["reason"]
    assert steps["read"] == "success", result.describe()
    assert "decision-file says fail with 5 windows" in result.text()
    assert "output says fail" in result.text()
    # The canary: defined by inputs alone.
    assert steps["canary"] == "success", result.describe()
    assert result.output("gate", "canary")["outcome"] == "pass"
    # Too few canary points: hold, exit 4, the step fails without a verdict of fail.
    assert steps["sparse"] == "failure"
    sparse = result.output("gate", "sparse")
    assert sparse["outcome"] == "hold"
    assert "too few points (canary 4, baseline 31" in sparse["reason"]
    # The summary has the decisions asked for (the burning step's was switched off).
    summary = result.summaries["gate"]
    assert "clearance gate slo `checkout`: pass" in summary
    assert "clearance gate canary `canary-gate`: hold" in summary
    assert "`checkout`: fail" not in summary

"""Gates on live measurements: SLO burn rates and canary judgement over Prometheus.

The public API, for `clearance gate` and for `clearance promote`:

- `evaluate_slo(spec, measurements) -> GateDecision` and `judge_canary(spec, samples) ->
  GateDecision` are pure: numbers in, a decision with the figures that made it out.
- `measure_slo(source, spec, at)` and `collect_canary(source, spec, at)` fetch those numbers
  through a `MetricsSource` (`metrics.py`); `prometheus.py` is the Prometheus backend.
- `settings.py` reads `[tool.clearance.gates.<name>]` into specs; `promotion.py` offers the
  configured gates to `clearance promote`.

Each decision is pass (exit 0), fail (exit 1) or hold (exit 4: not enough data to decide).
"""

from __future__ import annotations

from clearance.gates.decision import GateDecision, GateStatus

__all__ = ["GateDecision", "GateStatus"]

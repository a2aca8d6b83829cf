"""The measured gates (SLO burn rates, canary judgement: `clearance.gates`) as promotion gates.

An environment lists them by name (`gates = ["checkout-slo"]`), each defined in
`[tool.clearance.gates.<name>]`; the promotion runs each at its own clock's instant with
`$environment` set to the target, through `clearance.gates.runner.decide_configured`, the same
path as `clearance gate slo|canary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clearance.config import Settings
from clearance.gates.decision import GateStatus
from clearance.gates.runner import SourceFactory, decide_configured, prometheus_source
from clearance.gates.settings import configured_gates
from clearance.release.environments import EnvironmentPolicy
from clearance.release.gates import Candidate, Gate, GateFactory, GateResult, Verdict

_VERDICTS = {
    GateStatus.PASS: Verdict.PASS,
    GateStatus.FAIL: Verdict.FAIL,
    GateStatus.HOLD: Verdict.HOLD,
}


@dataclass(frozen=True)
class MeasuredGate:
    settings: Settings
    name: str
    token: str | None = None
    source_factory: SourceFactory = prometheus_source

    def evaluate(self, candidate: Candidate) -> GateResult:
        decision = decide_configured(
            self.settings,
            self.name,
            at=candidate.now,
            environment=candidate.target.name,
            token=self.token,
            source_factory=self.source_factory,
        )
        return GateResult(self.name, _VERDICTS[decision.status], decision.reason)


def measured_gates(
    settings: Settings, token: str | None, source_factory: SourceFactory = prometheus_source
) -> Mapping[str, GateFactory]:
    """A factory per gate configured in `[tool.clearance.gates]`."""

    def factory(name: str) -> GateFactory:
        def make(policy: EnvironmentPolicy) -> Gate:
            return MeasuredGate(settings, name, token, source_factory)

        return make

    return {name: factory(name) for name in configured_gates(settings)}

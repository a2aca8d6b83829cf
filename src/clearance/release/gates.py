"""Promotion gates: each judges a candidate and answers pass, fail or hold with one line.

A gate is anything with a `name` and an `evaluate(candidate) -> GateResult`. The built-in
gates (source standing, soak, freeze, concurrency, recorded scan evidence) live here; the
verification gate (trust policy), scan/SBOM attestations, SLO and canary gates plug in by
being passed to `promote` / `rollback`, or by name through a `GateFactory` registry for the
`gates = [...]` key of an environment. A gate that has nothing to check answers
`not configured`, which does not block.

All gates are evaluated (none short-circuits) so that a refusal explains every reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from clearance.durations import format_duration
from clearance.errors import ConfigError
from clearance.release.digests import parse_digest
from clearance.release.environments import EnvironmentPolicy
from clearance.release.evidence import check_scan
from clearance.release.records import Deployment, GateOutcome, ScanSummary, format_time
from clearance.release.timeline import Standing


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    HOLD = "hold"
    NOT_CONFIGURED = "not configured"


@dataclass(frozen=True)
class GateResult:
    gate: str
    verdict: Verdict
    reason: str

    def line(self) -> str:
        return f"{self.gate}: {self.verdict.value}: {self.reason}"

    def outcome(self) -> GateOutcome:
        """The result as the ledger records it with the deployment it let through."""
        return GateOutcome(self.gate, self.verdict.value, self.reason)


@dataclass(frozen=True)
class Candidate:
    """What the gates judge: a digest about to be deployed to `target`.

    `deployment` is the record whose evidence is judged: the successful deployment of the
    digest in the source environment (promotion), or the earlier deployment being restored
    (rollback). `standing` is the digest's place in the source environment.
    """

    digest: str
    target: EnvironmentPolicy
    now: dt.datetime
    source: str | None = None
    standing: Standing | None = None
    deployment: Deployment | None = None
    blocking: tuple[Deployment, ...] = ()
    rollback: bool = False


class Gate(Protocol):
    @property
    def name(self) -> str: ...

    def evaluate(self, candidate: Candidate) -> GateResult: ...


GateFactory = Callable[[EnvironmentPolicy], Gate]


@dataclass(frozen=True)
class Decision:
    results: tuple[GateResult, ...]

    @property
    def verdict(self) -> Verdict:
        verdicts = {r.verdict for r in self.results}
        if Verdict.FAIL in verdicts:
            return Verdict.FAIL
        if Verdict.HOLD in verdicts:
            return Verdict.HOLD
        return Verdict.PASS

    @property
    def blocking(self) -> list[GateResult]:
        return [r for r in self.results if r.verdict in (Verdict.FAIL, Verdict.HOLD)]

    def outcomes(self) -> tuple[GateOutcome, ...]:
        return tuple(r.outcome() for r in self.results)


def evaluate(gates: Sequence[Gate], candidate: Candidate) -> Decision:
    return Decision(tuple(gate.evaluate(candidate) for gate in gates))


def _short(digest: str) -> str:
    try:
        return parse_digest(digest).short
    except ValueError:
        return digest


def _ref(deployment: Deployment) -> str:
    return f"{deployment.id} ({_short(deployment.digest)})"


@dataclass(frozen=True)
class SourceGate:
    """The digest is the current successful deployment of the source, with no failure after."""

    name: str = "source"

    def evaluate(self, candidate: Candidate) -> GateResult:
        s, where = candidate.standing, candidate.source
        digest = _short(candidate.digest)
        if s is None or where is None:
            return GateResult(self.name, Verdict.NOT_CONFIGURED, "no source environment")
        if s.last_success_of_digest is None:
            return GateResult(self.name, Verdict.FAIL, f"{digest} never succeeded in {where}")
        current = s.current
        if current is None or current.digest != candidate.digest:
            when = current.succeeded_at if current else None
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"{digest} was superseded in {where}"
                + (f" by {_ref(current)}" if current else "")
                + (f", successful since {format_time(when)}" if when else ""),
            )
        if s.failed_after:
            failed = s.failed_after[-1]
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"{where} has a failed deployment after {digest}: {_ref(failed)} "
                f"({failed.state.value if failed.state else 'failed'})",
            )
        if s.pending_after:
            return GateResult(
                self.name,
                Verdict.HOLD,
                f"a newer deployment is in progress in {where}: {_ref(s.pending_after[-1])}",
            )
        since = current.succeeded_at
        return GateResult(
            self.name,
            Verdict.PASS,
            f"{digest} is the current successful deployment of {where}"
            + (f" (since {format_time(since)})" if since else ""),
        )


@dataclass(frozen=True)
class SoakGate:
    """The digest has been the current successful deployment of the source long enough."""

    name: str = "soak"

    def evaluate(self, candidate: Candidate) -> GateResult:
        need = candidate.target.min_soak
        if need is None or need <= dt.timedelta(0):
            return GateResult(
                self.name, Verdict.NOT_CONFIGURED, f"no min-soak set for {candidate.target.name}"
            )
        s = candidate.standing
        if s is None or s.current is None or not s.is_current or s.current.succeeded_at is None:
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"nothing to measure: {_short(candidate.digest)} is not the current successful "
                f"deployment of {candidate.source}",
            )
        since = s.current.succeeded_at
        soaked = candidate.now - since
        if soaked < need:
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"soaked {format_duration(soaked)} of the {format_duration(need)} required in "
                f"{candidate.source} (ready at {format_time(since + need)})",
            )
        return GateResult(
            self.name,
            Verdict.PASS,
            f"soaked {format_duration(soaked)} in {candidate.source} "
            f"(at least {format_duration(need)})",
        )


@dataclass(frozen=True)
class FreezeGate:
    """No freeze window of the target environment is open."""

    name: str = "freeze"

    def evaluate(self, candidate: Candidate) -> GateResult:
        windows = candidate.target.freeze
        if not windows:
            return GateResult(
                self.name, Verdict.NOT_CONFIGURED, f"no freeze windows for {candidate.target.name}"
            )
        for window in windows:
            until = window.open_until(candidate.now)
            if until is not None:
                return GateResult(
                    self.name,
                    Verdict.FAIL,
                    f"{candidate.target.name} is frozen ({window.reason}, {window.describe()}) "
                    f"until {format_time(until)}",
                )
        return GateResult(self.name, Verdict.PASS, "no freeze window open")


@dataclass(frozen=True)
class ConcurrencyGate:
    """No other deployment to the target environment is in progress."""

    name: str = "concurrency"

    def evaluate(self, candidate: Candidate) -> GateResult:
        if candidate.blocking:
            other = candidate.blocking[-1]
            by = f" by {other.run_url}" if other.run_url else ""
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"another deployment to {candidate.target.name} is in progress: {_ref(other)}, "
                f"started {format_time(other.created_at)}{by} (finish it with 'clearance deploy "
                "finish', or wait)",
            )
        return GateResult(
            self.name, Verdict.PASS, f"nothing else in progress in {candidate.target.name}"
        )


ScanAttestations = Callable[[str], Sequence[ScanSummary] | None]
"""Scan summaries attested for a digest; None when attestations are not configured."""


@dataclass(frozen=True)
class ScanEvidenceGate:
    """Required scan evidence passes: attestations when configured, else the recorded summary."""

    attestations: ScanAttestations | None = None
    name: str = "scan"

    def evaluate(self, candidate: Candidate) -> GateResult:
        wanted = [r for r in candidate.target.require if r == "scan" or r.startswith("scan:")]
        if not wanted:
            return GateResult(
                self.name,
                Verdict.NOT_CONFIGURED,
                f"no scan evidence required for {candidate.target.name}",
            )
        scanners = sorted({r.split(":", 1)[1] for r in wanted if ":" in r})
        attested = self.attestations(candidate.digest) if self.attestations else None
        if attested is not None:
            for summary in attested:
                ok, reason = check_scan(summary, scanners)
                if ok:
                    return GateResult(
                        self.name,
                        Verdict.PASS,
                        reason.replace("recorded at deploy time", "attested"),
                    )
            return GateResult(
                self.name, Verdict.FAIL, "no passing scan attestation for this digest"
            )
        recorded = candidate.deployment.evidence.scan if candidate.deployment else None
        ok, reason = check_scan(recorded, scanners)
        return GateResult(self.name, Verdict.PASS if ok else Verdict.FAIL, reason)


@dataclass(frozen=True)
class NotConfigured:
    """The placeholder of a gate whose module is not configured (verification, attestations).

    Blocks only when the environment requires what it would check (`needs`)."""

    name: str
    needs: tuple[str, ...] = ()
    how: str = ""

    def evaluate(self, candidate: Candidate) -> GateResult:
        required = [r for r in candidate.target.require if r in self.needs]
        if required:
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"{candidate.target.name} requires {', '.join(required)}, but {self.name} is not "
                f"configured{self.how}",
            )
        return GateResult(self.name, Verdict.NOT_CONFIGURED, "not configured")


def default_evidence_gates(
    verification: Gate | None = None,
    attestations: Gate | None = None,
    scan_attestations: ScanAttestations | None = None,
) -> list[Gate]:
    """The evidence gates, with placeholders for the trust modules that are not plugged in."""
    return [
        verification or NotConfigured("verification", ("signature", "provenance")),
        attestations or NotConfigured("attestations", ("sbom",)),
        ScanEvidenceGate(scan_attestations),
    ]


@dataclass(frozen=True)
class GateSet:
    """The gates a command uses: built-ins, evidence gates, and named plug-ins."""

    evidence: Sequence[Gate] = field(default_factory=default_evidence_gates)
    available: Mapping[str, GateFactory] = field(default_factory=dict)

    def named(self, policy: EnvironmentPolicy) -> list[Gate]:
        gates = []
        for name in policy.gates:
            factory = self.available.get(name)
            if factory is None:
                known = ", ".join(sorted(self.available)) or "none in this installation"
                raise ConfigError(
                    f"environments.{policy.name}.gates: unknown gate {name!r} (available: {known})"
                )
            gates.append(factory(policy))
        return gates

    def for_promotion(self, policy: EnvironmentPolicy) -> list[Gate]:
        return [
            SourceGate(),
            SoakGate(),
            *self.evidence,
            FreezeGate(),
            ConcurrencyGate(),
            *self.named(policy),
        ]

    def for_rollback(self, policy: EnvironmentPolicy) -> list[Gate]:
        """Rollbacks restore service: evidence must still pass; soak and freeze do not apply."""
        return list(self.evidence)

"""The verification gate: the digest's signature and provenance, verified now under the
identity policy of `[tool.clearance.verify]` with the trust issue's verifier.

The bundles are the ones recorded with the deployment being judged
(`clearance deploy start --evidence BUNDLE`), read relative to the repository root: a job that
promotes downloads them first. Every cryptographic check is sigstore-python's, through
`clearance.trust.verify.verify_artifacts`; this module only decides what the gate asks.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from clearance.config import Settings
from clearance.errors import ClearanceError
from clearance.release.gates import Candidate, Gate, GateResult, Verdict
from clearance.trust.provenance import SLSA_PROVENANCE_TYPES
from clearance.trust.roots import Trust, load_trust
from clearance.trust.settings import SECTION, VerifySettings, verify_settings
from clearance.trust.verify import Subject, verify_artifacts

REQUIREMENTS = ("signature", "provenance")


def _local(reference: str, root: Path) -> Path | None:
    """A reference that names a local file (URLs are not fetched)."""
    if urllib.parse.urlsplit(reference).scheme in ("http", "https"):
        return None
    path = Path(reference)
    return path if path.is_absolute() else root / path


@dataclass
class VerificationGate:
    settings: VerifySettings
    root: Path
    name: str = "verification"
    _trust: Trust | None = field(default=None, repr=False)

    def _load(self) -> Trust:
        if self._trust is None:
            self._trust = load_trust(self.settings.trust_spec())
        return self._trust

    def evaluate(self, candidate: Candidate) -> GateResult:
        wanted = [r for r in candidate.target.require if r in REQUIREMENTS]
        if not wanted:
            return GateResult(
                self.name,
                Verdict.NOT_CONFIGURED,
                f"{candidate.target.name} requires no signature or provenance",
            )
        short = candidate.digest[:19]
        deployment = candidate.deployment
        if deployment is None:
            return GateResult(
                self.name, Verdict.FAIL, f"nothing to verify: no deployment of {short} recorded"
            )
        bundles = [
            p
            for p in (_local(r, self.root) for r in deployment.evidence.references)
            if p is not None
        ]
        if not bundles:
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"no bundle recorded with {short} (record it: clearance deploy start --evidence BUNDLE)",
            )
        missing = [p for p in bundles if not p.is_file()]
        if missing:
            return GateResult(
                self.name,
                Verdict.FAIL,
                f"bundle {missing[0]} recorded with {short} is not here (download it before promoting)",
            )
        try:
            policy = self.settings.policy()
            trust = self._load()
            subjects = [Subject.for_digest(candidate.digest, path) for path in bundles]
        except ClearanceError as exc:
            return GateResult(self.name, Verdict.FAIL, str(exc))
        verdicts = verify_artifacts(subjects, policy, trust)
        verified = [v for v in verdicts if v.verified]
        failed = [v for v in verdicts if not v.verified]
        problems = []
        if "signature" in wanted and not verified:
            first = failed[0]
            problems.append(
                f"{first.reason.value if first.reason else 'failed'}: {first.detail}".strip()
            )
        if "provenance" in wanted and not any(
            v.predicate_type in SLSA_PROVENANCE_TYPES for v in verified
        ):
            problems.append(f"no verified SLSA provenance for {short}")
        if problems:
            return GateResult(self.name, Verdict.FAIL, "; ".join(problems))
        signer = verified[0].signer
        by = f", signed by {signer.identity}" if signer is not None and signer.identity else ""
        return GateResult(
            self.name,
            Verdict.PASS,
            f"{', '.join(wanted)} verified ({len(verified)} of {len(verdicts)} bundle(s){by})",
        )


def verification_gate(settings: Settings, root: Path) -> Gate | None:
    """The gate when `[tool.clearance.verify]` is configured, else None (not configured)."""
    if not settings.section(SECTION):
        return None
    return VerificationGate(verify_settings(settings), root)

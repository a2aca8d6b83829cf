"""The dated offline fallback, for `clearance run`.

`audit_dependencies` audits as configured; when asked to fall back and no advisory service
can be reached, it audits again against the PyPA advisory database snapshot shipped inside
clearance, and the result says so plainly: a warning notice (which every report, the job
summary included, shows) that the data is a snapshot of 2024-10-10 that misses newer
advisories, plus the CC-BY-4.0 credit. `clearance scan deps` never falls back by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from clearance.findings import Notice
from clearance.scan.deps.advisories import BUNDLED, BUNDLED_DATE
from clearance.scan.deps.engine import DependencyAuditor, ServiceUnreachable
from clearance.scan.deps.scanner import DepsAudit, DepsScanner, DepsSettings
from clearance.scan.interface import Progress, ScanTarget, no_progress

FALLBACK_NOTICE = (
    "no advisory service could be reached ({reason}); audited against the bundled PyPA advisory "
    f"database instead, a snapshot of {BUNDLED_DATE} that misses every advisory published since"
)


@dataclass(frozen=True)
class FallbackAudit:
    audit: DepsAudit
    fell_back: bool
    """True when the bundled snapshot answered because no service could be reached."""
    reason: str = ""


def audit_dependencies(
    settings: DepsSettings,
    target: ScanTarget,
    *,
    fall_back: bool = True,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    auditor: DependencyAuditor | None = None,
    progress: Progress = no_progress,
) -> FallbackAudit:
    """Audit online (or as configured); fall back to the bundled snapshot when unreachable."""
    scanner = DepsScanner(settings, auditor=auditor, env=env, cwd=cwd)
    try:
        return FallbackAudit(audit=scanner.audit(target, progress), fell_back=False)
    except ServiceUnreachable as exc:
        if not fall_back or settings.advisory_db:
            raise
        reason = f"{exc.service_label}: {exc.reason}"
    offline = DepsScanner(replace(settings, advisory_db=BUNDLED), auditor=auditor, env=env, cwd=cwd)
    audit = offline.audit(target, progress)
    notice = Notice("warning", FALLBACK_NOTICE.format(reason=reason))
    result = replace(audit.result, notices=(notice, *audit.result.notices))
    return FallbackAudit(audit=replace(audit, result=result), fell_back=True, reason=reason)

"""The scans as stages: secrets, dependencies, code; one group, each judged on its fail-on.

Each scan honours the repository's configuration as `clearance scan <scanner>` does: its
excludes, ignores, baseline and fail-on. The dependency audit asks the configured advisory
service and, when none can be reached, the bundled dated snapshot, with its notice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from clearance.baseline import Baseline, load_baseline
from clearance.config import Settings
from clearance.errors import ExitCode
from clearance.findings import Outcome, ScanResult, outcome
from clearance.pipeline.stages import Conveyor, StageOutcome
from clearance.scan.interface import Progress, Scanner, ScanTarget
from clearance.scan.runner import settle

SCAN_GROUP = "scan"


def _baseline(settings: Settings, scanner: str) -> object:
    """The configured baseline: a clearance `Baseline`, or for secrets possibly
    detect-secrets' own format; None when none is configured."""
    configured = settings.section(scanner).get("baseline")
    if not isinstance(configured, str):
        return None
    path = settings.resolve(configured)
    if scanner == "secrets":
        from clearance.scan.secrets.baselines import load_secrets_baseline

        return load_secrets_baseline(path)
    return load_baseline(path, scanner=scanner)


def _judge(conveyor: Conveyor, result: ScanResult, detail: str) -> StageOutcome:
    """Record the result; pass or fail it against the scanner's fail-on."""
    conveyor.results.append(result)
    fail_on = conveyor.settings.fail_on_for(result.scanner)
    active = len(result.active)
    suppressed = len(result.suppressed)
    hidden = f", {suppressed} suppressed" if suppressed else ""
    verdict = outcome([result], fail_on)
    notices = tuple(n.message for n in result.notices if n.level in ("warning", "error"))
    return StageOutcome(
        passed=verdict is Outcome.PASS,
        detail=f"{active} finding(s){detail}{hidden}, fail-on {fail_on.value}",
        notices=notices,
        exit_code=ExitCode.FAILED,
    )


@dataclass(frozen=True)
class ScanStage:
    """One scanner (`Scanner` protocol) over the whole repository."""

    scanner: Scanner
    group: str | None = SCAN_GROUP

    @property
    def name(self) -> str:
        return f"scan {self.scanner.name}"

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        settings = conveyor.settings
        scanner = self.scanner.name
        target = ScanTarget(root=conveyor.root, exclude=settings.exclude_for(scanner))
        baseline: object = _baseline(settings, scanner)
        result = settle(
            self.scanner.scan(target, progress),
            ignores=settings.ignores_for(scanner),
            baseline=baseline if isinstance(baseline, Baseline) else None,
            today=conveyor.today,
        )
        if baseline is not None and not isinstance(baseline, Baseline):
            from clearance.scan.secrets.baselines import DetectSecretsBaseline

            if isinstance(baseline, DetectSecretsBaseline):  # detect-secrets' own format
                sha1_of = getattr(self.scanner, "sha1_of", {})
                result = replace(result, findings=baseline.apply(result.findings, sha1_of))
        files = result.stats.get("files")
        return _judge(conveyor, result, f" in {files} file(s)" if files is not None else "")


@dataclass(frozen=True)
class DepsStage:
    """The dependency audit, falling back to the bundled advisory snapshot when offline."""

    env: Mapping[str, str]
    cwd: Path
    osv_url: str | None = None
    group: str | None = SCAN_GROUP
    name: str = "scan deps"

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        from clearance.scan.deps.fallback import audit_dependencies
        from clearance.scan.deps.manifests import ManifestKind
        from clearance.scan.deps.scanner import SCANNER, DepsScanner
        from clearance.scan.deps.settings import deps_settings

        settings = conveyor.settings
        scan_settings, policy = deps_settings(settings, self.env)
        if self.osv_url:
            scan_settings = replace(scan_settings, osv_url=self.osv_url)
        target = ScanTarget(root=conveyor.root, exclude=settings.exclude_for(SCANNER))
        manifests, _ = DepsScanner(scan_settings, env=self.env, cwd=self.cwd).manifests(target)
        if all(m.kind is ManifestKind.ENVIRONMENT for m in manifests):
            # Without a manifest the scanner would audit clearance's own environment.
            return StageOutcome(True, "no dependency manifest found: nothing to audit")
        audited = audit_dependencies(
            scan_settings, target, env=self.env, cwd=self.cwd, progress=progress
        )
        audit = audited.audit
        baseline = _baseline(settings, SCANNER)
        result = settle(
            audit.result,
            ignores=settings.ignores_for(SCANNER),
            baseline=baseline if isinstance(baseline, Baseline) else None,
            today=conveyor.today,
        )
        stats = result.stats
        source = (
            "bundled advisory snapshot"
            if audited.fell_back or scan_settings.advisory_db
            else "advisory service"
        )
        detail = f" in {stats.get('dependencies', 0)} dependency(ies) ({source})"
        judged = _judge(conveyor, result, detail)
        if audited.fell_back:
            # One short line for the summary instead of the two long ones (the report keeps them).
            from clearance.scan.deps.advisories import BUNDLED_DATE, BUNDLED_NOTICE
            from clearance.scan.deps.fallback import FALLBACK_NOTICE

            service = audited.reason.split(": ", 1)[0]
            fallback_start = FALLBACK_NOTICE.split("{", 1)[0]
            others = [
                n
                for n in judged.notices
                if n != BUNDLED_NOTICE and not n.startswith(fallback_start)
            ]
            compact = (
                f"{service} could not be reached: audited against the bundled PyPA advisory "
                f"snapshot of {BUNDLED_DATE}, which misses every advisory published since"
            )
            judged = replace(judged, notices=(compact, *others))
        if audit.unaudited and not policy.allow_unaudited:
            first = audit.unaudited[0]
            return replace(
                judged,
                passed=False,
                detail=f"{first.name} ({first.manifest}) could not be audited ({first.reason}); "
                "pin it to a released version, or set deps.allow-unaudited",
                exit_code=ExitCode.EXTERNAL,
            )
        return judged


def scan_stages(
    settings: Settings,
    env: Mapping[str, str],
    cwd: Path,
    *,
    on_secret: Callable[[str], None],
    osv_url: str | None = None,
) -> list[ScanStage | DepsStage]:
    """secrets, deps, code: the cheap scans first, the one that may reach a service in between."""
    from clearance.scan.code.bandit import BanditScanner
    from clearance.scan.code.settings import code_settings
    from clearance.scan.secrets.scanner import SecretsScanner, SecretsSettings
    from clearance.scan.secrets.settings import secrets_engine_options, secrets_jobs

    secrets = SecretsScanner(
        SecretsSettings(engine=secrets_engine_options(settings), jobs=secrets_jobs(settings)),
        on_secret=on_secret,
    )
    return [
        ScanStage(secrets),
        DepsStage(env=env, cwd=cwd, osv_url=osv_url),
        ScanStage(BanditScanner(code_settings(settings, env))),
    ]

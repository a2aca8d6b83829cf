"""The `deps` scanner: manifests → pip-audit → findings located on the pinning line.

`DepsScanner.audit` finds or takes the manifests, reads each (`manifests`), asks the engine
(`engine.PipAudit`) to audit it against the advisory source (`sources`), and turns what
pip-audit says into findings: one per vulnerable package version and advisory, on the line
that pins it, with the advisory's CVSS severity (unknown counts as high), its aliases, and
the first fixed release above the audited version. Dependencies pip-audit skipped come back
as `unaudited`: the command fails closed on them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from clearance.errors import UsageError
from clearance.findings import (
    Finding,
    Location,
    Notice,
    Rule,
    ScanResult,
    Tool,
    digest_text,
)
from clearance.paths import relative_posix
from clearance.scan.deps.engine import (
    DEFAULT_OSV_URL,
    DEFAULT_RESOLVE_TIMEOUT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    PIP_AUDIT_URI,
    AuditedDependency,
    AuditJob,
    DependencyAuditor,
    EnvironmentJob,
    PinnedJob,
    PipAudit,
    PylockJob,
    ResolveJob,
    ServiceKind,
    Vulnerability,
)
from clearance.scan.deps.manifests import (
    LOCKFILE_KINDS,
    Declared,
    DeclaresNothing,
    Manifest,
    ManifestKind,
    kind_of,
    parse_manifest,
)
from clearance.scan.deps.ranges import parse_version
from clearance.scan.deps.severity import UNKNOWN, UNKNOWN_COUNTS_AS, Assessment, assess
from clearance.scan.deps.sources import AdvisorySource, open_advisories
from clearance.scan.files import discover
from clearance.scan.interface import Progress, ScanTarget, no_progress

SCANNER = "deps"
ADVISORY_URI = "https://osv.dev/vulnerability/{id}"
RULE_NAME = "VulnerableDependency"


@dataclass(frozen=True)
class DepsSettings:
    """How the dependency scanner runs; from `[tool.clearance.deps]` and the command line."""

    manifests: tuple[Path, ...] = ()
    """Manifests to audit (empty: find them under the root; none found: the environment)."""
    environment: bool = False
    """Audit the packages installed for `python` (as well as any manifests given)."""
    python: str | None = None
    advisory_db: str | None = None
    """DIR, ZIP or `bundled`: a local OSV database served on loopback; None: online."""
    service: ServiceKind = ServiceKind.OSV
    osv_url: str = DEFAULT_OSV_URL
    timeout: int = DEFAULT_TIMEOUT_SECONDS
    resolve_timeout: float = DEFAULT_RESOLVE_TIMEOUT_SECONDS
    only_fixable: bool = False
    cache_dir: Path | None = None


@dataclass(frozen=True)
class Unaudited:
    """A dependency pip-audit could not audit, and why."""

    name: str
    reason: str
    manifest: str
    location: Location | None = None


@dataclass(frozen=True)
class DepsAudit:
    """A finished audit: the scan result, what could not be audited, and what was audited."""

    result: ScanResult
    unaudited: tuple[Unaudited, ...] = ()
    dependencies: tuple[AuditedDependency, ...] = ()


def default_python(env: Mapping[str, str]) -> str:
    """The interpreter whose environment is 'the current environment'."""
    venv = env.get("VIRTUAL_ENV")
    if venv:
        candidate = Path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if candidate.exists():
            return str(candidate)
    return (
        shutil.which("python3", path=env.get("PATH"))
        or shutil.which("python", path=env.get("PATH"))
        or sys.executable
    )


def first_fix_above(version: str | None, fixes: Sequence[str]) -> str | None:
    """The lowest fixed release above `version` (PEP 440 order), or None."""
    current = parse_version(version) if version else None
    candidates = sorted(
        (parsed, text)
        for text in fixes
        if (parsed := parse_version(text)) is not None and (current is None or parsed > current)
    )
    return candidates[0][1] if candidates else None


def _summary(description: str) -> str:
    text = " ".join(description.split())
    return text if len(text) <= 160 else text[:157].rstrip() + "..."


def _assess(source: AdvisorySource, vulnerability: Vulnerability) -> tuple[Assessment, str]:
    """Severity from the first record (of the id, then its aliases) that carries a CVSS
    vector; the link goes to the first record found. Aliases are only looked up while no
    vector has been found (a PYSEC record often has none, its GHSA twin often does)."""
    link: str | None = None
    for identifier in (vulnerability.id, *vulnerability.aliases):
        record = source.records.get(identifier)
        if record is None:
            continue
        record_id = record.get("id")
        link = link or (record_id if isinstance(record_id, str) else identifier)
        assessment = assess(record)
        if assessment.known:
            return assessment, link
    return UNKNOWN, link or vulnerability.id


def _rule(vulnerability: Vulnerability, assessment: Assessment, record_id: str) -> Rule:
    uri = ADVISORY_URI.format(id=record_id)
    summary = _summary(vulnerability.description) or vulnerability.id
    aliases = (
        f" Also known as: {', '.join(vulnerability.aliases)}." if vulnerability.aliases else ""
    )
    severity = (
        f"CVSS {assessment.score:.1f} ({assessment.vector})."
        if assessment.known
        else f"No CVSS vector: severity unknown, counted as {UNKNOWN_COUNTS_AS.value}."
    )
    return Rule(
        id=vulnerability.id,
        name=RULE_NAME,
        short_description=f"{vulnerability.id}: {summary}",
        full_description=" ".join(vulnerability.description.split()) or summary,
        help_text=f"{' '.join(vulnerability.description.split())}\n\n{severity}{aliases}\n\n"
        f"Upgrade to a fixed release. See {uri}",
        help_uri=uri,
        default_severity=assessment.severity,
        tags=("dependency", "vulnerability", "python"),
    )


@dataclass
class _Collector:
    """Builds the findings of one audit."""

    root: Path
    source: AdvisorySource
    only_fixable: bool
    findings: list[Finding] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    unaudited: list[Unaudited] = field(default_factory=list)
    hidden_unfixable: int = 0
    unknown_severity: set[str] = field(default_factory=set)
    seen: set[tuple[str, int | None, str, str, str]] = field(default_factory=set)
    assessments: dict[str, tuple[Assessment, str]] = field(default_factory=dict)

    def location(self, manifest: Manifest, declared: Declared | None) -> Location | None:
        if manifest.kind is ManifestKind.ENVIRONMENT:
            return None
        if declared is None or declared.place.line is None:
            path = declared.place.path if declared is not None else manifest.path
            return Location(path=relative_posix(path, self.root))
        return Location(
            path=relative_posix(declared.place.path, self.root),
            start_line=declared.place.line,
            end_line=declared.place.end_line,
        )

    def assessment(self, vulnerability: Vulnerability) -> tuple[Assessment, str]:
        """The advisory's severity, and the id of its OSV record (for links)."""
        cached = self.assessments.get(vulnerability.id)
        if cached is None:
            cached = _assess(self.source, vulnerability)
            self.assessments[vulnerability.id] = cached
        return cached

    def add(self, manifest: Manifest, dependency: AuditedDependency) -> None:
        declared = manifest.locate(dependency.name, dependency.version)
        where = self.location(manifest, declared)
        if dependency.skipped:
            self._skipped(manifest, dependency, declared, where)
            return
        for vulnerability in dependency.vulnerabilities:
            self._finding(manifest, dependency, vulnerability, where)

    def _skipped(
        self,
        manifest: Manifest,
        dependency: AuditedDependency,
        declared: Declared | None,
        where: Location | None,
    ) -> None:
        if declared is not None and declared.project_itself:
            return  # the project's own source tree is not a dependency
        name = declared.name if declared is not None else dependency.name
        reason = dependency.skip_reason or "no reason given"
        self.unaudited.append(
            Unaudited(
                name=name, reason=reason, manifest=_label(manifest, self.root), location=where
            )
        )
        line = f":{where.start_line}" if where is not None and where.start_line else ""
        self.notices.append(
            Notice(
                "error",
                f"not audited: {name} ({_label(manifest, self.root)}{line}): "
                f"pip-audit skipped it: {reason}",
                path=where.path if where is not None else None,
            )
        )

    def _finding(
        self,
        manifest: Manifest,
        dependency: AuditedDependency,
        vulnerability: Vulnerability,
        where: Location | None,
    ) -> None:
        key = (
            where.path if where else "",
            where.start_line if where else None,
            dependency.name,
            dependency.version or "",
            vulnerability.id,
        )
        if key in self.seen:
            return  # the same pin reached through two manifests (e.g. a -r include)
        self.seen.add(key)
        fix = first_fix_above(dependency.version, vulnerability.fix_versions)
        if self.only_fixable and fix is None:
            self.hidden_unfixable += 1
            return
        assessment, record_id = self.assessment(vulnerability)
        if not assessment.known:
            self.unknown_severity.add(vulnerability.id)
        self.rules.setdefault(vulnerability.id, _rule(vulnerability, assessment, record_id))
        known_as = f" ({', '.join(vulnerability.aliases)})" if vulnerability.aliases else ""
        remedy = (
            f"upgrade {dependency.name} to {fix} or later" if fix else "no fixed release is known"
        )
        message = (
            f"{dependency.name} {dependency.version} is affected by {vulnerability.id}{known_as}: "
            f"{_summary(vulnerability.description)} Fix: {remedy}."
        )
        properties: dict[str, str | int | float | bool | Sequence[str] | None] = {
            "package": dependency.name,
            "version": dependency.version or "",
            "manifest": _label(manifest, self.root),
            "manifest-kind": manifest.kind.value,
            "fix-available": fix is not None,
            "fix-versions": list(vulnerability.fix_versions),
            "severity-source": "cvss" if assessment.known else "unknown",
        }
        if assessment.known:
            properties["cvss-score"] = assessment.score
            properties["cvss-vector"] = assessment.vector
        self.findings.append(
            Finding(
                rule_id=vulnerability.id,
                scanner=SCANNER,
                severity=assessment.severity,
                message=message,
                location=where,
                content_digest=digest_text(
                    dependency.name, dependency.version or "", vulnerability.id
                ),
                help_uri=ADVISORY_URI.format(id=record_id),
                fix=f"{dependency.name}>={fix}" if fix else None,
                aliases=vulnerability.aliases,
                properties=properties,
            )
        )


def _label(manifest: Manifest, root: Path) -> str:
    if manifest.kind is ManifestKind.ENVIRONMENT:
        return str(manifest.path)
    return relative_posix(manifest.path, root)


class DepsScanner:
    """The `deps` scanner (`Scanner` protocol), with pip-audit as its engine."""

    name = SCANNER

    def __init__(
        self,
        settings: DepsSettings,
        *,
        auditor: DependencyAuditor | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self._settings = settings
        self._env = dict(os.environ if env is None else env)
        self._auditor = auditor or PipAudit(resolve_timeout=settings.resolve_timeout, env=self._env)
        self._cwd = cwd or Path.cwd()

    def scan(self, target: ScanTarget, progress: Progress = no_progress) -> ScanResult:
        return self.audit(target, progress).result

    def sbom(self, audit: DepsAudit) -> str:
        """CycloneDX JSON of the audited set (pip-audit's formatter)."""
        return self._auditor.sbom(audit.dependencies)

    # --- which manifests ----------------------------------------------------------------

    def manifests(self, target: ScanTarget) -> tuple[list[Manifest], list[Notice]]:
        """The manifests to audit, read; notices for what auto-detection left out."""
        settings = self._settings
        explicit = list(target.paths) or list(settings.manifests)
        notices: list[Notice] = []
        chosen: list[tuple[Path, ManifestKind, bool]] = []
        for path in explicit:
            absolute = path if path.is_absolute() else target.root / path
            if absolute.is_file():
                kind = kind_of(absolute, explicit=True)
                if kind is None:
                    raise UsageError(
                        f"{path}: not a manifest clearance can audit (requirements*.txt, "
                        "pyproject.toml, uv.lock, poetry.lock, pylock.toml)"
                    )
                chosen.append((absolute, kind, True))
            elif absolute.is_dir():
                chosen += [(p, k, False) for p, k in self._discover(target, [absolute])]
            else:
                raise UsageError(f"{path}: no such file or directory")
        if not explicit and not settings.environment:
            chosen = [(p, k, False) for p, k in self._discover(target, [])]
        chosen, dropped = _prefer_lockfiles(chosen)
        notices += [
            Notice(
                "note",
                "left out: the lockfile next to it is audited instead",
                relative_posix(p, target.root),
            )
            for p in dropped
        ]
        parsed: list[Manifest] = []
        for path, kind, was_explicit in chosen:
            try:
                parsed.append(parse_manifest(path, kind, target.root))
            except DeclaresNothing as exc:
                if was_explicit:
                    raise
                # Found, not named: a pyproject.toml that only configures tools is no manifest;
                # one whose dependencies are computed at build time cannot be read, so say so.
                if "dynamic" in str(exc):
                    notices.append(
                        Notice("warning", f"not audited: {exc}", relative_posix(path, target.root))
                    )
        if settings.environment or (not parsed and not explicit):
            python = settings.python or default_python(self._env)
            parsed.append(Manifest(path=Path(python), kind=ManifestKind.ENVIRONMENT, declared=()))
            if not settings.environment:
                notices.append(
                    Notice("note", f"no manifest found: audited the environment of {python}")
                )
        return parsed, notices

    def _discover(
        self, target: ScanTarget, paths: Sequence[Path]
    ) -> list[tuple[Path, ManifestKind]]:
        found = discover(target.root, paths, target.exclude, lambda p: kind_of(p) is not None)
        return [(p, kind) for p in found if (kind := kind_of(p)) is not None]

    # --- the audit ----------------------------------------------------------------------

    def audit(self, target: ScanTarget, progress: Progress = no_progress) -> DepsAudit:
        settings = self._settings
        self._auditor.prepare()
        manifests, notices = self.manifests(target)
        total = sum(len(m.dependencies) for m in manifests)
        done = 0

        def advance(count: int) -> None:
            nonlocal done, total
            done += count
            total = max(total, done)
            progress(done, total)

        with ExitStack() as stack:
            source = stack.enter_context(
                open_advisories(
                    advisory_db=settings.advisory_db,
                    service=settings.service,
                    osv_url=settings.osv_url,
                    timeout=settings.timeout,
                    cache_dir=settings.cache_dir,
                    cwd=self._cwd,
                )
            )
            collector = _Collector(
                root=target.root, source=source, only_fixable=settings.only_fixable
            )
            audited: list[AuditedDependency] = []
            for manifest in manifests:
                job = stack.enter_context(_job_for(manifest, target.root))
                results = self._auditor.audit(job, source.service, advance)
                audited += results
                for dependency in results:
                    collector.add(manifest, dependency)
        return self._finish(target, manifests, notices, source, collector, audited)

    def _finish(
        self,
        target: ScanTarget,
        manifests: Sequence[Manifest],
        notices: list[Notice],
        source: AdvisorySource,
        collector: _Collector,
        audited: list[AuditedDependency],
    ) -> DepsAudit:
        notices = [*source.notices, *notices, *collector.notices]
        if collector.hidden_unfixable:
            notices.append(
                Notice(
                    "note",
                    f"--only-fixable: {collector.hidden_unfixable} finding(s) "
                    "with no fixed release not shown",
                )
            )
        if collector.unknown_severity:
            notices.append(
                Notice(
                    "note",
                    f"{len(collector.unknown_severity)} advisory(ies) carry no CVSS vector: "
                    f"their severity is unknown and counted as {UNKNOWN_COUNTS_AS.value}",
                )
            )
        resolved = [d for d in audited if not d.skipped]
        vulnerable = {(d.name, d.version) for d in resolved if d.vulnerabilities}
        result = ScanResult(
            scanner=SCANNER,
            tool=Tool(
                name="pip-audit", version=self._auditor.version, information_uri=PIP_AUDIT_URI
            ),
            rules=collector.rules,
            findings=collector.findings,
            notices=notices,
            stats={
                "manifests": len(manifests),
                "dependencies": len({(d.name, d.version) for d in resolved}),
                "vulnerable": len(vulnerable),
                "unaudited": len(collector.unaudited),
            },
        )
        return DepsAudit(
            result=result, unaudited=tuple(collector.unaudited), dependencies=tuple(audited)
        )


def _prefer_lockfiles(
    chosen: list[tuple[Path, ManifestKind, bool]],
) -> tuple[list[tuple[Path, ManifestKind, bool]], list[Path]]:
    """Auto-detected pyproject.toml files next to a lockfile are represented by the lockfile."""
    locked_dirs = {p.parent for p, k, _ in chosen if k in LOCKFILE_KINDS}
    kept, dropped = [], []
    for path, kind, explicit in chosen:
        if kind is ManifestKind.PYPROJECT and not explicit and path.parent in locked_dirs:
            dropped.append(path)
        else:
            kept.append((path, kind, explicit))
    return kept, dropped


@contextmanager
def _job_for(manifest: Manifest, root: Path) -> Iterator[AuditJob]:
    origin = _label(manifest, root)
    if manifest.kind is ManifestKind.ENVIRONMENT:
        yield EnvironmentJob(python=str(manifest.path), origin=f"the environment of {origin}")
    elif manifest.kind is ManifestKind.PYLOCK:
        yield PylockJob(path=manifest.path, origin=origin)
    elif manifest.pinned:
        yield PinnedJob(requirements=manifest.frozen_requirements(), origin=origin)
    elif manifest.kind is ManifestKind.REQUIREMENTS:
        yield ResolveJob(requirement_files=(manifest.path,), origin=origin)
    else:
        with tempfile.TemporaryDirectory(prefix="clearance-deps-") as tmp:
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text(manifest.frozen_requirements(), encoding="utf-8")
            yield ResolveJob(requirement_files=(requirements,), origin=origin)

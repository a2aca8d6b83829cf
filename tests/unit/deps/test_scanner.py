"""The deps scanner around a stand-in engine: jobs per manifest, findings, locations, skips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clearance.errors import UsageError
from clearance.findings import Severity
from clearance.ignores import IgnoreRule
from clearance.scan.deps.engine import (
    AuditedDependency,
    AuditJob,
    EnvironmentJob,
    PinnedJob,
    PylockJob,
    ResolveJob,
    Service,
    ServiceUnreachable,
    Vulnerability,
)
from clearance.scan.deps.fallback import audit_dependencies
from clearance.scan.deps.scanner import DepsScanner, DepsSettings, first_fix_above
from clearance.scan.interface import ScanTarget
from clearance.scan.runner import settle

DATA = Path(__file__).parents[2] / "data"
ADVISORIES = str(DATA / "advisories")

PYSEC_2018_28 = Vulnerability(
    id="PYSEC-2018-28",
    aliases=("CVE-2018-18074", "GHSA-x84v-xcm2-53pg"),
    description="The Requests package before 2.20.0 sends an HTTP Authorization header ...",
    fix_versions=("2.20.0",),
)
PYSEC_2023_192 = Vulnerability(
    id="PYSEC-2023-192",
    aliases=("CVE-2023-43804",),
    description="Cookie leak",
    fix_versions=("1.26.17", "2.0.6"),
)
NO_FIX = Vulnerability(id="PYSEC-2099-1", aliases=(), description="No fix yet", fix_versions=())


@dataclass
class StandIn:
    """Answers each job from a table; records the jobs it was given."""

    answers: dict[str, list[AuditedDependency]]
    jobs: list[AuditJob] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    fail_first: bool = False

    @property
    def version(self) -> str:
        return "0-test"

    def prepare(self) -> None:
        pass

    def audit(self, job: AuditJob, service: Service, advance) -> list[AuditedDependency]:  # type: ignore[no-untyped-def]
        self.jobs.append(job)
        self.services.append(service)
        if self.fail_first:
            self.fail_first = False
            raise ServiceUnreachable(service, "connection refused")
        answer = self.answers.get(type(job).__name__, [])
        advance(len(answer))
        return answer

    def sbom(self, dependencies: Sequence[AuditedDependency]) -> str:
        return "{}"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scanner(stand_in: StandIn, **settings: object) -> DepsScanner:
    values: dict[str, object] = {"advisory_db": ADVISORIES, **settings}
    return DepsScanner(DepsSettings(**values), auditor=stand_in, env={"PATH": ""})  # type: ignore[arg-type]


def test_a_pinned_requirements_file_is_audited_as_written_and_located_on_its_lines(
    tmp_path: Path,
) -> None:
    write(tmp_path / "requirements.txt", "# pins\nurllib3==1.24.1\nrequests==2.19.0\n")
    stand_in = StandIn(
        {
            "PinnedJob": [
                AuditedDependency("urllib3", "1.24.1", (PYSEC_2023_192,)),
                AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,)),
            ]
        }
    )
    audit = scanner(stand_in).audit(ScanTarget(root=tmp_path))
    [job] = stand_in.jobs
    assert isinstance(job, PinnedJob) and job.requirements == "urllib3==1.24.1\nrequests==2.19.0\n"
    assert stand_in.services[0].loopback
    where = {
        (f.rule_id, f.location.path, f.location.start_line)
        for f in audit.result.findings
        if f.location
    }
    assert where == {
        ("PYSEC-2023-192", "requirements.txt", 2),
        ("PYSEC-2018-28", "requirements.txt", 3),
    }


def test_findings_carry_severity_aliases_and_the_fix(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "urllib3==1.24.1\nrequests==2.19.0\n")
    stand_in = StandIn(
        {
            "PinnedJob": [
                AuditedDependency("urllib3", "1.24.1", (PYSEC_2023_192,)),
                AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,)),
            ]
        }
    )
    findings = {
        f.rule_id: f for f in scanner(stand_in).audit(ScanTarget(root=tmp_path)).result.findings
    }
    requests = findings["PYSEC-2018-28"]
    assert requests.severity is Severity.HIGH  # no CVSS vector: unknown, counted as high
    assert requests.properties["severity-source"] == "unknown"
    assert requests.aliases == ("CVE-2018-18074", "GHSA-x84v-xcm2-53pg")
    assert requests.fix == "requests>=2.20.0" and requests.properties["fix-available"] is True
    urllib3 = findings["PYSEC-2023-192"]
    assert (
        urllib3.properties["severity-source"] == "cvss" and urllib3.properties["cvss-score"] == 8.1
    )
    assert urllib3.severity is Severity.HIGH
    assert urllib3.fix == "urllib3>=1.26.17"
    assert "upgrade urllib3 to 1.26.17 or later" in urllib3.message


def test_only_fixable_hides_what_has_no_fix_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "requests==2.19.0\n")
    stand_in = StandIn(
        {"PinnedJob": [AuditedDependency("requests", "2.19.0", (PYSEC_2018_28, NO_FIX))]}
    )
    result = scanner(stand_in, only_fixable=True).audit(ScanTarget(root=tmp_path)).result
    assert [f.rule_id for f in result.findings] == ["PYSEC-2018-28"]
    assert any("1 finding(s) with no fixed release not shown" in n.message for n in result.notices)


def test_an_ignore_matches_any_alias_and_lapses_on_its_date(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "requests==2.19.0\n")
    stand_in = StandIn({"PinnedJob": [AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,))]})
    result = scanner(stand_in).audit(ScanTarget(root=tmp_path)).result
    ignore = IgnoreRule(
        id="GHSA-x84v-xcm2-53pg", reason="not reachable", expires=dt.date(2030, 1, 1)
    )
    live = settle(result, ignores=[ignore], today=dt.date(2029, 12, 31))
    assert live.active == []
    lapsed = settle(result, ignores=[ignore], today=dt.date(2030, 1, 1))
    assert [f.rule_id for f in lapsed.active] == ["PYSEC-2018-28"]
    assert any("expired on 2030-01-01" in n.message for n in lapsed.notices)


def test_skipped_dependencies_are_unaudited_and_located(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "idna==2.7\nfoo @ https://example.com/foo-1.0.tar.gz\n")
    skip = AuditedDependency(
        "foo", None, skip_reason="URL requirements cannot be pinned to a specific package version"
    )
    stand_in = StandIn({"PinnedJob": [AuditedDependency("idna", "2.7"), skip]})
    audit = scanner(stand_in).audit(ScanTarget(root=tmp_path))
    [unaudited] = audit.unaudited
    assert (
        unaudited.name == "foo"
        and unaudited.location is not None
        and unaudited.location.start_line == 2
    )
    assert any(n.level == "error" and "not audited: foo" in n.message for n in audit.result.notices)
    assert audit.result.stats["unaudited"] == 1


def test_the_project_itself_is_not_counted_as_unaudited() -> None:
    sample = DATA / "deps" / "sample-service"
    stand_in = StandIn(
        {
            "PylockJob": [
                AuditedDependency("sample-service", None, skip_reason="no version specified")
            ]
        }
    )
    audit = scanner(stand_in).audit(ScanTarget(root=sample, paths=[sample / "pylock.toml"]))
    assert isinstance(stand_in.jobs[0], PylockJob)
    assert audit.unaudited == ()


def test_unpinned_requirements_are_resolved_by_pip_audit(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "requests>=2\n")
    stand_in = StandIn(
        {
            "ResolveJob": [
                AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,)),
                AuditedDependency("urllib3", "1.24.1", (PYSEC_2023_192,)),
            ]
        }
    )
    findings = scanner(stand_in).audit(ScanTarget(root=tmp_path)).result.findings
    [job] = stand_in.jobs
    assert isinstance(job, ResolveJob) and job.requirement_files == (
        (tmp_path / "requirements.txt").resolve(),
    )
    lines = {f.rule_id: (f.location.path, f.location.start_line) for f in findings if f.location}
    # A transitive dependency found by resolution has no line of its own: the file is its place.
    assert lines == {
        "PYSEC-2018-28": ("requirements.txt", 1),
        "PYSEC-2023-192": ("requirements.txt", None),
    }


def test_discovery_prefers_a_lockfile_over_the_pyproject_beside_it(tmp_path: Path) -> None:
    sample = DATA / "deps" / "sample-service"
    for name in ("pyproject.toml", "uv.lock"):
        write(tmp_path / "app" / name, (sample / name).read_text())
    write(tmp_path / "tools" / "requirements-dev.txt", "idna==2.7\n")
    # A pyproject.toml that only configures tools is no manifest; dynamic dependencies are unreadable.
    write(tmp_path / "docs" / "pyproject.toml", "[tool.ruff]\nline-length = 99\n")
    write(
        tmp_path / "plugin" / "pyproject.toml",
        '[project]\nname = "p"\ndynamic = ["dependencies"]\n',
    )
    manifests, notices = scanner(StandIn({})).manifests(ScanTarget(root=tmp_path))
    assert sorted(m.path.relative_to(tmp_path.resolve()).as_posix() for m in manifests) == [
        "app/uv.lock",
        "tools/requirements-dev.txt",
    ]
    assert any(n.path == "app/pyproject.toml" for n in notices)
    [dynamic] = [n for n in notices if n.path == "plugin/pyproject.toml"]
    assert dynamic.level == "warning" and "dynamic" in dynamic.message


def test_no_manifest_means_the_current_environment(tmp_path: Path) -> None:
    stand_in = StandIn(
        {"EnvironmentJob": [AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,))]}
    )
    audit = scanner(stand_in, python="/opt/py/bin/python").audit(ScanTarget(root=tmp_path))
    [job] = stand_in.jobs
    assert isinstance(job, EnvironmentJob) and job.python == "/opt/py/bin/python"
    [finding] = audit.result.findings
    assert finding.location is None
    assert any("no manifest found" in n.message for n in audit.result.notices)


def test_an_explicit_file_of_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg", "[metadata]\n")
    with pytest.raises(UsageError, match=r"setup\.cfg: not a manifest clearance can audit"):
        scanner(StandIn({})).audit(ScanTarget(root=tmp_path, paths=[tmp_path / "setup.cfg"]))


def test_the_same_pin_reached_twice_is_one_finding(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "requests==2.19.0\n")
    write(tmp_path / "requirements-dev.txt", "-r requirements.txt\n")
    stand_in = StandIn({"PinnedJob": [AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,))]})
    findings = scanner(stand_in).audit(ScanTarget(root=tmp_path)).result.findings
    assert len(stand_in.jobs) == 2 and len(findings) == 1


@pytest.mark.parametrize(
    "version, fixes, expected",
    [
        ("2.19.0", ("2.20.0",), "2.20.0"),
        ("1.24.1", ("2.0.6", "1.26.17"), "1.26.17"),
        ("3.2.1", ("3.1.1", "3.2.2", "3.1.3"), "3.2.2"),  # fixes of older branches do not count
        ("2.0.0rc1", ("2.0.0",), "2.0.0"),
        ("5.0", ("4.0",), None),
        ("1.0", (), None),
    ],
)
def test_the_fix_is_the_lowest_fixed_release_above_the_version(
    version: str, fixes: tuple[str, ...], expected: str | None
) -> None:
    assert first_fix_above(version, fixes) == expected


def test_when_no_service_answers_the_bundled_snapshot_does_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "requests==2.19.0\n")
    stand_in = StandIn(
        {"PinnedJob": [AuditedDependency("requests", "2.19.0", (PYSEC_2018_28,))]}, fail_first=True
    )
    outcome = audit_dependencies(
        DepsSettings(), ScanTarget(root=tmp_path), auditor=stand_in, env={}
    )
    assert outcome.fell_back
    assert not stand_in.services[0].loopback and stand_in.services[1].loopback
    messages = [n.message for n in outcome.audit.result.notices]
    assert "snapshot of 2024-10-10 that misses every advisory published since" in messages[0]
    assert any("PyPA advisory database" in m and "CC-BY-4.0" in m for m in messages)


def test_scan_deps_itself_never_falls_back(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "requests==2.19.0\n")
    stand_in = StandIn({}, fail_first=True)
    with pytest.raises(ServiceUnreachable, match=r"--advisory-db"):
        audit_dependencies(
            DepsSettings(), ScanTarget(root=tmp_path), auditor=stand_in, fall_back=False, env={}
        )

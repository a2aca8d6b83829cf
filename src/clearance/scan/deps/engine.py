"""pip-audit, the engine: the only module that imports it or runs it.

Two routes into the same engine, chosen by what the input needs (measured in
`bench/scan_deps.py`, explained in the README):

- **In-process** for pinned inputs and lockfiles: pip-audit's `Auditor` with its
  `RequirementSource` (`--no-deps --disable-pip` semantics: no resolver, nothing installed)
  or `PyLockSource`, and its `OsvService`/`PyPIService`. This skips a second interpreter and a
  second import of pip-audit (about 0.9 s of its ~1.5 s for 200 pins), returns typed results,
  and lets the loopback endpoint be reached without any proxy.
- **Subprocess** (`python -m pip_audit -f json`) for inputs pip-audit must resolve by installing
  them into a temporary virtual environment, and for auditing another interpreter's
  environment: pip-audit runs pip there with no time limit of its own, so only a child
  process can be bounded (`resolve_timeout`) and killed with everything it started.

Both routes give `AuditedDependency` values. pip-audit's CycloneDX formatter writes the SBOM.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from clearance.errors import EngineError, ServiceError
from clearance.scan.deps.manifests import ManifestError

if TYPE_CHECKING:
    from pip_audit._dependency_source import DependencySource
    from pip_audit._service import VulnerabilityService

PIP_AUDIT_URI = "https://github.com/pypa/pip-audit"
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
DEFAULT_TIMEOUT_SECONDS = 15
DEFAULT_RESOLVE_TIMEOUT_SECONDS = 900
OFFLINE_HINT = "to audit without it, use --advisory-db DIR|ZIP|bundled"


class ServiceKind(StrEnum):
    """Where pip-audit looks advisories up (its `--vulnerability-service`)."""

    OSV = "osv"
    PYPI = "pypi"


@dataclass(frozen=True)
class Service:
    """A vulnerability service as pip-audit is told to use it."""

    kind: ServiceKind
    label: str
    """How messages name it: 'OSV (https://api.osv.dev/v1/query)'."""
    osv_url: str = DEFAULT_OSV_URL
    timeout: int = DEFAULT_TIMEOUT_SECONDS
    cache_dir: Path | None = None
    loopback: bool = False
    """A local database served on 127.0.0.1: never through a proxy."""


@dataclass(frozen=True)
class Vulnerability:
    id: str
    aliases: tuple[str, ...]
    description: str
    fix_versions: tuple[str, ...]


@dataclass(frozen=True)
class AuditedDependency:
    """What pip-audit said about one dependency: its vulnerabilities, or why it skipped it."""

    name: str
    version: str | None
    vulnerabilities: tuple[Vulnerability, ...] = ()
    skip_reason: str | None = None

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None


@dataclass(frozen=True)
class PinnedJob:
    """A fully pinned requirements text, audited as written (no resolver, nothing installed)."""

    requirements: str
    origin: str
    """The manifest it came from, for messages."""


@dataclass(frozen=True)
class PylockJob:
    path: Path
    origin: str


@dataclass(frozen=True)
class ResolveJob:
    """Requirements files pip-audit resolves by installing them into a temporary environment."""

    requirement_files: tuple[Path, ...]
    origin: str


@dataclass(frozen=True)
class EnvironmentJob:
    """The packages installed for an interpreter."""

    python: str
    origin: str


AuditJob = PinnedJob | PylockJob | ResolveJob | EnvironmentJob
Advance = Callable[[int], None]


class DependencyAuditor(Protocol):
    """The engine behind `clearance scan deps`."""

    @property
    def version(self) -> str: ...

    def prepare(self) -> None:
        """Start slow set-up in the background while the caller reads manifests and data."""
        ...

    def audit(self, job: AuditJob, service: Service, advance: Advance) -> list[AuditedDependency]:
        """Audit one input; `advance(n)` reports n more dependencies done."""
        ...

    def sbom(self, dependencies: Sequence[AuditedDependency]) -> str:
        """CycloneDX JSON of the audited dependencies and their vulnerabilities."""
        ...


class ServiceUnreachable(ServiceError):
    """The vulnerability service could not be reached or did not answer."""

    def __init__(self, service: Service, reason: str) -> None:
        self.service_label = service.label
        self.reason = " ".join(reason.split())[:300] or "no answer"
        super().__init__(f"cannot reach {self.service_label}: {self.reason}; {OFFLINE_HINT}")


def unreachable(service: Service, reason: str) -> ServiceUnreachable:
    return ServiceUnreachable(service, reason)


_OS_ERROR = re.compile(r"\[Errno -?\d+\] [^'\")(]+")


def _describe_cause(exc: BaseException) -> str:
    """A short reason: the operating system's words when the chain carries them.

    urllib3 and requests nest the socket error three deep, repeating host, port and URL at each
    level; "[Errno 111] Connection refused" is what a reader needs.
    """
    os_error = _OS_ERROR.search(_chain_text(exc))
    if os_error is not None:
        return os_error.group(0).strip()
    return _chain_text(exc)


def _chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 3:
        text = str(current).strip()
        if text and text not in parts:
            parts.append(text)
        current = current.__cause__ or current.__context__
    return ": ".join(parts) or type(exc).__name__


class PipAudit:
    """`DependencyAuditor` over pip-audit (its modules in-process, its CLI when resolving)."""

    def __init__(
        self,
        *,
        resolve_timeout: float = DEFAULT_RESOLVE_TIMEOUT_SECONDS,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._resolve_timeout = resolve_timeout
        self._env = dict(os.environ if env is None else env)
        self._preparing: threading.Thread | None = None

    def prepare(self) -> None:
        """Import pip-audit in the background: about half a second, a third of it waiting for
        the `pip --version` that pip-audit's pip-api runs at import time."""
        if self._preparing is None and "pip_audit._audit" not in sys.modules:
            self._preparing = threading.Thread(
                target=_import_engine, name="import-pip-audit", daemon=True
            )
            self._preparing.start()

    def _ready(self) -> None:
        if self._preparing is not None:
            self._preparing.join()
            self._preparing = None

    @property
    def version(self) -> str:
        from pip_audit import __version__

        return str(__version__)

    def audit(self, job: AuditJob, service: Service, advance: Advance) -> list[AuditedDependency]:
        self._ready()
        if isinstance(job, PinnedJob):
            return self._audit_pinned(job, service, advance)
        if isinstance(job, PylockJob):
            from pip_audit._dependency_source.pylock import PyLockSource

            return self._run_library(PyLockSource([job.path]), service, job.origin, advance)
        if isinstance(job, ResolveJob):
            args: list[str] = []
            for file in job.requirement_files:
                args += ["--requirement", str(file)]
            return self._run_cli(args, service, job.origin, {}, advance)
        return self._run_cli(
            [], service, job.origin, {"PIPAPI_PYTHON_LOCATION": job.python}, advance
        )

    # --- in-process ----------------------------------------------------------------------

    def _audit_pinned(
        self, job: PinnedJob, service: Service, advance: Advance
    ) -> list[AuditedDependency]:
        if not job.requirements.strip():
            return []
        from pip_audit._dependency_source import RequirementSource

        with _temporary_file(job.requirements, suffix=".txt") as path:
            source = RequirementSource([path], no_deps=True, disable_pip=True)
            return self._run_library(source, service, job.origin, advance)

    def _service(self, service: Service) -> VulnerabilityService:
        from pip_audit._service import OsvService, PyPIService

        built: OsvService | PyPIService
        if service.kind is ServiceKind.OSV:
            built = OsvService(
                cache_dir=service.cache_dir, timeout=service.timeout, osv_url=service.osv_url
            )
        else:
            built = PyPIService(cache_dir=service.cache_dir, timeout=service.timeout)
        if service.loopback:
            built.session.trust_env = False  # no proxy between us and 127.0.0.1
        return built

    def _run_library(
        self, source: DependencySource, service: Service, origin: str, advance: Advance
    ) -> list[AuditedDependency]:
        import requests
        from packaging.version import InvalidVersion
        from pip_audit._audit import Auditor
        from pip_audit._dependency_source import DependencySourceError
        from pip_audit._service.interface import ServiceError as PipAuditServiceError

        logging.getLogger("pip_audit").setLevel(logging.CRITICAL)
        auditor = Auditor(self._service(service))
        results: list[AuditedDependency] = []
        try:
            for dependency, vulns in auditor.audit(source):
                results.append(_from_library(dependency, vulns))
                advance(1)
        except DependencySourceError as exc:
            raise ManifestError(f"{origin}: {_describe_cause(exc)}") from exc
        except InvalidVersion as exc:
            raise ManifestError(f"{origin}: {exc}") from exc
        except (PipAuditServiceError, requests.RequestException) as exc:
            raise unreachable(service, _describe_cause(exc)) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ServiceError(
                f"{service.label} answered with something pip-audit could not read "
                f"({type(exc).__name__}: {exc}); {OFFLINE_HINT}"
            ) from exc
        return results

    # --- subprocess ----------------------------------------------------------------------

    def _run_cli(
        self,
        args: Sequence[str],
        service: Service,
        origin: str,
        extra_env: Mapping[str, str],
        advance: Advance,
    ) -> list[AuditedDependency]:
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--format",
            "json",
            "--desc",
            "on",
            "--aliases",
            "on",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            service.kind.value,
            "--timeout",
            str(service.timeout),
        ]
        if service.cache_dir is not None:
            command += ["--cache-dir", str(service.cache_dir)]
        if service.kind is ServiceKind.OSV:
            command += ["--osv-url", service.osv_url]
        command += list(args)
        env = {**self._env, **extra_env, "PIP_AUDIT_LOGLEVEL": "ERROR", "PYTHONIOENCODING": "utf-8"}
        if service.loopback:
            env["NO_PROXY"] = env["no_proxy"] = ",".join(
                x for x in ("127.0.0.1", "localhost", env.get("NO_PROXY", "")) if x
            )
        code, stdout, stderr = _run_bounded(command, env, self._resolve_timeout, origin)
        try:
            document = json.loads(stdout)
            dependencies = document["dependencies"]
        except (ValueError, KeyError, TypeError):
            raise _cli_failure(code, stderr, service, origin) from None
        results = [_from_json(item) for item in dependencies]
        advance(len(results))
        return results

    # --- SBOM ----------------------------------------------------------------------------

    def sbom(self, dependencies: Sequence[AuditedDependency]) -> str:
        self._ready()
        from packaging.version import Version
        from pip_audit._format import CycloneDxFormat
        from pip_audit._service import Dependency, ResolvedDependency, VulnerabilityResult
        from pip_audit._service.interface import VulnerabilityID

        result: dict[Dependency, list[VulnerabilityResult]] = {}
        for dep in dependencies:
            if dep.skipped or dep.version is None:
                continue
            key = ResolvedDependency(name=dep.name, version=Version(dep.version))
            vulns = result.setdefault(key, [])
            known = {v.id for v in vulns}
            vulns.extend(
                VulnerabilityResult(
                    id=VulnerabilityID(v.id),
                    description=v.description,
                    fix_versions=[Version(x) for x in v.fix_versions],
                    aliases={VulnerabilityID(a) for a in v.aliases},
                )
                for v in dep.vulnerabilities
                if v.id not in known
            )
        formatter = CycloneDxFormat(inner_format=CycloneDxFormat.InnerFormat.Json)
        return str(formatter.format(result, []))


def _import_engine() -> None:
    try:
        import pip_audit._audit
        import pip_audit._dependency_source
        import pip_audit._service  # noqa: F401
    except Exception:  # noqa: S110 - the import is retried, and reported, where it is needed
        pass


def _from_library(dependency: Any, vulns: Iterable[Any]) -> AuditedDependency:
    if dependency.is_skipped():
        return AuditedDependency(
            name=str(dependency.name), version=None, skip_reason=str(dependency.skip_reason)
        )
    return AuditedDependency(
        name=str(dependency.canonical_name),
        version=str(dependency.version),
        vulnerabilities=tuple(
            Vulnerability(
                id=str(v.id),
                aliases=tuple(sorted(str(a) for a in v.aliases)),
                description=str(v.description),
                fix_versions=tuple(str(x) for x in v.fix_versions),
            )
            for v in vulns
        ),
    )


def _from_json(item: Mapping[str, Any]) -> AuditedDependency:
    if "skip_reason" in item:
        return AuditedDependency(
            name=str(item["name"]), version=None, skip_reason=str(item["skip_reason"])
        )
    return AuditedDependency(
        name=str(item["name"]),
        version=str(item["version"]),
        vulnerabilities=tuple(
            Vulnerability(
                id=str(v["id"]),
                aliases=tuple(sorted(str(a) for a in v.get("aliases", ()))),
                description=str(v.get("description", "")),
                fix_versions=tuple(str(x) for x in v.get("fix_versions", ())),
            )
            for v in item.get("vulns", ())
        ),
    )


def _last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for prefix in ("ERROR:pip_audit._cli:", "ERROR:"):
        errors = [line[len(prefix) :].strip() for line in lines if line.startswith(prefix)]
        if errors:
            return errors[0]
    return lines[-1] if lines else ""


def _cli_failure(code: int, stderr: str, service: Service, origin: str) -> Exception:
    message = _last_error_line(stderr)
    lowered = stderr.lower()
    if "failed to install packages" in lowered or "failed to upgrade `pip`" in lowered:
        # pip could not resolve or fetch the requirements: the index, not the advisory service.
        return EngineError(
            f"pip-audit could not resolve {origin} with pip (exit {code}): resolving needs the "
            "package index and installable requirements; pin the manifest (or audit its "
            "lockfile) to audit it without resolving"
        )
    if (
        "network may be blocking this service" in lowered
        or "requests.exceptions.connectionerror" in lowered
        or "requests.exceptions.connecttimeout" in lowered
    ):
        return unreachable(service, message)
    if "requirement file" in lowered and "invalid" in lowered:
        return ManifestError(f"{origin}: {message}")
    return EngineError(f"pip-audit failed on {origin} (exit {code}): {message or 'no message'}")


def _run_bounded(
    command: Sequence[str], env: Mapping[str, str], timeout: float, origin: str
) -> tuple[int, str, str]:
    """Run a command in its own process group; on timeout kill the whole group."""
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise EngineError(f"cannot start pip-audit: {exc}") from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise EngineError(
            f"pip-audit did not finish resolving {origin} within {timeout:g} s and was stopped"
            " (pin the input, or raise --resolve-timeout)"
        ) from None
    except BaseException:
        _kill_group(process)
        process.communicate()
        raise
    return process.returncode, stdout, stderr


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


@contextmanager
def _temporary_file(text: str, *, suffix: str) -> Iterator[Path]:
    handle = tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8")
    try:
        with handle:
            handle.write(text)
        yield Path(handle.name)
    finally:
        Path(handle.name).unlink(missing_ok=True)

"""The dependency scanner's settings from `[tool.clearance.deps]` (validated by the schema)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from clearance.config import Settings
from clearance.scan.code.cache import default_cache_dir
from clearance.scan.deps.advisories import BUNDLED
from clearance.scan.deps.engine import (
    DEFAULT_OSV_URL,
    DEFAULT_RESOLVE_TIMEOUT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    ServiceKind,
)
from clearance.scan.deps.scanner import DepsSettings

SECTION = "deps"


@dataclass(frozen=True)
class DepsPolicy:
    """What the command decides beyond the scan itself."""

    allow_unaudited: bool = False


def deps_settings(settings: Settings, env: Mapping[str, str]) -> tuple[DepsSettings, DepsPolicy]:
    section = settings.section(SECTION)
    advisory_db = section.get("advisory-db")
    if isinstance(advisory_db, str) and advisory_db != BUNDLED:
        advisory_db = str(settings.resolve(advisory_db))
    manifests = tuple(Path(settings.resolve(m)) for m in section.get("manifests", ()))
    scan = DepsSettings(
        manifests=manifests,
        advisory_db=advisory_db if isinstance(advisory_db, str) else None,
        service=ServiceKind(section.get("service", ServiceKind.OSV.value)),
        osv_url=str(section.get("osv-url", DEFAULT_OSV_URL)),
        timeout=int(section.get("service-timeout", DEFAULT_TIMEOUT_SECONDS)),
        resolve_timeout=float(section.get("resolve-timeout", DEFAULT_RESOLVE_TIMEOUT_SECONDS)),
        only_fixable=bool(section.get("only-fixable", False)),
        cache_dir=default_cache_dir(env) / "pip-audit",
    )
    return scan, DepsPolicy(allow_unaudited=bool(section.get("allow-unaudited", False)))

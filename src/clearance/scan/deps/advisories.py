"""A local OSV advisory database: a directory or zip of OSV JSON records, or the bundled snapshot.

Any layout works: `<package>/<ID>.json` with an `index.json` (the PyPA advisory database's
export, as in the bundled snapshot) or every record side by side (OSV's `PyPI/all.zip`).
Records are indexed by the PEP 503 name of each PyPI package they affect. Withdrawn
records are kept out of every answer. Matching evaluates the ranges (`clearance.scan.deps.ranges`).
"""

from __future__ import annotations

import functools
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from clearance.errors import UsageError
from clearance.scan.deps.ranges import AffectedPackage, parse_affected

BUNDLED = "bundled"
BUNDLED_SNAPSHOT = "pypa-advisory-database-osv-2024-10-10.zip"
BUNDLED_DATE = "2024-10-10"
BUNDLED_CREDIT = (
    "Advisory data: PyPA advisory database (https://github.com/pypa/advisory-database), CC-BY-4.0"
)
BUNDLED_NOTICE = (
    f"advisories from the bundled snapshot of the PyPA advisory database dated {BUNDLED_DATE}: "
    "it misses every advisory published since then; audit online or with a current "
    "--advisory-db for an up-to-date answer"
)
ECOSYSTEM = "PyPI"
_SKIPPED_NAMES = frozenset({"index.json"})


@dataclass(frozen=True)
class Advisory:
    """One OSV record; its PyPI `affected` entries are parsed when first matched."""

    id: str
    record: Mapping[str, Any]
    packages: frozenset[str]
    """PEP 503 names of the PyPI packages it affects."""

    @functools.cached_property
    def affected(self) -> tuple[AffectedPackage, ...]:
        return tuple(
            parse_affected(entry, canonicalize_name(entry["package"]["name"]))
            for entry in self.record.get("affected", ())
            if _is_pypi_entry(entry)
        )

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(str(a) for a in self.record.get("aliases", ()))

    @property
    def withdrawn(self) -> bool:
        return bool(self.record.get("withdrawn"))

    def affects(self, name: str, version: str) -> bool:
        return any(a.name == name and a.affects(version) for a in self.affected)

    def fixed_versions(self, name: str) -> list[str]:
        found: list[str] = []
        for entry in self.affected:
            if entry.name == name:
                found.extend(v for v in entry.fixed_versions() if v not in found)
        return found


@dataclass(frozen=True)
class AdvisoryDatabase:
    """Advisories by package; `source` says where they came from (for reports)."""

    source: str
    by_package: Mapping[str, tuple[Advisory, ...]]
    by_id: Mapping[str, Advisory]
    bundled: bool = False
    withdrawn: frozenset[str] = field(default_factory=frozenset)

    def query(self, name: str, version: str) -> list[Advisory]:
        """Live advisories affecting `name==version` (any spelling of the name)."""
        canonical = canonicalize_name(name)
        return [a for a in self.by_package.get(canonical, ()) if a.affects(canonical, version)]

    def get(self, identifier: str) -> Advisory | None:
        """An advisory by its id or any alias (withdrawn ones included, for lookups)."""
        return self.by_id.get(identifier.upper())

    def __len__(self) -> int:
        return len({a.id for advisories in self.by_package.values() for a in advisories})


def _is_pypi_entry(entry: object) -> bool:
    if not isinstance(entry, Mapping):
        return False
    package = entry.get("package")
    return (
        isinstance(package, Mapping)
        and package.get("ecosystem") == ECOSYSTEM
        and isinstance(package.get("name"), str)
    )


def _advisory(record: Mapping[str, Any]) -> Advisory | None:
    identifier = record.get("id")
    affected = record.get("affected", [])
    if not isinstance(identifier, str) or not isinstance(affected, list):
        return None
    packages = frozenset(
        canonicalize_name(entry["package"]["name"]) for entry in affected if _is_pypi_entry(entry)
    )
    return Advisory(id=identifier, record=record, packages=packages)


def build_database(
    records: Iterator[tuple[str, bytes]], source: str, *, bundled: bool = False
) -> AdvisoryDatabase:
    """Index OSV records given as (name, JSON bytes); a record that is not OSV JSON is an error."""
    by_package: dict[str, list[Advisory]] = {}
    by_id: dict[str, Advisory] = {}
    withdrawn: set[str] = set()
    for name, data in records:
        try:
            record = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"--advisory-db {source}: {name} is not valid JSON: {exc}") from exc
        advisory = _advisory(record) if isinstance(record, Mapping) else None
        if advisory is None:
            raise UsageError(
                f"--advisory-db {source}: {name} is not an OSV record (no id or affected)"
            )
        for key in (advisory.id, *advisory.aliases):
            by_id.setdefault(key.upper(), advisory)
        if advisory.withdrawn:
            withdrawn.add(advisory.id)
            continue
        for package in advisory.packages:
            by_package.setdefault(package, []).append(advisory)
    return AdvisoryDatabase(
        source=source,
        by_package={k: tuple(v) for k, v in by_package.items()},
        by_id=by_id,
        bundled=bundled,
        withdrawn=frozenset(withdrawn),
    )


def _is_record_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(".json") and base not in _SKIPPED_NAMES and not base.startswith(".")


def _zip_records(archive: zipfile.ZipFile) -> Iterator[tuple[str, bytes]]:
    for info in archive.infolist():
        if not info.is_dir() and _is_record_name(info.filename):
            yield info.filename, archive.read(info)


def _dir_records(directory: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(directory.rglob("*.json")):
        rel = path.relative_to(directory).as_posix()
        if path.is_file() and _is_record_name(rel):
            yield rel, path.read_bytes()


def load_zip(data_path: Path, source: str, *, bundled: bool = False) -> AdvisoryDatabase:
    try:
        with zipfile.ZipFile(data_path) as archive:
            return build_database(_zip_records(archive), source, bundled=bundled)
    except (OSError, zipfile.BadZipFile) as exc:
        raise UsageError(f"--advisory-db {source}: cannot read the zip: {exc}") from exc


def bundled_snapshot() -> AdvisoryDatabase:
    """The PyPA advisory database snapshot shipped inside clearance (dated `BUNDLED_DATE`)."""
    resource = resources.files("clearance.scan.deps").joinpath(f"data/{BUNDLED_SNAPSHOT}")
    with resources.as_file(resource) as path:
        return load_zip(path, f"bundled PyPA advisory database ({BUNDLED_DATE})", bundled=True)


def load_database(where: str, cwd: Path) -> AdvisoryDatabase:
    """`--advisory-db DIR|ZIP|bundled`."""
    if where == BUNDLED:
        return bundled_snapshot()
    path = Path(where)
    path = path if path.is_absolute() else cwd / path
    if path.is_dir():
        try:
            database = build_database(_dir_records(path), where)
        except OSError as exc:
            raise UsageError(f"--advisory-db {where}: cannot read: {exc}") from exc
    elif path.is_file():
        database = load_zip(path, where)
    else:
        raise UsageError(f"--advisory-db {where}: no such directory or zip file (or use 'bundled')")
    if not database.by_package and not database.withdrawn:
        raise UsageError(f"--advisory-db {where}: no OSV records for PyPI packages found")
    return database


def advisory_ids(advisories: Sequence[Advisory]) -> list[str]:
    return [a.id for a in advisories]

"""Where advisories come from: an online service, or a local database behind a loopback OSV API.

`open_advisories` yields the `Service` pip-audit is pointed at, a way to read the full OSV
record of an advisory (for its CVSS vectors), and the notices a report must carry about the
data (the bundled snapshot's date and its CC-BY-4.0 credit). A local database is served on
127.0.0.1 for the duration of the `with` block and stopped when it ends.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from clearance.findings import Notice
from clearance.scan.deps.advisories import (
    BUNDLED_CREDIT,
    BUNDLED_NOTICE,
    AdvisoryDatabase,
    load_database,
)
from clearance.scan.deps.engine import DEFAULT_OSV_URL, Service, ServiceKind
from clearance.scan.deps.osv_server import serve

PYPI_LABEL = "PyPI's vulnerability API (https://pypi.org/pypi/<name>/<version>/json)"


class AdvisoryRecords(Protocol):
    """The full OSV record of an advisory, by id (None when it cannot be had)."""

    def get(self, identifier: str) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class DatabaseRecords:
    database: AdvisoryDatabase

    def get(self, identifier: str) -> Mapping[str, Any] | None:
        advisory = self.database.get(identifier)
        return advisory.record if advisory is not None else None


@dataclass
class OsvRecords:
    """`GET /v1/vulns/{id}` on an OSV API, each id at most once; failures give None."""

    base_url: str
    timeout: float
    _cache: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    failures: int = 0

    def get(self, identifier: str) -> Mapping[str, Any] | None:
        if identifier in self._cache:
            return self._cache[identifier]
        url = f"{self.base_url}/v1/vulns/{urllib.parse.quote(identifier, safe='')}"
        record: Mapping[str, Any] | None = None
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - https URL we build
                data = json.loads(response.read())
            record = data if isinstance(data, Mapping) else None
        except (urllib.error.URLError, OSError, ValueError):
            self.failures += 1
        self._cache[identifier] = record
        return record


def osv_base(query_url: str) -> str:
    """`https://api.osv.dev` for `https://api.osv.dev/v1/query`."""
    head, sep, _ = query_url.partition("/v1/")
    return head if sep else query_url.rstrip("/")


@dataclass(frozen=True)
class AdvisorySource:
    service: Service
    records: AdvisoryRecords
    notices: tuple[Notice, ...] = ()
    database: AdvisoryDatabase | None = None


def database_notices(database: AdvisoryDatabase) -> tuple[Notice, ...]:
    if database.bundled:
        return (Notice("warning", BUNDLED_NOTICE), Notice("note", BUNDLED_CREDIT))
    return (
        Notice(
            "note",
            f"advisories from the local database {database.source} ({len(database)} advisories)",
        ),
    )


@contextmanager
def serve_database(
    database: AdvisoryDatabase, *, timeout: int, cache_dir: Path | None
) -> Iterator[AdvisorySource]:
    """pip-audit's OSV service pointed at a loopback endpoint over `database`."""
    with serve(database) as endpoint:
        service = Service(
            kind=ServiceKind.OSV,
            label=f"the loopback OSV API over {database.source} ({endpoint.base_url})",
            osv_url=endpoint.query_url,
            timeout=timeout,
            cache_dir=cache_dir,
            loopback=True,
        )
        yield AdvisorySource(
            service, DatabaseRecords(database), database_notices(database), database
        )


@contextmanager
def open_advisories(
    *,
    advisory_db: str | None,
    service: ServiceKind,
    osv_url: str,
    timeout: int,
    cache_dir: Path | None,
    cwd: Path,
) -> Iterator[AdvisorySource]:
    """The advisory source a scan asked for (`--advisory-db`, else the online service)."""
    if advisory_db:
        database = load_database(advisory_db, cwd)
        with serve_database(database, timeout=timeout, cache_dir=cache_dir) as source:
            yield source
        return
    records = OsvRecords(base_url=osv_base(osv_url or DEFAULT_OSV_URL), timeout=timeout)
    if service is ServiceKind.PYPI:
        online = Service(
            kind=ServiceKind.PYPI, label=PYPI_LABEL, timeout=timeout, cache_dir=cache_dir
        )
    else:
        url = osv_url or DEFAULT_OSV_URL
        online = Service(
            kind=ServiceKind.OSV,
            label=f"OSV ({url})",
            osv_url=url,
            timeout=timeout,
            cache_dir=cache_dir,
        )
    yield AdvisorySource(online, records)

"""Loading local OSV databases (any layout, dir or zip, or bundled) and answering OSV queries."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from clearance.errors import UsageError
from clearance.scan.deps.advisories import BUNDLED, BUNDLED_DATE, load_database
from clearance.scan.deps.osv_server import QueryError, answer_batch, answer_query

DATA = Path(__file__).parents[2] / "data" / "advisories"


@pytest.fixture(scope="module")
def database():  # type: ignore[no-untyped-def]
    return load_database(str(DATA), DATA)


def test_the_shared_layout_loads_with_withdrawn_records_kept_out(database) -> None:  # type: ignore[no-untyped-def]
    assert len(database) == 352 - 2
    assert database.withdrawn == {"PYSEC-2022-43059", "PYSEC-2023-73"}
    assert database.get("CVE-2018-18074").id == "PYSEC-2018-28"  # aliases find the record


def test_a_zip_and_a_flat_layout_load_the_same(tmp_path: Path, database) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "db.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in DATA.rglob("*.json"):
            z.write(path, path.relative_to(DATA).as_posix())
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in DATA.glob("*/*.json"):
        shutil.copy(path, flat / path.name)
    for other in (load_database(str(archive), tmp_path), load_database(str(flat), tmp_path)):
        assert len(other) == len(database)
        assert {a.id for a in other.query("urllib3", "1.24.1")} == {
            a.id for a in database.query("urllib3", "1.24.1")
        }


def test_the_bundled_snapshot_is_the_dated_pypa_database() -> None:
    bundled = load_database(BUNDLED, Path.cwd())
    assert bundled.bundled and BUNDLED_DATE in bundled.source
    assert len(bundled) > 2600
    assert {a.id for a in bundled.query("requests", "2.19.0")} >= {"PYSEC-2018-28", "PYSEC-2023-74"}


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: p, r"no such directory or zip file"),
        (lambda p: (p.mkdir(), p)[1], r"no OSV records for PyPI packages found"),
        (lambda p: (p.mkdir(), (p / "x.json").write_text("{"), p)[2], r"x\.json is not valid JSON"),
        (
            lambda p: (p.mkdir(), (p / "x.json").write_text("[]"), p)[2],
            r"x\.json is not an OSV record",
        ),
        (lambda p: (p.write_bytes(b"not a zip"), p)[1], r"cannot read the zip"),
    ],
)
def test_a_bad_database_is_a_one_line_usage_error(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    where = setup(tmp_path / "db")
    with pytest.raises(UsageError, match=message):
        load_database(str(where), tmp_path)


def test_query_returns_full_records_or_an_empty_object(database) -> None:  # type: ignore[no-untyped-def]
    found = answer_query(
        database, {"package": {"name": "Requests", "ecosystem": "PyPI"}, "version": "2.19.0"}
    )
    assert sorted(v["id"] for v in found["vulns"]) == ["PYSEC-2018-28", "PYSEC-2023-74"]
    assert found["vulns"][0]["affected"]  # the whole record, as OSV answers
    assert (
        answer_query(
            database, {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.31.0"}
        )
        == {}
    )
    assert (
        answer_query(
            database, {"package": {"name": "requests", "ecosystem": "npm"}, "version": "2.19.0"}
        )
        == {}
    )


def test_query_by_purl(database) -> None:  # type: ignore[no-untyped-def]
    found = answer_query(database, {"package": {"purl": "pkg:pypi/jinja2@2.10"}})
    assert {v["id"] for v in found["vulns"]} == {"PYSEC-2019-217", "PYSEC-2021-66"}


def test_querybatch_answers_ids_in_order(database) -> None:  # type: ignore[no-untyped-def]
    body = {
        "queries": [
            {"package": {"name": "flask", "ecosystem": "PyPI"}, "version": "2.3.2"},
            {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3"},
        ]
    }
    first, second = answer_batch(database, body)["results"]
    assert first == {}
    assert {v["id"] for v in second["vulns"]} == {"PYSEC-2020-96", "PYSEC-2021-142"}
    assert set(second["vulns"][0]) == {"id", "modified"}


@pytest.mark.parametrize(
    "query",
    [
        {"commit": "abc"},
        {"version": "1.0"},
        {"package": {"ecosystem": "PyPI"}, "version": "1.0"},
        {"package": {"name": "x", "ecosystem": "PyPI"}},
        [],
    ],
)
def test_unanswerable_queries_are_refused(database, query) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError):
        answer_query(database, query)


def test_the_records_served_are_the_records_stored(database) -> None:  # type: ignore[no-untyped-def]
    stored = json.loads((DATA / "pyyaml" / "PYSEC-2021-142.json").read_text())
    found = answer_query(
        database, {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3"}
    )
    assert stored in found["vulns"]

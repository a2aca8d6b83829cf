"""The SQLite ledger: WAL, one transaction per write, a schema version with migrations."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from tests.release.support import START, digest_of

from clearance.errors import ConfigError
from clearance.release.ledger.interface import LedgerConflict
from clearance.release.ledger.sqlite import MIGRATIONS, Migration, SqliteLedger
from clearance.release.records import Deployment, State, StatusEvent, Task


def deployment(
    ident: str = "01JNQ3V6E0AAAAAAAAAAAAAAAA", environment: str = "staging"
) -> Deployment:
    return Deployment(
        id=ident,
        environment=environment,
        digest=digest_of("A"),
        commit="a" * 40,
        task=Task.DEPLOY,
        created_at=START,
        statuses=(StatusEvent(State.IN_PROGRESS, START, "deploying"),),
    )


def test_the_journal_is_wal_and_the_schema_is_current(tmp_path: Path) -> None:
    with SqliteLedger(tmp_path / "l.db") as ledger:
        assert ledger.schema_version == MIGRATIONS[-1].version
    db = sqlite3.connect(tmp_path / "l.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_parent_directory_is_created(tmp_path: Path) -> None:
    with SqliteLedger(tmp_path / ".clearance" / "ledger.db") as ledger:
        ledger.record(deployment())
    assert (tmp_path / ".clearance" / "ledger.db").is_file()


def test_migrations_run_in_order_from_the_stored_version(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    SqliteLedger(path).close()
    later = (
        *MIGRATIONS,
        Migration(2, "a note column", ("ALTER TABLE deployments ADD COLUMN note TEXT",)),
    )
    with SqliteLedger(path, migrations=later) as ledger:
        assert ledger.schema_version == 2
        ledger.record(deployment())
        assert [d.id for d in ledger.history()] == [deployment().id]
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(deployments)")]
    assert "note" in columns


def test_a_failing_migration_leaves_the_file_at_its_old_version(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    SqliteLedger(path).close()
    broken = (
        *MIGRATIONS,
        Migration(2, "broken", ("ALTER TABLE deployments ADD COLUMN x TEXT", "NOT SQL")),
    )
    with pytest.raises(Exception, match="syntax error"):
        SqliteLedger(path, migrations=broken)
    with SqliteLedger(path) as ledger:
        assert ledger.schema_version == 1
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(deployments)")]
    assert "x" not in columns


def test_a_ledger_written_by_a_newer_clearance_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    SqliteLedger(path).close()
    sqlite3.connect(path).execute("PRAGMA user_version = 9").connection.commit()
    with pytest.raises(
        ConfigError, match="schema version 9, newer than this clearance understands"
    ):
        SqliteLedger(path)


def test_a_file_that_is_not_a_database_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the deployments you are looking for\n" * 100)
    with pytest.raises(ConfigError, match="is not a clearance ledger"):
        SqliteLedger(path)


def test_an_interrupted_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = SqliteLedger(tmp_path / "l.db")

    def crash(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ledger, "_insert_statuses", crash)
    with pytest.raises(KeyboardInterrupt):
        ledger.record(deployment())
    monkeypatch.undo()
    assert list(ledger.history()) == []
    ledger.record(deployment())
    assert len(list(ledger.history())) == 1


def test_recording_the_same_id_twice_completes_instead_of_duplicating(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "l.db")
    first = ledger.record(deployment())
    done = first.with_status(
        StatusEvent(State.SUCCESS, START + dt.timedelta(minutes=1), "deployed")
    )
    ledger.record(done)
    ledger.record(done)
    (only,) = ledger.history()
    assert only == done


def test_recording_an_id_with_other_facts_is_refused(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "l.db")
    ledger.record(deployment())
    from dataclasses import replace

    with pytest.raises(LedgerConflict, match="already recorded with other facts"):
        ledger.record(replace(deployment(), digest=digest_of("B")))


def test_history_reads_page_by_page_newest_first(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "l.db")
    ids = [f"01JNQ3V6E0{n:016d}" for n in range(450)]
    for n, ident in enumerate(ids):
        ledger.record(deployment(ident, "staging" if n % 2 else "production"))
    assert [d.id for d in ledger.history()] == list(reversed(ids))
    assert [d.id for d in ledger.history(["staging"])] == list(reversed(ids[1::2]))
    assert list(ledger.history([])) == []

"""The embedded ledger: one SQLite file (default `.clearance/ledger.db`).

WAL journal (readers never block the writer), every write in one `BEGIN IMMEDIATE`
transaction (a crash leaves nothing half-written), the schema version in `PRAGMA
user_version`, and forward-only migrations applied in one transaction when the file is opened.
A file written by a newer clearance is refused rather than guessed at.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ConfigError
from clearance.release.ledger.interface import (
    LedgerError,
    UnknownDeployment,
    missing_statuses,
)
from clearance.release.records import (
    Deployment,
    RecordError,
    State,
    StatusEvent,
    format_time,
    from_json,
    parse_time,
    to_json,
)

DEFAULT_PATH = Path(".clearance") / "ledger.db"
BUSY_TIMEOUT_SECONDS = 30.0
PAGE_SIZE = 200


@dataclass(frozen=True)
class Migration:
    """Schema version `version`, reached by running `statements` on version `version - 1`."""

    version: int
    summary: str
    statements: tuple[str, ...]


_STATES = ", ".join(f"'{s.value}'" for s in State)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "deployments and their statuses",
        (
            """CREATE TABLE deployments (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                environment TEXT NOT NULL,
                digest TEXT NOT NULL,
                commit_sha TEXT NOT NULL,
                task TEXT NOT NULL,
                created_at TEXT NOT NULL,
                run_key TEXT,
                record TEXT NOT NULL CHECK (json_valid(record))
            )""",
            "CREATE INDEX deployments_by_environment ON deployments (environment, seq)",
            "CREATE INDEX deployments_by_digest ON deployments (digest)",
            f"""CREATE TABLE statuses (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                deployment INTEGER NOT NULL REFERENCES deployments (seq) ON DELETE CASCADE,
                state TEXT NOT NULL CHECK (state IN ({_STATES})),
                at TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                log_url TEXT,
                environment_url TEXT
            )""",
            "CREATE INDEX statuses_by_deployment ON statuses (deployment, seq)",
        ),
    ),
)


class SqliteLedger:
    """A ledger in one SQLite file. Not shared between threads: open one per thread."""

    def __init__(
        self,
        path: Path,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.path = path
        self._migrations = tuple(migrations)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=True
            )
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open the SQLite ledger {path}: {exc}") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise ConfigError(f"{path} is not a clearance ledger (SQLite says: {exc})") from exc
            raise LedgerError(f"cannot open the SQLite ledger {path}: {exc}") from exc

    @property
    def description(self) -> str:
        return f"SQLite ledger {self.path}"

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        latest = self._migrations[-1].version if self._migrations else 0
        current = self.schema_version
        if current > latest:
            raise ConfigError(
                f"{self.path} has ledger schema version {current}, newer than this clearance "
                f"understands ({latest}): upgrade clearance"
            )
        if current == latest:
            return
        with self._write():
            current = self.schema_version  # another process may have migrated meanwhile
            for migration in self._migrations:
                if migration.version <= current:
                    continue
                for statement in migration.statements:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {migration.version}")

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken up front so that concurrent writers queue."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LedgerError(f"{self.description} is busy or unwritable: {exc}") from exc
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise LedgerError(f"{self.description}: cannot commit: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading

    def _statuses(self, seqs: Sequence[int]) -> dict[int, list[StatusEvent]]:
        found: dict[int, list[StatusEvent]] = {seq: [] for seq in seqs}
        if not seqs:
            return found
        marks = ",".join("?" * len(seqs))
        columns = "deployment, state, at, description, log_url, environment_url"
        query = f"SELECT {columns} FROM statuses WHERE deployment IN ({marks}) ORDER BY seq"  # noqa: S608
        rows = self._db.execute(query, tuple(seqs))
        for deployment, state, at, description, log_url, environment_url in rows:
            found[deployment].append(
                StatusEvent(State(state), parse_time(at), description, log_url, environment_url)
            )
        return found

    def _load(self, rows: Sequence[tuple[int, str]]) -> list[Deployment]:
        statuses = self._statuses([seq for seq, _ in rows])
        loaded = []
        for seq, record in rows:
            try:
                loaded.append(from_json(json.loads(record), statuses=statuses[seq]))
            except (ValueError, RecordError) as exc:
                raise LedgerError(f"{self.description}: unreadable record #{seq}: {exc}") from exc
        return loaded

    def history(self, environments: Sequence[str] | None = None) -> Iterator[Deployment]:
        before: int | None = None
        names = tuple(environments) if environments is not None else None
        if names is not None and not names:
            return
        while True:
            clauses: list[str] = []
            params: list[str | int] = []
            if names is not None:
                clauses.append(f"environment IN ({','.join('?' * len(names))})")
                params.extend(names)
            if before is not None:
                clauses.append("seq < ?")
                params.append(before)
            where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
            try:
                rows = self._db.execute(
                    f"SELECT seq, record FROM deployments {where} ORDER BY seq DESC LIMIT ?",  # noqa: S608
                    (*params, PAGE_SIZE),
                ).fetchall()
                page = self._load(rows)
            except sqlite3.Error as exc:
                raise LedgerError(f"{self.description}: cannot read: {exc}") from exc
            yield from page
            if len(rows) < PAGE_SIZE:
                return
            before = rows[-1][0]

    def get(self, deployment_id: str) -> Deployment | None:
        try:
            rows = self._db.execute(
                "SELECT seq, record FROM deployments WHERE id = ?", (deployment_id,)
            ).fetchall()
            found = self._load(rows)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.description}: cannot read: {exc}") from exc
        return found[0] if found else None

    def _reload(self, deployment_id: str) -> Deployment:
        found = self.get(deployment_id)
        if found is None:
            raise LedgerError(f"{self.description}: {deployment_id} vanished after writing it")
        return found

    # writing

    def _insert_statuses(self, seq: int, statuses: Sequence[StatusEvent]) -> None:
        self._db.executemany(
            "INSERT INTO statuses (deployment, state, at, description, log_url, environment_url) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (seq, s.state.value, format_time(s.at), s.description, s.log_url, s.environment_url)
                for s in statuses
            ],
        )

    def record(self, deployment: Deployment, *, new: bool = False) -> Deployment:
        document = json.dumps(to_json(deployment, statuses=False), sort_keys=True)
        try:
            with self._write():
                row = self._db.execute(
                    "SELECT seq, record FROM deployments WHERE id = ?", (deployment.id,)
                ).fetchone()
                if row is not None:
                    stored = self._load([row])[0]
                    self._insert_statuses(row[0], missing_statuses(stored, deployment))
                else:
                    cursor = self._db.execute(
                        "INSERT INTO deployments (id, environment, digest, commit_sha, task, "
                        "created_at, run_key, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            deployment.id,
                            deployment.environment,
                            deployment.digest,
                            deployment.commit,
                            deployment.task.value,
                            format_time(deployment.created_at),
                            deployment.run_key,
                            document,
                        ),
                    )
                    self._insert_statuses(int(cursor.lastrowid or 0), deployment.statuses)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.description}: cannot record {deployment.id}: {exc}") from exc
        return self._reload(deployment.id)

    def add_status(self, deployment: Deployment, status: StatusEvent) -> Deployment:
        try:
            with self._write():
                row = self._db.execute(
                    "SELECT seq FROM deployments WHERE id = ?", (deployment.id,)
                ).fetchone()
                if row is None:
                    raise UnknownDeployment(f"no deployment {deployment.id} in {self.description}")
                self._insert_statuses(row[0], [status])
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.description}: cannot update {deployment.id}: {exc}") from exc
        return self._reload(deployment.id)

"""A content-addressed cache of per-file analysis results.

Keys are digests of (engine, engine version, configuration, file path, file content), so an
unchanged file under an unchanged configuration is never analysed twice, and any change to
one of them simply misses. Stored in one SQLite file; a corrupt or unreadable cache is
treated as empty (and rebuilt), never as an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """`$CLEARANCE_CACHE_DIR`, else `$XDG_CACHE_HOME/clearance`, else `~/.cache/clearance`."""
    explicit = env.get("CLEARANCE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path(env.get("HOME", str(Path.home()))) / ".cache"
    return base / "clearance"


class ResultCache:
    """Maps a key digest to a JSON value. Safe to share between processes (SQLite locking)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION):
                db.execute("DROP TABLE IF EXISTS results")
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
            db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT)")
            db.commit()
        except sqlite3.Error:
            self._discard()
            return None
        self._db = db
        return db

    def _discard(self) -> None:
        """Drop a cache that cannot be opened: it is rebuilt on the next write."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self._path}{suffix}")

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        db = self._connect()
        if db is None:
            return {}
        wanted = list(keys)
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, value FROM results WHERE key IN ({marks})"  # noqa: S608
                for key, value in db.execute(query, chunk):
                    with contextlib.suppress(ValueError):
                        found[key] = json.loads(value)
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, items: Mapping[str, Any]) -> None:
        if not items:
            return
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)",
                    [(k, json.dumps(v, separators=(",", ":"))) for k, v in items.items()],
                )
        except sqlite3.Error:
            return

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

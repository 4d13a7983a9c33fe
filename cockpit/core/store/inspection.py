"""Looking inside any SQLite file without changing it: schema version, journal mode, counting triggers, integrity.

For ``cockpit check`` (:mod:`cockpit.core.shared`), which must report on a file the store would refuse to open
(damaged, foreign, newer, read-only) and must leave no ``-wal``/``-shm`` files behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.core.errors import StoreError
from cockpit.core.store.connection import BUSY_TIMEOUT_MS, lenient_text, read_header, sqlite_uri
from cockpit.core.store.schema import SCHEMA_VERSION, change_trigger_count


@dataclass(frozen=True)
class FileInspection:
    """What a SQLite file says about itself."""

    user_version: int  # the cockpit schema version (0: not a cockpit database)
    journal_mode: str
    change_triggers: int | None  # counting triggers present; None below version 3 or above ours
    integrity: tuple[str, ...]  # ("ok",) when sound, else SQLite's findings (or the error that stopped the check)
    also: Any = None  # what inspect_database's ``also`` returned, when it ran


def inspect_database(
    path: Path, *, quick: bool = False, also: Callable[[sqlite3.Connection], Any] | None = None
) -> FileInspection:
    """Read ``path`` (a SQLite file) read-only and report on it; ``quick`` runs ``quick_check`` instead of the full
    ``integrity_check``. ``also`` runs on the same connection, in one read transaction, when the file is sound and
    of this cockpit's schema (its result is ``FileInspection.also``). StoreError ("... cannot be read as a
    database: ...") when SQLite cannot open it."""
    wal = path.with_name(path.name + "-wal")
    header = read_header(path) or b""  # a FIFO or device is refused here, before SQLite could block on it
    # Read-only, and without leaving -wal/-shm behind: with no -wal file nobody has the database open, so it is
    # read as immutable (no side files, no locks); otherwise as a normal reader of the live WAL.
    conn = None
    for extra in ({}, {"immutable": "1"})[0 if wal.exists() else 1 :]:
        try:
            conn = sqlite3.connect(sqlite_uri(path, mode="ro", **extra), uri=True, isolation_level=None)
            conn.text_factory = lenient_text  # as the store reads text (cockpit/core/store/connection.py)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            break
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
                conn = None
            if extra or wal.exists() or not ("readonly" in str(exc) or "unable to open" in str(exc)):
                raise StoreError(f"{path} cannot be read as a database: {exc}") from None
    assert conn is not None
    try:
        # From the header (bytes 18-19 are 2 in WAL mode): an immutable reader's PRAGMA journal_mode says "delete".
        mode = "wal" if header[18:20] == b"\x02\x02" else conn.execute("PRAGMA journal_mode").fetchone()[0]
        triggers = change_trigger_count(conn) if 3 <= version <= SCHEMA_VERSION else None
        try:
            rows = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
            results = tuple(r[0] for r in rows)
        except sqlite3.DatabaseError as exc:
            results = (str(exc),)
        extra = None
        if also is not None and results == ("ok",) and version == SCHEMA_VERSION:
            conn.execute("BEGIN")
            try:
                extra = also(conn)
            finally:
                conn.execute("COMMIT")
    finally:
        conn.close()
    return FileInspection(version, mode, triggers, results, extra)

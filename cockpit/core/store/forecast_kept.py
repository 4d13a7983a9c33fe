"""What the forecast learned from finished periods, kept in the database for everyone who opens the file.

The forecast of a period learns its chances from the periods before it and scores itself on the ones before that
(:mod:`cockpit.core.forecast`); :mod:`cockpit.core.forecast_cache` keeps both per process and in each user's cache
file. A cockpit that computed one also stores it here, so another user's first forecast, ``cockpit report`` in a new
process and a script's first run read it instead of rebuilding months of pipeline history.

Each row is one entry, keyed as the cache keys it (what, the period's start and end, ..., the team filter), with
where the audit log stood when it was computed (the last audit row, its fingerprint, the row-change count). Nothing
deletes a row when data changes: a reader replays the audit rows written since, with the cache's own reach rules,
and uses the row only when none of them can reach it (:func:`cockpit.core.forecast_cache.still_true`); otherwise it
computes the entry again and replaces the row. ``cockpit check`` recomputes every row that is still true and reports
those that differ (:mod:`cockpit.core.forecast_check`); ``--repair`` deletes them.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, NamedTuple

#: At most this many rows are kept (one per kind, period and team filter); a save past it deletes the least recently
#: saved.
MAX_ROWS = 256

TABLE = """CREATE TABLE forecast_kept (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    period TEXT NOT NULL,
    seen_audit INTEGER NOT NULL,
    seen_changes INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    saved_at INTEGER NOT NULL
)"""


class KeptRow(NamedTuple):
    """One stored entry: its key and value as JSON text, the period it was computed for (label, time zone, fiscal
    year's first month, as JSON text), and where the audit log stood then."""

    key: str
    value: str
    period: str
    seen_audit: int
    seen_changes: int
    fingerprint: str


def key_text(key: tuple[Any, ...]) -> str:
    """A cache key as the table keys it."""
    return json.dumps(list(key), separators=(",", ":"))


def create(conn: sqlite3.Connection) -> None:
    """The table (schema migration 9)."""
    conn.execute(TABLE)


def load(conn: sqlite3.Connection, key: tuple[Any, ...]) -> KeptRow | None:
    """The stored row of ``key``, None when there is none (or no such table: a file of an older schema opened
    read-only). Run inside the caller's read transaction; whether it is still true is the caller's to judge."""
    try:
        row = conn.execute(
            "SELECT key, value, period, seen_audit, seen_changes, fingerprint FROM forecast_kept WHERE key = ?",
            (key_text(key),),
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    if row is None or not all(isinstance(v, int) for v in row[3:5]) or not all(isinstance(v, str) for v in row[:3]):
        return None
    return KeptRow(*row)


def save(conn: sqlite3.Connection, row: KeptRow, at: int) -> bool:
    """Store ``row``, inside a write transaction the caller began: it replaces the row of the same kind, period and
    team filter (the window learned at an earlier day of the period: one a day otherwise), and at most
    :data:`MAX_ROWS` are kept."""
    conn.execute(
        "DELETE FROM forecast_kept WHERE json_extract(key, '$[0]') = json_extract(:key, '$[0]')"
        " AND json_extract(key, '$[1]') = json_extract(:key, '$[1]')"
        " AND json_extract(key, '$[2]') = json_extract(:key, '$[2]')"
        " AND json_extract(key, '$[#-1]') IS json_extract(:key, '$[#-1]') AND key <> :key",
        {"key": row.key},
    )
    conn.execute(
        "INSERT OR REPLACE INTO forecast_kept (key, value, period, seen_audit, seen_changes, fingerprint, saved_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (*row, at),
    )
    (count,) = conn.execute("SELECT count(*) FROM forecast_kept").fetchone()
    if count > MAX_ROWS:
        conn.execute(
            "DELETE FROM forecast_kept WHERE key IN (SELECT key FROM forecast_kept ORDER BY saved_at, key LIMIT ?)",
            (count - MAX_ROWS,),
        )
    return True


def stored(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Every stored row as read (``cockpit check`` judges each, readable or not); none without the table."""
    try:
        return conn.execute(
            "SELECT key, value, period, seen_audit, seen_changes, fingerprint FROM forecast_kept ORDER BY key"
        ).fetchall()
    except sqlite3.OperationalError:
        return []


def delete(conn: sqlite3.Connection, keys: list[str]) -> bool:
    """Delete the rows of ``keys`` (their key text), inside a write transaction the caller began."""
    conn.executemany("DELETE FROM forecast_kept WHERE key = ?", [(k,) for k in keys])
    return True

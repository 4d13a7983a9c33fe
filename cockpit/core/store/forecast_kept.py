"""What the forecast learned from finished periods, kept in the database for everyone who opens the file.

The forecast of a period learns its chances from the periods before it and scores itself on the ones before that
(:mod:`cockpit.core.forecast`); :mod:`cockpit.core.forecast_cache` keeps both per process and in each user's cache
file. A cockpit that computed one also stores it here, so another user's first forecast, ``cockpit report`` in a new
process and a script's first run read it instead of rebuilding months of pipeline history.

A row is one entry: its kind (``learn``, ``backtest``), the period exactly (label, time zone and fiscal year's first
month: a custom range and a month can share their edges but not their history), the team filter, the cache's whole
key, the :data:`FORMAT` of what it holds, and where the audit log stood when it was computed (the last audit row,
its fingerprint, the row-change count). Nothing deletes a row when data changes: a reader replays the audit rows
written since, with the cache's own reach rules, and uses the row only when none of them can reach it
(:func:`cockpit.core.forecast_cache.still_true`); otherwise it computes the entry again and the row is replaced.
``cockpit check`` computes every row still in use again and reports those that differ
(:mod:`cockpit.core.forecast_check`); ``--repair`` deletes them. Any member of the file's group can write a row:
a reader treats one it cannot read (not this format, too large, not what a cockpit writes) as absent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

#: What a row holds; a cockpit reads and judges only rows of its own format. Raise it when what the forecast learns
#: or scores changes for the same data (the window, the age bands, the cell minimum, the backtest), so that two
#: versions sharing a file do not take each other's rows for their own.
FORMAT = 1
#: At most this many rows are kept (one per kind, period and team filter); a save past it deletes the oldest.
MAX_ROWS = 256
#: A row's value larger than this is not read (a 400-rep history is ~100 KB).
MAX_VALUE_BYTES = 4_000_000

TABLE = """CREATE TABLE forecast_kept (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    format INTEGER NOT NULL,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    team TEXT,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    seen_audit INTEGER NOT NULL,
    seen_changes INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    saved_at INTEGER NOT NULL
)"""


class Entry(NamedTuple):
    """Which entry a row holds: its kind, the period as :func:`cockpit.core.forecast.period_text` writes it, the team
    filter (None: everyone) and the cache's whole key as JSON text."""

    kind: str
    period: str
    team: str | None
    key: str


class Label(NamedTuple):
    """Where the audit log stood when an entry was computed: its last row, that row's fingerprint, the change count."""

    seen_audit: int
    seen_changes: int
    fingerprint: str


class StoredRow(NamedTuple):
    """A row as read, for ``cockpit check`` (which judges each, readable or not); ``value`` None when too large."""

    id: int
    format: object
    entry: Entry
    value: object
    label: tuple[object, object, object]


def parsed(text: str) -> Any:
    """A row's JSON text read back, refusing what a cockpit never writes (NaN, Infinity); ValueError for that, for
    text that is not JSON, and RecursionError for nesting too deep to read."""
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a cockpit writes")


def create(conn: sqlite3.Connection) -> None:
    """The table (schema migration 9)."""
    conn.execute(TABLE)


def load(conn: sqlite3.Connection, entry: Entry) -> tuple[str, Label] | None:
    """The stored value (JSON text) of ``entry`` and its label, None when there is none of this format that can be
    read (or no such table: a file of an older schema opened read-only). Run inside the caller's read transaction;
    whether it is still true is the caller's to judge."""
    try:
        row = conn.execute(
            "SELECT value, seen_audit, seen_changes, fingerprint FROM forecast_kept"
            " WHERE format = ? AND kind = ? AND period = ? AND team IS ? AND key = ? AND length(value) <= ?"
            " ORDER BY id DESC LIMIT 1",
            (FORMAT, *entry, MAX_VALUE_BYTES),
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    if row is None:
        return None
    value, seen, changes, fingerprint = row
    if type(value) is not str or type(seen) is not int or type(changes) is not int or type(fingerprint) is not str:
        return None
    return value, Label(seen, changes, fingerprint)


def save(conn: sqlite3.Connection, entry: Entry, value: str, label: Label, at: int) -> bool:
    """Store ``value`` for ``entry``, inside a write transaction the caller began: it replaces every row of the same
    kind, period and team filter (the window learned at an earlier day of the period: one a day otherwise), and at
    most :data:`MAX_ROWS` are kept, the newest."""
    conn.execute(
        "DELETE FROM forecast_kept WHERE format = ? AND kind = ? AND period = ? AND team IS ?", (FORMAT, *entry[:3])
    )
    conn.execute(
        "INSERT INTO forecast_kept (format, kind, period, team, key, value, seen_audit, seen_changes, fingerprint,"
        " saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (FORMAT, *entry, value, *label, at),
    )
    conn.execute(
        "DELETE FROM forecast_kept WHERE id NOT IN (SELECT id FROM forecast_kept ORDER BY id DESC LIMIT ?)",
        (MAX_ROWS,),
    )
    return True


def stored(conn: sqlite3.Connection) -> tuple[list[StoredRow], list[int]]:
    """The newest :data:`MAX_ROWS` rows as read, newest first, each value None when larger than a reader reads; and
    the ids of the rows past them (no cockpit keeps those). None of either without the table."""
    try:
        rows = conn.execute(
            "SELECT id, format, kind, period, team, key,"
            " CASE WHEN length(value) <= ? THEN value END, seen_audit, seen_changes, fingerprint"
            " FROM forecast_kept ORDER BY id DESC LIMIT ?",
            (MAX_VALUE_BYTES, MAX_ROWS),
        ).fetchall()
        past = conn.execute("SELECT id FROM forecast_kept ORDER BY id DESC LIMIT -1 OFFSET ?", (MAX_ROWS,)).fetchall()
    except sqlite3.OperationalError:
        return [], []
    return [StoredRow(r[0], r[1], Entry(*r[2:6]), r[6], (r[7], r[8], r[9])) for r in rows], [r[0] for r in past]


def delete(conn: sqlite3.Connection, ids: Sequence[int]) -> bool:
    """Delete the rows of ``ids``, inside a write transaction the caller began."""
    conn.executemany("DELETE FROM forecast_kept WHERE id = ?", [(i,) for i in ids])
    return True

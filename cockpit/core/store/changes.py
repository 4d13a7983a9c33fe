"""What the KPI cache reads to learn what changed since it last looked: the audit log, the row-change count, the
database's identity, and the few rows it probes to place a change in time (``cockpit.core.kpi_cache``).

Each function takes the connection of the read transaction the cache syncs in (``Store.read``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from cockpit.core.store import CHANGE_TRIGGERS, change_trigger_count


def last_audit_id(conn: sqlite3.Connection) -> int:
    """The id of the newest audit row, 0 for an empty log."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


def change_count(conn: sqlite3.Connection) -> int | None:
    """The row-change count, or None when it cannot be trusted: no such table (a database from a newer cockpit),
    or a counting trigger missing (someone dropped it), so that nothing is cached across refreshes."""
    try:
        row = conn.execute("SELECT n FROM kpi_changes WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return None
    if row is None or change_trigger_count(conn) != CHANGE_TRIGGERS:
        return None
    return row[0]


def db_id(conn: sqlite3.Connection) -> str | None:
    """The database's random identity (meta 'db_id'), or None when it has none."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'db_id'").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row and row[0] else None


def audit_tail(conn: sqlite3.Connection, audit_id: int, limit: int) -> list[tuple[Any, ...]]:
    """The last ``limit`` audit rows up to ``audit_id``, newest first: (id, at, user, action, table, row id, old
    values, new values)."""
    rows = conn.execute(
        "SELECT id, at, unix_user, action, table_name, row_id, old_values, new_values FROM audit_log"
        " WHERE id <= ? ORDER BY id DESC LIMIT ?",
        (audit_id, limit),
    ).fetchall()
    return [tuple(row) for row in rows]


def audit_since(conn: sqlite3.Connection, seen: int) -> list[tuple[Any, ...]]:
    """The audit rows after ``seen``, oldest first: (table, action, row id, old values, new values)."""
    rows = conn.execute(
        "SELECT table_name, action, row_id, old_values, new_values FROM audit_log WHERE id > ? ORDER BY id", (seen,)
    ).fetchall()
    return [tuple(row) for row in rows]


def activity_now(conn: sqlite3.Connection, activity_id: int) -> tuple[Any, ...] | None:
    """An activity as it is now: (at, deal id, kind, rep id, voided at), or None when it is gone."""
    row = conn.execute(
        "SELECT at, deal_id, kind, rep_id, voided_at FROM activities WHERE id = ?", (activity_id,)
    ).fetchone()
    return tuple(row) if row is not None else None


def deal_closed_at(conn: sqlite3.Connection, deal_id: int) -> int | None:
    """A deal's close time, None when it is open or gone."""
    row = conn.execute("SELECT closed_at FROM deals WHERE id = ?", (deal_id,)).fetchone()
    return row[0] if row is not None else None


def deal_times(conn: sqlite3.Connection, deal_id: int) -> tuple[int | None, int | None, int | None] | None:
    """A deal's (created, qualified, closed) times, or None when it is gone."""
    row = conn.execute("SELECT created_at, qualified_at, closed_at FROM deals WHERE id = ?", (deal_id,)).fetchone()
    return (row[0], row[1], row[2]) if row is not None else None


def team_members(conn: sqlite3.Connection, team: str) -> set[int]:
    """The ids of the reps of ``team``, chosen exactly as the measures' team filter chooses them (COLLATE NOCASE)."""
    return {r[0] for r in conn.execute("SELECT id FROM reps WHERE team = ? COLLATE NOCASE", (team,))}


def deals_by_id(
    conn: sqlite3.Connection, deal_ids: Sequence[int | None]
) -> dict[int, tuple[int, str, int | None, int | None]]:
    """Deal id -> (owner, stage, closed at, voided at) of the deals among ``deal_ids`` (None ids match nothing)."""
    rows = conn.execute(
        f"SELECT id, rep_id, stage, closed_at, voided_at FROM deals WHERE id IN ({','.join('?' * len(deal_ids))})",
        list(deal_ids),
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def rep_called_deal(
    conn: sqlite3.Connection, rep_id: int, start: int, end: int, deal_id: int, *, excluding: Sequence[int]
) -> bool:
    """Whether ``rep_id`` has a live call on ``deal_id`` in [start, end) other than the activities ``excluding``."""
    marks = ",".join("?" * len(excluding))
    return bool(
        conn.execute(
            f"""SELECT EXISTS(SELECT 1 FROM activities WHERE rep_id = ? AND kind = 'call' AND voided_at IS NULL
                AND at >= ? AND at < ? AND deal_id = ? AND id NOT IN ({marks}))""",
            [rep_id, start, end, deal_id, *excluding],
        ).fetchone()[0]
    )


def deal_callers(
    conn: sqlite3.Connection, deal_id: int, start: int, end: int, *, excluding: Sequence[int]
) -> list[int]:
    """The reps of the live calls on ``deal_id`` in [start, end), other than the activities ``excluding``."""
    marks = ",".join("?" * len(excluding))
    rows = conn.execute(
        f"""SELECT rep_id FROM activities WHERE deal_id = ? AND voided_at IS NULL AND at >= ? AND at < ?
            AND kind = 'call' AND id NOT IN ({marks})""",
        [deal_id, start, end, *excluding],
    ).fetchall()
    return [r[0] for r in rows]

"""deal_calls against the calls it is derived from: what ``cockpit check`` compares and ``--repair`` rebuilds.

deal_calls holds each deal's live calls (kind 'call', not voided), kept by triggers in the same transaction as every
call (schema v2). Only an edit by hand makes it disagree, and since schema v8 such an edit moves the change counts,
so running cockpits count again from the rows as they are. A rebuild makes it agree with the calls again; it moves
both counts itself, since rows that agree once written move neither (:func:`cockpit.core.store.schema.
derived_edit_triggers`), and every cockpit must drop what it counted from the edited rows.
"""

from __future__ import annotations

import sqlite3

# Each deal's live calls, from the activities (the same set the triggers keep).
_LIVE = (
    "SELECT deal_id, count(*) AS calls FROM activities"
    " WHERE kind = 'call' AND voided_at IS NULL AND deal_id IS NOT NULL GROUP BY deal_id"
)


def disagreeing(conn: sqlite3.Connection) -> list[int]:
    """The deals whose deal_calls row differs from their live calls (a missing row counts as 0 calls), by id."""
    rows = conn.execute(
        f"""SELECT d.deal_id FROM deal_calls d LEFT JOIN ({_LIVE}) l ON l.deal_id = d.deal_id
        WHERE d.calls IS NOT coalesce(l.calls, 0)
        UNION
        SELECT l.deal_id FROM ({_LIVE}) l LEFT JOIN deal_calls d ON d.deal_id = l.deal_id WHERE d.deal_id IS NULL
        ORDER BY 1"""
    ).fetchall()
    return [deal_id for (deal_id,) in rows]


def rebuild(conn: sqlite3.Connection) -> int:
    """Make deal_calls equal the live calls, inside the caller's write transaction; returns how many deals changed.
    Moves both change counts when any did."""
    wrong = disagreeing(conn)
    if not wrong:
        return 0
    conn.execute(
        f"""INSERT INTO deal_calls (deal_id, calls) SELECT deal_id, calls FROM ({_LIVE}) WHERE true
        ON CONFLICT (deal_id) DO UPDATE SET calls = excluded.calls WHERE calls IS NOT excluded.calls"""
    )
    conn.execute(f"UPDATE deal_calls SET calls = 0 WHERE calls <> 0 AND deal_id NOT IN (SELECT deal_id FROM ({_LIVE}))")
    conn.execute("UPDATE kpi_changes SET n = n + 1 WHERE id = 1")
    conn.execute("UPDATE data_changes SET n = n + 1 WHERE id = 1")
    return len(wrong)

"""The KPI buckets kept in the database: base measures computed by any cockpit, shared by everyone who opens the file.

A bucket is the base measures (:mod:`cockpit.core.store.measures`) of one period [start, end) for the whole company
or one team filter. A cockpit that computed buckets stores them here (:func:`save`), so another user's first start,
``cockpit report`` and a new process read them (:func:`load`) instead of counting months of rows again.

What keeps them true: triggers on every table a cached measure reads delete, **in the same transaction as the
write**, each stored bucket the changed row can reach (old and new values), so a write and its effect on the
aggregates commit together or not at all, whoever writes: the store, an import, or the ``sqlite3`` shell. Which
columns wake a trigger is derived from what each measure declares it reads (``measures.cached_reads``); where a row
reaches (the reach rules, ``_REACH``) is the same rule the per-process cache applies to audit rows
(:mod:`cockpit.core.kpi_cache`):

- a call (inserted, deleted, or an update of a column the measures read): the buckets holding its time, and the
  bucket holding the close date of the deal it is linked to (``win_calls``); other kinds of activity reach nothing;
- a deal: every bucket ending after its created, qualified or closed time (pipeline, opportunities, won, lost,
  new customers);
- a stage-history row: every bucket ending after its time (the stage a deal stood in at a bucket's end);
- a rep's team: every bucket of a team filter; a rep's id or a deleted rep, and any change of stages: everything;
- a row of deal_calls (kept by triggers from calls; an edit by hand): the bucket of the deal's close date.

A trigger dropped or changed by hand is noticed at the next writable open (:func:`restore`): the triggers are made
again and every stored bucket deleted, since writes made meanwhile deleted nothing. A read-only open that finds the
triggers not as they should be uses no stored bucket. ``cockpit check`` recounts every stored bucket
(:mod:`cockpit.core.kpi_check`).

A bucket is saved only if no counted row changed since it was computed: the save runs in one write transaction that
first compares ``kpi_changes.n`` with the count the bucket was computed at, so a colleague's write that landed in
between (and whose triggers found nothing to delete yet) cannot leave a stale bucket behind.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cockpit.core.store.measures import cached_reads

#: At most this many buckets are kept; a save past it deletes the least recently saved.
MAX_BUCKETS = 2000

TABLE = """CREATE TABLE kpi_buckets (
    start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL,
    scope TEXT NOT NULL,
    measures TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (start_ts, end_ts, scope)
)"""

# Where a changed row reaches, as a condition on a stored bucket, with ROW standing for OLD or NEW.
_IN_BUCKET = "start_ts <= {t} AND {t} < end_ts"
_DEAL_CLOSED_IN_BUCKET = (
    "EXISTS (SELECT 1 FROM deals d WHERE d.id = ROW.deal_id AND d.closed_at >= start_ts AND d.closed_at < end_ts)"
)
_REACH: dict[str, str] = {
    "activities": f"({_IN_BUCKET.format(t='ROW.at')}) OR {_DEAL_CLOSED_IN_BUCKET}",
    "deals": "end_ts > ROW.created_at OR end_ts > ROW.qualified_at OR end_ts > ROW.closed_at",
    "stage_history": "end_ts > ROW.at",
    "reps": "scope <> '' OR OLD.id IS NOT NEW.id",
    "stages": "1",
    "deal_calls": _DEAL_CLOSED_IN_BUCKET,
}
_OUR_TRIGGERS = "type = 'trigger' AND name LIKE 'kpi\\_buckets\\_%' ESCAPE '\\'"
# Only calls count: a trigger on activities fires for a row that is or was a call.
_WHEN: dict[str, str] = {"activities": "ROW.kind = 'call'"}


@functools.cache
def triggers() -> tuple[tuple[str, str], ...]:
    """(name, CREATE TRIGGER statement) of every trigger that deletes the stored buckets a change can reach.

    One per table the cached measures read and per event (updates: of the columns they read only); deal_calls,
    which the measures read, is derived from activities and has its own in case someone edits it by hand. A rep
    inserted reaches nothing (a new rep has no data) and a deleted one everything."""
    reads = dict(cached_reads())
    reads["deal_calls"] = frozenset({"deal_id", "calls"})
    out: list[tuple[str, str]] = []
    for table in sorted(reads):
        if table not in _REACH:
            raise ValueError(f"no reach rule for {table}, which a cached KPI measure reads")
        reach = _REACH[table]
        for event in ("INSERT", "UPDATE", "DELETE"):
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            if table == "reps":
                if event == "INSERT":
                    continue
                where = "1" if event == "DELETE" else reach
            elif reach == "1":
                where = "1"
            else:
                where = " OR ".join(f"({reach.replace('ROW.', f'{row}.')})" for row in rows)
            when = ""
            if table in _WHEN:
                when = " WHEN " + " OR ".join(_WHEN[table].replace("ROW.", f"{row}.") for row in rows)
            of = f" OF {', '.join(sorted(reads[table]))}" if event == "UPDATE" else ""
            name = f"kpi_buckets_{table}_{event.lower()}"
            out.append(
                (
                    name,
                    f"CREATE TRIGGER {name} AFTER {event}{of} ON {table}{when} BEGIN "
                    f"DELETE FROM kpi_buckets WHERE {where}; END",
                )
            )
    return tuple(out)


def create(conn: sqlite3.Connection) -> None:
    """The table and its triggers (schema migration 6)."""
    conn.execute(TABLE)
    make_triggers(conn)


def triggers_intact(conn: sqlite3.Connection) -> bool:
    """Whether the database has exactly the triggers :func:`triggers` makes (none dropped or edited by hand)."""
    found = dict(conn.execute(f"SELECT name, sql FROM sqlite_master WHERE {_OUR_TRIGGERS}"))
    return found == dict(triggers())


def restore(conn: sqlite3.Connection) -> bool:
    """Make the triggers again and delete every stored bucket when they are not intact; call inside a write
    transaction. Returns whether anything was repaired."""
    if triggers_intact(conn):
        return False
    for (name,) in conn.execute(f"SELECT name FROM sqlite_master WHERE {_OUR_TRIGGERS}").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    for _name, statement in triggers():
        conn.execute(statement)
    conn.execute("DELETE FROM kpi_buckets")
    return True


def drop_triggers(conn: sqlite3.Connection) -> None:
    """Delete every stored bucket and drop the triggers (a bulk load, which makes them again with :func:`create`'s
    statements in the same transaction: rows loaded in bulk would run them once each for nothing)."""
    conn.execute("DELETE FROM kpi_buckets")
    for name, _statement in triggers():
        conn.execute(f"DROP TRIGGER {name}")


def make_triggers(conn: sqlite3.Connection) -> None:
    """Make the triggers (after :func:`drop_triggers`, in the same transaction)."""
    for _name, statement in triggers():
        conn.execute(statement)


# ------------------------------------------------------------------------------------------ the stored buckets

#: A bucket's key: (start, end, team filter or None), epoch seconds, end excluded.
Key = tuple[int, int, "str | None"]


@dataclass(frozen=True)
class StoredBucket:
    """One stored bucket: per rep ``{rep id: {measure: value}}`` and the team-wide distinct counts."""

    key: Key
    rep: dict[int, dict[str, float]]
    team: dict[str, float]


def _scope(team: str | None) -> str:
    return "" if team is None else "=" + team


def _team(scope: str) -> str | None:
    return None if scope == "" else scope[1:]


def _encode(rep: Mapping[int, Mapping[str, float]], team: Mapping[str, float]) -> str:
    # Column-wise: one list of measure names, then one row per rep (None where the rep has no such measure, which
    # differs from 0: a rep with any measure in a bucket has data there).
    names = sorted({name for values in rep.values() for name in values})
    rows = [[rep_id, *(values.get(name) for name in names)] for rep_id, values in rep.items()]
    return json.dumps([names, rows, dict(team)], separators=(",", ":"))


_NUMBER_TYPES = frozenset({int, float})  # exactly: a bool is an int subclass, and not a measure
_VALUE_TYPES = _NUMBER_TYPES | {type(None)}


def decode(text: str) -> tuple[dict[int, dict[str, float]], dict[str, float]]:
    """The measures of one stored bucket; ValueError when they are not what :func:`_encode` writes."""
    names, rows, team = json.loads(text)
    if not all(type(name) is str for name in names) or type(team) is not dict:
        raise ValueError("bad bucket")
    width = len(names) + 1
    if any(type(row) is not list or len(row) != width for row in rows):
        raise ValueError("bad bucket row")
    if {type(row[0]) for row in rows} - {int} or {type(v) for row in rows for v in row[1:]} - _VALUE_TYPES:
        raise ValueError("bad bucket value")
    if {type(k) for k in team} - {str} or {type(v) for v in team.values()} - _NUMBER_TYPES:
        raise ValueError("bad bucket value")
    rep = {row[0]: {name: v for name, v in zip(names, row[1:]) if v is not None} for row in rows}  # noqa: B905
    return rep, team


def load(conn: sqlite3.Connection, keys: Iterable[Key]) -> list[StoredBucket]:
    """The stored buckets of ``keys`` that are trustworthy: none when the triggers are not intact; a row that does
    not decode is skipped (it is recomputed). Run inside the caller's read transaction."""
    wanted = [(s, e, _scope(t)) for s, e, t in keys]
    if not wanted:
        return []
    sql = "SELECT start_ts, end_ts, scope, measures FROM kpi_buckets WHERE (start_ts, end_ts, scope) IN"
    sql += f" (VALUES {', '.join('(?, ?, ?)' for _ in wanted)})"
    params = [value for key in wanted for value in key]
    try:
        if not triggers_intact(conn):
            return []
        rows = conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []  # an older schema without the table (opened read-only)
    out = []
    for start, end, scope, text in rows:
        try:
            rep, team = decode(text)
        except (ValueError, TypeError, AttributeError):
            continue
        out.append(StoredBucket((start, end, _team(scope)), rep, team))
    return out


def save(
    conn: sqlite3.Connection,
    buckets: Sequence[tuple[Key, Mapping[int, Mapping[str, float]], Mapping[str, float]]],
    changes: int,
    at: int,
) -> bool:
    """Store ``buckets`` computed when the row-change count was ``changes``; inside a write transaction the caller
    began. Nothing is stored (False) when the count moved since: a change then may reach them."""
    row = conn.execute("SELECT n FROM kpi_changes WHERE id = 1").fetchone()
    if row is None or row[0] != changes or not triggers_intact(conn):
        return False
    conn.executemany(
        # A bucket stored already holds the same measures: the count has not moved since either was computed.
        "INSERT OR IGNORE INTO kpi_buckets (start_ts, end_ts, scope, measures, saved_at) VALUES (?, ?, ?, ?, ?)",
        [(s, e, _scope(t), _encode(rep, team), at) for (s, e, t), rep, team in buckets],
    )
    (count,) = conn.execute("SELECT count(*) FROM kpi_buckets").fetchone()
    if count > MAX_BUCKETS:
        conn.execute(
            "DELETE FROM kpi_buckets WHERE (start_ts, end_ts, scope) IN (SELECT start_ts, end_ts, scope"
            " FROM kpi_buckets ORDER BY saved_at, start_ts LIMIT ?)",
            (count - MAX_BUCKETS,),
        )
    return True


def delete(conn: sqlite3.Connection, keys: Iterable[Key]) -> bool:
    """Delete stored buckets (``cockpit check --repair``: they differ from a recount); inside a write transaction."""
    conn.executemany(
        "DELETE FROM kpi_buckets WHERE start_ts = ? AND end_ts = ? AND scope = ?",
        [(start, end, _scope(team)) for start, end, team in keys],
    )
    return True


def stored_rows(conn: sqlite3.Connection) -> list[tuple[Key, str]]:
    """Every stored bucket's key and raw measures text, decodable or not (``cockpit check`` reports the latter)."""
    return [
        ((s, e, _team(scope)), text)
        for s, e, scope, text in conn.execute("SELECT start_ts, end_ts, scope, measures FROM kpi_buckets")
    ]

"""Reads of the forecast and of pipeline movement: the deals as they stood at a past moment, won revenue by rep, and
the deals whose expected close moved.

A deal's state at a moment is rebuilt from what the database keeps of its past: its stage from ``stage_history``
(the last row before the moment, the rule of the pipeline KPIs in :mod:`~cockpit.core.store.measures`), and its
owner, amount, expected close and void from the audit trail (each ``edit deal``, ``void`` and ``restore`` writes the
old values in ``audit_log.old_values``: the value at a moment is the old value of the first change made after it, or
the current value when none was). :mod:`cockpit.core.forecast` and :mod:`cockpit.core.movement` do the arithmetic.

Money in minor units, times in epoch seconds, moments excluded (a deal counts as open at ``m`` from what was recorded
before ``m``).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from cockpit.core.store import Store

#: The deal columns the audit trail is read for (the ones a rebuilt deal carries that an edit can change).
_TRACKED = ("rep_id", "amount", "expected_close", "voided_at")


class DealAt(NamedTuple):
    """A live deal as it stood at ``at``: open there, in ``stage``. Money in minor units.

    ``closed_at`` and ``outcome`` are today's (the current close time and stage): what became of the deal. A named
    tuple, not a frozen dataclass: the forecast builds one per open deal at every refresh (4,000 at 200 reps), and
    a tuple is built straight from its SQL row five times faster."""

    id: int
    at: int
    rep_id: int
    stage: str
    amount: int
    expected_close: int | None
    created_at: int
    closed_at: int | None
    outcome: str


@dataclass(frozen=True)
class DealEnd:
    """Where a deal stood at a moment, open or not (for the movement of a period): its stage then, whether it was
    voided then, and its owner and amount then."""

    id: int
    rep_id: int
    stage: str
    is_open: bool
    voided: bool
    amount: int
    created_at: int


@dataclass(frozen=True)
class CloseMove:
    """One change of a deal's expected close, from the audit trail."""

    deal_id: int
    at: int
    old: int | None
    new: int | None


@dataclass(frozen=True)
class SlippedRow:
    """A live deal open now, with its owner's name, for the slipped-deals list."""

    id: int
    title: str
    rep_id: int
    rep: str
    stage: str
    amount: int
    expected_close: int | None


def _team_clause(team: str | None) -> tuple[str, list[object]]:
    if team is None:
        return "", []
    return " AND d.rep_id IN (SELECT id FROM reps WHERE team = ? COLLATE NOCASE)", [team]


def _stage_rows(conn: sqlite3.Connection) -> dict[str, bool]:
    return {name: bool(is_open) for name, is_open in conn.execute("SELECT name, is_open FROM stages")}


def _changes_since(conn: sqlite3.Connection, since: int) -> list[tuple[int, int, dict[str, object]]]:
    """(deal id, at, old values) of every audited change of a deal's tracked columns at or after ``since``, oldest
    first; one range of the audit_table_at index, read once per call, not once per moment."""
    rows = conn.execute(
        # INDEXED BY (schema 4): on a small log the planner would scan it in id order to skip a sort, and keep
        # doing so as the log grows by a row per write; the range since the moment is what is wanted.
        "SELECT row_id, at, old_values FROM audit_log INDEXED BY audit_table_at WHERE table_name = 'deals' AND at >= ?"
        " AND old_values IS NOT NULL ORDER BY id",
        (since,),
    ).fetchall()
    out = []
    for row_id, at, old in rows:
        try:
            values = json.loads(old)
        except ValueError:
            continue  # a row another program wrote by hand: it says nothing we can use
        if isinstance(values, dict) and any(k in values for k in _TRACKED):
            out.append((row_id, at, values))
    return out


def _as_of(changes: list[tuple[int, int, dict[str, object]]], moment: int) -> dict[int, dict[str, object]]:
    """The tracked values each changed deal had at ``moment``: the old value of the first change after it."""
    before: dict[int, dict[str, object]] = defaultdict(dict)
    for deal_id, at, old in changes:
        if at < moment:
            continue
        for column in _TRACKED:
            if column in old and column not in before[deal_id]:
                before[deal_id][column] = old[column]
    return before


_STATE = """SELECT d.id, d.rep_id, d.amount, d.expected_close, d.created_at, d.closed_at, d.stage, d.voided_at,
       (SELECT h.to_stage FROM stage_history h WHERE h.deal_id = d.id AND h.at < ?
        ORDER BY h.at DESC, h.id DESC LIMIT 1) AS at_stage
FROM deals d WHERE d.created_at < ? AND ({candidates}){team}"""


def _edited_since(
    conn: sqlite3.Connection,
    moment: int,
    team: str | None,
    corrections: dict[int, dict[str, object]],
    open_stage: dict[str, bool],
) -> list[tuple[sqlite3.Row | tuple, str, bool, bool, int, int, int | None]]:
    """:func:`_states` of the deals an audited edit changed since ``moment`` that were not closed before it (a deal
    closed then and reopened since has closed_at NULL; its history says whether it was open)."""
    ids = ",".join(str(int(i)) for i in corrections)
    where = f"(d.closed_at IS NULL OR d.closed_at >= ?) AND d.id IN ({ids})"
    return _states(conn, moment, where, [moment], team, corrections, open_stage)


def _states(
    conn: sqlite3.Connection,
    moment: int,
    candidates: str,
    params: Sequence[object],
    team: str | None,
    corrections: dict[int, dict[str, object]],
    open_stage: dict[str, bool],
) -> list[tuple[sqlite3.Row | tuple, str, bool, bool, int, int, int | None]]:
    clause, team_params = _team_clause(team)
    sql = _STATE.format(candidates=candidates, team=clause)
    rows = conn.execute(sql, [moment, moment, *params, *team_params])
    return [_state(row, row[8], moment, corrections, open_stage) for row in rows]


def _state(
    row: sqlite3.Row | tuple,
    at_stage: str | None,
    moment: int,
    corrections: dict[int, dict[str, object]],
    open_stage: dict[str, bool],
) -> tuple[sqlite3.Row | tuple, str, bool, bool, int, int, int | None]:
    """One deal as it stood at ``moment`` from its row (id, rep_id, amount, expected_close, created_at, closed_at,
    stage, voided_at, ...) and ``at_stage``, the stage of its last history row before the moment."""
    deal_id, rep_id, amount, expected, _created, _closed, stage, voided_at = row[:8]
    fix = corrections.get(deal_id)
    if fix:
        rep_id = fix.get("rep_id", rep_id)
        amount = fix.get("amount", amount)
        expected = fix.get("expected_close", expected)
        voided_at = fix.get("voided_at", voided_at)
    # The pipeline KPIs' rule: the stage of the last history row before the moment when it is a configured one,
    # else the deal's own (open unless won or lost).
    if at_stage in open_stage:
        name, is_open = at_stage, open_stage[at_stage]
    else:
        name, is_open = stage, stage not in ("won", "lost")
    voided = voided_at is not None and int(voided_at) < moment  # type: ignore[call-overload]
    return row, name, is_open, voided, int(rep_id), int(amount), None if expected is None else int(expected)  # type: ignore[call-overload]


_OPEN_AT = """SELECT d.id, :m, d.rep_id, coalesce(st.name, d.stage), d.amount, d.expected_close, d.created_at,
       d.closed_at, d.stage
FROM deals d LEFT JOIN stages st ON st.name = (
    SELECT h.to_stage FROM stage_history h WHERE h.deal_id = d.id AND h.at < :m ORDER BY h.at DESC, h.id DESC LIMIT 1)
WHERE d.created_at < :m AND (d.closed_at IS NULL OR d.closed_at >= :m) AND (d.voided_at IS NULL OR d.voided_at >= :m)
  AND d.id NOT IN (SELECT value FROM json_each(:skip)){team}
  AND CASE WHEN st.name IS NOT NULL THEN st.is_open ELSE d.stage NOT IN ('won', 'lost') END"""


def open_deals_at(store: Store, moments: Sequence[int], *, team: str | None = None) -> dict[int, tuple[DealAt, ...]]:
    """The live deals open at each of ``moments`` (of one team, compared case-insensitively, or everyone), each as it
    stood then (stage, owner, amount, expected close), in id order; one read transaction for all of them.

    The deals no audited edit changed since the moment are chosen and placed in their stage in SQL (the rule of
    :func:`_states`, as :func:`pipeline_cells_at` counts them) and come back as rows ready to be tuples; the few
    edited since are rebuilt one by one."""
    if not moments:
        return {}
    clause, team_params = _team_clause(team)
    sql = _OPEN_AT.format(team=clause.replace("?", ":team"))
    with store.read() as conn:
        open_stage = _stage_rows(conn)
        changes = _changes_since(conn, min(moments))
        out: dict[int, tuple[DealAt, ...]] = {}
        for moment in moments:
            corrections = _as_of(changes, moment)
            params: dict[str, object] = {"m": moment, "skip": json.dumps(sorted(corrections))}
            if team_params:
                params["team"] = team_params[0]
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: each row becomes a DealAt as it is
            found = list(map(DealAt._make, cursor.execute(sql, params)))
            if corrections:
                rows = _edited_since(conn, moment, team, corrections, open_stage)
                for row, stage, is_open, voided, rep_id, amount, expected in rows:
                    if is_open and not voided:
                        found.append(DealAt(row[0], moment, rep_id, stage, amount, expected, row[4], row[5], row[6]))
            found.sort()  # by id: ids are unique, so the rest of the tuple never decides
            out[moment] = tuple(found)
    return out


class PipelineCell(NamedTuple):
    """Deals open at a moment, counted together: one owner, stage and age band then, expected to close by the
    period's end or not, won by its end or not. Money in minor units."""

    rep_id: int
    stage: str
    band: int
    due: bool  # expected close before the period's end (as it stood at the moment)
    won: bool  # won, and closed before the period's end (today's outcome)
    deals: int
    amount: int


def _band_sql(edges: Sequence[int]) -> str:
    # The band of a deal open for (moment - created_at) seconds: how many edges it has reached (forecast.age_band).
    return " + ".join(f"(:m - d.created_at >= {int(edge)})" for edge in edges) or "0"


_CELLS = """WITH c AS (
    SELECT d.id, d.rep_id, d.amount, d.stage AS now_stage, d.created_at, d.expected_close, d.closed_at,
           (SELECT h.to_stage FROM stage_history h WHERE h.deal_id = d.id AND h.at < :m
            ORDER BY h.at DESC, h.id DESC LIMIT 1) AS at_stage
    FROM deals d
    WHERE d.created_at < :m AND (d.closed_at IS NULL OR d.closed_at >= :m)
      AND (d.voided_at IS NULL OR d.voided_at >= :m)
      AND d.id NOT IN (SELECT value FROM json_each(:skip)){team}
)
SELECT d.rep_id, coalesce(st.name, d.now_stage) AS stage, {band} AS band,
       coalesce(d.expected_close < :end, 0) AS due,
       coalesce(d.now_stage = 'won' AND d.closed_at < :end, 0) AS won, count(*), sum(d.amount)
FROM c AS d LEFT JOIN stages st ON st.name = d.at_stage
WHERE CASE WHEN st.name IS NOT NULL THEN st.is_open ELSE d.now_stage NOT IN ('won', 'lost') END
GROUP BY 1, 2, 3, 4, 5"""


def pipeline_cells_at(
    store: Store, spans: Sequence[tuple[int, int]], edges: Sequence[int], *, team: str | None = None
) -> list[list[PipelineCell]]:
    """For each (moment, period end) of ``spans``: the deals open at the moment as they stood then (the rules of
    :func:`open_deals_at`), counted in SQL by owner, stage, age band (``edges`` in seconds), due and won by the end.

    The deals an audited edit changed after the moment are left out of the SQL count and rebuilt one by one, as
    :func:`open_deals_at` does; the rest are counted as they are now (nothing changed them since). One read
    transaction for every span: the forecast's history in a few thousand rows instead of every deal of each
    moment."""
    if not spans:
        return []
    clause, team_params = _team_clause(team)
    sql = _CELLS.format(team=clause.replace("?", ":team"), band=_band_sql(edges))
    out: list[list[PipelineCell]] = []
    with store.read() as conn:
        open_stage = _stage_rows(conn)
        changes = _changes_since(conn, min(m for m, _ in spans))
        for moment, end in spans:
            corrections = _as_of(changes, moment)
            skip = json.dumps(sorted(corrections))
            params: dict[str, object] = {"m": moment, "end": end, "skip": skip}
            if team_params:
                params["team"] = team_params[0]
            rows = conn.execute(sql, params).fetchall()
            cells = [PipelineCell(r[0], r[1], r[2], bool(r[3]), bool(r[4]), r[5], r[6]) for r in rows]
            if corrections:
                # The few deals edited since: rebuilt as they stood, then counted like the rest.
                rebuilt = _edited_since(conn, moment, team, corrections, open_stage)
                extra: dict[tuple[int, str, int, bool, bool], list[int]] = defaultdict(lambda: [0, 0])
                for row, stage, is_open, voided, rep_id, amount, expected in rebuilt:
                    if not is_open or voided:
                        continue
                    age = moment - row[4]
                    band = sum(age >= edge for edge in edges)
                    due = expected is not None and expected < end
                    won = row[6] == "won" and row[5] is not None and row[5] < end
                    tally = extra[(rep_id, stage, band, due, won)]
                    tally[0] += 1
                    tally[1] += amount
                cells += [PipelineCell(*key, n, amount) for key, (n, amount) in extra.items()]
            out.append(cells)
    return out


# Each deal not closed before ``start`` and created before ``end``, with the stage of its last history row before the
# start (for those created before it) and before the end.
_BETWEEN = """SELECT d.id, d.rep_id, d.amount, d.expected_close, d.created_at, d.closed_at, d.stage, d.voided_at,
       CASE WHEN d.created_at < ?1 THEN (SELECT h.to_stage FROM stage_history h WHERE h.deal_id = d.id AND h.at < ?1
        ORDER BY h.at DESC, h.id DESC LIMIT 1) END AS at_start,
       (SELECT h.to_stage FROM stage_history h WHERE h.deal_id = d.id AND h.at < ?2
        ORDER BY h.at DESC, h.id DESC LIMIT 1) AS at_end
FROM deals d WHERE d.created_at < ?2 AND (d.closed_at IS NULL OR d.closed_at >= ?1){team}"""


def deals_between(
    store: Store, start: int, end: int, *, team: str | None = None
) -> tuple[list[DealEnd], list[DealEnd]]:
    """For the movement of ``[start, end)``: the deals open at ``start`` and the deals created in the period, each as
    it stood at ``start`` (first list, open ones only) and at ``end`` (second list, open or not: every deal open at
    the start, created in the period, or open at the end)."""
    clause, team_params = _team_clause(team)
    with store.read() as conn:
        open_stage = _stage_rows(conn)
        changes = _changes_since(conn, start)
        at_start_fix, at_end_fix = _as_of(changes, start), _as_of(changes, end)
        at_start: list[DealEnd] = []
        at_end: list[DealEnd] = []
        # Both states of every deal not closed before the start, in one read (each list was one read of the same deals).
        for row in conn.execute(_BETWEEN.format(team=clause), [start, end, *team_params]):
            created_at = row[4]
            if created_at < start:
                state = _state(row, row[8], start, at_start_fix, open_stage)
                if state[2]:
                    at_start.append(DealEnd(row[0], state[4], state[1], state[2], state[3], state[5], created_at))
            state = _state(row, row[9], end, at_end_fix, open_stage)
            at_end.append(DealEnd(row[0], state[4], state[1], state[2], state[3], state[5], created_at))
    return at_start, at_end


def won_by_rep(store: Store, spans: Sequence[tuple[int, int]], *, team: str | None = None) -> list[dict[int, int]]:
    """Revenue won in each ``[start, end)`` of ``spans``, by the deal's owner (the ``revenue`` KPI's deals)."""
    return _won_by_rep(store, spans, team, created_in_span=False)


def won_new_by_rep(store: Store, spans: Sequence[tuple[int, int]], *, team: str | None = None) -> list[dict[int, int]]:
    """Revenue of the deals both created and won in each ``[start, end)``, by owner: what a period adds from deals
    that did not exist at its start (the forecast's run rate of new deals)."""
    return _won_by_rep(store, spans, team, created_in_span=True)


def _won_by_rep(
    store: Store, spans: Sequence[tuple[int, int]], team: str | None, *, created_in_span: bool
) -> list[dict[int, int]]:
    clause, params = _team_clause(team)
    created = " AND d.created_at >= ?" if created_in_span else ""
    out = []
    with store.read() as conn:
        for start, end in spans:
            rows = conn.execute(
                "SELECT d.rep_id, sum(d.amount) FROM deals d WHERE d.stage = 'won' AND d.closed_at >= ?"
                f" AND d.closed_at < ?{created} AND d.voided_at IS NULL{clause}"
                " GROUP BY d.rep_id",
                [start, end, *([start] if created_in_span else []), *params],
            ).fetchall()
            out.append({rep_id: amount for rep_id, amount in rows})
    return out


def first_deal_at(store: Store) -> int | None:
    """When the first live deal was created (None: no deal): periods before it have no history to test on."""
    return store.query("SELECT min(created_at) FROM deals WHERE voided_at IS NULL")[0][0]


def close_moves(store: Store, start: int, end: int) -> list[CloseMove]:
    """Every audited change of a deal's expected close made in ``[start, end)``, oldest first."""
    rows = store.query(
        "SELECT row_id, at, old_values, new_values FROM audit_log INDEXED BY audit_table_at"
        " WHERE table_name = 'deals' AND at >= ? AND at < ?"
        " AND old_values LIKE '%expected_close%' ORDER BY id",
        (start, end),
    )
    out = []
    for row_id, at, old, new in rows:
        try:
            before, after = json.loads(old), json.loads(new or "{}")
        except ValueError:
            continue
        if isinstance(before, dict) and isinstance(after, dict) and "expected_close" in before:
            out.append(CloseMove(row_id, at, before["expected_close"], after.get("expected_close")))
    return out


def open_deal_rows(
    store: Store, ids: Sequence[int] = (), *, overdue_before: int | None = None, team: str | None = None
) -> list[SlippedRow]:
    """Live deals open now with their owner's name: those of ``ids``, and (with ``overdue_before``) every one whose
    expected close is before that moment."""
    clause, params = _team_clause(team)
    wanted = list(dict.fromkeys(int(i) for i in ids))
    conditions, values = [], []
    if wanted:
        conditions.append(f"d.id IN ({','.join('?' * len(wanted))})")
        values += wanted
    if overdue_before is not None:
        conditions.append("d.expected_close < ?")
        values.append(overdue_before)
    if not conditions:
        return []
    # From the open stages to their deals (deals_rep_stage): the deals open now, not every deal ever made (the
    # planner scanned deals in id order for the ORDER BY, 27 ms at 200 reps against 5).
    rows = store.query(
        f"""SELECT d.id, d.title, d.rep_id, r.name, d.stage, d.amount, d.expected_close
            FROM stages s CROSS JOIN deals d ON d.stage = s.name JOIN reps r ON r.id = d.rep_id
            WHERE s.is_open = 1 AND d.voided_at IS NULL
              AND ({" OR ".join(conditions)}){clause} ORDER BY d.id""",
        [*values, *params],
    )
    return [SlippedRow(*tuple(r)) for r in rows]


def deal_for_history(conn: sqlite3.Connection, deal_id: int, before: int) -> tuple[int, int | None, bool] | None:
    """For the forecast cache: a deal's (created, closed, whether its past stages come from its history), None when
    it is gone. The past stage of a deal whose history starts after its creation, or holds a stage no longer
    configured, falls back to its current stage: a move today changes such a deal's past."""
    row = conn.execute("SELECT created_at, closed_at FROM deals WHERE id = ?", (deal_id,)).fetchone()
    if row is None:
        return None
    first, odd = conn.execute(
        "SELECT min(at), coalesce(sum(to_stage NOT IN (SELECT name FROM stages)), 0) FROM stage_history"
        " WHERE deal_id = ? AND at < ?",
        (deal_id, before),
    ).fetchone()
    return row[0], row[1], first is not None and first <= row[0] and not odd


def audit_rows_since(
    conn: sqlite3.Connection, seen: int
) -> list[tuple[int, str, str, int | None, str | None, str | None]]:
    """The audit rows after ``seen``, oldest first: (time, table, action, row id, old values, new values)."""
    return [
        tuple(row)
        for row in conn.execute(
            "SELECT at, table_name, action, row_id, old_values, new_values FROM audit_log WHERE id > ? ORDER BY id",
            (seen,),
        )
    ]

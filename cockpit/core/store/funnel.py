"""Reads of the funnel: each deal's stays in the open stages during a period, and the open deals left stale.

SQL reads the stage history of the deals alive during the period and the stale deals (GROUP BY); one pass over each
deal's few history rows makes its stays; :mod:`cockpit.core.analysis` takes medians and ratios.
Times in epoch seconds, periods as ``[start_ts, end_ts)``, money in minor units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.core.store import Store


@dataclass(frozen=True)
class StageCohort:
    """One rep's deals that were in ``stage`` at some moment of the period, and how many of them have reached a later
    stage (not lost) by now."""

    stage: str
    rep_id: int
    deals: int
    advanced: int


@dataclass(frozen=True)
class StaleDeals:
    """A rep's open deals last updated before the cutoff: how many, their amount, the oldest update."""

    rep_id: int
    rep: str
    deals: int
    amount: int
    oldest_update: int


@dataclass(frozen=True)
class FunnelCounts:
    """Everything the funnel is computed from, read in one transaction."""

    open_stages: tuple[str, ...]  # in pipeline order
    cohorts: tuple[StageCohort, ...]
    ended: dict[tuple[int, str], list[float]]  # (rep id, open stage) -> days of each stay that ended in the period
    stale: tuple[StaleDeals, ...]  # most stale deals first, then by rep name
    rep_names: dict[int, str]


# The stage history of every deal alive during the period (created before its end, not closed before its start, not
# voided): only those can have been in a stage during it. Driven from the deals, each half one range of the covering
# deals_open_at_end index (the open ones, then those closed since the start), with one probe of stage_history_at_end
# per deal: the work follows the period's deals, not the history. (Joined the other way, the planner scanned every
# history row ever written; computing the stays with a window function then cost a sort of all of them in SQLite,
# ~100 ms at 200 reps, where sorting each deal's few rows below costs a few.)
_HISTORY = """SELECT a.id, h.at, h.id, h.to_stage, a.rep_id FROM (
    SELECT d.id, d.rep_id FROM deals d
    WHERE d.closed_at IS NULL AND d.created_at < :e AND d.voided_at IS NULL{flt}
    UNION ALL
    SELECT d.id, d.rep_id FROM deals d
    WHERE d.closed_at >= :s AND d.created_at < :e AND d.voided_at IS NULL{flt}
) a CROSS JOIN stage_history h ON h.deal_id = a.id"""


def funnel_counts(
    store: Store, *, start_ts: int, end_ts: int, stale_before: int, team: str | None = None
) -> FunnelCounts:
    """The stage cohorts and ended stays of ``[start_ts, end_ts)`` per rep, and each rep's open deals last updated
    before ``stale_before``, of one team (or everyone)."""
    flt = " AND d.rep_id IN (SELECT id FROM reps WHERE team = :team COLLATE NOCASE)" if team is not None else ""
    params: dict[str, Any] = {"s": start_ts, "e": end_ts}
    if team is not None:
        params["team"] = team
    with store.read() as conn:
        stages = conn.execute("SELECT name, position, is_open FROM stages ORDER BY position").fetchall()
        # ~20k rows at 200 reps: plain tuples (not the connection's Row objects), each kept whole in its deal's list.
        cursor = conn.cursor()
        cursor.row_factory = None
        histories: dict[int, list[tuple[int, int, int, str, int]]] = defaultdict(list)
        for row in cursor.execute(_HISTORY.format(flt=flt), params):
            histories[row[0]].append(row)
        # From the open stages to their deals (deals_rep_stage): the open deals only. Joined from deals, the planner
        # read every deal ever made and its row for updated_at (~200 ms at 200 reps).
        stale_rows = conn.execute(
            f"""SELECT d.rep_id, r.name, count(*), sum(d.amount), min(d.updated_at)
                FROM stages s CROSS JOIN deals d ON d.stage = s.name JOIN reps r ON r.id = d.rep_id
                WHERE s.is_open = 1 AND d.voided_at IS NULL AND d.updated_at < :cutoff{flt}
                GROUP BY d.rep_id ORDER BY count(*) DESC, r.name""",
            {"cutoff": stale_before, **({"team": team} if team is not None else {})},
        ).fetchall()
        rep_names = {r[0]: r[1] for r in conn.execute("SELECT id, name FROM reps")}
    position = {r["name"]: r["position"] for r in stages}
    open_position = {r["name"]: r["position"] for r in stages if r["is_open"]}
    cohorts, ended = _stays(histories, position, open_position, start_ts, end_ts)
    return FunnelCounts(
        open_stages=tuple(r["name"] for r in stages if r["is_open"]),
        cohorts=cohorts,
        ended=ended,
        stale=tuple(StaleDeals(r[0], r[1], r[2], r[3] or 0, r[4]) for r in stale_rows),
        rep_names=rep_names,
    )


def _stays(
    histories: dict[int, list[tuple[int, int, int, str, int]]],
    position: dict[str, int],
    open_position: dict[str, int],
    start_ts: int,
    end_ts: int,
) -> tuple[tuple[StageCohort, ...], dict[tuple[int, str], list[float]]]:
    """The cohorts and the days of the ended stays, from each deal's history rows (deal id, at, id, to_stage, rep id).

    A stay begins at a history row and ends at the deal's next one in (at, id) order. It is in the cohort of its
    stage when that stage is open and the stay overlaps ``[start_ts, end_ts)``; it counts as advanced when a later row
    of the deal (by at, then id) reaches a stage further on than lost. A stay of an open stage that ended in the
    period gives its length in days, under (rep id, stage). Cohorts come in (stage position, rep id) order."""
    nowhere = float("-inf")
    # The position a later row counts for: lost, and a stage no longer configured, reach nowhere.
    reach = {name: p for name, p in position.items() if name != "lost"}
    members: dict[tuple[str, int], set[int]] = defaultdict(set)
    advanced: dict[tuple[str, int], set[int]] = defaultdict(set)
    ended: dict[tuple[int, str], list[float]] = defaultdict(list)
    for deal_id, rows in histories.items():
        if len(rows) > 1:
            rows.sort()
        # From the last row back: the furthest stage any later row reaches, and when the stay of each row ended.
        best = nowhere
        left: int | None = None
        for row in reversed(rows):
            _deal, entered, _row_id, stage, rep_id = row
            here = open_position.get(stage)
            if here is not None:
                if entered < end_ts and (left is None or left >= start_ts):
                    key = (stage, rep_id)
                    members[key].add(deal_id)
                    if best > here:
                        advanced[key].add(deal_id)
                if left is not None and start_ts <= left < end_ts:
                    ended[(rep_id, stage)].append((left - entered) / 86400.0)
            reached = reach.get(stage, nowhere)
            if reached > best:
                best = reached
            left = entered
    keys = sorted(members, key=lambda k: (open_position[k[0]], k[1]))
    cohorts = tuple(StageCohort(key[0], key[1], len(members[key]), len(advanced[key])) for key in keys)
    return cohorts, ended

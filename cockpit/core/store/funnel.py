"""Reads of the funnel: each deal's stays in the open stages during a period, and the open deals left stale.

The aggregation runs in SQL (GROUP BY, window functions); :mod:`cockpit.core.analysis` takes medians and ratios.
Times in epoch seconds, periods as ``[start_ts, end_ts)``, money in minor units.
"""

from __future__ import annotations

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
class EndedStay:
    """One stay of a rep's deal in an open stage that ended in the period, and how long it lasted."""

    stage: str
    rep_id: int
    days: float


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
    ended: tuple[EndedStay, ...]
    stale: tuple[StaleDeals, ...]  # most stale deals first, then by rep name
    rep_names: dict[int, str]


# Each stay of a deal in a stage: entered at a history row, left at the deal's next one. Computed once per call
# (MATERIALIZED: the window sort is the cost) and read twice: the cohort of each open stage during the period, and
# the stays that ended in it (for the median days).
_STAYS = """stays AS MATERIALIZED (
    SELECT h.id, h.deal_id, d.rep_id, h.to_stage AS stage, h.at AS entered,
           lead(h.at) OVER (PARTITION BY h.deal_id ORDER BY h.at, h.id) AS left_at
    FROM stage_history h JOIN deals d ON d.id = h.deal_id
    -- Only deals alive during the period can have been in a stage during it (keeps the window sort small).
    WHERE d.voided_at IS NULL AND d.created_at < :e AND (d.closed_at IS NULL OR d.closed_at >= :s){flt}),
  st AS (SELECT name, position FROM stages WHERE is_open = 1)"""


def funnel_counts(
    store: Store, *, start_ts: int, end_ts: int, stale_before: int, team: str | None = None
) -> FunnelCounts:
    """The stage cohorts and ended stays of ``[start_ts, end_ts)`` per rep, and each rep's open deals last updated
    before ``stale_before``, of one team (or everyone)."""
    flt = " AND d.rep_id IN (SELECT id FROM reps WHERE team = :team COLLATE NOCASE)" if team is not None else ""
    params: dict[str, Any] = {"s": start_ts, "e": end_ts}
    if team is not None:
        params["team"] = team
    stays = _STAYS.format(flt=flt)
    with store.read() as conn:
        stages = conn.execute("SELECT name, position, is_open FROM stages ORDER BY position").fetchall()
        rows = conn.execute(
            f"""WITH {stays},
              cohort AS (SELECT s.*, st.position FROM stays s JOIN st ON st.name = s.stage
                         WHERE s.entered < :e AND (s.left_at IS NULL OR s.left_at >= :s))
            SELECT 'cohort', c.stage, c.rep_id, count(DISTINCT c.deal_id),
              count(DISTINCT CASE WHEN EXISTS (
                  SELECT 1 FROM stage_history h2 JOIN stages s2 ON s2.name = h2.to_stage
                  WHERE h2.deal_id = c.deal_id AND s2.position > c.position AND h2.to_stage != 'lost'
                    AND (h2.at > c.entered OR (h2.at = c.entered AND h2.id > c.id)))
                THEN c.deal_id END)
            FROM cohort c GROUP BY c.stage, c.rep_id
            UNION ALL
            SELECT 'ended', stage, rep_id, (left_at - entered) / 86400.0, NULL FROM stays
            WHERE left_at >= :s AND left_at < :e AND stage IN (SELECT name FROM st)""",
            params,
        ).fetchall()
        stale_rows = conn.execute(
            f"""SELECT d.rep_id, r.name, count(*), sum(d.amount), min(d.updated_at)
                FROM deals d JOIN reps r ON r.id = d.rep_id JOIN stages s ON s.name = d.stage AND s.is_open = 1
                WHERE d.voided_at IS NULL AND d.updated_at < :cutoff{flt}
                GROUP BY d.rep_id ORDER BY count(*) DESC, r.name""",
            {"cutoff": stale_before, **({"team": team} if team is not None else {})},
        ).fetchall()
        rep_names = {r[0]: r[1] for r in conn.execute("SELECT id, name FROM reps")}
    return FunnelCounts(
        open_stages=tuple(r["name"] for r in stages if r["is_open"]),
        cohorts=tuple(StageCohort(r[1], r[2], r[3], r[4]) for r in rows if r[0] == "cohort"),
        ended=tuple(EndedStay(r[1], r[2], r[3]) for r in rows if r[0] != "cohort"),
        stale=tuple(StaleDeals(r[0], r[1], r[2], r[3] or 0, r[4]) for r in stale_rows),
        rep_names=rep_names,
    )

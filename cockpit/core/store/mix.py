"""Reads of where revenue comes from: deals counted by channel (their source) or by their account's segment.

The aggregation runs in SQL (GROUP BY); :mod:`cockpit.core.analysis` divides. Money in minor units, times in epoch
seconds, periods as ``[start_ts, end_ts)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cockpit.core.store import Store

#: How deals are grouped: the key (trimmed, case-insensitive) and the label shown for it (the first spelling).
_GROUPINGS = {
    "channel": ("lower(trim(d.source))", "trim(d.source)"),
    "segment": ("lower(trim(coalesce(a.segment, '')))", "trim(coalesce(a.segment, ''))"),
}


@dataclass(frozen=True)
class MixCounts:
    """One channel or segment in one period: deals qualified in it (and of those, won now), deals won in it, their
    revenue and distinct customers."""

    key: str
    label: str
    opportunities: int
    opp_won: int
    won: int
    revenue: int
    customers: int


@dataclass(frozen=True)
class DealMix:
    """Counts per key, new customers per key (an account's first won deal ever closed in the period, credited to that
    deal), and, for channels when asked, the costs per channel key as (label, {YYYY-MM: amount})."""

    counts: dict[str, MixCounts]
    new_customers: dict[str, int]
    costs: dict[str, tuple[str, dict[str, int]]]


def deal_mix(
    store: Store,
    *,
    by: Literal["channel", "segment"],
    start_ts: int,
    end_ts: int,
    team: str | None = None,
    cost_months: Sequence[str] | None = None,
) -> DealMix:
    """Live deals of one team (or everyone) grouped ``by`` channel or segment over ``[start_ts, end_ts)``, in one read
    transaction; with ``cost_months`` (``YYYY-MM``), also those months' costs summed per channel and month (blank
    channels left out), for the caller to prorate into the period."""
    key_sql, label_sql = _GROUPINGS[by]
    flt = " AND d.rep_id IN (SELECT id FROM reps WHERE team = :team COLLATE NOCASE)" if team is not None else ""
    params: dict[str, Any] = {"s": start_ts, "e": end_ts, **({"team": team} if team is not None else {})}
    with store.read() as conn:
        main = conn.execute(
            f"""SELECT {key_sql} AS k, min({label_sql}) AS label,
                  sum(d.qualified_at >= :s AND d.qualified_at < :e) AS opportunities,
                  sum(d.qualified_at >= :s AND d.qualified_at < :e AND d.stage = 'won') AS opp_won,
                  sum(d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e) AS won,
                  sum(CASE WHEN d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e THEN d.amount END)
                    AS revenue,
                  count(DISTINCT CASE WHEN d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e
                    THEN d.account_id END) AS customers
                FROM deals d LEFT JOIN accounts a ON a.id = d.account_id
                WHERE d.voided_at IS NULL AND ((d.qualified_at >= :s AND d.qualified_at < :e)
                   OR (d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e)){flt}
                GROUP BY k""",
            params,
        ).fetchall()
        # New customers: the account's first won deal ever closes in the period; credited to that deal (lowest id
        # on a tie) so that an account counts once. Read from the period's wins (deals_closed), each account checked
        # for an earlier win (deals_account): the first win of every account ever, grouped, cost ~90 ms a call at
        # 200 reps and grew with the history.
        new = conn.execute(
            f"""WITH first AS (
                  SELECT w.account_id, min(w.closed_at) AS first_at FROM deals w
                  WHERE w.stage = 'won' AND w.closed_at >= :s AND w.closed_at < :e AND w.voided_at IS NULL
                    AND w.account_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM deals p WHERE p.account_id = w.account_id AND p.stage = 'won'
                                    AND p.closed_at < :s AND p.voided_at IS NULL)
                  GROUP BY w.account_id),
                deal AS (SELECT (SELECT d2.id FROM deals d2 WHERE d2.account_id = f.account_id AND d2.stage = 'won'
                    AND d2.voided_at IS NULL AND d2.closed_at = f.first_at ORDER BY d2.id LIMIT 1) AS id FROM first f)
                SELECT {key_sql} AS k, count(*) FROM deal x JOIN deals d ON d.id = x.id
                LEFT JOIN accounts a ON a.id = d.account_id
                WHERE 1 = 1{flt} GROUP BY k""",
            params,
        ).fetchall()
        costs: dict[str, tuple[str, dict[str, int]]] = {}
        if cost_months is not None:
            marks = ",".join("?" * len(cost_months))
            for key, label, month, amount in conn.execute(
                f"""SELECT lower(trim(channel)), min(trim(channel)), month, sum(amount) FROM costs
                    WHERE month IN ({marks}) AND trim(channel) != ''
                    GROUP BY lower(trim(channel)), month ORDER BY 1, 3""",
                list(cost_months),
            ):
                first_label, months = costs.setdefault(key, (label, {}))
                costs[key] = (min(first_label, label), months)
                months[month] = amount
    counts = {
        r["k"]: MixCounts(
            key=r["k"],
            label=r["label"],
            opportunities=r["opportunities"] or 0,
            opp_won=r["opp_won"] or 0,
            won=r["won"] or 0,
            revenue=r["revenue"] or 0,
            customers=r["customers"],
        )
        for r in main
    }
    return DealMix(counts, {r[0]: r[1] for r in new}, costs)

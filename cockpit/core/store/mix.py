"""Reads of where revenue comes from: deals counted by channel (their source) or by their account's segment.

SQL picks the period's deals with their keys and flags; they are summed per key here, for both groupings from one
read; :mod:`cockpit.core.analysis` divides. Money in minor units, times in epoch
seconds, periods as ``[start_ts, end_ts)``.
"""

from __future__ import annotations

from collections import Counter
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
    return deal_mixes(store, start_ts=start_ts, end_ts=end_ts, team=team, cost_months=cost_months)[by]


def deal_mixes(
    store: Store,
    *,
    start_ts: int,
    end_ts: int,
    team: str | None = None,
    cost_months: Sequence[str] | None = None,
) -> dict[str, DealMix]:
    """:func:`deal_mix` by channel and by segment from one read of the period's deals (the report and the insights
    show both; each used to read the same deals again). ``cost_months`` adds the costs to the channels'."""
    flt = " AND d.rep_id IN (SELECT id FROM reps WHERE team = :team COLLATE NOCASE)" if team is not None else ""
    params: dict[str, Any] = {"s": start_ts, "e": end_ts, **({"team": team} if team is not None else {})}
    keys = ", ".join(f"{key} AS {by}_key, {label} AS {by}_label" for by, (key, label) in _GROUPINGS.items())
    with store.read() as conn:
        cursor = conn.cursor()
        cursor.row_factory = None
        # One row per deal qualified or won in the period, with its key and label under each grouping; the sums
        # below are the GROUP BY's (a NULL flag, as SQL's sum, counts nothing).
        deals = cursor.execute(
            f"""SELECT {keys},
                  d.qualified_at >= :s AND d.qualified_at < :e AS opportunity,
                  d.qualified_at >= :s AND d.qualified_at < :e AND d.stage = 'won' AS opp_won,
                  d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e AS won,
                  d.amount, d.account_id
                FROM deals d LEFT JOIN accounts a ON a.id = d.account_id
                WHERE d.voided_at IS NULL AND ((d.qualified_at >= :s AND d.qualified_at < :e)
                   OR (d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e)){flt}""",
            params,
        ).fetchall()
        # New customers: the account's first won deal ever closes in the period; credited to that deal (lowest id
        # on a tie) so that an account counts once. Read from the period's wins (deals_closed), each account checked
        # for an earlier win (deals_account): the first win of every account ever, grouped, cost ~90 ms a call at
        # 200 reps and grew with the history.
        new = cursor.execute(
            f"""WITH first AS (
                  SELECT w.account_id, min(w.closed_at) AS first_at FROM deals w
                  WHERE w.stage = 'won' AND w.closed_at >= :s AND w.closed_at < :e AND w.voided_at IS NULL
                    AND w.account_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM deals p WHERE p.account_id = w.account_id AND p.stage = 'won'
                                    AND p.closed_at < :s AND p.voided_at IS NULL)
                  GROUP BY w.account_id),
                deal AS (SELECT (SELECT d2.id FROM deals d2 WHERE d2.account_id = f.account_id AND d2.stage = 'won'
                    AND d2.voided_at IS NULL AND d2.closed_at = f.first_at ORDER BY d2.id LIMIT 1) AS id FROM first f)
                SELECT {keys} FROM deal x JOIN deals d ON d.id = x.id
                LEFT JOIN accounts a ON a.id = d.account_id
                WHERE 1 = 1{flt}""",
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
    out = {}
    for i, by in enumerate(_GROUPINGS):
        out[by] = DealMix(
            _counts(deals, i * 2),
            dict(Counter(row[i * 2] for row in new)),
            costs if by == "channel" else {},
        )
    return out


def _counts(deals: list[tuple[Any, ...]], at: int) -> dict[str, MixCounts]:
    """The deals grouped on the key in column ``at`` (its label in the next), as the GROUP BY did: the first label
    (min), flags summed, the won deals' amounts summed, their distinct accounts counted."""
    flags = len(_GROUPINGS) * 2  # the columns of the flags, after every grouping's key and label
    groups: dict[str, list[Any]] = {}
    for row in deals:
        key, label = row[at], row[at + 1]
        group = groups.get(key)
        if group is None:
            group = groups[key] = [label, 0, 0, 0, 0, set()]
        elif label < group[0]:
            group[0] = label
        opportunity, opp_won, won, amount, account = row[flags:]
        if opportunity:
            group[1] += 1
        if opp_won:
            group[2] += 1
        if won:
            group[3] += 1
            group[4] += amount
            if account is not None:
                group[5].add(account)
    return {
        key: MixCounts(key, label, opportunities, opp_won, won, revenue, len(accounts))
        for key, (label, opportunities, opp_won, won, revenue, accounts) in groups.items()
    }

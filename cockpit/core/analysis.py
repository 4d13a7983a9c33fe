"""Channels, segments and the funnel: where the revenue comes from and where deals stall.

* **Channels** group deals by their source (trimmed, case-insensitive) and **segments** by their account's segment:
  opportunities (qualified in the period), conversion (the share of those won now), won deals, revenue and customers
  (won in the period), average basket = revenue ÷ customers, new customers (first won deal ever, credited to that
  deal's channel or segment), and for channels CAC = the period's costs tagged with that channel (``costs.channel``
  equal to the source, case-insensitively) ÷ new customers, and basket ÷ CAC.
* **Funnel**: for each open stage, the deals that were in it at some moment of the period (entered before the end,
  left at or after the start, or never left), the share of them that has reached a later stage (not ``lost``) by
  now, and the median days spent in the stage over the stays that ended in the period. Team and per rep.
* **Stale deals**: open deals whose last update is older than ``stale_days`` before now, per rep.

All aggregation runs in SQL (GROUP BY; medians by window functions); Python divides. Money in minor units.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cockpit.core.kpi import ratio
from cockpit.core.periods import Period
from cockpit.core.store import Store

NO_VALUE = "(none)"  # the label of deals with no source, or no account segment


@dataclass(frozen=True)
class MixRow:
    """One channel or segment in one period. Money in minor units; ratios None when the denominator is 0."""

    name: str
    opportunities: int
    opp_won: int
    conversion_rate: float | None
    won: int
    revenue: int
    customers: int
    avg_basket: float | None
    new_customers: int
    cost: int | None  # None for segments: costs are tagged by channel only
    cac: float | None
    basket_to_cac: float | None

    def to_json(self, currency: str) -> dict[str, object]:
        from cockpit.core.report import to_major

        return {
            "name": self.name,
            "opportunities": self.opportunities,
            "conversion_rate": _round(self.conversion_rate),
            "won": self.won,
            "revenue": to_major(self.revenue, currency),
            "customers": self.customers,
            "avg_basket": to_major(self.avg_basket, currency),
            "new_customers": self.new_customers,
            "cost": to_major(self.cost, currency),
            "cac": to_major(self.cac, currency),
            "basket_to_cac": _round(self.basket_to_cac),
        }


def _team_clause(team: str | None) -> tuple[str, list[Any]]:
    if team is None:
        return "", []
    return " AND d.rep_id IN (SELECT id FROM reps WHERE team = ? COLLATE NOCASE)", [team]


def _mix(
    store: Store, period: Period, key_sql: str, label_sql: str, *, team: str | None, with_costs: bool
) -> list[MixRow]:
    s, e = period.start_ts, period.end_ts
    flt, fparams = _team_clause(team)
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
                   OR (d.stage = 'won' AND d.closed_at >= :s AND d.closed_at < :e)){flt.replace("?", ":team")}
                GROUP BY k""",
            {"s": s, "e": e, **({"team": fparams[0]} if fparams else {})},
        ).fetchall()
        # New customers: the account's first won deal ever closes in the period; credited to that deal (lowest id
        # on a tie) so that an account counts once.
        new = conn.execute(
            f"""WITH first AS (
                  SELECT account_id, min(closed_at) AS first_at FROM deals
                  WHERE stage = 'won' AND voided_at IS NULL AND account_id IS NOT NULL GROUP BY account_id
                  HAVING min(closed_at) >= :s AND min(closed_at) < :e),
                deal AS (SELECT (SELECT d2.id FROM deals d2 WHERE d2.account_id = f.account_id AND d2.stage = 'won'
                    AND d2.voided_at IS NULL AND d2.closed_at = f.first_at ORDER BY d2.id LIMIT 1) AS id FROM first f)
                SELECT {key_sql} AS k, count(*) FROM deal x JOIN deals d ON d.id = x.id
                LEFT JOIN accounts a ON a.id = d.account_id
                WHERE 1 = 1{flt.replace("?", ":team")} GROUP BY k""",
            {"s": s, "e": e, **({"team": fparams[0]} if fparams else {})},
        ).fetchall()
        costs: dict[str, tuple[str, int]] = {}
        if with_costs:
            months = period.months()
            marks = ",".join("?" * len(months))
            for row in conn.execute(
                f"""SELECT lower(trim(channel)), min(trim(channel)), sum(amount) FROM costs
                    WHERE month IN ({marks}) AND trim(channel) != '' GROUP BY lower(trim(channel))""",
                months,
            ):
                costs[row[0]] = (row[1], row[2])
    new_by_key = {r[0]: r[1] for r in new}
    found = {r["k"]: r for r in main}
    keys = sorted(set(found) | set(costs) | set(new_by_key), key=lambda k: (k == "", k))
    out: list[MixRow] = []
    for k in keys:
        r = found.get(k)
        label = (r["label"] if r else costs[k][0] if k in costs else k) or NO_VALUE
        revenue = (r["revenue"] or 0) if r else 0
        customers = r["customers"] if r else 0
        opportunities = (r["opportunities"] or 0) if r else 0
        opp_won = (r["opp_won"] or 0) if r else 0
        new_customers = new_by_key.get(k, 0)
        basket = ratio(revenue, customers)
        cost = costs[k][1] if k in costs else (0 if with_costs else None)
        cac = ratio(cost, new_customers) if with_costs else None
        out.append(
            MixRow(
                name=label,
                opportunities=opportunities,
                opp_won=opp_won,
                conversion_rate=ratio(opp_won, opportunities),
                won=(r["won"] or 0) if r else 0,
                revenue=revenue,
                customers=customers,
                avg_basket=basket,
                new_customers=new_customers,
                cost=cost,
                cac=cac,
                basket_to_cac=ratio(basket, cac),
            )
        )
    out.sort(key=lambda m: (-m.revenue, -m.opportunities, m.name.casefold()))
    return out


def channels(store: Store, period: Period, *, team: str | None = None) -> list[MixRow]:
    """Deals by source/channel in ``period``, with CAC from the costs tagged with that channel."""
    return _mix(store, period, "lower(trim(d.source))", "trim(d.source)", team=team, with_costs=True)


def segments(store: Store, period: Period, *, team: str | None = None) -> list[MixRow]:
    """Deals by their account's segment in ``period`` (no CAC: costs are not tagged by segment)."""
    return _mix(
        store,
        period,
        "lower(trim(coalesce(a.segment, '')))",
        "trim(coalesce(a.segment, ''))",
        team=team,
        with_costs=False,
    )


@dataclass(frozen=True)
class FunnelStep:
    """One open stage of the funnel in one period."""

    stage: str
    next_stage: str
    deals: int  # deals in this stage at some moment of the period
    advanced: int  # of those, how many have reached a later stage (not lost) by now
    conversion: float | None
    median_days: float | None  # over the stays in this stage that ended in the period
    exits: int  # how many such stays

    def to_json(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "next": self.next_stage,
            "deals": self.deals,
            "advanced": self.advanced,
            "conversion": _round(self.conversion),
            "median_days": None if self.median_days is None else round(self.median_days, 2),
            "exits": self.exits,
        }


@dataclass(frozen=True)
class StaleRow:
    """A rep's open deals idle for longer than the stale threshold."""

    rep_id: int
    rep: str
    deals: int
    amount: int
    oldest_days: int

    def to_json(self, currency: str) -> dict[str, object]:
        from cockpit.core.report import to_major

        return {
            "rep": self.rep,
            "deals": self.deals,
            "amount": to_major(self.amount, currency),
            "oldest_days": self.oldest_days,
        }


@dataclass(frozen=True)
class Funnel:
    """The funnel of the team and of each rep, and stale deals per rep."""

    team: tuple[FunnelStep, ...]
    reps: dict[int, tuple[str, tuple[FunnelStep, ...]]]  # rep id -> (name, steps)
    stale: tuple[StaleRow, ...]
    stale_days: int

    def to_json(self, currency: str) -> dict[str, object]:
        return {
            "team": [s.to_json() for s in self.team],
            "reps": [
                {"rep": name, "stages": [s.to_json() for s in steps]}
                for name, steps in sorted(self.reps.values(), key=lambda v: v[0].casefold())
            ],
            "stale_days": self.stale_days,
            "stale": [s.to_json(currency) for s in self.stale],
        }


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


def funnel(store: Store, period: Period, *, now: int, stale_days: int = 14, team: str | None = None) -> Funnel:
    """Stage-to-stage conversion and median days per stage for the team and each rep; stale deals per rep.

    A deal belongs to one rep (its owner), so the team's cohort counts are the sums of the reps'; the medians are
    taken over the team's stays and each rep's in Python."""
    flt, fparams = _team_clause(team)
    params: dict[str, Any] = {"s": period.start_ts, "e": period.end_ts}
    if fparams:
        params["team"] = fparams[0]
    stays = _STAYS.format(flt=flt.replace("?", ":team"))
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
        cutoff = now - stale_days * 86400
        stale_rows = conn.execute(
            f"""SELECT d.rep_id, r.name, count(*), sum(d.amount), min(d.updated_at)
                FROM deals d JOIN reps r ON r.id = d.rep_id JOIN stages s ON s.name = d.stage AND s.is_open = 1
                WHERE d.voided_at IS NULL AND d.updated_at < :cutoff{flt.replace("?", ":team")}
                GROUP BY d.rep_id ORDER BY count(*) DESC, r.name""",
            {"cutoff": cutoff, **({"team": fparams[0]} if fparams else {})},
        ).fetchall()
        rep_names = {r[0]: r[1] for r in conn.execute("SELECT id, name FROM reps")}
    open_stages = [r["name"] for r in stages if r["is_open"]]
    after = {name: (open_stages[i + 1] if i + 1 < len(open_stages) else "won") for i, name in enumerate(open_stages)}

    # Per rep, then per stage: the cohort (deals, advanced) and the days of the stays that ended in the period.
    counts: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    days: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for kind, stage, rep_id, first, second in rows:
        if kind == "cohort":
            counts[rep_id][stage] = (first, second)
        else:
            days[rep_id][stage].append(first)

    def steps(rep_ids: Iterable[int]) -> tuple[FunnelStep, ...]:
        """The funnel over the stays of ``rep_ids`` (the team: every rep with a stay)."""
        chosen = list(rep_ids)
        out = []
        for name in open_stages:
            deals = sum(counts[r][name][0] for r in chosen if name in counts.get(r, {}))
            advanced = sum(counts[r][name][1] for r in chosen if name in counts.get(r, {}))
            spent = [d for r in chosen if r in days for d in days[r].get(name, ())]
            out.append(
                FunnelStep(
                    stage=name,
                    next_stage=after[name],
                    deals=deals,
                    advanced=advanced,
                    conversion=ratio(advanced, deals),
                    median_days=statistics.median(spent) if spent else None,
                    exits=len(spent),
                )
            )
        return tuple(out)

    rep_ids = sorted(set(counts) | set(days))
    reps = {rid: (rep_names.get(rid, str(rid)), steps([rid])) for rid in rep_ids}
    stale = tuple(
        StaleRow(rep_id=r[0], rep=r[1], deals=r[2], amount=r[3] or 0, oldest_days=(now - r[4]) // 86400)
        for r in stale_rows
    )
    return Funnel(team=steps(rep_ids), reps=reps, stale=stale, stale_days=stale_days)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

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

All counting runs in the store (:mod:`cockpit.core.store.mix`: GROUP BY; :mod:`cockpit.core.store.funnel`: the
stays of the period's deals); this module divides and takes medians. Money in minor units.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cockpit.core.kpi import cost_in, ratio
from cockpit.core.periods import Period, month_shares
from cockpit.core.report import to_major
from cockpit.core.store import Store
from cockpit.core.store.funnel import funnel_counts
from cockpit.core.store.mix import DealMix, deal_mixes

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


def _mix(store: Store, period: Period, by: Literal["channel", "segment"], *, team: str | None) -> list[MixRow]:
    return _rows(period, _read(store, period, team)[by], with_costs=by == "channel")


def _read(store: Store, period: Period, team: str | None) -> dict[str, DealMix]:
    months = [share.month for share in month_shares(period)]
    return deal_mixes(store, start_ts=period.start_ts, end_ts=period.end_ts, team=team, cost_months=months)


def _rows(period: Period, mix: DealMix, *, with_costs: bool) -> list[MixRow]:
    found, costs, new_by_key = mix.counts, mix.costs, mix.new_customers
    keys = sorted(set(found) | set(costs) | set(new_by_key), key=lambda k: (k == "", k))
    out: list[MixRow] = []
    for k in keys:
        r = found.get(k)
        label = (r.label if r else costs[k][0] if k in costs else k) or NO_VALUE
        revenue = r.revenue if r else 0
        customers = r.customers if r else 0
        opportunities = r.opportunities if r else 0
        opp_won = r.opp_won if r else 0
        new_customers = new_by_key.get(k, 0)
        basket = ratio(revenue, customers)
        # A channel's monthly costs are prorated into the period by calendar days, as the KPI strip's cost is.
        cost = cost_in(period, costs[k][1]) if k in costs else (0 if with_costs else None)
        cac = ratio(cost, new_customers) if with_costs else None
        out.append(
            MixRow(
                name=label,
                opportunities=opportunities,
                opp_won=opp_won,
                conversion_rate=ratio(opp_won, opportunities),
                won=r.won if r else 0,
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
    return _mix(store, period, "channel", team=team)


def segments(store: Store, period: Period, *, team: str | None = None) -> list[MixRow]:
    """Deals by their account's segment in ``period`` (no CAC: costs are not tagged by segment)."""
    return _mix(store, period, "segment", team=team)


def channels_and_segments(
    store: Store, period: Period, *, team: str | None = None
) -> tuple[list[MixRow], list[MixRow]]:
    """:func:`channels` and :func:`segments` from one read of the period's deals."""
    mixes = _read(store, period, team)
    return _rows(period, mixes["channel"], with_costs=True), _rows(period, mixes["segment"], with_costs=False)


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
            "median_days": _round(self.median_days),
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


def funnel(store: Store, period: Period, *, now: int, stale_days: int = 14, team: str | None = None) -> Funnel:
    """Stage-to-stage conversion and median days per stage for the team and each rep; stale deals per rep.

    A deal belongs to one rep (its owner), so the team's cohort counts are the sums of the reps'; the medians are
    taken over the team's stays and each rep's in Python."""
    found = funnel_counts(
        store, start_ts=period.start_ts, end_ts=period.end_ts, stale_before=now - stale_days * 86400, team=team
    )
    open_stages = list(found.open_stages)
    after = {name: (open_stages[i + 1] if i + 1 < len(open_stages) else "won") for i, name in enumerate(open_stages)}

    # Per rep, then per stage: the cohort (deals, advanced) and the days of the stays that ended in the period.
    counts: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    days: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for cohort in found.cohorts:
        counts[cohort.rep_id][cohort.stage] = (cohort.deals, cohort.advanced)
    for (rep_id, stage), spent in found.ended.items():
        days[rep_id][stage].extend(spent)

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
    reps = {rid: (found.rep_names.get(rid, str(rid)), steps([rid])) for rid in rep_ids}
    stale = tuple(
        StaleRow(
            rep_id=r.rep_id, rep=r.rep, deals=r.deals, amount=r.amount, oldest_days=(now - r.oldest_update) // 86400
        )
        for r in found.stale
    )
    return Funnel(team=steps(rep_ids), reps=reps, stale=stale, stale_days=stale_days)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

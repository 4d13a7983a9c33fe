"""Targets: pace against quota in business days, and the plan that closes the gap.

Pace answers "where will we end at this rate?": attainment so far scaled by total ÷ elapsed business days (weekdays
that are not configured holidays, counted with pendulum in the period's time zone). The day in progress counts as
elapsed, because what was sold today is already in the revenue. A period that is over is complete (elapsed = total).

The plan answers "what does it take?": from a scope's own average basket, conversion rate and calls per opportunity
over a trailing window of completed periods, how many more customers, opportunities and calls reach the quota. Every
count is rounded up (a ceiling: 3.2 customers means 4). A rate the scope cannot measure falls back to the team's and
the plan says which. Money stays in integer minor units here; ``to_json`` converts.

A plan always aims at a day still ahead: the period's last day while it runs (today on its last day). Once the period
is over there is nothing left to plan: the plan says so, and by how much the quota was missed or beaten.

The quota is the dashboard's: a period holding part of a month has that month's quota in proportion to its business
days (:class:`cockpit.core.kpi.MonthlyMoney`), the same days the pace counts, so give the dashboard the same holidays.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pendulum

from cockpit.core.errors import ConfigError
from cockpit.core.kpi import Dashboard, KpiRow, period_rows
from cockpit.core.parse import format_money
from cockpit.core.periods import Period, business_days, parse_holidays, parse_period
from cockpit.core.report import to_major
from cockpit.core.store import Store

#: Completed periods of the same kind the plan's rates are measured over.
DEFAULT_WINDOW = 3
#: The rates the plan needs, in the order the plan uses them.
PLAN_RATES = ("avg_basket", "conversion_rate", "calls_per_opportunity")


def _local_day(now: pendulum.DateTime | int, period: Period) -> _dt.date:
    zone = period.start.timezone
    if isinstance(now, int) and not isinstance(now, bool):
        return pendulum.from_timestamp(now, tz=zone).date()
    return pendulum.instance(now).in_timezone(zone).date()


@dataclass(frozen=True)
class Pace:
    """Quota, revenue so far and the attainment expected at period end at the current rate. Money in minor units."""

    quota: int
    revenue: int
    attainment: float | None
    gap: int  # what is still missing to reach quota (0 once reached)
    days_elapsed: int
    days_remaining: int
    days_total: int
    pace: float | None  # None when there is no quota or no business day has elapsed
    complete: bool

    def to_json(self, currency: str) -> dict[str, object]:

        return {
            "quota": to_major(self.quota, currency),
            "revenue": to_major(self.revenue, currency),
            "attainment": _round(self.attainment),
            "gap": to_major(self.gap, currency),
            "business_days_elapsed": self.days_elapsed,
            "business_days_remaining": self.days_remaining,
            "business_days_total": self.days_total,
            "pace": _round(self.pace),
            "complete": self.complete,
        }


def pace(
    row_revenue: int,
    quota: int,
    period: Period,
    now: pendulum.DateTime | int,
    holidays: Iterable[str] | frozenset[_dt.date] = (),
) -> Pace:
    """Pace of one scope in ``period`` at moment ``now`` (a DateTime or Unix seconds)."""
    days = holidays if isinstance(holidays, frozenset) else parse_holidays(holidays)
    first, last = period.first_day, period.last_day
    total = business_days(first, last, days)
    today = _local_day(now, period)
    complete = today > last
    elapsed = total if complete else business_days(first, min(today, last), days)
    revenue, quota = int(row_revenue or 0), int(quota or 0)
    attainment = revenue / quota if quota else None
    projected = attainment * total / elapsed if attainment is not None and elapsed else None
    return Pace(
        quota=quota,
        revenue=revenue,
        attainment=attainment,
        gap=max(quota - revenue, 0),
        days_elapsed=elapsed,
        days_remaining=total - elapsed,
        days_total=total,
        pace=projected,
        complete=complete,
    )


@dataclass(frozen=True)
class Rates:
    """The three rates a plan needs (avg_basket in minor units); None where unknown."""

    avg_basket: float | None
    conversion_rate: float | None
    calls_per_opportunity: float | None

    @classmethod
    def of(cls, row: KpiRow) -> Rates:
        return cls(row["avg_basket"], row["conversion_rate"], row["calls_per_opportunity"])


@dataclass(frozen=True)
class Plan:
    """What it takes to close the gap by ``by``: more customers ≈ opportunities ≈ calls. Money in minor units.

    ``over``: the period has ended, there is no day left to aim at (``by`` and the counts are None) and the message
    says by how much the quota was missed or beaten."""

    gap: int
    by: _dt.date | None
    window: str  # label of the trailing window the rates come from
    avg_basket: float | None
    conversion_rate: float | None
    calls_per_opportunity: float | None
    fallback: tuple[str, ...]  # rates unknown for the scope, taken from the team
    unknown: tuple[str, ...]  # rates unknown for the team too
    customers: int | None
    opportunities: int | None
    calls: int | None
    message: str
    over: bool = False

    def to_json(self, currency: str) -> dict[str, object]:

        return {
            "gap": to_major(self.gap, currency),
            "by": None if self.by is None else self.by.isoformat(),
            "over": self.over,
            "window": self.window,
            "avg_basket": to_major(self.avg_basket, currency),
            "conversion_rate": _round(self.conversion_rate),
            "calls_per_opportunity": _round(self.calls_per_opportunity),
            "fallback": list(self.fallback),
            "unknown": list(self.unknown),
            "customers": self.customers,
            "opportunities": self.opportunities,
            "calls": self.calls,
            "message": self.message,
        }


_RATE_WORDS = {
    "avg_basket": "average basket",
    "conversion_rate": "conversion rate",
    "calls_per_opportunity": "calls per opportunity",
}


def plan(
    gap: int,
    own: Rates,
    team: Rates | None,
    *,
    by: _dt.date,
    window: str = "",
    currency: str = "USD",
    quota_set: bool = True,
    today: _dt.date | None = None,
    margin: int | None = None,
) -> Plan:
    """The plan to close ``gap`` (minor units) by ``by`` (the period's last day) from the scope's own rates, falling
    back to the team's.

    With no quota for the period (``quota_set`` false) the gap is 0 and there is nothing to plan: the message says
    so instead of "Quota reached.". ``today`` is the local day now: once it is past ``by`` the period is over, and
    a plan pointing at a past date would be nonsense ("$253.3k to go by 30 Nov" read on 6 December): the plan is
    ``over``, with no date and no counts, and the message says by how much the quota was missed or beaten
    (``margin``: revenue - quota; -gap when not given)."""
    chosen: dict[str, float | None] = {}
    fallback: list[str] = []
    unknown: list[str] = []
    for name in PLAN_RATES:
        value = getattr(own, name)
        # A zero basket or conversion cannot plan anything (it would divide by zero): treat it as unknown.
        if not value:
            team_value = getattr(team, name) if team is not None else None
            if team_value:
                fallback.append(name)
                value = team_value
            else:
                unknown.append(name)
                value = None
        chosen[name] = value
    basket, conversion, cpo = chosen["avg_basket"], chosen["conversion_rate"], chosen["calls_per_opportunity"]
    over = today is not None and today > by
    customers: int | None
    opportunities: int | None
    calls: int | None
    if over:
        customers, opportunities, calls = None, None, None
    elif gap <= 0:
        customers, opportunities, calls = 0, 0, 0
    else:
        customers = math.ceil(gap / basket) if basket else None
        opportunities = math.ceil(customers / conversion) if customers is not None and conversion else None
        calls = math.ceil(opportunities * cpo) if opportunities is not None and cpo else None
    if over:
        message = _over_message(-gap if margin is None else margin, currency, quota_set)
    elif quota_set:
        message = _plan_message(gap, by, customers, opportunities, calls, fallback, unknown, currency, today)
    else:
        message = "No quota set."
    return Plan(
        gap=gap,
        by=None if over else by,
        window=window,
        avg_basket=basket,
        conversion_rate=conversion,
        calls_per_opportunity=cpo,
        fallback=tuple(fallback),
        unknown=tuple(unknown),
        customers=customers,
        opportunities=opportunities,
        calls=calls,
        message=message,
        over=over,
    )


def _over_message(margin: int, currency: str, quota_set: bool) -> str:
    """What a finished period says instead of a plan: it is over, and how it ended against its quota."""
    if not quota_set:
        return "Period over; no quota was set."
    if margin < 0:
        return f"Period over: missed quota by {format_money(-margin, currency, compact=True)}."
    if margin > 0:
        return f"Period over: beat quota by {format_money(margin, currency, compact=True)}."
    return "Period over: met quota exactly."


def _plan_message(
    gap: int,
    by: _dt.date,
    customers: int | None,
    opportunities: int | None,
    calls: int | None,
    fallback: list[str],
    unknown: list[str],
    currency: str,
    today: _dt.date | None = None,
) -> str:
    day = f"{by.day} {by.strftime('%b')}"
    if today == by:
        day = f"today ({day})"  # the last day: the plan aims at the end of the day in progress
    if gap <= 0:
        return "Quota reached."
    parts = []
    if customers is not None:
        parts.append(f"{customers} more {'customer' if customers == 1 else 'customers'}")
    if opportunities is not None:
        parts.append(f"{opportunities} {'opportunity' if opportunities == 1 else 'opportunities'}")
    if calls is not None:
        parts.append(f"{calls} {'call' if calls == 1 else 'calls'}")
    text = f"{format_money(gap, currency, compact=True)} to go"
    if parts:
        text += ": " + " ≈ ".join(parts)
    text += f" by {day}"
    if fallback:
        text += f" (team's {', '.join(_RATE_WORDS[n] for n in fallback)}: own unknown)"
    if unknown:
        text += f"; unknown {', '.join(_RATE_WORDS[n] for n in unknown)}"
    return text + "."


def trailing_window(period: Period, n: int = DEFAULT_WINDOW) -> Period:
    """The ``n`` periods before ``period`` (of its kind) as one custom range: completed history for the rates."""
    if n < 1:
        raise ConfigError(f"plan window must be at least 1 period, not {n}")
    oldest = period
    for _ in range(n):
        oldest = oldest.previous()
    last = period.previous().last_day
    return parse_period(
        f"{oldest.first_day.isoformat()}..{last.isoformat()}",
        tz=period.start.timezone_name,
        fiscal_start_month=period.fiscal_start_month,
    )


@dataclass(frozen=True)
class Targets:
    """Pace and plan for the team and each rep of one dashboard."""

    team_pace: Pace
    team_plan: Plan
    rep_pace: dict[int, Pace]
    rep_plan: dict[int, Plan]


def targets(
    store: Store,
    dash: Dashboard,
    *,
    now: pendulum.DateTime | int,
    holidays: Iterable[str] = (),
    window: int = DEFAULT_WINDOW,
    currency: str = "USD",
) -> Targets:
    """Pace and plan for the team and each rep; the rates come from the trailing window (one bucket)."""
    days = parse_holidays(holidays)
    span = trailing_window(dash.period, window)
    history_team, history_reps = period_rows(store, span, team=dash.team_filter, holidays=days)
    team_rates = Rates.of(history_team)
    by = dash.period.last_day
    today = _local_day(now, dash.period)
    label = span.label

    def one(row: KpiRow, own: Rates, fallback: Rates | None) -> tuple[Pace, Plan]:
        p = pace(row["revenue"] or 0, row["quota"] or 0, dash.period, now, days)
        return p, plan(
            p.gap,
            own,
            fallback,
            by=by,
            window=label,
            currency=currency,
            quota_set=p.quota > 0,
            today=today,
            margin=p.revenue - p.quota,
        )

    team_pace, team_plan = one(dash.team, team_rates, None)
    rep_pace: dict[int, Pace] = {}
    rep_plan: dict[int, Plan] = {}
    for row in dash.reps:
        past = history_reps.get(row.rep_id)
        own = Rates.of(past) if past is not None else Rates(None, None, None)
        rep_pace[row.rep_id], rep_plan[row.rep_id] = one(row, own, team_rates)
    return Targets(team_pace, team_plan, rep_pace, rep_plan)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

"""Generated teams for the verdict tests: dashboards whose every rep's month is stated (or drawn) by the test.

A dashboard is assembled as :func:`cockpit.core.kpi.dashboard` assembles it after its SQL: base measures per rep and
month through the real ``kpi.derive``, the team row summing the reps. The months are 2025-12 .. 2026-11 (12, the app's
trend); November 2026 is the period judged, over and done (its pace is complete) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pendulum

from cockpit.core.kpi import KPI_NAMES, Dashboard, KpiRow, derive
from cockpit.core.periods import last_n, parse_period
from cockpit.core.store import Store
from cockpit.core.targets import Pace, Targets, pace
from tests.support.insights_db import Clock, open_store, ts

MONTHS = tuple(last_n(parse_period("2026-11", tz="UTC"), 12))
#: Well after November: the period is complete.
AFTER = pendulum.datetime(2027, 1, 15, 12, tz="UTC")


@dataclass(frozen=True)
class Month:
    """What one rep did in one month: opportunities qualified, deals won (from them), and the won deals' amounts."""

    opportunities: int
    won: int
    revenue: int  # minor units

    def base(self) -> dict[str, int]:
        return {
            "opportunities": self.opportunities,
            "opp_won": self.won,
            "won": self.won,
            "lost": self.opportunities - self.won,
            "revenue": self.revenue,
            "customers": self.won,
        }


def steady(opportunities: int, conversion: float, deal: int, months: int = 12) -> list[Month]:
    """The same month repeated: ``opportunities`` a month, ``conversion`` of them won, each worth ``deal`` cents."""
    won = round(opportunities * conversion)
    return [Month(opportunities, won, won * deal)] * months


def build(
    per_rep: dict[str, Sequence[Month]],
    *,
    quota: int = 0,
    now: pendulum.DateTime = AFTER,
    inactive: Sequence[str] = (),
) -> tuple[Dashboard, Targets]:
    """A dashboard of 12 months (the last one judged) and the pace of its team and reps (team quota ``quota``)."""
    reps, trends, team_series = [], {}, [dict[str, int]() for _ in MONTHS]
    for rep_id, (name, months) in enumerate(per_rep.items(), start=1):
        assert len(months) == len(MONTHS)
        active = 0 if name in inactive else 1
        series = [derive({**m.base(), "reps": active}, scope="rep") for m in months]
        reps.append(KpiRow("rep", rep_id, name, "North", series[-1]))
        trends[rep_id] = {k: [s[k] for s in series] for k in KPI_NAMES}
        for i, m in enumerate(months):
            for k, v in m.base().items():
                team_series[i][k] = team_series[i].get(k, 0) + v
    active_count = sum(1 for n in per_rep if n not in inactive)
    team_rows = [
        derive({**b, "reps": active_count, "quota": quota if i == len(MONTHS) - 1 else 0}, scope="team")
        for i, b in enumerate(team_series)
    ]
    team = KpiRow("team", None, None, None, team_rows[-1])
    dash = Dashboard(
        period=MONTHS[-1],
        previous=MONTHS[-2],
        periods=MONTHS,
        team=team,
        previous_team=KpiRow("team", None, None, None, team_rows[-2]),
        reps=tuple(reps),
        previous_reps={},
        team_trend={k: [row[k] for row in team_rows] for k in KPI_NAMES},
        rep_trends=trends,
    )
    period = MONTHS[-1]
    team_pace = pace(int(team.values["revenue"] or 0), quota, period, now)
    rep_pace: dict[int, Pace] = {r.rep_id: pace(int(r.values["revenue"] or 0), 0, period, now) for r in reps}
    return dash, Targets(team_pace, None, rep_pace, {})  # type: ignore[arg-type]  # the verdict reads no plan


# ------------------------------------------------------------------------------------------------ random months


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's product of uniforms; the means here stay below 200)."""
    if lam <= 0:
        return 0
    if lam > 60:  # split to keep exp(-lam) well above the float's underflow
        half = lam / 2
        return poisson(rng, half) + poisson(rng, lam - half)
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def noisy_month(rng: random.Random, opportunities: float, conversion: float, deal: int, spread: float = 0.5) -> Month:
    """One month of pure noise around a steady mean: Poisson opportunities, binomial wins, log-normal deal amounts
    (``spread`` the log-sd) whose mean is ``deal``."""
    o = poisson(rng, opportunities)
    w = sum(1 for _ in range(o) if rng.random() < conversion)
    mu = math.log(deal) - spread * spread / 2
    revenue = sum(round(rng.lognormvariate(mu, spread)) for _ in range(w))
    return Month(o, w, revenue)


def noisy_team(
    rng: random.Random, reps: int, *, opportunities: tuple[float, float] = (15, 40), deal: tuple[int, int] = (2, 9)
) -> dict[str, list[Month]]:
    """``reps`` reps, each with their own steady mean (opportunities, conversion 20-45 %, deal $2k-9k), 12 noisy
    months around it."""
    out: dict[str, list[Month]] = {}
    for i in range(reps):
        lam = rng.uniform(*opportunities)
        conv = rng.uniform(0.2, 0.45)
        size = rng.randint(*deal) * 1000_00
        out[f"Rep {i:03d}"] = [noisy_month(rng, lam, conv, size) for _ in MONTHS]
    return out


# ---------------------------------------------------------------------------------------- a real database


DB_DEAL = 4_000_00
DB_MONTHS = tuple(p.label for p in MONTHS)  # 2025-12 .. 2026-11


def month_of_deals(store: Store, rep: int, month: str, opportunities: int, won: int) -> None:
    """``opportunities`` deals of $4,000 qualified in ``month`` (one a day from the 2nd), the first ``won`` of them
    won and the others lost two days later, in the same month."""
    for i in range(opportunities):
        day = dt.date.fromisoformat(f"{month}-01") + dt.timedelta(days=1 + i % 24)
        qualified = ts(day.isoformat(), 9 + i // 24)
        stage = "won" if i < won else "lost"
        store.add_deal(
            rep_id=rep,
            title=f"{month} #{i}",
            amount=DB_DEAL,
            stage=stage,
            created_at=qualified,
            qualified_at=qualified,
            closed_at=qualified + 2 * 86_400,
            lost_reason="price" if stage == "lost" else None,
        )


def drop_and_collapse_db(path: Path) -> tuple[Store, dict[str, int]]:
    """Seven reps in team North, 2025-12 .. 2026-11 (UTC). Six: 20 opportunities a month, 5 won; in November 12, 3
    won (-$8,000 each: volume). Ana Torres: 60 a month, 15 won; in November 60, 1 won (-$56,000: conversion).
    The team's November quota: $200,000. Returns the open store (its clock in January 2027) and the rep ids."""
    store = open_store(path, Clock(ts("2027-01-10")))
    reps = {name: store.add_rep(name, team="North") for name in ("Ana Torres", "Bo", "Cy", "Di", "Ed", "Fa", "Gil")}
    for name, rep in reps.items():
        for month in DB_MONTHS:
            last = month == DB_MONTHS[-1]
            if name == "Ana Torres":
                month_of_deals(store, rep, month, 60, 1 if last else 15)
            else:
                month_of_deals(store, rep, month, 12 if last else 20, 3 if last else 5)
    store.set_quota(month="2026-11", amount=200_000_00, team="North")
    return store, reps

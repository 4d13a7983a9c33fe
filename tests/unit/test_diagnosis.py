"""Diagnosis on crafted data: a team-wide drop, a single outlier rep, and noise that must not be flagged.

The dashboards are assembled from base measures with the real ``kpi.derive`` (what ``kpi.dashboard`` does after its
SQL), so each scenario states exactly what every rep did in every quarter.
"""

from __future__ import annotations

import pytest

from cockpit.core.diagnosis import diagnose, robust_z
from cockpit.core.kpi import KPI_NAMES, Dashboard, KpiRow, derive
from cockpit.core.periods import last_n, parse_period

QUARTERS = last_n(parse_period("2026-Q4", tz="UTC"), 5)  # 2025-Q4 .. 2026-Q4: four quarters of history, then now
NAMES = ["Ana", "Bo", "Cy", "Di", "Ed", "Fa"]

# An ordinary quarter of an ordinary rep: 4 won of 10 closed, 10 opportunities of which 4 won, 74 calls of which
# 70 on 10 deals (7.0 calls per opportunity), 40,000.00 revenue from 4 customers, quota 50,000.00.
BASE = {
    "won": 4,
    "lost": 6,
    "revenue": 40_000_00,
    "customers": 4,
    "opportunities": 10,
    "opp_won": 4,
    "calls": 74,
    "calls_linked": 70,
    "call_deals": 10,
    "win_calls": 20,
    "quota": 50_000_00,
}


def build(per_rep: dict[str, list[dict]]) -> Dashboard:
    """A dashboard whose reps had the given base measures in each of the five quarters (oldest first)."""
    reps, trends = [], {}
    for rep_id, name in enumerate(NAMES, start=1):
        series = [derive({**base, "reps": 1}, scope="rep") for base in per_rep[name]]
        reps.append(KpiRow("rep", rep_id, name, "North", series[-1]))
        trends[rep_id] = {k: [s[k] for s in series] for k in KPI_NAMES}
    team = KpiRow("team", None, None, None, derive({"reps": len(NAMES)}, scope="team"))
    return Dashboard(
        period=QUARTERS[-1],
        previous=QUARTERS[-2],
        periods=tuple(QUARTERS),
        team=team,
        previous_team=team,
        reps=tuple(reps),
        previous_reps={},
        team_trend={k: [None] * 5 for k in KPI_NAMES},
        rep_trends=trends,
    )


def steady(**changes) -> list[dict]:
    """Four ordinary quarters, then the current one with ``changes``."""
    return [dict(BASE)] * 4 + [{**BASE, **changes}]


def test_robust_z_by_hand() -> None:
    # Median 7.3; absolute deviations 4.2 0.3 0.1 0.1 0.2 0.5 -> MAD 0.25 -> scale 1.4826 * 0.25 = 0.37065.
    values = [3.1, 7.0, 7.2, 7.4, 7.5, 7.8]
    assert robust_z(3.1, values) == pytest.approx((3.1 - 7.3) / 0.37065)
    # MAD 0 (most values equal): mean absolute deviation 4 / 5 = 0.8 stands in, scaled by 1.2533.
    assert robust_z(9, [5, 5, 5, 5, 9]) == pytest.approx(4 / (1.2533 * 0.8))
    assert robust_z(5, [5, 5, 5]) == 0.0


def test_team_wide_drop_in_win_rate() -> None:
    # Every rep keeps winning 4 deals but loses 16 instead of 6: win rate 4/20 = 20% against 4/10 = 40% every
    # quarter before. Revenue, deal size and everything else stay put, so only the win rate moves.
    dash = build({name: steady(lost=16) for name in NAMES})
    signals = diagnose(dash, currency="USD")
    assert len(signals) == 1
    s = signals[0]
    assert (s.kpi, s.scope, s.rep, s.direction) == ("win_rate", "team", None, "down")
    assert s.value == pytest.approx(0.2) and s.baseline == pytest.approx(0.4)
    # Relative change -50%: score 2.5 * -0.5 / 0.2 = -6.25.
    assert s.score == pytest.approx(-6.25)
    assert s.message.startswith("Win rate fell team-wide: median 20% vs 40% over the last 4 quarters")
    assert "6 of 6 reps" in s.message and "offer" in s.message


def test_single_outlier_in_calls_per_opportunity() -> None:
    # Same 74 calls each, but Ana put only 31 of them on her 10 deals (3.1 a deal), every quarter including this one;
    # the others are at 7.0 .. 7.8 this quarter.
    linked = {"Ana": 31, "Bo": 70, "Cy": 72, "Di": 74, "Ed": 75, "Fa": 78}
    per_rep = {name: [{**BASE, "calls_linked": n}] * 4 + [{**BASE, "calls_linked": n}] for name, n in linked.items()}
    per_rep["Ana"] = [{**BASE, "calls_linked": 31}] * 5
    signals = diagnose(build(per_rep), currency="USD")
    assert [(s.kpi, s.scope, s.rep) for s in signals] == [("calls_per_opportunity", "rep", "Ana")]
    s = signals[0]
    # Team median (7.2 + 7.4) / 2 = 7.3; z = (3.1 - 7.3) / (1.4826 * 0.25) = -11.33.
    assert s.direction == "down" and s.value == pytest.approx(3.1) and s.baseline == pytest.approx(7.3)
    assert s.score == pytest.approx(-11.33, abs=0.01)
    assert s.message.startswith("Calls/opp: Ana 3.1 vs team median 7.3 — below every other rep")
    # Fewer calls per opportunity is better (LOWER_IS_BETTER): the wording asks rather than blames.
    assert "ask Ana what works" in s.message


def test_an_underperformer_is_told_to_talk_to() -> None:
    # Ana wins 2 of 20 this quarter (10%) against the others' 4 of 10 (40%), and against her own 40% before.
    # The team's spread is 0, so the binomial noise of 20 deals at 40% sets the scale: sqrt(0.4 * 0.6 / 20) = 0.1095,
    # z = (0.1 - 0.4) / 0.1095 = -2.74, past the 2.5 threshold. (1 of 10 would be z = -1.94: not flagged.)
    per_rep = {name: steady() for name in NAMES}
    per_rep["Ana"] = steady(won=2, lost=18)
    signals = diagnose(build(per_rep), currency="USD", kpis=("win_rate",))
    assert [(s.kpi, s.rep, s.direction) for s in signals] == [("win_rate", "Ana", "down")]
    assert signals[0].score == pytest.approx(-0.3 / (0.24 / 20) ** 0.5)
    msg = signals[0].message
    assert msg == "Win rate: Ana 10% vs team median 40% — below every other rep; own usual 40%; talk to Ana"


def test_noise_is_not_flagged() -> None:
    # Small wobbles around the usual quarter, and two extreme values on samples too small to mean anything.
    wobble = [
        {"won": 4, "lost": 7, "calls": 70, "calls_linked": 66, "revenue": 41_000_00},
        {"won": 5, "lost": 6, "opp_won": 5, "calls": 78, "calls_linked": 73, "revenue": 45_000_00, "customers": 5},
        {"won": 4, "lost": 5, "calls": 74, "calls_linked": 71, "revenue": 38_000_00},
        {"won": 4, "lost": 6, "calls": 71, "calls_linked": 68, "revenue": 42_000_00},
        {"won": 3, "lost": 6, "opp_won": 3, "calls": 76, "calls_linked": 72, "revenue": 36_000_00, "customers": 3},
    ]
    per_rep = {}
    for i, name in enumerate(NAMES):
        history = [{**BASE, **wobble[(i + q) % 5]} for q in range(4)]
        per_rep[name] = history + [{**BASE, **wobble[(i + 4) % 5]}]
    # Fa closed only 2 deals this quarter, both lost (0% win rate on 2 < 3 closed) and qualified only
    # 3 opportunities, all won (100% conversion on 3 < 5): too few to judge.
    per_rep["Fa"][-1] = {**BASE, "won": 0, "lost": 2, "opportunities": 3, "opp_won": 3, "revenue": 0, "customers": 0}
    signals = diagnose(build(per_rep), currency="USD", kpis=("win_rate", "conversion_rate", "calls_per_opportunity"))
    assert signals == []


def test_tight_team_small_gap_is_not_an_outlier() -> None:
    # Five reps at exactly 7.0 calls per opportunity and one at 7.5: the MAD is 0, so the robust z of 7.5 is large
    # ((7.5 - 7.0) / (1.2533 * 0.5 / 6) = 4.8), but 7% away from the median is below the 20% materiality floor.
    per_rep = {name: [dict(BASE)] * 5 for name in NAMES}
    per_rep["Fa"] = [{**BASE, "calls_linked": 75}] * 5
    assert robust_z(7.5, [7.0] * 5 + [7.5]) > 2.5
    assert diagnose(build(per_rep), kpis=("calls_per_opportunity",)) == []


def test_totals_are_projected_while_the_period_runs() -> None:
    # Halfway through the quarter every rep has 37 calls against 74 in full quarters before.
    dash = build({name: steady(calls=37, calls_linked=35, call_deals=5) for name in NAMES})
    # At 50% of the period that is on pace: nothing to say about calls.
    assert [s for s in diagnose(dash, kpis=("calls",), progress=0.5)] == []
    # Read as a finished quarter, calls halved team-wide.
    fell = diagnose(dash, kpis=("calls",))
    assert [(s.kpi, s.scope, s.direction) for s in fell] == [("calls", "team", "down")]


def test_conversion_of_a_young_cohort_is_not_compared_with_history() -> None:
    dash = build({name: steady(opp_won=1) for name in NAMES})
    assert diagnose(dash, kpis=("conversion_rate",), mature=False) == []
    assert [s.kpi for s in diagnose(dash, kpis=("conversion_rate",))] == ["conversion_rate"]


# ------------------------------------------------------------------------------- no contradictions between lines


def test_one_measurable_rep_is_not_a_team_wide_move() -> None:
    # Only Ana has enough customers (3+) to measure her average basket; it doubles. The median of one rep is hers:
    # the old "Avg basket rose team-wide (1 of 1 reps moved the same way)" must not be said.
    per_rep = {name: [{**BASE, "customers": 2}] * 5 for name in NAMES}
    per_rep["Ana"] = steady(revenue=80_000_00)
    signals = diagnose(build(per_rep), kpis=("avg_basket",))
    assert [s for s in signals if s.scope == "team"] == []
    assert not any("1 of 1" in s.message for s in signals)


def test_beside_a_team_wide_fall_a_rep_above_the_team_is_listed_only_if_she_held() -> None:
    # Every rep's win rate falls from 40% (4 of 10) to 20% (4 of 20). Fa, a big rep, closes 100 deals a quarter.
    fell = {name: steady(lost=16) for name in NAMES}
    # Fa held at 40% (40 of 100): far above a team at 20%, and news: she held while it fell.
    fell["Fa"] = [{**BASE, "won": 40, "lost": 60}] * 5
    signals = diagnose(build(fell), kpis=("win_rate",))
    assert [(s.scope, s.rep, s.direction) for s in signals] == [("team", None, "down"), ("rep", "Fa", "up")]
    assert signals[1].message.startswith("Win rate: Fa 40% vs team median 20% — above every other rep, holding")
    assert "holding while the team fell" in signals[1].message
    # Fa fell too, from 80% to 40%: still above the team, but she moved with it; "above every other rep" beside
    # "fell team-wide" would contradict it. Only the team line stays.
    fell["Fa"] = [{**BASE, "won": 80, "lost": 20}] * 4 + [{**BASE, "won": 40, "lost": 60}]
    signals = diagnose(build(fell), kpis=("win_rate",))
    assert [(s.scope, s.rep) for s in signals] == [("team", None)]


def test_revenue_is_not_compared_between_reps() -> None:
    # Ana always sells five times what the others sell: the size of her territory, not news.
    per_rep = {name: [dict(BASE)] * 5 for name in NAMES}
    per_rep["Ana"] = [{**BASE, "revenue": 200_000_00, "quota": 250_000_00}] * 5
    assert diagnose(build(per_rep), kpis=("revenue", "attainment")) == []


def test_problems_come_first_ranked_by_money_then_strengths() -> None:
    per_rep = {name: steady() for name in NAMES}
    # Ana wins none of 30 closed deals (40% usually): z = -0.4 / sqrt(0.24 / 30) = -4.5.
    per_rep["Ana"] = steady(won=0, lost=30)
    # Cy makes 30 calls against everyone's 74: calls have no money impact of their own.
    per_rep["Cy"] = steady(calls=30)
    # Bo needs 3.1 calls an opportunity against the others' 7.0: better (fewer is better), a strength.
    per_rep["Bo"] = steady(calls_linked=31)
    signals = diagnose(build(per_rep), kpis=("win_rate", "calls", "calls_per_opportunity"))
    assert [(s.kpi, s.rep, s.worse) for s in signals] == [
        ("win_rate", "Ana", True),
        ("calls", "Cy", True),
        ("calls_per_opportunity", "Bo", False),
    ]
    # Ana's win rate at 0% instead of the team's 40%, on her usual $40,000 a quarter: -$40,000.
    assert signals[0].impact == -40_000_00
    assert signals[1].impact == 0 and signals[2].impact == 0


def test_kpis_spoken_for_elsewhere_get_no_team_line_nor_a_mention_of_the_team() -> None:
    fell = {name: steady(lost=16) for name in NAMES}
    fell["Fa"] = [{**BASE, "won": 40, "lost": 60}] * 5
    signals = diagnose(build(fell), kpis=("win_rate",), team_wide=frozenset({"calls"}))
    assert [(s.scope, s.rep) for s in signals] == [("rep", "Fa")]
    assert "team fell" not in signals[0].message and "holding" not in signals[0].message

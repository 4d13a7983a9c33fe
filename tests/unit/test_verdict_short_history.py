"""The verdict where its history or its team is too short to name a cause, and at the edges of a period's time.

Every team is built month by month (tests/support/verdict_teams.py: 2025-12 .. 2026-11, November judged). A month
before a scope's first data is ``Month(0, 0, 0)``: not a month that sold $0, a month with no data yet. Expected
values are worked out from the construction in the comments.
"""

from __future__ import annotations

import pendulum
import pytest

from cockpit.core.verdict import FEW_REPS, SHORT_HISTORY, Verdict, compute_verdict, verdict_json
from tests.support.verdict_teams import Month, build, steady

DEAL = 5_000_00
NAMES = ("Ana Torres", "Bo Li", "Cy Diaz", "Di Park", "Ed Moss", "Fa Chen", "Gil Roy")
EMPTY = Month(0, 0, 0)


def starting(months_before: int, *months: Month) -> list[Month]:
    """A rep with no data for ``months_before`` months, then ``months`` (the last one November)."""
    assert months_before + len(months) == 12
    return [EMPTY] * months_before + list(months)


def claimed(v: Verdict) -> dict[str, str]:
    return {f.factor: f.spread for f in v.factors if f.spread != "none"}


# ------------------------------------------------------------------------------------- periods before the data


def test_months_before_the_first_data_are_not_a_baseline_of_zero() -> None:
    # Seven reps start in October: 40 opportunities, 10 won at $5,000 = $50,000 each. November: 64 opportunities,
    # 16 won = $80,000 each. The trailing window August..October holds one month with data: October, $350,000.
    # (Read as $0 months, August and September would make the "usual" month $0 and the whole $560,000 volume.)
    october, november = Month(40, 10, 10 * DEAL), Month(64, 16, 16 * DEAL)
    dash, tgt = build({n: starting(10, october, november) for n in NAMES})
    v = compute_verdict(dash, tgt)
    assert v is not None
    assert (v.basis, v.baseline, v.actual, v.change) == ("baseline", 350_000_00, 560_000_00, 210_000_00)
    assert v.window == "2026-10"
    assert claimed(v) == {}
    assert {f.reason for f in v.factors} == {SHORT_HISTORY}
    # Conversion (16/64 = 10/40) and the deal held: the $210,000 is all volume, but too little history to say why.
    assert v.factor("volume").amount == 210_000_00 and sum(f.amount for f in v.factors) == v.change
    assert v.message == (
        "November is $210k (60%) above a usual month."
        " Only 1 earlier month: too little history to name a cause (the largest part: volume, +$210k)."
    )
    assert v.line == "$210k (60%) above a usual month · too little history"
    assert v.factor("volume").message == "Volume +$210k (too little history to name a cause)."
    # Her own verdict reads her own history the same way.
    mine = compute_verdict(dash, tgt, rep_id=dash.reps[0].rep_id)
    assert mine is not None and mine.baseline == 50_000_00 and claimed(mine) == {}
    assert "Only 1 earlier month: too little history to name a cause" in mine.message


def test_two_earlier_months_give_a_baseline_but_no_cause() -> None:
    # Data from September: September $50,000 a rep, October $60,000 (12 won), November 24 opportunities, 6 won.
    # Baseline: the median of two months, the mean of $350,000 and $420,000 = $385,000; November $210,000.
    sept, octo, nov = Month(40, 10, 10 * DEAL), Month(48, 12, 12 * DEAL), Month(24, 6, 6 * DEAL)
    v = compute_verdict(*build({n: starting(9, sept, octo, nov) for n in NAMES}))
    assert v is not None
    assert (v.baseline, v.actual, v.change, v.window) == (385_000_00, 210_000_00, -175_000_00, "2026-09..2026-10")
    assert claimed(v) == {}
    assert " Only 2 earlier months: too little history to name a cause" in v.message


def test_no_earlier_data_is_nothing_to_compare_with() -> None:
    # The data start in November: no earlier month at all.
    v = compute_verdict(*build({n: starting(11, Month(40, 10, 10 * DEAL)) for n in NAMES}))
    assert v is not None
    assert (v.baseline, v.change, v.factors, v.window, v.actual) == (None, 0, (), "", 350_000_00)
    assert v.message == "November: $350k sold; no quota and no earlier month to compare with."
    assert v.line == "$350k sold; nothing to compare with"
    # Against a quota of $400,000: the gap, and still nothing judged ("held" would claim a comparison).
    q = compute_verdict(*build({n: starting(11, Month(40, 10, 10 * DEAL)) for n in NAMES}, quota=400_000_00))
    assert q is not None and (q.basis, q.gap, q.factors) == ("quota", -50_000_00, ())
    assert q.message == "November is $50k (13%) short of quota. No earlier month to compare with."
    assert q.line == "$50k (13%) short of quota · nothing to compare with"


def test_an_empty_team_is_not_judged_level_with_a_usual_month() -> None:
    v = compute_verdict(*build({n: [EMPTY] * 12 for n in NAMES[:3]}))
    assert v is not None
    assert (v.baseline, v.actual, v.factors) == (None, 0, ())
    assert v.message == "November: $0 sold; no quota and no earlier month to compare with."
    assert "level with" not in v.message and "held" not in v.message


def test_a_rep_who_joined_last_month_is_not_tested_against_months_before_him() -> None:
    # Six reps at $50,000 all year. Newbie joins in October (40 opportunities, 10 won) and doubles in November (80,
    # 20 won: $100,000). Baseline: the median month of August..October, September ($300,000, Newbie 0).
    # November $400,000: +$100,000, all Newbie's, all volume (from nothing). He has one month of his own: read against
    # August and September as $0 months he would "stand out" by +500 %; he is not measurable, and nobody else moved.
    per = {n: steady(40, 0.25, DEAL) for n in NAMES[:6]}
    per["Newbie"] = starting(10, Month(40, 10, 10 * DEAL), Month(80, 20, 20 * DEAL))
    v = compute_verdict(*build(per))
    assert v is not None
    assert (v.baseline, v.change) == (300_000_00, 100_000_00)
    volume = v.factor("volume")
    assert volume.amount == 100_000_00
    assert [(r.rep, r.amount) for r in volume.reps if r.amount] == [("Newbie", 100_000_00)]
    assert claimed(v) == {}
    assert "No clear cause" in v.message


# ----------------------------------------------------------------------------------------------- too few reps


def test_two_reps_down_together_are_not_called_individual() -> None:
    # Two reps, 40 opportunities (10 won, $50,000) a month; November 24 (6 won, $30,000): -$20,000 each, volume.
    # Nobody held: too few reps to tell the team's lead flow from two reps' prospecting. No coaching, no name.
    per = {n: [*steady(40, 0.25, DEAL)[:-1], Month(24, 6, 6 * DEAL)] for n in NAMES[:2]}
    v = compute_verdict(*build(per))
    assert v is not None
    volume = v.factor("volume")
    assert (volume.amount, volume.spread, volume.lever) == (-40_000_00, "none", None)
    assert volume.reason == FEW_REPS
    assert [r.rep for r in volume.reps if r.named] == []
    assert v.message == (
        "November is $40k (40%) below a usual month."
        " $40k is volume: opportunities fell for 2 of 2 reps, too few to tell team-wide from individual."
        " Conversion and deal size held."
    )
    assert "coaching" not in v.message
    assert v.line == "$40k (40%) below a usual month · volume −$40k (too few reps to tell)"
    assert verdict_json(v, "USD")["factors"][0]["spread"] == "none"


def test_two_reps_each_standing_out_the_same_way_are_not_individual_either() -> None:
    # 400 opportunities (100 won, $500,000) a month each; November 240 (60 won): -$200,000 each, each far beyond the
    # reps' threshold on their own. Both moved: still nobody who held.
    per = {n: [*steady(400, 0.25, DEAL)[:-1], Month(240, 60, 60 * DEAL)] for n in NAMES[:2]}
    dash, tgt = build(per)
    v = compute_verdict(dash, tgt)
    assert v is not None
    volume = v.factor("volume")
    assert (volume.amount, volume.spread) == (-400_000_00, "none")
    assert volume.reason == FEW_REPS
    assert "coaching" not in v.message
    # Ana's own verdict: she moved like her only colleague; not her own cause.
    mine = compute_verdict(dash, tgt, rep_id=dash.reps[0].rep_id)
    assert mine is not None and claimed(mine) == {} and mine.factor("volume").reason == FEW_REPS
    assert "too few reps to tell team-wide from individual" in mine.message and "coaching" not in mine.message


def test_three_reps_each_standing_out_the_same_way_are_team_wide() -> None:
    # As above with three reps, every one of them moving: the team's volume (lead flow), not three reps' coaching.
    per = {n: [*steady(400, 0.25, DEAL)[:-1], Month(240, 60, 60 * DEAL)] for n in NAMES[:3]}
    v = compute_verdict(*build(per))
    assert v is not None
    assert claimed(v) == {"volume": "team"} and v.factor("volume").amount == -600_000_00
    assert "opportunities fell for 3 of 3 reps (team-wide: lead flow; talk to marketing)" in v.message


def test_one_of_two_reps_collapsing_while_the_other_held_is_still_individual() -> None:
    # Ana wins 2 of 80 instead of 20 (-$90,000, conversion); Bo holds: concentrated in one rep while the other held.
    per = {"Ana Torres": [*steady(80, 0.25, DEAL)[:-1], Month(80, 2, 2 * DEAL)], "Bo Li": steady(40, 0.25, DEAL)}
    v = compute_verdict(*build(per))
    assert v is not None
    assert claimed(v) == {"conversion": "individual"}
    assert [r.rep for r in v.factor("conversion").reps if r.named] == ["Ana Torres"]


# --------------------------------------------------------------------------------------------- conversion > 1


def test_conversion_is_wins_per_opportunity_and_may_pass_one() -> None:
    # Ana: 80 opportunities, 20 won a month; in November 80 opportunities and 96 wins (deals qualified earlier
    # closing now): +76 wins × $5,000 = +$380,000, all conversion. Her conversion is 96 / 80 = 1.2 wins per
    # opportunity against 20 / 80 = 0.25: a ratio, not a share, and said as one.
    per = {n: steady(40, 0.25, DEAL) for n in NAMES}
    per["Ana Torres"] = [*steady(80, 0.25, DEAL)[:-1], Month(80, 96, 96 * DEAL)]
    v = compute_verdict(*build(per))
    assert v is not None
    conversion = v.factor("conversion")
    assert (conversion.amount, conversion.spread) == (380_000_00, "individual")
    out = next(f for f in verdict_json(v, "USD")["factors"] if f["factor"] == "conversion")
    assert out["reps"][0] == {"rep": "Ana Torres", "amount": 380000.0, "value": 1.2, "baseline": 0.25}
    assert conversion.message == (
        "Conversion added $380k, almost all Ana Torres"
        " (won per opportunity 1.20 vs 0.25 usually, team median 0.25: ask what works)."
    )


# ----------------------------------------------------------------------------------------- the period's time


def test_too_early_claims_no_actual_gap_or_share() -> None:
    # Sunday 1 November: no business day has passed. The quota is $100,000, but nothing can be projected yet.
    now = pendulum.datetime(2026, 11, 1, 12, tz="UTC")
    per = {n: [*steady(40, 0.25, DEAL)[:-1], EMPTY] for n in NAMES[:3]}
    v = compute_verdict(*build(per, quota=100_000_00, now=now))
    assert v is not None and v.projected
    out = verdict_json(v, "USD")
    assert set(out) == {
        "scope", "period", "basis", "target", "actual", "gap", "gap_share", "projected", "factors", "message",
    }  # fmt: skip
    assert (out["target"], out["actual"], out["gap"], out["gap_share"]) == (100000.0, None, None, None)
    assert (out["projected"], out["factors"]) == (True, [])
    assert out["message"] == "No business day of November has passed yet: too early for a verdict."


@pytest.mark.parametrize("at", [(17, 0), (23, 30)])
def test_the_last_business_day_is_still_running(at: tuple[int, int]) -> None:
    # Monday 30 November 2026 is November's last business day: 21 of 21 elapsed, but the month is not over. The
    # verdict is at this pace (projected) with a factor of 1: November's $350,000 as it stands.
    now = pendulum.datetime(2026, 11, 30, *at, tz="UTC")
    dash, tgt = build({n: steady(40, 0.25, DEAL) for n in NAMES}, now=now)
    assert not tgt.team_pace.complete and tgt.team_pace.days_remaining == 0
    v = compute_verdict(dash, tgt)
    assert v is not None and v.projected and verdict_json(v, "USD")["projected"] is True
    assert (v.actual, v.baseline, v.change) == (350_000_00, 350_000_00, 0)
    assert v.message.startswith("November is level with a usual month at this pace.")
    mine = compute_verdict(dash, tgt, rep_id=dash.reps[0].rep_id)
    assert mine is not None and mine.projected and mine.actual == 50_000_00
    # Once it is over: not projected.
    done = compute_verdict(*build({n: steady(40, 0.25, DEAL) for n in NAMES}, now=now.add(days=1)))
    assert done is not None and not done.projected and "at this pace" not in done.message

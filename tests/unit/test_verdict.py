"""The verdict on generated teams whose answer is known by construction (issue 22).

Each team is built month by month (tests/support/verdict_teams.py): eleven identical months, then November 2026 with
the change under test. Expected amounts are worked out here from the construction (the revenue each rep lost and to
which cause), never read from the code; the split of two causes that hit the same rep is the average, over the two
orders they can be applied in, of what each one costs (applied first: alone; second: after the other).
"""

from __future__ import annotations

import itertools
import math
import random

import pendulum
import pytest

from cockpit.core.verdict import (
    FACTORS,
    Counts,
    Verdict,
    apportion,
    compute_verdict,
    decompose,
    verdict_json,
)
from tests.support.verdict_teams import Month, build, noisy_team, steady

DEAL = 5_000_00  # every deal is worth $5,000 unless a test says otherwise
SIZES = [3, 7, 200]


def team_of(size: int) -> list[str]:
    """Ana Torres first (the rep a test singles out), then others."""
    named = ["Ana Torres", "Bo Li", "Cy Diaz", "Di Park", "Ed Moss", "Fa Chen", "Gil Roy"]
    return named[:size] if size <= len(named) else named + [f"Rep {i:03d}" for i in range(len(named), size)]


def november(months: list[Month], month: Month) -> list[Month]:
    return [*months[:-1], month]


def factor(v: Verdict, name: str):
    found = v.factor(name)
    assert found is not None
    return found


def claimed(v: Verdict) -> dict[str, str]:
    return {f.factor: f.spread for f in v.factors if f.spread != "none"}


def named(v: Verdict, name: str) -> list[str]:
    return [r.rep for r in factor(v, name).reps if r.named]


# ------------------------------------------------------------------------------------------------ the arithmetic


def shapley_by_orders(base: tuple[float, float, float], now: tuple[float, float, float]) -> list[float]:
    """Each factor's marginal effect averaged over the 6 orders of change, by brute force (the closed form in the
    code is a different computation)."""
    parts = [0.0, 0.0, 0.0]
    for order in itertools.permutations(range(3)):
        point = list(base)
        for k in order:
            before = math.prod(point)
            point[k] = now[k]
            parts[k] += (math.prod(point) - before) / 6
    return parts


def test_decompose_by_hand() -> None:
    # 10 opportunities, 4 won ($40,000: $10,000 each) -> 6 opportunities, 3 won ($24,000: $8,000 each).
    # Volume: -4 × [(0.4·10000 + 0.5·8000)/3 + (0.4·8000 + 0.5·10000)/6] = -4 × 4033.33 = -16,133.33
    # Conversion: +0.1 × [(10·10000 + 6·8000)/3 + (10·8000 + 6·10000)/6] = +7,266.67
    # Deal size: -2000 × [(10·0.4 + 6·0.5)/3 + (10·0.5 + 6·0.4)/6] = -7,133.33; total -16,000.
    parts = decompose(Counts(10, 4, 40_000), Counts(6, 3, 24_000))
    assert parts == pytest.approx((-16_133.333, 7_266.667, -7_133.333), abs=1e-3)
    assert sum(parts) == pytest.approx(-16_000)
    assert list(parts) == pytest.approx(shapley_by_orders((10, 0.4, 10_000), (6, 0.5, 8_000)))


def test_decompose_zeros_have_a_defined_fallback() -> None:
    # A rep who sold nothing before (joined): all of it is volume. One who left: likewise, negative.
    assert decompose(Counts(0, 0, 0), Counts(8, 2, 9_000)) == (9_000, 0, 0)
    assert decompose(Counts(8, 2, 9_000), Counts(0, 0, 0)) == (-9_000, 0, 0)
    # No win now out of as many opportunities: the deal size is taken as unchanged, the loss is conversion.
    assert decompose(Counts(10, 4, 400), Counts(10, 0, 0)) == pytest.approx((0, -400, 0))
    # Wins without any opportunity of the period (qualified earlier): won deals × deal size, the wins as volume.
    assert decompose(Counts(0, 2, 200), Counts(5, 2, 300)) == pytest.approx((0, 0, 100))
    assert decompose(Counts(4, 2, 200), Counts(0, 3, 300)) == pytest.approx((100, 0, 0))
    # Nothing on either side.
    assert decompose(Counts(0, 0, 0), Counts(0, 0, 0)) == (0, 0, 0)
    assert decompose(Counts(5, 0, 0), Counts(3, 0, 0)) == (0, 0, 0)
    for parts in (decompose(Counts(0, 1, 0), Counts(0, 0, 0)), decompose(Counts(3, 2, 0), Counts(1, 1, 0))):
        assert all(math.isfinite(p) for p in parts)


def test_apportion_keeps_the_total_to_the_unit() -> None:
    assert apportion([1.5, 1.5, 1.0], 4) == [2, 1, 1]  # the tie goes to the first
    assert apportion([-0.4, -0.4, -0.2], -1) == [0, -1, 0]  # floors -3; +1 to the largest remainders (0.8, 0.6)
    assert apportion([10.2, -3.7, 0.0], 7) == [10, -3, 0]  # floors 10 - 4 + 0 = 6; +1 to the largest remainder, 0.3
    assert apportion([0.3] * 10, 3) == [1, 1, 1] + [0] * 7
    assert apportion([], 0) == []


# -------------------------------------------------------------------------------------------- constructed teams


@pytest.mark.parametrize("size", SIZES)
def test_every_reps_opportunities_drop_40_percent_is_team_wide_volume(size: int) -> None:
    # 40 opportunities a month, 10 won (25%), $5,000 each = $50,000; November: 24 opportunities, 6 won = $30,000.
    per = {n: november(steady(40, 0.25, DEAL), Month(24, 6, 6 * DEAL)) for n in team_of(size)}
    dash, tgt = build(per)
    v = compute_verdict(dash, tgt)
    assert v is not None and v.basis == "baseline" and not v.projected
    assert v.baseline == size * 50_000_00 and v.actual == size * 30_000_00
    assert v.gap == v.change == -size * 20_000_00
    assert claimed(v) == {"volume": "team"}
    volume = factor(v, "volume")
    assert volume.amount == -size * 20_000_00  # conversion (6/24 = 10/40) and deal size held: all of it is volume
    assert factor(v, "conversion").amount == 0 and factor(v, "deal_size").amount == 0
    assert volume.lever == "lead flow; talk to marketing"
    assert all(r.amount == -20_000_00 for r in volume.reps)
    assert f"opportunities fell for {size} of {size} reps (team-wide: lead flow; talk to marketing)" in v.message
    assert v.message.endswith("Conversion and deal size held.")


@pytest.mark.parametrize("size", SIZES)
def test_one_reps_conversion_collapse_is_individual_and_names_her(size: int) -> None:
    # Ana: 80 opportunities, 20 won a month ($100,000); in November 80 opportunities but 2 won ($10,000).
    # The others hold at 40 opportunities, 10 won.
    per = {n: steady(40, 0.25, DEAL) for n in team_of(size)}
    per["Ana Torres"] = november(steady(80, 0.25, DEAL), Month(80, 2, 2 * DEAL))
    dash, tgt = build(per)
    v = compute_verdict(dash, tgt)
    assert v is not None
    assert claimed(v) == {"conversion": "individual"}
    conversion = factor(v, "conversion")
    assert conversion.amount == -90_000_00  # 18 fewer wins of $5,000, at the same volume and deal size
    assert named(v, "conversion") == ["Ana Torres"]
    assert conversion.reps[0].rep == "Ana Torres" and conversion.reps[0].amount == -90_000_00
    assert conversion.reps[0].value == pytest.approx(2 / 80) and conversion.reps[0].baseline == pytest.approx(0.25)
    assert conversion.lever == "coaching on selling skills"
    assert (
        "$90k is conversion, almost all Ana Torres (won per opportunity 0.03 vs 0.25 usually, team median 0.25:"
        " coaching on selling skills)." in v.message
    )


@pytest.mark.parametrize("size", SIZES)
def test_every_reps_deal_size_falling_is_team_wide_deal_size(size: int) -> None:
    # 10 won deals a month at $5,000, then 10 at $3,500: $15,000 less per rep, all of it deal size.
    per = {n: november(steady(40, 0.25, DEAL), Month(40, 10, 10 * 3_500_00)) for n in team_of(size)}
    dash, tgt = build(per)
    v = compute_verdict(dash, tgt)
    assert v is not None
    assert claimed(v) == {"deal_size": "team"}
    assert factor(v, "deal_size").amount == -size * 15_000_00
    assert factor(v, "deal_size").lever == "pricing, offer or segment"
    assert f"the average deal fell for {size} of {size} reps (team-wide: pricing, offer or segment)" in v.message


def test_team_wide_drop_and_one_collapse_are_both_found_exactly() -> None:
    # Six reps: 40 -> 24 opportunities (10 -> 6 won): $20,000 less each, all volume: -$120,000.
    # Ana keeps her 80 opportunities but wins 2 instead of 20: -$90,000, all conversion.
    per = {n: november(steady(40, 0.25, DEAL), Month(24, 6, 6 * DEAL)) for n in team_of(7)}
    per["Ana Torres"] = november(steady(80, 0.25, DEAL), Month(80, 2, 2 * DEAL))
    dash, tgt = build(per)
    v = compute_verdict(dash, tgt)
    assert v is not None
    assert claimed(v) == {"volume": "team", "conversion": "individual"}
    assert factor(v, "volume").amount == -120_000_00
    assert factor(v, "conversion").amount == -90_000_00
    assert named(v, "conversion") == ["Ana Torres"]
    # Baseline 6 × $50,000 + $100,000 = $400,000; now 6 × $30,000 + $10,000 = $190,000: $210,000 (52.5%) below.
    assert v.message == (
        "November is $210k (53%) below a usual month."
        " $120k is volume: opportunities fell for 6 of 7 reps (team-wide: lead flow; talk to marketing)."
        " $90k is conversion, almost all Ana Torres (won per opportunity 0.03 vs 0.25 usually, team median 0.25:"
        " coaching on selling skills)."
        " Deal size held."
    )
    assert [f.factor for f in v.factors] == ["volume", "conversion", "deal_size"]  # ranked by money


def test_team_wide_drop_and_one_collapse_on_the_same_rep_within_10_percent() -> None:
    # Everyone's opportunities drop 40%; Ana's conversion also collapses: 80 -> 48 opportunities, 20 -> 1 won.
    # Others: -$20,000 each, volume: -$120,000.
    # Ana ($100,000 -> $5,000): volume alone (48 at 25%) -$40,000, after the collapse (48 vs 80 at 1/48) -$3,333;
    # the collapse alone (80 at 1/48) -$91,667, after the volume drop -$55,000. Averages: -$21,667 and -$73,333.
    per = {n: november(steady(40, 0.25, DEAL), Month(24, 6, 6 * DEAL)) for n in team_of(7)}
    per["Ana Torres"] = november(steady(80, 0.25, DEAL), Month(48, 1, DEAL))
    v = compute_verdict(*build(per))
    assert v is not None
    assert claimed(v) == {"volume": "team", "conversion": "individual"}
    assert named(v, "conversion") == ["Ana Torres"]
    assert factor(v, "volume").amount == pytest.approx(-(120_000_00 + 21_666_67), rel=0.10)
    assert factor(v, "conversion").amount == pytest.approx(-73_333_33, rel=0.10)
    assert sum(f.amount for f in v.factors) == v.change == -(6 * 20_000_00 + 95_000_00)


def test_quota_basis_and_the_baseline_beside_it() -> None:
    # Seven reps at $50,000 a month; the team's November quota is $400,000; November sells $350,000 (unchanged).
    per = {n: steady(40, 0.25, DEAL) for n in team_of(7)}
    v = compute_verdict(*build(per, quota=400_000_00))
    assert v is not None
    assert (v.basis, v.target, v.actual, v.gap, v.change) == ("quota", 400_000_00, 350_000_00, -50_000_00, 0)
    assert v.gap_share == pytest.approx(-0.125)
    assert v.message == (
        "November is $50k (13%) short of quota, level with a usual month. Volume, conversion and deal size held."
    )


def test_a_running_period_is_judged_at_its_pace() -> None:
    # Monday 16 November 2026: 11 of November's 21 business days have passed (2-6, 9-13, 16).
    # Each rep's month is 84 opportunities, 21 won, $105,000; so far 44 opportunities, 11 won, $55,000: on pace.
    now = pendulum.datetime(2026, 11, 16, 12, tz="UTC")
    per = {n: november(steady(84, 0.25, DEAL), Month(44, 11, 11 * DEAL)) for n in team_of(7)}
    v = compute_verdict(*build(per, now=now))
    assert v is not None and v.projected
    assert v.actual == round(7 * 55_000_00 * 21 / 11)  # $403,333.33 × 21/11 ... projected by business days
    assert "at this pace" in v.message
    assert claimed(v) == {}
    # At 60% of that pace for every rep (26 opportunities, 6.6 -> 7 won): team-wide volume, at this pace.
    slow = {n: november(steady(84, 0.25, DEAL), Month(26, 7, 7 * DEAL)) for n in team_of(7)}
    v = compute_verdict(*build(slow, now=now))
    assert v is not None and claimed(v) == {"volume": "team"}
    assert v.message.startswith("November is ") and " below a usual month at this pace." in v.message


def test_too_early_says_so() -> None:
    # Sunday 1 November: no business day of the month has passed.
    now = pendulum.datetime(2026, 11, 1, 12, tz="UTC")
    per = {n: november(steady(40, 0.25, DEAL), Month(0, 0, 0)) for n in team_of(3)}
    v = compute_verdict(*build(per, now=now))
    assert v is not None and v.factors == ()
    assert v.message == "No business day of November has passed yet: too early for a verdict."


# -------------------------------------------------------------------------------------------------- one rep


def test_one_reps_verdict_tells_her_own_cause_from_the_teams() -> None:
    per = {n: november(steady(40, 0.25, DEAL), Month(24, 6, 6 * DEAL)) for n in team_of(7)}
    per["Ana Torres"] = november(steady(80, 0.25, DEAL), Month(80, 2, 2 * DEAL))
    dash, tgt = build(per)
    ana = next(r.rep_id for r in dash.reps if r.rep == "Ana Torres")
    bo = next(r.rep_id for r in dash.reps if r.rep == "Bo Li")
    mine = compute_verdict(dash, tgt, rep_id=ana)
    assert mine is not None and mine.scope == "rep:Ana Torres"
    assert claimed(mine) == {"conversion": "individual"}
    assert mine.message == (
        "Ana Torres: November is $90k (90%) below a usual month."
        " $90k is conversion (won per opportunity 0.03 vs 0.25 usually, team median 0.25: coaching on selling skills)."
        " Volume and deal size held."
    )
    # Bo lost 16 of 40 opportunities like five colleagues: the team's lead flow, not Bo's effort.
    his = compute_verdict(dash, tgt, rep_id=bo)
    assert his is not None and claimed(his) == {"volume": "team"}
    assert "$20k is volume, as for most of the team (opportunities 24 vs 40 usually" in his.message
    assert compute_verdict(dash, tgt, rep_id=999) is None


# ----------------------------------------------------------------------------------------------------- edges


def test_reps_without_a_row_are_kept_as_others_so_the_parts_still_add_up() -> None:
    # Di left after October: the dashboard (like kpi.dashboard) lists her no more, but the team's history holds her.
    per = {n: steady(40, 0.25, DEAL) for n in team_of(4)}
    per["Di Park"] = november(steady(40, 0.25, DEAL), Month(0, 0, 0))
    dash, tgt = build(per)
    listed = tuple(r for r in dash.reps if r.rep != "Di Park")
    trends = {r.rep_id: dash.rep_trends[r.rep_id] for r in listed}
    dash = type(dash)(**{**dash.__dict__, "reps": listed, "rep_trends": trends})
    v = compute_verdict(dash, tgt)
    assert v is not None and v.change == -50_000_00
    volume = factor(v, "volume")
    assert [(r.rep, r.amount) for r in volume.reps if r.amount] == [("(others)", -50_000_00)]
    assert sum(f.amount for f in v.factors) == v.change


def test_json_has_exactly_the_issues_shape_in_major_units() -> None:
    per = {n: november(steady(40, 0.25, DEAL), Month(24, 6, 6 * DEAL)) for n in team_of(3)}
    v = compute_verdict(*build(per, quota=200_000_00))
    assert v is not None
    out = verdict_json(v, "USD")
    assert set(out) == {
        "scope",
        "period",
        "basis",
        "target",
        "actual",
        "gap",
        "gap_share",
        "projected",
        "factors",
        "message",
    }
    assert (out["scope"], out["period"], out["basis"], out["projected"]) == ("team", "2026-11", "quota", False)
    assert (out["target"], out["actual"], out["gap"], out["gap_share"]) == (200000.0, 90000.0, -110000.0, -0.55)
    assert [f["factor"] for f in out["factors"]] == ["volume", "conversion", "deal_size"]
    for f in out["factors"]:
        assert set(f) == {"factor", "amount", "share", "spread", "reps", "lever", "message"}
        assert f["spread"] in ("team", "individual", "none")
        for r in f["reps"]:
            assert set(r) == {"rep", "amount", "value", "baseline"}
    volume = out["factors"][0]
    assert (volume["amount"], volume["share"], volume["spread"]) == (-60000.0, 1.0, "team")
    assert volume["reps"][0] == {"rep": "Ana Torres", "amount": -20000.0, "value": 24.0, "baseline": 40.0}
    assert out["factors"][2]["lever"] is None and out["factors"][2]["message"].startswith("Deal size held")
    # KRW has no minor unit: amounts are whole won.
    assert verdict_json(v, "KRW")["target"] == 20_000_000


def test_a_handful_of_noisy_teams_claims_nothing() -> None:
    """The quick look at noise (the many-seed statistics are in tests/property/test_verdict_properties.py)."""
    for seed in range(20):
        v = compute_verdict(*build(noisy_team(random.Random(seed), 7)))
        assert v is not None
        total = sum(f.amount for f in v.factors)
        assert total == v.change
        if seed < 3:
            assert set(f.factor for f in v.factors) == set(FACTORS)
    quiet = sum(1 for seed in range(20) if not claimed(compute_verdict(*build(noisy_team(random.Random(seed), 7)))))
    assert quiet >= 18


def test_the_one_line_gist() -> None:
    per = {n: november(steady(40, 0.25, DEAL), Month(24, 6, 6 * DEAL)) for n in team_of(7)}
    per["Ana Torres"] = november(steady(80, 0.25, DEAL), Month(80, 2, 2 * DEAL))
    dash, tgt = build(per, quota=400_000_00)
    v = compute_verdict(dash, tgt)
    assert v is not None
    # $190,000 of a $400,000 quota: $210,000 (52.5%) short.
    assert v.line == "$210k (53%) short of quota · volume −$120k (team-wide), conversion −$90k (Ana Torres)"
    ana = next(r.rep_id for r in dash.reps if r.rep == "Ana Torres")
    mine = compute_verdict(dash, tgt, rep_id=ana)
    assert mine is not None and mine.line == "$90k (90%) below a usual month · conversion −$90k (own)"
    quiet = compute_verdict(*build({n: steady(40, 0.25, DEAL) for n in team_of(3)}))
    assert quiet is not None and quiet.line == "level with a usual month · held"

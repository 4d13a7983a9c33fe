"""The verdict end to end: generated teams written through the store's public write functions into a real SQLite
file, read back by ``kpi.dashboard`` and the targets, judged by ``compute_verdict`` and by ``compute_insights``.

Expected amounts come from the construction: which rep lost how many opportunities or wins, at $4,000 a deal.
"""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from cockpit.core.diagnosis import diagnose
from cockpit.core.insights import VERDICT_KPIS, compute_insights
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.targets import targets
from cockpit.core.verdict import compute_verdict, verdict_json
from tests.support.insights_db import Clock, open_store, ts
from tests.support.verdict_teams import drop_and_collapse_db, month_of_deals

DEAL = 4_000_00
AFTER = pendulum.datetime(2027, 1, 15, 12, tz="UTC")


def test_a_team_wide_drop_and_one_reps_collapse_from_a_real_database(tmp_path) -> None:
    """Six reps: 20 opportunities a month, 5 won; in November 12 opportunities, 3 won (-8 opportunities × 25% ×
    $4,000 = -$8,000 each, volume). Ana: 60 a month, 15 won; in November 60, 1 won (-14 wins × $4,000 = -$56,000,
    conversion). The team's November quota is $200,000 (tests/support/verdict_teams.py)."""
    store, reps = drop_and_collapse_db(tmp_path / "v.db")
    dash = dashboard(store, parse_period("2026-11", tz="UTC"), trend=12)
    tgt = targets(store, dash, now=AFTER)
    v = compute_verdict(dash, tgt)
    assert v is not None
    # Usual: 6 × $20,000 + $60,000 = $180,000; November: 6 × $12,000 + $4,000 = $76,000.
    assert (v.basis, v.target, v.actual, v.baseline, v.change) == (
        "quota",
        200_000_00,
        76_000_00,
        180_000_00,
        -104_000_00,
    )
    assert {f.factor: (f.spread, f.amount) for f in v.factors} == {
        "volume": ("team", -48_000_00),
        "conversion": ("individual", -56_000_00),
        "deal_size": ("none", 0),
    }
    assert [r.rep for r in v.factor("conversion").reps if r.named] == ["Ana Torres"]
    assert v.message == (
        "November is $124k (62%) short of quota, $104k below a usual month."
        " $56k is conversion, almost all Ana Torres (won per opportunity 0.02 vs 0.25 usually, team median 0.25:"
        " coaching on selling skills)."
        " $48k is volume: opportunities fell for 6 of 7 reps (team-wide: lead flow; talk to marketing)."
        " Deal size held."
    )
    # The insights carry the same verdict; the JSON in major units adds up to the cent.
    insights = compute_insights(store, dash, now=AFTER, currency="USD")
    assert insights.verdict == v
    # Beside it, the diagnosis says nothing team-wide about what the verdict judges (on its own, it would say
    # "Opportunities fell team-wide"), nor refers to a team move on those KPIs.
    assert any(s.scope == "team" and s.kpi == "opportunities" for s in diagnose(dash))
    assert [s for s in insights.diagnosis if s.scope == "team" and s.kpi in VERDICT_KPIS] == []
    hidden_team = [s for s in insights.diagnosis if s.kpi in VERDICT_KPIS]
    assert hidden_team and not [s for s in hidden_team if "while the team" in s.message or "team's move" in s.message]
    out = verdict_json(v, "USD")
    assert out["gap"] == -124000.0 and out["gap_share"] == pytest.approx(-0.62)
    assert round(sum(f["amount"] for f in out["factors"]), 2) == -104000.0
    for f in out["factors"]:
        assert round(sum(r["amount"] for r in f["reps"]), 2) == f["amount"]
    # Her own verdict, for My day.
    mine = compute_verdict(dash, tgt, rep_id=reps["Ana Torres"])
    assert mine is not None and mine.scope == "rep:Ana Torres"
    assert {f.factor: f.spread for f in mine.factors if f.spread != "none"} == {"conversion": "individual"}
    store.close()


def test_a_young_cohort_is_not_read_as_a_conversion_collapse(tmp_path) -> None:
    """Every rep qualifies one deal a day, every fourth one is won 20 days later, the others lost 20 days later.
    On Wednesday 18 November none of November's opportunities has closed yet: the KPI strip's cohort conversion of
    November is 0%. Wins keep coming from October's opportunities at the usual rate, so the verdict, which reads won
    deals per opportunity of the period, sees nothing to blame: no claim, judged at this pace."""
    now = pendulum.datetime(2026, 11, 18, 10, tz="UTC")
    store = open_store(tmp_path / "young.db", Clock(now.int_timestamp))
    for name in ("Ana", "Bo", "Cy"):
        rep = store.add_rep(name, team="North")
        day, index = dt.date(2025, 11, 1), 0
        while day <= now.date():
            qualified = ts(day.isoformat(), 9)
            closes = qualified + 20 * 86_400
            won = index % 4 == 0
            if closes <= now.int_timestamp:
                store.add_deal(
                    rep_id=rep,
                    title=f"{day} {name}",
                    amount=DEAL,
                    stage="won" if won else "lost",
                    created_at=qualified,
                    qualified_at=qualified,
                    closed_at=closes,
                    lost_reason=None if won else "timing",
                )
            else:
                store.add_deal(rep_id=rep, title=f"{day} {name}", amount=DEAL, stage="qualified", created_at=qualified)
            day += dt.timedelta(days=1)
            index += 1
    dash = dashboard(store, parse_period("2026-11", tz="UTC"), trend=12)
    assert dash.team["opportunities"] == 3 * 18 and dash.team["conversion_rate"] == 0  # the young cohort
    tgt = targets(store, dash, now=now)
    v = compute_verdict(dash, tgt)
    assert v is not None and v.projected
    assert "at this pace" in v.message
    conversion = v.factor("conversion")
    assert conversion is not None and conversion.spread == "none"
    assert conversion.message == (
        "Conversion held (within normal variation; won per opportunity of the period, not its young cohort)."
    )
    assert conversion.value == pytest.approx(0.25, abs=0.05)  # won per opportunity of the period: the usual rate
    assert [f for f in v.factors if f.spread != "none"] == []
    store.close()


def test_an_empty_database_has_nothing_to_compare_with(tmp_path) -> None:
    """Two reps, no deal at all: no earlier month has data, so there is no baseline to be "level with"."""
    store = open_store(tmp_path / "empty.db", Clock(ts("2026-11-02")))
    for name in ("Ana", "Bo"):
        store.add_rep(name, team="North")
    dash = dashboard(store, parse_period("2026-11", tz="UTC"), trend=12)
    v = compute_verdict(dash, targets(store, dash, now=AFTER))
    assert v is not None and (v.baseline, v.actual, v.factors) == (None, 0, ())
    assert v.message == "November: $0 sold; no quota and no earlier month to compare with."
    store.close()


def test_a_database_that_starts_late_in_october_has_one_earlier_month(tmp_path) -> None:
    """Three reps whose first deals are qualified in October (20, 5 won at $4,000 = $20,000 each) and November (12,
    3 won = $12,000 each). August and September have no data: not $0 months. Baseline: October, $60,000."""
    store = open_store(tmp_path / "late.db", Clock(ts("2027-01-10")))
    for name in ("Ana", "Bo", "Cy"):
        rep = store.add_rep(name, team="North")
        month_of_deals(store, rep, "2026-10", 20, 5)
        month_of_deals(store, rep, "2026-11", 12, 3)
    dash = dashboard(store, parse_period("2026-11", tz="UTC"), trend=12)
    v = compute_verdict(dash, targets(store, dash, now=AFTER))
    assert v is not None
    assert (v.baseline, v.actual, v.change, v.window) == (60_000_00, 36_000_00, -24_000_00, "2026-10")
    assert [f for f in v.factors if f.spread != "none"] == []
    assert v.message == (
        "November is $24k (40%) below a usual month."
        " Only 1 earlier month: too little history to name a cause (the largest part: volume, −$24k)."
    )
    store.close()

"""Pace in business days (weekends and holidays worked out by hand) and the plan to quota."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from cockpit.core.errors import ConfigError
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.targets import Rates, business_days, pace, parse_holidays, plan, targets, trailing_window
from tests.support.insights_db import mix_db

DEC = parse_period("2026-12", tz="Europe/Paris")


def test_business_days_in_december_2026_with_christmas() -> None:
    # 1 Dec 2026 is a Tuesday. Weekdays: 1-4 (4), 7-11 (5), 14-18 (5), 21-25 (5), 28-31 (4) = 23; minus the 25th = 22.
    # A holiday on Saturday the 26th changes nothing.
    holidays = parse_holidays(["2026-12-25", "2026-12-26"])
    assert business_days(DEC.first_day, DEC.last_day, holidays) == 22
    assert business_days(DEC.first_day, DEC.last_day, frozenset()) == 23


def test_pace_mid_period() -> None:
    now = pendulum.datetime(2026, 12, 10, 15, tz="Europe/Paris")
    p = pace(50_000_00, 100_000_00, DEC, now, ["2026-12-25"])
    # Elapsed through Thursday 10 Dec (today counts): 1-4 (4) + 7-10 (4) = 8; remaining 22 - 8 = 14.
    assert (p.days_elapsed, p.days_remaining, p.days_total) == (8, 14, 22)
    assert p.attainment == 0.5
    assert p.gap == 50_000_00
    # 50% in 8 of 22 business days: 0.5 * 22 / 8 = 1.375.
    assert p.pace == pytest.approx(1.375)
    assert not p.complete


def test_pace_counts_in_the_period_time_zone() -> None:
    # 23:30 UTC on Friday 4 Dec is already Saturday 5 Dec in Paris: still 4 business days elapsed, not 3.
    p = pace(10, 100, DEC, int(dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC).timestamp()), ())
    assert p.days_elapsed == 4


def test_pace_before_after_and_without_quota() -> None:
    before = pace(0, 100, DEC, pendulum.datetime(2026, 11, 30, tz="Europe/Paris"))
    assert before.days_elapsed == 0 and before.pace is None and before.attainment == 0
    after = pace(80, 100, DEC, pendulum.datetime(2027, 1, 15, tz="Europe/Paris"))
    # A past period is complete: pace = attainment.
    assert after.complete and after.days_elapsed == after.days_total == 23 and after.pace == pytest.approx(0.8)
    none = pace(500, 0, DEC, pendulum.datetime(2026, 12, 10, tz="Europe/Paris"))
    assert none.attainment is None and none.pace is None and none.gap == 0


def test_bad_holiday_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="2026-13-01"):
        pace(1, 1, DEC, pendulum.datetime(2026, 12, 10, tz="Europe/Paris"), ["2026-13-01"])


def test_plan_by_hand_with_team_fallback() -> None:
    # Gap 100,000.00; basket 25,000.00 -> 4 customers; conversion 40% -> 4 / 0.4 = 10 opportunities;
    # own calls per opportunity unknown, the team's 9.5 -> 10 * 9.5 = 95 calls.
    p = plan(100_000_00, Rates(25_000_00, 0.4, None), Rates(20_000_00, 0.3, 9.5), by=DEC.last_day)
    assert (p.customers, p.opportunities, p.calls) == (4, 10, 95)
    assert p.fallback == ("calls_per_opportunity",) and p.unknown == ()
    assert "4 more customers ≈ 10 opportunities ≈ 95 calls by 31 Dec" in p.message
    assert "team's calls per opportunity" in p.message


def test_plan_rounds_up_and_names_what_is_unknown() -> None:
    # 100,000.01 / 25,000.00 = 4.0000004 -> 5 customers; 5 / 0.3 = 16.7 -> 17 opportunities; no calls rate anywhere.
    p = plan(100_000_01, Rates(25_000_00, 0.3, None), Rates(None, None, None), by=DEC.last_day)
    assert (p.customers, p.opportunities, p.calls) == (5, 17, None)
    assert p.unknown == ("calls_per_opportunity",)
    assert "unknown calls per opportunity" in p.message
    done = plan(0, Rates(None, None, None), None, by=DEC.last_day)
    assert (done.customers, done.opportunities, done.calls, done.message) == (0, 0, 0, "Quota reached.")


def test_trailing_window_is_the_three_previous_periods() -> None:
    window = trailing_window(DEC)
    assert window.label == "2026-09-01..2026-11-30"


def test_targets_on_a_database(tmp_path) -> None:
    store = mix_db(tmp_path / "t.db")
    nov = parse_period("2026-11", tz="UTC")
    dash = dashboard(store, nov, trend=2)
    now = pendulum.datetime(2026, 11, 20, 12, tz="UTC")
    t = targets(store, dash, now=now, currency="USD")
    ana = next(r.rep_id for r in dash.reps if r.rep == "Ana")
    bo = next(r.rep_id for r in dash.reps if r.rep == "Bo")
    # November 2026: 1 Nov is a Sunday; weekdays 2-6, 9-13, 16-20, 23-27 (20) + the 30th = 21; through Fri 20th: 15.
    ana_pace = t.rep_pace[ana]
    assert (ana_pace.days_elapsed, ana_pace.days_total) == (15, 21)
    # Ana sold 30,000 of 60,000: attainment 0.5, pace 0.5 * 21 / 15 = 0.7, gap 30,000.
    assert ana_pace.attainment == 0.5 and ana_pace.pace == pytest.approx(0.7) and ana_pace.gap == 30_000_00
    # Window Aug-Oct: revenue 10k + 20k + 60k + 40k = 130,000 over 4 customers -> basket 32,500;
    # opportunities qualified d1..d6 = 6, of which 4 won -> 2/3; calls on deals 8 over 2 deals -> 4.0.
    # Gap 30,000 -> ceil(30,000 / 32,500) = 1 customer -> ceil(1 / (2/3)) = 2 opportunities -> 2 * 4 = 8 calls.
    ana_plan = t.rep_plan[ana]
    assert ana_plan.avg_basket == 32_500_00
    assert ana_plan.conversion_rate == pytest.approx(2 / 3)
    assert ana_plan.calls_per_opportunity == 4.0
    assert (ana_plan.customers, ana_plan.opportunities, ana_plan.calls) == (1, 2, 8)
    assert ana_plan.fallback == ()
    # Bo has no history: every rate falls back to the team's (Ana's alone). Gap 20,000 -> 1 -> 2 -> 8.
    bo_plan = t.rep_plan[bo]
    assert bo_plan.fallback == ("avg_basket", "conversion_rate", "calls_per_opportunity")
    assert (bo_plan.customers, bo_plan.opportunities, bo_plan.calls) == (1, 2, 8)
    assert "team's average basket, conversion rate, calls per opportunity" in bo_plan.message
    # Team: quota 80,000, revenue 30,000 -> gap 50,000 -> ceil(50,000 / 32,500) = 2 -> ceil(3.0) = 3 -> 12 calls.
    assert (t.team_plan.customers, t.team_plan.opportunities, t.team_plan.calls) == (2, 3, 12)
    j = t.team_pace.to_json("USD")
    assert j["quota"] == 80_000 and j["revenue"] == 30_000 and j["gap"] == 50_000


# ------------------------------------------------------------------------------- finished periods (issue 19 §4)
# mix_db (UTC): November 2026 quotas Ana 60,000 and Bo 20,000 (team North: none of its own, so 80,000); Ana won
# 30,000 on 10 Nov, Bo nothing. October: Ana's quota 50,000, her wins 10,000 + 20,000 + 60,000 + 40,000 = 130,000;
# Bo has no October quota.


def _plans(tmp_path, spec: str, now: pendulum.DateTime):
    store = mix_db(tmp_path / "f.db")
    dash = dashboard(store, parse_period(spec, tz="UTC"), trend=2)
    t = targets(store, dash, now=now, currency="USD")
    ids = {r.rep: r.rep_id for r in dash.reps}
    return t, ids


def test_plan_mid_period_aims_at_the_last_day(tmp_path) -> None:
    t, ids = _plans(tmp_path, "2026-11", pendulum.datetime(2026, 11, 20, 12, tz="UTC"))
    ana = t.rep_plan[ids["Ana"]]
    assert not ana.over and ana.by == dt.date(2026, 11, 30)
    assert ana.message == "$30k to go: 1 more customer ≈ 2 opportunities ≈ 8 calls by 30 Nov."


def test_plan_on_the_last_day_aims_at_today(tmp_path) -> None:
    t, ids = _plans(tmp_path, "2026-11", pendulum.datetime(2026, 11, 30, 23, 59, tz="UTC"))
    ana = t.rep_plan[ids["Ana"]]
    # The day in progress is still ahead: the same plan, said to be for today.
    assert not ana.over and ana.by == dt.date(2026, 11, 30) and (ana.customers, ana.opportunities) == (1, 2)
    assert ana.message == "$30k to go: 1 more customer ≈ 2 opportunities ≈ 8 calls by today (30 Nov)."
    assert t.rep_pace[ids["Ana"]].days_remaining == 0 and not t.rep_pace[ids["Ana"]].complete


def test_plan_after_the_end_says_the_period_is_over_and_by_how_much(tmp_path) -> None:
    # 6 December, as in the issue (the cockpit opened on November, the latest month with data).
    t, ids = _plans(tmp_path, "2026-11", pendulum.datetime(2026, 12, 6, 9, tz="UTC"))
    ana = t.rep_plan[ids["Ana"]]
    assert ana.over and ana.by is None and (ana.customers, ana.opportunities, ana.calls) == (None, None, None)
    # 60,000 − 30,000 = 30,000 missed; the team 80,000 − 30,000 = 50,000; Bo 20,000 − 0.
    assert ana.message == "Period over: missed quota by $30k."
    assert t.team_plan.message == "Period over: missed quota by $50k."
    assert t.rep_plan[ids["Bo"]].message == "Period over: missed quota by $20k."
    j = ana.to_json("USD")
    assert j["over"] is True and j["by"] is None and j["gap"] == 30_000
    assert "Nov" not in ana.message


def test_plan_of_a_beaten_quota_and_of_no_quota_after_the_end(tmp_path) -> None:
    t, ids = _plans(tmp_path, "2026-10", pendulum.datetime(2026, 11, 20, 12, tz="UTC"))
    # Ana: 130,000 − 50,000 = 80,000 beyond her quota; the team (her quota alone) the same.
    assert t.rep_plan[ids["Ana"]].message == "Period over: beat quota by $80k."
    assert t.team_plan.message == "Period over: beat quota by $80k."
    assert t.rep_plan[ids["Bo"]].message == "Period over; no quota was set."


def test_plan_met_exactly_and_before_the_end() -> None:
    done = plan(0, Rates(None, None, None), None, by=DEC.last_day, today=dt.date(2027, 1, 2), margin=0)
    assert done.over and done.message == "Period over: met quota exactly."
    # Without a margin the gap says how much was missed.
    missed = plan(1_234_00, Rates(None, None, None), None, by=DEC.last_day, today=dt.date(2027, 1, 1))
    assert missed.message == "Period over: missed quota by $1.2k."
    # A period that has not begun is planned for its last day like a running one.
    ahead = plan(1_00, Rates(1_00, 1.0, 1.0), None, by=DEC.last_day, today=dt.date(2026, 11, 2))
    assert not ahead.over and ahead.message == "$1 to go: 1 more customer ≈ 1 opportunity ≈ 1 call by 31 Dec."


def test_a_plan_never_points_at_a_past_day(tmp_path) -> None:
    store = mix_db(tmp_path / "a.db")
    dash = dashboard(store, parse_period("2026-11", tz="UTC"), trend=2)
    day = dt.date(2026, 10, 25)
    while day <= dt.date(2026, 12, 10):
        now = pendulum.datetime(day.year, day.month, day.day, 18, tz="UTC")
        t = targets(store, dash, now=now)
        for p in (t.team_plan, *t.rep_plan.values()):
            assert (p.by is None) == (day > dt.date(2026, 11, 30)), day
            assert p.by is None or p.by >= day, day
            assert p.over or p.by is not None
        day += dt.timedelta(days=1)

"""Monthly quotas and costs prorated into periods shorter or longer than a month (issue 19 §3).

A period that holds part of a month takes part of that month's quota, in proportion to business days (weekdays that
are not configured holidays), and part of its cost, in proportion to calendar days. Rounding is cumulative: the part
of an amount A of a month whose days weigh T in all, for a period that holds the days weighing from B (exclusive) to
C (inclusive) counted from the month's 1st, is round(A × C / T) − round(A × B / T), halves rounded up. Every expected
value below is worked out by hand from that rule and the calendar (never copied from the code's output).

Calendar, checked by hand: 1 November 2026 is a Sunday, so November's business days are 2-6, 9-13, 16-20, 23-27 and
30: 21 of them, 15 before the 23rd, 20 through the 29th. 1 December 2026 is a Tuesday: 1-4, 7-11, 14-18, 21-25,
28-31 = 23 weekdays, 22 with the configured holiday on Friday 25 December. ISO weeks: W47 = 16-22 Nov, W48 = 23-29 Nov,
W49 = 30 Nov - 6 Dec (straddles the two months).

The database (UTC, USD, amounts in cents):
  reps       Ana (East), Bo (East), Cy (West)
  quotas     Ana: Nov 2_100_000, Dec 2_200_000, Apr 2027 999_999; Bo: Nov 1_000_000, Dec 1_000_000;
             Cy: Nov 500_000; team West: Dec 300_000 (its own: replaces its reps' sum for December)
  costs      Nov marketing 300_000 + sales 100_000 = 400_000; Dec marketing 310_000
  deals      Ana wins 250_000 from the new account Acme on Tue 24 Nov
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.core.analysis import channels
from cockpit.core.kpi import Dashboard, MonthlyMoney, cost_in, dashboard, quota_in
from cockpit.core.periods import business_days, month_shares, parse_period
from cockpit.core.store import Store
from cockpit.core.store.measures import FreshReads
from cockpit.core.targets import targets

TZ = "UTC"
HOLIDAYS = ("2026-12-25",)


def ts(day: str, hour: int = 12) -> int:
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, hour, tzinfo=dt.UTC).timestamp())


def build(path: Path) -> Store:
    store = Store(path, create=True, now=lambda: ts("2027-06-01"))
    ana = store.add_rep("Ana", team="East")
    bo = store.add_rep("Bo", team="East")
    cy = store.add_rep("Cy", team="West")
    store.set_quota(month="2026-11", amount=2_100_000, rep_id=ana)
    store.set_quota(month="2026-12", amount=2_200_000, rep_id=ana)
    store.set_quota(month="2027-04", amount=999_999, rep_id=ana)
    store.set_quota(month="2026-11", amount=1_000_000, rep_id=bo)
    store.set_quota(month="2026-12", amount=1_000_000, rep_id=bo)
    store.set_quota(month="2026-11", amount=500_000, rep_id=cy)
    store.set_quota(month="2026-12", amount=300_000, team="West")
    store.set_cost(month="2026-11", category="marketing", amount=300_000)
    store.set_cost(month="2026-11", category="sales", amount=100_000)
    store.set_cost(month="2026-12", category="marketing", amount=310_000)
    deal = store.add_deal(
        rep_id=ana, title="a", amount=250_000, account="Acme", stage="qualified", created_at=ts("2026-11-20")
    )
    store.move_deal(deal, "won", at=ts("2026-11-24"))
    return store


@pytest.fixture
def db(tmp_path: Path) -> Store:
    store = build(tmp_path / "p.db")
    yield store
    store.close()


def board(store: Store, spec: str, *, fiscal_start_month: int = 1, holidays=HOLIDAYS) -> Dashboard:
    period = parse_period(spec, tz=TZ, fiscal_start_month=fiscal_start_month)
    return dashboard(store, period, trend=2, holidays=holidays)


def quotas(dash: Dashboard) -> dict[str, int]:
    return {r.rep: r["quota"] for r in dash.reps}


def test_a_full_month_gets_exactly_its_stored_amounts(db: Store) -> None:
    nov = board(db, "2026-11")
    assert quotas(nov) == {"Ana": 2_100_000, "Bo": 1_000_000, "Cy": 500_000}
    assert nov.team["quota"] == 3_600_000 and nov.team["cost"] == 400_000
    dec = board(db, "2026-12")
    # December: East has no team quota (Ana + Bo), West its own 300_000 (Cy has none of his own).
    assert quotas(dec) == {"Ana": 2_200_000, "Bo": 1_000_000, "Cy": 0}
    assert dec.team["quota"] == 3_500_000 and dec.team["cost"] == 310_000


def test_a_week_inside_a_month(db: Store) -> None:
    w48 = board(db, "2026-W48")
    # W48 = 23-29 Nov: business days 16th..20th of November's 21, i.e. 15 before it and 20 through it (5/21).
    # Ana: round(2_100_000 × 20/21) − round(2_100_000 × 15/21) = 2_000_000 − 1_500_000 = 500_000.
    # Bo:  round(952_380.95) − round(714_285.71) = 952_381 − 714_286 = 238_095.
    # Cy:  round(476_190.48) − round(357_142.86) = 476_190 − 357_143 = 119_047 (5/21 alone would round to 119_048:
    #      the cumulative scheme gives the cent to a neighbouring week, so that the weeks add up to the month).
    assert quotas(w48) == {"Ana": 500_000, "Bo": 238_095, "Cy": 119_047}
    # No team quota in November: the team's is the sum of the reps' parts.
    assert w48.team["quota"] == 500_000 + 238_095 + 119_047
    # Cost by calendar days: 22 of November's 30 before the 23rd, 29 through the 29th (7/30):
    # round(400_000 × 29/30) − round(400_000 × 22/30) = 386_667 − 293_333 = 93_334.
    assert w48.team["cost"] == 93_334
    # Acme's first win (24 Nov) makes one new customer: CAC = 93_334, not the $0 of a week with no 1st of a month.
    assert w48.team["new_customers"] == 1 and w48.team["cac"] == 93_334
    # Attainment: Ana sold 250_000 of 500_000.
    assert next(r for r in w48.reps if r.rep == "Ana")["attainment"] == pytest.approx(0.5)


def test_a_week_at_the_start_of_a_month_no_longer_has_zero_cost(db: Store) -> None:
    w47 = board(db, "2026-W47")
    # W47 = 16-22 Nov: business days 10 before (2-6, 9-13), 15 through the 22nd.
    # Ana: round(2_100_000 × 15/21) − round(2_100_000 × 10/21) = 1_500_000 − 1_000_000 = 500_000.
    # Cy: round(500_000 × 15/21 = 357_142.86) − round(500_000 × 10/21 = 238_095.24) = 357_143 − 238_095 = 119_048.
    assert quotas(w47)["Ana"] == 500_000 and quotas(w47)["Cy"] == 119_048
    # Cost: 15 calendar days before, 22 through: round(293_333.33) − round(200_000) = 293_333 − 200_000 = 93_333.
    assert w47.team["cost"] == 93_333


def test_a_week_across_two_months_with_a_holiday(db: Store) -> None:
    w49 = board(db, "2026-W49")
    # W49 = Mon 30 Nov .. Sun 6 Dec. November: its last business day (20 before, 21 through): 1/21.
    #   Ana 2_100_000 − round(2_100_000 × 20/21) = 100_000; Bo 1_000_000 − 952_381 = 47_619;
    #   Cy 500_000 − 476_190 = 23_810.
    # December: 1-4 Dec are 4 of its 22 business days (the 25th is a holiday): 0 before, 4 through.
    #   Ana round(2_200_000 × 4/22) = 400_000; Bo round(181_818.18) = 181_818; West's own round(54_545.45) = 54_545.
    assert quotas(w49) == {"Ana": 100_000 + 400_000, "Bo": 47_619 + 181_818, "Cy": 23_810}
    # Team: Nov East 147_619 + West 23_810; Dec East (no team quota) 581_818 + West's own 54_545 = 807_792.
    assert w49.team["quota"] == 807_792
    # Cost: November's last calendar day, 400_000 − round(400_000 × 29/30) = 13_333; December 1-6, 6/31 of 310_000
    # = 60_000 exactly. 73_333 in all: the week no longer carries all or nothing of either month.
    assert w49.team["cost"] == 73_333
    # Without the holiday December has 23 business days: Ana's December part is round(2_200_000 × 4/23 = 382_608.70).
    plain = board(db, "2026-W49", holidays=())
    assert quotas(plain)["Ana"] == 100_000 + 382_609


def test_a_custom_range_across_two_months(db: Store) -> None:
    dash = board(db, "2026-11-16..2026-12-11")
    # November 16-30: 10 business days before, 21 through. Ana 2_100_000 − round(1_000_000) = 1_100_000;
    #   Bo 1_000_000 − round(476_190.48) = 523_810; Cy 500_000 − round(238_095.24) = 261_905.
    # December 1-11: 1-4 and 7-11 = 9 of 22. Ana round(2_200_000 × 9/22) = 900_000; Bo round(409_090.91) = 409_091;
    #   West's own round(300_000 × 9/22 = 122_727.27) = 122_727.
    assert quotas(dash) == {"Ana": 2_000_000, "Bo": 523_810 + 409_091, "Cy": 261_905}
    assert dash.team["quota"] == 2_000_000 + 523_810 + 409_091 + 261_905 + 122_727
    # Cost: November 16-30 = 15 of 30 days, 400_000 − 200_000; December 1-11 = 11 of 31, round(110_000) = 110_000.
    assert dash.team["cost"] == 200_000 + 110_000


def test_a_fiscal_year_and_a_quarter_hold_whole_months(db: Store) -> None:
    # FY2027 starting in April = April 2026 .. March 2027: all of November and December, not April 2027.
    fy = board(db, "FY2027", fiscal_start_month=4)
    assert quotas(fy) == {"Ana": 2_100_000 + 2_200_000, "Bo": 2_000_000, "Cy": 500_000}
    assert fy.team["quota"] == 3_600_000 + 3_500_000 and fy.team["cost"] == 710_000
    q4 = board(db, "2026-Q4")
    assert q4.team["quota"] == 7_100_000 and q4.team["cost"] == 710_000


def test_the_weeks_of_a_month_add_up_to_it(db: Store) -> None:
    # The November parts of W45 (2-8 Nov, plus Sunday 1 Nov in W44) .. W49 add up to November's amounts exactly.
    specs = ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    weeks = [board(db, spec) for spec in specs]
    nov_part_w49 = {"Ana": 100_000, "Bo": 47_619, "Cy": 23_810}  # worked out in the test above
    for rep, month in (("Ana", 2_100_000), ("Bo", 1_000_000), ("Cy", 500_000)):
        total = sum(quotas(w).get(rep, 0) for w in weeks[:-1]) + nov_part_w49[rep]
        assert total == month, rep


def test_pace_and_plan_of_a_week_use_the_prorated_quota(db: Store) -> None:
    dash = board(db, "2026-W48")
    # Wednesday 25 Nov: 3 of W48's 5 business days elapsed. Ana sold 250_000 of 500_000 -> attainment 0.5,
    # pace 0.5 × 5 / 3; the gap is 250_000 and the plan aims at Sunday 29 Nov.
    t = targets(db, dash, now=pendulum.datetime(2026, 11, 25, 15, tz=TZ), holidays=HOLIDAYS)
    ana = next(r.rep_id for r in dash.reps if r.rep == "Ana")
    p = t.rep_pace[ana]
    assert (p.quota, p.revenue, p.days_elapsed, p.days_total) == (500_000, 250_000, 3, 5)
    assert p.pace == pytest.approx(0.5 * 5 / 3)
    assert t.rep_plan[ana].gap == 250_000 and t.rep_plan[ana].by == dt.date(2026, 11, 29)
    # The team: 857_142 of quota, 250_000 sold.
    assert t.team_pace.quota == 857_142 and t.team_pace.gap == 607_142


def test_a_quota_written_after_a_cached_dashboard_shows_at_once(db: Store) -> None:
    before = board(db, "2026-W48")
    assert quotas(before)["Cy"] == 119_047
    cy = next(r.rep_id for r in before.reps if r.rep == "Cy")
    db.set_quota(month="2026-11", amount=2_100_000, rep_id=cy)
    # Cached buckets, fresh quotas: 2_100_000 × 5/21 = 500_000, as Ana's above.
    assert quotas(board(db, "2026-W48"))["Cy"] == 500_000


def test_the_report_of_a_week_carries_the_prorated_figures(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "r.db"
    build(path).close()
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COCKPIT_NOW", "2026-12-06T12:00:00")
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_CURRENCY", "USD")
    monkeypatch.delenv("COCKPIT_DB", raising=False)
    capsys.readouterr()
    assert main(["report", "--db", str(path), "--period", "2026-W48", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    team = report["team"]
    # The figures of test_a_week_inside_a_month in dollars: quota 8,571.42, cost and CAC 933.34.
    assert (team["quota"], team["cost"], team["cac"]) == (8571.42, 933.34, 933.34)
    ana = next(r for r in report["reps"] if r["rep"] == "Ana")
    assert (ana["quota"], ana["attainment"]) == (5000.0, 0.5)
    # W48 ended on 29 Nov: seen on 6 Dec its plan is over and points at no date.
    assert ana["plan"]["over"] is True and ana["plan"]["by"] is None
    # 5,000 − 2,500 = $2,500 missed, in the compact money of the messages ("$182.4k", docs of format_money).
    assert ana["plan"]["message"] == "Period over: missed quota by $2.5k."


# ------------------------------------------------------------------------------------------ properties


def naive_business_days(first: dt.date, last: dt.date, holidays: frozenset[dt.date]) -> int:
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return sum(1 for day in days if day.weekday() < 5 and day not in holidays)


@st.composite
def month_and_cuts(draw: st.DrawFn) -> tuple[int, int, list[int], frozenset[dt.date]]:
    """A month, the days after which it is cut into consecutive ranges, and holidays in it."""
    year, month = draw(st.integers(1970, 2100)), draw(st.integers(1, 12))
    length = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    cuts = sorted(draw(st.sets(st.integers(1, length - 1), max_size=length - 1)))
    holidays = draw(st.sets(st.integers(1, length), max_size=length))
    return year, month, cuts, frozenset(dt.date(year, month, d) for d in holidays)


def ranges(year: int, month: int, cuts: list[int]) -> list[str]:
    """The custom ranges of a month cut after the days ``cuts``."""
    length = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    bounds = [0, *cuts, length]
    pairs = zip(bounds[:-1], bounds[1:], strict=True)
    return [f"{year:04d}-{month:02d}-{a + 1:02d}..{year:04d}-{month:02d}-{b:02d}" for a, b in pairs]


AMOUNTS = st.integers(0, 10**15)  # the store's range of amounts (cockpit.core.store.validation.MAX_AMOUNT)


@settings(max_examples=300, deadline=None)
@given(month_and_cuts(), AMOUNTS, AMOUNTS)
def test_the_parts_of_any_partition_of_a_month_add_up_to_it_exactly(case, quota: int, cost: int) -> None:
    year, month, cuts, holidays = case
    key = f"{year:04d}-{month:02d}"
    parts = [parse_period(spec, tz=TZ) for spec in ranges(year, month, cuts)]
    quota_parts = [quota_in(p, {key: quota}, holidays) for p in parts]
    cost_parts = [cost_in(p, {key: cost}) for p in parts]
    assert sum(quota_parts) == quota and sum(cost_parts) == cost
    assert min(quota_parts) >= 0 and min(cost_parts) >= 0
    # Each part is within one minor unit of its exact share (by calendar days for costs).
    length = sum(p.days for p in parts)
    for p, part in zip(parts, cost_parts, strict=True):
        assert abs(part - cost * p.days / length) <= 1


@settings(max_examples=100, deadline=None)
@given(month_and_cuts(), st.lists(AMOUNTS, min_size=3, max_size=3), st.none() | AMOUNTS)
def test_rep_and_team_quotas_of_a_partition_add_up_to_the_month(case, amounts: list[int], own: int | None) -> None:
    """Through the function every consumer uses: a team with no quota of its own has its reps' sum in every part."""
    year, month, cuts, holidays = case
    key = f"{year:04d}-{month:02d}"
    reps = [{"id": i, "team": "North"} for i in range(3)]
    team_quotas = [("north", key, own)] if own is not None else []
    money = MonthlyMoney.of(FreshReads([(i, key, a) for i, a in enumerate(amounts)], team_quotas, [], reps))
    found = [money.in_period(parse_period(spec, tz=TZ), holidays) for spec in ranges(year, month, cuts)]
    for i, amount in enumerate(amounts):
        assert sum(f.rep_quota[i] for f in found) == amount
    assert sum(f.team_quota for f in found) == (sum(amounts) if own is None else own)
    if own is None:
        assert all(f.team_quota == sum(f.rep_quota.values()) for f in found)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(dt.date(1970, 1, 1), dt.date(2100, 12, 31)),
    st.integers(0, 800),
    st.sets(st.dates(dt.date(1970, 1, 1), dt.date(2100, 12, 31)), max_size=20),
)
def test_business_days_agree_with_counting_day_by_day(first: dt.date, span: int, holidays: set[dt.date]) -> None:
    last = first + dt.timedelta(days=span)
    days = frozenset(holidays | {first + dt.timedelta(days=i) for i in range(0, span, 9)})
    assert business_days(first, last, days) == naive_business_days(first, last, days)


def test_month_shares_name_every_month_a_period_overlaps() -> None:
    # 2026-01-15..2026-03-10: January from the 15th (14 days before), February whole, March 1st..10th.
    shares = month_shares(parse_period("2026-01-15..2026-03-10", tz=TZ))
    assert [(s.month, s.before, s.through, s.total, s.whole) for s in shares] == [
        ("2026-01", 14, 31, 31, False),
        ("2026-02", 0, 28, 28, True),
        ("2026-03", 0, 10, 31, False),
    ]
    # A month whose weekdays are all holidays has no business day: its quota is spread by calendar days instead.
    feb = {dt.date(2026, 2, d) for d in range(1, 29)}
    first_week = parse_period("2026-02-01..2026-02-07", tz=TZ)
    assert quota_in(first_week, {"2026-02": 2_800}, frozenset(feb)) == 700


def test_a_channels_cost_is_prorated_like_the_team_cost(tmp_path: Path) -> None:
    """The channel table's cost and CAC of a week take the same calendar-day parts as the KPI strip's cost."""
    store = Store(tmp_path / "c.db", create=True, now=lambda: ts("2027-06-01"))
    try:
        ana = store.add_rep("Ana", team="East")
        store.set_cost(month="2026-11", category="marketing", amount=300_000, channel="Web")
        store.set_cost(month="2026-12", category="marketing", amount=310_000, channel="web ")  # same channel
        store.set_cost(month="2026-12", category="sales", amount=62_000, channel="Events")
        deal = store.add_deal(
            rep_id=ana,
            title="a",
            amount=90_000,
            account="Acme",
            stage="qualified",
            created_at=ts("2026-11-20"),
            source="Web",
        )
        store.move_deal(deal, "won", at=ts("2026-12-02"))
        rows = {r.name.strip().casefold(): r for r in channels(store, parse_period("2026-W49", tz=TZ))}
        # W49 holds 30 Nov (the last of November's 30 days) and 1-6 Dec (6 of 31).
        # Web: 300_000 − round(300_000 × 29/30) = 300_000 − 290_000 = 10_000; plus 310_000 × 6/31 = 60_000.
        assert rows["web"].cost == 70_000
        # Events: round(62_000 × 6/31) = 12_000.
        assert rows["events"].cost == 12_000
        # The whole of December still gets its full amounts.
        december = {r.name.strip().casefold(): r for r in channels(store, parse_period("2026-12", tz=TZ))}
        assert (december["web"].cost, december["events"].cost) == (310_000, 62_000)
    finally:
        store.close()

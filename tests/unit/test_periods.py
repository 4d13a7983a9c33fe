"""Tests for cockpit.core.periods: every spec form, navigation, labels, DST and tiling properties."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.errors import CockpitError, PeriodError
from cockpit.core.periods import Period, PeriodKind, last_n, local_tz, parse_period, period_containing

PARIS = "Europe/Paris"
# Friday 27 November 2026, 15:00 in Paris: ISO week 48 of 2026.
NOW = pendulum.datetime(2026, 11, 27, 15, 0, tz=PARIS)


def paris(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=PARIS)


def p(spec: str, **kw) -> Period:
    kw.setdefault("tz", PARIS)
    kw.setdefault("now", NOW)
    return parse_period(spec, **kw)


# --- absolute forms ---


@pytest.mark.parametrize(
    ("spec", "kind", "start", "end", "label"),
    [
        # ISO week 47 of 2026 starts on Monday 16 November.
        ("2026-W47", PeriodKind.WEEK, (2026, 11, 16), (2026, 11, 23), "2026-W47"),
        ("2026-w47", PeriodKind.WEEK, (2026, 11, 16), (2026, 11, 23), "2026-W47"),
        # 2020 has 53 ISO weeks; week 53 runs into 2021.
        ("2020-W53", PeriodKind.WEEK, (2020, 12, 28), (2021, 1, 4), "2020-W53"),
        # ISO week 1 of 2026 starts in December 2025 (1 January 2026 is a Thursday).
        ("2026-W01", PeriodKind.WEEK, (2025, 12, 29), (2026, 1, 5), "2026-W01"),
        ("2026-11", PeriodKind.MONTH, (2026, 11, 1), (2026, 12, 1), "2026-11"),
        ("2026-12", PeriodKind.MONTH, (2026, 12, 1), (2027, 1, 1), "2026-12"),
        ("2026-Q3", PeriodKind.QUARTER, (2026, 7, 1), (2026, 10, 1), "2026-Q3"),
        ("2026-q4", PeriodKind.QUARTER, (2026, 10, 1), (2027, 1, 1), "2026-Q4"),
        ("2026", PeriodKind.YEAR, (2026, 1, 1), (2027, 1, 1), "2026"),
        ("2026-01-05..2026-02-10", PeriodKind.CUSTOM, (2026, 1, 5), (2026, 2, 11), "2026-01-05..2026-02-10"),
        ("2026-01-05 .. 2026-01-05", PeriodKind.CUSTOM, (2026, 1, 5), (2026, 1, 6), "2026-01-05..2026-01-05"),
    ],
)
def test_absolute_specs(spec, kind, start, end, label):
    got = p(spec)
    assert got.kind is kind
    assert got.start == paris(*start)
    assert got.end == paris(*end)
    assert got.label == label
    assert got.start.timezone_name == PARIS


def test_fiscal_year_named_by_the_year_it_ends():
    # Start month 4: FY2027 = 1 April 2026 .. 31 March 2027.
    fy = p("FY2027", fiscal_start_month=4)
    assert fy.kind is PeriodKind.FISCAL_YEAR
    assert (fy.start, fy.end) == (paris(2026, 4, 1), paris(2027, 4, 1))
    assert fy.last_day == pendulum.date(2027, 3, 31)
    # Start month 1: FY2027 is calendar 2027.
    fy1 = p("fy2027")
    assert (fy1.start, fy1.end, fy1.label) == (paris(2027, 1, 1), paris(2028, 1, 1), "FY2027")
    # Start month 10 (US federal): FY2027 = 1 October 2026 .. 30 September 2027.
    fy10 = p("FY2027", fiscal_start_month=10)
    assert (fy10.start, fy10.end) == (paris(2026, 10, 1), paris(2027, 10, 1))


def test_fiscal_year_containing_a_moment():
    # 15 March 2026 with an April start lies in the year that ends in March 2026: FY2026.
    assert period_containing("fy", paris(2026, 3, 15), tz=PARIS, fiscal_start_month=4).label == "FY2026"
    # 1 April 2026 starts FY2027.
    assert period_containing("fy", paris(2026, 4, 1), tz=PARIS, fiscal_start_month=4).label == "FY2027"
    assert period_containing("fy", paris(2026, 4, 1), tz=PARIS, fiscal_start_month=1).label == "FY2026"


# --- relative forms ---


@pytest.mark.parametrize(
    ("spec", "label"),
    [
        ("this-week", "2026-W48"),  # Monday 23 .. Sunday 29 November
        ("last-week", "2026-W47"),
        ("next-week", "2026-W49"),
        ("this-month", "2026-11"),
        ("last-month", "2026-10"),
        ("This-Month", "2026-11"),
        ("this-quarter", "2026-Q4"),
        ("last-quarter", "2026-Q3"),
        ("this-year", "2026"),
        ("last-year", "2025"),
        ("this-fy", "FY2027"),  # with an April start, November 2026 is in FY2027
        ("last-fy", "FY2026"),
        ("ytd", "2026-01-01..2026-11-27"),
        ("today", "2026-11-27..2026-11-27"),
        ("yesterday", "2026-11-26..2026-11-26"),
    ],
)
def test_relative_specs(spec, label):
    assert p(spec, fiscal_start_month=4).label == label


def test_ytd_runs_to_the_start_of_tomorrow():
    ytd = p("ytd")
    assert ytd.kind is PeriodKind.CUSTOM
    assert ytd.start == paris(2026, 1, 1)
    assert ytd.end == paris(2026, 11, 28)


def test_relative_specs_use_now_in_the_configured_zone():
    # 23:30 UTC on Sunday 29 November is already Monday 30 November in Paris: the next ISO week.
    now = pendulum.datetime(2026, 11, 29, 23, 30, tz="UTC")
    assert parse_period("this-week", now=now, tz=PARIS).label == "2026-W49"
    assert parse_period("this-week", now=now, tz="UTC").label == "2026-W48"
    # 31 December 23:30 UTC is 1 January in Seoul.
    now = pendulum.datetime(2026, 12, 31, 23, 30, tz="UTC")
    assert parse_period("this-year", now=now, tz="Asia/Seoul").label == "2027"


def test_default_now_is_the_current_time():
    today = pendulum.now(PARIS).date()
    got = parse_period("today", tz=PARIS)
    # The clock may cross midnight during the test; accept the day after too.
    assert got.first_day in (today, today.add(days=1))


# --- errors ---


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "   ",
        "garbage",
        "2026-13",
        "2026-00",
        "2026-W54",
        "2025-W53",  # 2025 has 52 ISO weeks (2026 has 53)
        "2026-W00",
        "2026-Q5",
        "2026-Q0",
        "FY",
        "1969",
        "2101",
        "2026-02-10..2026-01-05",  # ends before it starts
        "2026-02-30..2026-03-01",
        "2026-01-05..",
        "..2026-01-05",
        "2026/01/05..2026/02/01",
        "this-decade",
        "last month please",
        "26-11",
    ],
)
def test_bad_specs_raise_a_one_line_period_error(spec):
    with pytest.raises(PeriodError) as info:
        p(spec)
    message = str(info.value)
    assert "\n" not in message
    assert repr(spec) in message
    assert isinstance(info.value, CockpitError)
    assert isinstance(info.value, ValueError)


def test_unparseable_spec_names_the_accepted_forms():
    with pytest.raises(PeriodError, match=r"2026-W47.*FY2027.*ytd"):
        p("soon")


def test_bad_time_zone_and_arguments():
    with pytest.raises(PeriodError, match="Mars/Olympus"):
        parse_period("2026", tz="Mars/Olympus")
    with pytest.raises(PeriodError):
        local_tz("")
    with pytest.raises(PeriodError, match="fiscal"):
        parse_period("2026", tz=PARIS, fiscal_start_month=13)
    with pytest.raises(PeriodError, match="kind"):
        period_containing("fortnight", NOW, tz=PARIS)
    with pytest.raises(PeriodError, match="custom"):
        period_containing(PeriodKind.CUSTOM, NOW, tz=PARIS)
    with pytest.raises(PeriodError, match="naive"):
        period_containing("month", dt.datetime(2026, 1, 1), tz=PARIS)
    with pytest.raises(PeriodError):
        last_n(p("2026-11"), 0)


def test_local_tz():
    assert local_tz(PARIS).name == PARIS
    assert local_tz(None) == pendulum.local_timezone()


# --- navigation ---


def test_previous_and_next_cross_year_boundaries():
    assert p("2026-01").previous().label == "2025-12"
    assert p("2026-12").next().label == "2027-01"
    assert p("2026-Q1").previous().label == "2025-Q4"
    assert p("2026-W01").previous().label == "2025-W52"
    assert p("2020-W53").next().label == "2021-W01"
    assert p("2026").next().label == "2027"
    assert p("FY2027", fiscal_start_month=4).previous().label == "FY2026"
    assert p("FY2027", fiscal_start_month=4).next().start == paris(2027, 4, 1)


def test_custom_range_shifts_by_its_own_length():
    # 5 Jan .. 10 Feb inclusive is 27 + 10 = 37 days.
    rng = p("2026-01-05..2026-02-10")
    assert rng.days == 37
    assert rng.previous().label == "2025-11-29..2026-01-04"  # 37 days ending the day before 5 January
    assert rng.next().label == "2026-02-11..2026-03-19"  # 37 days from 11 February
    assert rng.previous().next() == rng


def test_last_n_is_oldest_first_and_ends_with_the_period():
    got = last_n(p("2026-02"), 4)
    assert [x.label for x in got] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert last_n(p("2026-W02"), 1) == [p("2026-W02")]
    weeks = last_n(p("2026-W02"), 3)
    assert [x.label for x in weeks] == ["2025-W52", "2026-W01", "2026-W02"]


def test_contains_is_half_open():
    nov = p("2026-11")
    assert nov.contains(nov.start_ts)
    assert nov.contains(nov.end_ts - 1)
    assert not nov.contains(nov.end_ts)
    assert not nov.contains(nov.start_ts - 1)
    # 1 November 2026 00:00 in Paris (UTC+1) is 31 October 23:00 UTC.
    assert nov.start_ts == int(dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC).timestamp())


def test_first_and_last_day():
    q = p("2026-Q1")
    assert q.first_day == pendulum.date(2026, 1, 1)
    assert q.last_day == pendulum.date(2026, 3, 31)
    assert p("2028-02").last_day == pendulum.date(2028, 2, 29)  # leap year


def test_months():
    assert p("2026-Q3").months() == ["2026-07", "2026-08", "2026-09"]
    assert p("2026-11").months() == ["2026-11"]
    # Week 49 of 2026 (30 Nov .. 6 Dec) holds 1 December only.
    assert p("2026-W49").months() == ["2026-12"]
    assert p("2026-W48").months() == []
    # A range starting mid-month counts only the months whose first day it holds.
    assert p("2026-01-15..2026-03-01").months() == ["2026-02", "2026-03"]
    assert p("FY2027", fiscal_start_month=4).months()[0] == "2026-04"
    assert p("FY2027", fiscal_start_month=4).months()[-1] == "2027-03"
    assert len(p("2026").months()) == 12


# --- DST ---


def test_dst_month_lengths_in_paris():
    # Clocks go forward on 29 March 2026 (23 hour day) and back on 25 October 2026 (25 hour day).
    march = p("2026-03")
    assert march.end_ts - march.start_ts == (31 * 24 - 1) * 3600  # 743 hours
    october = p("2026-10")
    assert october.end_ts - october.start_ts == (31 * 24 + 1) * 3600  # 745 hours
    assert march.end == paris(2026, 4, 1)
    assert march.end.hour == 0


def test_week_spanning_the_dst_change():
    # ISO week 13 of 2026: Monday 23 .. Sunday 29 March, the change happens on its Sunday.
    week = period_containing("week", paris(2026, 3, 29, 12), tz=PARIS)
    assert week.label == "2026-W13"
    assert (week.start, week.end) == (paris(2026, 3, 23), paris(2026, 3, 30))
    assert week.end_ts - week.start_ts == (7 * 24 - 1) * 3600
    assert week.start.utcoffset() == dt.timedelta(hours=1)
    assert week.end.utcoffset() == dt.timedelta(hours=2)
    assert week.next().start == week.end


def test_midnight_that_does_not_exist_starts_the_day_at_the_first_instant():
    # Santiago moved clocks from 00:00 to 01:00 on 7 September 2025: that day starts at 01:00 local.
    day = parse_period("2025-09-07..2025-09-07", tz="America/Santiago")
    assert day.start.hour == 1
    assert day.end_ts - day.start_ts == 23 * 3600
    assert day.previous().end == day.start


def test_period_containing_accepts_unix_seconds():
    # 1 November 2026 00:30 in Paris is 31 October 23:30 UTC: November in Paris, October in UTC.
    ts = int(dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC).timestamp())
    assert period_containing("month", ts, tz=PARIS).label == "2026-11"
    assert period_containing("month", ts, tz="UTC").label == "2026-10"
    assert period_containing(PeriodKind.QUARTER, ts, tz=PARIS).label == "2026-Q4"


# --- labels round-trip ---


@pytest.mark.parametrize(
    "spec", ["2026-W47", "2026-11", "2026-Q3", "2026", "FY2027", "2026-01-05..2026-02-10", "2020-W53"]
)
def test_labels_round_trip(spec):
    got = p(spec, fiscal_start_month=7)
    assert parse_period(got.label, tz=PARIS, fiscal_start_month=7) == got


# --- properties ---

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Santiago",  # DST changes at midnight
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Seoul",
    "Asia/Kolkata",
    "Pacific/Apia",  # skipped 30 December 2011 entirely
    "America/Sao_Paulo",  # historic DST at midnight
]
NATURAL_KINDS = [k for k in PeriodKind if k is not PeriodKind.CUSTOM]

moments = st.integers(
    min_value=int(dt.datetime(1971, 1, 1, tzinfo=dt.UTC).timestamp()),
    max_value=int(dt.datetime(2099, 1, 1, tzinfo=dt.UTC).timestamp()),
)


@settings(max_examples=300, deadline=None)
@given(
    moment=moments,
    kind=st.sampled_from(NATURAL_KINDS),
    zone=st.sampled_from(ZONES),
    fiscal=st.integers(1, 12),
)
def test_periods_tile_the_timeline(moment, kind, zone, fiscal):
    period = period_containing(kind, moment, tz=zone, fiscal_start_month=fiscal)
    assert period.start_ts <= moment < period.end_ts
    # No gap, no overlap with the neighbours.
    assert period.next().start == period.end
    assert period.previous().end == period.start
    assert period.next().previous() == period
    # Exactly one period of the tiling holds the moment.
    tiling = last_n(period.next().next(), 5)
    assert sum(t.contains(moment) for t in tiling) == 1
    for a, b in zip(tiling, tiling[1:], strict=False):
        assert a.end == b.start
        assert a.end_ts == b.start_ts
    # Boundaries are local midnights (or the first instant of a day whose midnight does not exist).
    assert period.start.hour < 2 and period.start.minute in (0, 30)
    # The label names the period.
    assert parse_period(period.label, tz=zone, fiscal_start_month=fiscal) == period
    # The moment at either end maps back to the same period.
    assert period_containing(kind, period.start, tz=zone, fiscal_start_month=fiscal) == period
    assert period_containing(kind, period.end_ts - 1, tz=zone, fiscal_start_month=fiscal) == period


@settings(max_examples=150, deadline=None)
@given(
    first=st.dates(min_value=dt.date(1971, 1, 1), max_value=dt.date(2098, 1, 1)),
    length=st.integers(1, 400),
    zone=st.sampled_from(ZONES),
)
def test_custom_ranges_tile_the_timeline(first, length, zone):
    last = first + dt.timedelta(days=length - 1)
    rng = parse_period(f"{first}..{last}", tz=zone)
    assert rng.first_day == first
    assert rng.last_day == last
    assert rng.next().start == rng.end
    assert rng.previous().end == rng.start
    assert rng.next().days == rng.previous().days == length
    assert parse_period(rng.label, tz=zone) == rng

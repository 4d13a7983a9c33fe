"""Tests for cockpit.core.parse: durations, dates and times, money and percentages, including rejected input."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.core.errors import CockpitError, ParseError
from cockpit.core.parse import (
    currency_digits,
    format_duration,
    format_money,
    parse_date,
    parse_duration,
    parse_money,
    parse_percent,
    parse_when,
)

PARIS = "Europe/Paris"
# Friday 27 November 2026, 10:15 in Paris.
NOW = pendulum.datetime(2026, 11, 27, 10, 15, tz=PARIS)


def paris(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=PARIS)


def assert_one_line_error(exc: ParseError, bad: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert "expected" in message
    assert repr(" ".join(bad.split())) in message or bad.strip() == ""
    assert isinstance(exc, CockpitError) and isinstance(exc, ValueError)


# --- durations ---


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5m", 5 * 60),
        ("1h30", 3600 + 30 * 60),
        ("1h30m", 3600 + 30 * 60),
        ("1h 30m", 3600 + 30 * 60),
        ("90s", 90),
        ("1:30:00", 3600 + 30 * 60),
        ("12:30", 12 * 60 + 30),  # two fields are minutes:seconds
        ("45", 45 * 60),  # a bare number is minutes
        ("2h", 2 * 3600),
        ("2H", 2 * 3600),
        ("1.5h", 90 * 60),
        ("1,5h", 90 * 60),
        ("5m30", 5 * 60 + 30),
        ("1h2m3s", 3600 + 2 * 60 + 3),
        ("10 min", 10 * 60),
        ("0", 0),
        ("24h", 86400),
        ("24:00:00", 86400),
        ("  7m  ", 7 * 60),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "  ", "-5m", "abc", "5x", "1h2h", "30m1h", "1:60", "1:2:3:4", "25h", "24:00:01", "1441", "0.5s",
     "5m30s10", "h", "1:3", "30s5"],
)  # fmt: skip
def test_parse_duration_rejects(text):
    with pytest.raises(ParseError) as info:
        parse_duration(text)
    assert_one_line_error(info.value, text)


def test_parse_duration_messages_give_the_reason():
    with pytest.raises(ParseError, match="negative"):
        parse_duration("-5m")
    with pytest.raises(ParseError, match="24h"):
        parse_duration("25h")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(12 * 60, "12m"), (5400, "1h30m"), (45, "45s"), (3600, "1h"), (0, "0s"), (3605, "1h5s")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@given(st.integers(0, 86400))
def test_format_duration_round_trips(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


def test_format_duration_rejects_negative():
    with pytest.raises(ParseError):
        format_duration(-1)


# --- parse_when ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27 14:00", paris(2026, 11, 27, 14)),
        ("2026-11-27T14:00", paris(2026, 11, 27, 14)),
        ("2026-11-27", paris(2026, 11, 27)),  # date only: 00:00
        ("today", paris(2026, 11, 27)),
        ("Today 14:00", paris(2026, 11, 27, 14)),
        ("yesterday 14:00", paris(2026, 11, 26, 14)),
        ("tomorrow", paris(2026, 11, 28)),
        ("fri", paris(2026, 11, 27)),  # today is Friday: the coming Friday is today
        ("friday 9:30", paris(2026, 11, 27, 9, 30)),
        ("sat", paris(2026, 11, 28)),
        ("thu", paris(2026, 12, 3)),  # Thursday already passed this week: the coming one
        ("next monday", paris(2026, 11, 30)),
        ("next fri", paris(2026, 12, 4)),  # Friday of next week
        ("next week", paris(2026, 11, 30)),
        ("+3d", paris(2026, 11, 30, 10, 15)),  # offsets keep the time of day
        ("+3d 9:00", paris(2026, 11, 30, 9)),
        ("-2d", paris(2026, 11, 25, 10, 15)),
        ("+2w", paris(2026, 12, 11, 10, 15)),
        ("+1h", paris(2026, 11, 27, 11, 15)),
        ("+30m", paris(2026, 11, 27, 10, 45)),
        ("14:00", paris(2026, 11, 27, 14)),
        ("2pm", paris(2026, 11, 27, 14)),
        ("12am", paris(2026, 11, 27, 0)),
        ("now", NOW),
    ],
)
def test_parse_when(text, expected):
    got = parse_when(text, now=NOW, tz=PARIS)
    assert got == expected
    assert got.timezone_name == PARIS


def test_parse_when_converts_now_into_the_configured_zone():
    # 23:30 UTC on Friday 27 November is already Saturday in Seoul (UTC+9): "today" is the 28th there.
    now = pendulum.datetime(2026, 11, 27, 23, 30, tz="UTC")
    assert parse_when("today", now=now, tz="Asia/Seoul") == pendulum.datetime(2026, 11, 28, tz="Asia/Seoul")
    assert parse_when("today", now=now, tz="UTC") == pendulum.datetime(2026, 11, 27, tz="UTC")


def test_parse_when_across_dst():
    # Saturday 28 March 2026 10:00 in Paris; clocks go forward that night. +1d keeps 10:00 (23 hours later),
    # +24h is 11:00 local.
    now = paris(2026, 3, 28, 10)
    assert parse_when("+1d", now=now, tz=PARIS) == paris(2026, 3, 29, 10)
    assert parse_when("+24h", now=now, tz=PARIS) == paris(2026, 3, 29, 11)


@pytest.mark.parametrize(
    "text",
    ["", "soon", "fri 25:00", "2026-13-01", "2026-02-30", "1969-12-31", "2101-01-01", "+3x", "+1h 14:00",
     "next", "next blursday", "14", "13pm", "today at", "yesterday 14:61"],
)  # fmt: skip
def test_parse_when_rejects(text):
    with pytest.raises(ParseError) as info:
        parse_when(text, now=NOW, tz=PARIS)
    assert_one_line_error(info.value, text)


def test_parse_when_explains_out_of_range_years():
    with pytest.raises(ParseError, match="1969.*1970"):
        parse_when("1969-12-31", now=NOW, tz=PARIS)
    with pytest.raises(ParseError, match="2101"):
        parse_when("2101-01-01", now=NOW, tz=PARIS)


def test_bad_time_zone_is_a_parse_error():
    with pytest.raises(ParseError, match="Nowhere/Land"):
        parse_when("today", now=NOW, tz="Nowhere/Land")


# --- parse_date ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-10", paris(2026, 1, 10)),
        ("2026-01-10 10:00", paris(2026, 1, 10, 10)),
        ("2015-01-01T10:00:00Z", paris(2015, 1, 1, 11)),  # UTC 10:00 is 11:00 in Paris in winter
        ("2015-07-01T10:00:00+02:00", paris(2015, 7, 1, 10)),
        ("2015-07-01T10:00:00.123Z", paris(2015, 7, 1, 12)),  # fractions of a second dropped
        ("10/01/2026", paris(2026, 10, 1)),  # month first by default
        ("25/12/2026", paris(2026, 12, 25)),  # first field > 12: day first
        ("10/01/26", paris(2026, 10, 1)),
        ("2026/01/10", paris(2026, 1, 10)),
        ("10/01/2026 14:30", paris(2026, 10, 1, 14, 30)),
        ("01-Jan-2015", paris(2015, 1, 1)),
        ("1 January 2015", paris(2015, 1, 1)),
        ("Jan 5, 2026", paris(2026, 1, 5)),
        ("January 5th, 2026", paris(2026, 1, 5)),
        ("Sep 30 2026", paris(2026, 9, 30)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text, tz=PARIS) == expected


def test_parse_date_formats():
    assert parse_date("10/01/2026", tz=PARIS, date_format="dmy") == paris(2026, 1, 10)
    assert parse_date("10/01/2026", tz=PARIS, date_format="mdy") == paris(2026, 10, 1)
    assert parse_date("10.01.2026", tz=PARIS, date_format="%d.%m.%Y") == paris(2026, 1, 10)
    assert parse_date("20260110 0930", tz=PARIS, date_format="%Y%m%d %H%M") == paris(2026, 1, 10, 9, 30)
    with pytest.raises(ParseError, match="month above 12"):
        parse_date("01/13/2026", tz=PARIS, date_format="dmy")
    with pytest.raises(ParseError, match=r"%d\.%m\.%Y"):
        parse_date("2026-01-10", tz=PARIS, date_format="%d.%m.%Y")
    with pytest.raises(ParseError, match="date format"):
        parse_date("2026-01-10", tz=PARIS, date_format="whatever")


def test_parse_date_falls_back_to_relative_forms_only_with_now():
    assert parse_date("yesterday", now=NOW, tz=PARIS) == paris(2026, 11, 26)
    with pytest.raises(ParseError):
        parse_date("yesterday", tz=PARIS)


@pytest.mark.parametrize(
    "text",
    ["", "garbage", "13/13/2026", "2026-02-30", "02/30/2026", "31-Foo-2015", "1969-01-01", "10/01/201",
     "2026-01-10T25:00"],
)  # fmt: skip
def test_parse_date_rejects(text):
    with pytest.raises(ParseError) as info:
        parse_date(text, tz=PARIS)
    assert_one_line_error(info.value, text)


# --- money ---


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12500", "USD", 12500_00),
        ("12,500", "USD", 12500_00),  # one comma + three digits: thousands
        ("12.5k", "USD", 12500_00),
        ("12.5K", "USD", 12500_00),
        ("1.2m", "USD", 1_200_000_00),
        ("$12,400.00", "USD", 12400_00),
        ("$ 12,400.5", "USD", 12400_50),
        ("12400 USD", "USD", 12400_00),
        ("1.200,50 €", "EUR", 1200_50),  # both separators: the last one is decimal
        ("€1.200,50", "EUR", 1200_50),
        ("EUR 1.200,50", "EUR", 1200_50),
        ("12,5", "EUR", 12_50),  # one comma not followed by three digits: decimal
        ("1.200", "EUR", 1200_00),  # one dot + three digits: thousands
        ("1.200.000", "EUR", 1_200_000_00),
        ("12 500,00", "EUR", 12500_00),
        ("12\u202f500,00 €", "EUR", 12500_00),  # narrow no-break space, as French locales print it
        ("₩1,200,000", "KRW", 1_200_000),  # KRW has no minor unit
        ("1.5k", "KRW", 1500),
        ("¥3,000", "JPY", 3000),
        ("0", "USD", 0),
        ("0.01", "USD", 1),
        ("1.2345k", "KWD", 1234_500),  # KWD has three decimals: 1234.5 dinars
        ("10000000000000", "USD", 10**13 * 100),  # the largest accepted amount
    ],
)
def test_parse_money(text, currency, minor):
    assert parse_money(text, currency=currency) == minor


def test_three_digits_after_one_separator_are_thousands_not_extra_decimals():
    # The heuristic is about separators, not the currency: one dot + three digits is thousands, even for
    # a currency without (KRW) or with three (KWD) decimals; four digits after it are decimals.
    assert parse_money("12.345", currency="KRW") == 12345
    assert parse_money("12.555", currency="USD") == 12555_00
    assert parse_money("1.234", currency="KWD") == 1234_000
    with pytest.raises(ParseError, match="3 decimals"):
        parse_money("1.2345", currency="KWD")


def test_parse_money_decimal_override():
    assert parse_money("1,200", currency="EUR", decimal=",") == 1_20  # 1.20 euros
    assert parse_money("1.200", currency="EUR", decimal=",") == 1200_00
    assert parse_money("12.500", currency="USD", decimal=".") == 12_50
    assert parse_money("12,500", currency="USD", decimal=".") == 12500_00
    with pytest.raises(ParseError, match="grouped by three"):
        parse_money("12,5", currency="USD", decimal=".")
    with pytest.raises(ParseError, match="decimal separator"):
        parse_money("1.200,50", currency="EUR", decimal=".")


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("-", "USD", "no amount"),
        ("-12", "USD", "negative"),
        ("(12)", "USD", "negative"),
        ("", "USD", "empty"),
        ("abc", "USD", None),
        ("12.345.6", "USD", None),
        ("1,2,3", "USD", "grouped by three"),
        ("12.5", "KRW", "0 decimals"),
        ("12.5555", "USD", "2 decimals"),
        ("10000000000001", "USD", "absurd"),
        ("20000000m", "USD", "absurd"),
        ("€12", "USD", "€ is not USD"),
        ("12 EUR", "USD", "EUR is not"),
        ("12.", "USD", None),
        ("1..2", "USD", None),
        ("12$$", "USD", None),
    ],
)
def test_parse_money_rejects(text, currency, reason):
    with pytest.raises(ParseError) as info:
        parse_money(text, currency=currency)
    assert_one_line_error(info.value, text)
    if reason:
        assert reason in str(info.value)


def test_parse_money_rejects_bad_currency():
    with pytest.raises(ParseError, match="currency"):
        parse_money("12", currency="dollars")


def test_currency_digits():
    assert currency_digits("KRW") == 0
    assert currency_digits("jpy") == 0
    assert currency_digits("USD") == 2
    assert currency_digits("EUR") == 2
    assert currency_digits("KWD") == 3


@pytest.mark.parametrize(
    ("minor", "currency", "full", "compact"),
    [
        (12400_00, "USD", "$12,400.00", "$12.4k"),
        (1200_50, "EUR", "€1,200.50", "€1.2k"),
        (1_200_000, "KRW", "₩1,200,000", "₩1.2M"),
        (3_400_000, "KRW", "₩3,400,000", "₩3.4M"),
        (182_400_00, "USD", "$182,400.00", "$182.4k"),
        (1_200_000_00, "USD", "$1,200,000.00", "$1.2M"),
        (950_00, "USD", "$950.00", "$950"),
        (12_000_00, "USD", "$12,000.00", "$12k"),
        (999_960_00, "USD", "$999,960.00", "$1M"),  # rounds to 1000.0k: shown as 1M
        (999_60, "USD", "$999.60", "$1k"),
        (2_500_000_000_00, "USD", "$2,500,000,000.00", "$2.5B"),
        (0, "USD", "$0.00", "$0"),
        (-5_000_00, "USD", "-$5,000.00", "-$5k"),
        (-1, "USD", "-$0.01", "$0"),
        (1234_56, "CHF", "CHF 1,234.56", "CHF 1.2k"),
        (1_234, "KWD", "KWD 1.234", "KWD 1"),
    ],
)
def test_format_money(minor, currency, full, compact):
    assert format_money(minor, currency) == full
    assert format_money(minor, currency, compact=True) == compact


@given(st.integers(0, 10**13), st.sampled_from(["USD", "EUR", "KRW", "JPY"]))
def test_format_money_round_trips_through_parse_money(minor, currency):
    assert parse_money(format_money(minor, currency), currency=currency) == minor


# --- percentages ---


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("65.0%", 0.65),
        ("65%", 0.65),
        ("65 %", 0.65),
        ("0.65", 0.65),
        ("65", 0.65),
        ("65,5%", 0.655),
        ("0", 0.0),
        ("100%", 1.0),
        ("100", 1.0),
        ("1", 1.0),  # numbers up to 1 are fractions
        ("0.5%", 0.005),
    ],
)
def test_parse_percent(text, value):
    assert parse_percent(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "150%", "101", "-5", "-0.1", "65%%", "6 5 x"])
def test_parse_percent_rejects(text):
    with pytest.raises(ParseError) as info:
        parse_percent(text)
    assert_one_line_error(info.value, text)


@example("-0H0")  # a 50-character reason: no whole example fits after it, and half of one was shown
@given(st.text(max_size=80))
def test_a_refusal_fits_one_form_line_and_keeps_its_reason(text: str) -> None:
    """The command line's message lists every accepted form (up to ~190 characters); under a form's field it is
    one line of at most 66: the reason first, then the examples that fit, never cut inside an example."""
    now = pendulum.datetime(2026, 11, 27, 10, tz="Europe/Paris")
    for parse in (
        lambda t: parse_when(t, now=now, tz="Europe/Paris"),
        lambda t: parse_money(t, currency="USD"),
        parse_duration,
        parse_percent,
    ):
        try:
            parse(text)
        except ParseError as exc:
            brief = exc.brief(66)
            assert len(brief) <= 66 and "\n" not in brief
            if exc.reason:
                assert brief.startswith(exc.reason[:60])
            if exc.accepted and " such as " in exc.accepted:
                examples = exc.accepted.partition(" such as ")[2].split(", ")
                tail = brief.partition(": e.g. ")[2]
                # None when not one whole example fits after a long reason ('-0H0': the reason is 50 characters).
                shown = tail.removesuffix(", …").split(", ") if tail else []
                assert shown == examples[: len(shown)]  # whole examples, in order

"""Reporting periods: ISO weeks, months, quarters, years, fiscal years and custom date ranges.

A period is half-open, ``[start, end)``, where ``end`` is the start of the next period, so consecutive
periods tile the timeline with no gap or overlap. Boundaries are local midnights in the configured time
zone, built from calendar dates (never by adding hours), which keeps them right across DST changes: March
2026 in Europe/Paris is 743 hours long.

Spec forms accepted by :func:`parse_period` (case-insensitive)::

    2026-W47  2026-11  2026-Q3  2026  FY2027  2026-01-05..2026-02-10
    this-week  last-week  next-week   (also -month, -quarter, -year, -fy)
    ytd  today  yesterday

Costs and quotas are stored by month; :func:`month_shares` says how much of each month a period holds, so that a
week or a range across two months takes its part of them (see :class:`MonthShare` for the rounding).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import pendulum

from cockpit.core.errors import ConfigError, PeriodError

__all__ = [
    "MonthShare",
    "Period",
    "PeriodKind",
    "business_days",
    "last_n",
    "local_tz",
    "month_shares",
    "parse_holidays",
    "parse_period",
    "period_containing",
]

# Parsed specs are limited to years a sales database can plausibly hold; this also keeps every boundary
# and its neighbours far away from the limits of datetime (year 1 and 9999).
MIN_YEAR = 1970
MAX_YEAR = 2100

ACCEPTED_FORMS = (
    "2026-W47, 2026-11, 2026-Q3, 2026, FY2027, YYYY-MM-DD..YYYY-MM-DD, "
    "this-|last-|next- week|month|quarter|year|fy, ytd, today, yesterday"
)


class PeriodKind(StrEnum):
    """The kinds of period a report or trend can be bucketed by."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_YEAR = "fy"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """One half-open period ``[start, end)`` in a time zone.

    ``fiscal_start_month`` is carried along (so a caller can switch kinds with the same configuration)
    but takes no part in equality: the kind, the boundaries and the label already identify a period.
    """

    kind: PeriodKind
    start: pendulum.DateTime
    end: pendulum.DateTime
    label: str
    fiscal_start_month: int = field(default=1, compare=False)

    @property
    def start_ts(self) -> int:
        """Inclusive start as Unix epoch seconds."""
        return int(self.start.timestamp())

    @property
    def end_ts(self) -> int:
        """Exclusive end as Unix epoch seconds."""
        return int(self.end.timestamp())

    @property
    def first_day(self) -> pendulum.Date:
        """The first calendar day inside the period."""
        if self.kind is PeriodKind.CUSTOM:
            # From the label: a day that never existed locally (Pacific/Apia skipped 30 December 2011) still
            # names the range, while start.date() would already be the next day.
            return _label_day(self.label.partition("..")[0])
        return self.start.date()

    @property
    def last_day(self) -> pendulum.Date:
        """The last calendar day inside the period (the day before ``end``)."""
        if self.kind is PeriodKind.CUSTOM:
            return _label_day(self.label.partition("..")[2])
        return self.end.date().subtract(days=1)

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period:
        """The period just before this one (a custom range shifts back by its own length in days).

        PeriodError when it would start before year 1, the first day a date can hold."""
        try:
            if self.kind is PeriodKind.CUSTOM:
                return _custom(self.first_day.subtract(days=self.days), self.days, self.start.timezone, self)
            return _period_for_date(
                self.kind, self.first_day.subtract(days=1), self.start.timezone, self.fiscal_start_month
            )
        except (OverflowError, ValueError):
            raise PeriodError(f"there is no period before {self.label!r}: it would start before year 1") from None

    def next(self) -> Period:
        """The period just after this one (a custom range shifts forward by its own length in days)."""
        if self.kind is PeriodKind.CUSTOM:
            return _custom(self.last_day.add(days=1), self.days, self.start.timezone, self)
        return _period_for_date(self.kind, self.end.date(), self.start.timezone, self.fiscal_start_month)

    def contains(self, ts: int) -> bool:
        """Whether Unix time ``ts`` falls inside ``[start, end)``."""
        return self.start_ts <= ts < self.end_ts

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month whose first day lies in the period.

        Not how the KPIs count costs and quotas: :func:`month_shares` gives every month the period overlaps with
        the part of it the period holds."""
        first, last = self.first_day, self.last_day
        year, month = first.year, first.month
        if first.day != 1:
            year, month = _shift_month(year, month, 1)
        out: list[str] = []
        while _dt.date(year, month, 1) <= last:
            out.append(f"{year:04d}-{month:02d}")
            year, month = _shift_month(year, month, 1)
        return out


def local_tz(tz: str | None) -> pendulum.Timezone:
    """The pendulum time zone for IANA name ``tz``; ``None`` means the system's local zone."""
    if tz is None:
        return pendulum.local_timezone()
    if not isinstance(tz, str) or not tz.strip():
        raise PeriodError(f"bad time zone {tz!r}: expected an IANA name such as 'Europe/Paris'")
    try:
        return pendulum.timezone(tz.strip())
    except (ValueError, OSError, KeyError):  # InvalidTimezone is a ValueError; "America" is a folder of zones
        raise PeriodError(f"unknown time zone {tz!r}: expected an IANA name such as 'Europe/Paris'") from None


def period_containing(
    kind: PeriodKind | str,
    moment: pendulum.DateTime | int,
    *,
    tz: str | None = None,
    fiscal_start_month: int = 1,
) -> Period:
    """The period of ``kind`` that contains ``moment`` (a DateTime or Unix seconds), in time zone ``tz``."""
    kind = _kind(kind)
    if kind is PeriodKind.CUSTOM:
        raise PeriodError("a custom period has no natural boundaries: give a range YYYY-MM-DD..YYYY-MM-DD")
    _check_fiscal(fiscal_start_month)
    zone = local_tz(tz)
    local = _to_local(moment, zone)
    return _period_for_date(kind, local.date(), zone, fiscal_start_month)


def parse_period(
    spec: str,
    *,
    now: pendulum.DateTime | None = None,
    tz: str | None = None,
    fiscal_start_month: int = 1,
) -> Period:
    """Parse a period spec (see the module docstring); relative specs are resolved against ``now``."""
    _check_fiscal(fiscal_start_month)
    zone = local_tz(tz)
    if not isinstance(spec, str):
        raise PeriodError(f"bad period {spec!r}: expected {ACCEPTED_FORMS}")
    text = spec.strip().lower()
    parsed = _parse_absolute(text, spec, zone, fiscal_start_month)
    if parsed is not None:
        return parsed
    today = (pendulum.now(zone) if now is None else _to_local(now, zone)).date()
    if text == "ytd":
        jan1 = today.replace(month=1, day=1)
        return _custom(jan1, (today - jan1).days + 1, zone, None, fiscal_start_month)
    if text in ("today", "yesterday"):
        day = today if text == "today" else today.subtract(days=1)
        return _custom(day, 1, zone, None, fiscal_start_month)
    m = re.fullmatch(r"(this|last|next)[-_ ](week|month|quarter|year|fy)", text)
    if m:
        current = _period_for_date(PeriodKind(m.group(2)), today, zone, fiscal_start_month)
        return {"this": current, "last": current.previous(), "next": current.next()}[m.group(1)]
    raise PeriodError(f"bad period {spec!r}: expected {ACCEPTED_FORMS}")


def last_n(period: Period, n: int) -> list[Period]:
    """The ``n`` periods ending with ``period``, oldest first (trend buckets)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise PeriodError(f"bad number of periods {n!r}: expected a whole number of at least 1")
    out = [period]
    try:
        for _ in range(n - 1):
            out.append(out[-1].previous())
    except PeriodError:
        # Name the period asked for, not the derived one that ran out of calendar.
        raise PeriodError(
            f"period {period.label!r} is too long to compare with the {n - 1} periods before it"
            " (they would start before year 1)"
        ) from None
    out.reverse()
    return out


def parse_holidays(holidays: Iterable[str]) -> frozenset[_dt.date]:
    """The configured holidays ('YYYY-MM-DD' strings) as dates; a bad one is a ConfigError."""
    out: set[_dt.date] = set()
    for text in holidays:
        try:
            out.add(_dt.date.fromisoformat(str(text).strip()))
        except ValueError:
            raise ConfigError(f"holiday {text!r} is not a date YYYY-MM-DD") from None
    return frozenset(out)


@functools.lru_cache(maxsize=1024)
def business_days(first: _dt.date, last: _dt.date, holidays: frozenset[_dt.date]) -> int:
    """Weekdays from ``first`` to ``last`` inclusive that are not holidays (0 when last < first).

    Counted by whole weeks (five weekdays each) plus the days left over, then less the holidays that fall on a
    weekday in the range: a custom range over decades costs no more than a week. Cached: the pace of every rep and
    the quota share of every trend bucket ask the same questions again.
    """
    if last < first:
        return 0
    first, last = _dt.date(first.year, first.month, first.day), _dt.date(last.year, last.month, last.day)
    weeks, left = divmod((last - first).days + 1, 7)
    start = first.weekday()
    count = weeks * 5 + sum(1 for i in range(left) if (start + i) % 7 < 5)
    return count - sum(1 for day in holidays if first <= day <= last and day.weekday() < 5)


@dataclass(frozen=True)
class MonthShare:
    """The part of one month that a period holds, to spread that month's amount (a cost, a quota) over periods.

    The month's days are weighed (every calendar day weighs 1 for costs; every business day for quotas, weekends and
    holidays 0): ``before`` is the weight of its days before the period, ``through`` of its days up to the period's
    last day in the month, ``total`` of the whole month.

    Cumulative rounding: the period's part of ``amount`` minor units is ``R(amount × through / total) −
    R(amount × before / total)``, where R rounds half up in exact integer arithmetic. Consecutive periods share the
    boundary term, so the parts of any split of a month into consecutive periods add up to ``R(amount) − R(0)``,
    the amount exactly: no minor unit is lost or invented, a whole month gets its amount, and a period's part does
    not depend on how the rest of the month is cut (a week is the same whether it is asked alone or in a trend).
    """

    month: str  # YYYY-MM
    before: int
    through: int
    total: int

    @property
    def whole(self) -> bool:
        """The period holds the whole month."""
        return self.before == 0 and self.through == self.total

    def of(self, amount: int) -> int:
        """The period's part of the month's ``amount`` (minor units)."""
        return _half_up(amount * self.through, self.total) - _half_up(amount * self.before, self.total)


def month_shares(
    period: Period, *, by_business_days: bool = False, holidays: frozenset[_dt.date] = frozenset()
) -> list[MonthShare]:
    """Every month ``period`` overlaps (oldest first), with the part of it the period holds.

    By calendar days, or with ``by_business_days`` by weekdays that are not ``holidays``. A month with no business
    day at all (every weekday a holiday) is spread by calendar days, so that its quota still counts somewhere."""
    first, last = _plain(period.first_day), _plain(period.last_day)
    out: list[MonthShare] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        month_first = _dt.date(year, month, 1)
        month_last = _dt.date(*_shift_month(year, month, 1), 1) - _dt.timedelta(days=1)
        lo, hi = max(first, month_first), min(last, month_last)
        total = business_days(month_first, month_last, holidays) if by_business_days else 0
        if total:
            before = business_days(month_first, lo - _dt.timedelta(days=1), holidays) if lo > month_first else 0
            through = business_days(month_first, hi, holidays)
        else:
            before, through, total = lo.day - 1, hi.day, month_last.day
        out.append(MonthShare(f"{year:04d}-{month:02d}", before, through, total))
        year, month = _shift_month(year, month, 1)
    return out


# --- internals ---


def _plain(day: _dt.date) -> _dt.date:
    return _dt.date(day.year, day.month, day.day)


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` (denominator > 0) rounded half up, exactly: floor(n/d + 1/2)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _kind(kind: PeriodKind | str) -> PeriodKind:
    try:
        return PeriodKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in PeriodKind)
        raise PeriodError(f"unknown period kind {kind!r}: expected one of {names}") from None


def _check_fiscal(month: int) -> None:
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise PeriodError(f"bad fiscal year start month {month!r}: expected 1 to 12")


def _to_local(moment: pendulum.DateTime | int, zone: pendulum.Timezone) -> pendulum.DateTime:
    if isinstance(moment, bool):
        raise PeriodError(f"bad moment {moment!r}: expected a DateTime or Unix seconds")
    if isinstance(moment, int):
        return pendulum.from_timestamp(moment, tz=zone)
    if isinstance(moment, _dt.datetime):
        if moment.tzinfo is None:
            raise PeriodError(f"bad moment {moment!r}: a naive datetime is ambiguous, give a time zone")
        return pendulum.instance(moment).in_timezone(zone)
    raise PeriodError(f"bad moment {moment!r}: expected a DateTime or Unix seconds")


def _label_day(text: str) -> pendulum.Date:
    day = _dt.date.fromisoformat(text)
    return pendulum.Date(day.year, day.month, day.day)


def _midnight(day: _dt.date, zone: pendulum.Timezone) -> pendulum.DateTime:
    # Where midnight does not exist (a DST jump at 00:00, e.g. America/Santiago), pendulum moves forward
    # to the first instant of the day, which is what a day boundary should be. Built from the date, so
    # boundaries are monotonic and neighbours always share them.
    return pendulum.datetime(day.year, day.month, day.day, tz=zone)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _period_for_date(kind: PeriodKind, day: _dt.date, zone: pendulum.Timezone, fiscal_start_month: int) -> Period:
    """The period of ``kind`` containing calendar ``day``."""
    if kind is PeriodKind.WEEK:
        first = day - _dt.timedelta(days=day.weekday())
        last_excl = first + _dt.timedelta(days=7)
        iso_year, iso_week, _ = first.isocalendar()
        label = f"{iso_year:04d}-W{iso_week:02d}"
    elif kind is PeriodKind.MONTH:
        first = _dt.date(day.year, day.month, 1)
        last_excl = _dt.date(*_shift_month(day.year, day.month, 1), 1)
        label = f"{day.year:04d}-{day.month:02d}"
    elif kind is PeriodKind.QUARTER:
        quarter = (day.month - 1) // 3 + 1
        first = _dt.date(day.year, 3 * quarter - 2, 1)
        last_excl = _dt.date(*_shift_month(first.year, first.month, 3), 1)
        label = f"{day.year:04d}-Q{quarter}"
    elif kind is PeriodKind.YEAR:
        first = _dt.date(day.year, 1, 1)
        last_excl = _dt.date(day.year + 1, 1, 1)
        label = f"{day.year:04d}"
    elif kind is PeriodKind.FISCAL_YEAR:
        start_year = day.year if day.month >= fiscal_start_month else day.year - 1
        first = _dt.date(start_year, fiscal_start_month, 1)
        last_excl = _dt.date(start_year + 1, fiscal_start_month, 1)
        # Named by the calendar year in which it ends, i.e. the year of its last day.
        label = f"FY{(last_excl - _dt.timedelta(days=1)).year:04d}"
    else:  # pragma: no cover - CUSTOM is handled by the callers
        raise PeriodError("a custom period has no natural boundaries")
    return Period(kind, _midnight(first, zone), _midnight(last_excl, zone), label, fiscal_start_month)


def _custom(
    first: _dt.date,
    days: int,
    zone: pendulum.Timezone,
    template: Period | None,
    fiscal_start_month: int = 1,
) -> Period:
    last = first + _dt.timedelta(days=days - 1)
    if template is not None:
        fiscal_start_month = template.fiscal_start_month
    label = f"{first.isoformat()}..{last.isoformat()}"
    return Period(
        PeriodKind.CUSTOM,
        _midnight(first, zone),
        _midnight(last + _dt.timedelta(days=1), zone),
        label,
        fiscal_start_month,
    )


def _year(text: str, spec: str, lowest: int = MIN_YEAR, highest: int = MAX_YEAR) -> int:
    year = int(text)
    if not lowest <= year <= highest:
        raise PeriodError(f"bad period {spec!r}: year {year} is outside {lowest}..{highest}")
    return year


def _date(text: str, spec: str) -> _dt.date:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not m:
        raise PeriodError(f"bad date {text!r} in period {spec!r}: expected YYYY-MM-DD..YYYY-MM-DD")
    # A range may reach back before 1970: the trend and plan windows of a period near 1970 are ranges of the
    # days before it (built as ``A..B`` by cockpit.core.targets), with nothing stored in them. Year 1 is the
    # first a date can hold.
    year = _year(m.group(1), spec, 1)
    try:
        return _dt.date(year, int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise PeriodError(f"bad date {text!r} in period {spec!r}: no such day") from None


def _parse_absolute(text: str, spec: str, zone: pendulum.Timezone, fiscal_start_month: int) -> Period | None:
    """Parse the forms that do not depend on ``now``; ``None`` when ``text`` is none of them."""
    if m := re.fullmatch(r"(\d{4})-w(\d{1,2})", text):
        year, week = _year(m.group(1), spec), int(m.group(2))
        # 28 December always lies in the last ISO week of its year.
        weeks = _dt.date(year, 12, 28).isocalendar()[1]
        if not 1 <= week <= weeks:
            raise PeriodError(f"bad period {spec!r}: {year} has ISO weeks 1..{weeks}")
        return _period_for_date(PeriodKind.WEEK, _dt.date.fromisocalendar(year, week, 1), zone, fiscal_start_month)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = _year(m.group(1), spec), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"bad period {spec!r}: month must be 01..12")
        return _period_for_date(PeriodKind.MONTH, _dt.date(year, month, 1), zone, fiscal_start_month)
    if m := re.fullmatch(r"(\d{4})-q(\d)", text):
        year, quarter = _year(m.group(1), spec), int(m.group(2))
        if not 1 <= quarter <= 4:
            raise PeriodError(f"bad period {spec!r}: quarter must be Q1..Q4")
        return _period_for_date(PeriodKind.QUARTER, _dt.date(year, 3 * quarter - 2, 1), zone, fiscal_start_month)
    if m := re.fullmatch(r"\d{4}", text):
        year = _year(text, spec)
        return _period_for_date(PeriodKind.YEAR, _dt.date(year, 1, 1), zone, fiscal_start_month)
    if m := re.fullmatch(r"fy ?(\d{4})", text):
        end_year = _year(m.group(1), spec)
        # FYn ends in calendar year n: its last day is in year n, so its first day is in n-1 unless it
        # starts in January (then it is calendar year n).
        start_year = end_year if fiscal_start_month == 1 else end_year - 1
        day = _dt.date(start_year, fiscal_start_month, 1)
        return _period_for_date(PeriodKind.FISCAL_YEAR, day, zone, fiscal_start_month)
    if ".." in text:
        left, _, right = text.partition("..")
        first, last = _date(left.strip(), spec), _date(right.strip(), spec)
        if last < first:
            raise PeriodError(f"bad period {spec!r}: the range ends before it starts")
        return _custom(first, (last - first).days + 1, zone, None, fiscal_start_month)
    return None

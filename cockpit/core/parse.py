"""Parsing and formatting of user-typed values: durations, dates and times, money and percentages.

Shared by the forms, the quick-entry line, the CLI and the CSV importers, so that ``12.5k`` or ``fri 14:00``
means the same thing everywhere. Every rejection raises :class:`cockpit.core.errors.ParseError` with one line that
quotes the input and says what is accepted.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pendulum

from cockpit.core.errors import ParseError, PeriodError
from cockpit.core.periods import local_tz

__all__ = [
    "currency_digits",
    "format_duration",
    "format_money",
    "parse_date",
    "parse_duration",
    "parse_id",
    "parse_money",
    "parse_percent",
    "parse_when",
]

MAX_DURATION = 24 * 3600
MIN_YEAR = 1970
MAX_YEAR = 2100
# Larger than any real deal; a bigger number is a typo (or a paste of the wrong column).
MAX_MAJOR_UNITS = 10**13
#: The largest row id: SQLite's INTEGER is 64-bit signed, and a larger number cannot name a row.
MAX_ID = 2**63 - 1


def _fail(text: object, accepted: str, reason: str | None = None) -> ParseError:
    shown = text if isinstance(text, str) else str(text)
    shown = " ".join(shown.split())  # keep the message on one line whatever was pasted
    why = f" ({reason})" if reason else ""
    return ParseError(f"cannot read {shown!r}{why}: expected {accepted}", reason=reason, accepted=accepted)


def _zone(tz: str | None) -> pendulum.Timezone:
    try:
        return local_tz(tz)
    except PeriodError as exc:  # every parse failure is a ParseError, whatever the cause
        raise ParseError(str(exc)) from None


def _text(text: object, accepted: str) -> str:
    if not isinstance(text, str):
        raise _fail(text, accepted, "not text")
    stripped = text.strip()
    if not stripped:
        raise _fail(text, accepted, "empty")
    return stripped


def parse_id(text: str, what: str = "id") -> int:
    """A row id typed by a person (``12`` or ``#12``): a whole number from 1 to :data:`MAX_ID`.

    Refused by name when it is larger than SQLite's INTEGER: passed on, it would fail deep in the driver."""
    digits = "".join(str(text).split()).removeprefix("#")
    shown = digits if len(digits) <= 40 else digits[:40] + "…"  # the refusal stays one readable line
    if not re.fullmatch(r"[+-]?\d+", digits):
        raise ParseError(f"{what} {shown!r} is not a whole number")
    # Compared as text first: int() of thousands of digits is refused by Python itself.
    if len(digits.lstrip("+-0")) > len(str(MAX_ID)) or not 1 <= int(digits) <= MAX_ID:
        raise ParseError(f"{what} {shown!r} is out of range: ids run from 1 to {MAX_ID}")
    return int(digits)


# --- durations ---

DURATION_FORMS = "a duration such as 5m, 1h30, 1h30m, 90s, 1:30:00, 12:30 (m:s) or 45 (minutes), up to 24h"

_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}
_UNIT_NAMES = {
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "m": "m",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
}
_DURATION_TOKEN = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([a-z]*)")


def parse_duration(text: str) -> int:
    """Seconds in a typed duration: ``5m``, ``1h30``, ``1h30m``, ``90s``, ``1:30:00``, ``12:30``, ``45``."""
    raw = _text(text, DURATION_FORMS)
    s = raw.lower()
    if s.startswith("-"):
        raise _fail(raw, DURATION_FORMS, "negative")
    if ":" in s:
        parts = s.split(":")
        if len(parts) not in (2, 3) or not all(re.fullmatch(r"\d{2}", p) for p in parts[1:]):
            raise _fail(raw, DURATION_FORMS)
        if not re.fullmatch(r"\d{1,3}", parts[0]):
            raise _fail(raw, DURATION_FORMS)
        numbers = [int(p) for p in parts]
        if any(n >= 60 for n in numbers[1:]):
            raise _fail(raw, DURATION_FORMS, "minutes and seconds must be below 60")
        # Two fields are minutes:seconds (a call timer), three are hours:minutes:seconds.
        weights = (60, 1) if len(numbers) == 2 else (3600, 60, 1)
        total = sum(n * w for n, w in zip(numbers, weights, strict=True))
    else:
        total = _duration_units(s, raw)
    if total > MAX_DURATION:
        raise _fail(raw, DURATION_FORMS, "longer than 24h")
    return total


def _duration_units(s: str, raw: str) -> int:
    """``1h30m``-style: units in decreasing order; a bare trailing number takes the next smaller unit."""
    pos, total, previous = 0, Decimal(0), None
    order = "hms"
    while pos < len(s):
        m = _DURATION_TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise _fail(raw, DURATION_FORMS)
        number = Decimal(m.group(1).replace(",", "."))
        word = m.group(2)
        if word:
            unit = _UNIT_NAMES.get(word)
            if unit is None:
                raise _fail(raw, DURATION_FORMS, f"unknown unit {word!r}")
        elif previous is None:
            unit = "m"  # a plain number is minutes: the usual length unit for calls and meetings
        elif previous == "s":
            raise _fail(raw, DURATION_FORMS)
        else:
            unit = order[order.index(previous) + 1]  # "1h30" -> 30 minutes, "5m30" -> 30 seconds
        if previous is not None and order.index(unit) <= order.index(previous):
            raise _fail(raw, DURATION_FORMS, "units out of order")
        if previous is not None and number != number.to_integral_value():
            raise _fail(raw, DURATION_FORMS, "only the first part may have decimals")
        total += number * _UNIT_SECONDS[unit]
        previous, pos = unit, m.end()
        if not word and pos < len(s.rstrip()):
            raise _fail(raw, DURATION_FORMS)
    if total != total.to_integral_value():
        raise _fail(raw, DURATION_FORMS, "not a whole number of seconds")
    return int(total)


def format_duration(seconds: int) -> str:
    """``12m``, ``1h30m``, ``45s``, ``1h``, ``0s``; :func:`parse_duration` reads it back."""
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        raise ParseError(f"cannot format duration {seconds!r}: expected a whole number of seconds >= 0")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return "".join(parts) or "0s"


# --- dates and times ---

WHEN_FORMS = (
    "a date/time such as 2026-11-27 14:00, 2026-11-27, today, yesterday 14:00, tomorrow, fri, "
    "next monday, 14:00, now, +3d, -2d, +2w, +1h, +30m"
)
DATE_FORMS = "a date such as 2026-01-10, 2026-01-10T10:00:00Z, 10/01/2026, 01-Jan-2015, Jan 5, 2026 or 5 January 2026"

_WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?")
_OFFSET = re.compile(r"([+-])\s*(\d{1,4})\s*([a-z]+)")
_OFFSET_UNITS = {
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "w"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "m"),
}


def _time_of_day(s: str, raw: str, accepted: str) -> tuple[int, int, int]:
    m = _TIME.fullmatch(s)
    # A bare number is a time only with am/pm ("2pm"); "14" alone is too ambiguous to guess.
    if not m or (m.group(2) is None and m.group(4) is None):
        raise _fail(raw, accepted)
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if m.group(4):
        if not 1 <= hour <= 12:
            raise _fail(raw, accepted, "hour must be 1..12 with am/pm")
        hour = hour % 12 + (12 if m.group(4) == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _fail(raw, accepted, "no such time of day")
    return hour, minute, second


def _check_year(year: int, raw: str, accepted: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _fail(raw, accepted, f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}")


def _at(day: _dt.date, hms: tuple[int, int, int], zone: pendulum.Timezone) -> pendulum.DateTime:
    # A wall time inside a DST gap moves forward past the gap (pendulum's default), the usual choice.
    return pendulum.datetime(day.year, day.month, day.day, *hms, tz=zone)


def parse_when(text: str, *, now: pendulum.DateTime, tz: str | None = None) -> pendulum.DateTime:
    """A typed moment in time zone ``tz`` (None: system local), relative to ``now``.

    Named days (``today``, ``fri``, ``2026-11-27``) without a time mean 00:00 that day. Offsets are durations
    from ``now``: ``+3d`` is the same wall-clock time three days later, ``+1h`` is one hour later. ``fri`` is
    the coming Friday (today if today is Friday); ``next fri`` is the Friday of next week (ISO, Monday start).
    """
    zone = _zone(tz)
    raw = _text(text, WHEN_FORMS)
    s = " ".join(raw.lower().split())
    current = pendulum.instance(now).in_timezone(zone)
    if s == "now":
        return current

    m = _OFFSET.match(s)
    if m:
        amount = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = _OFFSET_UNITS.get(m.group(3))
        if unit is None:
            raise _fail(raw, WHEN_FORMS, f"unknown unit {m.group(3)!r}")
        rest = s[m.end() :].strip()
        if unit in "hm":
            if rest:
                raise _fail(raw, WHEN_FORMS, "a time cannot follow an offset in hours or minutes")
            moment = current.add(hours=amount) if unit == "h" else current.add(minutes=amount)
        else:
            moment = current.add(days=amount) if unit == "d" else current.add(weeks=amount)
            if rest:
                moment = _at(moment.date(), _time_of_day(rest, raw, WHEN_FORMS), zone)
        _check_year(moment.year, raw, WHEN_FORMS)
        return moment

    day, rest = _named_day(s, current.date(), raw)
    if day is None:
        # Nothing names a day: the whole text must be a time today.
        return _at(current.date(), _time_of_day(s, raw, WHEN_FORMS), zone)
    _check_year(day.year, raw, WHEN_FORMS)
    hms = _time_of_day(rest, raw, WHEN_FORMS) if rest else (0, 0, 0)
    return _at(day, hms, zone)


def _named_day(s: str, today: _dt.date, raw: str) -> tuple[_dt.date | None, str]:
    """The day ``s`` starts with and the text after it, or (None, s) when it names no day."""
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ]|$)", s)
    if m:
        _check_year(int(m.group(1)), raw, WHEN_FORMS)
        try:
            day = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise _fail(raw, WHEN_FORMS, "no such day") from None
        return day, s[m.end() :].strip()
    first, _, rest = s.partition(" ")
    if first in ("today", "tod"):
        return today, rest
    if first in ("tomorrow", "tmr", "tmrw"):
        return today + _dt.timedelta(days=1), rest
    if first in ("yesterday", "yday"):
        return today - _dt.timedelta(days=1), rest
    if first in _WEEKDAYS:
        ahead = (_WEEKDAYS[first] - today.weekday()) % 7
        return today + _dt.timedelta(days=ahead), rest
    if first == "next":
        name, _, rest = rest.partition(" ")
        if name == "week":
            name = "monday"
        if name not in _WEEKDAYS:
            raise _fail(raw, WHEN_FORMS)
        next_monday = today + _dt.timedelta(days=7 - today.weekday())
        return next_monday + _dt.timedelta(days=_WEEKDAYS[name]), rest
    return None, s


def parse_date(
    text: str,
    *,
    now: pendulum.DateTime | None = None,
    tz: str | None = None,
    date_format: str | None = None,
) -> pendulum.DateTime:
    """A date (optionally with a time) from an import file, in time zone ``tz`` (None: system local).

    ``date_format`` is either a ``strptime`` format (``"%d.%m.%Y"``) or one of ``"dmy"``/``"mdy"`` to say
    which comes first in ``10/01/2026`` (default month first; a first field above 12 is read as the day). A
    text with its own UTC offset (``Z``, ``+02:00``) is converted into ``tz``. Date-only values mean 00:00.
    When ``now`` is given, the relative forms of :func:`parse_when` are accepted as a fallback.
    """
    zone = _zone(tz)
    raw = _text(text, DATE_FORMS)
    order = "mdy"
    if date_format is not None:
        fmt = date_format.strip()
        if "%" in fmt:
            return _strptime(raw, fmt, zone)
        order = fmt.lower().replace("-", "").replace("/", "")
        if order not in ("mdy", "dmy", "ymd"):
            raise ParseError(
                f"bad date format {date_format!r}: expected a strptime format such as '%d/%m/%Y', or 'dmy' / 'mdy'"
            )
    result = _parse_absolute_date(raw, zone, order)
    if result is not None:
        return result
    if now is not None:
        try:
            return parse_when(raw, now=now, tz=tz)
        except ParseError:
            pass
    raise _fail(raw, DATE_FORMS)


def _strptime(raw: str, fmt: str, zone: pendulum.Timezone) -> pendulum.DateTime:
    try:
        parsed = _dt.datetime.strptime(raw, fmt)
    except ValueError:
        raise _fail(raw, f"a date in the format {fmt!r}") from None
    return _localize(parsed, raw, zone)


def _localize(parsed: _dt.datetime, raw: str, zone: pendulum.Timezone) -> pendulum.DateTime:
    _check_year(parsed.year, raw, DATE_FORMS)
    parsed = parsed.replace(microsecond=0)  # the store keeps whole seconds
    if parsed.tzinfo is not None:
        moment = pendulum.instance(parsed).in_timezone(zone)
    else:
        moment = pendulum.datetime(
            parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second, tz=zone
        )
    _check_year(moment.year, raw, DATE_FORMS)
    return moment


def _split_time(s: str, raw: str) -> tuple[str, tuple[int, int, int]]:
    """Split a trailing time of day (``14:00``, ``2:30 pm``) off a date text."""
    m = re.search(r"[ t,]+(\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:am|pm)?)$", s)
    if not m:
        return s, (0, 0, 0)
    time_text = re.sub(r"\.\d+", "", m.group(1))  # fractions of a second do not matter here
    return s[: m.start()].strip(), _time_of_day(time_text, raw, DATE_FORMS)


def _parse_absolute_date(raw: str, zone: pendulum.Timezone, order: str) -> pendulum.DateTime | None:
    s = " ".join(raw.lower().split())
    # ISO 8601, possibly with a time and an offset; fromisoformat (3.11) reads "Z" and "+02:00".
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?", s):
        try:
            parsed = _dt.datetime.fromisoformat(s.upper())
        except ValueError:
            raise _fail(raw, DATE_FORMS, "no such date or time") from None
        return _localize(parsed, raw, zone)

    date_text, hms = _split_time(s, raw)
    fields: tuple[int, int, int] | None = None
    if m := re.fullmatch(r"(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})", date_text):
        fields = _numeric_fields(m.group(1), m.group(3), m.group(4), order, raw)
    elif m := re.fullmatch(r"(\d{1,2})[ -]?([a-z]{3,9})\.?[ ,-]*(\d{2,4})", date_text):
        fields = (_year_of(m.group(3)), _month_of(m.group(2), raw), int(m.group(1)))
    elif m := re.fullmatch(r"([a-z]{3,9})\.?[ -]?(\d{1,2})(?:st|nd|rd|th)?[ ,]+(\d{4})", date_text):
        fields = (int(m.group(3)), _month_of(m.group(1), raw), int(m.group(2)))
    if fields is None:
        return None
    year, month, day = fields
    _check_year(year, raw, DATE_FORMS)
    try:
        parsed = _dt.datetime(year, month, day, *hms)
    except ValueError:
        raise _fail(raw, DATE_FORMS, "no such date") from None
    return _localize(parsed, raw, zone)


def _year_of(text: str) -> int:
    year = int(text)
    # Two-digit years are 1970..2069, the only range a sales database can hold.
    if len(text) <= 2:
        year += 1900 if year >= 70 else 2000
    return year


def _month_of(name: str, raw: str) -> int:
    if name not in MONTH_NUMBERS:
        raise _fail(raw, DATE_FORMS, f"unknown month {name!r}")
    return MONTH_NUMBERS[name]


def _numeric_fields(a: str, b: str, c: str, order: str, raw: str) -> tuple[int, int, int]:
    if len(a) == 4:  # 2026/01/10 is always year-month-day
        return int(a), int(b), int(c)
    if len(c) not in (2, 4):
        raise _fail(raw, DATE_FORMS)
    first, second, year = int(a), int(b), _year_of(c)
    if order == "ymd":
        raise _fail(raw, DATE_FORMS, "the date format says year first")
    if order == "mdy" and first > 12:
        order = "dmy"  # 25/12/2026 can only be day first
    if order == "dmy":
        if second > 12:
            raise _fail(raw, DATE_FORMS, "day-first date with a month above 12")
        return year, second, first
    if second > 31 or first > 12:
        raise _fail(raw, DATE_FORMS, "no such date")
    return year, first, second


# --- money ---

# ISO 4217 minor units for the currencies that do not use two decimals.
_ZERO_DECIMAL = {
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
    "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip
_THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩", "INR": "₹", "CNY": "¥"}
# A typed symbol must agree with the configured currency; "$" is shared by many dollars and pesos.
_SYMBOL_CURRENCIES = {
    "$": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "TWD", "ARS", "CLP", "COP"},
    "€": {"EUR"},
    "£": {"GBP"},
    "¥": {"JPY", "CNY"},
    "₩": {"KRW"},
    "₹": {"INR"},
}
_SPACES = "\u00a0\u202f\u2009 '’_"  # thousands separators that are never decimal separators
MONEY_FORMS = "an amount such as 12500, 12,500, 12.5k, 1.2m, $12,400.00 or 1.200,50 €"


@functools.cache
def currency_digits(currency: str) -> int:
    """Number of minor-unit digits of an ISO 4217 currency code (KRW, JPY: 0; most: 2).

    Cached: every money value of a report asks (~11k times at 200 reps), and the answer is the code's."""
    code = _currency(currency)
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def _currency(currency: str) -> str:
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        raise ParseError(f"bad currency {currency!r}: expected a three-letter ISO code such as USD or EUR")
    return currency.strip().upper()


def parse_money(text: str, *, currency: str = "USD", decimal: str | None = None) -> int:
    """An amount typed by a person, as integer minor units of ``currency`` (cents for USD, won for KRW).

    Separators: when both ``.`` and ``,`` appear, the last one is the decimal separator. When only one kind
    appears, once, followed by exactly three digits, it separates thousands (``12,500``, ``1.200``) unless
    ``decimal`` names it as the decimal separator; otherwise it is the decimal separator (``12,5``).
    """
    code = _currency(currency)
    digits = currency_digits(code)
    if decimal not in (None, ".", ","):
        raise ParseError(f"bad decimal separator {decimal!r}: expected '.' or ','")
    raw = _text(text, MONEY_FORMS)
    s = raw
    # Symbols and codes may sit on either side ("$12", "12 €", "EUR 12", "12,00 EUR").
    for symbol, codes in _SYMBOL_CURRENCIES.items():
        if symbol in s:
            if code not in codes:
                raise _fail(raw, MONEY_FORMS, f"{symbol} is not {code}")
            s = s.replace(symbol, "", 1)
    m = re.search(r"(?<![A-Za-z])[A-Za-z]{3}(?![A-Za-z])", s)
    if m:
        typed = m.group(0).upper()
        if typed != code:
            raise _fail(raw, MONEY_FORMS, f"{typed} is not the configured currency {code}")
        s = s[: m.start()] + s[m.end() :]
    s = s.strip()
    if s in ("-", "—", "–"):  # a spreadsheet's "no value" is not zero
        raise _fail(raw, MONEY_FORMS, "no amount")
    if s.startswith("-") or s.endswith("-") or (s.startswith("(") and s.endswith(")")):
        raise _fail(raw, MONEY_FORMS, "negative amounts are not accepted")
    multiplier = 1
    if s[-1:].lower() in ("k", "m"):
        multiplier = 1000 if s[-1].lower() == "k" else 1_000_000
        s = s[:-1].rstrip()
    for space in _SPACES:
        s = s.replace(space, "")
    if not re.fullmatch(r"\d[\d.,]*", s) or not s[-1].isdigit():
        raise _fail(raw, MONEY_FORMS)
    number = _normalize_separators(s, raw, decimal, suffixed=multiplier > 1)
    try:
        value = Decimal(number) * multiplier
    except InvalidOperation:  # pragma: no cover - the regex above admits only digits and one dot
        raise _fail(raw, MONEY_FORMS) from None
    if value > MAX_MAJOR_UNITS:
        raise _fail(raw, MONEY_FORMS, "absurdly large")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise _fail(raw, MONEY_FORMS, f"{code} has {digits} decimals")
    return int(minor)


def _normalize_separators(s: str, raw: str, decimal: str | None, *, suffixed: bool) -> str:
    """Turn ``1.200,50`` or ``1,200.50`` into ``1200.50``, validating the thousands groups."""
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        if decimal is not None and decimal != dec:
            raise _fail(raw, MONEY_FORMS, f"the decimal separator is {decimal!r}")
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        if decimal is not None:
            dec = decimal
        elif s.count(sep) == 1 and (suffixed or not re.search(rf"\{sep}\d{{3}}$", s) or s.startswith("0" + sep)):
            # "12.5k" and "12,5": one separator not followed by exactly three digits is decimal; so is the one
            # after a lone 0 ("0.001"), since no thousands group starts with 0.
            dec = sep
        else:
            dec = "," if sep == "." else "."  # "12,500", "1.200.000": thousands
    else:
        return s
    thousands = "," if dec == "." else "."
    whole, _, fraction = s.partition(dec)
    if dec in fraction or thousands in fraction:
        raise _fail(raw, MONEY_FORMS, "misplaced separator")
    if thousands in whole and not re.fullmatch(rf"[1-9]\d{{0,2}}(\{thousands}\d{{3}})+", whole):
        raise _fail(raw, MONEY_FORMS, "thousands must be grouped by three")
    if dec in s and not fraction:
        raise _fail(raw, MONEY_FORMS)
    whole = whole.replace(thousands, "")
    return f"{whole}.{fraction}" if fraction else whole


def format_money(minor: int, currency: str = "USD", *, compact: bool = False) -> str:
    """``$12,400.00``, ``€1,200.50``, ``₩1,200,000``; compact: ``$182.4k``, ``$1.2M``, ``$950``."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise ParseError(f"cannot format amount {minor!r}: expected integer minor units")
    code = _currency(currency)
    digits = currency_digits(code)
    symbol = _SYMBOLS.get(code, f"{code} ")
    sign = "-" if minor < 0 else ""
    major = Decimal(abs(minor)).scaleb(-digits)
    if not compact:
        return f"{sign}{symbol}{major:,.{digits}f}"
    number = _compact(major)
    if number == "0":
        sign = ""
    return f"{sign}{symbol}{number}"


def _compact(major: Decimal) -> str:
    whole = major.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if whole < 1000:
        return f"{whole:,f}"
    scales = ((10**3, "k"), (10**6, "M"), (10**9, "B"), (10**12, "T"))
    for i, (scale, suffix) in enumerate(scales):
        shown = (major / scale).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        # 999,960 rounds to 1000.0k: the next scale shows it as 1M.
        if shown < 1000 or i == len(scales) - 1:
            text = f"{shown:f}"
            return (text[:-2] if text.endswith(".0") else text) + suffix
    raise AssertionError("unreachable")  # pragma: no cover


# --- percentages ---

PERCENT_FORMS = "a percentage from 0 to 100% such as 65%, 65.5%, 65 or 0.65"


def parse_percent(text: str) -> float:
    """A fraction in [0, 1]: ``65.0%`` and ``65`` are 0.65, and so is ``0.65``.

    Without a ``%`` sign, numbers up to 1 are read as fractions and larger ones as percentages.
    """
    raw = _text(text, PERCENT_FORMS)
    s = raw.replace(" ", "").replace(",", ".")
    has_sign = s.endswith("%")
    s = s.removesuffix("%")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", s):
        raise _fail(raw, PERCENT_FORMS)
    value = Decimal(s)
    if has_sign or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise _fail(raw, PERCENT_FORMS, "outside 0..100%")
    return float(value)

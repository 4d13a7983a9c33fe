"""The store's checks of what a caller hands it: text, money, moments, months, probabilities, outcomes, rep fields.

Each check returns the cleaned value or raises :class:`~cockpit.core.errors.ValidationError` with a one-line reason.
The import reuses them cell by cell, so a CSV row is refused with the same words as a form.
"""

from __future__ import annotations

import re
from typing import Any

from cockpit.core.errors import ValidationError
from cockpit.core.store.records import ACTIVITY_OUTCOMES, OUTCOME_SYNONYMS, ROLES

#: SQLite's INTEGER range: an id outside it names no row, and the driver would fail on it with an OverflowError.
MIN_ID, MAX_ID = -(2**63), 2**63 - 1
MAX_AMOUNT = 10**15  # minor units: ten trillion major units is not a sale, it is a typo
MIN_TS = 0  # 1970-01-01
MAX_TS = 4102444800  # 2100-01-01

#: How far past the store's clock the moment of something done may lie: a call logged "at 14:30" at 14:20.
FUTURE_SLACK_S = 15 * 60


def lies_ahead(ts: float, now: float) -> bool:
    """Whether the moment ``ts`` of something done lies past ``now`` by more than the slack (epoch seconds)."""
    return ts > now + FUTURE_SLACK_S


def check_text(value: str | None, what: str, *, required: bool = False, max_len: int = 10_000) -> str:
    """``value`` stripped (None reads as empty); refused when required and empty, or longer than ``max_len``."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"{what} must not be empty")
    if len(text) > max_len:
        raise ValidationError(f"{what} is longer than {max_len} characters")
    return text


def check_amount(amount: int, what: str = "amount") -> int:
    """A sum of money in minor units: a whole number from 0 to :data:`MAX_AMOUNT`."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError(f"{what} must be a whole number of minor units, not {amount!r}")
    if amount < 0:
        raise ValidationError(f"{what} must not be negative ({amount})")
    if amount > MAX_AMOUNT:
        raise ValidationError(f"{what} {amount} is absurdly large")
    return amount


def check_id(row_id: int, what: str = "id") -> int:
    """A row id the database can hold (SQLite's 64-bit INTEGER); one beyond it is refused by name."""
    if isinstance(row_id, bool) or not isinstance(row_id, int):
        raise ValidationError(f"{what} must be a whole number, not {row_id!r}")
    if not MIN_ID <= row_id <= MAX_ID:
        shown = str(row_id) if len(str(row_id)) <= 40 else str(row_id)[:40] + "…"
        raise ValidationError(f"{what} {shown} is out of range: ids run from 1 to {MAX_ID}")
    return row_id


def check_ts(ts: int | None, what: str) -> int | None:
    """A moment in epoch seconds between 1970 and 2100 (whole seconds), or None."""
    if ts is None:
        return None
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise ValidationError(f"{what} must be a moment (epoch seconds), not {ts!r}")
    if not MIN_TS <= ts < MAX_TS:
        raise ValidationError(f"{what} must lie between 1970 and 2100")
    return int(ts)


def check_month(month: str) -> str:
    """A month as ``YYYY-MM`` between 1970 and 2099."""
    text = (month or "").strip()
    try:
        year, mon = text.split("-")
        if len(year) != 4 or len(mon) != 2 or not 1 <= int(mon) <= 12 or not 1970 <= int(year) < 2100:
            raise ValueError
    except ValueError:
        raise ValidationError(f"month {month!r} must look like YYYY-MM") from None
    return text


def check_prob(probability: float) -> float:
    """A win probability between 0 and 1."""
    if not isinstance(probability, int | float) or not 0 <= probability <= 1:
        raise ValidationError(f"probability must be between 0 and 1, not {probability!r}")
    return float(probability)


#: How people name each kind of activity in a sentence ("an email's outcomes: ...").
_KIND_PHRASES = {"call": "a call", "email": "an email", "meeting": "a meeting", "linkedin": "a LinkedIn touch"}


def _outcome_key(text: str) -> str:
    """``No_Show`` → ``no show``: case, spaces, dashes and underscores do not tell two outcomes apart."""
    return " ".join(re.sub(r"[-_\u2010-\u2015]", " ", text.casefold()).split())


def kind_phrase(kind: str) -> str:
    """``email`` → ``an email``: the kind as a sentence names it."""
    return _KIND_PHRASES.get(kind, f"a {kind}")


def accepted_outcomes(kind: str) -> str:
    """The outcomes ``kind`` accepts, said in one phrase for an error or a hint."""
    names = ACTIVITY_OUTCOMES.get(kind, ())
    if not names:
        return f"{kind_phrase(kind)} takes no outcome"
    return f"{kind_phrase(kind)}'s outcomes: {', '.join(names)}"


def find_outcome(kind: str, text: str) -> str | None:
    """The outcome of ``kind`` that ``text`` names (its own name or a synonym, in any case or spacing), or None."""
    key = _outcome_key(text)
    for name in ACTIVITY_OUTCOMES.get(kind, ()):
        if _outcome_key(name) == key:
            return name
    return OUTCOME_SYNONYMS.get(kind, {}).get(key)


def check_outcome(kind: str, outcome: str | None) -> str:
    """The outcome of an activity of ``kind``, spelled as :data:`~.records.ACTIVITY_OUTCOMES` spells it ("" when
    none is given). One that ``kind`` does not record is refused naming the ones it does: an email was never
    "connected", and a KPI or a filter reading a meeting's outcome must find one of a meeting's words."""
    text = " ".join((outcome or "").split())
    if not text:
        return ""
    found = find_outcome(kind, text)
    if found is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValidationError(f"unknown outcome {shown!r} for {kind_phrase(kind)} ({accepted_outcomes(kind)})")
    return found


def rep_values(name: str, team: str, region: str, unix_login: str | None, role: str, active: bool) -> dict[str, Any]:
    """The ``reps`` columns of a rep, checked (``created_at`` is the caller's)."""
    if role not in ROLES:
        raise ValidationError(f"role must be rep or manager, not {role!r}")
    return {
        "name": check_text(name, "rep name", required=True, max_len=100),
        "team": check_text(team, "team", max_len=100),
        "region": check_text(region, "region", max_len=100),
        "unix_login": check_text(unix_login, "unix login", max_len=64) or None,
        "role": role,
        "active": int(bool(active)),
    }


def row_name(table: str, row_id: int) -> str:
    """A deal or an activity as people type it (quick entry, the command line): ``deal #12``, ``activity a40``."""
    return f"deal #{row_id}" if table == "deals" else f"activity a{row_id}"

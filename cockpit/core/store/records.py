"""The records the store reads return: small frozen dataclasses, and the vocabularies their fields take.

Times are Unix epoch seconds (UTC); money integer minor units (cents, or won for KRW).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

ACTIVITY_KINDS = ("call", "email", "meeting", "linkedin", "note")
#: The kinds the logging keys and `cockpit log` write.
LOGGABLE_KINDS = ("call", "email", "meeting")
#: The outcomes each kind of activity may record: the one list every writer is checked against
#: (:func:`~cockpit.core.store.validation.check_outcome`) and the forms, quick entry, `cockpit log` and the import
#: offer. An empty outcome ("not said") is accepted for every kind; a note records none. An email and a meeting
#: have their own: a call's "voicemail" says nothing of an email, and the data holds emails "sent" or "replied".
ACTIVITY_OUTCOMES: dict[str, tuple[str, ...]] = {
    "call": ("connected", "voicemail", "no answer", "meeting booked", "not interested", "wrong number"),
    "email": ("sent", "replied", "bounced"),
    "meeting": ("held", "no-show", "rescheduled", "cancelled"),
    "linkedin": ("message sent", "connection request", "replied"),
    "note": (),
}
#: Other words for an outcome, read as it by every writer: quick entry's short forms (``vm``) and the words of the
#: common CRMs' exports (HubSpot's "Left voicemail", "Busy", "Completed", "Canceled"). Case, spaces, dashes and
#: underscores do not matter (``No Show`` is ``no-show``).
OUTCOME_SYNONYMS: dict[str, dict[str, str]] = {
    "call": {
        "vm": "voicemail",
        "left voicemail": "voicemail",
        "left message": "voicemail",
        "na": "no answer",
        "noanswer": "no answer",
        "busy": "no answer",
        "booked": "meeting booked",
        "ni": "not interested",
        "wrong": "wrong number",
        "invalid number": "wrong number",
    },
    "email": {"reply": "replied", "bounce": "bounced"},
    "meeting": {"completed": "held", "noshow": "no-show", "canceled": "cancelled"},
    "linkedin": {},
    "note": {},
}
#: The calls' outcomes (the name the forms and the CLI used before each kind had its own).
OUTCOMES = ACTIVITY_OUTCOMES["call"]
ROLES = ("rep", "manager")
COST_CATEGORIES = ("marketing", "sales")


@dataclass(frozen=True)
class Rep:
    """A sales rep (or manager) as read from ``reps``; ``unix_login`` ties a Unix account to the rep."""

    id: int
    name: str
    team: str
    region: str
    unix_login: str | None
    role: str
    active: bool


@dataclass(frozen=True)
class Account:
    """A customer account."""

    id: int
    name: str
    segment: str
    lead_source: str


@dataclass(frozen=True)
class Deal:
    """A deal with its account and owner's names; money in minor units, times in Unix seconds."""

    id: int
    external_id: str | None
    title: str
    account_id: int | None
    account: str | None
    rep_id: int
    rep: str
    amount: int
    stage: str
    probability: float
    source: str
    product: str
    created_at: int
    qualified_at: int | None
    expected_close: int | None
    closed_at: int | None
    lost_reason: str | None
    updated_at: int
    voided_at: int | None


@dataclass(frozen=True)
class Activity:
    """A call, email, meeting or note with its rep, deal and account names; times in Unix seconds."""

    id: int
    kind: str
    rep_id: int
    rep: str
    deal_id: int | None
    deal: str | None
    account_id: int | None
    account: str | None
    outcome: str
    duration_s: int | None
    at: int
    note: str
    follow_up_at: int | None
    follow_up_done_at: int | None
    voided_at: int | None


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: its order, default win probability, and whether a deal in it is still open."""

    name: str
    position: int
    probability: float
    is_open: bool


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log: who changed which row how (old and new values), and the undo that reverted it."""

    id: int
    unix_user: str
    at: int
    action: str
    table_name: str
    row_id: int | None
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    undone_by: int | None


@dataclass(frozen=True)
class Cost:
    """One monthly cost entry (money in minor units); (month, category, channel) identifies it."""

    id: int
    month: str
    category: str
    channel: str
    amount: int


@dataclass(frozen=True)
class Quota:
    """One monthly quota, for a rep (``rep_id``/``rep`` set) or a team (``team`` set)."""

    id: int
    month: str
    rep_id: int | None
    rep: str | None
    team: str | None
    amount: int

    @property
    def holder(self) -> str:
        """The rep's name or the team's."""
        return self.rep if self.rep is not None else self.team or ""


# ------------------------------------------------------------------------------------------ row converters


def rep_from_row(row: sqlite3.Row) -> Rep:
    """A :class:`Rep` from a ``SELECT * FROM reps`` row."""
    return Rep(
        id=row["id"],
        name=row["name"],
        team=row["team"],
        region=row["region"],
        unix_login=row["unix_login"],
        role=row["role"],
        active=bool(row["active"]),
    )


def deal_from_row(row: sqlite3.Row) -> Deal:
    """A :class:`Deal` from a row with exactly its fields (the store's deal select)."""
    return Deal(**{k: row[k] for k in row.keys()})  # noqa: SIM118 - sqlite3.Row has no __iter__ over keys


def activity_from_row(row: sqlite3.Row) -> Activity:
    """An :class:`Activity` from a row with exactly its fields (the store's activity select)."""
    return Activity(**{k: row[k] for k in row.keys()})  # noqa: SIM118


def audit_from_row(row: sqlite3.Row) -> AuditEntry:
    """An :class:`AuditEntry` from a ``SELECT * FROM audit_log`` row, its JSON values decoded."""
    return AuditEntry(
        id=row["id"],
        unix_user=row["unix_user"],
        at=row["at"],
        action=row["action"],
        table_name=row["table_name"],
        row_id=row["row_id"],
        old_values=json.loads(row["old_values"]) if row["old_values"] else None,
        new_values=json.loads(row["new_values"]) if row["new_values"] else None,
        undone_by=row["undone_by"],
    )

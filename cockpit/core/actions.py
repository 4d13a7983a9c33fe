"""Who is acting, what they may do, and the typed entries that the forms, the quick-entry line and the CLI write.

Each entry is a frozen dataclass; :func:`apply` checks the actor's rights, resolves names to ids and calls ONE store
write method (one transaction with its audit rows). The rules:

- The acting rep is the Unix login mapped to a rep (``reps.unix_login``), or ``--as NAME``. A rep may act only as
  themselves; a manager may act as anyone. A database where no rep has a login mapped (a demo or a one-person file)
  trusts whoever opens it, as a manager: there is nobody to tell apart.
- Manager-only: quotas, costs, reassigning a deal to another rep, and editing, moving, voiding or restoring another
  rep's deals and activities, or marking their follow-ups done. Logging a call on a colleague's deal is allowed
  (the call is the caller's own).

Core module: no Textual.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cockpit.core.actor import Actor, resolve_actor
from cockpit.core.errors import NotFoundError, PermissionDenied, ValidationError
from cockpit.core.store import LOGGABLE_KINDS, OUTCOMES, Activity, Deal, Rep, Store
from cockpit.core.store.records import ACTIVITY_OUTCOMES
from cockpit.core.store.validation import accepted_outcomes, check_id, check_outcome, find_outcome, kind_phrase

__all__ = [
    "ACTIVITY_OUTCOMES",
    "LOGGABLE_KINDS",
    "OUTCOMES",
    "ActivityEntry",
    "Actor",
    "CallEntry",
    "CompleteFollowUp",
    "DealEdit",
    "DealEntry",
    "Entry",
    "FollowUp",
    "Restore",
    "SetCost",
    "SetQuota",
    "StageMove",
    "Undo",
    "Void",
    "accepted_outcomes",
    "apply",
    "check",
    "check_outcome",
    "find_outcome",
    "kind_phrase",
    "next_stage",
    "resolve_actor",
]


# ------------------------------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class ActivityEntry:
    """A call, email or meeting. ``account`` is a name (exact, case-insensitive); ``deal_id`` links it to a deal.

    ``outcome`` is one of the kind's (:data:`ACTIVITY_OUTCOMES`), or empty.

    ``create_account``: an unknown account name is created in the same transaction (else it is an error).
    ``rep``: who did it (name); None means the actor's own rep. Times are epoch seconds; ``at`` None means now.
    """

    kind: str
    account: str | None = None
    deal_id: int | None = None
    outcome: str = ""
    duration_s: int | None = None
    at: int | None = None
    note: str = ""
    follow_up_at: int | None = None
    create_account: bool = False
    rep: str | None = None


CallEntry = ActivityEntry  # a call is an activity of kind "call"; the name reads better at call sites


@dataclass(frozen=True)
class DealEntry:
    """A new deal; the account is created when no account has that name."""

    account: str
    title: str
    amount: int  # minor units
    stage: str | None = None
    source: str = ""
    product: str = ""
    expected_close: int | None = None
    rep: str | None = None


@dataclass(frozen=True)
class StageMove:
    """Move a deal to a stage (``lost`` needs a reason)."""

    deal_id: int
    stage: str
    reason: str | None = None
    at: int | None = None
    from_stage: str | None = None
    """The stage the form or line showed: refused when someone moved the deal since (a win turned into a loss)."""


@dataclass(frozen=True)
class FollowUp:
    """Schedule a follow-up on a deal: written as a note activity with its follow-up time."""

    deal_id: int
    at: int
    note: str = ""


@dataclass(frozen=True)
class DealEdit:
    """Change fields of a deal; None leaves a field as it is. ``rep`` (a name) reassigns it (manager only)."""

    deal_id: int
    title: str | None = None
    amount: int | None = None
    probability: float | None = None
    source: str | None = None
    product: str | None = None
    expected_close: int | None = None
    account: str | None = None
    rep: str | None = None
    as_seen: Deal | None = None
    """The deal as the form showed it: the edit is refused when someone changed its stage or a field being edited
    since (a form left open while a colleague closed the deal must not write over it unseen)."""

    def changed_fields(self) -> list[str]:
        return [
            f.name
            for f in dataclasses.fields(self)
            if f.name not in ("deal_id", "as_seen") and getattr(self, f.name) is not None
        ]


@dataclass(frozen=True)
class Void:
    """Void a deal or an activity (kept, left out of KPIs, restorable)."""

    table: str  # "deals" | "activities"
    row_id: int
    reason: str


@dataclass(frozen=True)
class Restore:
    """Restore a voided deal or activity."""

    table: str
    row_id: int


@dataclass(frozen=True)
class CompleteFollowUp:
    """Mark the follow-up of an activity done (``at`` None means now)."""

    activity_id: int
    at: int | None = None


@dataclass(frozen=True)
class Undo:
    """Undo the acting Unix user's latest action (the undo is audited too)."""


@dataclass(frozen=True)
class SetQuota:
    month: str
    amount: int
    rep: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class SetCost:
    month: str
    category: str
    amount: int
    channel: str = ""


Entry = (
    ActivityEntry
    | DealEntry
    | StageMove
    | FollowUp
    | DealEdit
    | Void
    | Restore
    | CompleteFollowUp
    | Undo
    | SetQuota
    | SetCost
)


# ------------------------------------------------------------------------------------------------ apply


def apply(store: Store, actor: Actor, entry: Entry) -> int:
    """Check ``actor`` may write ``entry``, then write it with one store call.

    Returns the id of the row written (a new activity or deal) or changed (the deal moved, the row voided); for
    an undo, the id of the undo's audit row.
    """
    _check_ids(entry)
    match entry:
        case ActivityEntry():
            return _log_activity(store, actor, entry)
        case DealEntry():
            rep = _acting_rep(store, actor, entry.rep)
            return store.add_deal(
                rep_id=rep.id,
                account=entry.account,
                title=entry.title,
                amount=entry.amount,
                stage=entry.stage,
                source=entry.source,
                product=entry.product,
                expected_close=entry.expected_close,
            )
        case StageMove():
            deal = _own_deal(store, actor, entry.deal_id, "move")
            if entry.stage.strip().lower() == "lost" and not (entry.reason or "").strip():
                raise ValidationError("a lost deal needs a reason")
            store.move_deal(deal.id, entry.stage, at=entry.at, reason=entry.reason, from_stage=entry.from_stage)
            return deal.id
        case FollowUp():
            rep = _acting_rep(store, actor, None)
            store.deal(entry.deal_id)  # a clear "no deal with id N" before anything is written
            return store.log_activity(
                kind="note",
                rep_id=rep.id,
                deal_id=entry.deal_id,
                note=entry.note or "follow-up",
                follow_up_at=entry.at,
            )
        case DealEdit():
            return _edit_deal(store, actor, entry)
        case Void():
            _own_row(store, actor, entry.table, entry.row_id, "void")
            store.void(entry.table, entry.row_id, reason=entry.reason)
            return entry.row_id
        case Restore():
            _own_row(store, actor, entry.table, entry.row_id, "restore")
            store.restore(entry.table, entry.row_id)
            return entry.row_id
        case CompleteFollowUp():
            _complete_follow_up(store, actor, entry)
            return entry.activity_id
        case Undo():
            return store.undo_last().id
        case SetQuota():
            _manager_only(actor, "set quotas")
            rep_id = store.rep_by_name(entry.rep).id if entry.rep else None
            return store.set_quota(month=entry.month, amount=entry.amount, rep_id=rep_id, team=entry.team)
        case SetCost():
            _manager_only(actor, "set costs")
            return store.set_cost(
                month=entry.month, category=entry.category, amount=entry.amount, channel=entry.channel
            )
    raise ValidationError(f"cannot write {type(entry).__name__}")


def check(store: Store, actor: Actor, entry: Entry) -> None:
    """Raise the PermissionDenied (or NotFoundError) :func:`apply` would raise for ``actor``, reading only.

    For previews (the quick-entry line says "only a manager may..." before Enter, not after); ``apply`` stays
    the authority and checks again in its own call."""
    _check_ids(entry)
    match entry:
        case ActivityEntry() | DealEntry():
            _acting_rep(store, actor, entry.rep)
        case FollowUp():
            _acting_rep(store, actor, None)
        case StageMove():
            _own_deal(store, actor, entry.deal_id, "move")
        case DealEdit():
            _own_deal(store, actor, entry.deal_id, "edit")
        case Void() | Restore():
            _own_row(store, actor, entry.table, entry.row_id, "void" if isinstance(entry, Void) else "restore")
        case CompleteFollowUp():
            _own_activity(store, actor, entry.activity_id, "complete")
        case SetQuota():
            _manager_only(actor, "set quotas")
        case SetCost():
            _manager_only(actor, "set costs")


def next_stage(store: Store, current: str) -> str:
    """The open stage after ``current`` in pipeline order, or ``won`` after the last open one."""
    stages = store.stages()
    open_names = [s.name for s in stages if s.is_open]
    if current not in open_names:
        raise ValidationError(f"a {current} deal cannot advance; move it to a stage instead")
    position = open_names.index(current)
    return open_names[position + 1] if position + 1 < len(open_names) else "won"


_ID_FIELDS = {"deal_id": "deal id", "row_id": "id", "activity_id": "activity id"}


def _check_ids(entry: Entry) -> None:
    """Every id an entry names is one SQLite can hold: a larger one is refused by name before any read."""
    for name, what in _ID_FIELDS.items():
        value = getattr(entry, name, None)
        if value is not None:
            check_id(value, what)


def _manager_only(actor: Actor, what: str) -> None:
    if not actor.is_manager:
        raise PermissionDenied(f"only a manager may {what}; you are {actor.label!r} (a rep)")


def _acting_rep(store: Store, actor: Actor, name: str | None) -> Rep:
    """The rep an entry is written for: the actor's own, or ``name`` when the actor may act for others."""
    if name is None or not name.strip():
        if actor.rep is None:
            raise PermissionDenied(
                f"your login {actor.unix_user!r} is not mapped to a rep: say who you are with --as NAME"
            )
        return actor.rep
    rep = store.rep_by_name(name)
    if actor.rep is not None and rep.id == actor.rep.id:
        return rep
    if not actor.is_manager:
        raise PermissionDenied(f"a rep logs only as themselves: you are {actor.label!r}, not {rep.name!r}")
    return rep


def _own_deal(store: Store, actor: Actor, deal_id: int, verb: str):  # -> Deal
    deal = store.deal(deal_id)
    if not actor.is_manager and (actor.rep is None or deal.rep_id != actor.rep.id):
        raise PermissionDenied(f"deal #{deal_id} belongs to {deal.rep!r}: only a manager may {verb} another rep's deal")
    return deal


def _own_row(store: Store, actor: Actor, table: str, row_id: int, verb: str) -> None:
    if table == "deals":
        _own_deal(store, actor, row_id, verb)
    elif table == "activities":
        _own_activity(store, actor, row_id, verb)
    else:
        raise ValidationError(f"only deals and activities can be voided or restored, not {table}")


def _own_activity(store: Store, actor: Actor, activity_id: int, verb: str) -> Activity:
    activity = store.activity(activity_id)
    if not actor.is_manager and (actor.rep is None or activity.rep_id != actor.rep.id):
        raise PermissionDenied(
            f"activity a{activity_id} was logged by {activity.rep!r}: only a manager may {verb} another rep's entry"
        )
    return activity


def _complete_follow_up(store: Store, actor: Actor, entry: CompleteFollowUp) -> None:
    activity = _own_activity(store, actor, entry.activity_id, "complete")
    # The store only checks that a follow-up exists; done twice would silently move its done time.
    if activity.voided_at is not None:
        raise ValidationError(f"activity a{activity.id} is voided; restore it first")
    if activity.follow_up_done_at is not None:
        raise ValidationError(f"the follow-up of activity a{activity.id} is already done")
    store.complete_follow_up(activity.id, at=entry.at)


def _log_activity(store: Store, actor: Actor, entry: ActivityEntry) -> int:
    if entry.kind not in LOGGABLE_KINDS + ("note",):
        raise ValidationError(f"unknown activity kind {entry.kind!r} (kinds: {', '.join(LOGGABLE_KINDS)})")
    outcome = check_outcome(entry.kind, entry.outcome)  # before any read: a bad outcome is the user's first error
    rep = _acting_rep(store, actor, entry.rep)
    common = {
        "kind": entry.kind,
        "rep_id": rep.id,
        "outcome": outcome,
        "duration_s": entry.duration_s,
        "at": entry.at,
        "note": entry.note,
        "follow_up_at": entry.follow_up_at,
    }
    account_id = None
    if entry.deal_id is not None:
        deal = store.deal(entry.deal_id)
        if deal.voided_at is not None:
            raise ValidationError(f"deal #{deal.id} is voided; restore it first")
    if entry.account and entry.account.strip():
        found = store.account_by_name(entry.account)
        if found is None:
            if not entry.create_account:
                raise NotFoundError(
                    f"no account named {entry.account.strip()!r}{store.name_hint('accounts', entry.account.strip())}"
                )
            return store.log_activity_for_account(account=entry.account, deal_id=entry.deal_id, **common)
        account_id = found.id
    elif entry.deal_id is None:
        raise ValidationError(f"a {entry.kind} needs an account or a deal")
    return store.log_activity(deal_id=entry.deal_id, account_id=account_id, **common)


def _edit_deal(store: Store, actor: Actor, entry: DealEdit) -> int:
    deal = _own_deal(store, actor, entry.deal_id, "edit")
    changes: dict[str, object] = {}
    for name in ("title", "amount", "probability", "source", "product", "expected_close"):
        value = getattr(entry, name)
        if value is not None:
            changes[name] = value
    if entry.account is not None:
        found = store.account_by_name(entry.account)
        if found is None:
            raise NotFoundError(
                f"no account named {entry.account.strip()!r}{store.name_hint('accounts', entry.account.strip())}"
            )
        changes["account_id"] = found.id
    if entry.rep is not None:
        rep = store.rep_by_name(entry.rep)
        if rep.id != deal.rep_id:
            _manager_only(actor, "reassign deals")
            changes["rep_id"] = rep.id
    if not changes:
        raise ValidationError("nothing to change")
    seen = entry.as_seen
    expect = None if seen is None else {"stage": seen.stage} | {k: getattr(seen, k) for k in changes}
    store.edit_deal(deal.id, expect=expect, **changes)
    return deal.id

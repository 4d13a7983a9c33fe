"""Keyboard logging for the cockpit App: the bindings and a mixin with their actions.

The App mixes in :class:`LoggingActions`, lists :data:`LOGGING_BINDINGS` in its ``BINDINGS`` and satisfies
:class:`LoggingHost` (a store, the actor, settings, a clock, the selected deal and activity, ``refresh_data`` and
``highlight``). Every database read and write runs in a thread worker; after a save the App refreshes, the new
or changed row is highlighted and a notification confirms it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

from cockpit.core.actions import (
    ActivityEntry,
    CompleteFollowUp,
    DealEdit,
    DealEntry,
    Entry,
    FollowUp,
    Restore,
    StageMove,
    Undo,
    Void,
    apply,
    check,
)
from cockpit.core.actor import Actor
from cockpit.core.clock import Clock
from cockpit.core.config import Settings
from cockpit.core.errors import CockpitError, bug_line
from cockpit.core.names import Names
from cockpit.core.quick import Catalog, DealRef, QuickAction, look_up_deal, row_ref
from cockpit.core.store import Activity, AuditEntry, Deal, Store
from cockpit.core.text import clean
from cockpit.tui.quick_entry import QuickEntry
from cockpit.tui.screens.forms import (
    ActivityForm,
    DealEditForm,
    DealForm,
    FollowUpForm,
    RestoreForm,
    StageMoveForm,
    VoidForm,
)

__all__ = ["LOGGING_BINDINGS", "LoggingActions", "LoggingHost", "logging_disabled", "saved_message"]

LOGGING_BINDINGS: list[Binding] = [
    Binding("c", "log_call", "Call", id="log.call", tooltip="Log a call"),
    Binding("e", "log_email", "Email", id="log.email", tooltip="Log an email", show=False),
    Binding("m", "log_meeting", "Meeting", id="log.meeting", tooltip="Log a meeting", show=False),
    Binding("n", "new_deal", "New deal", id="log.new_deal", tooltip="Add a deal", show=False),
    Binding(
        "a",
        "advance_stage",
        "Advance",
        id="log.advance",
        tooltip="Move the selected deal to its next stage",
        show=False,
    ),
    Binding("w", "mark_won", "Won", id="log.won", tooltip="Mark the selected deal won", show=False),
    Binding(
        "l", "mark_lost", "Lost", id="log.lost", tooltip="Mark the selected deal lost (reason required)", show=False
    ),
    Binding(
        "f",
        "follow_up",
        "Follow-up",
        id="log.follow_up",
        tooltip="Schedule a follow-up on the selected deal",
        show=False,
    ),
    Binding("E", "edit_deal", "Edit deal", id="log.edit_deal", tooltip="Edit the selected deal's fields", show=False),
    Binding("u", "undo", "Undo", id="log.undo", tooltip="Undo your last action (audited)", show=False),
    Binding("colon", "quick_entry", "Quick entry", id="log.quick", tooltip='One line: call acme connected 12m "…"'),
    Binding(
        "x", "void", "Void", id="log.void", tooltip="Void the selected deal or activity (reason required)", show=False
    ),
    Binding(
        "X", "restore", "Restore", id="log.restore", tooltip="Restore a voided deal or activity by its id", show=False
    ),
    Binding(
        "F",
        "complete_follow_up",
        "Follow-up done",
        id="log.follow_up_done",
        tooltip="Mark the selected follow-up done",
        show=False,
    ),
]

T = TypeVar("T")


class LoggingHost(Protocol):
    """What the App provides to :class:`LoggingActions`."""

    store: Store
    actor: Actor
    settings: Settings
    clock: Clock  # what "now" is for the forms (frozen in tests and snapshots)
    selected_deal_id: int | None  # the deal under the cursor (on a deal's page: its deal), None when none is
    selected_activity_id: int | None  # the activity under the cursor, None when no activity is selected

    def refresh_data(self, then: Callable[[], None] | None = None, *, same_frame: bool = False) -> None:
        """Reload what the panes show (after a write); ``then`` runs once the reloaded data is drawn (with
        ``same_frame``, once it is applied, to be drawn in the same frame)."""

    def highlight(self, table: str, row_id: int) -> None:
        """Bring row ``row_id`` of ``table`` ("deals" or "activities") into view and mark it; may do nothing."""


@dataclass(frozen=True)
class _Context:
    """What a logging form is opened with: the selected deal, the stage names, the active reps (managers only)."""

    deal: Deal | None
    stages: tuple[str, ...]
    reps: tuple[str, ...]


def saved_message(entry: Entry, row_id: int) -> tuple[str, str | None]:
    """The notification after a save, and the table whose row ``row_id`` to highlight."""
    match entry:
        case ActivityEntry():
            return f"{entry.kind.capitalize()} logged (#{row_id})", "activities"
        case DealEntry():
            return f"Deal added (#{row_id})", "deals"
        case StageMove(stage="won"):
            return f"Deal #{row_id} won", "deals"
        case StageMove(stage="lost"):
            return f"Deal #{row_id} lost", "deals"
        case StageMove():
            return f"Deal #{row_id} moved to {entry.stage}", "deals"
        case FollowUp():
            return f"Follow-up scheduled (#{row_id})", "activities"
        case DealEdit():
            return f"Deal #{row_id} updated", "deals"
        case Void():
            return f"{_what(entry.table, row_id)} voided: {clean(entry.reason, max_len=60)}", None
        case Restore():
            return f"{_what(entry.table, row_id)} restored", entry.table
        case CompleteFollowUp():
            return f"Follow-up done ({row_ref('activities', row_id)})", None
        case Undo():
            return "Undone", None
    return "Saved", None


def _what(table: str, row_id: int) -> str:
    return f"{'Activity' if table == 'activities' else 'Deal'} {row_ref(table, row_id)}"


def _activity_label(activity: Activity) -> str:
    """``call a12 on Acme: Renewal`` for a form title."""
    on = ": ".join(clean(x, max_len=32) for x in (activity.account, activity.deal) if x)
    return f"{activity.kind} {row_ref('activities', activity.id)}" + (f" on {on}" if on else "")


def logging_disabled(host: Any) -> bool:
    """On a read-only database, tell the user why nothing can be logged and return True (no form opens).

    Checked before any form opens, so nobody types an entry that the store would then refuse.
    """
    store = host.store
    if not getattr(store, "readonly", False):
        return False
    reason = clean(store.readonly_reason or "the database is open read-only")
    host.notify(f"Logging is disabled: {reason}", severity="warning", markup=False)
    return True


class LoggingActions:
    """The logging actions of the App (see :class:`LoggingHost` for what ``self`` must provide)."""

    #: The account names the last form or quick entry read: the next keeps them, folded, when they are the same
    #: (only them: the rest of a catalog is read again at each opening and let go at its close).
    _accounts: Names | None = None

    # --- helpers

    def _read_catalog(self: Any) -> Catalog:
        """The names forms and quick entry match against (in their worker)."""
        catalog = Catalog.from_store(self.store, known=self._accounts)
        if isinstance(catalog.accounts, Names):
            self._accounts = catalog.accounts
        return catalog

    def _form_kwargs(self: Any) -> dict[str, Any]:
        return {
            "save": lambda entry: apply(self.store, self.actor, entry),
            "load_catalog": self._read_catalog,
            "saved": self._saved,
            "now": self.clock.now(),
            "tz": self.settings.timezone,
            "currency": self.settings.currency,
        }

    def _in_worker(
        self: Any, work: Callable[[], T], then: Callable[[T], None], *, group: str, severity: str = "warning"
    ) -> None:
        """Run ``work`` (store calls) in a thread worker, then ``then`` with its result on the UI thread.

        A refusal (CockpitError) becomes a notification of ``severity``, a bug one line (logged), and ``then`` is
        not called.
        """

        def run() -> None:
            try:
                result = work()
            except CockpitError as exc:
                self.call_from_thread(self.notify, str(exc), severity=severity, markup=False)
                return
            except Exception as exc:  # a bug: one line, logged; the app stays
                self.call_from_thread(self.notify, bug_line(exc), severity="error", markup=False)
                return
            self.call_from_thread(then, result)

        self.run_worker(run, thread=True, exclusive=True, group=group)

    def _select_first(self: Any, what: str) -> None:
        """Say what to select and where: the pane of this screen that lists it and the key to it (its ``SELECT_IN``)."""
        where = getattr(self.screen, "SELECT_IN", {}).get(what)
        self.notify(f"Select {what} first" + (f": {where}" if where else ""), severity="warning", markup=False)

    def _with_context(self: Any, then: Callable[[_Context], None], *, need_deal: bool) -> None:
        """Read the selected deal, the stages and the reps in a worker, then open a form on the UI thread."""
        if logging_disabled(self):
            return
        deal_id = self.selected_deal_id
        if need_deal and deal_id is None:
            self._select_first("a deal")
            return

        def read() -> _Context:
            deal = self.store.deal(deal_id) if deal_id is not None else None
            stages = tuple(s.name for s in self.store.stages())
            reps = tuple(r.name for r in self.store.reps(active_only=True)) if self.actor.is_manager else ()
            return _Context(deal, stages, reps)

        self._in_worker(read, then, group="logging-read", severity="error")

    def _open(self: Any, screen: ModalScreen[Any]) -> None:
        self.push_screen(screen)

    def _saved(self: Any, entry: Entry | QuickAction, row_id: int, close: Callable[[], None]) -> None:
        """A form's (or the quick-entry line's) write committed: re-read, and close it once the new numbers are drawn.

        The screen below shows through the form's backdrop (the line covers only the bottom rows), so the numbers
        change in place first; closing a form's screen makes Textual repaint the whole screen below (``Screen``
        refreshes itself on resume), which therefore comes after the numbers a rep waits for, not before them. The
        quick-entry line closes in the numbers' own frame: hiding it repaints only the rows it covered."""
        written = entry.entry if isinstance(entry, QuickAction) else entry
        message, table = saved_message(written, row_id)

        def closed() -> None:
            close()
            if table is not None:
                self.call_later(self.highlight, table, row_id)
            self.notify(message, markup=False)

        # The quick-entry line (whose action wraps what it wrote) only hides: its few rows and the pane the focus goes
        # back to. In the numbers' frame, so that the rows under it are drawn once, not under the line and again after.
        self.refresh_data(then=closed, same_frame=written is not entry)

    def _after_save(self: Any, entry: Entry, row_id: int) -> None:
        message, table = saved_message(entry, row_id)
        self.refresh_data()
        if table is not None:
            self.highlight(table, row_id)
        self.notify(message, markup=False)

    @staticmethod
    def _ref(deal: Deal) -> DealRef:
        return DealRef(deal.id, deal.title, deal.account, deal.stage, deal.rep)

    # --- activities and deals

    def _default_rep(self: Any, ctx: _Context) -> str | None:
        """Whom a manager's form logs for at first: the selected deal's owner, else the rep on screen (the
        scorecards' cursor, a drill-down, My day), else the actor. A rep's form has no choice (``ctx.reps`` empty)."""
        if ctx.reps:
            if ctx.deal is not None and ctx.deal.rep in ctx.reps:
                return ctx.deal.rep
            in_view = getattr(self, "rep_in_view", None)
            if in_view is not None and in_view in ctx.reps:
                return in_view
        return self.actor.rep.name if self.actor.rep else None

    def _log(self: Any, kind: str) -> None:
        def open_form(ctx: _Context) -> None:
            deal = LoggingActions._ref(ctx.deal) if ctx.deal else None
            rep = self._default_rep(ctx)
            self._open(ActivityForm(kind, deal=deal, reps=ctx.reps, rep=rep, **self._form_kwargs()))

        self._with_context(open_form, need_deal=False)

    def action_log_call(self) -> None:
        """Log a call (on the selected deal, if any)."""
        self._log("call")

    def action_log_email(self) -> None:
        """Log an email."""
        self._log("email")

    def action_log_meeting(self) -> None:
        """Log a meeting."""
        self._log("meeting")

    def action_new_deal(self: Any) -> None:
        """Add a deal."""

        def open_form(ctx: _Context) -> None:
            self._open(DealForm(stages=ctx.stages, reps=ctx.reps, rep=self._default_rep(ctx), **self._form_kwargs()))

        self._with_context(open_form, need_deal=False)

    def _move(self: Any, stage: str | None) -> None:
        def open_form(ctx: _Context) -> None:
            assert ctx.deal is not None
            target = stage
            if target is None:  # advance: the next open stage, or won after the last one
                open_stages = [s for s in ctx.stages if s not in ("won", "lost")]
                if ctx.deal.stage not in open_stages:
                    self.notify(f"Deal #{ctx.deal.id} is {ctx.deal.stage}: it cannot advance", severity="warning")
                    return
                position = open_stages.index(ctx.deal.stage)
                target = open_stages[position + 1] if position + 1 < len(open_stages) else "won"
            ref = LoggingActions._ref(ctx.deal)
            self._open(StageMoveForm(ref, stage=target, stages=ctx.stages, **self._form_kwargs()))

        self._with_context(open_form, need_deal=True)

    def action_advance_stage(self) -> None:
        """Move the selected deal to its next stage."""
        self._move(None)

    def action_mark_won(self) -> None:
        """Mark the selected deal won."""
        self._move("won")

    def action_mark_lost(self) -> None:
        """Mark the selected deal lost (a reason is required)."""
        self._move("lost")

    def action_follow_up(self: Any) -> None:
        """Schedule a follow-up on the selected deal."""

        def open_form(ctx: _Context) -> None:
            assert ctx.deal is not None
            self._open(FollowUpForm(LoggingActions._ref(ctx.deal), **self._form_kwargs()))

        self._with_context(open_form, need_deal=True)

    def action_edit_deal(self: Any) -> None:
        """Edit the selected deal's fields."""

        def open_form(ctx: _Context) -> None:
            assert ctx.deal is not None
            form = DealEditForm(ctx.deal, reps=ctx.reps, can_reassign=self.actor.is_manager, **self._form_kwargs())
            self._open(form)

        self._with_context(open_form, need_deal=True)

    def action_quick_entry(self: Any) -> None:
        """Open the one-line quick-entry prompt at the bottom of this screen (back to it, as typed, when it is open
        and the focus went elsewhere)."""
        if logging_disabled(self):
            return
        prompt = next(iter(self.screen.query(QuickEntry)), None)
        if prompt is not None and prompt.is_open:
            prompt.focus_line()
            return
        kwargs = self._form_kwargs()
        kwargs["save"] = lambda action: apply(self.store, self.actor, action.entry)
        kwargs["check"] = lambda action: check(self.store, self.actor, action.entry)
        kwargs["find_deal"] = lambda deal_id: look_up_deal(self.store, deal_id)
        if prompt is None:  # a screen that holds no line of its own (the cockpit's all do: FollowingScreen)
            prompt = QuickEntry()
            self.screen.mount(prompt)
            self.call_after_refresh(lambda: prompt.open(**kwargs))
        else:
            prompt.open(**kwargs)

    # --- voids, restores and follow-ups done

    def action_void(self: Any) -> None:
        """Void the selected deal or activity (a reason is required; restorable with X or undo)."""
        if logging_disabled(self):
            return

        deal_id, activity_id = self.selected_deal_id, self.selected_activity_id
        if deal_id is None and activity_id is None:
            self._select_first("a deal or an activity")
            return

        def read() -> tuple[str, int, str]:
            if deal_id is not None:
                return "deals", deal_id, f"deal {LoggingActions._ref(self.store.deal(deal_id)).label()}"
            return "activities", activity_id, _activity_label(self.store.activity(activity_id))

        def open_form(target: tuple[str, int, str]) -> None:
            table, row_id, label = target
            self._open(VoidForm(table, row_id, label=label, **self._form_kwargs()))

        self._in_worker(read, open_form, group="logging-read")

    def action_restore(self: Any) -> None:
        """Restore a voided deal or activity: the latest voided are listed to choose from, or one is named by id."""
        if logging_disabled(self):
            return

        def read() -> list[tuple[str, str]]:
            items = []
            for table, row_id in self.store.voided():
                if table == "deals":
                    label = f"deal {LoggingActions._ref(self.store.deal(row_id)).label()}"
                else:
                    label = _activity_label(self.store.activity(row_id))
                items.append((row_ref(table, row_id), label))
            return items

        self._in_worker(
            read, lambda items: self._open(RestoreForm(voided=items, **self._form_kwargs())), group="logging-read"
        )

    def action_complete_follow_up(self: Any) -> None:
        """Mark the follow-up of the selected activity done."""
        if logging_disabled(self):
            return
        activity_id = self.selected_activity_id
        if activity_id is None:
            self._select_first("a follow-up")
            return
        entry = CompleteFollowUp(activity_id, at=int(self.clock.timestamp()))
        self._in_worker(
            lambda: apply(self.store, self.actor, entry),
            lambda row_id: self._after_save(entry, row_id),
            group="logging-write",
        )

    def action_undo(self: Any) -> None:
        """Undo your last action (the undo is audited too)."""
        if logging_disabled(self):
            return

        def undo() -> tuple[str, tuple[str, int] | None]:
            apply(self.store, self.actor, Undo())
            entry = self.store.audit(limit=1, user=self.store.user)[0]
            return entry.action, undone_row(self.store.audit_entries((entry.new_values or {}).get("undid", [])))

        self._in_worker(undo, self._undone, group="logging-write")

    def _undone(self: Any, result: tuple[str, tuple[str, int] | None]) -> None:
        action, row = result
        self.refresh_data()
        if row is not None:
            self.highlight(*row)  # the cursor back on the deal (or activity) the undone action was about
        self.notify(f"Undone: {clean(action.removeprefix('undo '))}", markup=False)


def undone_row(entries: list[AuditEntry]) -> tuple[str, int] | None:
    """The row an undone action was about, for the cursor: its deal if it touched one (a stage move also wrote
    stage history), else its activity."""
    for table in ("deals", "activities"):
        row_id = next((e.row_id for e in entries if e.table_name == table and e.row_id is not None), None)
        if row_id is not None:
            return table, row_id
    return None

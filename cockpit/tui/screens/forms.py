"""Typed modal forms for logging: call/email/meeting, new deal, stage move, follow-up, edit deal, void, restore.

Each form is a ``ModalScreen[Entry | None]``. Inputs validate with the core parsers as you type and show the
reason beside the field; Enter (or Ctrl+S) saves, Esc cancels with ``None``, Tab moves. The form writes through the
``save`` callable it is given (in a thread worker) and dismisses with the entry only once the write succeeded: at once,
or, given ``saved``, once the host has redrawn the new numbers (:func:`after_write`); a refused write (busy database,
permission, validation) is shown in the form and every typed value stays. The row id written is left in
:attr:`EntryForm.saved_id`.

Names from the database are shown literally (rich ``Text``), never parsed as markup.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import pendulum
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from cockpit.core.actions import (
    ACTIVITY_OUTCOMES,
    ActivityEntry,
    DealEdit,
    DealEntry,
    FollowUp,
    Restore,
    StageMove,
    Void,
)
from cockpit.core.errors import BusyError, CockpitError, ParseError, one_line
from cockpit.core.names import Names, did_you_mean, names_of
from cockpit.core.parse import format_money, parse_duration, parse_money, parse_percent, parse_when
from cockpit.core.quick import Catalog, DealRef, UnknownDeal, match_name, parse_row_ref
from cockpit.core.store import Deal, lies_ahead
from cockpit.core.text import clean, fold, truncate
from cockpit.tui.widgets.steady_input import SteadyInput

__all__ = [
    "ActivityForm",
    "DealEditForm",
    "DealForm",
    "EntryForm",
    "FieldError",
    "FollowUpForm",
    "FuzzySuggester",
    "ParserValidator",
    "RestoreForm",
    "StageMoveForm",
    "VoidForm",
]

T = TypeVar("T")

#: The characters a field's message has under a 72-column form (borders and padding off): one line, never more.
MESSAGE_WIDTH = 66


#: What a form calls once its write committed: (what it wrote, the row id, the function that closes the form).
Saved = Callable[[T, int, Callable[[], None]], None]


def after_write(screen: Any, result: Any, row_id: int, saved: Saved[Any] | None) -> None:
    """Close ``screen`` (a form or the quick-entry prompt) whose write of ``result`` committed: at once, or when
    ``saved`` calls back (the host re-reads first, so the new numbers are drawn before the close repaints the screen
    below). Until then the screen stays ``saving``: Enter writes nothing twice and Esc does nothing. Should another
    screen lie over it by then (the command palette), it closes when it is shown again (:func:`close_when_shown`)."""

    def close() -> None:
        if screen.is_active:
            screen.saving = False
            screen.dismiss(result)
        else:
            screen.pending_close = close

    if saved is None:
        close()
    else:
        saved(result, row_id, close)


def close_when_shown(screen: Any) -> None:
    """On a form's (or the prompt's) resume: the close :func:`after_write` could not make while it was covered."""
    close, screen.pending_close = screen.pending_close, None
    if close is not None:
        close()


def refusal(exc: Exception) -> str:
    """Why a write was refused, for the line under a form or the quick-entry line ("Not saved: ...")."""
    if isinstance(exc, BusyError):  # the store's message names the file: too long for one line here
        return "database busy, nothing written; Enter tries again"
    if isinstance(exc, CockpitError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def field_message(exc: CockpitError) -> str:
    """Why a typed value was refused, in one line under its field (the command line's message names the value
    and lists every accepted form; here the value is just above)."""
    return exc.brief(MESSAGE_WIDTH) if isinstance(exc, ParseError) else str(exc)  # set_message cuts it to a line


class ParserValidator(Validator):
    """Runs a core parser; its ParseError message becomes the inline message. Empty is fine unless required."""

    def __init__(self, parse: Callable[[str], object], *, required: str | None = None) -> None:
        super().__init__()
        self.parse = parse
        self.required = required  # the message for an empty value, None when the field is optional

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.failure(self.required) if self.required else self.success()
        try:
            self.parse(value)
        except CockpitError as exc:
            return self.failure(field_message(exc))
        return self.success()


class FuzzySuggester(Suggester):
    """Completes a typed prefix from names loaded later (by a worker); keeps the case the user typed.

    The names are a :class:`~cockpit.core.names.Names` (for the accounts, the catalog's own: no copy). A key typed
    looks up the names whose folded spelling begins as the typed text's does (``str.find`` over one string) and
    offers the first, in casefolded order, whose casefolded spelling begins with what was typed; else the first in
    folded order (typed without its accents). Nothing typed but spaces is completed by nothing. Two sorted lists of
    (spelling, name) pairs for the 87,800 accounts at the large benchmark size held ~25 MB while a form was open."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._names: Names = names_of(())

    @property
    def names(self) -> Names:
        """The names offered (give them back to :attr:`names` to offer them again without folding them again)."""
        return self._names

    @names.setter
    def names(self, names: Sequence[str]) -> None:
        self._names = names_of(names)

    async def get_suggestion(self, value: str) -> str | None:
        typed = value.casefold()
        if not typed:
            return None
        longer = [(key, name) for key, name in self._names.starting_pairs(fold(value)) if len(name) > len(value)]
        cased = [(name.casefold(), name) for _, name in longer if name.casefold().startswith(typed)]
        if cased:
            name = min(cased)[1]
            return value + name[len(value) :]
        # Typed without its accents (krako for Kraków): the stored spelling, which Tab or → puts in the field.
        return min(longer)[1] if longer else None


class FieldError(Exception):
    """Raised by a form's ``build``: the message is shown beside the field, which gets the focus."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_FieldError = FieldError  # the name the forms below were written with


class EntryForm(ModalScreen[T], Generic[T]):
    """Shared behaviour of the logging forms: fields with inline messages, save in a worker, Esc cancels."""

    DEFAULT_CSS = """
    EntryForm { align: center middle; }
    EntryForm > #form { width: 72; max-width: 100%; height: auto; max-height: 100%;
                        border: thick $primary; background: $surface; padding: 0 1; }
    EntryForm .form-title { text-style: bold; width: 1fr; margin-bottom: 1; }
    EntryForm .field-label { color: $text-muted; margin-top: 1; }
    EntryForm .field-message { color: $error; height: auto; }
    EntryForm .field-message.-hint { color: $text-muted; }
    EntryForm #form-error { color: $error; text-style: bold; height: auto; margin-top: 1; }
    EntryForm #form-error.-hint { color: $warning; }
    EntryForm .form-keys { color: $text-muted; margin-top: 1; }
    EntryForm.-short .form-title { margin-bottom: 0; }
    EntryForm.-short .field-label { margin-top: 0; }
    EntryForm.-short .field-message.-empty { display: none; }
    EntryForm.-short #form-error { margin-top: 0; }
    EntryForm.-short #form-error.-empty { display: none; }
    EntryForm.-short .form-keys { margin-top: 0; }
    """
    #: Lines the roomy layout takes: a field is six (blank, label, three-line input, message), the title, the
    #: error line, the key line and the borders seven more. A terminal with fewer lines gets the compact layout
    #: (one-line inputs, no blank lines, no empty message lines; two lines a field): a form that scrolled hid its
    #: title (the deal it acts on) or its refusal, and eight fields fit 24 lines compact.
    ROOMY_FIELD_LINES, ROOMY_OTHER_LINES = 6, 7
    AUTO_FOCUS = "Input, Select"  # the first field, not the scrolling container
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]

    def __init__(
        self,
        title: str,
        *,
        save: Callable[[T], int],
        load_catalog: Callable[[], Catalog] | None = None,
        saved: Saved[T] | None = None,
        now: pendulum.DateTime | None = None,
        tz: str | None = None,
        currency: str = "USD",
    ) -> None:
        super().__init__()
        self.form_title = title
        self._save = save
        self._saved = saved
        self._load_catalog = load_catalog
        self.catalog: Catalog | None = None
        self._reading_names = False  # the names are being read in a worker
        self._save_when_read = False  # Enter was pressed before they were: save once they are
        self.now = now or pendulum.now(tz)
        self._opened = time.monotonic()  # "now" is when the form opened; what is done may be later than that
        self.tz = tz
        self.currency = currency
        self.saving = False
        self.saved_id: int | None = None
        """The id of the row written, set just before the form dismisses with its entry."""
        self.pending_close: Callable[[], None] | None = None  # see after_write
        self._initial: dict[str | None, object] = {}  # the fields' values when the form opened
        self._discard_armed = False  # Esc was pressed once on typed values: the next Esc discards them
        self._field_count = 0  # inputs and selects, counted at compose (the layout they need depends on it)

    # ---- building blocks for subclasses

    def fields(self) -> ComposeResult:
        """The form's fields (subclasses)."""
        yield from ()

    def build(self) -> T:
        """The entry from the fields, raising _FieldError(field, message) (subclasses)."""
        raise NotImplementedError

    def field(self, name: str, label: str, widget: Input | Select[Any]) -> ComposeResult:
        widget.id = name
        yield Label(label, id=f"{name}-label", classes="field-label")
        yield widget
        yield Static("", id=f"{name}-message", classes="field-message -empty")

    def text_input(
        self,
        name: str,
        label: str,
        *,
        value: str = "",
        placeholder: str = "",
        parse: Callable[[str], object] | None = None,
        required: str | None = None,
        suggester: Suggester | None = None,
    ) -> ComposeResult:
        validators = [ParserValidator(parse or (lambda _v: None), required=required)] if parse or required else []
        widget = SteadyInput(
            value=value,
            placeholder=placeholder,
            validators=validators,
            validate_on=["changed", "submitted"],
            suggester=suggester,
        )
        yield from self.field(name, label, widget)

    def when(self, text: str) -> pendulum.DateTime:
        return parse_when(text, now=self.now, tz=self.tz)

    def when_done(self, text: str) -> pendulum.DateTime:
        """The moment something happened (a call, a stage move): refused as you type when it lies ahead."""
        at = self.when(text)
        elapsed = int(time.monotonic() - self._opened)  # a form left open 30 minutes may log "25 minutes ago"
        if lies_ahead(at.int_timestamp, self.now.int_timestamp + elapsed):
            raise ParseError("in the future: log it once it has happened")
        return at

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def parsed(self, name: str, parse: Callable[[str], Any], *, required: str | None = None) -> Any:
        """The parsed value of an input, None when empty and optional; _FieldError otherwise."""
        text = self.value(name)
        if not text:
            if required:
                raise _FieldError(name, required)
            return None
        try:
            return parse(text)
        except CockpitError as exc:
            raise _FieldError(name, field_message(exc)) from None

    def selected(self, name: str) -> Any:
        value = self.query_one(f"#{name}", Select).value
        return None if value is Select.NULL else value

    def set_message(self, name: str, message: str, *, hint: bool = False) -> None:
        label = self.query_one(f"#{name}-message", Static)
        label.update(Text(truncate(message, MESSAGE_WIDTH)))  # one line, whatever the message (hints name names)
        label.set_class(hint, "-hint")
        label.set_class(not message, "-empty")

    def ensure_catalog(self) -> Catalog:
        """The names to match what was typed against: :meth:`action_save` builds only once they are read (a form
        with no names to read matches against none)."""
        return self.catalog if self.catalog is not None else Catalog()

    # ---- composition and events

    @property
    def short(self) -> bool:
        """Whether the terminal is too short for the roomy layout of this form's fields."""
        return self.app.size.height < self.ROOMY_FIELD_LINES * self._field_count + self.ROOMY_OTHER_LINES

    def compose(self) -> ComposeResult:
        widgets = list(self.fields())
        inputs = [w for w in widgets if isinstance(w, Input | Select)]
        self._field_count = len(inputs)
        self._set_short(self.short, inputs)
        with VerticalScroll(id="form"):
            yield Static(Text(self.form_title), classes="form-title")
            yield from widgets
            yield Static("", id="form-error", classes="-empty")
            yield Static("Enter save · Esc cancel · Tab next field", classes="form-keys")

    def on_resize(self) -> None:
        if self.short != self.has_class("-short"):
            self._set_short(self.short, self.query("Input, Select"))

    def _set_short(self, short: bool, inputs: Iterable[Widget]) -> None:
        """The compact layout (class -short, one-line inputs) or the roomy one."""
        self.set_class(short, "-short")
        for widget in inputs:
            widget.compact = short  # type: ignore[attr-defined]

    @property
    def has_typed(self) -> bool:
        """Whether a field differs from what the form opened with (Esc and quitting ask twice then)."""
        return self._values() != self._initial

    def _values(self) -> dict[str | None, object]:
        return {widget.id: widget.value for widget in self.query("Input, Select")}  # type: ignore[attr-defined]

    def show_error(self, message: str, *, hint: bool = False) -> None:
        """Show why the form was not saved, one line under the fields, scrolled into view; the fields stay."""
        error = self.query_one("#form-error", Static)
        error.update(Text(message))
        error.set_class(not message, "-empty")
        error.set_class(hint, "-hint")
        if message:
            error.scroll_visible(animate=False)

    def on_mount(self) -> None:
        self.query_one("#form").can_focus = False  # Tab moves between fields only
        self._initial = self._values()
        if self._load_catalog is not None:
            self._read_names()

    def _read_names(self) -> None:
        self._reading_names = True
        self._fetch_catalog()

    @work(thread=True, exclusive=True, group="form-catalog")
    def _fetch_catalog(self) -> None:
        assert self._load_catalog is not None
        try:
            catalog = self._load_catalog()
        except Exception as exc:  # busy, locked, unreadable, or a bug (logged): said in the form; Enter reads again
            self.app.call_from_thread(self._names_failed, one_line(exc))
            return
        # In this thread too: sorting 100,000 names for the suggesters blocked typing for a second at the large size.
        self.catalog_loaded(catalog)
        self.app.call_from_thread(self._catalog_ready, catalog)

    def _names_failed(self, reason: str) -> None:
        self._reading_names = self._save_when_read = False
        hint = "; Enter tries again" if self.has_typed else ""
        self.show_error(f"Could not read the names: {reason}{hint}", hint=True)

    def _catalog_ready(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._reading_names = False
        if self._save_when_read:
            self._save_when_read = False
            self.action_save()

    def catalog_loaded(self, catalog: Catalog) -> None:
        """Feed the suggesters (subclasses); runs in the loading worker, so it touches no widget."""

    @on(Input.Changed)
    def _show_validation(self, event: Input.Changed) -> None:
        if self._discard_armed:  # typing again: the next Esc asks again
            self._discard_armed = False
            self.show_error("")
        if event.input.id is None:
            return
        result = event.validation_result
        if result is not None and not result.is_valid:
            self.set_message(event.input.id, "; ".join(result.failure_descriptions))
        else:
            self.set_message(event.input.id, "")
            self.field_changed(event.input.id, event.value)

    def field_changed(self, name: str, value: str) -> None:
        """A valid change of a field, for hints such as the matched account (subclasses)."""

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        """Esc: close the form; when something was typed, only on a second Esc (a stray Esc loses nothing)."""
        if self.saving:
            return
        if self._discard_armed or not self.has_typed:
            self.dismiss(None)
            return
        self._discard_armed = True
        self.show_error("Esc again discards what you typed; Enter saves it", hint=True)

    def action_save(self) -> None:
        if self.saving:
            return
        self.show_error("")
        if self.catalog is None and self._load_catalog is not None:
            # Enter before the names are read: save once they are (a name typed is matched against them, never
            # guessed to be a new account), reading them again if they could not be. Never on this thread.
            self._save_when_read = True
            self.show_error("Reading the names; saving once they are read", hint=True)
            if not self._reading_names:
                self._read_names()
            return
        try:
            entry = self.build()
        except _FieldError as exc:
            self.set_message(exc.field, str(exc))
            self.query_one(f"#{exc.field}").focus()
            return
        self.saving = True
        self._write(entry)

    @work(thread=True, exclusive=True, group="form-save")
    def _write(self, entry: T) -> None:
        try:
            row_id = self._save(entry)
        except Exception as exc:  # shown in the form, which stays open with every typed value
            self.app.call_from_thread(self._failed, refusal(exc))
        else:
            self.app.call_from_thread(self._done, entry, row_id)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.show_error(f"Not saved: {message}")

    def _done(self, entry: T, row_id: int) -> None:
        self.saved_id = row_id
        after_write(self, entry, row_id, self._saved)

    def on_screen_resume(self) -> None:
        close_when_shown(self)


def _deal_id(text: str, catalog: Catalog, account: str | None = None) -> int:
    """A deal typed as ``#1042``, ``1042 Renewal…`` or part of its title; a title is looked up among the deals of
    ``account`` when one is chosen (an account's "analytics" deal, not another account's)."""
    m = re.match(r"#?(\d+)\b", text.strip())
    if m:
        deal_id = int(m.group(1))
        try:
            return catalog.deal(deal_id).id if catalog.deals else deal_id
        except UnknownDeal:  # not an open deal: the store checks that it exists when the form saves
            return deal_id
    deals = [d for d in catalog.deals if account is None or d.account == account]
    title = match_name(text, [d.title for d in deals], "deals")
    if title is None:
        where = f" of {clean(account)!r}" if account is not None else ""
        other = "; #id for a closed one" if catalog.open_only else ""  # titles match open deals (Catalog)
        raise ParseError(catalog.no_title_match(text, where) + other)
    return next(d.id for d in deals if d.title == title)


def _deal_text(ref: DealRef) -> str:
    return f"#{ref.id} {clean(ref.title)}"


def _rep_select(reps: Sequence[str], current: str | None) -> Select[str]:
    options = [(Text(name), name) for name in reps]
    return Select(options, allow_blank=current is None, value=current if current in reps else Select.NULL)


class ActivityForm(EntryForm[ActivityEntry]):
    """Log a call, an email or a meeting."""

    def __init__(
        self,
        kind: str,
        *,
        deal: DealRef | None = None,
        reps: Sequence[str] = (),
        rep: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(f"Log {'an' if kind == 'email' else 'a'} {kind}", **kwargs)
        self.kind = kind
        self.deal = deal
        self.reps = reps  # non-empty: the actor may log for others (a manager), so the form asks who
        self.rep = rep
        self.account_suggester = FuzzySuggester()
        self.deal_suggester = FuzzySuggester()
        self._deals_of: str | None = None  # the account the deal suggestions are of (None: every deal)
        self._every_deal: Names | None = None

    def fields(self) -> ComposeResult:
        yield from self.text_input(
            "account",
            "Account",
            value=clean(self.deal.account) if self.deal and self.deal.account else "",
            placeholder="name or part of it; a new name creates the account",
            suggester=self.account_suggester,
        )
        yield from self.text_input(
            "deal",
            "Deal (optional)",
            value=_deal_text(self.deal) if self.deal else "",
            placeholder="#1042 or part of the title",
            suggester=self.deal_suggester,
        )
        # The kind's own outcomes: an email is sent or replied, a meeting held; never "voicemail".
        outcomes = [(o, o) for o in ACTIVITY_OUTCOMES.get(self.kind, ())]
        yield from self.field("outcome", "Outcome", Select(outcomes, prompt="(none)", allow_blank=True))
        yield from self.text_input(
            "duration",
            "Duration",
            placeholder="12m, 1h30, 1:30:00",
            parse=parse_duration,
        )
        yield from self.text_input("at", "When", value="now", parse=self.when_done, required="when is required")
        yield from self.text_input("note", "Note")
        yield from self.text_input(
            "follow_up", "Follow-up (optional)", placeholder="fri, +3d, next monday 10:00", parse=self.when
        )
        if self.reps:
            yield from self.field("rep", "Rep", _rep_select(self.reps, self.rep))

    def catalog_loaded(self, catalog: Catalog) -> None:
        self.account_suggester.names = catalog.accounts
        self.deal_suggester.names = [_deal_text(d) for d in catalog.deals]
        self._every_deal = self.deal_suggester.names  # given back, not folded again, when no account is known

    def field_changed(self, name: str, value: str) -> None:
        if name != "account" or not value.strip() or self.catalog is None:
            return
        try:
            found = match_name(value, self.catalog.accounts, "accounts")
        except ParseError as exc:
            self.set_message("account", field_message(exc), hint=True)
            return
        # The deal field suggests the chosen account's deals (all of them while no known account is chosen), made
        # again only when that account changes: not at each key typed.
        if found != self._deals_of:
            self._deals_of = found
            if found is None and self._every_deal is not None:
                self.deal_suggester.names = self._every_deal
            else:
                deals = [d for d in self.catalog.deals if found is None or d.account == found]
                self.deal_suggester.names = [_deal_text(d) for d in deals]
        if found is None:
            hint = did_you_mean(value, self.catalog.accounts)  # a typo creates no account unnoticed
            self.set_message("account", f"new account {clean(value.strip())!r} will be created{hint}", hint=True)
        elif found.casefold() != value.strip().casefold():
            self.set_message("account", f"→ {clean(found)}", hint=True)

    def build(self) -> ActivityEntry:
        catalog = self.ensure_catalog()
        account_text = self.value("account")
        account: str | None = None
        create = False
        if account_text:
            try:
                account = match_name(account_text, catalog.accounts, "accounts")
            except ParseError as exc:
                raise _FieldError("account", field_message(exc)) from None
            if account is None:
                account, create = " ".join(account_text.split()), True
        known = None if create else account  # a new account has no deals yet: look among all of them
        deal_id = self.parsed("deal", lambda text: _deal_id(text, catalog, known))
        if deal_id is not None and account is not None and not create:
            deal = catalog.find(deal_id)
            if deal is not None and deal.account and deal.account != account:
                raise _FieldError("deal", f"deal #{deal_id} is on {deal.account!r}, not {account!r}")
        if deal_id is None and account is None:
            raise _FieldError("account", f"a {self.kind} needs an account or a deal")
        at = self.parsed("at", self.when_done, required="when is required")
        follow_up = self.parsed("follow_up", self.when)
        return ActivityEntry(
            kind=self.kind,
            account=account,
            deal_id=deal_id,
            outcome=self.selected("outcome") or "",
            duration_s=self.parsed("duration", parse_duration),
            at=int(at.timestamp()),
            note=self.value("note"),
            follow_up_at=int(follow_up.timestamp()) if follow_up else None,
            create_account=create,
            rep=self.selected("rep") if self.reps else None,
        )


class DealForm(EntryForm[DealEntry]):
    """Add a deal (its account is created when new)."""

    def __init__(
        self, *, stages: Sequence[str] = (), reps: Sequence[str] = (), rep: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__("New deal", **kwargs)
        self.stages = [s for s in stages if s not in ("won", "lost")] or ["lead"]
        self.reps = reps
        self.rep = rep
        self.account_suggester = FuzzySuggester()

    def fields(self) -> ComposeResult:
        yield from self.text_input(
            "account", "Account", required="an account is required", suggester=self.account_suggester
        )
        yield from self.text_input("title", "Title", required="a title is required")
        yield from self.text_input(
            "amount",
            "Amount",
            placeholder="24k, 12,500, $12,400.00",
            parse=lambda text: parse_money(text, currency=self.currency),
            required="an amount is required",
        )
        options = [(s, s) for s in self.stages]
        yield from self.field("stage", "Stage", Select(options, allow_blank=False, value=self.stages[0]))
        yield from self.text_input("source", "Source (optional)")
        yield from self.text_input(
            "expected_close", "Expected close (optional)", placeholder="2026-12-31, +30d", parse=self.when
        )
        if self.reps:
            yield from self.field("rep", "Rep", _rep_select(self.reps, self.rep))

    def catalog_loaded(self, catalog: Catalog) -> None:
        self.account_suggester.names = catalog.accounts

    def build(self) -> DealEntry:
        catalog = self.ensure_catalog()
        text = self.parsed("account", str, required="an account is required")
        try:
            account = match_name(text, catalog.accounts, "accounts") or " ".join(text.split())
        except ParseError as exc:
            raise _FieldError("account", field_message(exc)) from None
        title = self.parsed("title", str, required="a title is required")
        amount = self.parsed(
            "amount", lambda t: parse_money(t, currency=self.currency), required="an amount is required"
        )
        close = self.parsed("expected_close", self.when)
        return DealEntry(
            account=account,
            title=title,
            amount=amount,
            stage=self.selected("stage"),
            source=self.value("source"),
            expected_close=int(close.timestamp()) if close else None,
            rep=self.selected("rep") if self.reps else None,
        )


class StageMoveForm(EntryForm[StageMove]):
    """Move a deal to a stage: advance, won, or lost (a reason is required)."""

    def __init__(self, deal: DealRef, *, stage: str, stages: Sequence[str], **kwargs: Any) -> None:
        titles = {"won": "Mark won", "lost": "Mark lost"}
        super().__init__(f"{titles.get(stage, 'Move')}: {deal.label()}", **kwargs)
        self.deal = deal
        self.stage = stage
        self.stages = [s for s in stages if s != deal.stage]

    def fields(self) -> ComposeResult:
        options = [(s, s) for s in self.stages]
        initial = self.stage if self.stage in self.stages else Select.NULL
        yield from self.field("stage", "Stage", Select(options, allow_blank=False, value=initial))
        yield from self.text_input("reason", "Reason")
        yield from self.text_input("at", "When", value="now", parse=self.when_done, required="when is required")

    def on_mount(self) -> None:
        super().on_mount()
        lost = self.selected("stage") == "lost"
        self._show_reason(lost)
        # Not the stage list, where Enter opens the list instead of saving and typed words choose a stage: the
        # reason of a lost deal, else the moment ("now"), so that Enter saves at once.
        self.query_one("#reason" if lost else "#at", Input).focus()

    @on(Select.Changed, "#stage")
    def _stage_changed(self, event: Select.Changed) -> None:
        self._show_reason(event.value == "lost")

    def _show_reason(self, shown: bool) -> None:
        """The reason field is there for a lost deal only."""
        for part in ("#reason-label", "#reason", "#reason-message"):
            self.query_one(part).display = shown

    def build(self) -> StageMove:
        stage = self.selected("stage")
        reason = self.value("reason") if stage == "lost" else ""
        if stage == "lost" and not reason:
            raise _FieldError("reason", "a lost deal needs a reason")
        at = self.parsed("at", self.when_done, required="when is required")
        return StageMove(self.deal.id, stage, reason=reason or None, at=int(at.timestamp()), from_stage=self.deal.stage)


class FollowUpForm(EntryForm[FollowUp]):
    """Schedule a follow-up on a deal."""

    def __init__(self, deal: DealRef, **kwargs: Any) -> None:
        super().__init__(f"Follow-up: {deal.label()}", **kwargs)
        self.deal = deal

    def fields(self) -> ComposeResult:
        yield from self.text_input(
            "at", "When", placeholder="fri, +3d, next monday 10:00", parse=self.when, required="when is required"
        )
        yield from self.text_input("note", "Note (optional)")

    def build(self) -> FollowUp:
        at = self.parsed("at", self.when, required="when is required")
        return FollowUp(self.deal.id, int(at.timestamp()), self.value("note"))


class DealEditForm(EntryForm[DealEdit]):
    """Edit a deal's fields; only what changed is written (the audit log keeps the old values)."""

    def __init__(self, deal: Deal, *, reps: Sequence[str] = (), can_reassign: bool = False, **kwargs: Any) -> None:
        super().__init__(f"Edit deal #{deal.id}", **kwargs)
        self.deal = deal
        self.reps = reps
        self.can_reassign = can_reassign
        self.account_suggester = FuzzySuggester()
        self.initial: dict[str, str] = {}

    def fields(self) -> ComposeResult:
        d = self.deal
        close = pendulum.from_timestamp(d.expected_close, tz=self.tz or "UTC") if d.expected_close else None
        self.initial = {
            "title": d.title,
            "amount": format_money(d.amount, self.currency),
            "probability": f"{d.probability * 100:g}%",
            "account": d.account or "",
            "source": d.source,
            "product": d.product,
            "expected_close": close.format("YYYY-MM-DD") if close else "",
        }
        yield from self.text_input("title", "Title", value=self.initial["title"], required="a title is required")
        yield from self.text_input(
            "amount",
            "Amount",
            value=self.initial["amount"],
            parse=lambda t: parse_money(t, currency=self.currency),
            required="an amount is required",
        )
        yield from self.text_input("probability", "Probability", value=self.initial["probability"], parse=parse_percent)
        yield from self.text_input(
            "account", "Account", value=self.initial["account"], suggester=self.account_suggester
        )
        yield from self.text_input("source", "Source", value=self.initial["source"])
        yield from self.text_input("product", "Product", value=self.initial["product"])
        yield from self.text_input(
            "expected_close", "Expected close", value=self.initial["expected_close"], parse=self.when
        )
        reps = self.reps or [d.rep]
        select = _rep_select(reps, d.rep)
        select.disabled = not self.can_reassign
        yield from self.field("rep", "Owner" + ("" if self.can_reassign else " (managers reassign)"), select)

    def catalog_loaded(self, catalog: Catalog) -> None:
        self.account_suggester.names = catalog.accounts

    def _changed(self, name: str) -> str | None:
        value = self.value(name)
        return value if value != self.initial[name].strip() else None

    def build(self) -> DealEdit:
        changes: dict[str, Any] = {}
        if self._changed("title") is not None:
            changes["title"] = self.parsed("title", str, required="a title is required")
        if self._changed("amount") is not None:
            changes["amount"] = self.parsed(
                "amount", lambda t: parse_money(t, currency=self.currency), required="an amount is required"
            )
        if self._changed("probability") is not None:
            changes["probability"] = self.parsed("probability", parse_percent, required="a probability is required")
        if (account := self._changed("account")) is not None:
            catalog = self.ensure_catalog()
            try:
                found = match_name(account, catalog.accounts, "accounts")
            except ParseError as exc:
                raise _FieldError("account", field_message(exc)) from None
            if found is None:
                raise _FieldError("account", f"no account matches {account!r}{did_you_mean(account, catalog.accounts)}")
            changes["account"] = found
        for name in ("source", "product"):
            if (value := self._changed(name)) is not None:
                changes[name] = value
        if self._changed("expected_close") is not None:
            close = self.parsed("expected_close", self.when, required="clearing the close date is not supported")
            changes["expected_close"] = int(close.timestamp())
        rep = self.selected("rep")
        if rep is not None and rep != self.deal.rep:
            changes["rep"] = rep
        if not changes:
            raise _FieldError("title", "nothing changed")
        return DealEdit(self.deal.id, **changes, as_seen=self.deal)


class VoidForm(EntryForm[Void]):
    """Void a deal or an activity: a reason is required; the row is kept, left out of KPIs and restorable."""

    def __init__(self, table: str, row_id: int, *, label: str, **kwargs: Any) -> None:
        super().__init__(f"Void {label}", **kwargs)
        self.table = table
        self.row_id = row_id

    def fields(self) -> ComposeResult:
        yield from self.text_input(
            "reason", "Reason", placeholder="duplicate, logged by mistake, …", required="a reason is required"
        )

    def build(self) -> Void:
        return Void(self.table, self.row_id, self.parsed("reason", str, required="a reason is required"))


class RestoreForm(EntryForm[Restore]):
    """Restore a voided deal or activity: chosen among the latest voided (voided rows leave every other list) or
    named by id."""

    WHICH = "which one? #1042 for a deal, a1234 for an activity"

    def __init__(self, *, voided: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__("Restore a voided deal or activity", **kwargs)
        self.voided = voided  # (reference such as "#1042" or "a12", label), most recently voided first

    def fields(self) -> ComposeResult:
        yield from self.text_input(
            "item",
            "Deal or activity",
            placeholder="#1042 for a deal, a1234 for an activity",
            parse=parse_row_ref,
            required=self.WHICH,
        )
        if self.voided:
            options = [(Text(label), ref) for ref, label in self.voided]  # each label names its id
            yield from self.field("latest", "Voided lately", Select(options, prompt="choose one", allow_blank=True))

    @on(Select.Changed, "#latest")
    def _latest_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#item", Input).value = event.value

    def build(self) -> Restore:
        table, row_id = self.parsed("item", parse_row_ref, required=self.WHICH)
        return Restore(table, row_id)

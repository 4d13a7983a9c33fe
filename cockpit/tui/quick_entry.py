"""The ``:`` quick-entry prompt: one line, a live preview of what it will write under it, Enter writes.

A widget docked at the bottom of the screen it is opened on, on a layer of its own (``prompt``, cockpit.tcss), as a
command line is: the panes keep their place under it, so opening and closing it repaints its own few lines (and the
pane whose focus it takes), not the whole terminal as pushing and popping a screen does.

The grammar lives in :mod:`cockpit.core.quick` (core); this widget only parses on each keystroke against a catalog of
names loaded once by a worker, shows the preview or the reason it cannot be written, and writes in a thread
worker. A refused write is shown under the line and the line is kept. A line whose account several accounts match
offers them in a list under the line: choosing one (arrows, Enter) writes the line with that account, Esc returns to
the line as typed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

import pendulum
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from cockpit.core.errors import CockpitError, one_line
from cockpit.core.quick import AmbiguousName, Catalog, DealRef, QuickAction, UnknownDeal, parse_quick
from cockpit.core.text import clean
from cockpit.tui.screens.forms import Saved, after_write, refusal
from cockpit.tui.widgets.footer import CoversKeyBar
from cockpit.tui.widgets.steady_input import SteadyInput

__all__ = ["QuickEntry"]

#: What the line says under it before anything is typed.
IDLE = "Type an action; Enter writes it, Esc cancels"
#: Seconds a write may take before the line says it is being written (a commit takes milliseconds, a locked
#: database up to the store's busy timeout): a write that commits sooner repaints nothing on the line.
SLOW_WRITE = 0.3


class QuickEntry(CoversKeyBar, Vertical):
    """A one-line prompt at the bottom of its screen, kept there hidden between uses: :meth:`open` shows it with
    what it writes through; it hides once its action is written, or on Esc, and gives the focus back.

    Hidden, not removed: Textual lays a screen out again when a child comes or goes (every sibling's place in the
    paint order moves), and repaints all of it; showing and hiding a widget that keeps its place repaints its lines."""

    DEFAULT_CSS = """
    QuickEntry {
        layer: prompt; dock: bottom; width: 100%; height: auto; background: $surface; border-top: solid $primary;
        visibility: hidden;
    }
    QuickEntry.-open { visibility: visible; }
    QuickEntry #quick-preview { color: $text-muted; padding: 0 1; height: auto; }
    QuickEntry #quick-preview.-error { color: $error; }
    QuickEntry #quick-preview.-ready { color: $success; }
    QuickEntry #quick-choices { display: none; height: auto; max-height: 8; border: none; }
    QuickEntry.-choosing #quick-choices { display: block; }
    """
    # The screen's own keys stay out of a line being typed: Tab keeps the focus on it (letters go to the line).
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="quick.cancel"),
        Binding("tab,shift+tab", "stay", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="quick")
        self._save: Callable[[QuickAction], int] | None = None
        self._load_catalog: Callable[[], Catalog] | None = None
        self._check: Callable[[QuickAction], None] | None = None  # who may write it: in a worker, after each parse
        self._saved: Saved[QuickAction] | None = None  # the host's redraw before the prompt closes (after_write)
        self._find_deal: Callable[[int], DealRef | None] | None = None  # a deal the catalog does not hold, by id
        self.now: pendulum.DateTime | None = None  # the clock's time when it was opened
        self.tz: str | None = None
        self.currency = "USD"
        self._opened = 0  # how many times it was opened: a reply of a worker started before is not for this line
        self._return_focus: Widget | None = None  # what had the focus when the prompt opened
        self._slow_write: Timer | None = None  # says "Writing: …" if the write has not ended by then
        self._clear()

    def _clear(self) -> None:
        """The state of one line, as it is before anything is typed."""
        self.catalog: Catalog | None = None
        self.saving = False
        self.saved_id: int | None = None
        """The id of the row written, set just before the prompt closes."""
        self._discard_armed = False  # Esc was pressed once on a typed line: the next Esc discards it
        self._choosing: tuple[str, AmbiguousName] | None = None  # the line and the names its list offers
        self._submit_when_ready: str | None = None  # a line Enter was pressed on before the names were read
        self._names_failed: str | None = None  # why the last read of the names failed (Enter reads them again)
        self._writing: str | None = None  # the line as it was when Enter wrote it
        self._enter_ahead: str | None = None  # the line as it was when Enter was pressed again during its write

    def compose(self) -> ComposeResult:
        # Not selected on focus: the focus comes back to a line being typed (after the list of accounts, ``:`` again),
        # and a selected line would be replaced whole by the next key.
        yield SteadyInput(
            placeholder='call acme connected 12m "asked for pricing" follow-up fri',
            id="quick-input",
            select_on_focus=False,
        )
        yield Static(IDLE, id="quick-preview")
        yield OptionList(id="quick-choices")

    def open(
        self,
        *,
        save: Callable[[QuickAction], int],
        load_catalog: Callable[[], Catalog],
        check: Callable[[QuickAction], None] | None = None,
        find_deal: Callable[[int], DealRef | None] | None = None,
        saved: Saved[QuickAction] | None = None,
        now: pendulum.DateTime,
        tz: str | None = None,
        currency: str = "USD",
    ) -> None:
        """Show an empty line that writes through ``save`` (after ``check``), parsing against the names
        ``load_catalog`` reads (in a worker, now); ``saved`` redraws the host before the prompt closes."""
        self._save, self._load_catalog, self._check, self._find_deal, self._saved = (
            save, load_catalog, check, find_deal, saved
        )  # fmt: skip
        self.now, self.tz, self.currency = now, tz, currency
        self._opened += 1
        self._clear()
        self.remove_class("-choosing")
        field = self._field
        with field.prevent(Input.Changed):
            field.value = ""
        self._show(IDLE, "idle")
        self._return_focus = self.screen.focused
        self.add_class("-open")
        field.focus()
        self._fetch_catalog(self._opened)

    @property
    def is_open(self) -> bool:
        """Whether the prompt is shown."""
        return self.has_class("-open")

    def focus_line(self) -> None:
        """``:`` again while the prompt is open (the focus went elsewhere): back to the line, as typed."""
        self._field.focus()

    @property
    def is_active(self) -> bool:
        """Whether the prompt can close now (:func:`~cockpit.tui.screens.forms.after_write`): always, since closing
        only hides it on its screen, shown or not."""
        return True

    def dismiss(self, result: QuickAction | None = None) -> None:
        """Close: the prompt hides, lets go of the names it read (every account: tens of MB at 200 reps; the next
        opening reads them afresh) and the focus goes back where it was.

        Closing after a write (``result``) while keys were typed into the line during it (a rep typing on while a
        colleague's write holds the lock): the line stays open with what was typed after the written line, as a
        new line (a ``:`` typed to open the next one left out); with Enter pressed on it, it is written next."""
        ahead = typed_ahead(self._writing, self._field.value) if result is not None and self.is_attached else None
        self._stop_slow_write()
        self.saving = False
        if ahead is not None:
            self._next_line(ahead, write=self._enter_ahead == self._field.value)
            return
        self.catalog = None
        self.remove_class("-open")
        back = self._return_focus
        self._return_focus = None
        if not self.is_attached:
            return  # its screen closed while a write was waiting: no focus to give back
        if back is not None and back.is_attached and back.screen is self.screen and back.focusable:
            self.screen.set_focus(back)
        else:
            self.screen.set_focus(None)

    @property
    def _field(self) -> Input:
        return self.query_one("#quick-input", Input)

    def _next_line(self, text: str, *, write: bool) -> None:
        """The line open again, holding ``text`` (keys typed during the last write), its names read afresh (that
        write may have added one); ``write``: Enter was pressed on it, so it is written once they are read."""
        self._opened += 1
        self._clear()
        field = self._field
        with field.prevent(Input.Changed):
            field.value = text
        field.cursor_position = len(text)
        self._show(IDLE, "idle")
        self._fetch_catalog(self._opened)
        if write and text.strip():
            self._submit(text)  # the names are being read: written once they are (Reading names…)

    def action_stay(self) -> None:
        """Tab: nothing; the focus stays on the line."""

    @work(thread=True, exclusive=True, group="quick-catalog")
    def _fetch_catalog(self, opened: int) -> None:
        assert self._load_catalog is not None
        try:
            catalog = self._load_catalog()
        except Exception as exc:  # busy, locked, unreadable, or a bug: said under the line; Enter asks again
            self.app.call_from_thread(self._catalog_failed, opened, one_line(exc))
            return
        self.app.call_from_thread(self._catalog_ready, opened, catalog)

    def _catalog_failed(self, opened: int, message: str) -> None:
        if opened != self._opened:
            return
        self._names_failed = message
        self._submit_when_ready = None
        self._preview(self._field.value)

    def _catalog_ready(self, opened: int, catalog: Catalog) -> None:
        if opened != self._opened:
            return
        self.catalog = catalog
        line = self._field.value
        if self._submit_when_ready is not None and self._submit_when_ready == line:
            self._submit(line)  # Enter was pressed before the names were read, on this line
        else:
            self._preview(line)
        self._submit_when_ready = None

    def parse(self, text: str) -> QuickAction:
        assert self.catalog is not None and self.now is not None
        return parse_quick(text, store_lookup=self.catalog, now=self.now, tz=self.tz, currency=self.currency)

    def _show(self, message: str, state: str) -> None:
        preview = self.query_one("#quick-preview", Static)
        preview.update(Text(message))  # names from the database shown literally, never as markup
        preview.set_class(state == "error", "-error")
        preview.set_class(state == "ready", "-ready")

    def _preview(self, text: str) -> None:
        if self._names_failed is not None:
            self._show(f"Could not read the names: {self._names_failed}; Enter tries again", "error")
            return
        if not text.strip() or self.catalog is None:
            self._show(IDLE, "idle")
            return
        try:
            action = self.parse(text)
        except UnknownDeal as exc:
            self._show(str(exc), "idle")
            self._look_up(exc.deal_id, text, submit=False)
        except CockpitError as exc:
            self._show(str(exc), "error")
        else:
            self._show(f"→ {action.describe()}", "ready")
            if self._check is not None:
                self._check_allowed(text, action)

    @work(thread=True, exclusive=True, group="quick-deal")
    def _look_up(self, deal_id: int, text: str, *, submit: bool) -> None:
        if self._find_deal is None:
            return
        try:
            ref = self._find_deal(deal_id)
        except Exception as exc:  # busy, locked, unreadable, or a bug: said under the line, which is kept
            self.app.call_from_thread(self._show, f"Could not look up deal #{deal_id}: {one_line(exc)}", "error")
            return
        self.app.call_from_thread(self._looked_up, deal_id, ref, text, submit)

    def _looked_up(self, deal_id: int, ref: DealRef | None, text: str, submit: bool) -> None:
        """The deal named by id is known now (or known not to exist): the line as it is now is parsed again, and
        written when Enter was what asked and the line is unchanged. An answer that comes once the line has
        closed (its names let go) is for nothing on screen."""
        if self.catalog is None:
            return
        self.catalog = self.catalog.with_deal(deal_id, ref)
        line = self._field.value
        if submit and line == text:
            self._submit(line)
        elif not self.saving:
            self._preview(line)

    @work(thread=True, exclusive=True, group="quick-check")
    def _check_allowed(self, text: str, action: QuickAction) -> None:
        assert self._check is not None
        try:
            self._check(action)
        except Exception as exc:  # not allowed (or a bug, logged): said now; Enter then meets the store's checks
            self.app.call_from_thread(self._refused, text, one_line(exc))

    def _refused(self, text: str, message: str) -> None:
        """The preview of ``text`` is refused (not your deal): said now, unless the line changed meanwhile."""
        if not self.saving and self._field.value == text:
            self._show(message, "error")

    @on(Input.Changed, "#quick-input")
    def _changed(self, event: Input.Changed) -> None:
        self._discard_armed = False
        if self._choosing is not None and event.value != self._choosing[0]:  # retyped instead of choosing
            self._choosing = None
            self.remove_class("-choosing")
        if not self.saving:
            self._preview(event.value)

    @on(Input.Submitted, "#quick-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.saving:  # typed on during the write: written after it (see dismiss)
            self._enter_ahead = event.value
            return
        self._submit(event.value)

    def _submit(self, text: str) -> None:
        if self.saving:
            return
        if self.catalog is None:  # the names are still being read (in a worker): written once they are
            self._submit_when_ready = text
            self._show("Reading names…", "idle")
            if self._names_failed is not None:
                self._names_failed = None
                self._fetch_catalog(self._opened)
            return
        try:
            action = self.parse(text)
        except UnknownDeal as exc:
            self._show(str(exc), "idle")
            self._look_up(exc.deal_id, text, submit=True)
            return
        except AmbiguousName as exc:
            if exc.span is None:  # not a name this line can be rewritten at (a rep after "by")
                self._show(str(exc), "error")
            else:
                self._offer(text, exc)
            return
        except CockpitError as exc:
            self._show(str(exc), "error")
            return
        self.saving = True
        self._writing, self._enter_ahead = text, None
        # The preview already says what Enter writes; a write that commits at once closes the line with the new
        # numbers, so only one still running after SLOW_WRITE says it is being written (a locked database).
        self._stop_slow_write()
        self._slow_write = self.set_timer(SLOW_WRITE, partial(self._show, f"Writing: {action.describe()}", "idle"))
        self._write(action, self.app)

    def _stop_slow_write(self) -> None:
        """The write this line waited on ended (committed, refused) or the line closed: nothing more to say of it."""
        if self._slow_write is not None:
            self._slow_write.stop()
            self._slow_write = None

    # ---- choosing among the accounts a name matches

    def _offer(self, text: str, ambiguous: AmbiguousName) -> None:
        """List the accounts ``text``'s name matches under the line, the first highlighted, the list focused."""
        self._choosing = (text, ambiguous)
        choices = self.query_one("#quick-choices", OptionList)
        choices.clear_options()
        choices.add_options(Option(Text(clean(name)), id=str(i)) for i, name in enumerate(ambiguous.candidates))
        self.add_class("-choosing")
        choices.highlighted = 0
        choices.focus()
        what = ambiguous.what
        self._show(
            f"{ambiguous.query!r} matches {len(ambiguous.candidates)} {what}: ↑↓ choose, Enter writes, Esc back", "idle"
        )

    def _close_choices(self) -> None:
        self._choosing = None
        self.remove_class("-choosing")
        self._field.focus()

    def on_key(self, event: events.Key) -> None:
        """A key typed while the list of accounts is shown goes to the line (retyped instead of choosing), never to
        the screen's letter keys (``w`` marks a deal won there, ``q`` quits)."""
        if self._choosing is None or not self.query_one("#quick-choices", OptionList).has_focus:
            return
        field = self._field
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            field.focus()
            field.insert_text_at_cursor(event.character)
        elif event.key == "backspace":
            event.stop()
            event.prevent_default()
            field.focus()
            field.action_delete_left()

    @on(OptionList.OptionSelected, "#quick-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        """The line with the chosen name in place of the one typed (quoted), written at once."""
        event.stop()
        if self._choosing is None or event.option.id is None:
            return
        text, ambiguous = self._choosing
        assert ambiguous.span is not None
        start, end = ambiguous.span
        line = f"{text[:start]}{_quoted(ambiguous.candidates[int(event.option.id)])}{text[end:]}"
        self._close_choices()
        field = self._field
        with field.prevent(Input.Changed):  # the preview is the write's own line below, not a re-parse
            field.value = line
        field.cursor_position = len(line)
        self._submit(line)

    @work(thread=True, exclusive=True, group="quick-save")
    def _write(self, action: QuickAction, app: App[object]) -> None:
        """Write ``action`` and report to ``app`` (the line's, taken when Enter was pressed): the screen holding the
        line may close while a write waits on a lock, and the write still commits, so its result must still reach
        the app (the line itself, detached then, no longer knows its app)."""
        try:
            assert self._save is not None
            row_id = self._save(action)
        except Exception as exc:  # shown under the line, which is kept
            app.call_from_thread(self._failed, refusal(exc), app)
        else:
            app.call_from_thread(self._done, action, row_id)

    def _failed(self, message: str, app: App[object]) -> None:
        self._stop_slow_write()
        if not self.is_attached:  # its screen closed meanwhile: said where it can be seen
            app.notify(f"Not saved: {message}", severity="error", markup=False)
            return
        self.saving = False
        self._enter_ahead = None  # the line keeps every key typed; Enter writes it again
        self._show(f"Not saved: {message}", "error")

    def _done(self, action: QuickAction, row_id: int) -> None:
        # Nothing more is shown on the line: it closes with the new numbers, and the host's toast says what was saved.
        self._stop_slow_write()
        self.saved_id = row_id
        after_write(self, action, row_id, self._saved)

    @property
    def has_typed(self) -> bool:
        """Whether a line is typed in the open prompt (Esc and quitting ask twice then)."""
        return self.is_open and bool(self._field.value.strip())

    def action_cancel(self) -> None:
        """Esc: close; with a line typed, only on a second Esc (a stray Esc loses nothing). With the list of
        accounts open, Esc closes the list and returns to the line as typed."""
        if self.saving:
            return
        if self._choosing is not None:
            self._close_choices()
            self._preview(self._field.value)
            return
        if self._discard_armed or not self.has_typed:
            self.dismiss()
            return
        self._discard_armed = True
        self._show("Esc again discards the line; Enter writes it", "error")


def typed_ahead(written: str | None, line: str) -> str | None:
    """What was typed into the line after ``written`` was sent to be written (None: nothing; "" for a ``:`` alone,
    the key that opens a line). Keys typed after the written text are the next line; a key that changed the written
    text (a backspace) starts the next line where the two part."""
    if written is None:
        return None
    rest = line[len(os.path.commonprefix([written, line])) :].lstrip()
    if not rest:
        return None
    return rest[1:].lstrip() if rest.startswith(":") else rest


def _quoted(name: str) -> str:
    """``name`` as the quick-entry line reads it as one name: in double quotes, or single ones when it holds a
    double quote (a name holding both loses its double quotes; the rest still matches it)."""
    if '"' not in name:
        return f'"{name}"'
    if "'" not in name:
        return f"'{name}'"
    return '"' + name.replace('"', "") + '"'

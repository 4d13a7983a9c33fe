"""Screens that follow the app's state (snapshot, forecast, chosen KPI) and repaint only while they can be seen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from cockpit.tui.quick_entry import QuickEntry


class FollowingScreen(Screen):
    """A screen that draws the app's reactive state through :meth:`follow`.

    While an opaque screen lies over it (My day or a deal page over the team cockpit), a change waits: the screen
    draws the latest value when it is back on top. Textual hands any repaint of the screen just below the top one
    to the top screen as a repaint of all of it (``App._background_screens`` counts that screen whatever the top
    one's background), so a live refresh of the hidden team cockpit under My day sent every cell of the terminal
    again (~48 KB at 120x40) for numbers nobody could see. A see-through screen above (a form) hides nothing: the
    screen below keeps drawing. Each such screen holds the quick-entry line, hidden until ``:``."""

    # Textual 8.2.8 declares Screen.focused with the default repaint=True: every focus change (Tab between panes,
    # opening the quick-entry line) repainted the whole terminal, ~50 KB at 120x40, though the widgets whose look
    # depends on focus repaint themselves (their :focus styles are updated, the Input and the tables refresh on
    # focus and blur). The same reactive, without the whole-screen repaint (tests/system/test_terminal_bytes.py).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: dict[str, Callable[[Any], None]] = {}  # attribute -> what draws it, once back on top

    def follow(self, attribute: str, show: Callable[[Any], None], *, init: bool = True) -> None:
        """Call ``show`` with the app's ``attribute`` whenever it changes (and now, with ``init``), or, while this
        screen is covered, once it is uncovered, with the value it has then."""

        def changed(value: Any) -> None:
            if self.covered:
                self._waiting[attribute] = show
            else:
                self._waiting.pop(attribute, None)
                show(value)

        self.watch(self.app, attribute, changed, init=init)

    @property
    def covered(self) -> bool:
        """Whether an opaque screen lies above this one (nothing of it can be seen)."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        above = stack[stack.index(self) + 1 :]
        # A full screen is opaque (its styles may not be applied yet when it was just pushed); a modal one is
        # see-through unless its style says otherwise.
        return any(not isinstance(screen, ModalScreen) or screen.styles.background.a == 1 for screen in above)

    def on_mount(self) -> None:
        # The quick-entry line, hidden until ':' (cockpit.tui.quick_entry): in place from the first frame, so that
        # showing it repaints its own lines only.
        self.mount(QuickEntry())

    def on_screen_resume(self) -> None:
        if self.covered:
            return  # a resume handled late, after another screen was pushed over this one: still unseen
        waiting, self._waiting = self._waiting, {}
        for attribute, show in waiting.items():
            show(getattr(self.app, attribute))
        self.uncovered()

    def uncovered(self) -> None:
        """Called when the screen is back on top, after the values that waited are drawn."""

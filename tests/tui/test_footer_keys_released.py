"""widgets/footer.py: the key bar lets go of the keys it drew before each recompose (Textual issue #6666, worked
around in KeysFooter), and the stock Footer still keeps them (when Textual fixes it, the workaround can go).

Each focus change between two widgets with different keys recomposes the bar; a cockpit does that at every opening
and closing of the quick-entry line, all day long."""

from __future__ import annotations

import gc

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from cockpit.tui.widgets.footer import KeysFooter

ROUNDS = 20


class _Left(Static, can_focus=True):
    BINDINGS = [Binding("a", "app.bell", "Left key")]


class _Right(Static, can_focus=True):
    BINDINGS = [Binding("b", "app.bell", "Right key")]


class _Bar(App[None]):
    BINDINGS = [Binding("z", "app.bell", "Zz")]

    def __init__(self, bar: type[Footer]) -> None:
        super().__init__()
        self.bar = bar

    def compose(self) -> ComposeResult:
        yield _Left("left", id="left")
        yield _Right("right", id="right")
        yield self.bar() if self.bar is Footer else KeysFooter()


def _keys_alive() -> int:
    """FooterKey objects alive (Textual's key widget, named here rather than imported from a private module)."""
    gc.collect()
    return sum(type(o).__name__ == "FooterKey" for o in gc.get_objects())


async def _after_focus_changes(bar: type[Footer]) -> tuple[int, int]:
    """FooterKeys alive after ROUNDS focus changes, and how many the bar shows."""
    app = _Bar(bar)
    async with app.run_test(size=(80, 10)) as pilot:
        for i in range(ROUNDS):
            app.query_one("#left" if i % 2 else "#right").focus()
            await pilot.pause()
            await pilot.pause()
        shown = len(app.query("FooterKey"))
        assert shown >= 1  # the focused pane's key
        return _keys_alive(), shown


@pytest.mark.parametrize("bar", [KeysFooter, Footer], ids=["ours", "stock"])
async def test_focus_changes_keep_no_old_keys_alive_in_ours_and_do_in_the_stock_footer(bar: type[Footer]) -> None:
    alive, shown = await _after_focus_changes(bar)
    if bar is KeysFooter:
        assert alive <= 2 * shown  # those shown, and at most the set the last recompose removed
    else:
        assert alive >= ROUNDS  # Textual 8.2.8 keeps every key of every recompose

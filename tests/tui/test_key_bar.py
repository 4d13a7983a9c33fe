"""The key bar (KeysFooter): Textual's Footer, laid out again only when the keys it shows change.

A small app in Textual's own test harness, Pilot pressing real keys: two plain focusable boxes and one with a key of
its own shown in the bar. Tab between the plain ones keeps the keys (no recompose, no repaint of the screen); focus
on the third adds its key, and leaving it takes it away."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from cockpit.tui.widgets.footer import CoversKeyBar, KeysFooter


class Box(Static, can_focus=True):
    pass


class BoxWithKey(Box):
    BINDINGS = [Binding("x", "noop", "Extra")]

    def action_noop(self) -> None:
        pass


class Cover(CoversKeyBar, BoxWithKey):
    """A box with a key of its own, drawn over the key bar (as the quick-entry line is)."""


class Bar(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Box("one", id="one")
        yield Box("two", id="two")
        yield BoxWithKey("three", id="three")
        yield KeysFooter()


class CoveredBar(Bar):
    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Cover("cover", id="cover")


def drawn_keys(app: App[None]) -> list[str]:
    return [str(key.description) for key in app.query("FooterKey")]


def count_recomposes(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The id of what had the focus at each recompose of a key bar."""
    recomposed: list[str | None] = []
    real = KeysFooter.recompose

    async def counted(self: KeysFooter) -> None:
        recomposed.append(self.app.focused.id if self.app.focused else None)
        await real(self)

    monkeypatch.setattr(KeysFooter, "recompose", counted)
    return recomposed


async def test_the_key_bar_is_laid_out_again_only_when_its_keys_change(monkeypatch: pytest.MonkeyPatch) -> None:
    recomposed = count_recomposes(monkeypatch)
    app = Bar()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "one"
        assert drawn_keys(app) == ["Quit"]
        recomposed.clear()
        await pilot.press("tab")  # one -> two: the same keys
        await pilot.pause()
        assert app.focused.id == "two"
        assert recomposed == []
        await pilot.press("tab")  # two -> three: its key joins the bar
        await pilot.pause()
        assert recomposed == ["three"]
        assert drawn_keys(app) == ["Extra", "Quit"]
        await pilot.press("tab")  # three -> one: it leaves again
        await pilot.pause()
        assert recomposed == ["three", "one"]
        assert drawn_keys(app) == ["Quit"]


async def test_the_key_bar_stays_as_it_is_under_what_covers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The focus in a widget drawn over the bar: its key is not laid out under it, and back on the box it came
    from, the bar shows that box's keys already: no recompose either way. From there to another box's keys, one."""
    recomposed = count_recomposes(monkeypatch)
    app = CoveredBar()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        recomposed.clear()
        app.query_one("#cover").focus()
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "cover"
        assert recomposed == [] and drawn_keys(app) == ["Quit"]
        app.query_one("#one").focus()  # back where it came from
        await pilot.pause()
        assert recomposed == [] and drawn_keys(app) == ["Quit"]
        app.query_one("#cover").focus()
        await pilot.pause()
        app.query_one("#three").focus()  # leaves for another box's keys
        await pilot.pause()
        assert recomposed == ["three"] and drawn_keys(app) == ["Extra", "Quit"]

"""widgets/keybar.py: the key bar shows the focused widget's and the screen's keys, runs a key when clicked, and
repaints only when what it shows changed."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.help import HelpScreen
from cockpit.tui.widgets.keybar import KeyBar
from cockpit.tui.widgets.scorecard import Scorecards
from tests.support import settle


def bar_text(app: App) -> str:
    return app.screen.query_one(KeyBar).render_line(0).text


async def test_the_bar_shows_the_focused_panes_keys_then_the_screens_and_the_palette_key(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and isinstance(app.focused, Scorecards)
        line = bar_text(app)
        assert len(line) == 120
        # The scorecards' own key first, then the screen's, each as " key description ".
        assert line.startswith(" s Sort by  tab Next pane  q Quit  ? Help ")
        # The palette key at the right end, after its edge, as Textual's Footer draws it.
        assert line.endswith("▏^p palette ")
        # One widget, no child per key (Textual's Footer mounts a FooterKey for each).
        assert not app.screen.query("FooterKey") and not app.screen.query_one(KeyBar).children
        await pilot.press("tab")  # the pipeline pane: the scorecards' sort key is not one of its keys
        await pilot.pause()
        assert not isinstance(app.focused, Scorecards)
        assert bar_text(app).startswith(" tab Next pane ")
        assert " s Sort by " not in bar_text(app)


async def test_at_80_columns_the_keys_are_cut_before_the_palette_key(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = bar_text(app)
        assert len(line) == 80
        assert line.endswith("▏^p palette ")
        keys = line[: 80 - len("▏^p palette ")]
        assert keys.startswith(" s Sort by  tab Next pane ") and keys.endswith("] Next per")


async def test_clicking_a_key_runs_it(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        x = bar_text(app).index(" ? Help ") + 1  # on the "?"
        assert await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_a_signal_that_changes_nothing_repaints_nothing(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        redraws: list[int] = []
        original = bar._redraw
        bar._redraw = lambda: (redraws.append(1), original())[1]  # type: ignore[method-assign]
        app.screen.bindings_updated_signal.publish(app.screen)
        await pilot.pause()
        assert redraws == []
        await pilot.press("tab")
        await pilot.pause()
        assert redraws == [1]


class _DisabledKeyApp(App[None]):
    BINDINGS = [Binding("x", "explode", "Explode"), Binding("y", "yell", "Yell")]

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "explode" else True  # None: shown, but disabled

    def action_explode(self) -> None:
        raise AssertionError("a disabled key ran")

    def action_yell(self) -> None:
        self.yelled = True


async def test_a_disabled_key_is_dim_and_rings_the_bell_and_an_enabled_one_runs() -> None:
    app = _DisabledKeyApp()
    bells: list[int] = []
    async with app.run_test(size=(60, 5)) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        await pilot.pause()
        bar = app.query_one(KeyBar)
        strip = bar.render_line(0)
        assert strip.text.startswith(" x Explode  y Yell ")
        explode = [s for s in strip if s.text.strip() == "x"][0]
        yell = [s for s in strip if s.text.strip() == "y"][0]
        assert explode.style.dim and not yell.style.dim
        await pilot.click(KeyBar, offset=(1, 0))
        await pilot.pause()
        assert bells == [1]
        await pilot.click(KeyBar, offset=(len(" x Explode  "), 0))
        await pilot.pause()
        assert getattr(app, "yelled", False)


async def test_hovering_a_key_shows_its_description_as_tooltip_and_highlights_it() -> None:
    app = _DisabledKeyApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        before = bar.render_line(0)
        await pilot.hover(KeyBar, offset=(len(" x Explode  ") + 1, 0))
        await pilot.pause()
        assert bar.tooltip == "Yell"
        after = bar.render_line(0)
        assert after.text == before.text
        yell_bg = {s.style.bgcolor for s in after if s.text.strip() in ("y", "Yell")}
        assert yell_bg != {s.style.bgcolor for s in before if s.text.strip() in ("y", "Yell")}


class _TwoKeysApp(App[None]):
    BINDINGS = [Binding("x", "bell", "Ring"), Binding("y", "yell", "Yell")]

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_yell(self) -> None:
        self.yelled = True


async def test_a_bar_too_narrow_for_the_palette_key_gives_the_keys_every_cell() -> None:
    app = _TwoKeysApp()
    async with app.run_test(size=(40, 3)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        assert bar.render_line(0).text == " x Ring  y Yell " + " " * 12 + "▏^p palette "
        assert bar.key_at(1).key == "x" and bar.key_at(9).key == "y" and bar.key_at(39).key == "ctrl+p"
        assert bar.key_at(27) is None and bar.key_at(28) is None  # the gap, and the palette key's edge
    app = _TwoKeysApp()
    async with app.run_test(size=(20, 3)) as pilot:  # as the Footer: the keys are cut before the palette key
        await pilot.pause()
        assert app.query_one(KeyBar).render_line(0).text == " x Ring ▏^p palette "
    app = _TwoKeysApp()
    async with app.run_test(size=(10, 3)) as pilot:  # "▏^p palette " (12 cells) cannot fit: the keys get them all
        await pilot.pause()
        bar = app.query_one(KeyBar)
        assert bar.render_line(0).text == " x Ring  y"
        assert bar.key_at(9).key == "y"
        await pilot.click(KeyBar, offset=(9, 0))
        await pilot.pause()
        assert getattr(app, "yelled", False)

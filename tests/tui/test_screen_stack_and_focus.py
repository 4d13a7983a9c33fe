"""The screens a start opens (the team cockpit at the bottom, My day over it for a rep), where the focus starts, and
a pane drawn again only when what it shows changed."""

from __future__ import annotations

from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.widgets.pipeline import DealTable
from cockpit.tui.widgets.scorecard import Scorecards
from tests.support import settle


async def test_the_scorecards_have_the_focus_from_the_start(make_cockpit) -> None:
    """Not the KPI strip, the first focusable widget (Textual's default): the keys a manager presses first (s, enter)
    are the scorecards'."""
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, Scorecards)


async def test_the_deal_list_is_drawn_once_per_change(make_cockpit, monkeypatch) -> None:
    """The stage table's cursor settles after each show (ColumnHighlighted), which drew the same deal list again;
    moving to another stage still draws that stage's deals."""
    shown: list[int] = []
    original = DealTable.show

    def count(self, deals, *args, **kwargs) -> None:  # noqa: ANN001
        shown.append(len(deals))
        original(self, deals, *args, **kwargs)

    monkeypatch.setattr(DealTable, "show", count)
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(shown) == 1
        app.screen.query_one("#stages").focus()
        await pilot.press("right")
        await settle(pilot)
        assert len(shown) == 2


async def test_the_team_cockpit_is_the_bottom_screen(make_cockpit) -> None:
    """No empty default screen lies under the dashboard, and nothing pops the dashboard."""
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [DashboardScreen]
    app = make_cockpit("Ana Lima")  # a rep starts on My day, over the team cockpit
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [DashboardScreen, MyDayScreen]
        await pilot.press("escape")
        await pilot.pause()
        assert [type(s) for s in app.screen_stack] == [DashboardScreen]
        await pilot.press("escape")  # nothing under the dashboard to go back to: it stays
        await pilot.pause()
        assert [type(s) for s in app.screen_stack] == [DashboardScreen]
        await pilot.press("down", "enter")  # the drill-down of the first rep (under the team total), back with d
        await settle(pilot)
        assert len(app.screen_stack) == 2
        await pilot.press("d")
        await pilot.pause()
        assert [type(s) for s in app.screen_stack] == [DashboardScreen]


async def test_the_focused_pane_is_drawn_heavy_not_by_colour_alone(make_cockpit) -> None:
    """Issue 21: a user needed 3-5 tabs to find the focused pane; its border is heavy, the others round."""
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        edges = {pane.id: pane.styles.border_top[0] for pane in screen.query(".pane")}
        assert edges == {"scorecard-pane": "heavy", "pipeline-pane": "round", "trend-pane": "round"}
        await pilot.press("tab")
        await settle(pilot)
        edges = {pane.id: pane.styles.border_top[0] for pane in screen.query(".pane")}
        assert edges == {"scorecard-pane": "round", "pipeline-pane": "heavy", "trend-pane": "round"}
        assert "┏" in app.export_screenshot()  # drawn: a heavy corner on screen

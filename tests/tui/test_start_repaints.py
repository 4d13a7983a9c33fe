"""What the start draws after its first frame: nothing it already drew.

Each repaint of the start goes down the wire of an SSH session; these were found by replaying a real start's output
(120x40, docs/PERFORMANCE.md, session 4).
"""

from __future__ import annotations

from cockpit.tui.widgets.kpi_tile import KpiStrip
from cockpit.tui.widgets.pipeline import DealTable
from cockpit.tui.widgets.scorecard import Scorecards
from tests.support import settle


async def test_the_scorecards_have_the_focus_from_the_first_paint(make_cockpit, monkeypatch) -> None:
    """Textual focuses the first focusable widget of a new screen (the KPI strip); the dashboard moved the focus to
    the scorecards after the first frame, which repainted the strip and the whole table."""
    focused: list[str] = []

    def record(self, event) -> None:  # noqa: ANN001
        focused.append(type(self).__name__)

    monkeypatch.setattr(KpiStrip, "_on_focus", record, raising=False)
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, Scorecards)
    assert focused == []


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
    """No empty default screen lies under the dashboard: a screen under the top one is repainted with it, and
    Textual's empty one, resized at start, made the dashboard repaint whole once or twice more (27 KB each)."""
    from cockpit.tui.screens.dashboard import DashboardScreen
    from cockpit.tui.screens.myday import MyDayScreen

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


async def test_a_screen_styles_its_widgets_once_when_it_opens(make_cockpit, monkeypatch) -> None:
    """Textual restyles every widget of a screen when it resumes; on its first resume they were all styled when
    they mounted, moments before (screens/resume.py). Coming back to it later still restyles it."""
    from textual import events
    from textual.css.stylesheet import Stylesheet

    styled: list[str] = []
    original = Stylesheet.apply

    def counting(self, node, *args, **kwargs):  # noqa: ANN001, ANN202
        styled.append(type(node).__name__)
        return original(self, node, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counting)
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # The trend chart and the KPI strip never change class or focus at start: styled once each.
        assert styled.count("TrendChart") == 1 and styled.count("KpiStrip") == 1
        # A later resume that asks for fresh styles (as Textual's switch_screen and switch_mode send) gets them.
        app.screen.post_message(events.ScreenResume())
        await pilot.pause()
        assert styled.count("TrendChart") == 2

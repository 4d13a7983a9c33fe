"""What the start draws after its first frame: nothing it already drew.

Each repaint of the start goes down the wire of an SSH session; these were found by replaying a real start's output
(120x40, docs/PERFORMANCE.md, session 4).
"""

from __future__ import annotations

from conftest import settle

from cockpit.widgets.kpi_tile import KpiStrip
from cockpit.widgets.pipeline import DealTable
from cockpit.widgets.scorecard import Scorecards


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

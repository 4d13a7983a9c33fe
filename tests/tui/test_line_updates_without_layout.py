"""A status line whose text changes but not its height is repainted, not laid out again.

A layout of the screen repaints the scrollbars of every scrolling table on it (Textual 8.2.8): ~1 KB at 120x40
for each live refresh that changed a number in a header line of My day. ``show_text`` lays out only when the new
text takes another height, or when the widget's width follows its text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Label, Static

from cockpit.tui.widgets.repaint import show_text


class LineOverTable(App[None]):
    CSS = "DataTable { height: 8; }"

    def compose(self) -> ComposeResult:
        yield Static(Text("Calls 87 · overdue 5"), id="line")
        yield Label(Text("short"), id="label")
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("n", "square")
        for n in range(60):  # more rows than fit: the table scrolls and has a scrollbar
            table.add_row(str(n), str(n * n))


@asynccontextmanager
async def running(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[LineOverTable, Pilot, list[object]]]:
    """The app, its pilot, and the refreshes of the table's scrollbar from here on."""
    app = LineOverTable()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        bar = app.query_one(DataTable).vertical_scrollbar
        refreshes: list[object] = []
        refresh = bar.refresh

        def counted(*args: object, **kwargs: object) -> object:
            refreshes.append(args)
            return refresh(*args, **kwargs)

        monkeypatch.setattr(bar, "refresh", counted)  # this one scrollbar, to see whether a layout reached it
        yield app, pilot, refreshes


async def test_same_height_text_repaints_the_line_and_leaves_the_scrollbar(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(monkeypatch) as (app, pilot, refreshes):
        line = app.query_one("#line", Static)
        show_text(line, Text("Calls 88 · overdue 4"))
        await pilot.pause()
        assert str(line.render()) == "Calls 88 · overdue 4"
        assert line.size.height == 1
        assert refreshes == []


async def test_a_taller_text_is_laid_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(monkeypatch) as (app, pilot, refreshes):
        line = app.query_one("#line", Static)
        table = app.query_one(DataTable)
        top = table.region.y
        show_text(line, Text("Calls 88\nanchored to 2026-11\nthird line"))
        await pilot.pause()
        assert line.size.height == 3
        assert table.region.y == top + 2  # the table moved down: the screen was laid out again
        show_text(line, Text("one line again"))
        await pilot.pause()
        assert line.size.height == 1 and table.region.y == top


async def test_a_widget_as_wide_as_its_text_is_laid_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(monkeypatch) as (app, pilot, _):
        label = app.query_one("#label", Label)
        show_text(label, Text("a good deal longer than before"))
        await pilot.pause()
        assert label.size.width == len("a good deal longer than before")


async def test_the_same_text_repaints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(monkeypatch) as (app, pilot, refreshes):
        line = app.query_one("#line", Static)
        updates: list[object] = []
        monkeypatch.setattr(line, "update", lambda *a, **k: updates.append(a))
        show_text(line, Text("Calls 87 · overdue 5"))
        await pilot.pause()
        assert updates == [] and refreshes == []

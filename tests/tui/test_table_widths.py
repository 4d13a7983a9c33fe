"""widgets/table.py: a table refilled and drawn before it measured its rows still shows them at full width
(Textual issue #3533, worked around in Table), and the stock cursor styling still follows the cursor."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from cockpit.tui.widgets.table import Table


class _TableApp(App[None]):
    def __init__(self, kind: type[DataTable]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind()


def _fill(table: DataTable) -> None:
    """What the scorecards do on every full rebuild: new columns (at their header's width), then the rows."""
    table.clear(columns=True)
    table.add_column("Rep", key="rep")
    table.add_row("Team total", key="team")


async def _line_after_a_frame_before_measuring(kind: type[DataTable]) -> tuple[str, str]:
    """The row's text drawn before the table measured its refill, and once it has."""
    app = _TableApp(kind)
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(kind)
        _fill(table)
        await pilot.pause()
        _fill(table)  # the same widths once measured, so the table's virtual size (and update count) stays put
        early = table.render_line(1).text.strip()  # a frame drawn now, before the table's idle measures the row
        await pilot.pause()
        await pilot.pause()
        return early, table.render_line(1).text.strip()


async def test_a_frame_drawn_before_the_rows_are_measured_is_not_kept() -> None:
    early, later = await _line_after_a_frame_before_measuring(Table)
    assert early == "Tea"  # the header's width (3 cells): the race is reproduced
    assert later == "Team total"


async def test_the_stock_datatable_still_keeps_it() -> None:
    # Textual issue #3533, still open: when this fails, Textual fixed it and Table's workaround can go.
    early, later = await _line_after_a_frame_before_measuring(DataTable)
    assert (early, later) == ("Tea", "Tea")


class _RowsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(Table)
        table.add_column("Rep", key="rep")
        table.add_column("Calls", key="calls")
        for i in range(20):
            table.add_row(f"rep {i:02d}", str(i * 10), key=str(i))


async def test_moving_the_cursor_still_restyles_the_rows_it_leaves_and_enters() -> None:
    app = _RowsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        first, second = table.render_line(1), table.render_line(2)  # rows 0 (cursor) and 1
        table.move_cursor(row=1)
        await pilot.pause()
        # The cursor's colours moved from row 0 to row 1.
        assert _colours(table.render_line(2)) == _colours(first) != _colours(second)
        assert _colours(table.render_line(1)) != _colours(first)
        assert table.render_line(1).text == first.text and table.render_line(2).text == second.text


def _colours(line) -> list[tuple[object, object]]:  # noqa: ANN001 - a Strip
    return [(s.style.color, s.style.bgcolor) for s in line if s.style is not None][:2]


class _FirstFillApp(App[None]):
    """What My day's KPI table does: its columns at mount, its rows once the data comes."""

    def compose(self) -> ComposeResult:
        yield Table()

    def on_mount(self) -> None:
        self.query_one(Table).add_column("KPI", key="kpi")


async def test_a_first_fill_drawn_before_it_is_measured_is_redrawn() -> None:
    app = _FirstFillApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        table.add_row("Revenue", key="revenue")
        early = table.render_line(1).text.strip()  # a frame drawn before the table's idle measures the row
        await pilot.pause()
        await pilot.pause()
        assert early == "Rev"  # the label's width (3 cells): the race is reproduced
        assert table.render_line(1).text.strip() == "Revenue"


async def test_show_rows_updates_changed_cells_in_place_and_refills_on_a_new_shape() -> None:
    """Table.show_rows: the same keys at the same widths change only the cells that differ (the rows stay, the cursor
    stays); a new row, another order or a wider cell refills the table; a narrower one too when the widths are the
    rows' own (a fitted table)."""
    app = _TableApp(Table)
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        table.add_column("KPI", key="kpi")
        table.add_column("Value", key="value")
        rows = [("calls", [Text("Calls"), Text("87")]), ("won", [Text("Won"), Text("9")])]
        table.show_rows(rows)
        await pilot.pause()
        table.move_cursor(row=1)
        kept = table.rows[RowKey("calls")]

        table.show_rows([("calls", [Text("Calls"), Text("88")]), ("won", [Text("Won"), Text("9")])])
        assert table.rows[RowKey("calls")] is kept  # updated in place, not cleared and added again
        assert str(table.get_cell("calls", "value")) == "88" and table.cursor_row == 1

        table.show_rows([("calls", [Text("Calls"), Text("88", style="bold")]), ("won", [Text("Won"), Text("9")])])
        assert table.get_cell("calls", "value").style == "bold"  # a style change is a change (Text's == ignores it)

        table.show_rows([("won", [Text("Won"), Text("9")]), ("calls", [Text("Calls"), Text("88")])])
        assert table.rows[RowKey("calls")] is not kept  # another order: refilled
        assert [row.key.value for row in table.ordered_rows] == ["won", "calls"]
        await pilot.pause()
        again = table.rows[RowKey("calls")]
        table.show_rows([("won", [Text("Won"), Text("9")]), ("calls", [Text("Calls"), Text("12,088")])])
        assert table.rows[RowKey("calls")] is not again  # wider than its column: refilled (the column widens)
        await pilot.pause()
        wide = table.rows[RowKey("calls")]
        table.show_rows([("won", [Text("Won"), Text("9")]), ("calls", [Text("Calls"), Text("88")])])
        assert table.rows[RowKey("calls")] is wide  # narrower: in place, the column keeps its width...
        table.show_rows([("won", [Text("Won"), Text("9")]), ("calls", [Text("Calls"), Text("89")])], exact_widths=True)
        assert table.rows[RowKey("calls")] is not wide  # ...unless the widths must be the rows' own

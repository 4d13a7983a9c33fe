"""widgets/table.py: a table refilled and drawn before it measured its rows still shows them at full width."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.tui.widgets.table import Table


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table()


def _fill(table: Table) -> None:
    """What the scorecards do on every full rebuild: new columns (at their header's width), then the rows."""
    table.clear(columns=True)
    table.add_column("Rep", key="rep")
    table.add_row("Team total", key="team")


async def test_a_frame_drawn_before_the_rows_are_measured_is_not_kept() -> None:
    app = _TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        _fill(table)
        await pilot.pause()
        _fill(table)  # the same widths once measured, so the table's virtual size (and update count) stays put
        # A frame drawn now, before the table's idle measures the new row, has the header's width (3 cells).
        assert table.render_line(1).text.strip() == "Tea"
        await pilot.pause()
        await pilot.pause()
        # Plain DataTable kept that cached line ("Tea"): the benchmark then never saw "Team total" (1 start in 15).
        assert table.render_line(1).text.strip() == "Team total"


class _RowsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(Table)
        table.add_column("Rep", key="rep")
        table.add_column("Calls", key="calls")
        for i in range(20):
            table.add_row(f"rep {i:02d}", str(i * 10), key=str(i))


def _screen_text(table: Table) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_one_changed_cell_is_the_only_one_drawn_again(monkeypatch) -> None:
    from textual.widgets import DataTable

    app = _RowsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        before = _screen_text(table)
        drawn: list[tuple[int, int]] = []
        original = DataTable._render_cell

        def counting(self, row_index, column_index, *args, **kwargs):  # noqa: ANN001, ANN202
            drawn.append((row_index, column_index))
            return original(self, row_index, column_index, *args, **kwargs)

        monkeypatch.setattr(DataTable, "_render_cell", counting)
        table.update_cell("3", "calls", "31")
        await pilot.pause()
        after = _screen_text(table)
        # Row 3 is line 4 (under the header): only its Calls cell changed on screen ...
        assert after[4] != before[4] and "31" in after[4]
        assert [a for a, b in zip(after, before, strict=True) if a != b] == [after[4]]
        # ... and it is the only cell Rich drew again (DataTable alone redraws every visible cell: 11 rows x 2).
        assert set(drawn) - {(-1, 0), (-1, 1)} == {(3, 1)}


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

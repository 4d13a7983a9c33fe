"""widgets/table.py: a table refilled and drawn before it measured its rows still shows them at full width."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.widgets.table import Table


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

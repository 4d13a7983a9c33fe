"""The boxes of My day and a rep's page have no scrollbar; the bottom border says which rows show ("3-15 of 41").

In Textual 8.2.8 every layout of a screen repaints the scrollbar of each table that scrolls, and a quick entry lays
the screen out four times: without the scrollbars an own call through quick entry sent ~4 KB less at 120x40 (in
process, two scrolling boxes). The position changes only when the table scrolls, is resized or gets other rows.
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.tui.screens.common import ActivityTable, OpenDealTable
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.widgets.table import Table
from tests.support import settle, until


class _Boxes(App[None]):
    CSS = """
    #plain { height: 8; border: round red; scrollbar-size-vertical: 0; }
    #scrolled { height: 8; border: round red; }
    """

    def compose(self) -> ComposeResult:
        yield Table(id="plain")
        yield Table(id="scrolled")

    def on_mount(self) -> None:
        for table in self.query(Table):
            table.add_column("n", key="n")
            for n in range(1, 41):
                table.add_row(str(n), key=str(n))


async def test_a_table_without_a_scrollbar_shows_its_rows_in_its_border() -> None:
    app = _Boxes()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        plain, scrolled = app.query_one("#plain", Table), app.query_one("#scrolled", Table)
        # 8 lines less the border (2) and the header (1): 5 rows show.
        assert plain.border_subtitle == "1-5 of 40"
        assert not scrolled.border_subtitle  # it has its scrollbar
        assert scrolled.show_vertical_scrollbar and scrolled.styles.scrollbar_size_vertical > 0
        plain.focus()
        await pilot.press(*["down"] * 7)  # the cursor on row 8: the table scrolled by three
        await pilot.pause()
        assert plain.border_subtitle == "4-8 of 40"
        plain.scroll_end(animate=False)
        await pilot.pause()
        assert plain.border_subtitle == "36-40 of 40"
        # Rows that all fit: nothing to say.
        plain.clear()
        for n in range(3):
            plain.add_row(str(n), key=f"few{n}")
        await pilot.pause()
        await pilot.pause()
        assert plain.border_subtitle == ""
        # A taller box shows more of them (a resize).
        plain.clear()
        for n in range(1, 41):
            plain.add_row(str(n), key=f"again{n}")
        plain.styles.height = 12
        await pilot.pause()
        await pilot.pause()
        assert plain.border_subtitle == "1-9 of 40"


async def test_my_days_boxes_say_where_they_are_instead_of_a_scrollbar(make_demo_cockpit) -> None:
    app = make_demo_cockpit("Ana Torres")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        deals = app.screen.query_one(OpenDealTable)
        latest = app.screen.query_one("#myday-latest", ActivityTable)
        # Both are lines under a header line (widgets/line_table.py).
        for table in (deals, latest):
            assert table.rows_view.styles.scrollbar_size_vertical == 0
            shown = table.rows_view.scrollable_content_region.height
            assert table.row_count > shown > 5  # the demo rep has more of each than a box holds
            # Under load the last layout's resize may still be on its way when settle() returns.
            expected = f"1-{shown} of {table.row_count}"
            await until(pilot, lambda box=table, says=expected: box.border_subtitle == says)
            assert table.border_subtitle == expected
            table.focus()
            await pilot.press(*["down"] * (shown + 2))
            await settle(pilot)
            first = int(table.rows_view.scroll_y) + 1
            assert first > 1
            assert table.border_subtitle == f"{first}-{first + shown - 1} of {table.row_count}"

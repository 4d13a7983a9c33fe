"""The table drawn as lines (widgets/line_table.py): keys as a table's row cursor has them, the cursor kept on its
row's key across a refill, only changed lines rewritten, Enter reports the row's key."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from cockpit.tui.widgets.fitted import Cut
from cockpit.tui.widgets.line_table import Column, LineItem, LineTable, cells_of, line


class Names(LineTable):
    COLUMNS = (Column("name", "Name"), Column("n", "N", right=True))
    CUTS = (Cut(4, 1), None)


class Host(App[None]):
    CSS = "Names { height: 12; border: round white; }"

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield Names()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        self.chosen.append(event.key)


def rows(names: list[str], value: int = 1) -> list[tuple[str | None, list[Text]]]:
    return [(name, [Text(name), Text(str(value), justify="right")]) for name in names]


NAMES = [f"name{n:02}" for n in range(40)]


async def test_keys_move_the_cursor_and_the_border_says_where_the_rows_are() -> None:
    app = Host()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(Names)
        table.fill(rows(NAMES))
        table.focus()
        await pilot.pause()
        shown = table.rows_view.scrollable_content_region.height
        assert shown == 9  # 12 less the border and the header line
        assert (table.cursor_row, table.cursor_key) == (0, "name00")
        assert table.border_subtitle == f"1-9 of {len(NAMES)}"
        await pilot.press("pagedown")
        assert table.cursor_key == f"name{shown:02}"
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "name39"
        assert table.border_subtitle == "32-40 of 40"
        await pilot.press("home", "down", "enter")
        assert app.chosen == ["name01"]
        assert table.row("name01") == ("name01", "1")


async def test_a_refill_rewrites_only_the_changed_lines_and_keeps_the_cursor_on_its_key() -> None:
    app = Host()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(Names)
        table.fill(rows(["a", "b", "c", "d"]))
        table.focus()
        await pilot.pause()
        await pilot.press("down", "down")
        assert table.cursor_key == "c"
        lines = list(table.rows_view.query(LineItem))
        before = [line.text for line in lines]
        # "b" leaves, "e" comes at the end: lines 2 and 3 take c and d, line 4 is new; line 1 is the same text.
        table.fill(rows(["a", "c", "d", "e"]))
        await pilot.pause()
        after = list(table.rows_view.query(LineItem))
        assert after == lines  # the same widgets, written in place
        assert after[0].text is before[0]  # an unchanged line is not written
        assert [line.text.plain.split()[0] for line in after] == ["a", "c", "d", "e"]
        assert (table.cursor_row, table.cursor_key) == (1, "c")  # the cursor followed its row
        # Its row gone, the cursor stays at its place, on the row that took it.
        table.fill(rows(["a", "d", "e"]))
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (1, "d")
        assert len(table.rows_view.children) == 3


async def test_enter_on_a_row_without_a_key_chooses_nothing_and_long_names_are_cut() -> None:
    app = Host()
    async with app.run_test(size=(20, 20)) as pilot:
        table = app.query_one(Names)
        table.fill([(None, [Text("nothing here", style="italic"), Text("")])])
        table.focus()
        await pilot.press("enter")
        assert app.chosen == []
        assert table.cursor_key is None
        table.fill(rows(["a very long name indeed"], value=12345))
        await pilot.pause()
        name, number = table.row("a very long name indeed")
        assert name.endswith("…") and number == "12345"  # the name is cut, the number never


def test_cells_are_read_back_by_terminal_cells_not_characters() -> None:
    # A name of wide characters takes two cells a character: read by characters, the next column's cell came back
    # with the name's tail ("연  $12k" in place of "$12k").
    cells = [Text("이서연"), Text("$12k", justify="right"), Text("lead")]
    widths = [8, 5, 4]
    drawn = line(cells, widths).plain
    assert drawn == " 이서연     $12k  lead "  # 6 cells and 2 of padding, a space either side, " $12k"
    assert cells_of(drawn, widths) == ("이서연", "$12k", "lead")

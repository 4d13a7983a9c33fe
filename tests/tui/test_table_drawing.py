"""widgets/table.py's direct drawing of one-line Text cells gives, character by character, what DataTable draws."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from cockpit.tui.widgets.table import Table

# Narrow, wide (CJK, emoji), combining and zero-width characters, spaces at either end, and the bail-outs (newline,
# tab) that must go to DataTable's own drawing.
_CHARS = st.sampled_from(list("ab Z9.,-—%") + ["漢", "字", "😀", "é", "e\u0301", "\u200b", " ", "\n", "\t"])
_STYLES = st.sampled_from(["", "bold", "red", "bold green on blue", "italic underline", "reverse", "dim #ff8800"])


@st.composite
def _texts(draw: st.DrawFn) -> Text:
    plain = "".join(draw(st.lists(_CHARS, max_size=12)))
    spans = [
        Span(start, start + draw(st.integers(0, 6)), draw(_STYLES))
        for start in draw(st.lists(st.integers(0, max(len(plain), 1)), max_size=3))
    ]
    justify = draw(st.sampled_from([None, "default", "left", "right", "center", "full"]))
    return Text(plain, style=draw(_STYLES), justify=justify, spans=spans)  # type: ignore[arg-type]


class _CellsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table()


def _runs(lines: list[list[Segment]]) -> list[list[tuple[str, Style | None]]]:
    """What a cell's lines show: each character's style (segments split and merged differently compare equal)."""
    return [[(ch, seg.style) for seg in line for ch in seg.text] for line in lines]


async def test_direct_cell_drawing_matches_datatable() -> None:
    app = _CellsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        drawn_directly = 0

        @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            cells=st.tuples(_texts(), _texts()),
            label=_texts(),
            width=st.integers(0, 24),
            cursor=st.booleans(),
            hover=st.booleans(),
            fixed_columns=st.integers(0, 1),
            fixed_rows=st.integers(0, 1),
            padding=st.integers(0, 2),
            base=_STYLES,
        )
        def check(cells, label, width, cursor, hover, fixed_columns, fixed_rows, padding, base) -> None:  # noqa: ANN001
            nonlocal drawn_directly
            table.clear(columns=True)
            table.cell_padding = padding
            table.add_column(label, key="a")
            table.add_column("b", key="b")
            table.add_row(*cells, key="r")
            table.fixed_columns, table.fixed_rows = fixed_columns, fixed_rows
            base_style = Style.parse(base)
            for row_index, column_index, value in ((-1, 0, label), (0, 0, cells[0]), (0, 1, cells[1])):
                direct = table._draw_text_line(value, row_index, column_index, base_style, width, cursor, hover)
                if direct is None:
                    continue  # truncated, several lines, tabs, centred or full: DataTable draws it
                drawn_directly += 1
                table._cell_render_cache.clear()
                expected = DataTable._render_cell(table, row_index, column_index, base_style, width, cursor, hover)
                assert _runs(direct) == _runs(expected), (value, value.justify, width, padding)

        check()
        # The property compared something: a share of the generated cells fit their width and are drawn directly
        # (168-303 of the 1,200 drawn in 25 runs, mean 250; 200 was missed once in a clean-clone CI run), so the
        # bound only catches a generator that stopped producing cells that fit.
        assert drawn_directly > 60


async def test_cells_that_do_not_fit_are_left_to_datatable() -> None:
    app = _CellsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(Table)
        table.add_column("a", key="a")
        table.add_row("x", key="r")
        draw = table._draw_text_line
        style = Style()
        assert draw(Text("Team total"), 0, 0, style, 12, False, False) is not None  # 10 cells + 2 of padding
        assert draw(Text("Team total"), 0, 0, style, 11, False, False) is None  # would be cut: Rich's overflow
        assert draw(Text("two\nlines"), 0, 0, style, 20, False, False) is None
        assert draw(Text("a\tb"), 0, 0, style, 20, False, False) is None
        assert draw(Text("mid", justify="center"), 0, 0, style, 20, False, False) is None
        assert draw(Text("12 ", justify="right"), 0, 0, style, 20, False, False) is None  # Rich strips it first

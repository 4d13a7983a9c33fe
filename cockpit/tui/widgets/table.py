"""The DataTable every cockpit table derives from: it repaints when its columns widen after a frame was drawn, and
redraws only the cells whose content changed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

#: Row keys of the rows that page a long table (Enter on them shows the previous or the next page); a data row's
#: key is an id, never these.
PREVIOUS_PAGE, NEXT_PAGE = "previous-page", "next-page"

_Lines = list[list[Segment]]
_EMPTY_TEXT = Text("")  # one cell's lines of segments, as DataTable's own cell cache holds them


class Table(DataTable):
    """A DataTable whose drawn lines never keep column widths that are out of date, and whose cells are redrawn
    only when what they show changed.

    DataTable measures the rows it was given on its next idle, but caches each drawn line and cell under its update
    count, not under the column widths. A frame drawn between ``add_row`` and that idle (the screen's first paint
    races with it at start-up) draws the columns at their header's width; the measurement then widens them without
    a new update count, so the cached narrow lines stay on screen ("Tea" for "Team total") until something else
    changes. Textual issue #3533 is the same bug seen through ``update_cell``.

    The same update count makes one ``update_cell`` redraw every visible cell through Rich (~165 cells, 25 ms for
    the scorecards at 120x40): a live refresh that changes one rep's calls paid that. Cells are also cached here
    under what they are drawn from (the cell's value object, its position, style, width, cursor and hover), so only
    the changed ones are drawn again.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        # Before DataTable's __init__, which already clears the caches.
        self._drawn_cells: dict[tuple[RowKey, ColumnKey, Style], tuple[tuple[object, ...], object, _Lines]] = {}
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(self._measure_plain_rows(new_rows))
        if before != [column.content_width for column in self.columns.values()]:
            self._clear_caches()
            self.refresh()

    def _measure_plain_rows(self, new_rows: Iterable[RowKey]) -> list[RowKey]:
        """Widen the columns for the new rows whose cells are all Rich ``Text`` (or empty), one line high, and
        return the other rows for DataTable to measure.

        A Text's width is the cell length of its longest line, exactly what DataTable's measurement (Rich's
        ``__rich_measure__`` through ``textual.render.measure``) finds, but without building each row's renderables
        and measuring them through the console: 200 scorecard rows took ~20 ms of the first frame at L that way."""
        columns = self.ordered_columns
        widths = [column.content_width for column in columns]
        others: list[RowKey] = []
        for row_key in new_rows:
            row = self.rows.get(row_key)
            values = self._data.get(row_key)
            if row is None or values is None or self._row_locations.get(row_key) is None:
                continue  # removed before this idle: DataTable skips it too
            if row.label is not None or row.auto_height or row.height != 1:
                others.append(row_key)
                continue
            cells = [values.get(column.key) for column in columns]
            if not all(cell is None or type(cell) is Text for cell in cells):
                others.append(row_key)  # strings are markup, and other renderables measure themselves
                continue
            for i, cell in enumerate(cells):
                if cell is not None and cell.plain:
                    widths[i] = max(widths[i], *(cell_len(line) for line in cell.plain.splitlines()))
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        return others

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None when the table is empty)."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    @contextmanager
    def refilling(self) -> Iterator[None]:
        """Clear and refill the rows inside this block with the cursor kept on its row.

        ``clear()`` puts the cursor back on the first row; a list refilled after a write under the cursor (a deal
        moved to another stage) would leave the next key acting on another row. The cursor goes back to the row of
        the same key, or, when that row left the list (a deal won), stays at its place: the row that took it."""
        key, row = self.cursor_key, self.cursor_row
        self.clear()
        yield
        if not self.row_count or key is None:
            return
        if key in self.rows:
            self.move_cursor(row=self.get_row_index(key))
        else:
            self.move_cursor(row=min(row, self.row_count - 1))

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._drawn_cells.clear()

    def notify_style_update(self) -> None:
        self._drawn_cells.clear()  # component styles (cursor, header, zebra) may have changed
        super().notify_style_update()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> _Lines:
        column_key = self._column_locations.get_key(column_index) if column_index >= 0 else None
        if column_key is None:  # row labels (none of our tables has them): DataTable's own cache
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if row_index < 0:  # the header: its label
            row_key: RowKey | None = self._header_row_key
            value: object = self.columns[column_key].label
            height = self.header_height
        else:
            row_key = self._row_locations.get_key(row_index)
            row = self.rows.get(row_key) if row_key is not None else None
            if row is None or row.auto_height:
                return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            value = self._data[row_key].get(column_key)
            height = row.height
        # Everything else DataTable's drawing of a cell depends on (the value is compared by identity below).
        signature = (
            row_index,
            column_index,
            width,
            cursor,
            hover,
            self._show_hover_cursor,
            self.show_cursor,
            self._pseudo_class_state,
            self.fixed_rows,
            self.fixed_columns,
            height,
            self.cell_padding,
        )
        # A fixed column is drawn twice a line (as fixed, then under the scrolled part) with two base styles.
        key = (row_key, column_key, base_style)
        drawn = self._drawn_cells.get(key)
        if drawn is not None and drawn[1] is value and drawn[0] == signature:
            return drawn[2]
        lines = None
        if height == 1 and type(value) is Text:
            lines = self._draw_text_line(value, row_index, column_index, base_style, width, cursor, hover)
        if lines is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._drawn_cells[key] = (signature, value, lines)
        return lines

    def _draw_text_line(
        self,
        text: Text,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> _Lines | None:
        """A one-line ``Text`` cell that fits its column, drawn straight to segments; None for any other cell.

        DataTable draws every cell as ``Styled(Padding(cell))`` through the console's ``render_lines`` (wrapping,
        justifying, splitting and cropping lines): ~50 us a cell, ~14 ms of the first frame at 120x40. A cell that
        fits needs none of that: its segments, the justification's spaces in the text's own style (as Rich's
        ``pad_left`` / ``truncate(pad=True)`` give them), the padding, and DataTable's cell styles applied on top
        (tests/test_table_drawing.py compares the two on any text, style, justification and width).
        """
        if row_index >= 0 and not text:
            text = _EMPTY_TEXT  # as DataTable shows an empty cell: unstyled, whatever the empty Text's style
        plain = text.plain
        justify = text.justify or "default"
        inner = width - 2 * self.cell_padding
        if "\n" in plain or "\t" in plain or justify not in ("default", "left", "right") or inner <= 0:
            return None
        length = cell_len(plain)
        if length > inner or (justify == "right" and plain[-1:].isspace()):
            return None  # truncated, or trailing spaces that Rich's right justification strips first
        if any(span.end > len(plain) for span in text.spans):
            return None  # a span past the end styles the justification's spaces too
        is_header = row_index == -1
        component_style, post_style = self._get_styles_to_render_cell(
            is_header,
            False,
            not is_header and (row_index < self.fixed_rows or column_index < self.fixed_columns),
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        console = self.app.console
        padding = " " * self.cell_padding
        fill = " " * (inner - length)
        # The text's own style covers its justification's spaces; Text.render leaves it out when there are no spans.
        own_style = console.get_style(text.style, default=Style.null()) if text.style else None
        segments = [Segment(padding)] if padding else []
        if fill and justify == "right":
            segments.append(Segment(fill, own_style))
        if text.spans:
            segments.extend(text.render(console, end=""))
        else:
            segments.append(Segment(plain, own_style))
        if fill and justify != "right":
            segments.append(Segment(fill, None if justify == "default" else own_style))
        if padding:
            segments.append(Segment(padding))
        return [list(Segment.apply_style(segments, pre_style, post_style))]

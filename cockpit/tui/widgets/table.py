"""The DataTable every cockpit table derives from: Textual's own, with the cursor kept on its row across a refill."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Self

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from cockpit.core.text import cell_width
from cockpit.tui.widgets.repaint import same_text

#: Row keys of the rows that page a long table (Enter on them shows the previous or the next page); a data row's
#: key is an id, never these.
PREVIOUS_PAGE, NEXT_PAGE = "previous-page", "next-page"


def show_position(box: Widget, scroll_y: float, shown: int, rows: int) -> None:
    """Write where the ``shown`` rows of ``rows`` are ("3-16 of 41") in ``box``'s bottom border while they do not all
    fit, scrolled by ``scroll_y``; nothing when they fit."""
    position = ""
    if rows > shown > 0:
        first = int(scroll_y) + 1
        position = f"{first}-{min(first + shown - 1, rows)} of {rows}"
    if (box.border_subtitle or "") != position:
        box.border_subtitle = position


class Table(DataTable):
    """A DataTable that knows the key under its cursor and keeps the cursor on its row when it is refilled."""

    def on_mount(self) -> None:
        # A box drawn without a scrollbar says where it is in its border instead (see _show_position).
        self.watch(self, "scroll_y", self._show_position, init=False)
        self.watch(self, "virtual_size", self._show_position, init=False)

    def on_resize(self) -> None:
        self._show_position()

    def _show_position(self) -> None:
        """The position ("3-16 of 41") in the bottom border while the rows do not all fit, for a table styled
        without a vertical scrollbar (``scrollbar-size-vertical: 0``, the boxes of My day and a rep's page).

        In Textual 8.2.8 every layout of a screen repaints the scrollbar of each table that scrolls (~0.5 KB a
        scrollbar at 120x40): a quick entry lays the screen out four times (the line shown and hidden, the key bar
        recomposed twice). The position costs nothing more: it changes only with a scroll, a resize or other rows,
        each of which repaints the table whole anyway; and it tells how many rows there are, which a scrollbar
        does not."""
        if self.styles.scrollbar_size_vertical:
            return
        header = self.header_height if self.show_header else 0
        show_position(self, self.scroll_y, self.scrollable_content_region.height - header, self.row_count)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None when the table is empty)."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def move_cursor_to(self, key: str) -> bool:
        """Put the cursor on ``key``'s row; False when no row has it."""
        if key not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(key))
        return True

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

    def show_rows(self, rows: Sequence[tuple[str | None, Sequence[Text]]], *, exact_widths: bool = False) -> None:
        """Show ``rows`` (key, cells), redrawing only what changed.

        When the same keys come in the same order and every column keeps its width, only the cells whose text or
        style changed are updated, and a table with none changed is not touched (no repaint, no bytes on the wire;
        Textual 8.2.8's ``update_cell`` repaints the whole box, still less than a refill and its re-measure).
        Otherwise the table is refilled with the cursor kept on its row. With
        ``exact_widths`` (rows cut to the box's width) each column takes the width of its new rows, narrower too;
        without, a column never narrows, as DataTable keeps it after clear()."""
        if self._same_shape(rows, exact_widths):
            for key, cells in rows:
                self.update_changed_cells(key, cells)  # type: ignore[arg-type]
            return
        with self.refilling():
            if exact_widths:
                self.reset_widths()
            for key, cells in rows:
                self.add_row(*cells, key=key)

    def update_changed_cells(self, key: str, cells: Sequence[Text], *, update_width: bool = False) -> None:
        """Update the cells of row ``key`` (in column order) whose text or style differs from what it shows."""
        for column_key, cell in zip(self.columns, cells, strict=True):
            if not same_text(self.get_cell(key, column_key), cell):
                self.update_cell(key, column_key, cell, update_width=update_width)

    def _same_shape(self, rows: Sequence[tuple[str | None, Sequence[Text]]], exact_widths: bool) -> bool:
        if not rows or len(rows) != self.row_count or any(key is None for key, _ in rows):
            return False
        if [key for key, _ in rows] != [row.key.value for row in self.ordered_rows]:
            return False
        for index, column in enumerate(self.columns.values()):
            width = max([cell_width(column.label.plain), *(cell_width(cells[index].plain) for _, cells in rows)])
            if width > column.content_width or (exact_widths and width != column.content_width):
                return False
        return True

    def reset_widths(self) -> None:
        """Let a cleared table's columns narrow to their new rows: DataTable only ever widens a column (clear() keeps
        the widths of the rows it removed), so rows cut to a narrower box kept the widths of the uncut ones."""
        for column in self.columns.values():
            column.content_width = cell_width(column.label.plain)

    # WORKAROUND for Textual issue #3533 (open; still so in 8.2.8, tests/tui/test_table_widths.py checks it):
    # DataTable measures new rows on its next idle but caches drawn cells under an update count, not under the
    # column widths. A frame drawn before that idle (a loaded machine, a slow link) caches the cells cut to the
    # widths of the moment, the column labels' after a first fill or clear(columns=True) ("Tea" for "Team total"),
    # and unless the measured widths change the table's virtual size nothing empties that cache. So after rows
    # change, once the table has measured them, it is redrawn if a column's width moved, through the public
    # style-update hook that empties its caches. A refill at unchanged widths costs nothing.
    _measure_pending = False

    def add_row(self, *cells: object, **kwargs: object) -> RowKey:
        self._measure_pending = True
        return super().add_row(*cells, **kwargs)  # type: ignore[arg-type]

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: object, **kwargs: object) -> None:
        self._measure_pending = True
        super().update_cell(row_key, column_key, value, **kwargs)  # type: ignore[arg-type]

    def clear(self, columns: bool = False) -> Self:
        self._measure_pending = True
        return super().clear(columns)

    def column_widths(self) -> tuple[int, ...]:
        """The drawn width of each column, padding included."""
        return tuple(column.get_render_width(self) for column in self.columns.values())

    def on_idle(self) -> None:
        # Textual calls a subclass's handler first: DataTable measures in its own Idle handler, right after this.
        if self._measure_pending:
            self._measure_pending = False
            self.call_later(self._redraw_if_measured, self.column_widths(), self.virtual_size)

    def _redraw_if_measured(self, before: tuple[int, ...], size_before: object) -> None:
        if self.column_widths() != before:
            self.notify_style_update()
        # The same race for a table sized by its rows (height: auto, the pipeline's stage totals): laid out before
        # the measurement, it kept the height of no rows, so its container is laid out again once they are measured.
        if self.virtual_size != size_before:
            self.refresh(layout=True)

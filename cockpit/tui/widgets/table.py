"""The DataTable every cockpit table derives from: Textual's own, with the cursor kept on its row across a refill."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

from textual.widgets import DataTable

#: Row keys of the rows that page a long table (Enter on them shows the previous or the next page); a data row's
#: key is an id, never these.
PREVIOUS_PAGE, NEXT_PAGE = "previous-page", "next-page"


class Table(DataTable):
    """A DataTable that knows the key under its cursor and keeps the cursor on its row when it is refilled."""

    _redraw_after_measure = False

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

    # WORKAROUND for Textual issue #3533 (open; still so in 8.2.8, tests/tui/test_table_widths.py checks both):
    # DataTable measures new rows on its next idle but caches drawn cells under an update count, not under the
    # column widths. After clear(columns=True) the columns are as wide as their labels; a frame drawn before that
    # idle caches the cells cut to those widths, and when the measured widths add up to the table's previous width
    # (a refill with the same data) nothing clears that cache: "Tea" stays for "Team total". So after such a refill
    # the table is redrawn once it has measured, through the public style-update hook that empties its caches.
    def clear(self, columns: bool = False) -> Self:
        if columns:
            self._redraw_after_measure = True
        return super().clear(columns)

    def on_idle(self) -> None:
        # Textual calls a subclass's handler first: DataTable measures in its own Idle handler, right after this.
        if self._redraw_after_measure:
            self._redraw_after_measure = False
            self.call_later(self.notify_style_update)

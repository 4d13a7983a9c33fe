"""The DataTable every cockpit table derives from: it repaints when its columns widen after a frame was drawn."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Table(DataTable):
    """A DataTable whose drawn lines never keep column widths that are out of date.

    DataTable measures the rows it was given on its next idle, but caches each drawn line and cell under its update
    count, not under the column widths. A frame drawn between ``add_row`` and that idle (the screen's first paint
    races with it at start-up) draws the columns at their header's width; the measurement then widens them without
    a new update count, so the cached narrow lines stay on screen ("Tea" for "Team total") until something else
    changes. Textual issue #3533 is the same bug seen through ``update_cell``.
    """

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if before != [column.content_width for column in self.columns.values()]:
            self._clear_caches()
            self.refresh()

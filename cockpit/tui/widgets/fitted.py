"""Rows cut to the width of their table: the least useful text is cut first, numbers never (see core.layout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from cockpit.core.layout import fit_widths
from cockpit.core.text import cell_width, truncate
from cockpit.tui.widgets.table import Table

#: DataTable's cell padding: one cell each side of every column.
CELL_PADDING = 2


@dataclass(frozen=True)
class Cut:
    """How a text column may be cut: down to ``minimum`` cells, the lowest ``rank`` first (account before title)."""

    minimum: int
    rank: int


def room_for(table: DataTable, rows: int, columns: int | None = None) -> int:
    """The cells a table's text may take: its width less each column's padding, less a vertical scrollbar when
    ``rows`` rows (and the header) are more than it shows, so the scrollbar never lies over a cell. ``columns``:
    how many it will have, when that is not how many it has now."""
    width = table.size.width or max(table.app.size.width - 2, 1)  # before the first layout: about the screen's
    if table.size.height and rows + int(table.show_header) > table.size.height:
        width -= table.styles.scrollbar_size_vertical
    return width - CELL_PADDING * (len(table.columns) if columns is None else columns)


def fit_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Text]], cuts: Sequence[Cut | None], room: int
) -> list[list[Text]]:
    """``rows`` with the text of the columns that ``cuts`` allows cut to fit ``room`` cells (each cut text ends in
    "…"). Columns without a :class:`Cut` (amounts, days) are shown whole."""
    header_widths = [cell_width(header) for header in headers]  # a column is never narrower than its header
    natural = list(header_widths)
    for row in rows:
        for index, cell in enumerate(row):
            natural[index] = max(natural[index], cell_width(cell.plain))
    minimum = [max(min(cut.minimum, natural[i]), header_widths[i]) if cut else natural[i] for i, cut in enumerate(cuts)]
    order = sorted((i for i, cut in enumerate(cuts) if cut), key=lambda i: cuts[i].rank)  # type: ignore[union-attr]
    widths = fit_widths(natural, minimum, order, room, header_widths)
    fitted = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            if cell_width(cell.plain) > widths[index]:
                cell = Text(truncate(cell.plain, widths[index]), style=cell.style, justify=cell.justify)
            cells.append(cell)
        fitted.append(cells)
    return fitted


class FittedTable(Table):
    """A table whose rows are added whole through :meth:`fill` and shown cut to its width (again on resize).

    ``CUTS`` says how each column may be cut (None: never)."""

    CUTS: tuple[Cut | None, ...] = ()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._whole: list[tuple[str | None, list[Text]]] = []  # the rows shown, whole
        self._room = 0  # the width they were cut to

    def fill(self, rows: list[tuple[str | None, list[Text]]]) -> None:
        """Show ``rows`` (key, cells) cut to the table's width: only the changed cells are redrawn when the rows and
        their widths are the same (see :meth:`Table.show_rows`), else the table is refilled with the cursor kept on
        its row."""
        self._whole = rows
        self._show_fitted()

    def _show_fitted(self) -> None:
        self._room = room_for(self, len(self._whole))
        headers = [column.label.plain for column in self.columns.values()]
        fitted = fit_rows(headers, [cells for _, cells in self._whole], self.CUTS, self._room)
        self.show_rows([(key, cells) for (key, _), cells in zip(self._whole, fitted, strict=True)], exact_widths=True)

    def on_resize(self) -> None:
        if self._whole and room_for(self, len(self._whole)) != self._room:
            self._show_fitted()

"""A table drawn as lines: a header line over a list of one-line rows with a cursor, where a changed row repaints
its own line only.

Textual 8.2.8's ``DataTable.update_cell`` repaints the whole table, and a refill (a row moved, added or gone)
does too: a colleague's stage move sent My day's whole open-deal box, ~6 KB at 120×40, for the one row on screen
that changed. Here each row is one :class:`LineItem` of a stock ``ListView`` (which keeps the cursor, scrolls to it
and says when a row is chosen); a refill writes each line's new text into the line at its place, so only the lines whose
text differs are repainted. Columns are as wide as their widest cell, text columns cut to the box's width by
:func:`~cockpit.tui.widgets.fitted.fit_rows` (numbers never), as the DataTable boxes' are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ListItem, ListView, Static

from cockpit.core.text import cell_width
from cockpit.tui.widgets.fitted import CELL_PADDING, Cut, fit_rows
from cockpit.tui.widgets.repaint import same_text, show_text
from cockpit.tui.widgets.table import show_position

Row = tuple[str | None, Sequence[Text]]  # (key, cells); a row without a key ("no open deals") is never chosen


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    right: bool = False  # numbers: right-aligned, header too


def line(cells: Sequence[Text], widths: Sequence[int]) -> Text:
    """One line of cells, each padded to its column's width (by its own justification) with a space either side,
    as a table draws them."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for cell, width in zip(cells, widths, strict=True):
        pad = " " * max(0, width - cell_width(cell.plain))
        out.append(" ")
        if cell.justify == "right":
            out.append(pad)
            out.append_text(cell)
        else:
            out.append_text(cell)
            out.append(pad)
        out.append(" ")
    return out


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Text]]) -> list[int]:
    """Each column as wide as its widest cell or its header."""
    return [max([cell_width(h), *(cell_width(cells[i].plain) for cells in rows)]) for i, h in enumerate(headers)]


def fitted_lines(
    columns: Sequence[Column], rows: Sequence[Sequence[Text]], cuts: Sequence[Cut | None], width: int
) -> tuple[Text, list[Text], list[int]]:
    """The header line and a line a row, in columns as wide as their widest cell, cut to ``width`` cells by
    :func:`~cockpit.tui.widgets.fitted.fit_rows` (0: not laid out yet, uncut); and the columns' widths."""
    headers = [c.label for c in columns]
    if width:
        rows = fit_rows(headers, rows, cuts, width - CELL_PADDING * len(headers))
    widths = column_widths(headers, rows)
    header = line([Text(c.label, justify="right" if c.right else "left") for c in columns], widths)
    return header, [line(row, widths) for row in rows], widths


def cells_of(text: str, widths: Sequence[int]) -> tuple[str, ...]:
    """The cells of a line drawn by :func:`line` at ``widths``, read back from its text by terminal cells (a wide
    character, as in 이서연, takes two)."""
    placed, at = [], 0  # (first cell, character)
    for char in text:
        placed.append((at, char))
        at += cell_width(char)
    cells, start = [], 0
    for width in widths:
        first, end = start + 1, start + 1 + width
        cells.append("".join(char for cell, char in placed if first <= cell < end).strip())
        start += width + CELL_PADDING
    return tuple(cells)


class LineItem(ListItem):
    """One row: a ListItem that draws its line itself (one widget a row, not a ListItem holding a Static: the
    screen's layouts, which a quick entry makes several of, walk every widget)."""

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text

    def render(self) -> Text:
        return self.text

    def show(self, text: Text) -> None:
        """Draw ``text`` when it differs from the line's (a repaint of this row; it stays one row high)."""
        if not same_text(self.text, text):
            self.text = text
            self.refresh()


class LineRows(ListView):
    """The rows of a :class:`LineTable`, one :class:`LineItem` each; the keys a DataTable's row cursor has."""

    BINDINGS = [
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]
    DEFAULT_CSS = """
    LineRows { height: 1fr; scrollbar-size-vertical: 0; }
    LineRows > LineItem { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def on_resize(self) -> None:
        # The rows' own size: the width the lines are cut to, and how many show (the box's size may not change).
        if isinstance(self.parent, LineTable):
            self.parent.fit()

    def action_first(self) -> None:
        self.index = 0

    def action_last(self) -> None:
        self.index = len(self) - 1

    def action_page(self, direction: int) -> None:
        if self.index is not None:
            self.index = self.index + direction * max(self.scrollable_content_region.height, 1)


class LineTable(Vertical):
    """A header line and :class:`LineRows` under it: :meth:`fill` shows rows cut to the width, writing only the lines
    whose text changed; the cursor stays on its row's key across a refill. The box's bottom border says where the
    shown rows are ("3-16 of 41") while they do not all fit: it has no scrollbar.

    Subclasses give ``COLUMNS`` and ``CUTS`` (how each text column may be cut; None: never)."""

    COLUMNS: tuple[Column, ...] = ()
    CUTS: tuple[Cut | None, ...] = ()
    DEFAULT_CSS = """
    LineTable { background: $surface; }
    LineTable > .line-header {
        height: 1; text-style: bold; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    class RowSelected(Message):
        """Enter (or a click) on a row that has a key."""

        def __init__(self, table: LineTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._whole: list[Row] = []  # the rows as given, uncut
        self._keys: list[str | None] = []  # the key of each line shown
        self._widths: list[int] = []  # each column's width as drawn

    def compose(self) -> ComposeResult:
        yield Static(classes="line-header")
        yield LineRows()

    def on_mount(self) -> None:
        rows = self.query_one(LineRows)
        self.watch(rows, "scroll_y", self._show_position, init=False)
        self.watch(rows, "virtual_size", self._show_position, init=False)

    @property
    def rows_view(self) -> LineRows:
        return self.query_one(LineRows)

    def on_descendant_focus(self) -> None:
        # Focus scrolls a stacked (narrow) screen to the rows; the box's title and header belong with them.
        self.call_after_refresh(self.scroll_visible, animate=False)

    def focus(self, scroll_visible: bool = True) -> Self:
        """Focus the rows (the box itself takes no keys)."""
        self.rows_view.focus(scroll_visible)
        return self

    # ------------------------------------------------------------------------------------------ what it shows

    @property
    def keys(self) -> tuple[str | None, ...]:
        return tuple(self._keys)

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int | None:
        return self.rows_view.index

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None when there is none, or it is a row without a key)."""
        index = self.rows_view.index
        return self._keys[index] if index is not None and 0 <= index < len(self._keys) else None

    def move_cursor_to(self, key: str) -> bool:
        """Put the cursor on ``key``'s row; False when no row has it."""
        if key not in self._keys:
            return False
        self.rows_view.index = self._keys.index(key)
        return True

    def row(self, key: str) -> tuple[str, ...]:
        """The cells of ``key``'s row as drawn (read back from its line)."""
        return cells_of(self._items()[self._keys.index(key)].text.plain, self._widths)

    # ------------------------------------------------------------------------------------------ drawing

    def fill(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` (key, cells), cut to the box's width, each line written only when its text changed."""
        self._whole = [(key, list(cells)) for key, cells in rows]
        self._draw()

    def fit(self) -> None:
        """Draw the rows again at the rows' width and say where they are (on a resize of the rows)."""
        self._draw()
        self._show_position()

    def _draw(self) -> None:
        width = self.rows_view.scrollable_content_region.width
        header, texts, self._widths = fitted_lines(self.COLUMNS, [c for _, c in self._whole], self.CUTS, width)
        show_text(self.query_one(".line-header", Static), header)
        keys = [key for key, _ in self._whole]
        view = self.rows_view
        kept_key, kept_row = self.cursor_key, view.index
        shown = self._items()
        with self.app.batch_update():
            for item, text in zip(shown, texts, strict=False):
                item.show(text)
            if len(texts) > len(shown):
                view.extend(LineItem(text) for text in texts[len(shown) :])
            for item in list(view.children)[len(texts) :]:
                item.remove()
            self._keys = keys
            # The cursor stays on its row's key; when that row left (a deal won) at its place, on the row that took it.
            if kept_key is not None and kept_key in keys:
                view.index = keys.index(kept_key)
            elif keys:
                view.index = min(kept_row if kept_row is not None else 0, len(keys) - 1)

    def _items(self) -> list[LineItem]:
        return [item for item in self.rows_view.children if isinstance(item, LineItem)]

    def _show_position(self) -> None:
        view = self.rows_view
        show_position(self, view.scroll_y, view.scrollable_content_region.height, len(self._keys))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        key = self._keys[event.index] if 0 <= event.index < len(self._keys) else None
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()


def line_table_of(widget: Widget | None) -> LineTable | None:
    """The :class:`LineTable` whose rows ``widget`` is (the focused widget of a screen), if it is one."""
    if isinstance(widget, LineRows) and isinstance(widget.parent, LineTable):
        return widget.parent
    return None

"""Rep scorecards: one row per rep and a team total row, sortable by any column from the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from cockpit.core.kpi import Dashboard, KpiRow
from cockpit.core.preferences import DEFAULT_COLUMNS, SCORECARD_COLUMNS, fit_columns, ordered
from cockpit.core.report import cohort_values, display_value
from cockpit.core.text import cell_width, clean
from cockpit.core.views import Cohorts, page_start, window_short
from cockpit.tui.widgets.table import NEXT_PAGE, PREVIOUS_PAGE, Table

#: Each column's header (the catalogue, its order and what each means are in cockpit.core.preferences). The
#: cohort's conversion ("Conv coh"), how many of its opportunities are closed by now ("Closed"), and the conversion
#: of the last closed window the plan uses ("Conv 3mo" for a month): a young cohort converts little because its
#: deals are still open.
HEADERS: dict[str, str] = {column.key: column.header for column in SCORECARD_COLUMNS}
#: (column key, header) of the columns shown to a user who chose none.
SCORE_COLUMNS: tuple[tuple[str, str], ...] = tuple((key, HEADERS[key]) for key in DEFAULT_COLUMNS)
#: DataTable's cell padding: one cell each side of every column.
CELL_PADDING = 2
#: The values of these columns are not KPIs of the dashboard: read beside it (see Scorecards._value).
_COHORT_COLUMNS = frozenset({"cohort_maturity", "window_conversion_rate"})
TEAM_KEY = "team"
#: Reps on one page of the scorecards: a table never holds more than a few screenfuls (200 reps made every start
#: build 2,200 cells, ~6 ms of the first frame at L, for rows nobody scrolls to); Enter on "↓ N more" pages on.
REPS_PAGE = 50


def sort_rows(
    rows: list[KpiRow], column: str, reverse: bool, value: Callable[[KpiRow, str], Any] | None = None
) -> list[KpiRow]:
    """Rows sorted by a KPI (largest first unless reversed) or by name; ties by name; empty values always last.

    ``value(row, column)`` reads a row's value (default: its KPI value)."""
    if column == "rep":
        return sorted(rows, key=lambda r: (r.rep or "").casefold(), reverse=reverse)
    get = value or (lambda r, c: r.values[c])
    present = [r for r in rows if get(r, column) is not None]
    missing = [r for r in rows if get(r, column) is None]
    # Ties by name A to Z in either direction (two stable sorts: by name, then by the value).
    present.sort(key=lambda r: (r.rep or "").casefold())
    present.sort(key=lambda r: get(r, column), reverse=not reverse)
    return present + missing


class Scorecards(Table):
    """Per-rep scorecards with a team total row; `s` cycles the sort column, `S` reverses, Enter drills down.

    The columns are the user's choice (:meth:`choose_columns`), in priority order; those that do not fit the width
    are left out, least important first, and said so (``ColumnsFitted``): a table wider than its pane would be
    scrolled sideways under the names, its scrollbar drawn over the last row.

    More than REPS_PAGE reps are shown a page at a time, in the sort order: the last row says how many more there
    are and Enter on it shows the next page; past the first page, the row under the team total goes back. The rep
    under the cursor is followed across pages when a sort or a refresh moves it."""

    BINDINGS = [
        Binding("s", "sort_next", "Sort by", id="sort_next", show=False),  # the pane's title says "s sort"
        Binding("S", "sort_reverse", "Reverse sort", id="sort_reverse", show=False),
    ]

    sort_column: reactive[str] = reactive("revenue")
    """The KPI (or "rep") the rows are sorted by."""

    sort_reverse: reactive[bool] = reactive(False)
    """False: largest first (names A to Z); True: the other way."""

    class ColumnsFitted(Message):
        """The chosen columns that do not fit the width now (none: every chosen column shows)."""

        def __init__(self, hidden: tuple[str, ...]) -> None:
            self.hidden = hidden
            super().__init__()

    class RepChosen(Message):
        """Enter on a rep's row."""

        def __init__(self, rep_id: int) -> None:
            self.rep_id = rep_id
            super().__init__()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            cursor_type="row",
            fixed_columns=1,
            zebra_stripes=True,
            **kwargs,  # type: ignore[arg-type]
        )
        self._dash: Dashboard | None = None
        self._paces: dict[int | None, float | None] = {}  # rep id (None: the team) -> expected attainment
        self._cohorts: Cohorts | None = None
        self._currency = "USD"
        self._layout: tuple[str, bool, list[str]] | None = None  # sort and row order of what is shown
        self._rows: list[tuple[str, list[Text]]] = []
        self._made: dict[str, tuple[tuple[object, ...], list[Text]]] = {}  # row key -> (what it shows, its cells)
        self._chosen: tuple[str, ...] = DEFAULT_COLUMNS  # the user's columns, in priority order
        self.shown_columns: tuple[str, ...] = ()
        """The chosen columns shown (those that fit the width)."""
        self.hidden_columns: tuple[str, ...] = ()
        """The chosen columns left out for want of width."""
        self._offset = 0  # reps before the page shown, in the sort order
        self._room = 0  # the width the columns were last fitted to

    @property
    def chosen(self) -> tuple[str, ...]:
        """The columns the user chose, in priority order."""
        return self._chosen

    def choose_columns(self, keys: tuple[str, ...] | list[str]) -> None:
        """Show these columns (in priority order, as many as fit); the sort falls back to revenue (or the names)
        when its column is no longer chosen."""
        self._chosen = ordered(keys)
        self._layout = None
        if self.sort_column != "rep" and self.sort_column not in self._chosen:
            # set_reactive: the one rebuild below, not one more from the watcher
            self.set_reactive(Scorecards.sort_column, "revenue" if "revenue" in self._chosen else "rep")
        self._rebuild()

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        self.clear(columns=True)
        self._layout, self._rows = None, []  # nothing shown: the next rebuild adds every row
        self.fixed_rows = 0  # DataTable cannot draw a fixed row of an empty table
        for key in ["rep", *self.shown_columns]:
            self.add_column(Text(self._header(key), justify="left" if key == "rep" else "right"), key=key)

    def _header(self, key: str) -> str:
        """A column's header with the sort mark; the last closed window's says which window ("Conv 3mo")."""
        label = "Rep" if key == "rep" else HEADERS[key]
        if key == "window_conversion_rate" and self._dash is not None:
            label = f"Conv {window_short(self._dash.period)}"
        if key == self.sort_column:
            label += "▲" if (self.sort_reverse != (key == "rep")) else "▼"
        return label

    def _width_for_columns(self, rows: int) -> int:
        """The cells the columns of ``rows`` rows may take: the table's width, less a vertical scrollbar when the
        rows (and the header) need one."""
        width = self.size.width or max(self.app.size.width - 2, 1)  # before the first layout: the pane's
        if self.size.height and rows + 1 > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        return width

    def _fit(self, name_width: int, rows: list[tuple[str, KpiRow]], count: int) -> tuple[str, ...]:
        """The chosen columns that fit beside the names, most important first (the values of ``rows`` measured;
        ``count`` rows shown in all)."""
        widths = {}
        for key in self._chosen:
            texts = [display_value(key, self._value(row, key), self._currency) for _, row in rows]
            widths[key] = max(cell_width(self._header(key)), *map(cell_width, texts)) + CELL_PADDING
        self._room = self._width_for_columns(count)
        visible, hidden = fit_columns(self._chosen, widths, self._room - name_width)
        if hidden != self.hidden_columns:
            self.hidden_columns = hidden
            self.post_message(self.ColumnsFitted(hidden))
        return visible

    def on_resize(self) -> None:
        if self._dash is not None and self._width_for_columns(len(self._rows)) != self._room:
            self._rebuild()

    def show(
        self,
        dash: Dashboard,
        currency: str,
        paces: dict[int | None, float | None] | None = None,
        cohorts: Cohorts | None = None,
    ) -> None:
        """Render a dashboard; ``paces`` (rep id, None for the team → expected attainment) fills the Pace column,
        ``cohorts`` the cohort's Closed share and the last closed window's conversion."""
        if self._dash is not None and self._dash.team_filter != dash.team_filter:
            self._offset = 0  # another team: its first page (or the page of the rep under the cursor, if in it)
        window_changed = self._dash is None or window_short(self._dash.period) != window_short(dash.period)
        # Pace is not a KPI of the dashboard: read beside each row's values (see _value), not copied into 200 rows.
        self._dash, self._paces, self._cohorts = dash, paces or {}, cohorts
        self._currency = currency
        if window_changed:
            self._layout = None  # the window column's header changes: the next rebuild adds the columns again
        self._rebuild()

    def _value(self, row: KpiRow, key: str) -> Any:
        """A cell's value: the row's KPI, or its pace or cohort values (not KPIs of the dashboard)."""
        if key == "pace":
            return self._paces.get(None if row.scope == "team" else row.rep_id)
        if key in _COHORT_COLUMNS:
            if self._cohorts is None:
                return None
            cohort = self._cohorts.team if row.scope == "team" else self._cohorts.reps.get(row.rep_id)  # type: ignore[arg-type]
            return cohort_values(cohort)[key]
        return row.values[key]

    def ordered_rep_ids(self) -> list[int]:
        """Rep ids in the order shown, on the page shown (for tests and the `v` key)."""
        return [int(k.value) for k in self.rows if k.value not in (TEAM_KEY, PREVIOUS_PAGE, NEXT_PAGE)]  # type: ignore[arg-type]

    def _rebuild(self, *, follow: bool = True) -> None:
        """Show the current page; with ``follow``, the page of the rep under the cursor, wherever it went."""
        if self._dash is None:
            return
        team = self._dash.team
        label = "Team total" if not self._dash.team_filter else f"{clean(self._dash.team_filter, max_len=14)} total"
        current = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value if self.row_count else None
        ordered = sort_rows(list(self._dash.reps), self.sort_column, self.sort_reverse, self._value)
        keys = [str(row.rep_id) for row in ordered]
        if follow and current in keys:
            self._offset = keys.index(current) // REPS_PAGE * REPS_PAGE  # type: ignore[arg-type]
        self._offset = page_start(self._offset, len(ordered), REPS_PAGE)
        page = ordered[self._offset : self._offset + REPS_PAGE]
        more = len(ordered) - self._offset - len(page)
        # Cells are made again only for rows whose numbers changed (11 Texts a row), and an unchanged row keeps
        # its cell objects, which the table's drawn-cell cache recognises.
        made, self._made = self._made, {}
        # The team total is the first row, pinned: with 200 reps it stays on screen, whatever the sort.
        named = [(label, team), *((clean(row.rep or "", max_len=24), row) for row in page)]
        before = f"↑ {self._offset} before (Enter)" if self._offset else ""
        after = f"↓ {more} more (Enter)" if more > 0 else ""
        name_width = max(cell_width(text) for text in [self._header("rep"), before, after, *(n for n, _ in named)])
        self.shown_columns = self._fit(name_width + CELL_PADDING, named, len(named) + bool(before) + bool(after))
        rows = [(TEAM_KEY, self._row_cells(made, TEAM_KEY, label, team, bold=True))]
        if self._offset:
            rows.append((PREVIOUS_PAGE, self._paging_cells(before)))
        for name, row in named[1:]:
            key = str(row.rep_id)
            rows.append((key, self._row_cells(made, key, name, row)))
        if more > 0:
            rows.append((NEXT_PAGE, self._paging_cells(after)))
        layout = (self.sort_column, self.sort_reverse, [key for key, _ in rows], self.shown_columns)
        if layout == self._layout:
            # Same rows in the same order (a live refresh after somebody logged a call): change only the cells
            # that differ, so the terminal gets those cells and not the whole table again.
            # A longer name or a wider number widens its column (the table repaints only then).
            for (key, cells), (_, old) in zip(rows, self._rows, strict=True):
                if cells is not old:  # rows built again only for the reps whose numbers moved
                    self.update_changed_cells(key, cells, update_width=True)
            self._rows = rows
            return
        keep = self.cursor_row
        self._add_columns()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self.fixed_rows = 1  # the team total stays on screen while scrolling through the page
        self._layout, self._rows = layout, rows
        if follow and current is not None and current in {k.value for k in self.rows}:
            self.move_cursor(row=self.get_row_index(current))
        elif not follow:
            self.move_cursor(row=2 if self._offset else 1)  # the page's first rep, not a paging row
        else:
            self.move_cursor(row=min(keep, self.row_count - 1))

    def _paging_cells(self, label: str) -> list[Text]:
        # Row objects of their own each time (not cached): the label changes with the page and the rep count.
        return [Text(label, style="italic"), *(Text("") for _ in self.shown_columns)]

    def _row_cells(
        self,
        made: dict[str, tuple[tuple[object, ...], list[Text]]],
        key: str,
        name: str,
        row: KpiRow,
        *,
        bold: bool = False,
    ) -> list[Text]:
        """The cells of one row: those ``made`` last time when its name and numbers are the same."""
        columns = self.shown_columns
        shown = (name, self._currency, bold, columns, *(self._value(row, column) for column in columns))
        previous = made.get(key)
        cells = previous[1] if previous is not None and previous[0] == shown else self._cells(name, row, bold=bold)
        self._made[key] = (shown, cells)
        return cells

    def _cells(self, name: str, row: KpiRow, *, bold: bool = False) -> list[Text]:
        style = "bold" if bold else ""
        cells = [Text(name, style=style)]
        for key in self.shown_columns:
            cells.append(Text(display_value(key, self._value(row, key), self._currency), style=style, justify="right"))
        return cells

    def action_sort_next(self) -> None:
        keys = ["rep", *self.shown_columns]
        if self.sort_column not in keys:
            keys.insert(1, self.sort_column)  # sorted by a column cut for width: the next is the first shown
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse

    def watch_sort_column(self) -> None:
        self._rebuild()

    def watch_sort_reverse(self) -> None:
        self._rebuild()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key in (PREVIOUS_PAGE, NEXT_PAGE):
            self._offset = max(0, self._offset + (REPS_PAGE if key == NEXT_PAGE else -REPS_PAGE))
            self._rebuild(follow=False)
        elif key != TEAM_KEY:
            self.post_message(self.RepChosen(int(key)))  # type: ignore[arg-type]

    def selected_rep_id(self) -> int | None:
        """The rep under the cursor, or None on the team row / before data."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key in (TEAM_KEY, PREVIOUS_PAGE, NEXT_PAGE) else int(key)  # type: ignore[arg-type]

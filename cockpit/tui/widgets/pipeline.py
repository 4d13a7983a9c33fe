"""The pipeline pane: the stages of the pipeline at the period's end (open now for the running period) with count,
value and weighted value, as the pipeline KPIs count them; the selected stage's deals open now, idlest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape as escape_markup
from textual.message import Message
from textual.widgets import DataTable

from cockpit.core.parse import format_money
from cockpit.core.text import cell_width, clean, truncate
from cockpit.core.views import PAGE_SIZE, DealPage, IdleDeal, PipelineAt
from cockpit.tui.widgets.fitted import Cut, fit_rows, room_for
from cockpit.tui.widgets.table import NEXT_PAGE, PREVIOUS_PAGE, Table


def money(minor: int, currency: str) -> Text:
    return Text(format_money(minor, currency, compact=True), justify="right")


class StageTable(Table):
    """One column per open stage (and the total) with its deals, value and weighted value at a moment (the period's
    end); ←/→ choose the stage whose deals the list below shows. The total is the pipeline KPIs' value."""

    ROWS = (("count", "Deals"), ("value", "Value"), ("weighted", "Weighted"))
    TOTAL = ""  # the column key of the total

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="column", fixed_columns=1, **kwargs)  # type: ignore[arg-type]
        self._stages: tuple[str, ...] = ()
        self._currency = "USD"
        self._width = 0  # the width the stage names were cut for
        self.pipeline: PipelineAt | None = None
        """What the table shows (None before data): the figures a test compares with the report."""

    def show(self, pipeline: PipelineAt, currency: str) -> None:
        current = self.current_stage()
        self.pipeline, self._currency = pipeline, currency
        stages = pipeline.stages
        # The KPI's totals: its weighted value rounds the sum once, not the sum of the stages' rounded values.
        totals = {"count": pipeline.count, "value": pipeline.value, "weighted": pipeline.weighted}
        rows = [
            [Text(label), *(self._cell(key, getattr(s, key), currency) for s in stages)]
            + [self._cell(key, totals[key], currency, bold=True)]
            for key, label in self.ROWS
        ]
        # Every column whole in the table's width when it can be: the stage names cut to make room, not the numbers.
        self._width = self.size.width
        label = max(cell_width(row[0].plain) for row in rows)
        total = max(cell_width("Total"), *(cell_width(row[-1].plain) for row in rows))
        room = room_for(self, len(rows), columns=len(stages) + 2) - label - total
        headers = fitted_headers([clean(s.stage) for s in stages], [row[1:-1] for row in rows], room)
        self.clear(columns=True)
        self.add_column("", key="label")
        for s, header in zip(stages, headers, strict=True):
            self.add_column(Text(header, justify="right"), key=s.stage)
        self.add_column(Text("Total", justify="right", style="bold"), key=self.TOTAL)
        self._stages = tuple(s.stage for s in stages)
        for (key, _label), cells in zip(self.ROWS, rows, strict=True):
            self.add_row(*cells, key=key)
        column = self._stages.index(current) + 1 if current in self._stages else 1
        self.move_cursor(column=min(column, len(self.columns) - 1))

    def on_resize(self) -> None:
        """Narrower or wider: the stage names cut again to the new width."""
        if self.pipeline is not None and self.size.width != self._width:
            self.show(self.pipeline, self._currency)

    @staticmethod
    def _cell(key: str, value: int, currency: str, *, bold: bool = False) -> Text:
        text = f"{value:,}" if key == "count" else format_money(value, currency, compact=True)
        return Text(text, justify="right", style="bold" if bold else "")

    def current_stage(self) -> str | None:
        """The stage under the cursor (None on the label or total column, or before data)."""
        if not self.row_count:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).column_key.value
        return value if value in self._stages else None

    def value(self, stage: str, row: str) -> str:
        """The text of one cell (for tests): row is count, value or weighted; stage ``TOTAL`` ("") the total."""
        return self.get_cell(row, stage).plain


def fitted_headers(headers: list[str], columns: list[list[Text]], room: int) -> list[str]:
    """Stage names cut ("negot…") so that their columns fit ``room`` cells; a name is never cut narrower than its
    column's numbers, so the numbers always show whole (with too many stages the table still scrolls sideways).
    ``columns`` holds each stage's cells, row by row."""
    numbers = [max((cell_width(row[i].plain) for row in columns), default=0) for i in range(len(headers))]
    widths = [max(cell_width(h), n) for h, n in zip(headers, numbers, strict=True)]
    while sum(widths) > room:
        # The widest name that is still wider than its numbers loses a cell.
        wider = [i for i, h in enumerate(headers) if widths[i] > max(numbers[i], 4) and cell_width(h) >= widths[i]]
        if not wider:
            break
        widest = max(wider, key=lambda i: widths[i])
        widths[widest] -= 1
    return [truncate(h, w) for h, w in zip(headers, widths, strict=True)]


class DealTable(Table):
    """Deals of one stage, longest-idle first; `STALE` marks deals idle longer than the configured days.

    A long stage shows one page: its last row says how many more there are, and Enter on it asks for the next page
    (``PageRequested(+1)``); past the first page, the first row does the same for the previous one."""

    class DealChosen(Message):
        """Enter on a deal."""

        def __init__(self, deal: IdleDeal) -> None:
            self.deal = deal
            super().__init__()

    class PageRequested(Message):
        """Enter on a paging row: ``step`` is +1 (the next page) or -1 (the previous one)."""

        def __init__(self, step: int) -> None:
            self.step = step
            super().__init__()

    def __init__(
        self, *, show_stage: bool = False, show_rep: bool = True, title_len: int = 60, **kwargs: object
    ) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.show_stage = show_stage
        self.show_rep = show_rep  # not in one rep's drill-down, where every deal is theirs
        self.title_len = title_len  # titles longer than this are cut with an ellipsis (and shorter to fit the width)
        self._page_rows: list[tuple[str, list[Text]]] = []  # the rows shown, whole (cut again to each new width)
        self._room = 0  # the width they were cut to
        self._deals: dict[str, IdleDeal] = {}
        self._before = 0  # deals before the page shown
        self._of: object = None  # the list shown (a stage)

    def on_mount(self) -> None:
        self.add_column(Text("Idle", justify="right"), key="idle")
        self.add_column("Deal", key="deal")
        # The amount before the names: a narrow box cuts the columns on the right, and the money matters most.
        self.add_column(Text("Amount", justify="right"), key="amount")
        if self.show_stage:
            self.add_column("Stage", key="stage")
        if self.show_rep:
            self.add_column("Rep", key="rep")
        self.add_column("Account", key="account")

    def _cuts(self) -> list[Cut | None]:
        """How each column may be cut to fit: the account first, then the rep's name, the title, the stage last;
        days and amounts never."""
        cuts: list[Cut | None] = [None, Cut(14, 3), None]
        if self.show_stage:
            cuts.append(Cut(8, 4))
        if self.show_rep:
            cuts.append(Cut(8, 2))
        return [*cuts, Cut(8, 1)]

    def _add_fitted(self) -> None:
        """Add the page's rows, their text cut to the table's width (a wider table scrolled sideways under its
        scrollbar, and every column right of the cut was out of sight)."""
        self.reset_widths()
        self._room = room_for(self, len(self._page_rows))
        headers = [column.label.plain for column in self.columns.values()]
        fitted = fit_rows(headers, [cells for _, cells in self._page_rows], self._cuts(), self._room)
        for (key, _), cells in zip(self._page_rows, fitted, strict=True):
            self.add_row(*cells, key=key)

    def on_resize(self) -> None:
        if self._page_rows and room_for(self, len(self._page_rows)) != self._room:
            with self.refilling():
                self._add_fitted()

    def show(
        self, deals: tuple[IdleDeal, ...], currency: str, *, more: int = 0, before: int = 0, of: object = None
    ) -> None:
        """Show ``deals`` of the list ``of`` (a stage); ``before`` deals come before them (a previous page), ``more``
        after.

        On the same page of the same list (a live refresh, a write), the cursor stays on its deal while it is still
        listed, else at its place (the deal that took it); on another page or list it goes to the first deal."""
        same_page = before == self._before and of == self._of
        current, row = self.cursor_key, self.cursor_row
        self._before, self._of = before, of
        self.clear()
        self._deals = {}
        rows = self._page_rows = []
        blank = [Text("")] * (len(self.columns) - 2)
        if before > 0:
            label = f"↑ {before} before (Enter: previous page)"
            rows.append((PREVIOUS_PAGE, [Text(""), Text(label, style="italic"), *blank]))
        for d in deals:
            idle = Text(f"{d.idle_days}d", justify="right")
            if d.stale:
                idle = Text(f"STALE {d.idle_days}d", justify="right", style="bold")
            cells = [idle, Text(clean(d.title, max_len=self.title_len)), money(d.amount, currency)]
            if self.show_stage:
                cells.append(Text(clean(d.stage)))
            if self.show_rep:
                cells.append(Text(clean(d.rep, max_len=24)))
            cells.append(Text(clean(d.account, max_len=40)))
            rows.append((str(d.id), cells))
            self._deals[str(d.id)] = d
        if more > 0:
            rows.append((NEXT_PAGE, [Text(""), Text(f"… {more} more (Enter: next page)", style="italic"), *blank]))
        self._add_fitted()
        first = 1 if before > 0 else 0  # the page's first deal, not the paging row
        last = first + len(deals) - 1
        if same_page and current is not None and current in self.rows:
            self.move_cursor(row=self.get_row_index(current))
        elif same_page and current is not None and deals:
            self.move_cursor(row=min(max(row, first), last))  # its deal left (won): the one that took its place
        elif before > 0 and deals:
            self.move_cursor(row=first)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value in (PREVIOUS_PAGE, NEXT_PAGE):
            self.post_message(self.PageRequested(1 if event.row_key.value == NEXT_PAGE else -1))
            return
        deal = self._deals.get(str(event.row_key.value))
        if deal is not None:
            self.post_message(self.DealChosen(deal))


class PipelineView(Vertical):
    """Stages above, the highlighted stage's deals below."""

    class DealsPaged(Message):
        """The deal list of ``stage`` should start at its ``offset``-th deal."""

        def __init__(self, stage: str, offset: int) -> None:
            self.stage = stage
            self.offset = offset
            super().__init__()

    class DealsTitled(Message):
        """The deal list shows another list: ``title`` says which (the pane around it shows it, the list having
        no border of its own where lines are scarce)."""

        def __init__(self, title: str) -> None:
            self.title = title
            super().__init__()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._pages: dict[str, DealPage] = {}
        self._currency = "USD"
        # What the deal list shows: the stage table's cursor settles (ColumnHighlighted) after each show, and the
        # same list drawn again was ~6 KB down the wire at every start and refresh.
        self._deals_shown: tuple[str | None, DealPage | None, str] | None = None

    def compose(self) -> ComposeResult:
        yield StageTable(id="stages")
        yield DealTable(id="deals")

    def show(self, pipeline: PipelineAt, pages: tuple[DealPage, ...], currency: str) -> None:
        """The stages of ``pipeline`` (at the period's end) above, each stage's deals open now (``pages``) below."""
        self._pages = {p.stage: p for p in pages}
        self._currency = currency
        self.query_one(StageTable).show(pipeline, currency)
        self._show_deals()

    def _show_deals(self) -> None:
        stage = self.query_one(StageTable).current_stage()
        page = self._pages.get(stage or "")
        shown = (stage, page, self._currency)
        if shown == self._deals_shown:
            return
        self._deals_shown = shown
        table = self.query_one(DealTable)
        if page is None:
            table.show((), self._currency)
            self._title(table, "Open deals now")
            return
        more = page.total - len(page.deals) - page.offset
        table.show(page.deals, self._currency, more=more, before=page.offset, of=page.stage)
        # A border title is markup: a stage named "[b]hot" (from a config file) must show as written. The list is
        # what is open now (what a user advances, wins or loses), whatever the period the stages above show.
        title = f"{escape_markup(clean(page.stage))}: open deals now, idlest first"
        if page.total > len(page.deals):
            title += f" · {page.offset + 1}–{page.offset + len(page.deals)} of {page.total:,}"
        self._title(table, title)

    def _title(self, table: DealTable, title: str) -> None:
        table.border_title = title
        self.post_message(self.DealsTitled(title))

    def on_deal_table_page_requested(self, message: DealTable.PageRequested) -> None:
        message.stop()
        page = self._pages.get(self.query_one(StageTable).current_stage() or "")
        if page is not None:
            offset = max(0, page.offset + message.step * PAGE_SIZE)
            self.post_message(self.DealsPaged(page.stage, offset))

    def on_data_table_column_highlighted(self, event: DataTable.ColumnHighlighted) -> None:
        if isinstance(event.data_table, StageTable):
            self._show_deals()

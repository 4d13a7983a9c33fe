"""The pipeline pane: open stages with count, value and weighted value; the selected stage's deals, idlest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from cockpit.parse import format_money
from cockpit.text import clean
from cockpit.views import DealPage, IdleDeal, StageSummary
from cockpit.widgets.table import Table


def money(minor: int, currency: str) -> Text:
    return Text(format_money(minor, currency, compact=True), justify="right")


class StageTable(Table):
    """One column per open stage (and the open total) with its deals, value and weighted value; ←/→ choose the
    stage whose deals the list below shows."""

    ROWS = (("count", "Deals"), ("value", "Value"), ("weighted", "Weighted"))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="column", fixed_columns=1, **kwargs)  # type: ignore[arg-type]
        self._stages: tuple[str, ...] = ()

    def show(self, stages: tuple[StageSummary, ...], currency: str) -> None:
        current = self.current_stage()
        self.clear(columns=True)
        self.add_column("", key="label")
        for s in stages:
            self.add_column(Text(clean(s.stage), justify="right"), key=s.stage)
        self.add_column(Text("Total", justify="right", style="bold"), key="")
        self._stages = tuple(s.stage for s in stages)
        totals = {
            "count": sum(s.count for s in stages),
            "value": sum(s.value for s in stages),
            "weighted": sum(s.weighted for s in stages),
        }
        for key, label in self.ROWS:
            cells = [Text(label)]
            for s in stages:
                cells.append(self._cell(key, getattr(s, key), currency))
            cells.append(self._cell(key, totals[key], currency, bold=True))
            self.add_row(*cells, key=key)
        column = self._stages.index(current) + 1 if current in self._stages else 1
        self.move_cursor(column=min(column, len(self.columns) - 1))

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
        """The text of one cell (for tests): row is count, value or weighted."""
        return self.get_cell(row, stage).plain


class DealTable(Table):
    """Deals of one stage, longest-idle first; `STALE` marks deals idle longer than the configured days."""

    class DealChosen(Message):
        """Enter on a deal."""

        def __init__(self, deal: IdleDeal) -> None:
            self.deal = deal
            super().__init__()

    def __init__(self, *, show_stage: bool = False, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.show_stage = show_stage
        self._deals: dict[str, IdleDeal] = {}

    def on_mount(self) -> None:
        self.add_column(Text("Idle", justify="right"), key="idle")
        self.add_column("Deal", key="deal")
        if self.show_stage:
            self.add_column("Stage", key="stage")
        self.add_column("Account", key="account")
        self.add_column("Rep", key="rep")
        self.add_column(Text("Amount", justify="right"), key="amount")

    def show(self, deals: tuple[IdleDeal, ...], currency: str, *, more: int = 0) -> None:
        self.clear()
        self._deals = {}
        for d in deals:
            idle = Text(f"{d.idle_days}d", justify="right")
            if d.stale:
                idle = Text(f"STALE {d.idle_days}d", justify="right", style="bold")
            cells = [idle, Text(clean(d.title, max_len=32))]
            if self.show_stage:
                cells.append(Text(clean(d.stage)))
            cells += [Text(clean(d.account, max_len=24)), Text(clean(d.rep, max_len=18)), money(d.amount, currency)]
            self.add_row(*cells, key=str(d.id))
            self._deals[str(d.id)] = d
        if more > 0:
            self.add_row(Text(""), Text(f"… {more} more", style="italic"), *[Text("")] * (len(self.columns) - 2))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        deal = self._deals.get(str(event.row_key.value))
        if deal is not None:
            self.post_message(self.DealChosen(deal))


class PipelineView(Vertical):
    """Stages above, the highlighted stage's deals below."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._pages: dict[str, DealPage] = {}
        self._currency = "USD"

    def compose(self) -> ComposeResult:
        yield StageTable(id="stages")
        yield DealTable(id="deals")

    def show(self, stages: tuple[StageSummary, ...], pages: tuple[DealPage, ...], currency: str) -> None:
        self._pages = {p.stage: p for p in pages}
        self._currency = currency
        self.query_one(StageTable).show(stages, currency)
        self._show_deals()

    def _show_deals(self) -> None:
        stage = self.query_one(StageTable).current_stage()
        page = self._pages.get(stage or "")
        table = self.query_one(DealTable)
        if page is None:
            table.show((), self._currency)
            table.border_title = "Deals"
            return
        table.show(page.deals, self._currency, more=page.total - len(page.deals) - page.offset)
        table.border_title = f"{clean(page.stage)}: idlest first"

    def on_data_table_column_highlighted(self, event: DataTable.ColumnHighlighted) -> None:
        if isinstance(event.data_table, StageTable):
            self._show_deals()

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


def money(minor: int, currency: str) -> Text:
    return Text(format_money(minor, currency, compact=True), justify="right")


class StageTable(DataTable):
    """One row per open stage: deals, value, weighted value; the highlighted stage fills the deal list."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.add_column("Stage", key="stage")
        self.add_column(Text("Deals", justify="right"), key="count")
        self.add_column(Text("Value", justify="right"), key="value")
        self.add_column(Text("Weighted", justify="right"), key="weighted")

    def show(self, stages: tuple[StageSummary, ...], currency: str) -> None:
        current = self.current_stage()
        self.clear()
        total = [0, 0, 0]
        for s in stages:
            self.add_row(
                Text(clean(s.stage)),
                Text(f"{s.count:,}", justify="right"),
                money(s.value, currency),
                money(s.weighted, currency),
                key=s.stage,
            )
            total = [total[0] + s.count, total[1] + s.value, total[2] + s.weighted]
        self.add_row(
            Text("Open total", style="bold"),
            Text(f"{total[0]:,}", justify="right", style="bold"),
            money(total[1], currency),
            money(total[2], currency),
            key="",
        )
        names = [s.stage for s in stages]
        if current in names:
            self.move_cursor(row=names.index(current))

    def current_stage(self) -> str | None:
        if not self.row_count:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return value or None


class DealTable(DataTable):
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

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if isinstance(event.data_table, StageTable):
            self._show_deals()

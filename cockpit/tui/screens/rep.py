"""The rep drill-down: their KPIs beside the team median, their pipeline at the period's end (as the Pipeline KPI
counts it), their deals open now, recent activities and trend."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Header, Static

from cockpit.core.text import clean
from cockpit.core.views import REP_DEALS_PAGE
from cockpit.tui.screens.common import ActivityTable, CompareLines, OneRepScreen, quiet_hover
from cockpit.tui.screens.dashboard import anchored_note, trend_for
from cockpit.tui.widgets.footer import KeysFooter
from cockpit.tui.widgets.pipeline import DealTable, StageTable
from cockpit.tui.widgets.repaint import show_text
from cockpit.tui.widgets.trend import TrendChart

if TYPE_CHECKING:
    from cockpit.core.snapshot import Snapshot


class RepScreen(OneRepScreen):
    """One rep in detail; Esc goes back to where it was opened from."""

    #: Where the keys that act on a selected row find it ("Select a deal first: …").
    SELECT_IN: ClassVar[dict[str, str]] = {
        "a deal": "tab to “Their open deals” and pick one",
        "a deal or an activity": "tab to “Their open deals” or “Recent activities” and pick one",
        "a follow-up": "tab to “Recent activities” and pick one with a follow-up",
    }

    def compose(self) -> ComposeResult:
        yield Header(icon="◧")
        yield Static("Loading…", id="rep-status", classes="status")
        with Grid(id="rep-grid", classes="detail-grid"):
            yield CompareLines(id="rep-kpis", classes="box")
            yield StageTable(id="rep-stages", classes="box")
            yield DealTable(id="rep-deals", show_stage=True, show_rep=False, classes="box")
            yield ActivityTable(id="rep-activities", classes="box")
            yield TrendChart(id="rep-trend", classes="box")
        yield KeysFooter()

    def on_mount(self) -> None:
        for widget_id, title in (
            ("rep-kpis", "KPIs vs team median"),
            ("rep-stages", "Their pipeline"),
            ("rep-deals", "Their open deals now, idlest first"),
            ("rep-activities", "Recent activities"),
            ("rep-trend", "Trend (k: next KPI)"),
        ):
            self.query_one(f"#{widget_id}").border_title = title
        quiet_hover(self)
        self.query_one(CompareLines).focus()
        self.follow("snapshot", self.show_snapshot)
        self.follow("trend_kpi", lambda _kpi: self.show_trend_kpi(), init=False)

    def show_trend_kpi(self) -> None:
        """The chart follows the KPI chosen for the trend."""
        if self.cockpit.snapshot is not None:
            self.show_snapshot(self.cockpit.snapshot)

    def show_snapshot(self, snapshot: Snapshot | None) -> None:
        """Render the app's snapshot (whenever it changes)."""
        detail = snapshot.detail if snapshot is not None else None
        if detail is None or detail.rep.id != self.rep_id:
            return  # the snapshot for this rep is still loading
        app, dash = self.cockpit, snapshot.dashboard
        status = Text()
        status.append(clean(detail.rep.name), style="bold")
        status.append(f" · {clean(detail.rep.team) or 'no team'} · {detail.rep.role} · period {dash.period.label}")
        if dash.rep_row(self.rep_id) is None:
            status.append(" · not in the current team filter", style="italic")
        if dash.anchored:
            status.append(f"\n{anchored_note(dash, snapshot.current)}", style="italic")
        show_text(self.query_one("#rep-status", Static), status)
        self.query_one(CompareLines).show(dash, self.rep_id, app.currency, snapshot.cohorts)
        self.query_one(StageTable).show(detail.pipeline, app.currency)
        # The same deals and stages as the Pipeline row of the KPIs: those open at the period's end.
        self.query_one("#rep-stages").border_title = f"Their pipeline {snapshot.pipeline_moment}"
        before, shown = detail.deals_offset, len(detail.deals)
        self.query_one(DealTable).show(
            detail.deals, app.currency, more=detail.deals_total - before - shown, before=before
        )
        title = "Their open deals now, idlest first"
        if detail.deals_total > shown:
            title += f" · {before + 1}–{before + shown} of {detail.deals_total:,}"
        self.query_one("#rep-deals").border_title = title
        self.query_one(ActivityTable).show(detail.activities, app.settings.timezone, empty="no activities")
        self.query_one(TrendChart).data = trend_for(snapshot, app.trend_kpi, self.rep_id, detail.rep.name)

    def on_deal_table_deal_chosen(self, message: DealTable.DealChosen) -> None:
        message.stop()
        self.cockpit.open_deal(message.deal.id)

    def on_deal_table_page_requested(self, message: DealTable.PageRequested) -> None:
        message.stop()
        snapshot = self.cockpit.snapshot
        detail = snapshot.detail if snapshot is not None else None
        if detail is not None and detail.rep.id == self.rep_id:  # the page on screen is this snapshot's
            self.cockpit.page_detail_deals(detail.deals_offset + message.step * REP_DEALS_PAGE)

    def action_back(self) -> None:
        self.dismiss()
        self.cockpit.set_reactive(type(self.cockpit).detail_rep_id, None)

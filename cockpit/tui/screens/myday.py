"""My day: a rep's KPIs against quota and the team median, follow-ups due, open deals, latest activities."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Header, Static

from cockpit.core.report import display_value
from cockpit.core.text import clean
from cockpit.tui.screens.common import (
    ActivityTable,
    CompareLines,
    OneRepScreen,
    OpenDealTable,
    quiet_hover,
)
from cockpit.tui.screens.dashboard import VerdictLine, anchored_note
from cockpit.tui.widgets.diagnosis import PacePlan
from cockpit.tui.widgets.footer import KeysFooter
from cockpit.tui.widgets.forecast import myday_text
from cockpit.tui.widgets.line_table import LineTable
from cockpit.tui.widgets.repaint import show_text

if TYPE_CHECKING:
    from cockpit.core.forecast_view import ForecastView
    from cockpit.core.snapshot import Snapshot


class MyDayScreen(OneRepScreen):
    """A rep's day; `d` goes to the team cockpit, Esc back."""

    #: Where the keys that act on a selected row find it ("Select a deal first: …").
    SELECT_IN: ClassVar[dict[str, str]] = {
        "a deal": "tab to “My open deals” and pick one",
        "a deal or an activity": "tab to “My open deals” or “My latest activities” and pick one",
        "a follow-up": "tab to “Follow-ups: overdue and today” and pick one",
    }

    _forecast_text: Text | None = None  # what the forecast lines show

    def compose(self) -> ComposeResult:
        yield Header(icon="◧")
        yield Static("Loading…", id="myday-status", classes="status")
        yield VerdictLine(id="myday-verdict", classes="verdict-line")
        yield PacePlan(id="myday-pace", label="Me", currency=self.cockpit.currency)
        yield Static(id="myday-forecast", classes="forecast-lines")  # issue 23: the rep's forecast, slipped deals
        with Grid(id="myday-grid", classes="detail-grid"):
            yield CompareLines(id="myday-kpis", classes="box")
            yield ActivityTable(id="myday-followups", follow_up=True, classes="box")
            yield OpenDealTable(id="myday-deals", classes="box")
            yield ActivityTable(id="myday-latest", classes="box")
        yield KeysFooter()

    def on_mount(self) -> None:
        for widget_id, title in (
            ("myday-kpis", "My KPIs vs team median"),
            ("myday-followups", "Follow-ups: overdue and today"),
            ("myday-deals", "My open deals now, by stage"),
            ("myday-latest", "My latest activities"),
        ):
            self.query_one(f"#{widget_id}").border_title = title
        quiet_hover(self)
        # No scrolling to it: when the first snapshot is already here (a rep's start), the grid would scroll past
        # the top of the KPI box to show the whole follow-up box; the screen opens at its top.
        self.query_one("#myday-followups").focus(scroll_visible=False)
        self.follow("snapshot", self.show_snapshot)
        self.follow("forecast", self.show_forecast)

    def show_forecast(self, view: ForecastView | None) -> None:
        """The rep's own forecast and slipped deals, from the app's forecast run ("computing…" until it has them)."""
        snapshot = self.cockpit.snapshot
        if view is not None and snapshot is not None:
            dash = snapshot.dashboard
            if not view.shows(dash.period, dash.team_filter):
                view = None  # another period's: this one's is on its way
        text = myday_text(view, self.rep_id, self.cockpit.currency, self.cockpit.glyphs.ellipsis)
        if text != self._forecast_text:  # an unchanged forecast repaints nothing
            self._forecast_text = text
            show_text(self.query_one("#myday-forecast", Static), text)

    def show_snapshot(self, snapshot: Snapshot | None) -> None:
        """Render the app's snapshot (whenever it changes)."""
        mine = snapshot.my_day if snapshot is not None else None
        if mine is None or mine.rep.id != self.rep_id:
            return  # still loading this rep's day
        app, dash = self.cockpit, snapshot.dashboard
        row = dash.rep_row(self.rep_id)
        status = Text()
        status.append(f"My day: {clean(mine.rep.name)}", style="bold")
        status.append(f" · {snapshot.today} · period {dash.period.label}")
        if row is not None:
            attainment = display_value("attainment", row.values["attainment"], app.currency)
            revenue = display_value("revenue", row.values["revenue"], app.currency)
            quota = display_value("quota", row.values["quota"], app.currency)
            if row.values["quota"]:
                status.append(f" · {revenue} of {quota} quota ({attainment})")
            else:
                status.append(f" · {revenue} sold, no quota set")  # not "$0 of $0 quota (—)"
        status.append(f" · {len(mine.overdue)} overdue, {len(mine.due_today)} due today")
        if dash.anchored:
            status.append(f"\n{anchored_note(dash, snapshot.current)}", style="italic")
        show_text(self.query_one("#myday-status", Static), status)
        # The rep's own verdict (their numbers against their own usual), not the team's.
        mine_verdict = snapshot.my_verdict
        self.query_one(VerdictLine).show(mine_verdict if mine_verdict and mine_verdict.rep_id == self.rep_id else None)
        if snapshot.targets is not None:
            self.query_one(PacePlan).show(
                snapshot.targets.rep_pace.get(self.rep_id),
                snapshot.targets.rep_plan.get(self.rep_id),
                label=clean(mine.rep.name),
                currency=app.currency,
            )
        self.query_one(CompareLines).show(dash, self.rep_id, app.currency, snapshot.cohorts)
        followups = self.query_one("#myday-followups", ActivityTable)
        followups.show(mine.overdue + mine.due_today, app.settings.timezone, empty="no follow-ups due")
        self.query_one(OpenDealTable).show(mine.open_deals, app.currency)
        latest = self.query_one("#myday-latest", ActivityTable)
        latest.show(mine.latest, app.settings.timezone, empty="no activities yet")
        self.show_forecast(app.forecast)  # another period: "computing…" until its own forecast comes

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        # Enter on one of my open deals opens its page (a row key is a deal id; "no open deals" has none).
        if isinstance(event.table, OpenDealTable) and event.key.isdigit():
            event.stop()
            self.cockpit.open_deal(int(event.key))

    def action_back(self) -> None:
        if self.cockpit.has_screen_below:
            self.dismiss()
            self.cockpit.set_reactive(type(self.cockpit).myday_rep_id, None)

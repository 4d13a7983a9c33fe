"""The team cockpit: KPI strip, and the scorecards, pipeline and trend panes (one at a time when narrow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Header, Static

from cockpit.core.kpi import KPI_LABELS, MONEY_KPIS, Dashboard, median
from cockpit.core.parse import currency_digits, format_money
from cockpit.core.periods import Period
from cockpit.core.preferences import available_columns, load_columns, save_columns
from cockpit.core.report import display_value
from cockpit.core.targets import Pace
from cockpit.core.text import clean, truncate
from cockpit.core.verdict import Verdict
from cockpit.core.views import window_short
from cockpit.tui.screens.columns import ColumnsScreen
from cockpit.tui.screens.common import quiet_hover
from cockpit.tui.screens.following import FollowingScreen
from cockpit.tui.widgets.footer import KeysFooter
from cockpit.tui.widgets.forecast import forecast_tile
from cockpit.tui.widgets.kpi_tile import KpiStrip, TileData
from cockpit.tui.widgets.pipeline import DealTable, PipelineView, StageTable
from cockpit.tui.widgets.repaint import show_text
from cockpit.tui.widgets.scorecard import Scorecards
from cockpit.tui.widgets.trend import TrendChart, TrendData

if TYPE_CHECKING:
    from cockpit.core.forecast_view import ForecastView
    from cockpit.core.snapshot import Snapshot
    from cockpit.tui.app import CockpitApp

#: The headline KPIs of the tile strip and the trend chart, in order.
HEADLINE_KPIS: tuple[str, ...] = (
    "revenue",
    "opportunities",
    "win_rate",
    "conversion_rate",
    "avg_basket",
    "calls_per_opportunity",
    "cac",
    "revenue_per_rep",
    "attainment",
)
_NOTHING = object()  # what a pane shows before its first render

#: Shorter labels where the report's would not fit a 14-cell tile; the conversion tile says it is the cohort's.
TILE_LABELS = {
    "opportunities": "Opps",
    "calls_per_opportunity": "Calls/opp",
    "revenue_per_rep": "Rev/rep",
    "conversion_rate": "Conv coh",  # the scorecards' header too: a tile is 9-10 cells at 120 columns
}

#: A period kind in words, for the header's note on an anchored period.
_KIND_WORDS = {"week": "week", "month": "month", "quarter": "quarter", "year": "year", "fy": "fiscal year"}


def anchored_note(dash: Dashboard, current: Period | None) -> str:
    """The header's note when the cockpit opened on the latest period with data, the current one being empty:
    "showing 2026-11, the latest month with data; ] for 2026-12"."""
    period = dash.period
    kind = _KIND_WORDS.get(str(period.kind), "period")
    note = f"showing {period.label}, the latest {kind} with data; ] for {period.next().label}"
    if current is not None and current != period.next():
        note += f", … {current.label}"  # several empty periods to today
    return note


def cohort_notes(snapshot: Snapshot, rep_id: int | None = None) -> tuple[str, str]:
    """How mature the cohort of the team (or one rep) is ("13% closed") and the last closed window's conversion
    ("3mo 20%"), for the conversion tile: a young cohort's low conversion is not read as a bad one."""
    found = snapshot.cohorts
    if found is None:
        return "", ""
    cohort = found.team if rep_id is None else found.reps.get(rep_id)
    if cohort is None:
        return "", ""
    closed = "no opps" if cohort.maturity is None else f"{display_value('cohort_maturity', cohort.maturity, '')} closed"
    window = display_value("window_conversion_rate", cohort.window_conversion, "")
    return closed, f"{window_short(snapshot.dashboard.period)} {window}"


#: The most rows the verdict line takes (the team cockpit and My day at 80x24 have no more to spare).
VERDICT_ROWS = 2
VERDICT_LABEL = "Verdict: "


def verdict_text(verdict: Verdict, width: int, rows: int = VERDICT_ROWS) -> Text:
    """The verdict's line in at most ``rows`` rows of ``width`` cells: the whole :attr:`Verdict.line` when it fits,
    else its last causes folded into "+N more" (the paragraph is on the insights screen), else cut with "…".

    Built with ``Text.append``: a rep's name is shown as written, never read as markup."""

    def text(line: str) -> Text:
        out = Text()
        out.append(VERDICT_LABEL, style="bold")
        out.append(line)
        return out

    def fits(candidate: Text) -> bool:
        # Measured the way the Static draws it: Textual's own wrapping of the same text.
        return len(Content.from_rich_text(candidate).wrap(max(width, 1))) <= rows

    lines = [clean(line) for line in verdict.short_lines()]
    for line in lines:
        if fits(text(line)):
            return text(line)
    budget = max(rows * width - len(VERDICT_LABEL), 1)
    while budget > 1 and not fits(text(truncate(lines[-1], budget))):
        budget -= 1
    return text(truncate(lines[-1], budget))


class VerdictLine(Static):
    """The verdict in one line under the status (the team's on the team cockpit, the rep's own on My day): "Verdict:
    $124k (62%) short of quota · conversion −$56k (Ana Torres), volume −$48k (team-wide)". At most
    :data:`VERDICT_ROWS` rows at any width (refitted on resize); the whole paragraph is its tooltip."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, classes=classes)
        self.verdict: Verdict | None = None
        self._fitted: tuple[Verdict | None, int] | None = None  # what the line was last fitted to

    def show(self, verdict: Verdict | None) -> None:
        """Show ``verdict`` (None: nothing to say yet, the line hides)."""
        self.verdict = verdict
        self.display = verdict is not None
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        # Before the first layout the width is the screen's, less the padding (the line spans the screen).
        width = self.content_size.width or max(self.app.size.width - 2, 1)
        if self._fitted == (self.verdict, width):
            return  # unchanged: nothing repaints
        self._fitted = (self.verdict, width)
        if self.verdict is None:
            show_text(self, "")
            self.tooltip = None
            return
        show_text(self, verdict_text(self.verdict, width))
        self.tooltip = Content(clean(self.verdict.message))  # Content: literal, a name is not markup


PANES: tuple[tuple[str, str], ...] = (
    ("scorecard-pane", "Scorecards"),
    ("pipeline-pane", "Pipeline"),
    ("trend-pane", "Trend"),
)


def tiles_for(snapshot: Snapshot, kpis: tuple[str, ...], currency: str, rep_id: int | None = None) -> list[TileData]:
    """Tile data of the team (or one rep) from the dashboard: the values `cockpit report` prints."""
    dash = snapshot.dashboard
    if rep_id is None:
        now, before, trend = dash.team.values, dash.previous_team.values, dash.team_trend
    else:
        row = dash.rep_row(rep_id)
        prev = dash.previous_reps.get(rep_id)
        now = row.values if row else {}
        before = prev.values if prev else {}
        trend = dash.rep_trends.get(rep_id, {})
    closed, window = cohort_notes(snapshot, rep_id)
    tiles = [
        TileData(
            kpi=k,
            label=TILE_LABELS.get(k, KPI_LABELS[k]),
            value=now.get(k),
            previous=before.get(k),
            trend=tuple(float(v or 0) for v in trend.get(k, [])),
            currency=currency,
            change_note=closed if k == "conversion_rate" else "",
            aside=window if k == "conversion_rate" else "",
        )
        for k in kpis
    ]
    pace = pace_of(snapshot, rep_id)
    if pace is not None:
        # Short: a tile is ~12 cells wide at 120 columns ("quota reached" showed as "quota reac…").
        if not pace.quota:
            note = "no quota"
        elif pace.complete:
            note = "period over"
        elif pace.gap:
            note = f"gap {format_money(pace.gap, currency, compact=True)}"
        else:
            note = "reached"
        trend = tuple(
            float(v or 0)
            for v in (dash.team_trend if rep_id is None else dash.rep_trends.get(rep_id, {})).get("attainment", [])
        )
        # "gap $253.3k" is 11 cells; with the forecast tile a tile is 9-10 at 120 columns: the amount alone then.
        short = (note, note.removeprefix("gap ")) if note.startswith("gap ") else ()
        tiles.append(TileData("pace", "Pace", pace.pace, None, trend, currency, note=note, change_choices=short))
    return tiles


def pace_of(snapshot: Snapshot, rep_id: int | None = None) -> Pace | None:
    """The pace of the team (or one rep) in the snapshot, if targets were computed."""
    plan = snapshot.targets
    if plan is None:
        return None
    return plan.team_pace if rep_id is None else plan.rep_pace.get(rep_id)


def trend_for(snapshot: Snapshot, kpi: str, rep_id: int | None = None, rep_name: str = "") -> TrendData:
    """The chart of one KPI: the team's series, or the rep's with the team median beside it."""
    dash = snapshot.dashboard
    labels = tuple(p.label for p in dash.periods)
    currency = snapshot.currency
    scale = 10 ** currency_digits(currency) if kpi in MONEY_KPIS else 1.0
    unit = f" ({currency})" if kpi in MONEY_KPIS else ""
    if rep_id is None:
        title = f"{KPI_LABELS[kpi]}{unit}: {clean(dash.team_filter) if dash.team_filter else 'team'}"
        return TrendData(title, labels, (("team", tuple(dash.team_trend[kpi])),), scale)
    series = dash.rep_trends.get(rep_id, {}).get(kpi, [None] * len(labels))
    medians = tuple(
        median(trends[kpi][i] for trends in dash.rep_trends.values() if i < len(trends[kpi]))
        for i in range(len(labels))
    )
    title = f"{KPI_LABELS[kpi]}{unit}: {clean(rep_name)} vs team median"
    return TrendData(title, labels, ((clean(rep_name) or "rep", tuple(series)), ("team median", medians)), scale)


class PaneTabs(Static):
    """The names of the three panes, the current one in brackets (so it reads without colour); narrow only."""

    def show(self, current: int) -> None:
        text = Text()
        for i, (_, name) in enumerate(PANES):
            label = f"[{name}]" if i == current else f" {name} "
            text.append(label, style="reverse bold" if i == current else "")
            text.append("  ")
        text.append("tab: next pane", style="dim")
        self.update(text)


class DashboardScreen(FollowingScreen):
    """The team cockpit (also the manager's home screen)."""

    #: Where the keys that act on a selected row find it ("Select a deal first: …").
    SELECT_IN: ClassVar[dict[str, str]] = {
        "a deal": "tab to the Pipeline pane and pick one in its list",
        "a deal or an activity": "tab to the Pipeline pane and pick a deal in its list",
        "a follow-up": "follow-ups are in My day (v)",
    }

    # Focus the scorecards when the screen is composed, before its first paint: Textual's default focuses the
    # first focusable widget (the KPI strip), and moving the focus after the first frame repainted the strip and
    # the whole table (~30 KB down the wire at every start).
    AUTO_FOCUS = "#scorecards"

    # Below 30 rows (80×24 over SSH) the narrow layout drops its row of pane names: the verdict needs the row more,
    # the pane's border names it and the footer offers tab.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    BINDINGS = [
        Binding("tab", "focus_pane(1)", "Next pane", id="pane_next"),
        Binding("shift+tab", "focus_pane(-1)", "Prev pane", id="pane_prev", show=False),
        Binding(
            "o",
            "choose_columns",
            "Columns",
            id="scorecard_columns",
            tooltip="Choose the scorecard columns (remembered for you)",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._shown: dict[str, object] = {}  # per pane, the inputs it last rendered (see _changed)

    def compose(self) -> ComposeResult:
        yield Header(icon="◧")
        yield Static(id="banner", classes="banner")
        yield Static("Loading…", id="status", classes="status")
        yield VerdictLine(id="verdict", classes="verdict-line")
        yield KpiStrip(HEADLINE_KPIS, id="kpis")
        yield PaneTabs(id="pane-tabs")
        with Container(id="panes"):
            with Vertical(id="scorecard-pane", classes="pane -current"):
                yield Scorecards(id="scorecards")
            with Vertical(id="pipeline-pane", classes="pane"):
                yield PipelineView(id="pipeline")
            with Vertical(id="trend-pane", classes="pane"):
                yield TrendChart(id="trend")
        yield KeysFooter()

    @property
    def cockpit(self) -> CockpitApp:
        return self.app  # type: ignore[return-value]

    def uncovered(self) -> None:
        # The reads made while another screen lay over this one skipped the deal lists: read them now.
        snapshot = self.cockpit.snapshot
        if snapshot is not None and snapshot.stage_deals is None:
            self.cockpit.refresh_data()

    def on_mount(self) -> None:
        self.query_one("#scorecard-pane").border_title = "Scorecards  (s sort, S reverse, enter: rep)"
        self.query_one("#pipeline-pane").border_title = "Pipeline  (←/→ stage)"
        self.query_one("#trend-pane").border_title = "Trend: team  (k: next KPI)"
        reason = self.cockpit.store.readonly_reason
        banner = self.query_one("#banner", Static)
        banner.display = bool(reason)
        if reason:
            banner.update(Text(f"READ-ONLY: {clean(reason)}. Logging is disabled."))
        self.query_one(PaneTabs).show(0)
        self._load_columns()
        quiet_hover(self)
        self.query_one(Scorecards).focus()
        self.follow("snapshot", self.show_snapshot)
        self.follow("trend_kpi", lambda _kpi: self.show_trend_kpi(), init=False)
        self.follow("forecast", self.show_forecast, init=False)

    # ------------------------------------------------------------------------------------------ scorecard columns

    @property
    def _user(self) -> str:
        """Whose column choice this is: the acting rep's (managers sharing a Unix account keep their own)."""
        actor = self.cockpit.actor
        return actor.rep.name if actor.rep is not None else actor.unix_user

    def _load_columns(self) -> None:
        # A few hundred bytes read once, before the first snapshot: the scorecards are built once, in their columns.
        columns, notice = load_columns(self._user)
        self.query_one(Scorecards).choose_columns(columns)
        if notice:
            self.notify(clean(notice), severity="warning", markup=False)

    def action_choose_columns(self) -> None:
        """Open the column chooser (CAC offered only when costs are recorded per rep)."""
        snapshot = self.cockpit.snapshot
        reps = snapshot.dashboard.reps if snapshot is not None else ()
        rep_costs = any(row.values.get("cost") is not None for row in reps)
        table = self.query_one(Scorecards)
        self.app.push_screen(ColumnsScreen(available_columns(rep_costs=rep_costs), table.chosen), self._columns_chosen)

    def _columns_chosen(self, columns: tuple[str, ...] | None) -> None:
        if columns is None:
            return
        self.query_one(Scorecards).choose_columns(columns)
        try:
            save_columns(self._user, columns)
        except OSError as exc:
            # Shown for this session all the same; the next start shows the columns last saved.
            self.notify(clean(f"Columns not remembered: {exc}"), severity="warning", markup=False)

    def on_scorecards_columns_fitted(self, message: Scorecards.ColumnsFitted) -> None:
        hidden = len(message.hidden)
        pane = self.query_one("#scorecard-pane")
        pane.border_subtitle = f"+{hidden} more column{'s' if hidden > 1 else ''} (o: choose)" if hidden else ""

    def show_trend_kpi(self) -> None:
        """The tiles and the chart follow the KPI chosen for the trend."""
        if self.cockpit.snapshot is not None:
            self.show_snapshot(self.cockpit.snapshot)

    def show_snapshot(self, snapshot: Snapshot | None) -> None:
        """Render a snapshot (the app's, whenever it changes; panes whose inputs are unchanged are left alone)."""
        if snapshot is None:
            return  # still loading
        app = self.cockpit
        dash = snapshot.dashboard
        status = Text()
        status.append(f"Period {dash.period.label}", style="bold")
        status.append(f" ({dash.period.first_day.to_date_string()} to {dash.period.last_day.to_date_string()})")
        status.append(f" vs {dash.previous.label}")
        status.append(f" · {clean(dash.team_filter) if dash.team_filter else 'all teams'}")
        if dash.anchored:
            status.append(f"\n{anchored_note(dash, snapshot.current)}", style="italic")
        if self._changed("status", status):
            show_text(self.query_one("#status", Static), status)
        self.query_one(VerdictLine).show(snapshot.verdict)
        tiles = tiles_for(snapshot, HEADLINE_KPIS, app.currency)
        if self._changed("tiles", (tiles, app.trend_kpi)):
            self.query_one(KpiStrip).show(tiles, app.trend_kpi)
        self.show_forecast(app.forecast)  # another period or team: "…" until its own forecast comes
        paces = None
        if snapshot.targets is not None:
            paces = {rep_id: p.pace for rep_id, p in snapshot.targets.rep_pace.items()}
            paces[None] = snapshot.targets.team_pace.pace
        if self._changed("scorecards", (dash, app.currency, paces, snapshot.cohorts)):
            self.query_one(Scorecards).show(dash, app.currency, paces, snapshot.cohorts)
        pipeline = (snapshot.pipeline, snapshot.stage_deals, app.currency, snapshot.pipeline_moment)
        # Deal lists not read (the snapshot was read while another screen covered this one): the pane keeps what it
        # shows until the read that uncovered() asks for.
        if snapshot.stage_deals is not None and self._changed("pipeline", pipeline):
            self.query_one("#pipeline-pane").border_title = f"Pipeline {snapshot.pipeline_moment}  (←/→ stage)"
            self.query_one(PipelineView).show(snapshot.pipeline, snapshot.stage_deals, app.currency)
        self._show_trend(snapshot)

    def show_forecast(self, view: ForecastView | None) -> None:
        """The forecast tile: the app's latest forecast run when it is of the period and team shown, else "…"."""
        snapshot = self.cockpit.snapshot
        tile = None
        if view is not None and snapshot is not None:
            dash = snapshot.dashboard
            if view.shows(dash.period, dash.team_filter):
                tile = forecast_tile(view.team, self.cockpit.currency, ascii_only=self.cockpit.glyphs.ascii)
        self.query_one(KpiStrip).show_forecast(tile)  # an unchanged tile repaints nothing

    def _show_trend(self, snapshot: Snapshot) -> None:
        """The team's trend, or the highlighted rep's beside the team median (redrawn only when it changed)."""
        rep_id = self.query_one(Scorecards).selected_rep_id()
        row = snapshot.dashboard.rep_row(rep_id) if rep_id is not None else None
        if row is None:
            trend = trend_for(snapshot, self.cockpit.trend_kpi)
            title = "Trend: team  (k: next KPI)"
        else:
            trend = trend_for(snapshot, self.cockpit.trend_kpi, rep_id, row.rep or "")
            title = "Trend: rep vs median  (k: next KPI)"
        if self._changed("trend", trend):
            self.query_one(TrendChart).data = trend
            self.query_one("#trend-pane").border_title = title

    def on_data_table_row_highlighted(self, event: Scorecards.RowHighlighted) -> None:
        if isinstance(event.data_table, Scorecards) and self.cockpit.snapshot is not None:
            self._show_trend(self.cockpit.snapshot)

    def _changed(self, pane: str, shown: object) -> bool:
        """Whether ``shown`` differs from what ``pane`` shows now (then it becomes what it shows).

        A live refresh after someone logs a call changes a few numbers; repainting every pane (tables rebuilt,
        the chart redrawn) would send ~37 KB to each terminal watching, where the changed panes need a fraction.
        """
        if self._shown.get(pane, _NOTHING) == shown:
            return False
        self._shown[pane] = shown
        return True

    # ------------------------------------------------------------------------------------------ panes

    def _targets(self) -> list[tuple[Widget, int | None]]:
        return [
            (self.query_one(KpiStrip), None),
            (self.query_one(Scorecards), 0),
            (self.query_one(StageTable), 1),
            (self.query_one(DealTable), 1),
            (self.query_one(TrendChart), 2),
        ]

    def current_pane(self) -> int:
        for i, (pane_id, _) in enumerate(PANES):
            if self.query_one(f"#{pane_id}").has_class("-current"):
                return i
        return 0

    def set_pane(self, index: int) -> None:
        for i, (pane_id, _) in enumerate(PANES):
            self.query_one(f"#{pane_id}").set_class(i == index, "-current")
        self.query_one(PaneTabs).show(index)

    def action_focus_pane(self, delta: int) -> None:
        targets = self._targets()
        focused = self.focused
        index = next((i for i, (w, _) in enumerate(targets) if w is focused), 0)
        widget, pane = targets[(index + delta) % len(targets)]
        if pane is not None:
            self.set_pane(pane)
        self.call_after_refresh(widget.focus)

    def selected_rep_id(self) -> int | None:
        return self.query_one(Scorecards).selected_rep_id()

    def on_scorecards_rep_chosen(self, message: Scorecards.RepChosen) -> None:
        self.cockpit.open_rep(message.rep_id)

    def on_deal_table_deal_chosen(self, message: DealTable.DealChosen) -> None:
        self.cockpit.open_deal(message.deal.id)  # its page; `o` there opens the owner's drill-down

    def on_pipeline_view_deals_paged(self, message: PipelineView.DealsPaged) -> None:
        self.cockpit.page_deals(message.stage, message.offset)

    def on_pipeline_view_deals_titled(self, message: PipelineView.DealsTitled) -> None:
        # Under the list, on the pane's bottom border: the deals below the stages are the ones open now.
        self.query_one("#pipeline-pane").border_subtitle = message.title

    def on_kpi_strip_chosen(self, message: KpiStrip.Chosen) -> None:
        self.cockpit.trend_kpi = message.kpi

"""The insights screen: the verdict first, then pace and plan, the diagnosis (problems, then strengths, each by money),
channels, segments and the funnel for the current period.

It renders an :class:`cockpit.core.insights.Insights` computed elsewhere (the app's refresh worker) and never touches
the database. Cells are ``rich.text.Text`` so names from the data are never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from cockpit.core.analysis import Funnel, MixRow
from cockpit.core.diagnosis import Signal
from cockpit.core.insights import Insights
from cockpit.core.parse import format_money
from cockpit.core.report import percent
from cockpit.core.text import clean, plural
from cockpit.tui.screens.following import FollowingScreen
from cockpit.tui.widgets.diagnosis import NO_SIGNAL, DiagnosisList, PacePlan, VerdictView
from cockpit.tui.widgets.fitted import Cut, FittedTable
from cockpit.tui.widgets.footer import KeysFooter
from cockpit.tui.widgets.forecast import ForecastSection, SlippedTable

if TYPE_CHECKING:
    from cockpit.core.forecast_view import ForecastView
    from cockpit.core.snapshot import Snapshot


def insights_title(snapshot: Snapshot) -> str:
    """The screen's heading for a snapshot: its period and team filter."""
    dash = snapshot.dashboard
    scope = clean(dash.team_filter) if dash.team_filter else "all teams"
    return f"Insights · {dash.period.label} · {scope}"


def _share(value: float | None) -> Text:
    return Text("—" if value is None else percent(value), justify="right")


def _money(value: float | None, currency: str) -> Text:
    return Text("—" if value is None else format_money(round(value), currency, compact=True), justify="right")


def _num(value: float | int | None, digits: int = 1) -> Text:
    if value is None:
        return Text("—", justify="right")
    return Text(f"{value:,}" if isinstance(value, int) else f"{value:.{digits}f}", justify="right")


class MixTable(FittedTable):
    """Channels or segments, one row each. In a screen too narrow for every column (80 columns) the names are cut
    ("…"), the numbers never: a number cut at the screen's edge would read as another number."""

    def __init__(self, first: str, *, with_cost: bool, **kwargs: object) -> None:
        super().__init__(zebra_stripes=True, cursor_type="row", **kwargs)
        self.with_cost = with_cost
        self.headers = [first, "Opps", "Conv", "Won", "Revenue", "Basket", "New"]
        if with_cost:
            self.headers += ["Cost", "CAC", "Basket/CAC"]
        self.CUTS = (Cut(8, 0), *(None for _ in self.headers[1:]))

    def on_mount(self) -> None:
        self.add_columns(*self.headers)

    def show(self, rows: Sequence[MixRow], currency: str) -> None:
        """``rows`` in their order; only the cells that changed are redrawn when the names stay in place."""
        shown: list[tuple[str | None, list[Text]]] = []
        for index, m in enumerate(rows):
            cells = [
                Text(clean(m.name, max_len=24)),
                _num(m.opportunities),
                _share(m.conversion_rate),
                _num(m.won),
                _money(m.revenue, currency),
                _money(m.avg_basket, currency),
                _num(m.new_customers),
            ]
            if self.with_cost:
                cells += [_money(m.cost, currency), _money(m.cac, currency), _num(m.basket_to_cac)]
            shown.append((f"{index}", cells))
        self.fill(shown)


class FunnelTable(FittedTable):
    """The funnel of the team, and with ``reps`` each rep's under it. In a narrow screen the reps' names are cut
    first, then the stage names; the counts, rates and days never."""

    CUTS = (Cut(8, 0), Cut(6, 1), Cut(6, 1), None, None, None, None)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(zebra_stripes=True, cursor_type="row", **kwargs)

    def on_mount(self) -> None:
        self.add_columns("Who", "Stage", "Next", "Deals", "Advanced", "Conv", "Median days")

    def show(self, funnel: Funnel | None, *, reps: bool) -> None:
        groups = [("Team", funnel.team)] if funnel is not None else []
        if funnel is not None and reps:
            groups += sorted(funnel.reps.values(), key=lambda v: v[0].casefold())
        rows: list[tuple[str | None, list[Text]]] = []
        for who, steps in groups:
            for i, step in enumerate(steps):
                cells = [
                    Text(clean(who, max_len=20) if i == 0 else ""),
                    Text(step.stage),
                    Text(step.next_stage),
                    _num(step.deals),
                    _num(step.advanced),
                    _share(step.conversion),
                    _num(step.median_days),
                ]
                rows.append((f"{len(rows)}", cells))
        self.fill(rows)


#: Diagnosis lines shown before "… and N weaker signals".
PROBLEMS_SHOWN = 8
STRENGTHS_SHOWN = 6


class InsightsScreen(FollowingScreen):
    """Control and improve: is the shortfall the team's or a rep's, which channels pay, where deals stall."""

    BINDINGS = [
        Binding("escape", "dismiss", "Back", id="insights.back"),
        Binding("r", "toggle_reps", "Reps' funnel", id="insights.rep_funnel", show=False),  # the funnel's title says r
    ]

    DEFAULT_CSS = """
    InsightsScreen .section-title {
        text-style: bold;
        padding: 1 1 0 1;
    }
    InsightsScreen #insights-title {
        padding-top: 0;  /* the screen's first line, not a blank one */
    }
    InsightsScreen DataTable {
        height: auto;
        max-height: 14;
        margin: 0 1;
    }
    """

    def __init__(self, insights: Insights | None = None, *, title: str = "Insights") -> None:
        super().__init__()
        self.insights = insights
        self.heading = title
        self.show_reps = False
        self._mounted = False
        self._forecast_shown: object = None  # the forecast run and currency the section shows

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(self.heading, style="bold"), id="insights-title", classes="section-title")
            yield VerdictView(id="insights-verdict")
            yield PacePlan(id="insights-pace")
            yield Static("Problems", id="insights-problems-title", classes="section-title")
            yield DiagnosisList(id="insights-problems", limit=PROBLEMS_SHOWN)
            yield Static("Strengths", id="insights-strengths-title", classes="section-title")
            yield DiagnosisList(id="insights-strengths", limit=STRENGTHS_SHOWN)
            yield ForecastSection(id="insights-forecast")  # issue 23: from the app's forecast worker
            yield Static("Channels", classes="section-title")
            yield MixTable("Channel", with_cost=True, id="insights-channels")
            yield Static("Segments", classes="section-title")
            yield MixTable("Segment", with_cost=False, id="insights-segments")
            yield Static("Funnel", id="insights-funnel-title", classes="section-title")
            yield FunnelTable(id="insights-funnel")
            yield Static(id="insights-stale", classes="section-title")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._mounted = True  # Textual's is_mounted turns true only after this handler
        self.show(self.insights, title=self.heading)
        # In the cockpit, each new snapshot's insights (on another app, e.g. a test's, the attribute never changes).
        self.follow("snapshot", self.show_snapshot, init=False)
        if hasattr(self.app, "forecast"):
            self.follow("forecast", self.show_forecast)
        else:
            self.show_forecast(None)

    def show_forecast(self, view: ForecastView | None) -> None:
        """Show the app's forecast run once it has the backtest of the scope shown ("computing…" until then)."""
        if view is not None and self.insights is not None:
            dash = getattr(getattr(self.app, "snapshot", None), "dashboard", None)
            if dash is not None and not view.shows(dash.period, dash.team_filter):
                view = None  # an earlier period's or team's: its successor is on its way
        currency = getattr(self.app, "currency", None) or (self.insights.currency if self.insights else "USD")
        if self._forecast_shown == (view, currency):
            return  # each snapshot asks again: an unchanged forecast repaints nothing
        self._forecast_shown = (view, currency)
        self.query_one(ForecastSection).show(view, currency)

    def on_slipped_table_deal_chosen(self, message: SlippedTable.DealChosen) -> None:
        open_deal = getattr(self.app, "open_deal", None)
        if open_deal is not None:
            message.stop()
            open_deal(message.deal_id)  # the deal's own page, as from the pipeline or My day

    def show_snapshot(self, snapshot: Snapshot | None) -> None:
        """Show the insights of the app's new snapshot (one read before the screen opened has none: kept as is)."""
        if snapshot is not None and snapshot.insights is not None:
            self.show(snapshot.insights, title=insights_title(snapshot))
            self.show_forecast(getattr(self.app, "forecast", None))  # another period or team: "computing…"

    def show(self, insights: Insights | None, *, title: str | None = None) -> None:
        """Render new data. Before the screen is mounted it only keeps them: its mount shows what it was given
        last."""
        self.insights = insights
        if title is not None:
            self.heading = title
        if not self._mounted:
            return
        if title is not None:
            self.query_one("#insights-title", Static).update(Text(title, style="bold"))
        pace_plan = self.query_one(PacePlan)
        if insights is None:
            self.query_one(VerdictView).show(None)
            pace_plan.show(None, None)
            self._diagnosis(())
            for table_id in ("#insights-channels", "#insights-segments"):
                self.query_one(table_id, MixTable).show((), "USD")
            self.query_one(FunnelTable).show(None, reps=False)
            self.query_one("#insights-stale", Static).update("")
            return
        currency = insights.currency
        tgt = insights.targets
        self.query_one(VerdictView).show(insights.verdict)
        pace_plan.show(tgt.team_pace, tgt.team_plan, label="Team", currency=currency)
        self._diagnosis(insights.diagnosis)
        self.query_one("#insights-channels", MixTable).show(insights.channels, currency)
        self.query_one("#insights-segments", MixTable).show(insights.segments, currency)
        self._funnel_table()
        stale = insights.funnel.stale
        text = Text(f"Stale deals (idle over {insights.funnel.stale_days} days)", style="bold")
        if not stale:
            text.append("\n  none", style="dim")
        for row in stale:
            deals = plural(row.deals, "deal")
            text.append(
                f"\n  {clean(row.rep, max_len=24)}: {deals}, {format_money(row.amount, currency, compact=True)},"
            )
            text.append(f" idle {row.oldest_days} days at most")
        self.query_one("#insights-stale", Static).update(text)

    def _diagnosis(self, signals: Sequence[Signal]) -> None:
        """Problems, then strengths, each in the diagnosis's order (by money). With no signal at all, one line says
        so and the strengths heading is hidden."""
        problems = [s for s in signals if s.worse]
        strengths = [s for s in signals if not s.worse]
        self.query_one("#insights-problems", DiagnosisList).show(
            problems, empty=NO_SIGNAL if not signals else "No problem stands out."
        )
        self.query_one("#insights-strengths", DiagnosisList).show(strengths, empty="No strength stands out.")
        for widget_id in ("#insights-strengths-title", "#insights-strengths"):
            self.query_one(widget_id).display = bool(signals)

    def _funnel_table(self) -> None:
        assert self.insights is not None
        self.query_one(FunnelTable).show(self.insights.funnel, reps=self.show_reps)
        title = "Funnel (team and reps)" if self.show_reps else "Funnel (team; r: per rep)"
        self.query_one("#insights-funnel-title", Static).update(title)

    def action_toggle_reps(self) -> None:
        """Show or hide each rep's funnel under the team's."""
        self.show_reps = not self.show_reps
        if self.insights is not None:
            self._funnel_table()

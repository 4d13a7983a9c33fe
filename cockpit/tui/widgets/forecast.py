"""The forecast on screen (issue 23): the KPI strip's forecast tile, the insights screen's forecast section (figures,
backtest, waterfall chart, slipped deals) and My day's forecast lines.

Everything here renders a :class:`cockpit.core.forecast_view.ForecastView` the app's forecast worker computed; no
widget touches the database. Deal titles and rep names are other people's text: shown with ``Text`` (never markup),
cleaned of control characters.
"""

from __future__ import annotations

import plotext as plt
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static

from cockpit.core.charset import asciify
from cockpit.core.forecast import Forecast
from cockpit.core.forecast_view import (
    ForecastView,
    accuracy_text,
    coverage_text,
    money,
    quota_choices,
    range_choices,
    reaches_quota,
    slipped_line,
    slipped_reason,
    summary_line,
    waterfall_bars,
    waterfall_line,
)
from cockpit.core.movement import Movement, Slipped
from cockpit.core.parse import currency_digits
from cockpit.core.text import clean
from cockpit.tui.charset import glyphs as app_glyphs
from cockpit.tui.widgets.fitted import Cut, FittedTable
from cockpit.tui.widgets.kpi_tile import TileData
from cockpit.tui.widgets.table import Table
from cockpit.tui.widgets.trend import compact_number, label_x_axis


def forecast_tile(forecast: Forecast, currency: str, *, ascii_only: bool = False) -> TileData:
    """The KPI strip's forecast tile: the P50 as its value, the P10–P90 range, then the quota it is read against."""
    return TileData(
        kpi="forecast",
        label="Forecast",
        value=forecast.p50,
        previous=None,
        trend=(),
        currency=currency,
        text=money(forecast.p50, currency),
        change_choices=range_choices(forecast, currency, "-" if ascii_only else "–"),
        foot_choices=quota_choices(forecast, currency),
        foot_better=None if forecast.complete else reaches_quota(forecast),
    )


def _right(text: str, style: str = "") -> Text:
    return Text(text, justify="right", style=style)


class BacktestTable(Table):
    """The forecast of each past period made at its midpoint, against what was won."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.add_column("Period", key="period")
        self.add_column(_right("Forecast"), key="forecast")
        self.add_column(_right("Actual"), key="actual")
        self.add_column(_right("Error"), key="error")
        self.add_column(_right("Error %"), key="share")

    def show(self, forecast: Forecast | None, currency: str) -> None:
        with self.refilling():
            points = forecast.backtest if forecast is not None else ()
            for p in points:
                share = "—" if not p.actual else f"{p.error / p.actual:+.0%}"
                sign = "+" if p.error > 0 else ("-" if p.error < 0 else "")
                self.add_row(
                    Text(clean(p.period)),
                    _right(money(p.forecast, currency)),
                    _right(money(p.actual, currency)),
                    _right(f"{sign}{money(abs(p.error), currency)}"),
                    _right(share),
                    key=p.period,
                )
            if not points:
                empty = "computing…" if forecast is None else "no past period to score"
                self.add_row(Text(empty, style="italic"), *(Text("") for _ in range(4)))


class SlippedTable(FittedTable):
    """Deals whose expected close passed or was moved out of the period; Enter opens the deal's page.

    In a screen too narrow for every column (80 columns) the stage, then the rep, then the title are cut ("…");
    the amount, the expected close and how it slipped never are: a cut amount would read as another amount."""

    CUTS = (Cut(14, 2), Cut(8, 1), Cut(5, 0), None, None, None)

    class DealChosen(Message):
        """Enter on a slipped deal."""

        def __init__(self, deal_id: int) -> None:
            self.deal_id = deal_id
            super().__init__()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.add_column("Deal", key="deal")
        self.add_column("Rep", key="rep")
        self.add_column("Stage", key="stage")
        self.add_column(_right("Amount"), key="amount")
        self.add_column("Expected", key="expected")
        self.add_column("Slipped", key="why")

    def show(self, slipped: tuple[Slipped, ...] | None, currency: str) -> None:
        rows: list[tuple[str | None, list[Text]]] = [
            (
                str(s.deal_id),
                [
                    Text(clean(s.title, max_len=40)),
                    Text(clean(s.rep, max_len=20)),
                    Text(clean(s.stage)),
                    _right(money(s.amount, currency)),
                    Text(s.expected_day or "—"),
                    Text(slipped_reason(s)),
                ],
            )
            for s in slipped or ()
        ]
        if not rows:
            empty = "computing…" if slipped is None else "no slipped deal"
            rows.append((None, [Text(empty, style="italic"), *(Text("") for _ in range(5))]))
        self.fill(rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is not None and str(key).isdigit():  # "no slipped deal" has no key
            event.stop()
            self.post_message(self.DealChosen(int(key)))


class WaterfallChart(Widget):
    """The period's pipeline movement as a plotext bar chart: open at the start, each step floating from the level
    before it (additions solid, removals shaded), open at the end."""

    DEFAULT_CSS = """
    WaterfallChart {
        height: 12;
    }
    """

    data: reactive[tuple[Movement, str] | None] = reactive(None)
    """The movement and the currency; None shows a placeholder."""

    def render(self) -> Text:
        glyphs = app_glyphs(self)
        width, height = self.content_size
        if self.data is None:
            return Text(f"computing{glyphs.ellipsis}", style="italic")
        moved, currency = self.data
        bars = waterfall_bars(moved)
        if width < 30 or height < 6:
            return Text(waterfall_line(moved, currency))
        scale = 10 ** currency_digits(currency)
        plt.clear_figure()  # plotext keeps one global figure: start from nothing
        plt.limitsize(False, False)  # size the plot to this widget, not to the real terminal
        plt.plotsize(width, height)
        plt.theme("clear")  # no colours of its own: the Textual theme's shows through
        up, down = ("#", "=") if glyphs.ascii else ("█", "▒")
        for x, bar in enumerate(bars, 1):
            if bar.high > bar.low:
                plt.bar([x], [bar.high / scale], minimum=bar.low / scale, width=0.6, marker=up if bar.up else down)
        xs = list(range(1, len(bars) + 1))
        plt.xlim(0.4, len(bars) + 0.6)
        # plotext orders tick labels by hash seed: it draws the tick marks, the labels are ours (as the trend's).
        plt.xticks(xs, [""] * len(xs))
        top = max((bar.high for bar in bars), default=0) / scale
        plt.ylim(0, top * 1.05 or 1.0)
        count = max(2, min(4, height - 4))
        steps = [top * i / (count - 1) for i in range(count)]
        plt.yticks(steps, [compact_number(v) for v in steps])
        chart = Text.from_ansi(plt.build()).plain  # theme "clear": plotext's only codes are resets
        lines = label_x_axis(chart.split("\n"), [bar.label for bar in bars])
        if glyphs.ascii:
            lines = [asciify(line) for line in lines]
        # Never wrapped: a chart line folded onto the next one shifts every bar below it.
        return Text("\n".join(lines), no_wrap=True, overflow="crop")


class ForecastSection(Vertical):
    """The insights screen's forecast: P10/P50/P90, commit, best case, coverage, basis; the backtest with MAPE and
    bias; the waterfall; the slipped deals (Enter opens one)."""

    DEFAULT_CSS = """
    ForecastSection {
        height: auto;
    }
    ForecastSection .forecast-figures {
        padding: 0 1;
    }
    ForecastSection .section-title {
        text-style: bold;
        padding: 1 1 0 1;
    }
    ForecastSection DataTable {
        height: auto;
        max-height: 14;
        margin: 0 1;
    }
    ForecastSection WaterfallChart {
        margin: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("Forecast", style="bold"), id="forecast-title", classes="section-title")
        yield Static(id="forecast-figures", classes="forecast-figures")
        yield Static(Text("Backtest (each period forecast at its midpoint)", style="bold"), classes="section-title")
        yield BacktestTable(id="forecast-backtest")
        yield Static(id="forecast-accuracy", classes="forecast-figures")
        yield Static(Text("Pipeline movement", style="bold"), id="movement-title", classes="section-title")
        yield WaterfallChart(id="forecast-waterfall")
        yield Static(id="movement-figures", classes="forecast-figures")
        yield Static(Text("Slipped deals (enter: open)", style="bold"), classes="section-title")
        yield SlippedTable(id="forecast-slipped")

    def show(self, view: ForecastView | None, currency: str) -> None:
        """Show a forecast run with its backtest, or placeholders while one is on its way (None)."""
        ellipsis = app_glyphs(self).ellipsis
        ready = view is not None and view.ask.insights
        figures = self.query_one("#forecast-figures", Static)
        if not ready or view is None:
            figures.update(Text(f"computing{ellipsis}", style="italic"))
            self.query_one(BacktestTable).show(None, currency)
            self.query_one("#forecast-accuracy", Static).update("")
            self.query_one(WaterfallChart).data = None
            self.query_one("#movement-figures", Static).update("")
            self.query_one(SlippedTable).show(None, currency)
            return
        f = view.team
        figures.update(figures_text(f, currency))
        self.query_one(BacktestTable).show(f, currency)
        self.query_one("#forecast-accuracy", Static).update(accuracy_text(f))
        moved = view.movement
        self.query_one(WaterfallChart).data = (moved, currency) if moved is not None else None
        if moved is not None:
            self.query_one("#movement-title", Static).update(Text(f"Pipeline movement {moved.period}", style="bold"))
            self.query_one("#movement-figures", Static).update(Text(waterfall_line(moved, currency)))
        self.query_one(SlippedTable).show(view.slipped, currency)


def figures_text(f: Forecast, currency: str) -> Text:
    """The forecast's figures in three lines: the range, commit and best case with the coverage, the basis."""
    out = Text()
    if f.complete:
        out.append(f"Period over: {money(f.won, currency)} won.", style="bold")
    else:
        out.append(f"P10 {money(f.p10, currency)} · ")
        out.append(f"P50 {money(f.p50, currency)}", style="bold")
        out.append(f" · P90 {money(f.p90, currency)}")
        out.append(f" · quota {money(f.quota, currency)}" if f.quota else " · no quota")
        out.append(
            f"\nCommit (won) {money(f.won, currency)} · best case {money(f.best_case, currency)}"
            f" · new deals {money(f.new, currency)} · {coverage_text(f)}"
        )
    out.append(f"\n{clean(f.basis.message)}", style="dim")
    return out


def myday_text(view: ForecastView | None, rep_id: int, currency: str, ellipsis: str = "…") -> Text:
    """My day's two forecast lines: the rep's own forecast, then their slipped deals (titles as written)."""
    if view is None or view.rep is None or view.ask.rep_id != rep_id:
        return Text(f"Forecast: computing{ellipsis}", style="italic")
    out = Text(summary_line(view.rep, currency))
    out.append(f"\n{slipped_line(view.rep_slipped, currency)}")
    for i, s in enumerate(view.rep_slipped):
        out.append(": " if i == 0 else " · ")
        out.append(clean(s.title, max_len=32))
        out.append(f" {slipped_reason(s)}")
    return out

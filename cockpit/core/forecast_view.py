"""The forecast as the cockpit's screens show it (issue 23): what one forecast run reads, and its figures in words.

The forecast costs more than a refresh may take at the large size (100-250 ms), so it is not part of the dashboard
snapshot: the app computes it in a worker of its own after a snapshot is shown, and only when what it depends on
changed (:class:`ForecastAsk` and :func:`data_stamp`). The numbers are those of ``cockpit report`` for the same
data and clock: the same core functions (:mod:`cockpit.core.forecast`, :mod:`cockpit.core.movement`) with the same
quotas (the dashboard's).

Core module: no Textual, no Rich. Money in minor units; the text helpers return plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cockpit.core.forecast import Forecast, forecasts
from cockpit.core.kpi import Dashboard
from cockpit.core.movement import STEPS, Movement, Slipped, movement, slipped_deals
from cockpit.core.parse import format_money
from cockpit.core.periods import Period
from cockpit.core.report import percent
from cockpit.core.store import Store, changes


@dataclass(frozen=True)
class ForecastAsk:
    """What one forecast run computes: compared with == so that an unchanged ask (on unchanged data) is not rerun."""

    period: Period
    team: str | None  # the team filter; None is every team
    team_quota: int = 0
    rep_id: int | None = None  # My day's rep, whose own forecast and slipped deals are shown
    rep_quota: int = 0
    insights: bool = False  # the insights screen is open: the backtest, the waterfall and the slipped deals too


@dataclass(frozen=True)
class ForecastView:
    """One forecast run's results. Compared with == by the app: a run equal to the one shown repaints nothing."""

    ask: ForecastAsk
    team: Forecast
    rep: Forecast | None = None
    movement: Movement | None = None  # with ``ask.insights``
    slipped: tuple[Slipped, ...] = ()  # the team filter's, with ``ask.insights``
    rep_slipped: tuple[Slipped, ...] = ()  # the rep's own (whatever the team filter), with ``ask.rep_id``

    def shows(self, period: Period, team: str | None) -> bool:
        """Whether this run is of ``period`` and ``team`` (else it is an earlier scope's, not to be shown)."""
        return self.ask.period == period and self.ask.team == team


def ask_for(dash: Dashboard, *, rep_id: int | None, insights: bool) -> ForecastAsk:
    """The ask for a dashboard's period and team filter, with the quotas `cockpit report` passes for them."""
    row = dash.rep_row(rep_id) if rep_id is not None else None
    return ForecastAsk(
        period=dash.period,
        team=dash.team_filter,
        team_quota=int(dash.team.values.get("quota") or 0),
        rep_id=rep_id,
        rep_quota=int(row.values.get("quota") or 0) if row is not None else 0,
        insights=insights,
    )


def data_stamp(store: Store) -> tuple[int, int | None]:
    """What changes with any write to the data the forecast reads: the newest audit row (every write action writes
    one) and the row-change count the triggers keep (a change made without the cockpit). Two indexed reads."""
    with store.read() as conn:
        return changes.last_audit_id(conn), changes.change_count(conn)


def forecast_view(store: Store, ask: ForecastAsk, now_ts: int) -> ForecastView:
    """Run the forecast of ``ask`` as of ``now_ts`` (in a worker thread). Through :func:`forecasts`, as the report:
    finished periods' learning, the backtest and unchanged ranges are kept between runs, not recomputed."""
    quotas = {ask.rep_id: ask.rep_quota} if ask.rep_id is not None else None
    both = forecasts(
        store,
        ask.period,
        now_ts,
        team=ask.team,
        team_quota=ask.team_quota,
        rep_quotas=quotas if ask.team is None else None,
        with_backtest=ask.insights,
    )
    rep = None
    rep_slipped: tuple[Slipped, ...] = ()
    if ask.rep_id is not None:
        # The rep's own forecast, as `cockpit report --rep` gives it: a team filter the rep is not in must not
        # leave their day without one.
        mine = (
            both if ask.team is None else forecasts(store, ask.period, now_ts, rep_quotas=quotas, with_backtest=False)
        )
        rep = mine.reps[ask.rep_id]
        rep_slipped = tuple(s for s in slipped_deals(store, ask.period, now_ts) if s.rep_id == ask.rep_id)
    moved = movement(store, ask.period, now_ts, team=ask.team) if ask.insights else None
    slipped = slipped_deals(store, ask.period, now_ts, team=ask.team) if ask.insights else ()
    return ForecastView(ask, both.team, rep, moved, slipped, rep_slipped)


# ------------------------------------------------------------------------------------------------ in words

_DECIMAL = re.compile(r"(\d{2,})\.(\d)([kMBT])")


def _whole(text: str) -> str:
    """``$75.7k`` as ``$76k``: a compact amount without its decimal, for a tile too narrow for it. One digit before
    the point keeps its decimal: ``1.1M`` as ``1M`` would be 9% off."""
    return _DECIMAL.sub(lambda m: f"{int(m[1]) + (int(m[2]) >= 5)}{m[3]}", text)


def _bare(text: str, currency: str) -> str:
    """A compact amount without its currency symbol (``$75.7k`` → ``75.7k``)."""
    symbol = format_money(0, currency, compact=True).removesuffix("0")
    return text.replace(symbol, "", 1) if symbol else text


def money(value: int, currency: str) -> str:
    """Compact money, as the KPI tiles show it."""
    return format_money(value, currency, compact=True)


def range_choices(forecast: Forecast, currency: str, dash: str = "–") -> tuple[str, ...]:
    """The P10–P90 range in ever shorter spellings, longest first: a tile shows the first that fits its width."""
    if forecast.complete:
        return ("period over", "final")
    low, high = money(forecast.p10, currency), money(forecast.p90, currency)
    spellings = [
        f"{low}{dash}{high}",
        f"{low}{dash}{_bare(high, currency)}",
        f"{_bare(low, currency)}{dash}{_bare(high, currency)}",
        f"{_whole(_bare(low, currency))}{dash}{_whole(_bare(high, currency))}",
    ]
    return tuple(dict.fromkeys(spellings))  # in order, each once


def quota_choices(forecast: Forecast, currency: str) -> tuple[str, ...]:
    """The target the P50 is read against, longest first (``quota $150k``, ``q $150k``, ``/$150k``)."""
    if not forecast.quota:
        return ("no quota",)
    shown = money(forecast.quota, currency)
    return (f"quota {shown}", f"q {shown}", f"/{_whole(shown)}")


def reaches_quota(forecast: Forecast) -> bool | None:
    """Whether the P50 reaches the quota (None without one): the colour of the tile's quota line."""
    return forecast.p50 >= forecast.quota if forecast.quota else None


def coverage_text(forecast: Forecast) -> str:
    """``coverage 2.4× (1.8× needed)``: open pipeline due in the period over what is left to reach, and the
    coverage the history says it takes."""
    if forecast.coverage is None:
        return "coverage — (nothing left to reach)" if not forecast.complete else "coverage — (period over)"
    needed = "needed —" if forecast.coverage_needed is None else f"{forecast.coverage_needed:.1f}× needed"
    return f"coverage {forecast.coverage:.1f}× ({needed})"


def signed_share(value: float | None) -> str:
    """``+12%``, ``-3%``, ``—``: the bias of a backtest."""
    if value is None:
        return "—"
    shown = percent(abs(value))
    return shown if shown == "0%" else ("+" if value > 0 else "-") + shown


def accuracy_text(forecast: Forecast) -> str:
    """``MAPE 14% · bias +6% (runs high)``: how far off the backtested forecasts were, and which way."""
    if forecast.mape is None:
        return "MAPE — · bias — (no past period with revenue to score)"
    way = ""
    if forecast.bias is not None and signed_share(forecast.bias) not in ("0%", "—"):
        way = " (runs high)" if forecast.bias > 0 else " (runs low)"
    return f"MAPE {percent(forecast.mape)} · bias {signed_share(forecast.bias)}{way}"


def summary_line(forecast: Forecast, currency: str) -> str:
    """One line of a scope's forecast: ``Forecast $92.6k (P10 $75.7k – P90 $113.6k) · quota $150k``."""
    if forecast.complete:
        return f"Forecast: period over, {money(forecast.won, currency)} won"
    low, mid, high = (money(v, currency) for v in (forecast.p10, forecast.p50, forecast.p90))
    quota = f"quota {money(forecast.quota, currency)}" if forecast.quota else "no quota"
    return f"Forecast {mid} (P10 {low} – P90 {high}) · {quota}"


def slipped_line(slipped: tuple[Slipped, ...], currency: str) -> str:
    """``Slipped: 2 deals, $120k`` (the deals are named apart: titles are other people's text)."""
    if not slipped:
        return "Slipped: none"
    total = sum(s.amount for s in slipped)
    deals = "1 deal" if len(slipped) == 1 else f"{len(slipped)} deals"
    return f"Slipped: {deals}, {money(total, currency)}"


def slipped_reason(s: Slipped) -> str:
    """``overdue 12d`` or ``moved out 30d``."""
    return f"{s.reason} {s.days}d"


#: The waterfall's bars, left to right, with their short labels.
WATERFALL_LABELS = {
    "start": "Start",
    "created": "Created",
    "amount_changes": "Changes",
    "won": "Won",
    "lost": "Lost",
    "voided": "Voided",
    "other": "Other",
    "end": "End",
}


@dataclass(frozen=True)
class Bar:
    """One bar of the waterfall: it spans ``low``..``high`` (minor units); ``up`` is an addition."""

    name: str
    label: str
    value: int  # the step (signed), or the total for start and end
    count: int
    low: int
    high: int
    up: bool


def waterfall_bars(moved: Movement) -> tuple[Bar, ...]:
    """The team's waterfall as floating bars: start and end stand on zero, each step from the level before it."""
    fall = moved.team
    bars = [Bar("start", WATERFALL_LABELS["start"], fall.start.value, fall.start.count, 0, fall.start.value, True)]
    level = fall.start.value
    for name in STEPS:
        step = fall.steps.get(name)
        value, count = (step.value, step.count) if step is not None else (0, 0)
        after = level + value
        bars.append(Bar(name, WATERFALL_LABELS[name], value, count, min(level, after), max(level, after), value >= 0))
        level = after
    bars.append(Bar("end", WATERFALL_LABELS["end"], fall.end.value, fall.end.count, 0, fall.end.value, True))
    return tuple(bars)


def waterfall_line(moved: Movement, currency: str) -> str:
    """The waterfall in words, every figure of the chart: ``Start $6.6M (152) · Created +$3.5M (90) · …``."""
    parts = []
    for bar in waterfall_bars(moved):
        if bar.name in ("start", "end"):
            parts.append(f"{bar.label} {money(bar.value, currency)} ({bar.count})")
        else:
            sign = "+" if bar.value > 0 else ("-" if bar.value < 0 else "")
            parts.append(f"{bar.label} {sign}{money(abs(bar.value), currency)} ({abs(bar.count)})")
    return " · ".join(parts)

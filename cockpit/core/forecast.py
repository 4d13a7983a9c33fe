"""The forecast: where a period will land given its open deals, how sure that is, and how right it has been.

Expected period-end revenue = won so far + Σ open deal × its chance of being won before the period ends + the run
rate of deals created and won within the rest of the period. The chances are learned from the scope's own history
(docs/INSIGHTS.md, ``forecast``): at the same point of each of the :data:`WINDOW` periods before, which share of the
deals then open in each stage and age band were won by that period's end. That share is the win rate of the stage
and age *within the time left*, so a stage whose deals take long to close gets a low chance late in a period: the
time to close from each stage is in it. Thin cells (fewer than :data:`MIN_DEALS` deals) fall back to the team's
cell, then to the configured stage probability for the deals expected to close in the period, and the basis says so.

The range simulates the open deals, each won or not by its chance, with a seeded ``random.Random``: the same data
gives the same numbers. :func:`backtest` scores the method on the last :data:`BACKTEST` periods, as if run at each
one's midpoint on the pipeline rebuilt as of then.

Core module: no Textual. The store reads are in :mod:`cockpit.core.store.forecasting`; the functions here are pure
once :func:`forecast_inputs` (one call per period and team filter) has read them. Money in minor units.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from cockpit.core.forecast_cache import ForecastCache, forecast_cache_for
from cockpit.core.periods import Period, parse_period
from cockpit.core.report import to_major
from cockpit.core.store import Store
from cockpit.core.store.forecasting import (
    DealAt,
    PipelineCell,
    first_deal_at,
    open_deals_at,
    pipeline_cells_at,
    won_by_rep,
    won_new_by_rep,
)

#: Completed periods of the same kind the chances and the run rate are learned from.
WINDOW = 3
#: Completed periods the backtest scores.
BACKTEST = 6
#: Deals a (stage, age band) cell needs before its share is trusted; below, the team's, then the configured.
MIN_DEALS = 10
#: Age bands of an open deal, in days since it was created: under 30, 30 to 89, 90 and over.
AGE_BANDS = (30, 90)
#: Simulated outcomes of the open deals, and the seed that makes them repeatable.
SIMS = 1000
SEED = 23
#: How the draws are ordered (deal by deal since 2): part of a kept range's key, as another order gives other numbers.
DRAW_ORDER = 2
#: Deals simulated one by one; beyond them, the smallest contributors to the spread are one normal term.
EXACT_DEALS = 200

_DAY = 86_400
#: AGE_BANDS in seconds: the band of an age is how many of them it reached (SQL counts with the same edges).
_EDGES = tuple(edge * _DAY for edge in AGE_BANDS)


def age_band(age_s: int) -> int:
    """The band (0, 1, 2) of a deal open for ``age_s`` seconds."""
    days = age_s / _DAY
    return sum(days >= edge for edge in AGE_BANDS)


def _band_label(band: int) -> str:
    edges = (0, *AGE_BANDS)
    return f"{edges[band]}+d" if band == len(AGE_BANDS) else f"{edges[band]}-{edges[band + 1] - 1}d"


@dataclass(frozen=True)
class Cell:
    """What happened to the deals open in one (stage, age band) at the same point of the window's periods."""

    deals: int = 0
    won: int = 0

    def __add__(self, other: Cell) -> Cell:
        return Cell(self.deals + other.deals, self.won + other.won)

    @property
    def rate(self) -> float | None:
        return self.won / self.deals if self.deals else None


@dataclass(frozen=True)
class Learned:
    """The window's history of one period's forecast: per rep, the cells, the run rate of new deals, and the
    conversion of the pipeline expected to close (for the coverage needed)."""

    window: str  # label of the periods learned from
    periods: int  # how many of them there were
    cells: Mapping[int, Mapping[tuple[str, int], Cell]]  # rep id -> (stage, band) -> cell
    new_won: Mapping[int, int]  # rep id -> revenue of deals created and won after the point, summed over the window
    due_amount: Mapping[int, int]  # rep id -> amount open at the point and expected to close by the period's end
    due_won: Mapping[int, int]  # rep id -> of it, the amount won by the period's end

    def scope_cells(self, rep_id: int | None) -> Mapping[tuple[str, int], Cell]:
        """The cells of one rep, or of the team (every rep's added up) with None."""
        return self.cells.get(rep_id, {}) if rep_id is not None else self.team_cells

    @cached_property
    def team_cells(self) -> dict[tuple[str, int], Cell]:
        total: dict[tuple[str, int], Cell] = defaultdict(Cell)
        for cells in self.cells.values():
            for key, cell in cells.items():
                total[key] = total[key] + cell
        return dict(total)

    def scope_sum(self, values: Mapping[int, int], rep_id: int | None) -> int:
        return values.get(rep_id, 0) if rep_id is not None else sum(values.values())


@dataclass(frozen=True)
class ForecastInputs:
    """Everything a period's forecast reads, for the team (or team filter) and every rep, as of ``at``."""

    period: Period
    at: int  # the moment of the forecast: now, held inside the period
    deals: tuple[DealAt, ...]  # open at ``at``, as they stood then
    won: Mapping[int, int]  # rep id -> revenue won in [start, at)
    learned: Learned
    probabilities: Mapping[str, float]  # the configured stage probabilities
    complete: bool  # the period is over: nothing left to forecast

    @cached_property
    def keyed(self) -> dict[int | None, list[tuple[DealAt, tuple[str, int, bool]]]]:
        """Each open deal with its pricing key (stage, age band, whether it is due by the period's end), for the
        team (None) and by rep: worked out once, not once for the team and again for the rep."""
        end = self.period.end_ts
        team = [
            (
                d,
                (
                    d.stage,
                    bisect_right(_EDGES, self.at - d.created_at),
                    d.expected_close is not None and d.expected_close < end,
                ),
            )
            for d in self.deals
        ]
        found: dict[int | None, list[tuple[DealAt, tuple[str, int, bool]]]] = defaultdict(list)
        for item in team:
            found[item[0].rep_id].append(item)
        found[None] = team
        return dict(found)


@dataclass(frozen=True)
class BacktestPoint:
    """One past period's forecast made at its midpoint, against what was won. Money in minor units."""

    period: str
    forecast: int
    actual: int

    @property
    def error(self) -> int:
        """forecast − actual: positive when the forecast was too high."""
        return self.forecast - self.actual

    def to_json(self, currency: str) -> dict[str, object]:
        return {
            "period": self.period,
            "forecast": to_major(self.forecast, currency),
            "actual": to_major(self.actual, currency),
            "error": to_major(self.error, currency),
        }


@dataclass(frozen=True)
class Basis:
    """Where the chances came from: open deals by source, in words."""

    window: str
    own: int  # open deals priced from the scope's own history
    team: int  # from the team's (a rep's thin cells)
    configured: int  # from the configured stage probabilities
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "window": self.window,
            "own": self.own,
            "team": self.team,
            "configured": self.configured,
            "message": self.message,
        }


@dataclass(frozen=True)
class Forecast:
    """One scope's forecast of a period. Money in minor units; ``coverage`` values are ratios."""

    rep_id: int | None
    won: int  # "commit": won so far
    expected: int  # won + open deals × chance + new deals
    new: int  # the run rate of deals not yet created
    p10: int
    p50: int
    p90: int
    best_case: int  # won + every open deal with a chance + new deals
    quota: int
    due: int  # open pipeline expected to close by the period's end
    coverage: float | None  # due ÷ (quota − won); None when nothing is left to reach
    coverage_needed: float | None  # 1 ÷ the share of such pipeline the history converted
    basis: Basis
    complete: bool
    backtest: tuple[BacktestPoint, ...] = ()
    mape: float | None = None
    bias: float | None = None

    def to_json(self, currency: str) -> dict[str, object]:
        def money(v: int) -> float | int | None:
            return to_major(v, currency)

        return {
            "won": money(self.won),
            "expected": money(self.expected),
            "new": money(self.new),
            "p10": money(self.p10),
            "p50": money(self.p50),
            "p90": money(self.p90),
            "best_case": money(self.best_case),
            "quota": money(self.quota),
            "due": money(self.due),
            "coverage": _round(self.coverage),
            "coverage_needed": _round(self.coverage_needed),
            "backtest": [p.to_json(currency) for p in self.backtest],
            "mape": _round(self.mape),
            "bias": _round(self.bias),
            "complete": self.complete,
            "basis": self.basis.to_json(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


# ------------------------------------------------------------------------------------------------ reading


def _point(period: Period, share: float) -> int:
    """The moment ``share`` of the way through ``period`` (months differ in length: the same share, not seconds)."""
    return period.start_ts + int((period.end_ts - period.start_ts) * share)


def _learn(store: Store, period: Period, share: float, team: str | None, window: int = WINDOW) -> Learned:
    """The history of the forecast of ``period`` made ``share`` of the way through it: the same point of each of
    the ``window`` periods before it (their outcomes all known: each ended before ``period`` began), counted in SQL
    by owner, stage and age band."""
    past = []
    p = period
    for _ in range(window):
        p = p.previous()
        past.append(p)
    moments = [_point(x, share) for x in past]
    cells = pipeline_cells_at(store, [(m, x.end_ts) for m, x in zip(moments, past, strict=True)], _EDGES, team=team)
    news = won_new_by_rep(store, [(m, x.end_ts) for m, x in zip(moments, past, strict=True)], team=team)
    return _learned_from_cells(past, cells, news)


def _window_label(past: Sequence[Period]) -> str:
    return past[-1].first_day.to_date_string() + ".." + past[0].last_day.to_date_string() if past else ""


def _learned_from_cells(
    past: Sequence[Period], cells: Sequence[Sequence[PipelineCell]], news: Sequence[Mapping[int, int]]
) -> Learned:
    """:func:`_learned_from` over the counts of :func:`~cockpit.core.store.forecasting.pipeline_cells_at`.

    The counts are summed as plain integers and made cells once: the backtest learns seven windows of a 200-rep
    team's counts, tens of thousands of them."""
    tally: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0])
    due_amount: dict[int, int] = defaultdict(int)
    due_won: dict[int, int] = defaultdict(int)
    new_won: dict[int, int] = defaultdict(int)
    for counted, new in zip(cells, news, strict=True):
        for c in counted:
            sums = tally[(c.rep_id, c.stage, c.band)]
            sums[0] += c.deals
            if c.won:
                sums[1] += c.deals
            if c.due:
                due_amount[c.rep_id] += c.amount
                if c.won:
                    due_won[c.rep_id] += c.amount
        for rep_id, amount in new.items():
            new_won[rep_id] += amount
    found: dict[int, dict[tuple[str, int], Cell]] = defaultdict(dict)
    for (rep_id, stage, band), (deals, won) in tally.items():
        found[rep_id][(stage, band)] = Cell(deals, won)
    return Learned(
        window=_window_label(past),
        periods=len(past),
        cells=dict(found),
        new_won=dict(new_won),
        due_amount=dict(due_amount),
        due_won=dict(due_won),
    )


def _learned_to_json(learned: Learned) -> dict[str, Any]:
    return {
        "window": learned.window,
        "periods": learned.periods,
        "cells": [[r, s, b, c.deals, c.won] for r, cells in learned.cells.items() for (s, b), c in cells.items()],
        "new_won": list(learned.new_won.items()),
        "due_amount": list(learned.due_amount.items()),
        "due_won": list(learned.due_won.items()),
    }


#: The largest integer a kept entry may hold (SQLite's): one past it, read from a row another member of the file
#: wrote, would overflow the forecast's divisions.
_MAX_INT = 2**63 - 1


def _whole(value: object, *, counted: bool = False) -> int:
    """``value`` if it is an integer a computation could give (a count: not below 0); ValueError otherwise."""
    if type(value) is not int or not (0 if counted else -_MAX_INT) <= value <= _MAX_INT:
        raise ValueError(f"not a kept number: {value!r}")
    return value


def _learned_from_json(data: Mapping[str, Any]) -> Learned:
    """The learned history as :func:`_learned_to_json` saved it; ValueError for one no computation could give (it
    may come from a row another member of the file wrote): a number that is not an integer or past SQLite's, a cell
    won more often than it had deals or by fewer than none (a chance outside 0..1), an age band or a window that does
    not exist."""
    cells: dict[int, dict[tuple[str, int], Cell]] = defaultdict(dict)
    for rep_id, stage, band, deals, won in data["cells"]:
        cell = Cell(_whole(deals, counted=True), _whole(won, counted=True))
        if cell.won > cell.deals or not 0 <= _whole(band) <= len(AGE_BANDS) or type(stage) is not str:
            raise ValueError("not a learned cell")
        cells[_whole(rep_id)][(stage, band)] = cell
    sums = [{_whole(k): _whole(v) for k, v in data[name]} for name in ("new_won", "due_amount", "due_won")]
    periods = _whole(data["periods"])
    if not 0 <= periods <= WINDOW or type(data["window"]) is not str:
        raise ValueError("not a learned history")
    return Learned(
        window=data["window"],
        periods=periods,
        cells=dict(cells),
        new_won=sums[0],
        due_amount=sums[1],
        due_won=sums[2],
    )


def _learning_share(period: Period, at: int) -> tuple[int, int]:
    """How far through ``period`` the forecast at ``at`` learns, in whole days: (days gone, days in the period).

    The history is learned at the same point of the periods before, to the day: a refresh within the day reuses
    what was learned (:mod:`cockpit.core.forecast_cache`), and a day's difference in a month's point barely moves
    a rate."""
    length = period.end_ts - period.start_ts
    days = max(1, round(length / _DAY))
    return min(days, (at - period.start_ts) * days // length), days


def _learned_cached(
    store: Store, cache: ForecastCache | None, period: Period, share: tuple[int, int], team: str | None
) -> Learned:
    if cache is None:
        return _learn(store, period, share[0] / share[1], team)
    # The period whole in the key: a custom range and a month can share their edges, not the periods before them.
    text = period_text(period)
    key = ("learn", period.start_ts, period.end_ts, text, share[0], share[1], team)
    return cache.get_decoded(
        key, lambda: _learned_to_json(_learn(store, period, share[0] / share[1], team)), _learned_from_json, period=text
    )


def period_text(period: Period) -> str:
    """The period an entry kept in the database is for, as :func:`kept_period` reads it back: its label, time zone
    and fiscal year's first month (``cockpit check`` computes the entry again from it)."""
    return json.dumps([period.label, period.start.timezone_name, period.fiscal_start_month])


def kept_period(text: str) -> Period:
    """The period :func:`period_text` wrote; ValueError when it is not one (PeriodError is one)."""
    label, tz, fiscal = json.loads(text)
    if not isinstance(label, str) or not isinstance(tz, str) or type(fiscal) is not int or len(label + tz) > 100:
        raise ValueError("not a period")
    return parse_period(label, tz=tz, fiscal_start_month=fiscal)


def recompute_kept(store: Store, key: Sequence[Any], raw: Any) -> bool:
    """Whether ``raw``, the value kept for ``key`` (as JSON gave it back), equals the entry computed again from the
    rows, compared as the forecast uses it (``cockpit check``); ValueError for a key :func:`forecasts` never keeps
    or a value that does not decode."""
    if len(key) < 5:
        raise ValueError("not the key of a kept forecast entry")
    kind, start, end, text, *rest = key
    period = kept_period(text)
    if (start, end) != (period.start_ts, period.end_ts) or not (rest[-1] is None or isinstance(rest[-1], str)):
        raise ValueError("not the key of a kept forecast entry")
    if kind == "learn" and len(rest) == 3 and type(rest[0]) is int and type(rest[1]) is int and 0 <= rest[0] <= rest[1]:
        days, length, team = rest
        if length < 1:
            raise ValueError("not the key of a kept forecast entry")
        return _learned_from_json(raw) == _learn(store, period, days / length, team)
    if kind == "backtest" and len(rest) == 2 and rest[0] == BACKTEST:
        return _tracks_from_json(raw) == _tracks(store, period, rest[1])
    raise ValueError("not the key of a kept forecast entry")


def _learned_from(
    past: Sequence[Period],
    moments: Sequence[int],
    opened: Mapping[int, Sequence[DealAt]],
    news: Sequence[Mapping[int, int]],
) -> Learned:
    cells: dict[int, dict[tuple[str, int], Cell]] = defaultdict(lambda: defaultdict(Cell))
    due_amount: dict[int, int] = defaultdict(int)
    due_won: dict[int, int] = defaultdict(int)
    new_won: dict[int, int] = defaultdict(int)
    for period, moment, new in zip(past, moments, news, strict=True):
        end = period.end_ts
        for d in opened.get(moment, ()):
            won = d.outcome == "won" and d.closed_at is not None and d.closed_at < end
            key = (d.stage, age_band(moment - d.created_at))
            cells[d.rep_id][key] = cells[d.rep_id][key] + Cell(1, int(won))
            if d.expected_close is not None and d.expected_close < end:
                due_amount[d.rep_id] += d.amount
                if won:
                    due_won[d.rep_id] += d.amount
        for rep_id, amount in new.items():
            new_won[rep_id] += amount
    if past:
        label = past[-1].first_day.to_date_string() + ".." + past[0].last_day.to_date_string()
    else:
        label = ""
    return Learned(
        window=label,
        periods=len(past),
        cells={r: dict(c) for r, c in cells.items()},
        new_won=dict(new_won),
        due_amount=dict(due_amount),
        due_won=dict(due_won),
    )


def forecast_inputs(store: Store, period: Period, now_ts: int, *, team: str | None = None) -> ForecastInputs:
    """Read what the forecast of ``period`` as of ``now_ts`` needs, for the team filter (or everyone) and its reps.

    The moment is held inside the period: before it starts, its start (nothing won yet); once it is over, its end
    (nothing open is left to forecast). What is learned from the periods before is kept in the store's forecast
    cache while their data does not change; the open deals and the revenue won are read afresh."""
    cache = _synced_cache(store)
    if cache is None:
        return _forecast_inputs(store, period, now_ts, team, None)
    with cache.lock:
        return _forecast_inputs(store, period, now_ts, team, cache)


def _synced_cache(store: Store) -> ForecastCache | None:
    """The store's forecast cache, synced with the writes since its last use (None: the store has no file path)."""
    if not hasattr(store, "path"):
        return None
    cache = forecast_cache_for(store)
    with cache.lock, store.read() as conn:
        cache.sync(conn)
    return cache


def _forecast_inputs(
    store: Store, period: Period, now_ts: int, team: str | None, cache: ForecastCache | None
) -> ForecastInputs:
    at = min(max(now_ts + 1, period.start_ts), period.end_ts)  # + 1: what happened at now_ts is in
    complete = at >= period.end_ts
    if complete:
        learned = _learned_from([], [], {}, [])
    else:
        learned = _learned_cached(store, cache, period, _learning_share(period, at), team)
    deals = () if complete else open_deals_at(store, [at], team=team)[at]
    won = won_by_rep(store, [(period.start_ts, at)], team=team)[0]
    probabilities = {s.name: s.probability for s in store.stages()}
    return ForecastInputs(period, at, deals, won, learned, probabilities, complete)


# ------------------------------------------------------------------------------------------------ the model


class Priced(NamedTuple):
    """An open deal with its chance of being won before the period ends, and where the chance came from.

    A named tuple for :class:`DealAt`'s reason: one per open deal and scope at every refresh."""

    deal: DealAt
    chance: float
    source: str  # "own" | "team" | "configured"


def price(inputs: ForecastInputs, rep_id: int | None = None) -> tuple[Priced, ...]:
    """The chance of each open deal of the scope (a rep, or the whole team filter with None)."""
    return tuple(Priced(d, chance, source) for d, chance, source, _due in _priced(inputs, rep_id))


def _priced(inputs: ForecastInputs, rep_id: int | None) -> list[tuple[DealAt, float, str, bool]]:
    """:func:`price` as plain tuples (deal, chance, source, due by the period's end): the forecast of 200 reps
    prices every open deal twice (its rep's scope and the team's) at each refresh."""
    own = inputs.learned.scope_cells(rep_id)
    team = inputs.learned.scope_cells(None) if rep_id is not None else {}
    chances: dict[tuple[str, int, bool], tuple[float, str]] = {}  # a scope's deals share a few dozen keys
    out = []
    for d, key in inputs.keyed.get(rep_id, ()):
        found = chances.get(key)
        if found is None:
            stage, _band, due = key
            mine, theirs = own.get(key[:2]), team.get(key[:2])
            if mine is not None and mine.deals >= MIN_DEALS:
                found = (mine.won / mine.deals, "own")
            elif theirs is not None and theirs.deals >= MIN_DEALS:
                found = (theirs.won / theirs.deals, "team")
            else:
                # No history to say when it closes: the configured probability, for a deal expected in the period.
                found = (inputs.probabilities.get(stage, 0.0) if due else 0.0, "configured")
            chances[key] = found
        out.append((d, found[0], found[1], key[2]))
    return out


def outcome_quantiles(
    deals: Sequence[tuple[int, float]],
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    *,
    sims: int = SIMS,
    seed: int = SEED,
    exact: int = EXACT_DEALS,
) -> tuple[int, ...]:
    """Quantiles of the money won from ``deals`` ((amount, chance) each, won or not independently), by simulation.

    Each quantile q is the smallest simulated total that at least q of the ``sims`` totals do not exceed. With more
    than ``exact`` deals, the ``exact`` largest contributors to the spread (amount² × p(1 − p)) are drawn one by one
    and the rest, each too small to shape the range, as one normal term of their exact mean and variance: the draws
    stay a few hundred thousand at 200 reps, pure Python.

    The draws are made deal by deal (the normal term's first, then each drawn deal's outcome in every simulation):
    a rep has a handful of open deals, so one pass over the totals per deal costs half of one list per simulation
    (:data:`DRAW_ORDER` names this order in the kept ranges' keys)."""
    live = [(a, p) for a, p in deals if p > 0 and a > 0]
    order = sorted(range(len(live)), key=lambda i: -(live[i][0] ** 2) * live[i][1] * (1 - live[i][1]))
    drawn = [live[i] for i in sorted(order[:exact])]
    rest = [live[i] for i in order[exact:]]
    rng = random.Random(seed)
    totals: list[float]
    if rest:
        mean = sum(a * p for a, p in rest)
        sd = math.sqrt(sum(a * a * p * (1 - p) for a, p in rest))
        gauss = rng.gauss
        totals = [gauss(mean, sd) for _ in range(sims)]
    else:
        totals = [0] * sims
    draw = rng.random
    for a, p in drawn:
        totals = [t + a if draw() < p else t for t in totals]
    totals.sort()
    return tuple(round(totals[max(0, math.ceil(q * sims) - 1)]) for q in quantiles)


def _parts(inputs: ForecastInputs, rep_id: int | None) -> tuple[int, int, list[tuple[DealAt, float, str, bool]]]:
    """Won so far, the run rate of new deals, and the priced open deals of one scope."""
    won = (inputs.won.get(rep_id, 0) if rep_id is not None else sum(inputs.won.values())) or 0
    learned = inputs.learned
    # The run rate is learned at the same point of the past periods: it already covers the rest of the period.
    new = 0
    if learned.periods and not inputs.complete:
        new = round(learned.scope_sum(learned.new_won, rep_id) / learned.periods)
    return won, new, _priced(inputs, rep_id)


def expected_revenue(inputs: ForecastInputs, rep_id: int | None = None) -> int:
    """The expected period-end revenue of one scope (no simulation): won + Σ amount × chance + new deals."""
    won, new, priced = _parts(inputs, rep_id)
    return round(won + new + sum(d.amount * chance for d, chance, _source, _due in priced))


def forecast_scope(
    inputs: ForecastInputs,
    *,
    rep_id: int | None = None,
    quota: int = 0,
    backtest: Sequence[BacktestPoint] = (),
) -> Forecast:
    """The forecast of one scope (a rep, or the team filter with None) from its period's inputs."""
    return _forecast_scope(inputs, rep_id, quota, backtest, outcome_quantiles)


Simulate = Callable[[Sequence[tuple[int, float]]], tuple[int, ...]]


def _kept_ranges(cache: ForecastCache) -> Simulate:
    """:func:`outcome_quantiles` kept by the digest of its inputs: a scope whose open deals and chances did not
    move since the last forecast is not simulated again."""

    def simulate(pairs: Sequence[tuple[int, float]]) -> tuple[int, ...]:
        digest = hashlib.sha1(repr((SIMS, SEED, EXACT_DEALS, DRAW_ORDER, len(pairs))).encode("ascii"))
        digest.update(array("q", [a for a, _ in pairs]).tobytes())
        digest.update(array("d", [c for _, c in pairs]).tobytes())
        key = digest.hexdigest()
        return cache.quantiles(key, lambda: outcome_quantiles(pairs))

    return simulate


def _forecast_scope(
    inputs: ForecastInputs,
    rep_id: int | None,
    quota: int,
    backtest: Sequence[BacktestPoint],
    simulate: Simulate,
) -> Forecast:
    won, new, priced = _parts(inputs, rep_id)
    learned = inputs.learned
    pairs = [(d.amount, chance) for d, chance, _source, _due in priced]
    p10, p50, p90 = simulate(pairs)
    base = won + new
    due = 0
    counts = {"own": 0, "team": 0, "configured": 0}
    for d, _chance, source, is_due in priced:  # one pass: 200 reps' scopes are priced at every refresh
        counts[source] += 1
        if is_due:
            due += d.amount
    gap = max(int(quota or 0) - won, 0)
    due_amount = learned.scope_sum(learned.due_amount, rep_id)
    due_won = learned.scope_sum(learned.due_won, rep_id)
    if rep_id is not None and due_amount == 0:  # no history of their own: the team's conversion
        due_amount, due_won = sum(learned.due_amount.values()), sum(learned.due_won.values())
    basis = Basis(
        learned.window, counts["own"], counts["team"], counts["configured"], _basis_message(counts, learned, rep_id)
    )
    return Forecast(
        rep_id=rep_id,
        won=won,
        expected=round(base + sum(a * c for a, c in pairs)),
        new=new,
        p10=base + p10,
        p50=base + p50,
        p90=base + p90,
        best_case=base + sum(a for a, c in pairs if c > 0),
        quota=int(quota or 0),
        due=due,
        coverage=due / gap if gap and not inputs.complete else None,
        coverage_needed=due_amount / due_won if due_won and not inputs.complete else None,
        basis=basis,
        complete=inputs.complete,
        backtest=tuple(backtest),
        mape=_mape(backtest),
        bias=_bias(backtest),
    )


def _basis_message(counts: Mapping[str, int], learned: Learned, rep_id: int | None) -> str:
    total = sum(counts.values())
    if not total:
        return "No open deal to forecast."
    whose = "own" if rep_id is not None else "the team's"
    window = f" ({learned.window})" if learned.window else ""
    if counts["own"] == total:
        return f"All {total} open deals priced from {whose} history{window}."
    parts = []
    if counts["own"]:
        parts.append(f"{counts['own']} from {whose} history{window}")
    if counts["team"]:
        parts.append(f"{counts['team']} from the team's (own history thin)")
    if counts["configured"]:
        parts.append(f"{counts['configured']} from the configured stage probabilities (history thin)")
    return f"Of {total} open deals: " + ", ".join(parts) + "."


def _scored(points: Iterable[BacktestPoint]) -> list[BacktestPoint]:
    return [p for p in points if p.actual > 0]


def _mape(points: Sequence[BacktestPoint]) -> float | None:
    scored = _scored(points)
    return sum(abs(p.error) / p.actual for p in scored) / len(scored) if scored else None


def _bias(points: Sequence[BacktestPoint]) -> float | None:
    scored = _scored(points)
    return sum(p.error / p.actual for p in scored) / len(scored) if scored else None


# ------------------------------------------------------------------------------------------------ track record


@dataclass(frozen=True)
class BacktestRun:
    """The backtest's reads: each scored period's forecast inputs at its midpoint and what was won in it."""

    points: tuple[tuple[ForecastInputs, Mapping[int, int]], ...] = field(default=())


def _scored_periods(store: Store, period: Period, periods: int) -> list[Period]:
    """The ``periods`` periods before ``period``, newest first, that end after the first deal was created."""
    first = first_deal_at(store)
    scored: list[Period] = []
    p = period
    for _ in range(periods):
        p = p.previous()
        if first is None or p.end_ts <= first:
            break
        scored.append(p)
    return scored


def backtest_inputs(store: Store, period: Period, *, team: str | None = None, periods: int = BACKTEST) -> BacktestRun:
    """Read the backtest of the ``periods`` periods before ``period`` (those that end after the first deal): each as
    of its midpoint, its pipeline rebuilt as it stood then, its chances learned from the :data:`WINDOW` periods before
    it. The midpoints are shared: each period's pipeline is also the history of the later ones."""
    scored = _scored_periods(store, period, periods)
    if not scored:
        return BacktestRun()
    # Every midpoint read once: the scored periods and the window behind the oldest.
    every = list(scored)
    p = scored[-1]
    for _ in range(WINDOW):
        p = p.previous()
        every.append(p)
    moments = [_point(x, 0.5) for x in every]
    opened = open_deals_at(store, moments, team=team)
    news = won_new_by_rep(store, [(m, x.end_ts) for m, x in zip(moments, every, strict=True)], team=team)
    halves = won_by_rep(store, [(x.start_ts, _point(x, 0.5)) for x in scored], team=team)
    wholes = won_by_rep(store, [(x.start_ts, x.end_ts) for x in scored], team=team)
    probabilities = {s.name: s.probability for s in store.stages()}
    points = []
    for i, x in enumerate(scored):
        window = every[i + 1 : i + 1 + WINDOW]
        learned = _learned_from(window, moments[i + 1 : i + 1 + WINDOW], opened, news[i + 1 : i + 1 + WINDOW])
        at = moments[i]
        inputs = ForecastInputs(x, at, opened[at], halves[i], learned, probabilities, False)
        points.append((inputs, wholes[i]))
    return BacktestRun(tuple(reversed(points)))  # oldest first


def backtest(run: BacktestRun, rep_id: int | None = None) -> tuple[BacktestPoint, ...]:
    """The scope's forecast (expected value) of each backtested period at its midpoint, against what was won."""
    out = []
    for inputs, actual in run.points:
        won = actual.get(rep_id, 0) if rep_id is not None else sum(actual.values())
        # The expected value, not the P50: the point the method stands on, and no simulation to run six times.
        out.append(BacktestPoint(inputs.period.label, expected_revenue(inputs, rep_id), won))
    return tuple(out)


@dataclass(frozen=True)
class Forecasts:
    """The forecast of the team (or team filter) and of each rep asked for."""

    team: Forecast
    reps: Mapping[int, Forecast]


def forecasts(
    store: Store,
    period: Period,
    now_ts: int,
    *,
    team: str | None = None,
    team_quota: int = 0,
    rep_quotas: Mapping[int, int] | None = None,
    with_backtest: bool = True,
) -> Forecasts:
    """The forecasts of the team and of each rep of ``rep_quotas`` (rep id → quota), with their track record."""
    cache = _synced_cache(store)
    if cache is None:  # no store file to keep anything for: read everything afresh
        inputs = _forecast_inputs(store, period, now_ts, team, None)
        tracks = _tracks(store, period, team) if with_backtest else {}
        simulate: Simulate = outcome_quantiles
    else:
        with cache.lock:
            inputs = _forecast_inputs(store, period, now_ts, team, cache)
            tracks = {}
            if with_backtest:
                text = period_text(period)
                key = ("backtest", period.start_ts, period.end_ts, text, BACKTEST, team)
                compute = lambda: _tracks_to_json(_tracks(store, period, team))  # noqa: E731
                tracks = cache.get_decoded(key, compute, _tracks_from_json, period=text)
        simulate = _kept_ranges(cache)

    def track(rep_id: int | None) -> tuple[BacktestPoint, ...]:
        found = tracks.get(rep_id)
        if found is None:  # no deal nor revenue in any scored period: forecast 0, actual 0
            found = tuple(BacktestPoint(p.period, 0, 0) for p in tracks.get(None, ()))
        return found

    if cache is None:
        return _scopes(inputs, team_quota, rep_quotas, track, simulate)
    with cache.lock:
        return _scopes(inputs, team_quota, rep_quotas, track, simulate)


def keep_forecast_history(store: Store, period: Period, now_ts: int) -> None:
    """Compute what the whole team's forecast of ``period`` as of ``now_ts`` learns from finished periods and its
    track record, which a writable ``store`` keeps in the database for everyone (the generator and ``cockpit import``
    run it, as they count the KPI buckets: the first cockpit, the insights and the first report on the new data
    read it)."""
    forecasts(store, period, now_ts)


def _scopes(
    inputs: ForecastInputs,
    team_quota: int,
    rep_quotas: Mapping[int, int] | None,
    track: Callable[[int | None], tuple[BacktestPoint, ...]],
    simulate: Simulate,
) -> Forecasts:
    reps = {
        rep_id: _forecast_scope(inputs, rep_id, quota, track(rep_id), simulate)
        for rep_id, quota in (rep_quotas or {}).items()
    }
    return Forecasts(_forecast_scope(inputs, None, team_quota, track(None), simulate), reps)


# ------------------------------------------------------------------------------------------------ kept track record


def _tracks(
    store: Store, period: Period, team: str | None, periods: int = BACKTEST
) -> dict[int | None, tuple[BacktestPoint, ...]]:
    """:func:`backtest` of every scope at once, from counts made in SQL (:func:`_learn`'s) instead of every deal:
    each scored period's pipeline at its midpoint priced by (owner, stage, age band, due), as :func:`price` prices
    each of its deals. The team's under None; a rep absent from every scored period is left out (0 against 0)."""
    scored = _scored_periods(store, period, periods)
    if not scored:
        return {}
    every = list(scored)
    p = scored[-1]
    for _ in range(WINDOW):
        p = p.previous()
        every.append(p)
    moments = [_point(x, 0.5) for x in every]
    spans = [(m, x.end_ts) for m, x in zip(moments, every, strict=True)]
    cells = pipeline_cells_at(store, spans, _EDGES, team=team)
    news = won_new_by_rep(store, spans, team=team)
    halves = won_by_rep(store, [(x.start_ts, _point(x, 0.5)) for x in scored], team=team)
    wholes = won_by_rep(store, [(x.start_ts, x.end_ts) for x in scored], team=team)
    probabilities = {s.name: s.probability for s in store.stages()}
    points: dict[int | None, list[BacktestPoint]] = defaultdict(list)
    for i in reversed(range(len(scored))):  # oldest first
        window = slice(i + 1, i + 1 + WINDOW)
        learned = _learned_from_cells(every[window], cells[window], news[window])
        team_cells = learned.team_cells
        open_value: dict[int | None, float] = defaultdict(float)
        for c in cells[i]:
            for scope in (c.rep_id, None):
                own = learned.scope_cells(scope)
                mine = own.get((c.stage, c.band))
                theirs = team_cells.get((c.stage, c.band)) if scope is not None else None
                if mine is not None and mine.deals >= MIN_DEALS:
                    chance = mine.won / mine.deals
                elif theirs is not None and theirs.deals >= MIN_DEALS:
                    chance = theirs.won / theirs.deals
                else:
                    chance = probabilities.get(c.stage, 0.0) if c.due else 0.0
                open_value[scope] += c.amount * chance
        half, whole = halves[i], wholes[i]
        reps = {c.rep_id for c in cells[i]} | set(half) | set(whole) | set(learned.new_won)
        for scope in (None, *sorted(reps)):
            won = learned.scope_sum(half, scope)
            new = round(learned.scope_sum(learned.new_won, scope) / learned.periods) if learned.periods else 0
            forecast = round(won + new + open_value.get(scope, 0.0))
            points[scope].append(BacktestPoint(scored[i].label, forecast, learned.scope_sum(whole, scope)))
    # A rep present in some scored periods only: 0 against 0 in the others, in period order.
    labels = [p.period for p in points[None]]
    out: dict[int | None, tuple[BacktestPoint, ...]] = {}
    for scope, found in points.items():
        by_label = {p.period: p for p in found}
        out[scope] = tuple(by_label.get(label, BacktestPoint(label, 0, 0)) for label in labels)
    return out


def _tracks_to_json(tracks: Mapping[int | None, Sequence[BacktestPoint]]) -> list[Any]:
    return [[scope, [[p.period, p.forecast, p.actual] for p in points]] for scope, points in tracks.items()]


def _tracks_from_json(data: Sequence[Any]) -> dict[int | None, tuple[BacktestPoint, ...]]:
    """The track records as :func:`_tracks_to_json` saved them; ValueError for what no computation gives (a row
    another member of the file wrote): a number that is not an integer or past SQLite's, a scope whose periods are
    not the team's, a period named twice, more periods than the backtest scores."""
    tracks = {
        (None if scope is None else _whole(scope)): tuple(BacktestPoint(a, _whole(b), _whole(c)) for a, b, c in points)
        for scope, points in data
    }
    labels = [p.period for p in tracks.get(None, ())]
    if len(labels) > BACKTEST or len(set(labels)) != len(labels) or not all(type(x) is str for x in labels):
        raise ValueError("not a track record")
    if any([p.period for p in points] != labels for points in tracks.values()):
        raise ValueError("not a track record")
    return tracks

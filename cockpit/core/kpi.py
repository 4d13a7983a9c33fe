"""KPI definitions over the store: one call builds the dashboard snapshot for a period.

The definitions are the contract of ``cockpit report --format json`` (issue 2 §4). Aggregation runs in SQL, in the
store's measures (``cockpit.core.store.measures``): each query groups by (trend bucket, rep) over a covering index,
in one read transaction, for all trend periods at once; Python only adds, divides and compares. Money stays in
integer minor units here; a ratio whose denominator is 0 is ``None``.

Costs and quotas are stored by month and read afresh by every dashboard (never cached). A period that holds part of a
month takes part of it: quotas by business days, costs by calendar days (:class:`MonthlyMoney`), so that a week, a
range across two months or a fiscal year gets its share and the shares of a month add up to it exactly.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cockpit.core.kpi_cache import BucketMeasures, cache_for
from cockpit.core.periods import Period, last_n, month_shares, parse_holidays, period_containing
from cockpit.core.store import Store
from cockpit.core.store.measures import (
    BUCKET_MEASURES,
    FreshReads,
    Measure,
    bucket_rows,
    fresh_reads,
    recorded_between,
)

KPI_NAMES: tuple[str, ...] = (
    "revenue",
    "won",
    "lost",
    "win_rate",
    "opportunities",
    "conversion_rate",
    "avg_deal_size",
    "customers",
    "avg_basket",
    "new_customers",
    "cost",
    "cac",
    "calls",
    "calls_per_rep",
    "calls_per_opportunity",
    "calls_to_win",
    "reps",
    "revenue_per_rep",
    "pipeline_value",
    "weighted_pipeline",
    "quota",
    "attainment",
)

#: KPIs measured in money (minor units in the snapshot, major units in reports).
MONEY_KPIS = frozenset(
    {
        "revenue",
        "avg_deal_size",
        "avg_basket",
        "cost",
        "cac",
        "revenue_per_rep",
        "pipeline_value",
        "weighted_pipeline",
        "quota",
    }
)
#: Counts (whole numbers for one scope; a median of two counts may end in .5).
COUNT_KPIS = frozenset({"won", "lost", "opportunities", "customers", "new_customers", "calls", "reps"})
#: Shares in [0, 1].
RATE_KPIS = frozenset({"win_rate", "conversion_rate"})
#: Shares that may pass 1.
RATIO_KPIS = frozenset({"attainment"})
#: Where a lower value is better (the UI colours and the diagnosis read this).
LOWER_IS_BETTER = frozenset({"cac", "calls_per_opportunity", "calls_to_win", "cost", "lost"})

KPI_LABELS: dict[str, str] = {
    "revenue": "Revenue",
    "won": "Won",
    "lost": "Lost",
    "win_rate": "Win rate",
    "opportunities": "Opportunities",
    "conversion_rate": "Conversion",
    "avg_deal_size": "Avg deal",
    "customers": "Customers",
    "avg_basket": "Avg basket",
    "new_customers": "New customers",
    "cost": "Cost",
    "cac": "CAC",
    "calls": "Calls",
    "calls_per_rep": "Calls/rep",
    "calls_per_opportunity": "Calls/opp",
    "calls_to_win": "Calls to win",
    "reps": "Reps",
    "revenue_per_rep": "Revenue/rep",
    "pipeline_value": "Pipeline",
    "weighted_pipeline": "Weighted",
    "quota": "Quota",
    "attainment": "Attainment",
}

# Base measures: what SQL counts; KPIs are derived from them. The additive ones sum from reps to the team.
_ADDITIVE = (
    "revenue",
    "won",
    "lost",
    "opportunities",
    "opp_won",
    "new_customers",
    "calls",
    "calls_linked",
    "win_calls",
    "pipeline_value",
    "weighted_pipeline",
)
# Non-additive: a distinct count over the team is not the sum of the reps' distinct counts.
_DISTINCT = ("customers", "call_deals")


@dataclass(frozen=True)
class KpiRow:
    """The KPIs of one scope (the team or a rep) for one period. Money in minor units."""

    scope: str  # "team" | "rep"
    rep_id: int | None
    rep: str | None
    team: str | None
    values: dict[str, float | int | None]

    def __getitem__(self, kpi: str) -> float | int | None:
        return self.values[kpi]


@dataclass(frozen=True)
class Dashboard:
    """Everything the cockpit shows for one period, built by one call of :func:`dashboard`."""

    period: Period
    previous: Period
    periods: tuple[Period, ...]  # trend buckets, oldest first; the last is ``period``
    team: KpiRow
    previous_team: KpiRow
    reps: tuple[KpiRow, ...]
    previous_reps: dict[int, KpiRow]
    # Each series a tuple, as the rest of the dashboard does not change either; one that holds only numbers is not
    # tracked by the garbage collector (a 200-rep dashboard holds ~4,400 series, made again at every refresh).
    team_trend: dict[str, tuple[float | int | None, ...]]
    rep_trends: dict[int, dict[str, tuple[float | int | None, ...]]]
    team_filter: str | None = None
    anchored: bool = False  # the period was moved to the latest recorded data
    extra: dict[str, Any] = field(default_factory=dict)

    def rep_row(self, rep_id: int) -> KpiRow | None:
        return next((r for r in self.reps if r.rep_id == rep_id), None)

    def median(self, kpi: str, *, active_only: bool = True) -> float | None:
        """The median of a KPI over the rep rows (skipping nulls)."""
        return median([r.values[kpi] for r in self.reps if not active_only or r.values["reps"]])


def median(values: Iterable[float | int | None]) -> float | None:
    """Median of the non-null values, or None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when the denominator is 0 or unknown."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def derive(base: dict[str, int | float], *, scope: str) -> dict[str, float | int | None]:
    """The KPI values from the base measures of one scope and period (definitions of issue 2 §4).

    Written out (no helper calls): a dashboard derives every rep in every trend bucket, ~2,400 times at 200 reps.
    Each ratio is None when its denominator is 0, as :func:`ratio` says."""
    get = base.get
    revenue = get("revenue", 0)
    won = get("won", 0)
    lost = get("lost", 0)
    reps = get("reps", 0)
    quota = get("quota", 0)
    opportunities = get("opportunities", 0)
    opp_won = get("opp_won", 0)
    customers = get("customers", 0)
    new_customers = get("new_customers", 0)
    calls = get("calls", 0)
    call_deals = get("call_deals", 0)
    cost = get("cost", 0) if scope == "team" else None
    return {
        "revenue": revenue,
        "won": won,
        "lost": lost,
        "win_rate": won / (won + lost) if won + lost else None,
        "opportunities": opportunities,
        "conversion_rate": opp_won / opportunities if opportunities else None,
        "avg_deal_size": revenue / won if won else None,
        "customers": customers,
        "avg_basket": revenue / customers if customers else None,
        "new_customers": new_customers,
        "cost": cost,
        "cac": cost / new_customers if cost is not None and new_customers else None,
        "calls": calls,
        "calls_per_rep": calls / reps if reps else None,
        "calls_per_opportunity": get("calls_linked", 0) / call_deals if call_deals else None,
        "calls_to_win": get("win_calls", 0) / won if won else None,
        "reps": reps,
        "revenue_per_rep": revenue / reps if reps else None,
        "pipeline_value": get("pipeline_value", 0),
        "weighted_pipeline": round(get("weighted_pipeline", 0)),
        "quota": quota,
        "attainment": revenue / quota if quota else None,
    }


class _Measures:
    """Base measures keyed by (bucket, rep_id) for reps and by bucket for the team."""

    def __init__(self) -> None:
        self.rep: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: defaultdict(int))
        self.team: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(int))
        self.sources: dict[int, BucketMeasures] = {}  # the cache entry each bucket came from, when cached
        self._sums: dict[int, dict[str, float]] | None = None  # bucket_sums(), once the measures are in

    def add_rep_rows(self, rows: Iterable[Sequence[Any]], names: Sequence[str]) -> None:
        for row in rows:
            bucket, rep_id, *values = row
            target = self.rep[(bucket, rep_id)]
            for name, value in zip(names, values, strict=True):
                target[name] += value or 0

    def bucket_sums(self) -> dict[int, dict[str, float]]:
        """The additive measures summed over the reps, per bucket (computed once, after the measures are in)."""
        if self._sums is None:
            sums: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(_ADDITIVE, 0))
            for (bucket, _rep), values in self.rep.items():
                target = sums[bucket]
                for name in _ADDITIVE:
                    target[name] += values.get(name, 0)
            self._sums = sums
        return self._sums

    def add_team_rows(self, rows: Iterable[Sequence[Any]], names: Sequence[str]) -> None:
        for row in rows:
            bucket, *values = row
            for name, value in zip(names, values, strict=True):
                self.team[bucket][name] += value or 0


def collect(
    store: Store,
    periods: Sequence[Period],
    *,
    team: str | None = None,
    cached: bool = True,
    holidays: Iterable[str] | frozenset[_dt.date] = (),
) -> _Measures:
    """Run the KPI queries for every bucket in one read transaction.

    With ``cached`` (the default) the base measures of buckets that no write has touched since an earlier call on the
    same Store come from :mod:`cockpit.core.kpi_cache`; only the others are queried. The result is the same either way.
    Quotas and costs are read afresh every time, for every month a bucket overlaps, and prorated into the buckets
    (:meth:`MonthlyMoney.in_period`; quotas by business days, less ``holidays``).
    """
    days = holidays if isinstance(holidays, frozenset) else parse_holidays(holidays)
    m = _Measures()
    with store.read() as conn:
        cache = cache_for(store) if cached else None
        if cache is not None:
            with cache.lock:
                cache.sync(conn)
                keys = [(p.start_ts, p.end_ts, team) for p in periods]
                found = cache.find(conn, keys)  # in this process, or stored in the database by any cockpit
                missing = [i for i, hit in found.items() if hit is None]
                if missing:
                    fresh = _Measures()
                    _add_buckets(conn, periods, missing, team, fresh)
                    for i in missing:
                        found[i] = _bucket_of(fresh, i)
                        cache.put(keys[i], found[i])
                # Held buckets a write reached in part: only the measures it reached are counted again.
                stale: dict[frozenset[str], list[int]] = defaultdict(list)
                for i, hit in found.items():
                    if hit is not None and keys[i] in cache.stale:
                        stale[cache.stale[keys[i]]].append(i)
                for names, indexes in stale.items():
                    fresh = _Measures()
                    spans = [(i, periods[i].start_ts, periods[i].end_ts) for i in indexes]
                    counted = _add_spans(conn, spans, team, fresh, [m for m in BUCKET_MEASURES if m.name in names])
                    for i in indexes:
                        held = found[i]
                        assert held is not None
                        found[i] = held.recounted(_bucket_of(fresh, i), counted)
                        cache.put(keys[i], found[i])
                again = [keys[i] for i in missing] + [keys[i] for indexes in stale.values() for i in indexes]
                cache.computed(again, int(store.clock()))
        else:
            fresh = _Measures()
            _add_buckets(conn, periods, range(len(periods)), team, fresh)
            found = {i: _bucket_of(fresh, i) for i in range(len(periods))}
        if cache is not None:
            m.sources = {i: bucket for i, bucket in found.items() if bucket is not None}
        for i in range(len(periods)):
            bucket = found[i]
            assert bucket is not None
            # Copies: the caller's _Measures must never alias the cached dicts.
            for rep_id, values in bucket.rep.items():
                m.rep[(i, rep_id)] = defaultdict(int, values)
            if bucket.team:
                m.team[i] = defaultdict(int, bucket.team)
        months = sorted({share.month for p in periods for share in month_shares(p)})
        money = fresh_reads(conn, months, team)
    if cache is not None:
        cache.save(store)  # what was computed here, for every other cockpit on this file (kpi_cache)
    m.reps = money.reps  # type: ignore[attr-defined]
    _add_money_by_month(m, periods, money, days)
    return m


def _bucket_of(m: _Measures, i: int) -> BucketMeasures:
    """Bucket ``i`` of ``m`` as a cache entry, reps in id order so that later sums always run in the same order."""
    reps = sorted(rep_id for (bucket, rep_id) in m.rep if bucket == i)
    return BucketMeasures(
        rep={rep_id: dict(m.rep[(i, rep_id)]) for rep_id in reps},
        team=dict(m.team[i]) if i in m.team else {},
    )


def _add_buckets(
    conn: sqlite3.Connection, periods: Sequence[Period], indexes: Sequence[int], team: str | None, m: _Measures
) -> None:
    """The base measures of the buckets ``indexes`` (into ``periods``), added to ``m`` under those indexes."""
    _add_spans(conn, [(i, periods[i].start_ts, periods[i].end_ts) for i in indexes], team, m)


def _add_spans(
    conn: sqlite3.Connection,
    spans: Sequence[tuple[int, int, int]],
    team: str | None,
    m: _Measures,
    measures: Sequence[Measure] = BUCKET_MEASURES,
) -> set[tuple[str, str]]:
    """The base measures of the buckets ``spans`` ((index, start, end)) counted by ``measures`` (all by default),
    added to ``m`` under their indexes; returns what was counted, as (scope, name) pairs."""
    counted: set[tuple[str, str]] = set()
    for found in bucket_rows(conn, spans, team, measures):
        counted.update((found.scope, name) for name in found.names)
        if found.scope == "rep":
            m.add_rep_rows(found.rows, found.names)
        else:
            m.add_team_rows(found.rows, found.names)
    return counted


def recount(conn: sqlite3.Connection, keys: Sequence[tuple[int, int, str | None]]) -> list[BucketMeasures]:
    """The base measures of the buckets ``keys`` ((start, end, team filter)) counted from the rows, in ``keys``
    order, as the cache would hold them; run inside one read transaction (``cockpit check``'s recount)."""
    out: dict[int, BucketMeasures] = {}
    for team in {key[2] for key in keys}:
        indexes = [i for i, key in enumerate(keys) if key[2] == team]
        m = _Measures()
        _add_spans(conn, [(i, keys[i][0], keys[i][1]) for i in indexes], team, m)
        out.update({i: _bucket_of(m, i) for i in indexes})
    return [out[i] for i in range(len(keys))]


def _add_money_by_month(
    m: _Measures, periods: Sequence[Period], fresh: FreshReads, holidays: frozenset[_dt.date]
) -> None:
    money = MonthlyMoney.of(fresh)
    for i, p in enumerate(periods):
        found = money.in_period(p, holidays)
        for rep_id, amount in found.rep_quota.items():
            m.rep[(i, rep_id)]["quota"] += amount
        m.team[i]["quota"] += found.team_quota
        m.team[i]["cost"] += found.cost


def cost_in(period: Period, by_month: Mapping[str, int]) -> int:
    """The part of monthly costs (``YYYY-MM`` -> minor units) that falls in ``period``, by calendar days.

    A month the period holds whole counts in full; a month it holds in part counts for its share of the month's
    calendar days, rounded as :class:`~cockpit.core.periods.MonthShare` says (the parts of a month add up to it)."""
    return sum(share.of(by_month[share.month]) for share in month_shares(period) if share.month in by_month)


def quota_in(period: Period, by_month: Mapping[str, int], holidays: frozenset[_dt.date] = frozenset()) -> int:
    """The part of monthly quotas (``YYYY-MM`` -> minor units) that falls in ``period``, by business days
    (weekdays that are not ``holidays``), rounded as :class:`~cockpit.core.periods.MonthShare` says."""
    shares = month_shares(period, by_business_days=True, holidays=holidays)
    return sum(share.of(by_month[share.month]) for share in shares if share.month in by_month)


@dataclass(frozen=True)
class PeriodMoney:
    """The quotas and the cost of one period and scope, monthly entries prorated (minor units)."""

    rep_quota: dict[int, int]  # every rep in scope with a quota in a month the period overlaps (its part may be 0)
    team_quota: int
    cost: int


@dataclass(frozen=True)
class MonthlyMoney:
    """The monthly quotas and costs of a dashboard's months, indexed to be prorated into any of its periods.

    :meth:`in_period` is the one place quotas and costs meet periods: the KPI strip (cost, CAC, quota, attainment),
    the scorecards, the pace and plan (which read the dashboard's quota) and the report all get its figures."""

    rep_team: dict[int, str]  # rep in scope -> team, casefolded (teams compare as the --team filter does)
    rep_quotas: dict[str, dict[int, int]]  # month -> rep -> amount
    team_quotas: dict[tuple[str, str], int]  # (team casefolded, month) -> the team's own quota
    costs: dict[str, int]  # month -> total cost

    @classmethod
    def of(cls, fresh: FreshReads) -> MonthlyMoney:
        rep_team = {r["id"]: r["team"].casefold() for r in fresh.reps}
        rep_quotas: dict[str, dict[int, int]] = defaultdict(dict)
        for rep_id, month, amount in fresh.rep_quotas:
            if rep_id in rep_team:
                rep_quotas[month][rep_id] = amount
        team_quotas: dict[tuple[str, str], int] = defaultdict(int)
        for name, month, amount in fresh.team_quotas:
            team_quotas[(name.casefold(), month)] += amount
        return cls(rep_team, dict(rep_quotas), dict(team_quotas), {r[0]: r[1] for r in fresh.costs})

    def in_period(self, period: Period, holidays: frozenset[_dt.date] = frozenset()) -> PeriodMoney:
        """Quotas prorated by business days and costs by calendar days into ``period`` (a whole month exactly).

        A team's quota for a month is its own quota when a manager set one (prorated), else the sum of its reps'
        prorated quotas, so that it equals the sum of their rows' quotas to the cent."""
        teams = set(self.rep_team.values())
        rep_quota: dict[int, int] = defaultdict(int)
        team_quota = 0
        for share in month_shares(period, by_business_days=True, holidays=holidays):
            of_team: dict[str, int] = defaultdict(int)
            for rep_id, amount in self.rep_quotas.get(share.month, {}).items():
                part = share.of(amount)
                rep_quota[rep_id] += part
                of_team[self.rep_team[rep_id]] += part
            for team in teams:
                own = self.team_quotas.get((team, share.month))
                team_quota += share.of(own) if own is not None else of_team.get(team, 0)
        return PeriodMoney(dict(rep_quota), team_quota, cost_in(period, self.costs))


def _counted(reps: Iterable[Any]) -> set[int]:
    """The reps that count in ``reps`` (the per-rep denominators): active, with role rep."""
    return {r["id"] for r in reps if r["role"] == "rep" and r["active"]}


def _rep_base(m: _Measures, counted: set[int], i: int, rep_id: int) -> dict[str, float]:
    base = dict(m.rep.get((i, rep_id), {}))
    base["reps"] = 1 if rep_id in counted else 0
    return base


def _team_base(m: _Measures, active_count: int, i: int) -> dict[str, float]:
    sums = m.bucket_sums()
    base: dict[str, float] = defaultdict(int, sums.get(i, {}))
    for name, value in m.team.get(i, {}).items():
        base[name] = value
    for name in _DISTINCT:
        base.setdefault(name, 0)
    base["reps"] = active_count
    return base


def period_rows(
    store: Store,
    period: Period,
    *,
    team: str | None = None,
    holidays: Iterable[str] | frozenset[_dt.date] = (),
) -> tuple[KpiRow, dict[int, KpiRow]]:
    """The team row and the rows of the reps with data (or counted) in one period, without previous or trends.

    What the plan's trailing-window rates need: one bucket, where :func:`dashboard` would also compute the bucket
    before it."""
    m = collect(store, (period,), team=team, holidays=holidays)
    reps = m.reps  # type: ignore[attr-defined]
    counted = _counted(reps)
    rows = {
        r["id"]: KpiRow("rep", r["id"], r["name"], r["team"], derive(_rep_base(m, counted, 0, r["id"]), scope="rep"))
        for r in reps
        if r["id"] in counted or m.rep.get((0, r["id"]))
    }
    return KpiRow("team", None, None, team, derive(_team_base(m, len(counted), 0), scope="team")), rows


def dashboard(
    store: Store,
    period: Period,
    *,
    team: str | None = None,
    trend: int = 12,
    anchored: bool = False,
    include_rep: int | None = None,
    holidays: Iterable[str] | frozenset[_dt.date] = (),
    cached: bool = True,
) -> Dashboard:
    """Every KPI for the team and every rep in ``period``, the previous period, and ``trend``-period series.

    Rep rows are the active reps and anyone with data in the period or the previous one; ``include_rep`` adds that
    rep's row in any case (a report asked for one rep, even an inactive one with nothing recorded). ``holidays``
    (the configured ones, 'YYYY-MM-DD') are the days a quota is not spread over when a period holds part of a month.
    ``cached=False`` counts every bucket from the rows (a recount: ``cockpit check``, the tests' reference).
    """
    periods = tuple(last_n(period, max(trend, 2)))
    m = collect(store, periods, team=team, holidays=holidays, cached=cached)
    reps = m.reps  # type: ignore[attr-defined]
    counted = _counted(reps)
    rep_base = partial(_rep_base, m, counted)
    team_base = partial(_team_base, m, len(counted))

    def rep_kpis(i: int, rep_id: int) -> dict[str, float | int | None]:
        # A rep's KPIs in a bucket depend on the bucket's cached measures, whether the rep counts, and the quota
        # (read afresh): memoized on the cache entry, so a refresh derives only the buckets a write reached.
        source = m.sources.get(i)
        if source is None:
            return derive(rep_base(i, rep_id), scope="rep")
        key = (rep_id, rep_id in counted, m.rep.get((i, rep_id), {}).get("quota", 0))
        found = source.derived.get(key)
        if found is None:
            found = source.derived[key] = derive(rep_base(i, rep_id), scope="rep")
        return found

    last, prev = len(periods) - 1, len(periods) - 2
    team_rows = [derive(team_base(i), scope="team") for i in range(len(periods))]
    shown = [
        r
        for r in reps
        if r["id"] in counted or r["id"] == include_rep or any(m.rep.get((i, r["id"])) for i in (last, prev))
    ]
    rep_rows: list[KpiRow] = []
    previous_reps: dict[int, KpiRow] = {}
    rep_trends: dict[int, dict[str, tuple[float | int | None, ...]]] = {}
    for r in sorted(shown, key=lambda r: r["name"].casefold()):
        series = [rep_kpis(i, r["id"]) for i in range(len(periods))]
        rep_rows.append(KpiRow("rep", r["id"], r["name"], r["team"], series[last]))
        previous_reps[r["id"]] = KpiRow("rep", r["id"], r["name"], r["team"], series[prev])
        rep_trends[r["id"]] = {k: tuple([s[k] for s in series][-trend:]) for k in KPI_NAMES}
    return Dashboard(
        period=period,
        previous=periods[prev],
        periods=periods[-trend:],
        team=KpiRow("team", None, None, team, team_rows[last]),
        previous_team=KpiRow("team", None, None, team, team_rows[prev]),
        reps=tuple(rep_rows),
        previous_reps=previous_reps,
        team_trend={k: tuple([row[k] for row in team_rows][-trend:]) for k in KPI_NAMES},
        rep_trends=rep_trends,
        team_filter=team,
        anchored=anchored,
    )


def default_period(
    store: Store,
    kind: str,
    *,
    now: Any,
    tz: str | None,
    fiscal_year_start: int = 1,
) -> tuple[Period, bool]:
    """The period of ``kind`` containing now; when the database holds nothing in it, the one holding the latest
    recorded date instead (so an archive does not open empty). Returns (period, anchored)."""
    period = period_containing(kind, now, tz=tz, fiscal_start_month=fiscal_year_start)
    if recorded_between(store, period.start_ts, period.end_ts):
        return period, False
    latest = store.latest_activity_ts()
    if latest is None:
        return period, False
    return period_containing(kind, latest, tz=tz, fiscal_start_month=fiscal_year_start), True

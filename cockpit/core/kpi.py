"""KPI definitions over the store: one call builds the dashboard snapshot for a period.

The definitions are the contract of ``cockpit report --format json`` (issue 2 §4). Aggregation runs in SQL: each
query groups by (trend bucket, rep) over a covering index, in one read transaction, for all trend periods at once;
Python only adds, divides and compares. Money stays in integer minor units here; a ratio whose denominator is 0 is
``None``.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cockpit.core.kpi_cache import BucketMeasures, cache_for
from cockpit.core.periods import Period, last_n, period_containing
from cockpit.core.store import Store

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
    team_trend: dict[str, list[float | int | None]]
    rep_trends: dict[int, dict[str, list[float | int | None]]]
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


def _buckets_cte(periods: Sequence[Period], indexes: Sequence[int] | None = None) -> tuple[str, list[int]]:
    """The VALUES table b(i, s, e) of the buckets to compute (``indexes`` into ``periods``; all by default)."""
    chosen = range(len(periods)) if indexes is None else indexes
    rows = ", ".join("(?, ?, ?)" for _ in chosen)
    params: list[int] = []
    for i in chosen:
        params += [i, periods[i].start_ts, periods[i].end_ts]
    return f"b(i, s, e) AS (VALUES {rows})", params


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


def _rep_filter(team: str | None, column: str) -> tuple[str, list[Any]]:
    if team is None:
        return "", []
    return f" AND {column} IN (SELECT id FROM reps WHERE team = ? COLLATE NOCASE)", [team]


def collect(store: Store, periods: Sequence[Period], *, team: str | None = None, cached: bool = True) -> _Measures:
    """Run the KPI queries for every bucket in one read transaction.

    With ``cached`` (the default) the base measures of buckets that no write has touched since an earlier call on the
    same Store come from :mod:`cockpit.core.kpi_cache`; only the others are queried. The result is the same either way.
    """
    m = _Measures()
    with store.read() as conn:
        cache = cache_for(store) if cached else None
        if cache is not None:
            with cache.lock:
                cache.sync(conn)
                keys = [(p.start_ts, p.end_ts, team) for p in periods]
                found = {i: cache.get(key) for i, key in enumerate(keys)}
                missing = [i for i, hit in found.items() if hit is None]
                if missing:
                    began = time.perf_counter()
                    fresh = _Measures()
                    _query_buckets(conn, periods, missing, team, fresh)
                    for i in missing:
                        found[i] = _bucket_of(fresh, i)
                        cache.put(keys[i], found[i])
                    cache.computed(time.perf_counter() - began)
        else:
            fresh = _Measures()
            _query_buckets(conn, periods, range(len(periods)), team, fresh)
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
        months = sorted({month for p in periods for month in p.months()})
        marks = ",".join("?" * len(months))
        rep_quotas = conn.execute(
            f"SELECT rep_id, month, amount FROM quotas WHERE rep_id IS NOT NULL AND month IN ({marks})", months
        ).fetchall()
        team_quotas = conn.execute(
            f"SELECT team, month, amount FROM quotas WHERE team IS NOT NULL AND month IN ({marks})", months
        ).fetchall()
        costs = conn.execute(f"SELECT month, sum(amount) FROM costs WHERE month IN ({marks}) GROUP BY month", months)
        costs = costs.fetchall()
        reps = conn.execute(
            "SELECT id, name, team, role, active FROM reps"
            + (" WHERE team = ? COLLATE NOCASE" if team is not None else ""),
            [team] if team is not None else [],
        ).fetchall()
    m.reps = reps  # type: ignore[attr-defined]
    _add_money_by_month(m, periods, rep_quotas, team_quotas, costs, reps)
    return m


def _bucket_of(m: _Measures, i: int) -> BucketMeasures:
    """Bucket ``i`` of ``m`` as a cache entry, reps in id order so that later sums always run in the same order."""
    reps = sorted(rep_id for (bucket, rep_id) in m.rep if bucket == i)
    return BucketMeasures(
        rep={rep_id: dict(m.rep[(i, rep_id)]) for rep_id in reps},
        team=dict(m.team[i]) if i in m.team else {},
    )


def _query_buckets(
    conn: sqlite3.Connection, periods: Sequence[Period], indexes: Sequence[int], team: str | None, m: _Measures
) -> None:
    """The base measures of the buckets ``indexes`` (into ``periods``), added to ``m`` under those indexes.

    Each query's plan is pinned by tests/test_kpi_perf.py (no full scan of activities or deals, the index named).
    """
    cte, bparams = _buckets_cte(periods, indexes)
    deal_filter, fparams = _rep_filter(team, "d.rep_id")
    lo = min(periods[i].start_ts for i in indexes)
    hi = max(periods[i].end_ts for i in indexes)

    def q(sql: str, params: list[Any]) -> list[Any]:
        return conn.execute(sql, params).fetchall()

    # Won deals: revenue, count and distinct customers per rep; distinct customers again for the team.
    won_join = f"""FROM b JOIN deals d ON d.stage = 'won' AND d.closed_at >= b.s AND d.closed_at < b.e
        WHERE d.voided_at IS NULL{deal_filter}"""
    m.add_rep_rows(
        q(
            f"WITH {cte} SELECT b.i, d.rep_id, count(*), sum(d.amount), count(DISTINCT d.account_id) {won_join}"
            " GROUP BY b.i, d.rep_id",
            bparams + fparams,
        ),
        ("won", "revenue", "customers"),
    )
    m.add_team_rows(
        q(f"WITH {cte} SELECT b.i, count(DISTINCT d.account_id) {won_join} GROUP BY b.i", bparams + fparams),
        ("customers",),
    )
    # Lost deals by close date.
    m.add_rep_rows(
        q(
            f"""WITH {cte} SELECT b.i, d.rep_id, count(*)
        FROM b JOIN deals d ON d.stage = 'lost' AND d.closed_at >= b.s AND d.closed_at < b.e
        WHERE d.voided_at IS NULL{deal_filter} GROUP BY b.i, d.rep_id""",
            bparams + fparams,
        ),
        ("lost",),
    )
    # Opportunities: deals qualified in the bucket, and how many of them are won now.
    m.add_rep_rows(
        q(
            f"""WITH {cte} SELECT b.i, d.rep_id, count(*), sum(d.stage = 'won')
        FROM b JOIN deals d ON d.qualified_at >= b.s AND d.qualified_at < b.e
        WHERE d.voided_at IS NULL{deal_filter} GROUP BY b.i, d.rep_id""",
            bparams + fparams,
        ),
        ("opportunities", "opp_won"),
    )
    # New customers: accounts whose first won deal ever closes in the bucket, credited to that deal's owner. An
    # account's first won deal falls in [lo, hi) exactly when it has a won deal there and none before lo: this walks
    # the won deals of the range (deals_closed) and probes each account (deals_account), not every won deal ever.
    m.add_rep_rows(
        q(
            f"""WITH {cte}, first AS (
            SELECT d.account_id, min(d.closed_at) AS first_at FROM deals d
            WHERE d.stage = 'won' AND d.closed_at >= ? AND d.closed_at < ? AND d.voided_at IS NULL
              AND d.account_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM deals p WHERE p.account_id = d.account_id AND p.stage = 'won'
                              AND p.closed_at < ? AND p.voided_at IS NULL)
            GROUP BY d.account_id),
          owner AS (SELECT f.first_at, (SELECT d2.rep_id FROM deals d2 WHERE d2.account_id = f.account_id
                AND d2.stage = 'won' AND d2.voided_at IS NULL AND d2.closed_at = f.first_at
                ORDER BY d2.id LIMIT 1) AS rep_id FROM first f)
        SELECT b.i, d.rep_id, count(*) FROM b JOIN owner d ON d.first_at >= b.s AND d.first_at < b.e
        WHERE 1=1{deal_filter} GROUP BY b.i, d.rep_id""",
            bparams + [lo, hi, lo] + fparams,
        ),
        ("new_customers",),
    )
    # Calls per rep and bucket: all, linked to a deal, and the distinct deals touched, listed. One range of the
    # partial covering index activities_calls (live calls in rep, time order) per (rep, bucket): no sorter for the
    # GROUP BY, and each distinct set stays small. Packed in one string because a scalar subquery returns one value.
    # The team's distinct deals per bucket are the union of its reps' lists (a deal two reps called counts once):
    # one scan of the calls instead of two (a second, team-wide count(DISTINCT) took 64 ms of the first build at L).
    team_clause = " WHERE r.team = ? COLLATE NOCASE" if team is not None else ""
    listed_by_bucket: dict[int, list[str]] = defaultdict(list)
    for row in q(
        f"""WITH {cte} SELECT b.i, r.id, (SELECT count(*) || ' ' || count(x.deal_id) || ' '
                || coalesce(group_concat(DISTINCT x.deal_id), '')
            FROM activities x WHERE x.rep_id = r.id AND x.kind = 'call' AND x.voided_at IS NULL
            AND x.at >= b.s AND x.at < b.e) FROM reps r CROSS JOIN b{team_clause}""",
        bparams + ([team] if team is not None else []),
    ):
        calls, linked, listed = row[2].split(" ")
        if calls != "0":  # a (bucket, rep) with no call adds nothing, as the GROUP BY it replaces made no row for it
            deals = listed.count(",") + 1 if listed else 0
            m.add_rep_rows([(row[0], row[1], int(calls), int(linked), deals)], ("calls", "calls_linked", "call_deals"))
            if listed:
                listed_by_bucket[row[0]].append(listed)
    # Joined and split once per bucket (73 k ids at L: 6 ms, against 12 ms for a set updated per rep). A bucket with
    # no call on a deal adds nothing, as the GROUP BY this replaces made no row for it.
    m.add_team_rows(
        ((bucket, len(set(",".join(lists).split(",")))) for bucket, lists in listed_by_bucket.items()), ("call_deals",)
    )
    # Calls ever logged on the deals won in the bucket (by anyone), credited to the deal's owner: deal_calls holds
    # each deal's live calls, kept by triggers (store.py schema v2).
    m.add_rep_rows(
        q(
            f"""WITH {cte} SELECT b.i, d.rep_id, sum(c.calls)
        FROM b JOIN deals d ON d.stage = 'won' AND d.closed_at >= b.s AND d.closed_at < b.e
        JOIN deal_calls c ON c.deal_id = d.id AND c.calls > 0
        WHERE d.voided_at IS NULL{deal_filter} GROUP BY b.i, d.rep_id""",
            bparams + fparams,
        ),
        ("win_calls",),
    )
    # Pipeline open at the end of each bucket: the deals whose stage at that moment (the last stage-history row
    # before it) was an open one. Candidates are still open now, or closed at/after the bucket's end; a deal
    # reopened later is not counted for a period in which it stood won or lost. The probability is that stage's
    # (the deal's own when the stage is unchanged since).
    for open_clause in ("d.closed_at IS NULL", "d.closed_at >= b.e"):
        m.add_rep_rows(
            q(
                f"""WITH {cte} SELECT b.i, d.rep_id, sum(d.amount),
                sum(d.amount * CASE WHEN s.name IS NULL OR s.name = d.stage THEN d.probability
                                    ELSE s.probability END)
            FROM b JOIN deals d ON {open_clause} AND d.created_at < b.e
            LEFT JOIN stages s ON s.name = (SELECT h.to_stage FROM stage_history h
                WHERE h.deal_id = d.id AND h.at < b.e ORDER BY h.at DESC, h.id DESC LIMIT 1)
            WHERE d.voided_at IS NULL{deal_filter} AND coalesce(s.is_open, d.stage NOT IN ('won', 'lost'))
            GROUP BY b.i, d.rep_id""",
                bparams + fparams,
            ),
            ("pipeline_value", "weighted_pipeline"),
        )


def _add_money_by_month(
    m: _Measures,
    periods: Sequence[Period],
    rep_quotas: list[Any],
    team_quotas: list[Any],
    costs: list[Any],
    reps: list[Any],
) -> None:
    # Team names compare case-insensitively, as the --team filter does.
    rep_team = {r["id"]: r["team"].casefold() for r in reps}
    in_scope = set(rep_team)
    teams = set(rep_team.values())
    rep_q = {(r[0], r[1]): r[2] for r in rep_quotas if r[0] in in_scope}
    team_q: dict[tuple[str, str], int] = defaultdict(int)
    for name, month, amount in team_quotas:
        team_q[(name.casefold(), month)] += amount
    cost_by_month = {r[0]: r[1] for r in costs}
    # The sum of the reps' quotas per (team, month): the team quota where the team has none of its own.
    rep_sum: dict[tuple[str, str], int] = defaultdict(int)
    for (rep_id, month), amount in rep_q.items():
        rep_sum[(rep_team[rep_id], month)] += amount
    for i, p in enumerate(periods):
        for month in p.months():
            for rep_id in in_scope:
                if (rep_id, month) in rep_q:
                    m.rep[(i, rep_id)]["quota"] += rep_q[(rep_id, month)]
            # A team's quota for a month is its own quota when a manager set one, else the sum of its reps'.
            for team_name in teams:
                key = (team_name, month)
                m.team[i]["quota"] += team_q[key] if key in team_q else rep_sum.get(key, 0)
            m.team[i]["cost"] += cost_by_month.get(month, 0)


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


def period_rows(store: Store, period: Period, *, team: str | None = None) -> tuple[KpiRow, dict[int, KpiRow]]:
    """The team row and the rows of the reps with data (or counted) in one period, without previous or trends.

    What the plan's trailing-window rates need: one bucket, where :func:`dashboard` would also compute the bucket
    before it."""
    m = collect(store, (period,), team=team)
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
) -> Dashboard:
    """Every KPI for the team and every rep in ``period``, the previous period, and ``trend``-period series.

    Rep rows are the active reps and anyone with data in the period or the previous one; ``include_rep`` adds that
    rep's row in any case (a report asked for one rep, even an inactive one with nothing recorded)."""
    periods = tuple(last_n(period, max(trend, 2)))
    m = collect(store, periods, team=team)
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
    rep_trends: dict[int, dict[str, list[float | int | None]]] = {}
    for r in sorted(shown, key=lambda r: r["name"].casefold()):
        series = [rep_kpis(i, r["id"]) for i in range(len(periods))]
        rep_rows.append(KpiRow("rep", r["id"], r["name"], r["team"], series[last]))
        previous_reps[r["id"]] = KpiRow("rep", r["id"], r["name"], r["team"], series[prev])
        rep_trends[r["id"]] = {k: [s[k] for s in series][-trend:] for k in KPI_NAMES}
    return Dashboard(
        period=period,
        previous=periods[prev],
        periods=periods[-trend:],
        team=KpiRow("team", None, None, team, team_rows[last]),
        previous_team=KpiRow("team", None, None, team, team_rows[prev]),
        reps=tuple(rep_rows),
        previous_reps=previous_reps,
        team_trend={k: [row[k] for row in team_rows][-trend:] for k in KPI_NAMES},
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
    row = store.query(
        """SELECT EXISTS(SELECT 1 FROM activities WHERE at >= ? AND at < ? AND voided_at IS NULL)
             OR EXISTS(SELECT 1 FROM deals WHERE closed_at >= ? AND closed_at < ? AND voided_at IS NULL)
             OR EXISTS(SELECT 1 FROM deals WHERE created_at >= ? AND created_at < ? AND voided_at IS NULL)""",
        [period.start_ts, period.end_ts] * 3,
    )[0][0]
    if row:
        return period, False
    latest = store.latest_activity_ts()
    if latest is None:
        return period, False
    return period_containing(kind, latest, tz=tz, fiscal_start_month=fiscal_year_start), True

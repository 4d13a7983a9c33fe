"""The KPI base measures: the SQL that counts, and what each query reads.

``cockpit.core.kpi`` derives every KPI from the rows these queries return (Python adds, divides and compares);
``cockpit.core.kpi_cache`` derives which audited changes can reach a cached bucket from the tables and columns each
:class:`Measure` declares in ``reads``, so no module keeps a column list of its own. A test runs every measure under
SQLite's authorizer and checks that it reads exactly what it declares, and that the change-counting triggers cover
every table a cached measure reads.

Aggregation runs in SQL: each bucket query groups by (trend bucket, rep) over a covering index, for all trend
periods at once; the plans are pinned by tests/unit/test_query_plans.py.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.core.store import Store

#: A table name -> the columns of it a query reads.
Reads = Mapping[str, frozenset[str]]
#: One bucket to compute: (its index among the caller's periods, start, end), epoch seconds, end excluded.
Span = tuple[int, int, int]


def _reads(**tables: str) -> dict[str, frozenset[str]]:
    """``_reads(deals="id stage")``: the declaration of what a query reads, columns separated by spaces."""
    return {table: frozenset(columns.split()) for table, columns in tables.items()}


def _merge(*declarations: Reads) -> dict[str, frozenset[str]]:
    merged: dict[str, frozenset[str]] = {}
    for reads in declarations:
        for table, columns in reads.items():
            merged[table] = merged.get(table, frozenset()) | columns
    return merged


@dataclass(frozen=True)
class Measure:
    """One query and what it reads.

    ``sql`` is a template: ``{buckets}`` is the VALUES table ``b(i, s, e)`` of the buckets; ``{deal_filter}`` (on
    ``d.rep_id``), ``{rep_filter}`` (on reps ``r``) and ``{team_filter}`` (on reps) the team filter, empty without
    one; ``{months}`` the placeholders of the months. Every value is a ``?`` parameter: the buckets' first, then
    the range ``(lo, hi, lo)`` when ``bounds``, then the months, then the team. ``names`` are the base measures
    each row carries after its keys: (bucket, rep id) when ``scope`` is "rep", (bucket,) when "team".
    ``cached``: the rows are kept per bucket by the KPI cache; otherwise they are read afresh by every dashboard.

    Where a changed deal's rows sit among the buckets (what ``cockpit.core.kpi_cache`` recounts after a write to a
    deal or its stage history): ``at_times``, the buckets holding one of those times of the deal (its old, new and
    current values); ``after_times``, every bucket ending after the earliest of them (a measure of the deal's state
    at each bucket's end, or of its order among an account's deals). A measure reading stage history also reaches
    every bucket ending after the history row's time. A measure that reads deals and declares neither reaches every
    bucket ending after the earliest of the deal's times.
    """

    name: str
    sql: str
    reads: Reads
    names: tuple[str, ...] = ()
    scope: str = "rep"
    cached: bool = True
    bounds: bool = False
    at_times: tuple[str, ...] = ()
    after_times: tuple[str, ...] = ()

    def render(self, *, buckets: int = 0, months: int = 0, team: bool = False) -> str:
        """The SQL for ``buckets`` buckets, ``months`` months, with or without the team filter."""
        rows = ", ".join("(?, ?, ?)" for _ in range(buckets))
        return self.sql.format(
            buckets=f"b(i, s, e) AS (VALUES {rows})",
            deal_filter=" AND d.rep_id IN (SELECT id FROM reps WHERE team = ? COLLATE NOCASE)" if team else "",
            rep_filter=" WHERE r.team = ? COLLATE NOCASE" if team else "",
            team_filter=" WHERE team = ? COLLATE NOCASE" if team else "",
            months=",".join("?" * months),
        )


#: What the team filter reads (a rep's id and team).
_TEAM = _reads(reps="id team")
_WON_JOIN = """FROM b JOIN deals d ON d.stage = 'won' AND d.closed_at >= b.s AND d.closed_at < b.e
        WHERE d.voided_at IS NULL{deal_filter}"""
_WON_READS = _reads(deals="stage closed_at voided_at rep_id")

# Won deals: revenue, count and distinct customers per rep; distinct customers again for the team.
WON = Measure(
    "won",
    "WITH {buckets} SELECT b.i, d.rep_id, count(*), sum(d.amount), count(DISTINCT d.account_id) "
    + _WON_JOIN
    + " GROUP BY b.i, d.rep_id",
    _merge(_WON_READS, _reads(deals="amount account_id"), _TEAM),
    ("won", "revenue", "customers"),
    at_times=("closed_at",),
)
TEAM_CUSTOMERS = Measure(
    "team_customers",
    "WITH {buckets} SELECT b.i, count(DISTINCT d.account_id) " + _WON_JOIN + " GROUP BY b.i",
    _merge(_WON_READS, _reads(deals="account_id"), _TEAM),
    ("customers",),
    scope="team",
    at_times=("closed_at",),
)
# Lost deals by close date.
LOST = Measure(
    "lost",
    """WITH {buckets} SELECT b.i, d.rep_id, count(*)
        FROM b JOIN deals d ON d.stage = 'lost' AND d.closed_at >= b.s AND d.closed_at < b.e
        WHERE d.voided_at IS NULL{deal_filter} GROUP BY b.i, d.rep_id""",
    _merge(_reads(deals="stage closed_at voided_at rep_id"), _TEAM),
    ("lost",),
    at_times=("closed_at",),
)
# Opportunities: deals qualified in the bucket, and how many of them are won now.
OPPORTUNITIES = Measure(
    "opportunities",
    """WITH {buckets} SELECT b.i, d.rep_id, count(*), sum(d.stage = 'won')
        FROM b JOIN deals d ON d.qualified_at >= b.s AND d.qualified_at < b.e
        WHERE d.voided_at IS NULL{deal_filter} GROUP BY b.i, d.rep_id""",
    _merge(_reads(deals="qualified_at stage voided_at rep_id"), _TEAM),
    ("opportunities", "opp_won"),
    at_times=("qualified_at",),
)
# New customers: accounts whose first won deal ever closes in the bucket, credited to that deal's owner. An
# account's first won deal falls in [lo, hi) exactly when it has a won deal there and none before lo: this walks
# the won deals of the range (deals_closed) and probes each account (deals_account), not every won deal ever.
NEW_CUSTOMERS = Measure(
    "new_customers",
    """WITH {buckets}, first AS (
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
    _merge(_reads(deals="id account_id stage closed_at voided_at rep_id"), _TEAM),
    ("new_customers",),
    bounds=True,
    after_times=("closed_at",),
)
# Calls per rep and bucket: all, linked to a deal, and the distinct deals touched, listed. One range of the
# partial covering index activities_calls (live calls in rep, time order) per (rep, bucket): no sorter for the
# GROUP BY, and each distinct set stays small. Packed in one string because a scalar subquery returns one value.
# The team's distinct deals per bucket are the union of its reps' lists (a deal two reps called counts once):
# one scan of the calls instead of two (a second, team-wide count(DISTINCT) took 64 ms of the first build at L).
CALLS = Measure(
    "calls",
    """WITH {buckets} SELECT b.i, r.id, (SELECT count(*) || ' ' || count(x.deal_id) || ' '
                || coalesce(group_concat(DISTINCT x.deal_id), '')
            FROM activities x WHERE x.rep_id = r.id AND x.kind = 'call' AND x.voided_at IS NULL
            AND x.at >= b.s AND x.at < b.e) FROM reps r CROSS JOIN b{rep_filter}""",
    _merge(_reads(activities="rep_id kind voided_at at deal_id"), _TEAM),
    ("calls", "calls_linked", "call_deals"),
)
# Calls ever logged on the deals won in the bucket (by anyone), credited to the deal's owner: deal_calls holds
# each deal's live calls, kept by triggers (schema v2).
WIN_CALLS = Measure(
    "win_calls",
    """WITH {buckets} SELECT b.i, d.rep_id, sum(c.calls)
        FROM b JOIN deals d ON d.stage = 'won' AND d.closed_at >= b.s AND d.closed_at < b.e
        JOIN deal_calls c ON c.deal_id = d.id AND c.calls > 0
        WHERE d.voided_at IS NULL{deal_filter} GROUP BY b.i, d.rep_id""",
    _merge(_reads(deals="id stage closed_at voided_at rep_id", deal_calls="deal_id calls"), _TEAM),
    ("win_calls",),
    at_times=("closed_at",),
)
# Pipeline open at the end of each bucket: the deals whose stage at that moment (the last stage-history row
# before it) was an open one. Candidates are still open now, or closed at/after the bucket's end; a deal
# reopened later is not counted for a period in which it stood won or lost. The probability is that stage's
# (the deal's own when the stage is unchanged since). Two queries, one per kind of candidate.
_PIPELINE = """WITH {{buckets}} SELECT b.i, d.rep_id, sum(d.amount),
                sum(d.amount * CASE WHEN s.name IS NULL OR s.name = d.stage THEN d.probability
                                    ELSE s.probability END)
            FROM b JOIN deals d ON {open_clause} AND d.created_at < b.e
            LEFT JOIN stages s ON s.name = (SELECT h.to_stage FROM stage_history h
                WHERE h.deal_id = d.id AND h.at < b.e ORDER BY h.at DESC, h.id DESC LIMIT 1)
            WHERE d.voided_at IS NULL{{deal_filter}} AND coalesce(s.is_open, d.stage NOT IN ('won', 'lost'))
            GROUP BY b.i, d.rep_id"""
_PIPELINE_READS = _merge(
    _reads(
        deals="id rep_id amount probability stage closed_at created_at voided_at",
        stages="name probability is_open",
        stage_history="id deal_id to_stage at",
    ),
    _TEAM,
)
PIPELINE_OPEN = Measure(
    "pipeline_open",
    _PIPELINE.format(open_clause="d.closed_at IS NULL"),
    _PIPELINE_READS,
    ("pipeline_value", "weighted_pipeline"),
    after_times=("created_at", "closed_at"),
)
PIPELINE_CLOSED_LATER = Measure(
    "pipeline_closed_later",
    _PIPELINE.format(open_clause="d.closed_at >= b.e"),
    _PIPELINE_READS,
    ("pipeline_value", "weighted_pipeline"),
    after_times=("created_at", "closed_at"),
)

#: The queries of the cached bucket measures, in the order their rows are added up.
BUCKET_MEASURES: tuple[Measure, ...] = (
    WON,
    TEAM_CUSTOMERS,
    LOST,
    OPPORTUNITIES,
    NEW_CUSTOMERS,
    CALLS,
    WIN_CALLS,
    PIPELINE_OPEN,
    PIPELINE_CLOSED_LATER,
)

# Read afresh by every dashboard (small tables; never cached).
REP_QUOTAS = Measure(
    "rep_quotas",
    "SELECT rep_id, month, amount FROM quotas WHERE rep_id IS NOT NULL AND month IN ({months})",
    _reads(quotas="rep_id month amount"),
    cached=False,
)
TEAM_QUOTAS = Measure(
    "team_quotas",
    "SELECT team, month, amount FROM quotas WHERE team IS NOT NULL AND month IN ({months})",
    _reads(quotas="team month amount"),
    cached=False,
)
COSTS = Measure(
    "costs",
    "SELECT month, sum(amount) FROM costs WHERE month IN ({months}) GROUP BY month",
    _reads(costs="month amount"),
    cached=False,
)
REPS = Measure(
    "reps",
    "SELECT id, name, team, role, active FROM reps{team_filter}",
    _reads(reps="id name team role active"),
    cached=False,
)
# Whether anything is recorded in [start, end): an activity, a deal closed or a deal created there.
RECORDED = Measure(
    "recorded",
    """SELECT EXISTS(SELECT 1 FROM activities WHERE at >= ? AND at < ? AND voided_at IS NULL)
             OR EXISTS(SELECT 1 FROM deals WHERE closed_at >= ? AND closed_at < ? AND voided_at IS NULL)
             OR EXISTS(SELECT 1 FROM deals WHERE created_at >= ? AND created_at < ? AND voided_at IS NULL)""",
    _reads(activities="at voided_at", deals="closed_at created_at voided_at"),
    cached=False,
)

#: Every query of this module.
MEASURES: tuple[Measure, ...] = (*BUCKET_MEASURES, REP_QUOTAS, TEAM_QUOTAS, COSTS, REPS, RECORDED)

#: Tables no write action changes: triggers keep them from other tables' rows, in the same transaction. A change
#: of those columns is a change of the derived table (deal_calls: each deal's live calls, schema v2).
DERIVED_TABLES: dict[str, Reads] = {"deal_calls": _reads(activities="kind deal_id voided_at")}


def source_reads(measure: Measure) -> dict[str, frozenset[str]]:
    """What ``measure`` reads, derived tables replaced by the columns they are kept from."""
    return _merge(*(DERIVED_TABLES.get(table, {table: columns}) for table, columns in measure.reads.items()))


def cached_reads() -> dict[str, frozenset[str]]:
    """What the cached bucket measures read, derived tables replaced by the columns they are kept from."""
    return _merge(*(source_reads(measure) for measure in BUCKET_MEASURES))


# ---------------------------------------------------------------------------------------------- running them


@dataclass(frozen=True)
class Rows:
    """Rows of base measures: keyed (bucket, rep id, *values) when ``scope`` is "rep", (bucket, *values) when
    "team"; ``names`` name the values."""

    scope: str
    names: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class FreshReads:
    """What every dashboard reads anew: quotas and costs of its months, and the reps in scope."""

    rep_quotas: list[sqlite3.Row]  # (rep_id, month, amount)
    team_quotas: list[sqlite3.Row]  # (team, month, amount)
    costs: list[sqlite3.Row]  # (month, total amount)
    reps: list[sqlite3.Row]  # id, name, team, role, active


def _run(conn: sqlite3.Connection, measure: Measure, spans: Sequence[Span], team: str | None) -> list[Any]:
    params: list[Any] = [value for span in spans for value in span]
    if measure.bounds:
        lo = min(span[1] for span in spans)
        params += [lo, max(span[2] for span in spans), lo]
    if team is not None:
        params.append(team)
    return conn.execute(measure.render(buckets=len(spans), team=team is not None), params).fetchall()


def bucket_rows(
    conn: sqlite3.Connection,
    spans: Sequence[Span],
    team: str | None = None,
    measures: Sequence[Measure] = BUCKET_MEASURES,
) -> list[Rows]:
    """The base measures of the buckets ``spans``, optionally for one team (compared case-insensitively), of
    ``measures`` (all by default), in :data:`BUCKET_MEASURES` order; run them inside one read transaction
    (``Store.read``)."""
    out: list[Rows] = []
    for measure in BUCKET_MEASURES:
        if measure not in measures:
            continue
        found = _run(conn, measure, spans, team)
        if measure is CALLS:
            out += _unpack_calls(found)
        else:
            out.append(Rows(measure.scope, measure.names, [tuple(row) for row in found]))
    return out


def _unpack_calls(found: list[Any]) -> list[Rows]:
    """The packed rows of :data:`CALLS` as per-rep rows and the team's distinct deals per bucket."""
    rep_rows: list[tuple[Any, ...]] = []
    listed_by_bucket: dict[int, list[str]] = defaultdict(list)
    for bucket, rep_id, packed in found:
        calls, linked, listed = packed.split(" ")
        if calls != "0":  # a (bucket, rep) with no call adds nothing, as the GROUP BY it replaces made no row for it
            deals = listed.count(",") + 1 if listed else 0
            rep_rows.append((bucket, rep_id, int(calls), int(linked), deals))
            if listed:
                listed_by_bucket[bucket].append(listed)
    # Joined and split once per bucket (73 k ids at L: 6 ms, against 12 ms for a set updated per rep). A bucket with
    # no call on a deal adds nothing, as the GROUP BY this replaces made no row for it.
    team_rows = [(bucket, len(set(",".join(lists).split(",")))) for bucket, lists in listed_by_bucket.items()]
    return [Rows("rep", CALLS.names, rep_rows), Rows("team", ("call_deals",), team_rows)]


def fresh_reads(conn: sqlite3.Connection, months: Sequence[str], team: str | None = None) -> FreshReads:
    """Quotas and costs of ``months`` and the reps (of ``team``, compared case-insensitively, when given)."""
    month_list = list(months)

    def by_month(measure: Measure) -> list[sqlite3.Row]:
        return conn.execute(measure.render(months=len(month_list)), month_list).fetchall()

    reps = conn.execute(REPS.render(team=team is not None), [team] if team is not None else []).fetchall()
    return FreshReads(by_month(REP_QUOTAS), by_month(TEAM_QUOTAS), by_month(COSTS), reps)


def recorded_between(store: Store, start: int, end: int) -> bool:
    """Whether anything is recorded in [start, end): a live activity, or a live deal closed or created there."""
    return bool(store.query(RECORDED.render(), [start, end] * 3)[0][0])

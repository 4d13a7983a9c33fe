"""What the cockpit screens show beyond single records: pipeline by stage, idle deals, search, My day, and how
mature the period's cohort of opportunities is.

Core module: no Textual or Rich import. Every function takes a :class:`~cockpit.core.store.Store` and puts together
the store's reads (:mod:`cockpit.core.store.pipeline`, each one short read transaction, never left open between
refreshes) into small frozen dataclasses, so a thread worker can build them and the UI thread only renders them.

One meaning per label: a stage summary ("Pipeline", "Their pipeline") is the pipeline open at the period's end, each
deal in the stage it had then (for the running period: open now), which is what ``pipeline_value`` and
``weighted_pipeline`` count; a deal list ("open deals now") is what is open now, to act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cockpit.core.kpi import Dashboard, KpiRow, period_rows
from cockpit.core.periods import Period, PeriodKind
from cockpit.core.store import Activity, Rep, Store
from cockpit.core.store.pipeline import (
    CohortCount,
    DealPage,
    IdleDeal,
    PipelineAt,
    StageSummary,
    cohort_counts,
    idle_open_deals,
    page_start,
    pipeline_at,
    rep_pipeline,
    search_matches,
    stage_pages,
)
from cockpit.core.targets import DEFAULT_WINDOW, trailing_window
from cockpit.core.text import plural

__all__ = [
    "MY_DAY_DEALS",
    "PAGE_SIZE",
    "REP_DEALS_PAGE",
    "Cohort",
    "Cohorts",
    "DealPage",
    "IdleDeal",
    "MyDay",
    "PipelineAt",
    "RepDetail",
    "SearchHit",
    "StageSummary",
    "cohorts",
    "my_day",
    "page_start",
    "pipeline_at",
    "pipeline_moment",
    "pipeline_with_deals",
    "rep_detail",
    "search",
    "window_short",
]

#: At most this many deals per stage in one snapshot; the pane says how many more there are.
PAGE_SIZE = 50


@dataclass(frozen=True)
class SearchHit:
    """A deal or an account matching a search."""

    kind: str  # "deal" | "account"
    id: int
    title: str
    detail: str
    rep_id: int | None = None
    stage: str | None = None  # a deal's


@dataclass(frozen=True)
class MyDay:
    """What one rep needs in the morning: follow-ups due, open deals by stage, latest activities."""

    rep: Rep
    overdue: tuple[Activity, ...]
    due_today: tuple[Activity, ...]
    open_deals: tuple[IdleDeal, ...]  # in stage order, then the largest first, each with how long it sat idle
    latest: tuple[Activity, ...]


@dataclass(frozen=True)
class RepDetail:
    """The drill-down of one rep: their pipeline at the period's end and recent activities (their KPIs come from the
    dashboard)."""

    rep: Rep
    pipeline: PipelineAt  # open at the period's end, by the stage each deal had then
    deals: tuple[IdleDeal, ...]  # one page of their deals open now, idlest first
    activities: tuple[Activity, ...]
    deals_total: int = 0  # all their deals open now
    deals_offset: int = 0  # open deals before the page


def pipeline_moment(period: Period, now_ts: int) -> str:
    """What a stage summary of ``period`` shows, in words: "open now" while the period's end is ahead (the pipeline
    open at its end is the one open now), else "at period end" and its last day."""
    if period.end_ts > now_ts:
        return "open now"
    return f"at period end {period.last_day.to_date_string()}"


def _moment(at_ts: int | None, now_ts: int) -> int:
    """The moment a stage summary is read at: ``at_ts`` (a period's end), or by default now (everything up to and
    including ``now_ts``)."""
    return now_ts + 1 if at_ts is None else at_ts


def pipeline_with_deals(
    store: Store,
    *,
    at_ts: int | None = None,
    now_ts: int,
    stale_days: int,
    team: str | None = None,
    limit: int = PAGE_SIZE,
    offsets: Mapping[str, int] | None = None,
) -> tuple[PipelineAt, tuple[DealPage, ...]]:
    """The pipeline open at ``at_ts`` (the period's end; by default now) by stage, and one page of each stage's deals
    open now (the first, or from ``offsets[stage]``), from one read (so each page agrees with its stage's count of
    open deals). An offset past the end shows the stage's last page."""
    return stage_pages(
        store,
        at_ts=_moment(at_ts, now_ts),
        now_ts=now_ts,
        stale_days=stale_days,
        team=team,
        limit=limit,
        offsets=offsets,
    )


@dataclass(frozen=True)
class Cohort:
    """The period's opportunities (its cohort): how many, how many closed (won or lost) by now and won; and the
    conversion of the last closed window, the one the plan uses (:func:`cockpit.core.targets.trailing_window`)."""

    opportunities: int
    closed: int
    won: int
    window_conversion: float | None  # None: no opportunity in the window

    @property
    def maturity(self) -> float | None:
        """The share of the cohort already closed, won or lost (None: no opportunity). A young cohort's conversion
        is low because its deals are still open, not because they were lost."""
        return self.closed / self.opportunities if self.opportunities else None


@dataclass(frozen=True)
class Cohorts:
    """The cohort of the team (or the team filter) and of each rep row of a dashboard."""

    window: Period  # the last closed window
    team: Cohort
    reps: dict[int, Cohort]


#: How a trailing window of each kind of period is written where space is short ("3mo": the three months before).
_WINDOW_UNITS = {
    PeriodKind.WEEK: "wk",
    PeriodKind.MONTH: "mo",
    PeriodKind.QUARTER: "q",
    PeriodKind.YEAR: "y",
    PeriodKind.FISCAL_YEAR: "fy",
}


def window_short(period: Period, n: int = DEFAULT_WINDOW) -> str:
    """The last closed window of ``period`` in a few cells: "3mo" for a month, "3wk" for a week, "prev" for a
    custom range (the ranges of its length before it)."""
    unit = _WINDOW_UNITS.get(period.kind)
    return f"{n}{unit}" if unit else "prev"


def _cohort(count: CohortCount, window_row: KpiRow | None) -> Cohort:
    conversion = window_row["conversion_rate"] if window_row is not None else None
    return Cohort(count.opportunities, count.closed, count.won, conversion)


def cohorts(store: Store, dash: Dashboard) -> Cohorts:
    """How mature the cohort of ``dash``'s period is, for the team and each rep row, beside the conversion of the last
    closed window (the plan's: the same window and rows :func:`cockpit.core.targets.targets` reads, cached)."""
    period = dash.period
    team_count, rep_counts = cohort_counts(store, period.start_ts, period.end_ts, team=dash.team_filter)
    window = trailing_window(period)
    window_team, window_reps = period_rows(store, window, team=dash.team_filter)
    return Cohorts(
        window=window,
        team=_cohort(team_count, window_team),
        reps={
            row.rep_id: _cohort(rep_counts.get(row.rep_id, CohortCount()), window_reps.get(row.rep_id))
            for row in dash.reps
            if row.rep_id is not None
        },
    )


def search(store: Store, text: str, *, limit: int = 30) -> tuple[SearchHit, ...]:
    """Deals (by title or account) and accounts whose name contains ``text``, case-insensitively."""
    needle = (text or "").strip()
    if not needle:
        return ()
    accounts, deals = search_matches(store, needle, limit=limit)
    hits = [SearchHit("account", a.id, a.name, plural(a.deals, "deal")) for a in accounts]
    hits += [
        SearchHit("deal", d.id, d.title, f"#{d.id} {d.account} · {d.stage} · {d.rep}", rep_id=d.rep_id, stage=d.stage)
        for d in deals
    ]
    return tuple(hits[:limit])


#: Open deals My day lists (in stage order); a rep with more sees the drill-down's pages.
MY_DAY_DEALS = 200


def my_day(
    store: Store,
    rep_id: int,
    *,
    day_start_ts: int,
    day_end_ts: int,
    now_ts: int,
    stale_days: int,
    latest: int = 15,
) -> MyDay:
    """A rep's follow-ups overdue (before today) and due today, open deals in stage order (idle days, STALE past
    ``stale_days``), latest activities.

    The day's bounds come from the caller (local midnights in the configured zone: a DST day is not 24 h long).
    """
    rep = store.rep(rep_id)
    due = store.follow_ups_due(until=day_end_ts, rep_id=rep_id, limit=100)
    day_start = day_start_ts
    overdue = tuple(a for a in due if a.follow_up_at is not None and a.follow_up_at < day_start)
    today = tuple(a for a in due if a.follow_up_at is not None and a.follow_up_at >= day_start)
    order = {s.name: s.position for s in store.stages()}
    deals = list(idle_open_deals(store, rep_id, now_ts=now_ts, stale_days=stale_days, limit=MY_DAY_DEALS))
    deals.sort(key=lambda d: (order.get(d.stage, 99), -d.amount, d.id))
    return MyDay(rep, overdue, today, tuple(deals), tuple(store.activities(rep_id=rep_id, limit=latest)))


#: Open deals on one page of the rep drill-down.
REP_DEALS_PAGE = 30


def rep_detail(
    store: Store,
    rep_id: int,
    *,
    at_ts: int | None = None,
    now_ts: int,
    stale_days: int,
    activities: int = 20,
    deals_offset: int = 0,
) -> RepDetail:
    """The rep drill-down's reads: their pipeline open at ``at_ts`` (the period's end; by default now) by stage, a
    page of their deals open now (idlest first, from ``deals_offset``; the last page when fewer are left), their
    latest activities."""
    mine = rep_pipeline(
        store,
        rep_id,
        at_ts=_moment(at_ts, now_ts),
        now_ts=now_ts,
        stale_days=stale_days,
        limit=REP_DEALS_PAGE,
        offset=deals_offset,
    )
    return RepDetail(
        rep=store.rep(rep_id),
        pipeline=mine.pipeline,
        deals=mine.deals,
        activities=tuple(store.activities(rep_id=rep_id, limit=activities)),
        deals_total=mine.total,
        deals_offset=mine.offset,
    )

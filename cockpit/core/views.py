"""What the cockpit screens show beyond single records: pipeline by stage, idle deals, search, My day.

Core module: no Textual or Rich import. Every function takes a :class:`~cockpit.core.store.Store` and puts together
the store's reads (:mod:`cockpit.core.store.pipeline`, each one short read transaction, never left open between
refreshes) into small frozen dataclasses, so a thread worker can build them and the UI thread only renders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cockpit.core.store import Activity, Rep, Store
from cockpit.core.store.pipeline import (
    DealPage,
    IdleDeal,
    StageSummary,
    idle_open_deals,
    page_start,
    rep_pipeline,
    search_matches,
    stage_pages,
)
from cockpit.core.text import plural

__all__ = [
    "MY_DAY_DEALS",
    "PAGE_SIZE",
    "REP_DEALS_PAGE",
    "DealPage",
    "IdleDeal",
    "MyDay",
    "RepDetail",
    "SearchHit",
    "StageSummary",
    "my_day",
    "page_start",
    "pipeline_with_deals",
    "rep_detail",
    "search",
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
    """The drill-down of one rep: their pipeline and recent activities (their KPIs come from the dashboard)."""

    rep: Rep
    pipeline: tuple[StageSummary, ...]
    deals: tuple[IdleDeal, ...]  # one page of their open deals, idlest first
    activities: tuple[Activity, ...]
    deals_total: int = 0  # all their open deals
    deals_offset: int = 0  # open deals before the page


def pipeline_with_deals(
    store: Store,
    *,
    now_ts: int,
    stale_days: int,
    team: str | None = None,
    limit: int = PAGE_SIZE,
    offsets: Mapping[str, int] | None = None,
) -> tuple[tuple[StageSummary, ...], tuple[DealPage, ...]]:
    """The pipeline by stage and one page of each stage's deals (the first, or from ``offsets[stage]``), from one
    read (so the counts and the pages agree, and each stage's count comes from the summary instead of a query of
    its own). An offset past the end shows the stage's last page."""
    return stage_pages(store, now_ts=now_ts, stale_days=stale_days, team=team, limit=limit, offsets=offsets)


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
    store: Store, rep_id: int, *, now_ts: int, stale_days: int, activities: int = 20, deals_offset: int = 0
) -> RepDetail:
    """The rep drill-down's reads: their pipeline by stage, a page of their open deals (idlest first, from
    ``deals_offset``; the last page when fewer are left), their latest activities."""
    mine = rep_pipeline(store, rep_id, now_ts=now_ts, stale_days=stale_days, limit=REP_DEALS_PAGE, offset=deals_offset)
    return RepDetail(
        rep=store.rep(rep_id),
        pipeline=mine.summary,
        deals=mine.deals,
        activities=tuple(store.activities(rep_id=rep_id, limit=activities)),
        deals_total=mine.total,
        deals_offset=mine.offset,
    )

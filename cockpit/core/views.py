"""Reads the cockpit screens need beyond store.py: pipeline by stage, idle deals, search, My day.

Core module: no Textual or Rich import. Every function takes a :class:`~cockpit.core.store.Store`, runs its SQL in one
short read transaction (never left open between refreshes) and returns small frozen dataclasses, so a thread worker
can build them and the UI thread only renders them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from cockpit.core.store import Activity, Rep, Store
from cockpit.core.text import plural

#: At most this many deals per stage in one snapshot; the pane says how many more there are.
PAGE_SIZE = 50


@dataclass(frozen=True)
class StageSummary:
    """One open stage of the pipeline as it stands now. Money in minor units."""

    stage: str
    probability: float
    count: int
    value: int
    weighted: int


@dataclass(frozen=True)
class IdleDeal:
    """An open deal with how long nobody touched it (no activity, no stage move, no edit)."""

    id: int
    title: str
    account: str
    rep_id: int
    rep: str
    stage: str
    amount: int
    last_touch: int
    idle_days: int
    stale: bool


@dataclass(frozen=True)
class DealPage:
    """One page of a stage's deals, longest-idle first, and how many there are in all."""

    stage: str
    deals: tuple[IdleDeal, ...]
    total: int
    offset: int = 0


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


def _scope(rep_id: int | None, team: str | None) -> tuple[str, list[object]]:
    if rep_id is not None:
        return " AND d.rep_id = ?", [rep_id]
    if team:
        return " AND d.rep_id IN (SELECT id FROM reps WHERE team = ? COLLATE NOCASE)", [team]
    return "", []


def _summary(conn: sqlite3.Connection, where: str, params: list[object]) -> tuple[StageSummary, ...]:
    rows = conn.execute(
        f"""SELECT s.name, s.probability, count(d.id), coalesce(sum(d.amount), 0),
                   coalesce(sum(d.amount * d.probability), 0)
            FROM stages s LEFT JOIN deals d ON d.stage = s.name AND d.voided_at IS NULL{where}
            WHERE s.is_open = 1 GROUP BY s.name ORDER BY s.position""",
        params,
    ).fetchall()
    return tuple(StageSummary(r[0], r[1], r[2], r[3], round(r[4])) for r in rows)


def page_start(offset: int, total: int, size: int) -> int:
    """Where a page of ``size`` asked for at ``offset`` starts in a list of ``total``: the last page when the list is
    shorter (it shrank since), never below 0."""
    last = (total - 1) // size * size if total > 0 else 0
    return max(0, min(offset, last))


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
    where, params = _scope(None, team)
    offsets = offsets or {}
    with store.read() as conn:
        summary = _summary(conn, where, params)
        pages = []
        for s in summary:
            offset = page_start(offsets.get(s.stage, 0), s.count, limit)
            deals = _page(conn, where + " AND d.stage = ?", [*params, s.stage], limit, offset, now_ts, stale_days)
            pages.append(DealPage(s.stage, deals, s.count, offset))
    return summary, tuple(pages)


# The idle time of every open deal in scope is computed to sort them (one index probe each for the latest live
# activity and the latest stage move), but titles, reps and accounts are joined for the page only.
_IDLE_PAGE = """
SELECT d.id, d.title, coalesce(a.name, '') AS account, d.rep_id, r.name AS rep, d.stage, d.amount, t.last_touch
FROM (
    SELECT d.id, max(d.updated_at, d.created_at,
           coalesce((SELECT max(x.at) FROM activities x WHERE x.deal_id = d.id AND x.voided_at IS NULL), 0),
           coalesce((SELECT max(h.at) FROM stage_history h WHERE h.deal_id = d.id), 0)) AS last_touch
    FROM deals d
    WHERE d.voided_at IS NULL AND d.stage IN (SELECT name FROM stages WHERE is_open = 1){where}
    ORDER BY last_touch ASC, d.id ASC LIMIT ? OFFSET ?
) t JOIN deals d ON d.id = t.id JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id
ORDER BY t.last_touch ASC, d.id ASC
"""


def _idle(row: object, now_ts: int, stale_days: int) -> IdleDeal:
    # A touch in the future (clock skew between machines) counts as idle 0, never negative.
    idle = max(0, (now_ts - row["last_touch"]) // 86_400)  # type: ignore[index]
    return IdleDeal(
        id=row["id"],  # type: ignore[index]
        title=row["title"],  # type: ignore[index]
        account=row["account"],  # type: ignore[index]
        rep_id=row["rep_id"],  # type: ignore[index]
        rep=row["rep"],  # type: ignore[index]
        stage=row["stage"],  # type: ignore[index]
        amount=row["amount"],  # type: ignore[index]
        last_touch=row["last_touch"],  # type: ignore[index]
        idle_days=idle,
        stale=idle > stale_days,
    )


def _page(
    conn: sqlite3.Connection,
    where: str,
    params: list[object],
    limit: int,
    offset: int,
    now_ts: int,
    stale_days: int,
) -> tuple[IdleDeal, ...]:
    rows = conn.execute(_IDLE_PAGE.format(where=where), [*params, limit, offset]).fetchall()
    return tuple(_idle(r, now_ts, stale_days) for r in rows)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(store: Store, text: str, *, limit: int = 30) -> tuple[SearchHit, ...]:
    """Deals (by title or account) and accounts whose name contains ``text``, case-insensitively."""
    needle = (text or "").strip()
    if not needle:
        return ()
    pattern = _like(needle)
    with store.read() as conn:
        accounts = conn.execute(
            """SELECT a.id, a.name, count(d.id) AS deals FROM accounts a
               LEFT JOIN deals d ON d.account_id = a.id AND d.voided_at IS NULL
               WHERE a.name LIKE ? ESCAPE '\\' GROUP BY a.id ORDER BY a.name LIMIT ?""",
            (pattern, limit),
        ).fetchall()
        deals = conn.execute(
            """SELECT d.id, d.title, coalesce(a.name, '') AS account, d.stage, d.amount, d.rep_id, r.name AS rep
               FROM deals d JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id
               WHERE d.voided_at IS NULL AND (d.title LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\')
               ORDER BY d.updated_at DESC, d.id DESC LIMIT ?""",
            (pattern, pattern, limit),
        ).fetchall()
    hits = [SearchHit("account", r["id"], r["name"], plural(r["deals"], "deal")) for r in accounts]
    hits += [
        SearchHit(
            "deal",
            r["id"],
            r["title"],
            f"#{r['id']} {r['account']} · {r['stage']} · {r['rep']}",
            rep_id=r["rep_id"],
            stage=r["stage"],
        )
        for r in deals
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
    where, params = _scope(rep_id, None)
    with store.read() as conn:
        deals = list(_page(conn, where, params, MY_DAY_DEALS, 0, now_ts, stale_days))
    deals.sort(key=lambda d: (order.get(d.stage, 99), -d.amount, d.id))
    return MyDay(rep, overdue, today, tuple(deals), tuple(store.activities(rep_id=rep_id, limit=latest)))


#: Open deals on one page of the rep drill-down.
REP_DEALS_PAGE = 30


def rep_detail(
    store: Store, rep_id: int, *, now_ts: int, stale_days: int, activities: int = 20, deals_offset: int = 0
) -> RepDetail:
    """The rep drill-down's reads: their pipeline by stage, a page of their open deals (idlest first, from
    ``deals_offset``; the last page when fewer are left), their latest activities."""
    where, params = _scope(rep_id, None)
    with store.read() as conn:  # one read: the page agrees with the counts, which also give the total
        summary = _summary(conn, where, params)
        total = sum(s.count for s in summary)
        offset = page_start(deals_offset, total, REP_DEALS_PAGE)
        deals = _page(conn, where, params, REP_DEALS_PAGE, offset, now_ts, stale_days)
    return RepDetail(
        rep=store.rep(rep_id),
        pipeline=summary,
        deals=deals,
        activities=tuple(store.activities(rep_id=rep_id, limit=activities)),
        deals_total=total,
        deals_offset=offset,
    )

"""Reads of the open pipeline: deals by stage, open deals ordered by how long nobody touched them, and search.

Each function runs its queries in one short read transaction (so counts and pages agree) and returns frozen records;
:mod:`cockpit.core.views` puts them together for the screens. Money in minor units, times in epoch seconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cockpit.core.store import Store


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
class RepPipeline:
    """One rep's pipeline by stage and one page of their open deals (idlest first) out of ``total``."""

    summary: tuple[StageSummary, ...]
    deals: tuple[IdleDeal, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class AccountMatch:
    """An account whose name matched a search, with how many live deals it has."""

    id: int
    name: str
    deals: int


@dataclass(frozen=True)
class DealMatch:
    """A live deal whose title or account matched a search."""

    id: int
    title: str
    account: str
    stage: str
    amount: int
    rep_id: int
    rep: str


def page_start(offset: int, total: int, size: int) -> int:
    """Where a page of ``size`` asked for at ``offset`` starts in a list of ``total``: the last page when the list is
    shorter (it shrank since), never below 0."""
    last = (total - 1) // size * size if total > 0 else 0
    return max(0, min(offset, last))


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


def _idle(row: sqlite3.Row, now_ts: int, stale_days: int) -> IdleDeal:
    # A touch in the future (clock skew between machines) counts as idle 0, never negative.
    idle = max(0, (now_ts - row["last_touch"]) // 86_400)
    return IdleDeal(
        id=row["id"],
        title=row["title"],
        account=row["account"],
        rep_id=row["rep_id"],
        rep=row["rep"],
        stage=row["stage"],
        amount=row["amount"],
        last_touch=row["last_touch"],
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


def stage_pages(
    store: Store,
    *,
    now_ts: int,
    stale_days: int,
    team: str | None = None,
    limit: int,
    offsets: Mapping[str, int] | None = None,
) -> tuple[tuple[StageSummary, ...], tuple[DealPage, ...]]:
    """The open pipeline by stage (of one team, or everyone) and one page of ``limit`` deals of each stage, idlest
    first, from ``offsets[stage]`` (default 0; past the end: the stage's last page), in one read transaction.

    A deal is stale when idle for more than ``stale_days`` days before ``now_ts``."""
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


def rep_pipeline(
    store: Store, rep_id: int, *, now_ts: int, stale_days: int, limit: int, offset: int = 0
) -> RepPipeline:
    """One rep's open pipeline by stage and a page of ``limit`` of their open deals, idlest first, from ``offset``
    (the last page when fewer are left), in one read transaction: the page agrees with the counts."""
    where, params = _scope(rep_id, None)
    with store.read() as conn:
        summary = _summary(conn, where, params)
        total = sum(s.count for s in summary)
        start = page_start(offset, total, limit)
        deals = _page(conn, where, params, limit, start, now_ts, stale_days)
    return RepPipeline(summary, deals, total, start)


def idle_open_deals(store: Store, rep_id: int, *, now_ts: int, stale_days: int, limit: int) -> tuple[IdleDeal, ...]:
    """Up to ``limit`` of one rep's open deals, idlest first."""
    where, params = _scope(rep_id, None)
    with store.read() as conn:
        return _page(conn, where, params, limit, 0, now_ts, stale_days)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_matches(store: Store, needle: str, *, limit: int) -> tuple[tuple[AccountMatch, ...], tuple[DealMatch, ...]]:
    """Accounts whose name contains ``needle`` (by name), and live deals whose title or account name does (latest
    change first), case-insensitively; at most ``limit`` of each. ``%`` and ``_`` match themselves."""
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
    return (
        tuple(AccountMatch(r["id"], r["name"], r["deals"]) for r in accounts),
        tuple(DealMatch(**dict(r)) for r in deals),
    )

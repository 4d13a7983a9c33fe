"""Reads of the pipeline: deals by stage at a moment, open deals ordered by how long nobody touched them, the
period's opportunities still open, and search.

Each function runs its queries in one short read transaction (so counts and pages agree) and returns frozen records;
:mod:`cockpit.core.views` puts them together for the screens. Money in minor units, times in epoch seconds.

"Pipeline" on a stage summary means what the KPIs ``pipeline_value`` and ``weighted_pipeline`` count: the deals open
at a moment (a period's end), each in the stage it had then. The summary runs the KPI's own SQL
(:data:`~cockpit.core.store.measures.PIPELINE_OPEN` and :data:`~cockpit.core.store.measures.PIPELINE_CLOSED_LATER`)
with only its SELECT list and GROUP BY changed to count per stage, so the two cannot apply different rules. The deal
lists are what a user acts on (advance, win, lose): they hold the deals open now, in their current stage.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cockpit.core.store.measures import OPPORTUNITIES, PIPELINE_CLOSED_LATER, PIPELINE_OPEN, Measure
from cockpit.core.text import fold

if TYPE_CHECKING:
    from cockpit.core.store import Store


def _regrouped(measure: Measure, *swaps: tuple[str, str]) -> Measure:
    """``measure`` with parts of its SELECT list and GROUP BY swapped, its joins and WHERE (the counting rule) left
    exactly as :mod:`~cockpit.core.store.measures` has them. Each swapped text must occur once: a measure rewritten
    there fails here at import, loudly, instead of drifting into a second rule."""
    sql = measure.sql
    for old, new in swaps:
        if sql.count(old) != 1:
            raise RuntimeError(f"measure {measure.name}: {old!r} is not in its SQL exactly once")
        sql = sql.replace(old, new)
    return replace(measure, name=f"{measure.name}_regrouped", sql=sql)


# The stage a deal had at the bucket's end: the stage of its last history row before it (``s``, the stage whose
# probability the KPI weighs it with), or its own when that row names no configured stage (then the KPI weighs it
# with its own probability too).
_BY_STAGE = (
    (
        "SELECT b.i, d.rep_id, sum(d.amount),",
        "SELECT b.i, coalesce(s.name, d.stage) AS at_stage, count(*), sum(d.amount),",
    ),
    ("GROUP BY b.i, d.rep_id", "GROUP BY b.i, at_stage"),
)
_ONE_REP = ("{deal_filter}", " AND d.rep_id = ?")
#: The pipeline KPI's two queries (deals still open, deals closed after the moment) counted per stage: for
#: everyone or a team (the measure's own team filter), and for one rep.
_STAGE_QUERIES = tuple(_regrouped(m, *_BY_STAGE) for m in (PIPELINE_OPEN, PIPELINE_CLOSED_LATER))
_REP_STAGE_QUERIES = tuple(_regrouped(m, *_BY_STAGE, _ONE_REP) for m in (PIPELINE_OPEN, PIPELINE_CLOSED_LATER))
#: The opportunities KPI's query, also counting the ones closed (won or lost) by now.
_COHORT = _regrouped(
    OPPORTUNITIES, ("count(*), sum(d.stage = 'won')", "count(*), sum(d.stage = 'won'), sum(d.stage IN ('won', 'lost'))")
)


@dataclass(frozen=True)
class StageSummary:
    """One open stage of the pipeline (at a moment, or now). Money in minor units."""

    stage: str
    probability: float
    count: int
    value: int
    weighted: int


@dataclass(frozen=True)
class PipelineAt:
    """The pipeline open at a moment, by stage: the deals ``pipeline_value`` and ``weighted_pipeline`` count for a
    period ending at ``at``. Money in minor units.

    The totals are the KPI's: ``weighted`` rounds the sum of the unrounded amount × probability once, as the KPI
    does, so it may differ by a minor unit from the sum of the stages' rounded values."""

    at: int  # epoch seconds, excluded: the deals open just before it
    stages: tuple[StageSummary, ...]  # the open stages in order (empty ones too)
    count: int
    value: int
    weighted: int


@dataclass(frozen=True)
class CohortCount:
    """The opportunities qualified in a period (its cohort), how many of them are won now and how many are closed
    (won or lost) now."""

    opportunities: int = 0
    won: int = 0
    closed: int = 0


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
    """One rep's pipeline by stage at a moment and one page of their deals open now (idlest first) out of
    ``total``."""

    pipeline: PipelineAt
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


def _pipeline_at(conn: sqlite3.Connection, at_ts: int, team: str | None, rep_id: int | None) -> PipelineAt:
    """The pipeline open at ``at_ts`` by stage (of one rep, one team, or everyone), by the KPI's queries."""
    if rep_id is not None:
        queries, scoped, params = _REP_STAGE_QUERIES, False, [rep_id]
    else:
        queries, scoped, params = _STAGE_QUERIES, team is not None, [team] if team is not None else []
    found: dict[str, tuple[int, int, float]] = {}
    for query in queries:
        # One bucket ending at the moment (its start is read by neither query).
        sql = query.render(buckets=1, team=scoped)
        for _, stage, count, value, weighted in conn.execute(sql, [0, at_ts, at_ts, *params]):
            before = found.get(stage, (0, 0, 0.0))
            found[stage] = (before[0] + count, before[1] + (value or 0), before[2] + (weighted or 0.0))
    configured = conn.execute("SELECT name, probability, is_open FROM stages ORDER BY position").fetchall()
    names = [name for name, _, is_open in configured if is_open or name in found]
    # A stage a history row names that the configuration no longer has: the KPI counts its deals, so it shows.
    names += sorted(set(found) - set(names))
    probability = {name: p for name, p, _ in configured}
    stages = []
    for name in names:
        count, value, weighted = found.get(name, (0, 0, 0.0))
        stages.append(StageSummary(name, probability.get(name, 0.0), count, value, round(weighted)))
    return PipelineAt(
        at=at_ts,
        stages=tuple(stages),
        count=sum(s.count for s in stages),
        value=sum(s.value for s in stages),
        weighted=round(sum(w for _, _, w in found.values())),
    )


def _cohort(conn: sqlite3.Connection, start_ts: int, end_ts: int, team: str | None) -> dict[int, CohortCount]:
    sql = _COHORT.render(buckets=1, team=team is not None)
    rows = conn.execute(sql, [0, start_ts, end_ts, *([team] if team is not None else [])]).fetchall()
    return {rep_id: CohortCount(opps, won or 0, closed or 0) for _, rep_id, opps, won, closed in rows}


def pipeline_at(store: Store, at_ts: int, *, team: str | None = None, rep_id: int | None = None) -> PipelineAt:
    """The pipeline open at ``at_ts`` (a period's end) by stage, of one rep, one team (compared case-insensitively)
    or everyone: the deals and the stage ``pipeline_value`` and ``weighted_pipeline`` count for that period."""
    with store.read() as conn:
        return _pipeline_at(conn, at_ts, team, rep_id)


def cohort_counts(
    store: Store, start_ts: int, end_ts: int, *, team: str | None = None
) -> tuple[CohortCount, dict[int, CohortCount]]:
    """The opportunities qualified in ``[start_ts, end_ts)`` (the ``opportunities`` KPI's deals), with how many are
    won and how many closed now: of the team (or everyone) and of each rep with one."""
    with store.read() as conn:
        reps = _cohort(conn, start_ts, end_ts, team)
    team_count = CohortCount(
        sum(c.opportunities for c in reps.values()),
        sum(c.won for c in reps.values()),
        sum(c.closed for c in reps.values()),
    )
    return team_count, reps


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
    at_ts: int,
    now_ts: int,
    stale_days: int,
    team: str | None = None,
    limit: int,
    offsets: Mapping[str, int] | None = None,
) -> tuple[PipelineAt, tuple[DealPage, ...]]:
    """The pipeline open at ``at_ts`` by stage (of one team, or everyone) and one page of ``limit`` of the deals of
    each stage open now, idlest first, from ``offsets[stage]`` (default 0; past the end: the stage's last page), in
    one read transaction (each page's total is its stage's open deals now).

    A deal is stale when idle for more than ``stale_days`` days before ``now_ts``."""
    where, params = _scope(None, team)
    offsets = offsets or {}
    with store.read() as conn:
        at = _pipeline_at(conn, at_ts, team, None)
        pages = []
        for s in _summary(conn, where, params):
            offset = page_start(offsets.get(s.stage, 0), s.count, limit)
            deals = _page(conn, where + " AND d.stage = ?", [*params, s.stage], limit, offset, now_ts, stale_days)
            pages.append(DealPage(s.stage, deals, s.count, offset))
    return at, tuple(pages)


def rep_pipeline(
    store: Store, rep_id: int, *, at_ts: int, now_ts: int, stale_days: int, limit: int, offset: int = 0
) -> RepPipeline:
    """One rep's pipeline open at ``at_ts`` by stage, and a page of ``limit`` of their deals open now, idlest first,
    from ``offset`` (the last page when fewer are left), in one read transaction: the page agrees with the count."""
    where, params = _scope(rep_id, None)
    with store.read() as conn:
        at = _pipeline_at(conn, at_ts, None, rep_id)
        total = sum(s.count for s in _summary(conn, where, params))
        start = page_start(offset, total, limit)
        deals = _page(conn, where, params, limit, start, now_ts, stale_days)
    return RepPipeline(at, deals, total, start)


def idle_open_deals(store: Store, rep_id: int, *, now_ts: int, stale_days: int, limit: int) -> tuple[IdleDeal, ...]:
    """Up to ``limit`` of one rep's open deals, idlest first."""
    where, params = _scope(rep_id, None)
    with store.read() as conn:
        return _page(conn, where, params, limit, 0, now_ts, stale_days)


def search_matches(store: Store, needle: str, *, limit: int) -> tuple[tuple[AccountMatch, ...], tuple[DealMatch, ...]]:
    """Accounts whose name contains ``needle`` (by name), and live deals whose title or account name does (latest
    change first), as names are compared (:func:`~cockpit.core.text.fold`: ``krakow`` finds Kraków); at most
    ``limit`` of each. ``%`` and ``_`` match themselves."""
    folded = fold(needle)
    with store.read() as conn:
        accounts = conn.execute(
            """SELECT a.id, a.name, count(d.id) AS deals FROM accounts a
               LEFT JOIN deals d ON d.account_id = a.id AND d.voided_at IS NULL
               WHERE instr(fold(a.name), ?) > 0 GROUP BY a.id ORDER BY a.name LIMIT ?""",
            (folded, limit),
        ).fetchall()
        deals = conn.execute(
            """SELECT d.id, d.title, coalesce(a.name, '') AS account, d.stage, d.amount, d.rep_id, r.name AS rep
               FROM deals d JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id
               WHERE d.voided_at IS NULL AND (instr(fold(d.title), ?) > 0 OR instr(fold(a.name), ?) > 0)
               ORDER BY d.updated_at DESC, d.id DESC LIMIT ?""",
            (folded, folded, limit),
        ).fetchall()
    return (
        tuple(AccountMatch(r["id"], r["name"], r["deals"]) for r in accounts),
        tuple(DealMatch(**dict(r)) for r in deals),
    )

"""What one refresh of the cockpit reads (:class:`Request` → :class:`Snapshot`).

No Textual here: the app's refresh workers call :func:`build_snapshot` in threads, the first one as the app mounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pendulum

from cockpit.core.config import Settings
from cockpit.core.forecast import keep_forecast_history
from cockpit.core.insights import Insights, insights_for
from cockpit.core.kpi import Dashboard, dashboard, default_period, period_rows
from cockpit.core.periods import Period, PeriodKind, period_containing
from cockpit.core.store import Store
from cockpit.core.store.deal_page import DealDetail, deal_detail
from cockpit.core.targets import Targets, targets, trailing_window
from cockpit.core.verdict import Verdict, compute_verdict, team_and_rep_verdicts
from cockpit.core.views import (
    Cohorts,
    DealPage,
    MyDay,
    PipelineAt,
    RepDetail,
    cohorts,
    my_day,
    pipeline_at,
    pipeline_moment,
    pipeline_with_deals,
    rep_detail,
)

#: Trend buckets of the KPI strip and the charts.
TREND_PERIODS = 12


@dataclass(frozen=True)
class Request:
    """What the screens currently need; a refresh reads exactly this."""

    period: Period | None
    team: str | None
    detail_rep_id: int | None
    myday_rep_id: int | None
    insights: bool = False  # the insights screen is open: also compute diagnosis, channels and funnel
    deal_offsets: tuple[tuple[str, int], ...] = ()  # (stage, first deal shown) of the stages paged past the first
    detail_offset: int = 0  # the first of the drill-down rep's open deals shown
    # ``period`` is the one the cockpit opened on because the current one held no data: the header keeps saying so
    # (checked again at each read: once the current period holds data, it no longer does).
    anchored: bool = False
    deal_id: int | None = None  # the deal whose own page is open, if any
    # The team cockpit's deal lists are on screen: read a page of each stage's open deals, idlest first (a fifth of a
    # refresh at the large size). Under My day or a deal page they are not read; the team cockpit asks again when it
    # is back on top.
    deal_pages: bool = True


@dataclass(frozen=True)
class Snapshot:
    """Everything the visible screens show, read in one worker run. Compared with == to skip repaints."""

    dashboard: Dashboard
    pipeline: PipelineAt  # open at the period's end, by the stage each deal had then: the pipeline KPIs' deals
    stage_deals: tuple[DealPage, ...] | None  # each stage's deals open now; None: not read (Request.deal_pages)
    teams: tuple[str, ...]
    is_demo: bool
    detail: RepDetail | None
    my_day: MyDay | None
    today: str
    currency: str
    targets: Targets | None = None
    insights: Insights | None = None
    pipeline_moment: str = ""  # what the stage summaries show: "open now" or "at period end 2026-09-30"
    cohorts: Cohorts | None = None  # how mature the period's opportunities are, and the last closed window's conversion
    current: Period | None = None  # when the period is anchored on the latest data: the period holding today
    verdict: Verdict | None = None  # the team's (or the team filter's): the team cockpit's verdict line
    my_verdict: Verdict | None = None  # My day's rep's own (None without My day, or when the rep has no row)
    # The open deal page's deal (None without one, or when that deal no longer exists). In the snapshot, not read by
    # the page itself, so that any change to it (a colleague's note, this user's edit) makes the snapshot differ.
    deal: DealDetail | None = None
    deal_id: int | None = None  # the deal asked for (Request.deal_id): with ``deal`` None, that deal is gone


def opening_period(store: Store, settings: Settings, now: pendulum.DateTime) -> tuple[Period, bool]:
    """The period a cockpit opens on at ``now``: the month holding it, or, while that month has no data yet, the
    latest month that has (then anchored: True)."""
    return default_period(store, "month", now=now, tz=settings.timezone, fiscal_year_start=settings.fiscal_year_start)


def count_opening_view(store: Store, settings: Settings, now: pendulum.DateTime) -> None:
    """Count the KPIs a cockpit opening at ``now`` shows first (its period and trend, every team), as its first start
    would, and the history of its forecast. Both are stored in the file for everyone (cockpit/core/store/
    kpi_buckets.py, forecast_kept.py): run after a bulk load, the first start and the first report on the new data
    read them instead of counting the whole history."""
    period, anchored = opening_period(store, settings, now)
    count_view(store, period, anchored=anchored, holidays=settings.holidays)
    keep_forecast_history(store, period, int(now.timestamp()))


def count_view(store: Store, period: Period, *, anchored: bool = False, holidays: Iterable[str] = ()) -> None:
    """Count the KPI buckets every read of ``period``'s view takes: its trend (:func:`dashboard`) and the trailing
    window of the plan and the cohorts (:func:`cockpit.core.targets.trailing_window`, one custom bucket: at 400 reps
    most of a new process's first read when it is not stored)."""
    dashboard(store, period, trend=TREND_PERIODS, anchored=anchored, holidays=holidays)
    period_rows(store, trailing_window(period), holidays=holidays)


def build_snapshot(store: Store, settings: Settings, request: Request, now: pendulum.DateTime) -> Snapshot:
    """Run every read of one refresh (in a thread worker, never on the UI thread)."""
    tz = settings.timezone
    fiscal = settings.fiscal_year_start
    period, anchored = request.period, False
    if period is None:
        period, anchored = opening_period(store, settings, now)
    elif request.anchored and period.kind is not PeriodKind.CUSTOM:
        # Still the latest period with data while the current one is empty (a call logged today ends that).
        latest, moved = default_period(store, period.kind, now=now, tz=tz, fiscal_year_start=fiscal)
        anchored = moved and latest == period
    current = period_containing(period.kind, now, tz=tz, fiscal_start_month=fiscal) if anchored else None
    dash = dashboard(
        store, period, team=request.team, trend=TREND_PERIODS, anchored=anchored, holidays=settings.holidays
    )
    now_ts = int(now.timestamp())
    # The stage summaries count what the pipeline KPIs count for the period: the deals open at its end.
    at_ts = period.end_ts
    if request.deal_pages:
        pipeline, pages = pipeline_with_deals(
            store,
            at_ts=at_ts,
            now_ts=now_ts,
            stale_days=settings.stale_days,
            team=request.team,
            offsets=dict(request.deal_offsets),
        )
    else:
        pipeline, pages = pipeline_at(store, at_ts, team=request.team), None
    detail = None
    if request.detail_rep_id is not None:
        detail = rep_detail(
            store,
            request.detail_rep_id,
            at_ts=at_ts,
            now_ts=now_ts,
            stale_days=settings.stale_days,
            deals_offset=request.detail_offset,
        )
    mine = None
    if request.myday_rep_id is not None:
        local = now.in_timezone(tz) if tz else now
        start = local.start_of("day")
        end = start.add(days=1)
        mine = my_day(
            store,
            request.myday_rep_id,
            day_start_ts=int(start.timestamp()),
            day_end_ts=int(end.timestamp()),
            now_ts=now_ts,
            stale_days=settings.stale_days,
        )
    plan = targets(store, dash, now=now, holidays=settings.holidays, currency=settings.currency)
    cohort = cohorts(store, dash)  # after the plan: its window's rows come from the KPI cache
    extra = None
    if request.insights:
        extra = insights_for(store, dash, settings, now, plan=plan)  # the plan above: targets read once
    verdict, my_verdict = _verdicts(dash, plan, extra, request.myday_rep_id, settings.currency)
    return Snapshot(
        verdict=verdict,
        my_verdict=my_verdict,
        targets=plan,
        insights=extra,
        dashboard=dash,
        pipeline=pipeline,
        stage_deals=pages,
        teams=tuple(store.teams()),
        is_demo=store.is_demo,
        detail=detail,
        my_day=mine,
        today=now.to_date_string(),
        currency=settings.currency,
        pipeline_moment=pipeline_moment(period, now_ts),
        cohorts=cohort,
        current=current,
        deal=deal_detail(store, request.deal_id) if request.deal_id is not None else None,
        deal_id=request.deal_id,
    )


def _verdicts(
    dash: Dashboard, plan: Targets, extra: Insights | None, rep_id: int | None, currency: str
) -> tuple[Verdict | None, Verdict | None]:
    """The team's verdict (the insights' when they were computed) and My day's rep's own, from the plan's pace: no
    SQL. The rep's is read against the team's analysis, so both cost about one (see team_and_rep_verdicts)."""
    if extra is not None:
        mine = compute_verdict(dash, plan, rep_id=rep_id, currency=currency) if rep_id is not None else None
        return extra.verdict, mine
    return team_and_rep_verdicts(dash, plan, rep_id, currency=currency)

"""What one refresh of the cockpit reads (:class:`Request` → :class:`Snapshot`).

No Textual here: the app's refresh workers call :func:`build_snapshot` in threads, the first one as the app mounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pendulum

from cockpit.core.config import Settings
from cockpit.core.insights import Insights, insights_for
from cockpit.core.kpi import Dashboard, dashboard, default_period
from cockpit.core.periods import Period
from cockpit.core.store import Store
from cockpit.core.targets import Targets, targets
from cockpit.core.views import (
    DealPage,
    MyDay,
    RepDetail,
    StageSummary,
    my_day,
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


@dataclass(frozen=True)
class Snapshot:
    """Everything the visible screens show, read in one worker run. Compared with == to skip repaints."""

    dashboard: Dashboard
    pipeline: tuple[StageSummary, ...]
    stage_deals: tuple[DealPage, ...]
    teams: tuple[str, ...]
    is_demo: bool
    detail: RepDetail | None
    my_day: MyDay | None
    today: str
    currency: str
    targets: Targets | None = None
    insights: Insights | None = None


def build_snapshot(store: Store, settings: Settings, request: Request, now: pendulum.DateTime) -> Snapshot:
    """Run every read of one refresh (in a thread worker, never on the UI thread)."""
    tz = settings.timezone
    period, anchored = request.period, False
    if period is None:
        period, anchored = default_period(store, "month", now=now, tz=tz, fiscal_year_start=settings.fiscal_year_start)
    dash = dashboard(store, period, team=request.team, trend=TREND_PERIODS, anchored=anchored)
    now_ts = int(now.timestamp())
    pipeline, pages = pipeline_with_deals(
        store, now_ts=now_ts, stale_days=settings.stale_days, team=request.team, offsets=dict(request.deal_offsets)
    )
    detail = None
    if request.detail_rep_id is not None:
        detail = rep_detail(
            store,
            request.detail_rep_id,
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
    extra = None
    if request.insights:
        extra = insights_for(store, dash, settings, now)
    return Snapshot(
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
    )

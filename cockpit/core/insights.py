"""Control and improve: one call that computes pace, plan, the verdict, diagnosis, channels, segments and funnel for a
dashboard.

The report command and the app's refresh worker both call :func:`compute_insights` after
:func:`cockpit.core.kpi.dashboard`; the TUI panes only render the :class:`Insights` they are given.

The verdict (:mod:`cockpit.core.verdict`) speaks for the team's revenue, opportunities, conversion and deal size, with
its own noise tests: the diagnosis gives no team-wide line on those KPIs (:data:`VERDICT_KPIS`), so that the screen
never says "deal size held" above "Avg deal fell team-wide", nor refers to a team move it does not show. Rep lines
stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pendulum

from cockpit.core.analysis import Funnel, MixRow, channels_and_segments, funnel
from cockpit.core.config import Settings
from cockpit.core.diagnosis import DEFAULT_HISTORY, DIAGNOSED_KPIS, Signal, diagnose
from cockpit.core.kpi import Dashboard
from cockpit.core.store import Store
from cockpit.core.targets import DEFAULT_WINDOW, Targets, targets
from cockpit.core.verdict import Verdict, compute_verdict

#: KPIs the verdict speaks for at team level (its gap and its three factors, and their cousins win rate and basket).
VERDICT_KPIS = frozenset(
    {"revenue", "attainment", "opportunities", "conversion_rate", "win_rate", "avg_deal_size", "avg_basket"}
)
#: KPIs on which the diagnosis still gives team-wide lines: activity, which the verdict does not judge.
TEAM_WIDE_KPIS = frozenset(DIAGNOSED_KPIS) - VERDICT_KPIS


@dataclass(frozen=True)
class Insights:
    """Everything the insights pane and the report's extra keys show for one dashboard. Money in minor units."""

    targets: Targets
    diagnosis: tuple[Signal, ...]
    channels: tuple[MixRow, ...]
    segments: tuple[MixRow, ...]
    funnel: Funnel
    currency: str
    verdict: Verdict | None = None  # the team's (or the team filter's)


def _epoch(now: pendulum.DateTime | int) -> int:
    return now if isinstance(now, int) else int(now.timestamp())


def compute_insights(
    store: Store,
    dash: Dashboard,
    *,
    now: pendulum.DateTime | int,
    holidays: Iterable[str] = (),
    stale_days: int = 14,
    currency: str = "USD",
    window: int = DEFAULT_WINDOW,
    history: int = DEFAULT_HISTORY,
    plan: Targets | None = None,
) -> Insights:
    """Pace and plan, diagnosis, channels, segments and funnel for ``dash`` (its period and team filter); ``plan``
    is the dashboard's targets when the caller already has them (the snapshot reads them for every screen)."""
    tgt = plan or targets(store, dash, now=now, holidays=holidays, window=window, currency=currency)
    team_pace = tgt.team_pace
    progress = team_pace.days_elapsed / team_pace.days_total if team_pace.days_total else 1.0
    if team_pace.complete:
        progress = 1.0
    # A period's opportunities get one more full period to close before their conversion is compared with history.
    mature = _epoch(now) >= dash.period.next().end_ts
    signals = diagnose(
        dash, currency=currency, history=history, progress=progress, mature=mature, team_wide=TEAM_WIDE_KPIS
    )
    verdict = compute_verdict(dash, tgt, currency=currency, window=window)
    by_channel, by_segment = channels_and_segments(store, dash.period, team=dash.team_filter)
    return Insights(
        verdict=verdict,
        targets=tgt,
        diagnosis=tuple(signals),
        channels=tuple(by_channel),
        segments=tuple(by_segment),
        funnel=funnel(store, dash.period, now=_epoch(now), stale_days=stale_days, team=dash.team_filter),
        currency=currency,
    )


def insights_for(
    store: Store, dash: Dashboard, settings: Settings, now: pendulum.DateTime | int, *, plan: Targets | None = None
) -> Insights:
    """compute_insights with the user's settings (holidays, stale threshold, currency): the cockpit and the report."""
    return compute_insights(
        store,
        dash,
        now=now,
        holidays=settings.holidays,
        stale_days=settings.stale_days,
        currency=settings.currency,
        plan=plan,
    )

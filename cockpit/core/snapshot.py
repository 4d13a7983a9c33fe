"""What one refresh of the cockpit reads (:class:`Request` → :class:`Snapshot`), and the first read of a start.

No Textual here: `cockpit run` starts the first read (:func:`start_first_read`) before it imports Textual, in a
child process when the platform can fork, so that the queries run on another core while this one imports and
builds the app. The app's refresh workers call :func:`build_snapshot` in threads.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import pickle
import signal
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pendulum

from cockpit.core.config import Settings
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

if TYPE_CHECKING:
    from cockpit.core.actor import Actor
    from cockpit.core.insights import Insights

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
    """Run every read of one refresh (in a thread worker or the forked first read, never on the UI thread)."""
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
        from cockpit.core.insights import insights_for  # lazy: only once the insights screen is opened

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


def first_request(actor: Actor) -> Request:
    """What the first screen needs: a rep starts on My day, anybody else on the team cockpit."""
    opens_my_day = actor.rep is not None and actor.rep.role == "rep"
    return Request(None, None, None, actor.rep.id if opens_my_day and actor.rep else None)


class ForkedFirstRead:
    """The first snapshot, read by a child process forked before the parent imports Textual.

    The child opens its own connection (none is open when it forks: SQLite connections must not cross a fork),
    finds the acting user and the first request as the app will, reads, and sends ``(request, snapshot)`` pickled
    through a pipe, then ends with ``os._exit`` (no atexit handler, no buffered output of the parent's). A failure
    in the child sends its one line instead; the app then reads afresh the usual way and reports what fails.

    The parent opens its own connection after the fork, so a commit made between the child's read and that open
    would not move the parent's ``PRAGMA data_version``: the app's first poll after the first snapshot is shown
    therefore re-reads once whatever the version (``recheck``), and an equal snapshot repaints nothing. A child
    slower than the app's first wait is waited for by the refresh worker, not read again beside it.
    """

    recheck = True

    def __init__(self, settings: Settings, now: pendulum.DateTime, as_rep: str | None) -> None:
        self.request: Request | None = None  # the child's, once it answered
        self._snapshot: Snapshot | None = None
        self._error: str | None = None
        self._done = threading.Event()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its result is checked by the parent's tests
            try:
                # Ctrl+C during the start ends the child at once (no KeyboardInterrupt to unwind into the CLI).
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.close(read_fd)
                _child_read(write_fd, settings, now, as_rep)
            finally:
                os._exit(0)  # whatever happened, the child never returns into `cockpit run`
        os.close(write_fd)
        self._pid = pid
        # The low-level start: threading.Thread.start() waits until the new thread has run, and with the child busy
        # on the other core that took 1-9 ms of the start (the thread queued behind it); nothing here needs to wait.
        _thread.start_new_thread(self._receive, (read_fd,))

    def _receive(self, read_fd: int) -> None:
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                payload = pipe.read()
            kind, *rest = pickle.loads(payload) if payload else ("error", "the first read ended without a result")
            if kind == "ok":
                self.request, self._snapshot = rest
            else:
                self._error = str(rest[0])
        except Exception as exc:  # noqa: BLE001 - a torn or unreadable payload: the app reads afresh
            self._error = f"{type(exc).__name__}: {exc}"
        finally:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)  # no zombie left behind
            self._done.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the child's answer; whether it came (``request`` is set by then, unless
        the read failed)."""
        return self._done.wait(timeout)

    def result(self) -> Snapshot:
        """The snapshot; raises FirstReadFailed (one line) when the child could not read."""
        if not self._done.wait(FIRST_READ_TIMEOUT):
            raise FirstReadFailed("the first read did not answer")
        if self._snapshot is None:
            raise FirstReadFailed(self._error or "the first read failed")
        return self._snapshot


#: The longest result() waits for the child (it is normally done long before the app asks).
FIRST_READ_TIMEOUT = 30.0


class FirstReadFailed(Exception):
    """The forked first read failed; the app reads again itself and reports that read's error, if any."""


def _child_read(write_fd: int, settings: Settings, now: pendulum.DateTime, as_rep: str | None) -> None:
    """In the forked child: read, send, and end the process (never returns)."""
    store = None
    try:
        from cockpit.core.actor import resolve_actor

        store = Store(settings.db_path, readonly=True, stages=settings.stages)
        request = first_request(resolve_actor(store, as_rep))
        payload = pickle.dumps(("ok", request, build_snapshot(store, settings, request, now)), pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - whatever it is, the parent reads again and reports it itself
        payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # noqa: BLE001 - the parent is gone (quit at once): nothing to tell
        pass
    try:
        if store is not None:
            from cockpit.core.kpi_cache import cache_for

            cache_for(store).flush()  # what the read computed serves the parent's later refreshes (and the next start)
    except BaseException:  # noqa: BLE001
        pass
    os._exit(0)


def can_fork() -> bool:
    """Whether the first read may run in a forked child: Linux (macOS system libraries are not fork-safe, Windows
    has no fork), one thread (nothing started yet), and not turned off with ``COCKPIT_FIRST_READ=thread``."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and _threads() == 1
        and os.environ.get("COCKPIT_FIRST_READ") != "thread"
    )


def _threads() -> int:
    """Threads of this process as the kernel counts them: the first read's receiver thread is started with the
    low-level ``_thread`` module, which ``threading.active_count()`` does not see."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()

"""CockpitApp: the reactive state (period, team, selected rep, snapshot), the bindings and the refresh workers.

State flows down: the App owns the period, the team filter, the drilled-down rep and the current snapshot; the screens
render what they are given. SQL runs only in thread workers that post one :class:`SnapshotReady` message; a cheap
``PRAGMA data_version`` poll (also in a worker) starts a refresh only when another process committed, and a
snapshot equal to the one shown repaints nothing.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable
from textual.worker import get_current_worker

from cockpit.core.actor import Actor, resolve_actor
from cockpit.core.config import Settings
from cockpit.core.errors import CockpitError, log_internal_error
from cockpit.core.periods import Period
from cockpit.core.snapshot import (
    FIRST_READ_TIMEOUT,
    ForkedFirstRead,
    Request,
    Snapshot,
    build_snapshot,
    first_request,
)
from cockpit.core.store import Rep, Store
from cockpit.core.text import clean
from cockpit.tui.logging_bindings import LOGGING_BINDINGS, LoggingActions
from cockpit.tui.money_bindings import MONEY_BINDINGS, MoneyActions

log = logging.getLogger(__name__)

#: The headline KPIs of the tile strip and the trend chart, in order.
HEADLINE_KPIS: tuple[str, ...] = (
    "revenue",
    "opportunities",
    "win_rate",
    "conversion_rate",
    "avg_basket",
    "calls_per_opportunity",
    "cac",
    "revenue_per_rep",
    "attainment",
)
POLL_SECONDS = 0.5
#: How long the start waits for the first snapshot before it paints the screens empty ("Loading…") and lets a
#: worker deliver the data: a blank terminal for a moment beats an empty dashboard painted twice.
FIRST_READ_WAIT = 1.0
#: Drawn by the scorecards' total row once the first snapshot is on screen (the benchmark waits for it).
READY_MARKER = "Team total"
#: The collector, off for `cockpit run`'s start, is on again at the first data frame, or this long after the app
#: mounted if no data frame comes (a database that cannot be read).
START_GC_PAUSE = 5.0


def _freeze_startup_objects() -> None:
    """Once the first data frame is painted: collect, then move every object alive to the GC's permanent generation,
    and turn the collector back on (`cockpit run` turns it off for the start).

    The modules, Textual's widgets and the first snapshot live as long as the app; without this, every full
    collection walks all of them again, and one landing in a refresh after a write made the log → panes p95 at L
    107 ms instead of 79 (median 74 either way; python -m bench.run --only log, docs/PERFORMANCE.md)."""
    gc.collect()
    gc.freeze()
    gc.enable()


class CockpitApp(LoggingActions, MoneyActions, App[None]):
    """The sales cockpit: team dashboard, rep drill-down, My day, search and exports over one Store."""

    CSS_PATH = "cockpit.tcss"
    TITLE = "cockpit"
    # Screens get -narrow or -wide: the team cockpit shows one pane at a time below 110 columns, all of them above.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # c e m n a w l f u : E are left free for the logging forms (issue 4).
    # The key bar at the foot shows the few keys a newcomer needs (one line: more would be cut at 80 columns);
    # every binding is on the help screen (?) and in the command palette (ctrl+p).
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("left_square_bracket", "shift_period(-1)", "Prev period", id="period_prev"),
        Binding("right_square_bracket", "shift_period(1)", "Next period", id="period_next"),
        Binding("p", "choose_period", "Period kind", id="period_kind", show=False),
        Binding("t", "choose_team", "Team filter", id="team_filter", show=False),
        Binding("slash", "search", "Search", id="search"),
        Binding("k", "cycle_kpi(1)", "Trend KPI", id="trend_kpi", show=False),
        Binding("K", "cycle_kpi(-1)", "Trend KPI back", id="trend_kpi_back", show=False),
        Binding("d", "dashboard", "Team cockpit", id="team_cockpit", show=False),
        Binding("v", "my_day", "My day", id="my_day", show=False),
        Binding("ctrl+s", "export", "Export", id="export", show=False),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
        Binding("i", "insights", "Insights", id="insights", tooltip="Diagnosis, channels, segments and funnel"),
        *LOGGING_BINDINGS,
        *MONEY_BINDINGS,
    ]

    # repaint=False on every reactive: the screens repaint what changed when they are shown a snapshot; the
    # default would repaint the whole screen on each change (~27 KB at 120×40 for one call logged elsewhere).
    period: reactive[Period | None] = reactive(None, init=False, repaint=False)
    """The period shown; None until the first refresh picks this month (or the latest month with data)."""

    team: reactive[str | None] = reactive(None, init=False, repaint=False)
    """Team filter; None is every team."""

    detail_rep_id: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The rep of the open drill-down, if any."""

    myday_rep_id: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The rep whose My day is open, if any."""

    trend_kpi: reactive[str] = reactive("revenue", init=False, repaint=False)
    """The KPI the trend charts and the selected tile show."""

    snapshot: reactive[Snapshot | None] = reactive(None, init=False, repaint=False)
    """The data every screen renders; replaced only by a different snapshot."""

    class SnapshotReady(Message):
        """A refresh worker finished reading."""

        def __init__(self, snapshot: Snapshot) -> None:
            self.snapshot = snapshot
            super().__init__()

    class LoadFailed(Message):
        """A refresh worker failed; the message is one line for the user."""

        def __init__(self, error: str) -> None:
            self.error = error
            super().__init__()

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings,
        clock: Callable[[], pendulum.DateTime],
        actor: Actor,
        prefetch: _Prefetch | ForkedFirstRead | None = None,
        data_version: int | None = None,
    ) -> None:
        super().__init__()
        self._prefetch = prefetch
        self.store = store
        self.settings = settings
        self.clock = clock
        self.now = clock  # the logging forms' clock (LoggingHost)
        self.actor = actor
        self.acting_rep: Rep | None = actor.rep
        self.insights_open = False
        self.deal_offsets: dict[str, int] = {}  # the pipeline's deal lists paged past their first page
        self.detail_offset = 0  # the drill-down's open deals paged past their first page
        self._highlight: tuple[str, int] | None = None
        self.currency = settings.currency
        # PRAGMA data_version as of the first read: a commit elsewhere after it (during the start) is seen by the
        # first poll. None: the first poll only takes its baseline. A first read made by another process (forked)
        # cannot be tied to this connection's version: the first poll then reads again, whatever it finds.
        self._version: int | None = data_version
        self._recheck = prefetch is not None and prefetch.recheck
        self._polling = False
        self.refreshes = 0  # snapshots applied (tests check that an unchanged database repaints nothing)
        self.mouse_reporting = True
        self.crashed: Exception | None = None  # an exception that stopped the app; `cockpit run` re-raises it
        self._quit_armed: Screen | None = None  # the screen whose typed values a first ctrl+q warned about

    def run(self, *, mouse: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        """Run the app; ``mouse=False`` leaves the terminal's mouse reporting off (the default over SSH)."""
        self.mouse_reporting = mouse
        return super().run(mouse=mouse, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        # With mouse reporting off, a terminal still sends reports if a program before us left them on: every
        # motion event would repaint a table row for nothing, so they are dropped here.
        if not self.mouse_reporting and isinstance(event, events.MouseEvent):
            return
        await super().on_event(event)

    def _handle_exception(self, error: Exception) -> None:
        # Textual prints a Rich traceback (with locals) on the user's terminal when the app dies. We keep the
        # exception instead: `cockpit run` re-raises it after the terminal is restored, and cli.main writes the
        # traceback to the error log and prints one line. (No public hook exists for this in Textual 8.)
        if self.crashed is None:
            self.crashed = error
        super()._handle_exception(error)
        self._exit_renderables.clear()

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q); over a form or quick-entry line with something typed, only on a second ctrl+q."""
        if getattr(self.screen, "has_typed", False) and self._quit_armed is not self.screen:
            self._quit_armed = self.screen
            self.notify("What you typed is not saved: ctrl+q again quits without it", severity="warning")
            return
        self.exit()

    # ------------------------------------------------------------------------------------------ lifecycle

    def get_default_screen(self) -> Screen:
        """The team cockpit is the bottom of the screen stack (Textual's default is an empty screen under it)."""
        from cockpit.tui.screens.dashboard import DashboardScreen

        return DashboardScreen()

    def on_mount(self) -> None:
        opens_my_day = self.acting_rep is not None and self.acting_rep.role == "rep"
        if opens_my_day:
            # set_reactive: no watcher, so exactly one first load (the prefetched one, or the worker below) runs.
            self.set_reactive(CockpitApp.myday_rep_id, self.acting_rep.id)  # type: ignore[union-attr]
        first = self._first_snapshot()
        if first is not None:
            # Before the dashboard is composed: its on_mount shows it, so its first paint already holds the data.
            self.on_cockpit_app_snapshot_ready(self.SnapshotReady(first))

        # After the app's start-up batch (its Mount runs inside one): a screen pushed inside it is laid out and
        # rendered there, the render is thrown away at the batch's end and done again (~30 ms before the first frame).
        def open_my_day() -> None:
            from cockpit.tui.screens.myday import MyDayScreen  # only a rep's start opens it (~5 ms to import)

            self.push_screen(MyDayScreen(self.acting_rep.id))  # type: ignore[union-attr]

        if opens_my_day:
            self.call_later(open_my_day)
        if first is None:
            self.refresh_data()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_timer(START_GC_PAUSE, gc.enable)

    def on_unmount(self) -> None:
        # Give what the start froze back to the collector: the objects of an app that ended can be freed (tests
        # and scripts run many apps in one process).
        gc.unfreeze()
        gc.enable()

    def _first_snapshot(self) -> Snapshot | None:
        """The prefetched snapshot, waiting for it up to FIRST_READ_WAIT; None to let a refresh worker read it.

        Waiting here (the GIL released) lets the read run at full speed: while the UI thread is busy, the reading
        thread waits for the GIL after every row SQLite steps through (the first read at S took ~300 ms beside
        Textual's start instead of 20 ms alone), and an empty dashboard painted meanwhile is painted again.
        """
        prefetch = self._prefetch
        if prefetch is None or not prefetch.wait(FIRST_READ_WAIT) or prefetch.request != self._request():
            return None  # a worker takes the prefetch over (or reads afresh) and posts SnapshotReady
        self._prefetch = None
        try:
            return prefetch.result()
        except Exception:  # the refresh worker reads again and reports the failure the usual way
            return None

    # ------------------------------------------------------------------------------------------ refresh

    def refresh_data(self) -> None:
        """Re-read what the screens need (the logging forms call this after their own writes)."""
        self._load(self._request())

    def _request(self) -> Request:
        """What the screens need now."""
        return Request(
            self.period,
            self.team,
            self.detail_rep_id,
            self.myday_rep_id,
            self.insights_open,
            tuple(sorted(self.deal_offsets.items())),
            self.detail_offset,
        )

    @work(thread=True, exclusive=True, group="refresh")
    def _load(self, request: Request) -> None:
        prefetch, self._prefetch = self._prefetch, None
        try:
            # A first read still running (slower than FIRST_READ_WAIT: a first build at L, a slow disk) is waited
            # for, not read again beside it: a forked one tells its request only once it has answered.
            if prefetch is not None and prefetch.wait(FIRST_READ_TIMEOUT) and prefetch.request == request:
                snapshot = prefetch.result()  # read while Textual was starting
            else:
                snapshot = build_snapshot(self.store, self.settings, request, self.clock())
        except CockpitError as exc:  # a user-facing problem (locked, damaged database): its one line says it all
            if not get_current_worker().is_cancelled:
                self.post_message(self.LoadFailed(str(exc)))
            return
        except Exception as exc:  # a bug: one line on screen, the traceback in the error log, and where it is
            where = log_internal_error(exc)
            detail = f"details in {where}" if where else "the error log could not be written"
            if not get_current_worker().is_cancelled:
                self.post_message(self.LoadFailed(f"{type(exc).__name__}: {exc} ({detail})"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.SnapshotReady(snapshot))

    def on_cockpit_app_snapshot_ready(self, message: SnapshotReady) -> None:
        snap = message.snapshot
        if self.period is None:
            self.set_reactive(CockpitApp.period, snap.dashboard.period)
        for page in snap.stage_deals:
            # A stage that shrank shows its last page left: remember that page, not the one asked for, so that
            # the list does not jump back when the stage grows again.
            if self.deal_offsets.get(page.stage, 0) != page.offset:
                self.page_offset(page.stage, page.offset)
        if snap.detail is not None and snap.detail.rep.id == self.detail_rep_id:
            self.detail_offset = snap.detail.deals_offset  # the same for the drill-down's deals
        if snap == self.snapshot:
            return
        self.refreshes += 1
        self.snapshot = snap
        if self.refreshes == 1:
            self.call_after_refresh(_freeze_startup_objects)

    def on_cockpit_app_load_failed(self, message: LoadFailed) -> None:
        self.notify(clean(message.error), title="Could not read the database", severity="error", markup=False)

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        demo = " · DEMO" if snapshot.is_demo else ""
        team = clean(self.team) if self.team else "all teams"
        self.sub_title = f"{snapshot.dashboard.period.label} · {team}{demo}"
        for screen in self.screen_stack:
            # By its flag, not isinstance: importing the insights screen (and its analysis modules, ~10 ms) for
            # the check would slow the first frame of a cockpit that never opens it. It keeps what it is given
            # until it is mounted, as the other screens show the app's snapshot from their on_mount.
            if getattr(screen, "SHOWS_INSIGHTS", False):
                if snapshot.insights is not None:
                    screen.show(snapshot.insights, title=self._insights_title(snapshot))
                continue
            # Screens that draw the snapshot say so with this method (not `show`, which other screens define for
            # what they read themselves: the costs and quotas screen crashed on every refresh with it).
            show = getattr(screen, "show_snapshot", None)
            if show is not None and screen.is_mounted:
                show(snapshot)
        self._apply_highlight()

    def _poll(self) -> None:
        if not self._polling:
            self._polling = True
            self._check_version()

    @work(thread=True, exclusive=True, group="poll")
    def _check_version(self) -> None:
        # In a thread: the store's lock may be held by a refresh, and the UI must never wait on it.
        try:
            version = self.store.data_version()
        except Exception:
            log.exception("data_version poll failed")
            version = self._version
        finally:
            self._polling = False
        # The forked first read's recheck, once its snapshot is shown (a re-read while it is still on its way would
        # only cancel the worker waiting for it and read it all again).
        recheck = self._recheck and self.snapshot is not None
        if recheck:
            self._recheck = False
        if recheck or (self._version is not None and version != self._version):
            self.call_from_thread(self.refresh_data)
        self._version = version

    # ------------------------------------------------------------------------------------------ watchers

    def watch_period(self) -> None:
        self.deal_offsets.clear()
        self.refresh_data()

    def watch_team(self) -> None:
        self.deal_offsets.clear()
        self.refresh_data()

    def page_deals(self, stage: str, offset: int) -> None:
        """Show the deals of ``stage`` from the ``offset``-th (the pipeline pane's next and previous pages)."""
        self.page_offset(stage, offset)
        self.refresh_data()

    def page_offset(self, stage: str, offset: int) -> None:
        """Where the next reads start the deal list of ``stage`` (0: its first page)."""
        if offset > 0:
            self.deal_offsets[stage] = offset
        else:
            self.deal_offsets.pop(stage, None)

    def watch_detail_rep_id(self, rep_id: int | None) -> None:
        self.detail_offset = 0
        if rep_id is not None:
            self.refresh_data()

    def page_detail_deals(self, offset: int) -> None:
        """Show the drill-down rep's open deals from the ``offset``-th (its next and previous pages)."""
        self.detail_offset = max(0, offset)
        self.refresh_data()

    def watch_myday_rep_id(self, rep_id: int | None) -> None:
        if rep_id is not None:
            self.refresh_data()

    def watch_trend_kpi(self) -> None:
        if self.snapshot is not None:
            self.watch_snapshot(self.snapshot)

    # ------------------------------------------------------------------------------------------ actions

    def action_shift_period(self, delta: int) -> None:
        if self.period is None:
            return
        self.period = self.period.next() if delta > 0 else self.period.previous()

    def action_choose_period(self) -> None:
        from cockpit.tui.screens.period import PeriodScreen

        if self.period is not None:
            self.push_screen(PeriodScreen(self.period, self.settings, self.clock()), self._set_period)

    def _set_period(self, period: Period | None) -> None:
        if period is not None:
            self.period = period

    def action_choose_team(self) -> None:
        from cockpit.tui.screens.team import TeamScreen

        teams = self.snapshot.teams if self.snapshot else ()
        self.push_screen(TeamScreen(teams, self.team), self._set_team)

    def _set_team(self, team: str | None) -> None:
        if team is not None:  # "" is every team; None is a cancelled chooser
            self.team = team or None

    def action_search(self) -> None:
        from cockpit.tui.screens.search import SearchScreen

        self.push_screen(SearchScreen(self.store), self._search_done)

    def _search_done(self, hit: object) -> None:
        rep_id = getattr(hit, "rep_id", None)
        if rep_id is not None:
            self.open_rep(rep_id)
            stage = getattr(hit, "stage", None)
            if stage in ("won", "lost"):  # the drill-down lists open deals: say where this one went
                self.notify(clean(f"#{hit.id} {hit.title} is {stage}"), markup=False)  # type: ignore[attr-defined]
            else:
                self.highlight("deals", hit.id)  # type: ignore[attr-defined]  # the cursor on it once listed
        elif hit is not None:
            self.notify(clean(f"{hit.title}: {hit.detail}"), title="Account", markup=False)  # type: ignore[attr-defined]

    def action_help(self) -> None:
        from cockpit.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_cycle_kpi(self, delta: int) -> None:
        index = HEADLINE_KPIS.index(self.trend_kpi) if self.trend_kpi in HEADLINE_KPIS else 0
        self.trend_kpi = HEADLINE_KPIS[(index + delta) % len(HEADLINE_KPIS)]

    @property
    def has_screen_below(self) -> bool:
        """True when the current screen lies over another (the team cockpit, the app's default screen, is always
        the bottom one: nothing may pop it)."""
        return len(self.screen_stack) > 1

    def action_dashboard(self) -> None:
        from cockpit.tui.screens.dashboard import DashboardScreen

        while self.has_screen_below and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        self.set_reactive(CockpitApp.detail_rep_id, None)
        self.set_reactive(CockpitApp.myday_rep_id, None)

    def action_my_day(self) -> None:
        from cockpit.tui.screens.myday import MyDayScreen

        rep_id = self._rep_id_in_view()
        if rep_id is None and self.acting_rep is not None:
            rep_id = self.acting_rep.id
        if rep_id is None:
            self.notify("Choose a rep in the scorecards first.", markup=False)
            return
        if isinstance(self.screen, MyDayScreen):
            return
        self.push_screen(MyDayScreen(rep_id))
        self.myday_rep_id = rep_id

    def open_rep(self, rep_id: int) -> None:
        """Open the drill-down of one rep."""
        from cockpit.tui.screens.rep import RepScreen

        self.push_screen(RepScreen(rep_id))
        self.detail_rep_id = rep_id

    # ------------------------------------------------------------------------------------------ logging host

    def _rep_id_in_view(self) -> int | None:
        """The rep the screen is about: a drill-down's or My day's, or the one under the scorecards' cursor."""
        from cockpit.tui.screens.common import OneRepScreen
        from cockpit.tui.screens.dashboard import DashboardScreen

        if isinstance(self.screen, OneRepScreen):
            return self.screen.rep_id
        if isinstance(self.screen, DashboardScreen):
            return self.screen.selected_rep_id()
        return None

    @property
    def rep_in_view(self) -> str | None:
        """The name of the rep the screen is about (see :meth:`_rep_id_in_view`), for the logging forms."""
        rep_id = self._rep_id_in_view()
        if rep_id is None or self.snapshot is None:
            return None
        return next((r.rep for r in self.snapshot.dashboard.reps if r.rep_id == rep_id), None)

    @property
    def selected_deal_id(self) -> int | None:
        """The deal under the cursor of the focused deal table (pipeline, drill-down or My day), if any."""
        from cockpit.tui.screens.common import OpenDealTable
        from cockpit.tui.widgets.pipeline import DealTable

        table = self.screen.focused
        if not isinstance(table, DealTable | OpenDealTable) or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key and str(key).isdigit() else None

    @property
    def selected_activity_id(self) -> int | None:
        """The activity under the cursor of the focused activity table (My day, drill-down), if any."""
        from cockpit.tui.screens.common import ActivityTable

        table = self.screen.focused
        if not isinstance(table, ActivityTable) or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key and str(key).isdigit() else None

    def highlight(self, table: str, row_id: int) -> None:
        """Put the cursor on the new or changed row once the refreshed snapshot shows it."""
        self._highlight = (table, row_id)
        self._apply_highlight()

    def _apply_highlight(self) -> None:
        from cockpit.tui.screens.common import ActivityTable, OpenDealTable
        from cockpit.tui.widgets.pipeline import DealTable

        if self._highlight is None:
            return
        table_name, row_id = self._highlight
        kinds = (DealTable, OpenDealTable) if table_name == "deals" else (ActivityTable,)
        for table in self.screen.query(DataTable):
            if isinstance(table, kinds) and str(row_id) in {k.value for k in table.rows}:
                table.move_cursor(row=table.get_row_index(str(row_id)))
                self._highlight = None
                return

    # ------------------------------------------------------------------------------------------ insights

    def action_insights(self) -> None:
        from cockpit.tui.screens.insights import InsightsScreen

        if isinstance(self.screen, InsightsScreen):
            return
        self.insights_open = True
        snapshot = self.snapshot
        if snapshot is not None:
            screen = InsightsScreen(snapshot.insights, title=self._insights_title(snapshot))
        else:
            screen = InsightsScreen(None)
        self.push_screen(screen, lambda _: self._insights_closed())
        self.refresh_data()

    def _insights_closed(self) -> None:
        self.insights_open = False

    def _insights_title(self, snapshot: Snapshot) -> str:
        dash = snapshot.dashboard
        scope = clean(dash.team_filter) if dash.team_filter else "all teams"
        return f"Insights · {dash.period.label} · {scope}"

    def action_reload(self) -> None:
        self.refresh_data()

    def action_export(self) -> None:
        """Save an SVG screenshot and the scorecards (CSV and Markdown, as `cockpit report` prints them)."""
        from cockpit.core.report import build_report, render  # lazy: only an export needs it

        folder = Path(os.environ.get("COCKPIT_EXPORT_DIR") or Path.cwd())
        if self.snapshot is None:
            self.notify("Nothing to export yet: the data is still loading.", markup=False)
            return
        label = self.snapshot.dashboard.period.label.replace("..", "_")
        stem = f"cockpit-{label}-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            svg = self.save_screenshot(filename=f"{stem}.svg", path=str(folder))
            report = build_report(self.snapshot.dashboard, currency=self.currency)
            csv_path = folder / f"{stem}.csv"
            csv_path.write_text(render(report, "csv", currency=self.currency) + "\n", encoding="utf-8")
            md_path = folder / f"{stem}.md"
            md_path.write_text(render(report, "markdown", currency=self.currency) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(clean(f"Export failed: {exc}"), severity="error", markup=False)
            return
        self.notify(clean(f"Saved {svg}, {csv_path.name} and {md_path.name}"), title="Exported", markup=False)


class _Prefetch:
    """The first snapshot, read in a thread started before the app, so the queries overlap Textual's start-up."""

    recheck = False  # read on the app's own connection, after its data_version baseline: nothing to re-read

    def __init__(self, store: Store, settings: Settings, request: Request, now: pendulum.DateTime) -> None:
        self.request = request
        self._done = threading.Event()
        self._snapshot: Snapshot | None = None
        self._error: BaseException | None = None
        args = (store, settings, request, now)
        threading.Thread(target=self._run, args=args, name="cockpit-prefetch", daemon=True).start()

    def _run(self, store: Store, settings: Settings, request: Request, now: pendulum.DateTime) -> None:
        try:
            self._snapshot = build_snapshot(store, settings, request, now)
        except BaseException as exc:  # handed to the refresh worker, which reports it as any refresh failure
            self._error = exc
        finally:
            self._done.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the read to finish (with a snapshot or an error); whether it has."""
        return self._done.wait(timeout)

    def result(self) -> Snapshot:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._snapshot is not None
        return self._snapshot


def make_app(
    store: Store,
    *,
    settings: Settings,
    now: pendulum.DateTime | Callable[[], pendulum.DateTime] | None = None,
    as_rep: str | None = None,
    first_read: ForkedFirstRead | None = None,
) -> CockpitApp:
    """The app factory shared by the CLI, Pilot tests and snapshot tests.

    ``now`` is the moment the app starts (its clock runs on from there), a clock function (tests pass a frozen
    one), or None for the real time.
    ``as_rep`` names the acting rep; by default the Unix login is looked up among the reps.
    ``first_read`` is a first read already started in a forked child (`cockpit run`); without it, the first read
    starts here in a thread.
    """
    if now is None:
        tz = settings.timezone or pendulum.local_timezone()
        clock: Callable[[], pendulum.DateTime] = lambda: pendulum.now(tz)  # noqa: E731
    elif callable(now) and not isinstance(now, pendulum.DateTime):
        clock = now
    else:
        # A moment (the CLI's now, or $COCKPIT_NOW) starts a clock that then runs on with real time, so "today"
        # moves on in an app left open overnight. Tests that need a frozen clock pass ``lambda: moment``.
        start, started = now, time.monotonic()
        clock = lambda: start.add(seconds=int(time.monotonic() - started))  # noqa: E731
    # Indexed lookups before the app starts (not on the UI thread): who acts decides the first screen and what
    # the logging keys may do.
    actor = resolve_actor(store, as_rep)
    version = store.data_version()  # before the first read: any commit after it makes the first poll refresh
    prefetch = first_read or _Prefetch(store, settings, first_request(actor), clock())
    return CockpitApp(store, settings=settings, clock=clock, actor=actor, prefetch=prefetch, data_version=version)

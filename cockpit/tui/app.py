"""CockpitApp: the reactive state (period, team, selected rep, snapshot), the bindings and the refresh workers.

State flows down: the App owns the period, the team filter, the drilled-down rep and the current snapshot; the screens
render what they are given. SQL runs only in thread workers that post one :class:`SnapshotReady` message; a cheap
``PRAGMA data_version`` poll (also in a worker) starts a refresh only when another process committed, and a
snapshot equal to the one shown repaints nothing.
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
from rich.console import Console
from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandInput, CommandPalette
from textual.filter import LineFilter
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import get_current_worker

from cockpit.core.actor import Actor, resolve_actor
from cockpit.core.charset import terminal_glyphs
from cockpit.core.clock import Clock
from cockpit.core.config import Settings
from cockpit.core.errors import CockpitError, bug_line
from cockpit.core.forecast_view import ForecastAsk, ForecastView, ask_for, data_stamp, forecast_view
from cockpit.core.periods import Period
from cockpit.core.report import build_report, render
from cockpit.core.snapshot import Request, Snapshot, build_snapshot
from cockpit.core.store import Rep, Store
from cockpit.core.text import clean
from cockpit.tui.charset import AsciiFilter, ascii_key_display
from cockpit.tui.logging_bindings import LOGGING_BINDINGS, LoggingActions
from cockpit.tui.money_bindings import MONEY_BINDINGS, MoneyActions
from cockpit.tui.quick_entry import QuickEntry
from cockpit.tui.screens.common import ActivityTable, OneRepScreen, OpenDealTable
from cockpit.tui.screens.dashboard import HEADLINE_KPIS, DashboardScreen
from cockpit.tui.screens.deal import DealScreen
from cockpit.tui.screens.help import HelpScreen
from cockpit.tui.screens.insights import InsightsScreen, insights_title
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.screens.period import PeriodScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.screens.search import SearchScreen
from cockpit.tui.screens.team import TeamScreen
from cockpit.tui.widgets.line_table import LineTable, line_table_of
from cockpit.tui.widgets.pipeline import DealTable
from cockpit.tui.widgets.table import Table

__all__ = ["HEADLINE_KPIS", "POLL_GROUP", "POLL_SECONDS", "READY_MARKER", "CockpitApp", "make_app"]

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
#: The worker group of the data_version watch, which runs for the app's life (tests wait for every other worker).
POLL_GROUP = "poll"
#: Drawn by the scorecards' total row once the first snapshot is on screen (the benchmark waits for it).
READY_MARKER = "Team total"


#: "[ ] Period" in the footer: one entry for the two keys.
PERIOD_KEYS = Binding.Group("Period")


class CockpitApp(LoggingActions, MoneyActions, App[None]):
    """The sales cockpit: team dashboard, rep drill-down, My day, search and exports over one Store."""

    CSS_PATH = "cockpit.tcss"
    TITLE = "cockpit"
    # Screens get -narrow or -wide: the team cockpit shows one pane at a time below 110 columns, all of them above.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # c e m n a w l f u : E are left free for the logging forms (issue 4).
    # The footer shows the few keys a newcomer needs, whole at 80 columns (one line: Textual's footer cuts what does
    # not fit mid-word); every binding is on the help screen (?) and in the command palette (ctrl+p).
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("left_square_bracket", "shift_period(-1)", "Prev period", id="period_prev", group=PERIOD_KEYS),
        Binding("right_square_bracket", "shift_period(1)", "Next period", id="period_next", group=PERIOD_KEYS),
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

    deal_page_id: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The deal whose page is on top of the other deal pages (the one the refreshes read), if any."""

    trend_kpi: reactive[str] = reactive("revenue", init=False, repaint=False)
    """The KPI the trend charts and the selected tile show."""

    snapshot: reactive[Snapshot | None] = reactive(None, init=False, repaint=False)
    """The data every screen renders; replaced only by a different snapshot."""

    forecast: reactive[ForecastView | None] = reactive(None, init=False, repaint=False)
    """The latest forecast run (issue 23), computed after the snapshot it follows; replaced only by a different one."""

    class SnapshotReady(Message):
        """A refresh worker finished reading; ``load`` counts the reads started, this one's number."""

        def __init__(self, snapshot: Snapshot, load: int = 0) -> None:
            self.snapshot = snapshot
            self.load = load
            super().__init__()

    class ForecastReady(Message):
        """A forecast worker finished; ``key`` is what it was computed from (the ask, the day, the data stamp)."""

        def __init__(self, key: tuple[object, ...], view: ForecastView) -> None:
            self.key = key
            self.view = view
            super().__init__()

    class DataChanged(Message):
        """The poll saw another connection's commit."""

    class SchemaUpgraded(Message):
        """The poll saw a newer cockpit upgrade the file: the store is read-only from now on."""

        def __init__(self, version: int) -> None:
            self.version = version
            super().__init__()

    class LoadFailed(Message):
        """A refresh worker failed; the message is one line for the user (``load`` as in SnapshotReady; a failed
        forecast run has none)."""

        def __init__(self, error: str, load: int | None = None) -> None:
            self.error = error
            self.load = load
            super().__init__()

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings,
        clock: Clock,
        actor: Actor,
        data_version: int | None = None,
        changes_seen: int | None = None,
    ) -> None:
        # NO_COLOR (no-color.org): Textual then turns its colours into greys unless the app draws with the
        # terminal's own ANSI colours, which it then drops altogether: no colour, only bold, reverse and borders.
        super().__init__(ansi_color=bool(os.environ.get("NO_COLOR")))
        # Issue 21: a locale that is not UTF-8 (LANG=C, POSIX, Latin-1) gets ASCII glyphs, borders and scrollbars.
        self.glyphs = terminal_glyphs()
        self._ascii_filter = AsciiFilter(enabled=self.glyphs.ascii)
        if self.glyphs.ascii:
            self.add_class("-ascii")  # cockpit.tcss: ascii borders
        # Scrolls jump, as in lazygit and k9s, rather than glide: each step of a glide is a frame of the scrolled
        # pane, and a Tab on My day at 80×24 (the next box scrolled into view) sent 28-70 KB instead of 16-19 KB.
        # Textual's own TEXTUAL_ANIMATIONS, when a user sets it, still decides.
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        self.store = store
        self.settings = settings
        self.clock = clock  # the one clock: the refreshes', the logging forms' (LoggingHost) and the store's
        self.actor = actor
        self.acting_rep: Rep | None = actor.rep
        self.insights_open = False
        self.deal_offsets: dict[str, int] = {}  # the pipeline's deal lists paged past their first page
        self.detail_offset = 0  # the drill-down's open deals paged past their first page
        self.opened_on: Period | None = None  # the latest period with data, opened on because the current one was empty
        self._highlight: tuple[str, int, bool] | None = None  # table kind, row id, focus that table
        self.currency = settings.currency
        # PRAGMA data_version before the first read: a commit elsewhere after it (during the start) is seen by the
        # first poll. None: the first poll only takes its baseline.
        self._version: int | None = data_version
        # The count of changes users can see at the same moment (Store.changes_seen): a commit that leaves it as it was
        # (a cockpit storing KPI buckets) refreshes nothing. None: unknown, any commit refreshes.
        self._seen: int | None = changes_seen
        self.refreshes = 0  # snapshots applied (tests check that an unchanged database repaints nothing)
        self.mouse_reporting = True
        self.crashed: Exception | None = None  # an exception that stopped the app; `cockpit run` re-raises it
        self._quit_armed: Widget | None = None  # the form or prompt whose typed values a first ctrl+q warned about
        self._forecast_key: tuple[object, ...] | None = None  # what the forecast shown was computed from
        self._loads = 0  # reads started by refresh_data (each SnapshotReady says which one it is)
        # refresh_data(then=...): (load, then, whether it runs in the frame that draws the read)
        self._after_load: list[tuple[int, Callable[[], None], bool]] = []

    def run(self, *, mouse: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        """Run the app; ``mouse=False`` leaves the terminal's mouse reporting off (the default over SSH)."""
        self.mouse_reporting = mouse
        return super().run(mouse=mouse, **kwargs)

    def get_line_filters(self) -> list[LineFilter]:
        """Textual's filters (NO_COLOR's among them), then, in an ASCII locale, the glyphs made ASCII."""
        return [*super().get_line_filters(), *((self._ascii_filter,) if self._ascii_filter.enabled else ())]

    def get_key_display(self, binding: Binding) -> str:
        """Textual's key names (← for left, ⏎ for enter), spelled out in an ASCII locale."""
        display = super().get_key_display(binding)
        return ascii_key_display(display, binding) if self.glyphs.ascii else display

    async def on_event(self, event: events.Event) -> None:
        # With mouse reporting off, a terminal still sends reports if a program before us left them on: every
        # motion event would repaint a table row for nothing, so they are dropped here.
        if not self.mouse_reporting and isinstance(event, events.MouseEvent):
            return
        await super().on_event(event)

    def _handle_exception(self, error: Exception) -> None:
        # WORKAROUND, the one use of Textual internals: Textual 8.2.8 has no public hook for an exception that stops
        # the app (Textual issue #5931 "Capture traceback in log file", open; see also #2818). It prints a Rich
        # traceback with locals on the user's terminal as the app exits. We keep the exception instead (`cockpit run`
        # re-raises it once the terminal is restored; cli.main logs the traceback and prints one line) and send the
        # printout to a buffer through the app's public error console. Remove when Textual has a public hook;
        # tests/system/test_terminal_bytes.py checks the outcome.
        if self.crashed is None:
            self.crashed = error
        self.error_console = Console(file=io.StringIO(), markup=False, highlight=False)
        super()._handle_exception(error)

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q); over a form or quick-entry line with something typed, only on a second ctrl+q."""
        typed = next((h for h in (*self.screen.query(QuickEntry), self.screen) if getattr(h, "has_typed", False)), None)
        if typed is not None and self._quit_armed is not typed:
            self._quit_armed = typed
            self.notify("What you typed is not saved: ctrl+q again quits without it", severity="warning")
            return
        self.exit()

    # ------------------------------------------------------------------------------------------ lifecycle

    def get_default_screen(self) -> Screen:
        """The team cockpit is the bottom of the screen stack (Textual's default is an empty screen under it)."""
        return DashboardScreen()

    def on_command_palette_opened(self, _message: CommandPalette.Opened) -> None:
        """The command palette's line holds its cursor steady, as the cockpit's own (SteadyInput): left open, it
        sends nothing (its blink was 6 KB in 4 s at 120x40)."""
        for line in self.screen.query(CommandInput):
            line.cursor_blink = False

    def on_mount(self) -> None:
        # The first read runs in the refresh worker, as every later one (harlequin loads its catalog the same way):
        # the screens paint "Loading…" at once and show the snapshot when it arrives.
        if self.acting_rep is not None and self.acting_rep.role == "rep":
            # set_reactive: no watcher, so exactly one first read (the one below) runs.
            self.set_reactive(CockpitApp.myday_rep_id, self.acting_rep.id)
            self.push_screen(MyDayScreen(self.acting_rep.id))
        self.refresh_data()
        self._watch_version()

    # ------------------------------------------------------------------------------------------ refresh

    def refresh_data(self, then: Callable[[], None] | None = None, *, same_frame: bool = False) -> None:
        """Re-read what the screens need (the logging forms call this after their own writes); ``then`` runs once
        this read (not one started before it) is drawn, or has failed; with ``same_frame``, as soon as it is applied,
        so that what ``then`` changes is drawn in the frame that draws the new numbers."""
        self._loads += 1
        if then is not None:
            self._after_load.append((self._loads, then, same_frame))
        self._load(self._request(), self._loads)

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
            anchored=self.period is not None and self.period == self.opened_on,
            deal_id=self.deal_page_id,
            deal_pages=not self._team_cockpit_covered(),
        )

    def _team_cockpit_covered(self) -> bool:
        """Whether a full screen (My day, a drill-down, a deal page) lies over the team cockpit."""
        bottom = self.screen_stack[0] if self.screen_stack else None
        return isinstance(bottom, DashboardScreen) and bottom.covered

    @work(thread=True, exclusive=True, group="refresh")
    def _load(self, request: Request, load: int = 0) -> None:
        try:
            snapshot = build_snapshot(self.store, self.settings, request, self.clock.now())
        except CockpitError as exc:  # a user-facing problem (locked, damaged database): its one line says it all
            if not get_current_worker().is_cancelled:
                self.post_message(self.LoadFailed(str(exc), load))
            return
        except Exception as exc:  # a bug: one line on screen, the traceback in the error log, and where it is
            line = bug_line(exc)
            if not get_current_worker().is_cancelled:
                self.post_message(self.LoadFailed(line, load))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.SnapshotReady(snapshot, load))

    def on_cockpit_app_snapshot_ready(self, message: SnapshotReady) -> None:
        snap = message.snapshot
        if self.period is None:
            self.set_reactive(CockpitApp.period, snap.dashboard.period)
            if snap.dashboard.anchored:
                self.opened_on = snap.dashboard.period  # the header says so while it is shown (see Request.anchored)
        for page in snap.stage_deals or ():
            # A stage that shrank shows its last page left: remember that page, not the one asked for, so that
            # the list does not jump back when the stage grows again.
            if self.deal_offsets.get(page.stage, 0) != page.offset:
                self.page_offset(page.stage, page.offset)
        if snap.detail is not None and snap.detail.rep.id == self.detail_rep_id:
            self.detail_offset = snap.detail.deals_offset  # the same for the drill-down's deals
        # After every read, even an unchanged one (a change the snapshot does not show may move the forecast); the
        # worker reruns it only when its inputs changed. After this frame: the first paint does not wait for it.
        self.call_after_refresh(self._start_forecast, snap)
        if snap != self.snapshot:  # else nothing changed: nothing repaints
            self.refreshes += 1
            self.snapshot = snap  # the screens follow it: self.watch(self.app, "snapshot", ...)
        self._loaded(message.load)

    def _loaded(self, load: int) -> None:
        """Read ``load`` (and every one before it) is applied: what waited for it runs now or after the next frame."""
        due = [(then, same_frame) for number, then, same_frame in self._after_load if number <= load]
        if due:
            self._after_load = [entry for entry in self._after_load if entry[0] > load]
            for then, same_frame in due:
                if same_frame:
                    then()
                else:
                    self.call_after_refresh(then)

    def _start_forecast(self, snap: Snapshot) -> None:
        if snap is not self.snapshot and snap != self.snapshot:
            return  # a newer read came in meanwhile: its own call starts the forecast
        rep_id = snap.my_day.rep.id if snap.my_day is not None else None
        self._load_forecast(ask_for(snap.dashboard, rep_id=rep_id, insights=self.insights_open), snap.today)

    @work(thread=True, exclusive=True, group="forecast")
    def _load_forecast(self, ask: ForecastAsk, today: str) -> None:
        # Not in the snapshot: at the large size it costs more than a refresh may take (docs/INSIGHTS.md).
        try:
            key = (ask, today, data_stamp(self.store))
            if key == self._forecast_key:
                return  # same scope, same day, no write since: the same numbers
            view = forecast_view(self.store, ask, int(self.clock.now().timestamp()))
        except CockpitError:
            return  # locked or damaged: the refresh says so; the next refresh tries again
        except Exception as exc:  # a bug: one line on screen, the traceback in the error log
            line = bug_line(exc)
            if not get_current_worker().is_cancelled:
                self.post_message(self.LoadFailed(f"Forecast: {line}"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.ForecastReady(key, view))

    def on_cockpit_app_forecast_ready(self, message: ForecastReady) -> None:
        self._forecast_key = message.key
        if message.view != self.forecast:  # an equal run repaints nothing
            self.forecast = message.view  # the screens follow it: self.watch(self.app, "forecast", ...)

    def on_cockpit_app_load_failed(self, message: LoadFailed) -> None:
        self.notify(clean(message.error), title="Could not read the database", severity="error", markup=False)
        if message.load is not None:
            self._loaded(message.load)

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        # On demo data nobody can be told apart (core.actor): say that whoever opens it may do everything.
        demo = " · DEMO: everyone is a manager" if snapshot.is_demo else ""
        team = clean(self.team) if self.team else "all teams"
        self.sub_title = f"{snapshot.dashboard.period.label} · {team}{demo}"
        # Once the screens' own watchers (called after this method) have drawn the new rows.
        self.call_later(self._apply_highlight)

    @work(thread=True, exclusive=True, group=POLL_GROUP)
    def _watch_version(self) -> None:
        """Every POLL_SECONDS, ``PRAGMA data_version``: a refresh only when another connection committed a change
        users can see (``Store.changes_seen`` moved: not a cockpit storing KPI buckets).

        One thread for the app's life, asleep between polls (a few microseconds of SQLite each): a timer starting
        a worker per poll cost twice the idle CPU at the same rate. In a thread, because the store's lock may be
        held by a refresh, and the UI must never wait on it."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            upgraded = None
            try:
                version = self.store.data_version()
                seen = self.store.changes_seen() if version != self._version else self._seen
                if self._version is not None and version != self._version:
                    upgraded = self.store.notice_newer_schema()  # a newer cockpit upgraded the file: read-only now
            except Exception:
                log.exception("data_version poll failed")
                version, seen = self._version, self._seen
            # Messages, not call_from_thread: that waits for the UI thread, which never answers once the app is
            # exiting, and the process would hang on this thread at exit.
            if upgraded is not None:
                self.post_message(self.SchemaUpgraded(upgraded))
            if self._version is not None and version != self._version and (seen is None or seen != self._seen):
                self.post_message(self.DataChanged())
            self._version, self._seen = version, seen
            time.sleep(POLL_SECONDS)

    def on_cockpit_app_data_changed(self, _message: DataChanged) -> None:
        self.refresh_data()

    def on_cockpit_app_schema_upgraded(self, message: SchemaUpgraded) -> None:
        self.notify(
            f"A newer cockpit upgraded the database (schema {message.version}): this one reads on; restart cockpit"
            " to write.",
            severity="warning",
            timeout=30,
            markup=False,
        )

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

    def watch_deal_page_id(self, deal_id: int | None) -> None:
        if deal_id is not None:
            self.refresh_data()

    # ------------------------------------------------------------------------------------------ actions

    def action_shift_period(self, delta: int) -> None:
        if self.period is None:
            return
        self.period = self.period.next() if delta > 0 else self.period.previous()

    def action_choose_period(self) -> None:
        if self.period is not None:
            self.push_screen(PeriodScreen(self.period, self.settings, self.clock.now()), self._set_period)

    def _set_period(self, period: Period | None) -> None:
        if period is not None:
            self.period = period

    def action_choose_team(self) -> None:
        teams = self.snapshot.teams if self.snapshot else ()
        self.push_screen(TeamScreen(teams, self.team), self._set_team)

    def _set_team(self, team: str | None) -> None:
        if team is not None:  # "" is every team; None is a cancelled chooser
            self.team = team or None

    def action_search(self) -> None:
        self.push_screen(SearchScreen(self.store), self._search_done)

    def _search_done(self, hit: object) -> None:
        if getattr(hit, "kind", None) == "deal":
            self.open_deal(hit.id)  # type: ignore[attr-defined]  # open, won or lost: its page shows it all
        elif hit is not None:
            self.notify(clean(f"{hit.title}: {hit.detail}"), title="Account", markup=False)  # type: ignore[attr-defined]

    def action_help(self) -> None:
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
        while self.has_screen_below and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        self.set_reactive(CockpitApp.detail_rep_id, None)
        self.set_reactive(CockpitApp.myday_rep_id, None)
        self.set_reactive(CockpitApp.deal_page_id, None)

    def action_my_day(self) -> None:
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
        self.push_screen(RepScreen(rep_id))
        self.detail_rep_id = rep_id

    def open_deal(self, deal_id: int) -> None:
        """Open a deal's own page (Enter on a deal in the pipeline, a drill-down, My day or search)."""
        self.push_screen(DealScreen(deal_id))
        self.deal_page_id = deal_id

    def deal_page_closed(self) -> None:
        """A deal page went: the refreshes read the deal page now on top (one opened from another), if any."""
        pages = [s for s in self.screen_stack if isinstance(s, DealScreen)]
        self.deal_page_id = pages[-1].deal_id if pages else None

    # ------------------------------------------------------------------------------------------ logging host

    def _rep_id_in_view(self) -> int | None:
        """The rep the screen is about: a drill-down's or My day's, or the one under the scorecards' cursor."""
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
        """The deal under the cursor of the focused deal table (pipeline, drill-down or My day), if any; on a
        deal's page, that deal (the logging keys act on it)."""
        if isinstance(self.screen, DealScreen):
            return self.screen.deal_id
        return self._selected_id(DealTable, OpenDealTable)

    @property
    def selected_activity_id(self) -> int | None:
        """The activity under the cursor of the focused activity table (My day, drill-down), if any."""
        return self._selected_id(ActivityTable)

    def _selected_id(self, *kinds: type[Table | LineTable]) -> int | None:
        """The id under the cursor of the focused table when it is one of ``kinds`` (a row without one: None)."""
        focused = self.screen.focused
        table = line_table_of(focused) or focused
        if not isinstance(table, kinds):
            return None
        key = table.cursor_key
        return int(key) if key and key.isdigit() else None

    def highlight(self, table: str, row_id: int, *, focus: bool = False) -> None:
        """Put the cursor on the new or changed row once the refreshed snapshot shows it; with ``focus``, focus the
        table that lists it too, so that the keys acting on a selected row act on it."""
        self._highlight = (table, row_id, focus)
        self._apply_highlight()

    def _apply_highlight(self) -> None:
        if self._highlight is None:
            return
        table_name, row_id, focus = self._highlight
        kinds = (DealTable, OpenDealTable) if table_name == "deals" else (ActivityTable,)
        for table in [*self.screen.query(Table), *self.screen.query(LineTable)]:
            if isinstance(table, kinds) and table.move_cursor_to(str(row_id)):
                if focus:
                    table.focus()
                self._highlight = None
                return

    # ------------------------------------------------------------------------------------------ insights

    def action_insights(self) -> None:
        if isinstance(self.screen, InsightsScreen):
            return
        self.insights_open = True
        snapshot = self.snapshot
        if snapshot is not None:
            screen = InsightsScreen(snapshot.insights, title=insights_title(snapshot))
        else:
            screen = InsightsScreen(None)
        self.push_screen(screen, lambda _: self._insights_closed())
        self.refresh_data()

    def _insights_closed(self) -> None:
        self.insights_open = False

    def action_reload(self) -> None:
        self.refresh_data()

    def action_export(self) -> None:
        """Save an SVG screenshot and the scorecards (CSV and Markdown, as `cockpit report` prints them)."""
        folder = Path(os.environ.get("COCKPIT_EXPORT_DIR") or Path.cwd())
        if self.snapshot is None:
            self.notify("Nothing to export yet: the data is still loading.", markup=False)
            return
        label = self.snapshot.dashboard.period.label.replace("..", "_")
        stem = f"cockpit-{label}-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            svg = self.save_screenshot(filename=f"{stem}.svg", path=str(folder))
            snap = self.snapshot
            report = build_report(
                snap.dashboard,
                currency=self.currency,
                pipeline=snap.pipeline,
                cohorts=snap.cohorts,
                verdict=snap.verdict,
            )
            csv_path = folder / f"{stem}.csv"
            csv_path.write_text(render(report, "csv", currency=self.currency) + "\n", encoding="utf-8")
            md_path = folder / f"{stem}.md"
            md_path.write_text(render(report, "markdown", currency=self.currency) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(clean(f"Export failed: {exc}"), severity="error", markup=False)
            return
        self.notify(clean(f"Saved {svg}, {csv_path.name} and {md_path.name}"), title="Exported", markup=False)


def make_app(
    store: Store,
    *,
    settings: Settings,
    now: Clock | pendulum.DateTime | Callable[[], pendulum.DateTime] | None = None,
    as_rep: str | None = None,
) -> CockpitApp:
    """The app factory shared by the CLI, Pilot tests and snapshot tests.

    ``now`` is the moment the app starts (its clock runs on from there), a function returning the time (tests pass
    a frozen one), a :class:`Clock`, or None for the real time in the configured zone.
    ``as_rep`` names the acting rep; by default the Unix login is looked up among the reps.
    """
    clock = Clock.of(now, settings.timezone)
    # Indexed lookups before the app starts (not on the UI thread): who acts decides the first screen and what
    # the logging keys may do.
    actor = resolve_actor(store, as_rep)
    version = store.data_version()  # before the first read: any commit after it makes the first poll refresh
    seen = store.changes_seen()
    return CockpitApp(store, settings=settings, clock=clock, actor=actor, data_version=version, changes_seen=seen)

"""The quick-entry line as a command line at the bottom of the screen it is opened on: the keys stay in it while it
is open, the focus goes back where it was when it closes, and each opening starts an empty line."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from cockpit.core.errors import CockpitError
from cockpit.core.quick import look_up_deal
from cockpit.core.store import SCHEMA_VERSION
from cockpit.tui import app as app_module
from cockpit.tui import logging_bindings
from cockpit.tui import quick_entry as quick_entry_module
from cockpit.tui.screens.dashboard import Scorecards
from cockpit.tui.screens.rep import RepScreen
from tests.support import quick_entry, settle, type_text, until


def _preview(app: object) -> str:
    return str(app.screen.query_one("#quick-preview", Static).render())  # type: ignore[attr-defined]


async def test_tab_and_letters_stay_in_the_line(make_cockpit) -> None:
    """Tab does not move to a pane, and the cockpit's letter keys (q quits, s sorts) are typed into the line."""
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, "qs")
        await pilot.press("tab", "shift+tab")
        await settle(pilot)
        prompt = quick_entry(app)
        assert app.is_running and prompt is not None
        assert isinstance(app.focused, Input) and app.focused.value == "qs"


async def test_esc_gives_the_focus_back_and_lets_the_names_go(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, Scorecards)
        await pilot.press(":")
        await settle(pilot)
        prompt = quick_entry(app)
        assert prompt is not None and prompt.catalog is not None  # the names read for the line
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        await settle(pilot)
        assert quick_entry(app) is None and isinstance(app.focused, Scorecards)
        assert prompt.catalog is None  # let go while the line is closed
        await pilot.press("s")  # the cockpit's keys work again: s sorts the scorecards
        await settle(pilot)
        assert quick_entry(app) is None


async def test_each_opening_starts_an_empty_line(make_cockpit) -> None:
    """A line written, then ':' again: the line is empty and the preview says what to type, not the last write."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await type_text(pilot, 'call acme connected 5m "first"')
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is None
        await pilot.press(":")
        await settle(pilot)
        prompt = quick_entry(app)
        assert prompt is not None and not prompt.saving
        assert prompt.query_one("#quick-input", Input).value == ""
        assert _preview(app) == "Type an action; Enter writes it, Esc cancels"


async def test_a_deal_looked_up_after_the_line_closed_changes_nothing(make_cockpit, monkeypatch) -> None:
    """A deal named by id is looked up in a worker; the line closed before the answer: the answer is dropped (the
    line let go of its names), the app runs on and the line stays closed."""
    go = threading.Event()

    def slow_look_up(store: object, deal_id: int) -> object:
        go.wait(10)
        return look_up_deal(store, deal_id)  # type: ignore[arg-type]

    monkeypatch.setattr(logging_bindings, "look_up_deal", slow_look_up)
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        prompt = quick_entry(app)
        assert prompt is not None
        await type_text(pilot, "won 99")
        await pilot.pause(0.1)
        assert "looking up deal #99" in _preview(app)
        await pilot.press("escape", "escape")  # the line typed: the second Esc discards it
        await pilot.pause(0.1)
        assert quick_entry(app) is None and prompt.catalog is None
        go.set()
        await settle(pilot)
        assert app.is_running and quick_entry(app) is None and prompt.catalog is None


async def test_a_file_upgraded_by_a_newer_cockpit_keeps_the_line_and_says_why(make_cockpit, db_path) -> None:
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        calls = _calls(db_path)
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, 'call acme connected 5m "after the upgrade"')
        await settle(pilot)
        _upgrade(db_path)  # while the line is typed: refused whether the poll or the write notices it first
        await pilot.press("enter")
        await settle(pilot)
        prompt = quick_entry(app)
        assert prompt is not None and not prompt.saving  # still open, the line kept
        assert prompt.query_one("#quick-input", Input).value == 'call acme connected 5m "after the upgrade"'
        assert _preview(app).startswith("Not saved: cannot write: restart cockpit (a newer one upgraded")
        assert _calls(db_path) == calls
        await pilot.press("escape", "escape")  # the typed line: the second Esc discards it
        await settle(pilot)
        below = app.screen
        await pilot.press("c")  # read-only from now on: no call form opens to be refused
        await settle(pilot)
        assert app.screen is below and quick_entry(app) is None


def _scalar(path: object, sql: str) -> int:
    """One number read from the database file by a connection of its own."""
    conn = sqlite3.connect(path)  # type: ignore[arg-type]
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _calls(path: object) -> int:
    return _scalar(path, "SELECT count(*) FROM activities")


async def test_an_idle_cockpit_notices_the_upgrade_and_opens_no_line(make_cockpit, db_path, monkeypatch) -> None:
    """The live refresh's poll sees the upgrade (a commit by another connection): one warning, and from then on
    the keys that log say why instead of opening a line or a form that would be refused."""
    app = make_cockpit("Ana Lima")
    said = _notes(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _upgrade(db_path)
        for _ in range(40):  # the poll runs every 0.2 s
            await pilot.pause(0.1)
            if said:
                break
        assert said == [
            f"A newer cockpit upgraded the database (schema {SCHEMA_VERSION + 1}): this one reads on; restart cockpit"
            " to write."
        ]
        await pilot.press(":")
        await settle(pilot)
        assert quick_entry(app) is None
        assert said[-1] == (
            f"Logging is disabled: a newer cockpit upgraded the database to schema {SCHEMA_VERSION + 1}; restart"
            " cockpit to write"
        )


def _upgrade(path: object) -> None:
    conn = sqlite3.connect(path)  # type: ignore[arg-type]
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


async def test_the_line_closes_in_the_frame_that_draws_the_new_numbers(make_cockpit, db_path) -> None:
    """Hiding the line repaints the rows it covered: closed in the frame that draws the new numbers, those rows are
    sent once, as they now read, not once still under the line and again after it."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        calls, pane = _calls(db_path), app.focused
        await pilot.press(":")
        await type_text(pilot, 'call acme connected 5m "with the numbers"')
        await settle(pilot)
        at_numbers_frame: list[bool] = []  # whether the line was open when the new numbers' frame was drawn

        def numbers_applied(_snapshot: object) -> None:
            app.call_after_refresh(lambda: at_numbers_frame.append(quick_entry(app) is not None))

        app.watch(app, "snapshot", numbers_applied, init=False)
        await pilot.press("enter")
        await settle(pilot)
        assert _calls(db_path) == calls + 1
        assert at_numbers_frame and at_numbers_frame[0] is False
        assert pane is not None and app.focused is pane  # the focus is back where it was


async def test_a_slow_write_says_it_is_being_written_then_closes(make_cockpit, db_path, monkeypatch) -> None:
    """A write waiting on another process's lock: past SLOW_WRITE the line says what it is writing (Enter again
    writes nothing twice); once the lock is let go the write commits and the line closes."""
    monkeypatch.setattr(quick_entry_module, "SLOW_WRITE", 1.0)  # "not yet" below is judged well before it
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        calls = await _typed_line(pilot, db_path, 'call acme connected 5m "behind a lock"')
        assert _preview(app).startswith("→ ")
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another process's write in progress
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert _preview(app).startswith("→ ")  # not yet: a write commits in milliseconds
            await pilot.pause(1.3)
            prompt = quick_entry(app)
            assert prompt is not None and prompt.saving
            assert _preview(app).startswith("Writing: Call · ")
            await pilot.press("enter")  # while writing: nothing more
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await until(pilot, lambda: quick_entry(app) is None)
        assert quick_entry(app) is None
        assert _calls(db_path) == calls + 1


async def test_a_committed_write_never_says_writing_while_the_numbers_are_read(make_cockpit, db_path, monkeypatch):
    """The write commits at once but the re-read is slow (a large file, a loaded machine): the line does not claim
    to be writing what is already saved; it closes once the numbers are read."""
    monkeypatch.setattr(quick_entry_module, "SLOW_WRITE", 1.0)
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        calls = await _typed_line(pilot, db_path, 'call acme connected 5m "slow read"')
        read = app_module.build_snapshot

        def slow_read(*args: object, **kwargs: object) -> object:
            time.sleep(2.5)  # the re-read outlasts SLOW_WRITE by far
            return read(*args, **kwargs)

        monkeypatch.setattr(app_module, "build_snapshot", slow_read)
        await pilot.press("enter")
        await pilot.pause(1.3)  # past SLOW_WRITE: a commit takes milliseconds, the re-read is still sleeping
        assert _calls(db_path) == calls + 1
        prompt = quick_entry(app)
        assert prompt is not None and prompt.saved_id is not None
        assert not _preview(app).startswith("Writing")
        await until(pilot, lambda: quick_entry(app) is None)
        assert quick_entry(app) is None


async def test_a_refused_write_then_a_slow_one_names_only_the_second(make_cockpit, db_path, monkeypatch) -> None:
    """Enter refused at once ("Not saved"), the line edited and Enter again on a locked database: "Writing" names the
    second line, SLOW_WRITE after its own Enter; the first Enter's wait ended with its refusal and never names the
    first line over the second's write."""
    monkeypatch.setattr(quick_entry_module, "SLOW_WRITE", 2.0)
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await _typed_line(pilot, db_path, 'call acme connected 5m "first"')
        prompt = quick_entry(app)
        assert prompt is not None
        save, tries = prompt._save, []

        def refuse_then_save(action: object) -> int:
            tries.append(action)
            if len(tries) == 1:
                raise CockpitError("busy, try again")
            return save(action)  # type: ignore[misc]

        prompt._save = refuse_then_save
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            await pilot.press("enter")
            await settle(pilot)
            assert _preview(app).startswith("Not saved: busy, try again")
            holder.execute("BEGIN IMMEDIATE")  # the second write waits on this lock
            prompt.query_one("#quick-input", Input).value = 'call acme connected 5m "second"'
            await pilot.pause(1.0)
            await pilot.press("enter")  # ~1 s after the first: the first's SLOW_WRITE would end ~1 s from here
            await pilot.pause(1.4)  # past where the first's would end, before the second's (on a loaded machine, after)
            assert "first" not in _preview(app)  # whatever it says, never the refused line
            await pilot.pause(1.0)
            assert _preview(app).startswith("Writing: Call · ") and "second" in _preview(app)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await until(pilot, lambda: quick_entry(app) is None)
        assert quick_entry(app) is None


async def test_a_write_that_commits_after_its_screen_closed_is_still_shown(make_cockpit, db_path, monkeypatch) -> None:
    """A manager's line on a rep's drill-down waits on another process's lock; the focus goes to a pane (a click)
    and Esc closes the drill-down before the write commits. The row is saved: the cockpit says so and re-reads, so
    the numbers show it (no second entry logged by someone who thinks the first was lost)."""
    app = make_cockpit("Max Boss")
    said = _notes(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        calls = await _line_on_a_drill_down(pilot, db_path, "screen gone")
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            await pilot.press("enter")
            await pilot.pause(0.3)
            await _close_the_drill_down(pilot)
            refreshes = app.refreshes
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await until(pilot, lambda: any("logged" in message for message in said))
        assert _calls(db_path) == calls + 1
        written = _scalar(db_path, "SELECT max(id) FROM activities")
        assert [message for message in said if "logged" in message] == [f"Call logged (#{written})"]
        assert app.refreshes > refreshes and app.is_running


async def test_a_write_refused_after_its_screen_closed_says_so(make_cockpit, db_path, monkeypatch) -> None:
    """The same, but the write is refused once the screen has closed: the line is gone, so the refusal is said in a
    notification ("Not saved: …"), and nothing is written."""
    app = make_cockpit("Max Boss")
    said = _notes(app, monkeypatch)
    go = threading.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        calls = await _line_on_a_drill_down(pilot, db_path, "refused late")
        prompt = quick_entry(app)
        assert prompt is not None

        def refuse_later(action: object) -> int:
            go.wait(10)
            raise CockpitError("the database is busy")

        prompt._save = refuse_later
        await pilot.press("enter")
        await pilot.pause(0.1)
        await _close_the_drill_down(pilot)
        go.set()
        await until(pilot, lambda: bool(said))
        assert said == ["Not saved: the database is busy"]
        assert _calls(db_path) == calls and app.is_running


def _notes(app: object, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app notifies from now on (each message still shown)."""
    said: list[str] = []
    notify = app.notify  # type: ignore[attr-defined]

    def record(message: str, **kwargs: object) -> None:
        said.append(message)
        notify(message, **kwargs)

    monkeypatch.setattr(app, "notify", record)
    return said


async def _typed_line(pilot: Pilot, db_path: object, line: str) -> int:
    """``line`` typed on the quick-entry line once the app has settled (not yet written); the calls so far."""
    await settle(pilot)
    calls = _calls(db_path)
    await pilot.press(":")
    await type_text(pilot, line)
    await settle(pilot)
    return calls


async def _line_on_a_drill_down(pilot: Pilot, db_path: object, note: str) -> int:
    """A manager on Ana Lima's drill-down with a call for her typed on the line (not yet written); the calls so far."""
    app = pilot.app
    await settle(pilot)
    app.open_rep(app.store.rep_by_name("Ana Lima").id)  # type: ignore[attr-defined]
    return await _typed_line(pilot, db_path, f'call acme connected 5m "{note}" by "Ana Lima"')


async def _close_the_drill_down(pilot: Pilot) -> None:
    """The focus to a pane (as a click puts it), then Esc: the drill-down closes, its line with it."""
    pilot.app.screen.query_one("#rep-deals").focus()
    await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(pilot.app.screen, RepScreen)


async def test_colon_again_goes_back_to_the_line_and_keeps_it(make_cockpit, db_path) -> None:
    """The focus went to a pane (a click) with a line typed; ``:`` goes back to the line, and the next keys add to
    it: the line is not selected, so they do not replace it."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await _typed_line(pilot, db_path, "call acme connected")
        pane = app.screen.query_one("#myday-deals")
        pane.focus()
        await pilot.pause()
        await pilot.press(":")
        await type_text(pilot, " 5m")
        await settle(pilot)
        field = app.screen.query_one("#quick-input", Input)
        assert field.has_focus and field.value == "call acme connected 5m"

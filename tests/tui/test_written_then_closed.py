"""A form or the quick-entry prompt closes only once the numbers its write changed are drawn.

Closing a screen repaints the whole screen below it (Textual refreshes a screen when it is shown again): the rep's
new numbers must not wait behind that repaint, so the screen below re-reads and draws them while the prompt is still
open (it shows through the prompt's backdrop), and the prompt closes after.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from textual.pilot import Pilot
from textual.screen import ModalScreen

from cockpit.core.snapshot import Snapshot, build_snapshot
from cockpit.tui import app as app_module
from cockpit.tui.app import CockpitApp
from cockpit.tui.screens.forms import ActivityForm
from tests.support import quick_entry, settle, type_text


def ana_calls(snapshot: Snapshot | None) -> int:
    """Ana's calls this period, as the snapshot the screens draw holds them."""
    assert snapshot is not None
    ana = next(row for row in snapshot.dashboard.reps if row.rep == "Ana Lima")
    return int(ana["calls"] or 0)


async def written_while_open(
    pilot: Pilot, opener: str, text: str, is_open: Callable[[CockpitApp], bool]
) -> list[tuple[int, bool]]:
    """Press ``opener``, type ``text``, then Enter (the write); the calls of each snapshot applied after, and
    whether the prompt or form was still open when it was."""
    app: CockpitApp = pilot.app  # type: ignore[assignment]
    seen: list[tuple[int, bool]] = []
    app.watch(app, "snapshot", lambda snap: seen.append((ana_calls(snap), is_open(app))), init=False)
    await pilot.press(opener)
    await type_text(pilot, text)
    await settle(pilot)
    assert is_open(app)
    await pilot.press("enter")
    await settle(pilot)
    return seen


async def test_quick_entry_draws_the_new_call_before_it_closes(make_cockpit) -> None:
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = ana_calls(app.snapshot)  # two calls logged in November (tests.support.build_cockpit_db)
        assert before == 2
        seen = await written_while_open(
            pilot, ":", 'call acme connected 5m "rang back"', lambda a: quick_entry(a) is not None
        )
        assert quick_entry(app) is None  # closed once the numbers were drawn
        assert seen and seen[0] == (3, True), seen  # the new call counted while the prompt was still open
        assert ana_calls(app.snapshot) == 3
        assert any("Call logged" in str(n.message) for n in app._notifications)


async def test_a_form_draws_the_new_call_before_it_closes(make_cockpit) -> None:
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        seen = await written_while_open(pilot, "c", "acme", lambda a: isinstance(a.screen, ActivityForm))
        assert not isinstance(app.screen, ActivityForm)
        assert seen and seen[0] == (3, True), seen


async def test_a_read_started_before_the_write_does_not_close_the_prompt(make_cockpit, monkeypatch) -> None:
    """``refresh_data(then=...)`` waits for its own read: a result of an earlier read (started before the write
    committed) arriving meanwhile runs nothing."""
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        go = threading.Event()

        def held_read(*args: object, **kwargs: object) -> Snapshot:
            go.wait(10)  # this read finishes only when the test says so
            return build_snapshot(*args, **kwargs)

        monkeypatch.setattr(app_module, "build_snapshot", held_read)
        ran: list[str] = []
        app.refresh_data(then=lambda: ran.append("drawn"))
        app.post_message(CockpitApp.SnapshotReady(app.snapshot, 0))  # a read started before: its late result
        await pilot.pause(0.1)
        assert ran == []
        go.set()
        await settle(pilot)
        assert ran == ["drawn"]


async def test_a_prompt_covered_when_its_numbers_come_writes_once_and_closes(
    make_cockpit, db_path, monkeypatch
) -> None:
    """Enter again while the prompt re-reads writes nothing twice; a screen opened over it meanwhile (the command
    palette) does not keep it open: it closes under that screen, and My day is back with the focus it had."""
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        focused = app.screen.focused
        go = threading.Event()

        def held_read(*args: object, **kwargs: object) -> Snapshot:
            go.wait(10)
            return build_snapshot(*args, **kwargs)

        await pilot.press(":")
        await type_text(pilot, 'call acme connected 5m "covered"')
        await settle(pilot)
        prompt = quick_entry(app)
        assert prompt is not None
        monkeypatch.setattr(app_module, "build_snapshot", held_read)
        await pilot.press("enter")
        while prompt.saved_id is None:  # written; the re-read is held
            await pilot.pause(0.01)
        await pilot.press("enter")  # still saving: nothing more is written
        assert prompt.saving and prompt.is_open
        app.push_screen(ModalScreen())
        go.set()
        await settle(pilot)
        assert not prompt.is_open  # closed under the screen over it
        app.pop_screen()
        await settle(pilot)
        assert quick_entry(app) is None and app.screen.focused is focused
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM activities WHERE note = 'covered'").fetchone()[0] == 1

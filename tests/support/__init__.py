"""What the tests share besides fixtures: the frozen clock, the seeded database, paths, and waiting for the app."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pendulum
from textual import events
from textual.app import App
from textual.keys import KEY_NAME_REPLACEMENTS
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled

from cockpit.core.store import Store
from cockpit.tui.app import POLL_GROUP
from cockpit.tui.quick_entry import QuickEntry

#: The repository's root (sample.db, bench/, docs/).
ROOT = Path(__file__).resolve().parent.parent.parent

TZ = "Europe/Paris"
#: The frozen clock of every app test and snapshot: Wednesday 18 November 2026, 10:00 in Paris.
FROZEN_NOW = pendulum.datetime(2026, 11, 18, 10, 0, tz=TZ)


def quick_entry(app: App) -> QuickEntry | None:
    """The quick-entry line of the screen on top while it is open (``:``), else None."""
    prompt = next(iter(app.screen.query(QuickEntry)), None)
    return prompt if prompt is not None and prompt.is_open else None


def _running(app: App) -> list:
    """The app's workers still at work: all but the data_version watch, which runs for the app's life."""
    return [worker for worker in app.workers if worker.group != POLL_GROUP and not worker.is_finished]


async def workers_done(app: App) -> None:
    """Wait until the app's workers are done (the screens' too: one manager is the app's); a worker cancelled
    meanwhile (an exclusive refresh replaced by a newer one) is done too. A worker that failed still raises."""
    for worker in _running(app):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


async def settle(pilot: Pilot) -> None:
    """Let the app's workers finish and their messages land (a refresh read, then its SnapshotReady, which may start
    another read): pause, then wait for the workers and pause again while any was at work, up to three rounds."""
    await pilot.pause()
    for _ in range(3):
        if not _running(pilot.app):
            return
        await workers_done(pilot.app)
        await pilot.pause()


async def until(pilot: Pilot, done: Callable[[], bool], seconds: float = 5.0) -> None:
    """Settle and wait until ``done()`` holds, up to ``seconds``; the caller asserts what it waited for. For what a
    worker started after a frame draws (the forecast runs once the first snapshot is drawn), which settle() may
    return before it has even started."""
    for _ in range(int(seconds / 0.1)):
        await settle(pilot)
        if done():
            return
        await pilot.pause(0.1)


async def settle_screen(pilot: Pilot, *, tries: int = 40) -> None:
    """Settle, then wait until two screenshots 50 ms apart are the same.

    Textual's idle wait judges idleness from CPU time, so on a loaded machine it can return while a table still has
    to measure its rows (and lay out again): a snapshot taken then caught a half-laid-out screen. The drawn screen
    itself is the test of being settled."""
    await settle(pilot)
    # The cockpit's inputs hold their cursor steady (SteadyInput); Textual's own (the command palette's) blink every
    # 0.5 s, and which phase a screenshot catches depends on the machine's load: shown steadily too.
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()
    shot = pilot.app.export_screenshot()
    for _ in range(tries):
        await pilot.pause(0.05)
        await workers_done(pilot.app)
        again = pilot.app.export_screenshot()
        if again == shot:
            return
        shot = again


async def type_text(pilot: Pilot, text: str) -> None:
    """Type ``text`` into the focused widget as one burst of key events, then wait once for the app.

    This is how keys reach the app from a fast typist over SSH, or a paste in a terminal without bracketed paste: all
    queued before the app handles the first. ``Pilot.press`` instead waits for the app to be idle twice after each
    key (at least 40 ms a key, most of the suite's waiting). The app handles the events one by one in order, as
    Pilot's would be; keys that open or close screens are pressed with ``Pilot.press``, which waits for them."""
    for char in text:
        key = char
        if not char.isalnum():
            try:
                key = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
            except ValueError:
                key = char
            key = KEY_NAME_REPLACEMENTS.get(key, key)
        pilot.app.post_message(events.Key(key, char))
    await pilot.pause()


def ts(*args: int) -> int:
    """Epoch seconds of a local date-time in Paris."""
    return int(pendulum.datetime(*args, tz=TZ).timestamp())


def build_cockpit_db(path: Path) -> None:
    """A small, fully known database: two teams, four reps and a manager, deals and calls over three months.

    Hostile names are part of the data on purpose: they must show literally on every screen.
    """
    clock = [ts(2026, 9, 1)]
    store = Store(path, create=True, user="tester", now=lambda: clock[0])
    try:
        ana = store.add_rep("Ana Lima", team="North", unix_login="ana")
        kim = store.add_rep("김민준", team="North", unix_login="minjun")
        zoe = store.add_rep("Zoé Martin", team="South", unix_login="zoe")
        bold = store.add_rep("[bold]x", team="South", unix_login="boldx")
        store.add_rep("Max Boss", team="North", unix_login="max", role="manager")
        for month in ("2026-09", "2026-10", "2026-11"):
            for rep in (ana, kim, zoe, bold):
                store.set_quota(month=month, rep_id=rep, amount=2_000_000)  # $20,000 a month each
            store.set_cost(month=month, category="marketing", amount=500_000)
        # November won deals: Ana 12,000 + 3,000; Kim 8,000; Zoé 5,000. October: Ana 4,000, Zoé 6,000.
        won = [
            (ana, "Acme renewal", "Acme", 1_200_000, ts(2026, 11, 5)),
            (ana, "Acme add-on", "Acme", 300_000, ts(2026, 11, 12)),
            (kim, "Hanbit licences", "Hanbit", 800_000, ts(2026, 11, 9)),
            (zoe, "Café Lumière", "Café Lumière", 500_000, ts(2026, 11, 3)),
            (ana, "Globex pilot", "Globex", 400_000, ts(2026, 10, 14)),
            (zoe, "Initech", "Initech", 600_000, ts(2026, 10, 20)),
        ]
        for rep, title, account, amount, closed in won:
            clock[0] = closed - 20 * 86400  # history written as it happened: nothing is logged ahead of the clock
            deal = store.add_deal(
                rep_id=rep,
                title=title,
                account=account,
                amount=amount,
                stage="qualified",
                created_at=closed - 20 * 86400,
            )
            clock[0] = closed
            store.move_deal(deal, "won", at=closed)
        clock[0] = ts(2026, 10, 1)
        lost = store.add_deal(
            rep_id=kim,
            title="Umbrella",
            account="Umbrella",
            amount=700_000,
            stage="qualified",
            created_at=ts(2026, 10, 1),
        )
        clock[0] = ts(2026, 11, 10)
        store.move_deal(lost, "lost", at=ts(2026, 11, 10), reason="went with competitor")
        open_deals = [
            (ana, "Wayne expansion", "Wayne Enterprises", 2_500_000, "proposal", ts(2026, 11, 2)),
            (kim, "[@click=app.quit] deal", "[@click=app.quit]", 900_000, "negotiation", ts(2026, 9, 10)),
            (zoe, "Stark trial", "Stark", 1_500_000, "qualified", ts(2026, 10, 1)),
            (bold, "Old lead", "Soylent", 200_000, "lead", ts(2026, 9, 5)),
            (bold, "Wonka bars", "Wonka", 650_000, "lead", ts(2026, 11, 16)),
        ]
        deal_ids = {}
        for rep, title, account, amount, stage, created in open_deals:
            clock[0] = created
            deal_ids[title] = store.add_deal(
                rep_id=rep, title=title, account=account, amount=amount, stage=stage, created_at=created
            )
        calls = [
            (ana, deal_ids["Wayne expansion"], ts(2026, 11, 16, 9), "connected", "asked for [bold]pricing[/bold]"),
            (ana, deal_ids["Wayne expansion"], ts(2026, 11, 17, 15), "voicemail", ""),
            (kim, deal_ids["[@click=app.quit] deal"], ts(2026, 11, 4, 11), "no answer", ""),
            (zoe, deal_ids["Stark trial"], ts(2026, 11, 6, 14), "connected", "demo booked"),
        ]
        for rep, deal, at, outcome, note in calls:
            clock[0] = at
            store.log_activity(kind="call", rep_id=rep, deal_id=deal, at=at, outcome=outcome, note=note)
        # Ana's follow-ups: one overdue (Nov 16), one due today (Nov 18, 15:00), one next week (not shown).
        clock[0] = ts(2026, 11, 12, 10)
        for due, note in (
            (ts(2026, 11, 16, 9), "send proposal v2"),
            (ts(2026, 11, 18, 15), "call back Wayne CFO"),
            (ts(2026, 11, 25, 9), "quarterly review"),
        ):
            store.log_activity(
                kind="email",
                rep_id=ana,
                deal_id=deal_ids["Wayne expansion"],
                at=ts(2026, 11, 12, 10),
                note=note,
                follow_up_at=due,
            )
        store.set_meta("demo", "1")
    finally:
        store.close()

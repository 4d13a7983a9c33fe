"""A small seeded database shared by the logging tests, and the helpers of their minimal form apps."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pendulum
from textual.app import App
from textual.widgets import Static

from cockpit.core.store import Store
from tests.support import type_text, workers_done

TZ = "Europe/Paris"
# Friday 27 November 2026, 10:15 in Paris; the store's clock is frozen at the same moment.
NOW = pendulum.datetime(2026, 11, 27, 10, 15, tz=TZ)
NOW_TS = int(NOW.timestamp())


def make_db(path: Path, *, user: str = "alice", logins: bool = True) -> Store:
    """Reps Alice (rep, login alice), Bob (rep, login bob), Maria (manager, login maria); accounts Acme Corp,
    Acme Labs and Globex; deals #1 "Renewal 2027" (Alice, Globex, proposal) and #2 "Pilot" (Bob, Acme Labs, lead).
    ``logins=False`` leaves every login unmapped (an "open" database)."""
    store = Store(path, create=True, user=user, now=lambda: NOW_TS)
    store.add_rep("Alice", team="East", unix_login="alice" if logins else None)
    store.add_rep("Bob", team="East", unix_login="bob" if logins else None)
    store.add_rep("Maria", team="East", unix_login="maria" if logins else None, role="manager")
    for name in ("Acme Corp", "Acme Labs", "Globex"):
        store.add_account(name)
    store.add_deal(rep_id=1, account="Globex", title="Renewal 2027", amount=2_400_000, stage="proposal")
    store.add_deal(rep_id=2, account="Acme Labs", title="Pilot", amount=500_000, stage="lead")
    return store


def reopen(path: Path, user: str) -> Store:
    """The same file as another Unix user (the audit log records this user)."""
    return Store(path, user=user, now=lambda: NOW_TS)


def run_async(test):
    """Run an async test with asyncio (no async pytest plugin is installed); pytest still sees its fixtures."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


async def settle(pilot) -> None:
    """Let the app's and its screens' workers finish (a form's checks run in workers)."""
    await workers_done(pilot.app)  # the screens' workers too: one manager is the app's
    await pilot.pause()


async def type_into(pilot, selector: str, text: str) -> None:
    await pilot.click(selector)
    await type_text(pilot, text)


def count(store: Store, table: str) -> int:
    return store.query(f"SELECT count(*) FROM {table}")[0][0]


def message(app: App, field: str) -> str:
    return str(app.screen.query_one(f"#{field}-message", Static).render())

"""A form saved before its names are read: the save waits for them, and they are never read on the UI thread.

The call form reads the accounts and open deals in a worker as it opens (at the large size, ~0.5 s). Enter pressed
before they are read used to read them on the UI thread, freezing every key for that long; now the form says it is
reading them and saves once they are, matching the typed account against them (never guessing a new account).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from cockpit.core.errors import BusyError
from cockpit.core.names import Names
from cockpit.core.quick import Catalog
from cockpit.core.store import Store
from cockpit.tui.screens.forms import EntryForm
from tests.support import type_text
from tests.support.forms_db import count, make_db, run_async, settle
from tests.tui.test_logging_forms import app_for


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_db(tmp_path / "n.db", user="alice")


@run_async
async def test_enter_before_the_names_are_read_saves_once_they_are(store: Store, monkeypatch) -> None:
    real = Catalog.from_store
    release = threading.Event()
    readers: list[str] = []

    def slow(s: Store, known: Names | None = None) -> Catalog:
        readers.append(threading.current_thread().name)
        assert release.wait(10)
        return real(s, known)

    monkeypatch.setattr(Catalog, "from_store", staticmethod(slow))
    app = app_for(store)
    before = count(store, "activities")
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, EntryForm)
        await type_text(pilot, "glob")
        await pilot.press("enter")  # "glob": Globex, once the names say so
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryForm) and not form.saving
        assert "Reading the names; saving once they are read" in str(form.query_one("#form-error").render())
        assert count(store, "activities") == before
        release.set()
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    row = store.query("SELECT account_id FROM activities ORDER BY id DESC LIMIT 1")[0]
    assert count(store, "activities") == before + 1 and row["account_id"] == 3  # Globex, no new account
    assert readers and threading.main_thread().name not in readers


@run_async
async def test_names_that_cannot_be_read_are_said_and_enter_reads_them_again(store: Store, monkeypatch) -> None:
    real = Catalog.from_store
    calls: list[str] = []

    def busy_once(s: Store, known: Names | None = None) -> Catalog:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise BusyError("the database is busy")
        return real(s, known)

    monkeypatch.setattr(Catalog, "from_store", staticmethod(busy_once))
    app = app_for(store)
    before = count(store, "activities")
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "glob")
        form = app.screen
        assert isinstance(form, EntryForm)
        assert "Could not read the names: the database is busy" in str(form.query_one("#form-error").render())
        await pilot.press("enter")  # reads them again, in a worker, then saves
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert count(store, "activities") == before + 1
    assert len(calls) == 2 and threading.main_thread().name not in calls

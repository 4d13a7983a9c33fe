"""The names behind the quick-entry prompt and the forms: a deal that is not open is named by its id, looked up in a
worker, shown with its title and written; Enter pressed before the prompt has read its names writes the line once they
are read; names that cannot be read (a busy database) are said in the prompt or the form, and read again."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from cockpit.core.errors import BusyError
from cockpit.core.names import Names
from cockpit.core.quick import Catalog
from cockpit.core.store import Store
from cockpit.tui.screens.forms import ActivityForm
from tests.support import quick_entry, settle, type_text


def won_deal_id(db_path: Path, title: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT id FROM deals WHERE title = ? AND stage = 'won'", (title,)).fetchone()[0]


def latest_call(db_path: Path) -> tuple[int | None, str]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT deal_id, note FROM activities WHERE kind = 'call' ORDER BY id DESC").fetchone()


async def test_a_won_deal_by_id_is_looked_up_shown_and_written(make_cockpit, db_path: Path) -> None:
    deal_id = won_deal_id(db_path, "Acme renewal")  # Ana's, won on 5 November (tests.support.build_cockpit_db)
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, f'call #{deal_id} connected "thanks for the order"')
        await settle(pilot)
        preview = str(app.screen.query_one("#quick-preview", Static).render())
        assert preview.startswith(f"→ Call · #{deal_id} Acme renewal (Acme)"), preview
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is None
    assert latest_call(db_path) == (deal_id, "thanks for the order")


async def test_a_won_deal_by_title_is_refused_with_how_to_name_it(make_cockpit, db_path: Path) -> None:
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, 'won "acme renewal"')
        await settle(pilot)
        preview = str(app.screen.query_one("#quick-preview", Static).render())
        assert preview == "no open deal matches 'acme renewal'; titles match open deals: name another by its #id"
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is not None  # nothing written, the line kept
        assert app.screen.query_one("#quick-input", Input).value == 'won "acme renewal"'


async def test_enter_before_the_names_are_read_writes_once_they_are(make_cockpit, db_path: Path, monkeypatch) -> None:
    go = threading.Event()
    read = Catalog.from_store

    def held(store: Store, known: Names | None = None) -> Catalog:
        go.wait(10)  # the names are read only when the test says so
        return read(store, known)

    monkeypatch.setattr(Catalog, "from_store", staticmethod(held))
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await pilot.pause()
        prompt = quick_entry(app)
        assert prompt is not None and prompt.catalog is None
        prompt.query_one("#quick-input", Input).value = 'call acme connected "typed fast"'
        await pilot.press("enter")
        await pilot.pause()
        assert str(prompt.query_one("#quick-preview", Static).render()) == "Reading names…"
        assert latest_call(db_path)[1] != "typed fast"  # nothing written yet, and the UI did not wait
        go.set()
        await settle(pilot)
        assert quick_entry(app) is None
    assert latest_call(db_path) == (None, "typed fast")


@pytest.fixture
def names_busy_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read of the names finds the database busy; later ones read it."""
    read = Catalog.from_store
    failures = ["names"]

    def busy_once(store: Store, known: Names | None = None) -> Catalog:
        if failures:
            failures.pop()
            raise BusyError("the database is busy (another program holds a lock)")
        return read(store, known)

    monkeypatch.setattr(Catalog, "from_store", staticmethod(busy_once))


@pytest.mark.usefixtures("names_busy_once")
async def test_names_that_cannot_be_read_are_said_and_read_on_enter(make_cockpit, db_path: Path) -> None:
    """A busy database when the prompt reads its names (or looks a deal up): one line under the prompt, the line kept,
    no crash; Enter reads the names again and writes."""
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await type_text(pilot, 'call acme connected "after a busy moment"')
        await settle(pilot)
        prompt = app.screen.query_one("#quick-preview", Static)
        assert str(prompt.render()).startswith("Could not read the names: the database is busy")
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and quick_entry(app) is None
    assert latest_call(db_path) == (None, "after a busy moment")


@pytest.mark.usefixtures("names_busy_once")
async def test_a_form_whose_names_cannot_be_read_says_so_and_saves(make_cockpit, db_path: Path) -> None:
    app = make_cockpit(as_rep="Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ActivityForm)
        error = str(app.screen.query_one("#form-error", Static).render())
        assert error.startswith("Could not read the names: the database is busy"), error
        await type_text(pilot, "acme")
        await pilot.press("ctrl+s")  # the names are read again as it saves
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, ActivityForm)
    assert latest_call(db_path)[0] is None
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM activities WHERE kind = 'call'").fetchone()[0] == 5

"""Names as people type them, pressing the real keys: search finds Kraków typed krakow, quick entry offers the
accounts an ambiguous name matches, a form finds an account typed without accents, and a cost channel one spelling
away from a known one is questioned before it splits CAC."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static

from cockpit.core.actions import Actor, resolve_actor
from cockpit.core.clock import Clock
from cockpit.core.config import Settings
from cockpit.core.store import Store
from cockpit.tui.logging_bindings import LOGGING_BINDINGS, LoggingActions
from cockpit.tui.money_bindings import MONEY_BINDINGS, MoneyActions
from cockpit.tui.screens.forms import EntryForm
from cockpit.tui.screens.money import CostForm, CostsQuotasScreen
from cockpit.tui.screens.search import SearchScreen
from tests.support import quick_entry, type_text
from tests.support.forms_db import NOW, NOW_TS, TZ, count, message, run_async, settle, type_into
from tests.support.names_db import make_names_db


class NamesApp(LoggingActions, MoneyActions, App):
    """The smallest host of the logging and money bindings, with `/` opening the search as the cockpit's does."""

    BINDINGS = [*LOGGING_BINDINGS, *MONEY_BINDINGS, Binding("slash", "search", "Search")]

    def __init__(self, store: Store, actor: Actor) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.settings = Settings(db_path=store.path, db_source="flag", timezone=TZ, currency="USD")
        self.clock = Clock.frozen_at(NOW)
        self.selected_deal_id: int | None = None
        self.selected_activity_id: int | None = None

    def refresh_data(self, then: Callable[[], None] | None = None, *, same_frame: bool = False) -> None:
        if then is not None:
            if same_frame:
                then()
            else:
                self.call_after_refresh(then)

    def highlight(self, table: str, row_id: int) -> None:
        pass

    def action_search(self) -> None:
        self.push_screen(SearchScreen(self.store))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The names database, with Maria Boss (a manager, login maria) acting."""
    path = tmp_path / "names.db"
    with make_names_db(path) as setup:
        setup.add_rep("Maria Boss", team="Nord", unix_login="maria", role="manager")  # id 5
        setup.set_cost(month="2026-11", category="marketing", amount=50_000, channel="Google Ads")
    s = Store(path, user="maria", now=lambda: NOW_TS)  # the app's clock
    yield s
    s.close()


def app_for(store: Store) -> NamesApp:
    return NamesApp(store, resolve_actor(store))


def preview(app: App) -> str:
    return str(app.screen.query_one("#quick-preview", Static).render())


@run_async
async def test_search_finds_krakow_typed_without_accent(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "krakow")
        await settle(pilot)
        options = app.screen.query_one("#search-results", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert [line.split()[:2] for line in shown] == [["account", "Kraków"], ["deal", "Kraków"]]


@run_async
async def test_quick_entry_offers_the_accounts_an_ambiguous_name_matches(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon")
        await settle(pilot)
        await type_text(pilot, 'call "krakow fods" connected')
        await settle(pilot)
        assert preview(app) == "→ Call · krakow fods (new account; did you mean Kraków Foods?) · connected"
        app.screen.query_one("#quick-input", Input).value = ""
        await type_text(pilot, "call acme connected 5m")
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is not None  # nothing written: a list to choose from instead
        choices = app.screen.query_one("#quick-choices", OptionList)
        assert choices.display and choices.has_focus
        assert [str(choices.get_option_at_index(i).prompt) for i in range(2)] == ["Acme Corp", "Acme Labs"]
        assert "'acme' matches 2 accounts" in preview(app)
        await pilot.press("escape")  # back to the line, as typed
        await settle(pilot)
        field = app.screen.query_one("#quick-input", Input)
        assert (field.value, field.has_focus, choices.display) == ("call acme connected 5m", True, False)
        assert count(store, "activities") == 0
        await pilot.press("enter", "down", "enter")  # offered again; Acme Labs: written at once, nothing retyped
        await settle(pilot)
        assert quick_entry(app) is None, preview(app)
    rows = store.query("SELECT account_id, rep_id, outcome, duration_s FROM activities")
    assert [tuple(r) for r in rows] == [(3, 5, "connected", 300)]


@run_async
async def test_call_form_finds_an_account_typed_without_accents(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        await type_text(pilot, "krakow foods")
        await settle(pilot)
        assert message(app, "account") == "→ Kraków Foods"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm), str(app.screen.query_one("#form-error", Static).render())
    assert [tuple(r) for r in store.query("SELECT kind, account_id FROM activities")] == [("call", 1)]
    assert count(store, "accounts") == 4  # no "krakow foods" beside Kraków Foods


async def open_cost_form(pilot) -> None:
    await pilot.press("dollar_sign")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CostsQuotasScreen)
    await pilot.press("k")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CostForm)


def form_error(app: App) -> str:
    return str(app.screen.query_one("#form-error", Static).render())


@run_async
async def test_cost_channel_like_an_existing_one_is_questioned(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_cost_form(pilot)
        await type_into(pilot, "#channel", "Gôogle Ads")
        await type_into(pilot, "#amount", "300")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostForm)  # asked, nothing written, every field kept
        assert message(app, "channel") == "'Gôogle Ads' looks like existing 'Google Ads': a new channel?"
        assert form_error(app) == "Enter again saves 'Gôogle Ads' as a new channel"
        assert app.screen.query_one("#amount", Input).value == "300"
        app.screen.query_one("#channel", Input).value = ""
        await type_into(pilot, "#channel", "google ads")  # the known channel, in another case: no question
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostsQuotasScreen)
        assert [tuple(r) for r in store.query("SELECT channel, amount FROM costs")] == [("Google Ads", 30_000)]
        await pilot.press("k")
        await settle(pilot)
        await type_into(pilot, "#channel", "Google Ad")
        await type_into(pilot, "#amount", "250")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app, "channel") == "'Google Ad' looks like existing 'Google Ads': a new channel?"
        assert count(store, "costs") == 1
        await pilot.press("enter")  # confirmed: a new channel
        await settle(pilot)
        assert isinstance(app.screen, CostsQuotasScreen)
    rows = store.query("SELECT channel, amount FROM costs ORDER BY id")
    assert [tuple(r) for r in rows] == [("Google Ads", 30_000), ("Google Ad", 25_000)]


@run_async
async def test_keys_typed_on_the_list_of_accounts_go_to_the_line(store: Store) -> None:
    """The list of accounts shown, the rep types on (a letter, a space, a backspace): the keys edit the line, as
    typed, and none reaches the cockpit's letter keys (``m`` would open the meeting form, ``q`` quit)."""
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon")
        await settle(pilot)
        await type_text(pilot, "call acme connected 5m")
        await pilot.press("enter")
        await settle(pilot)
        choices = app.screen.query_one("#quick-choices", OptionList)
        assert choices.has_focus
        await type_text(pilot, " mq")
        await pilot.press("backspace")
        await settle(pilot)
        field = app.screen.query_one("#quick-input", Input)
        assert (field.value, field.has_focus, choices.display) == ("call acme connected 5m m", True, False)
        assert quick_entry(app) is not None and not isinstance(app.screen, EntryForm) and app.is_running
        assert count(store, "activities") == 0

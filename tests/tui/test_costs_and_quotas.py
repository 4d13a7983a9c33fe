"""Pilot tests of the costs and quotas screen and forms: real keystrokes, rows asserted in the database, then the KPIs
(CAC and attainment) that those entries make real."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Static

from cockpit.core.actions import Actor, apply, resolve_actor
from cockpit.core.clock import Clock
from cockpit.core.config import Settings
from cockpit.core.errors import ValidationError
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from cockpit.tui.money_bindings import MONEY_BINDINGS, MoneyActions
from cockpit.tui.screens.money import CostForm, CostsQuotasScreen, QuotaForm
from tests.support.forms_db import NOW, NOW_TS, TZ, count, make_db, message, run_async, settle, type_into


class MoneyApp(MoneyActions, App):
    """The smallest App satisfying the MoneyHost protocol."""

    BINDINGS = MONEY_BINDINGS

    def __init__(self, store: Store, actor: Actor) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.settings = Settings(db_path=store.path, db_source="flag", timezone=TZ, currency="USD")
        self.clock = Clock.frozen_at(NOW)
        self.refreshed = 0
        self.notes: list[str] = []

    def refresh_data(self) -> None:
        self.refreshed += 1

    def notify(self, message: str, **kwargs) -> None:  # type: ignore[override]
        self.notes.append(message)
        super().notify(message, **kwargs)


def manager_app(tmp_path: Path) -> tuple[MoneyApp, Store]:
    store = make_db(tmp_path / "c.db", user="maria")  # Maria is the manager
    return MoneyApp(store, resolve_actor(store)), store


async def open_screen(pilot) -> None:
    await pilot.press("dollar_sign")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CostsQuotasScreen)


async def replace(pilot, selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = ""
    await type_into(pilot, selector, text)


def cells(app: App, table: str) -> list[list[str]]:
    widget = app.screen.query_one(table, DataTable)
    return [[str(cell) for cell in widget.get_row_at(i)] for i in range(widget.row_count)]


def form_error(app: App) -> str:
    return str(app.screen.query_one("#form-error", Static).render())


@run_async
async def test_manager_types_a_cost_and_a_quota(tmp_path: Path) -> None:
    app, store = manager_app(tmp_path)
    audit_before = count(store, "audit_log")
    async with app.run_test(size=(100, 50)) as pilot:
        await open_screen(pilot)
        assert "November 2026" in str(app.screen.query_one("#money-title", Static).render())
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, CostForm)
        assert app.screen.query_one("#month", Input).value == "2026-11"  # the month shown is pre-filled
        await pilot.press("tab", "enter", "down", "enter")  # category: open the list, marketing -> sales
        assert app.screen.query_one("#category").value == "sales"
        await type_into(pilot, "#channel", "Events")
        await type_into(pilot, "#amount", "1,500")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostsQuotasScreen)
        assert cells(app, "#money-costs") == [["sales", "Events", "$1,500.00"]]

        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, QuotaForm)
        await pilot.press("tab", "enter", "down", "enter")  # holder: the first option after the blank, Alice
        assert app.screen.query_one("#holder").value == ("rep", "Alice")
        await type_into(pilot, "#amount", "30k")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostsQuotasScreen)
        # Alice has won nothing in November: revenue 0, attainment 0 / 30,000 = 0%.
        assert cells(app, "#money-quotas") == [["Alice", "$30,000.00", "$0.00", "0%"]]

    cost = store.costs("2026-11")
    assert [(c.month, c.category, c.channel, c.amount) for c in cost] == [("2026-11", "sales", "Events", 150_000)]
    quota = store.quotas("2026-11")
    assert [(q.rep, q.team, q.amount) for q in quota] == [("Alice", None, 3_000_000)]  # 30k dollars in cents
    audit = store.audit(limit=2)
    assert [(a.action, a.unix_user, a.table_name) for a in audit] == [
        ("set quota", "maria", "quotas"),
        ("set cost", "maria", "costs"),
    ]
    assert count(store, "audit_log") == audit_before + 2
    assert app.refreshed == 2  # the App's panes reloaded after each save
    assert "Cost saved: 2026-11 · sales · Events · $1,500.00" in app.notes
    assert "Quota saved: 2026-11 · Alice · $30,000.00" in app.notes


@run_async
async def test_invalid_month_and_amount_show_inline_messages_and_write_nothing(tmp_path: Path) -> None:
    app, store = manager_app(tmp_path)
    before = count(store, "audit_log")
    async with app.run_test(size=(100, 50)) as pilot:
        await open_screen(pilot)
        await pilot.press("k")
        await settle(pilot)
        await replace(pilot, "#month", "2026-13")
        assert "must look like YYYY-MM" in message(app, "month")
        await type_into(pilot, "#amount", "12 parsecs")
        assert message(app, "amount") == "not an amount: e.g. 12500, 12,500, 12.5k, 1.2m, …"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostForm)  # still open, nothing written
        await replace(pilot, "#month", "nov 2026")
        assert message(app, "month") == "→ 2026-11"  # a tolerant month shows what it means
        await replace(pilot, "#amount", "")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostForm)
        assert message(app, "amount") == "an amount is required"
        await pilot.press("escape", "escape")  # typed values: the second Esc discards them
        await settle(pilot)

        await pilot.press("o")
        await settle(pilot)
        await type_into(pilot, "#amount", "10k")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuotaForm)
        assert message(app, "holder") == "choose a rep or a team"
    assert count(store, "audit_log") == before
    assert count(store, "costs") == 0 and count(store, "quotas") == 0
    assert app.refreshed == 0


@run_async
async def test_a_rep_is_refused(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="alice")  # Alice is a rep
    actor = resolve_actor(store)
    app = MoneyApp(store, actor)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("dollar_sign")
        await settle(pilot)
        assert not isinstance(app.screen, CostsQuotasScreen)
        assert "Costs and quotas are for managers" in app.notes
        # Reached some other way, the form still cannot write: the refusal shows in it, the typed values stay.
        app.push_screen(
            QuotaForm(
                month="2026-11",
                reps=("Alice",),
                save=lambda entry: apply(store, actor, entry),
                tz=TZ,
                now=NOW,
            )
        )
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")
        await type_into(pilot, "#amount", "99k")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuotaForm)
        assert "Not saved: only a manager may set quotas; you are 'Alice' (a rep)" in form_error(app)
        assert app.screen.query_one("#amount", Input).value == "99k"
    assert count(store, "quotas") == 0


@run_async
async def test_enter_edits_an_existing_quota_and_cost(tmp_path: Path) -> None:
    app, store = manager_app(tmp_path)
    quota_id = store.set_quota(month="2026-11", amount=2_000_000, rep_id=1)
    cost_id = store.set_cost(month="2026-11", category="marketing", channel="Google Ads", amount=80_000)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_screen(pilot)
        app.screen.query_one("#money-quotas", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuotaForm)
        form = app.screen
        assert form.query_one("#amount", Input).value == "$20,000.00"  # pre-filled
        assert form.query_one("#holder").value == ("rep", "Alice")
        assert form.query_one("#holder").disabled and form.query_one("#month", Input).disabled
        assert app.screen.focused is form.query_one("#amount", Input)  # the one field that can change
        await replace(pilot, "#amount", "25k")
        await pilot.press("enter")
        await settle(pilot)
        assert cells(app, "#money-quotas") == [["Alice", "$25,000.00", "$0.00", "0%"]]

        app.screen.query_one("#money-costs", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CostForm)
        assert app.screen.query_one("#channel", Input).value == "Google Ads"
        await replace(pilot, "#amount", "900")
        await pilot.press("enter")
        await settle(pilot)
    quotas = store.quotas("2026-11")
    assert [(q.id, q.rep, q.amount) for q in quotas] == [(quota_id, "Alice", 2_500_000)]  # updated, not added
    costs = store.costs("2026-11")
    assert [(c.id, c.channel, c.amount) for c in costs] == [(cost_id, "Google Ads", 90_000)]
    quota_audit = store.audit(limit=2)[1]
    assert quota_audit.action == "set quota" and quota_audit.unix_user == "maria"
    assert quota_audit.old_values["amount"] == 2_000_000 and quota_audit.new_values["amount"] == 2_500_000


@run_async
async def test_escape_writes_nothing_and_brackets_move_the_month(tmp_path: Path) -> None:
    app, store = manager_app(tmp_path)
    before = count(store, "audit_log")
    async with app.run_test(size=(100, 50)) as pilot:
        await open_screen(pilot)
        await pilot.press("k")
        await settle(pilot)
        await type_into(pilot, "#amount", "5k")
        await pilot.press("escape", "escape")  # typed values: the second Esc discards them
        await settle(pilot)
        assert isinstance(app.screen, CostsQuotasScreen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "December 2026" in str(app.screen.query_one("#money-title", Static).render())
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.query_one("#month", Input).value == "2026-12"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert "October 2026" in str(app.screen.query_one("#money-title", Static).render())
        await pilot.press("escape")  # back to the app's screen
        await settle(pilot)
        assert not isinstance(app.screen, CostsQuotasScreen)
    assert count(store, "audit_log") == before
    assert app.refreshed == 0


@run_async
async def test_entered_cost_and_quota_make_cac_and_attainment_real(tmp_path: Path) -> None:
    app, store = manager_app(tmp_path)
    # Alice wins deal #1 (Globex, $24,000) today: Globex's first won deal, so one new customer in November 2026.
    store.move_deal(1, "won", at=NOW_TS)
    november = parse_period("2026-11", tz=TZ)
    board = dashboard(store, november, trend=2)
    # Before any entry: no quota, so no attainment; no cost is read as a cost of 0, so CAC is 0 / 1 = 0.
    assert board.team["attainment"] is None and board.team["cac"] == 0

    async with app.run_test(size=(100, 50)) as pilot:
        await open_screen(pilot)
        await pilot.press("k")
        await settle(pilot)
        await type_into(pilot, "#channel", "Events")
        await type_into(pilot, "#amount", "1,500")  # marketing, the default category
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")  # Alice
        await type_into(pilot, "#amount", "30k")
        await pilot.press("enter")
        await settle(pilot)
        # The screen shows the month's revenue against the quota: 24,000 / 30,000 = 80%.
        assert cells(app, "#money-quotas") == [["Alice", "$30,000.00", "$24,000.00", "80%"]]

    board = dashboard(store, november, trend=2)
    # Cost: $1,500 = 150,000 cents; one new customer -> CAC = 150,000 / 1 = 150,000 cents.
    assert board.team["cost"] == 150_000
    assert board.team["cac"] == 150_000
    # Alice: revenue 2,400,000 cents against a 3,000,000 quota -> 0.8; the team (East) has no quota of its own,
    # so its quota is the sum of its reps' (3,000,000) and its attainment is 2,400,000 / 3,000,000 = 0.8 too.
    alice = board.rep_row(1)
    assert alice is not None and alice["quota"] == 3_000_000 and alice["attainment"] == 0.8
    assert board.team["quota"] == 3_000_000 and board.team["attainment"] == 0.8


def test_store_reads_costs_quotas_and_channels(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="maria")
    store.set_cost(month="2026-10", category="sales", channel="", amount=1)
    store.set_cost(month="2026-11", category="marketing", channel="events", amount=2)
    store.set_cost(month="2026-11", category="marketing", channel="Ads", amount=3)
    store.set_cost(month="2026-12", category="marketing", channel="Ads", amount=4)
    store.add_deal(rep_id=1, account="Globex", title="Upsell", amount=100, source="Referral")
    store.set_quota(month="2026-11", amount=5, rep_id=2)
    store.set_quota(month="2026-11", amount=6, team="East")
    store.set_quota(month="2026-12", amount=7, rep_id=1)
    # One month, sorted by category then channel without regard to case; a range includes both ends.
    assert [(c.channel, c.amount) for c in store.costs("2026-11")] == [("Ads", 3), ("events", 2)]
    assert [c.amount for c in store.costs("2026-10", "2026-12")] == [1, 3, 2, 4]
    # Teams first, then reps; each quota names its holder.
    assert [(q.holder, q.rep_id, q.team, q.amount) for q in store.quotas("2026-11")] == [
        ("East", None, "East", 6),
        ("Bob", 2, None, 5),
    ]
    # Cost channels and deal sources, each once, alphabetically; an empty channel is not a name.
    assert store.channel_names() == ["Ads", "events", "Referral"]
    with pytest.raises(ValidationError, match="YYYY-MM"):
        store.costs("November")

"""Pilot tests of the logging forms and the quick-entry line: real keystrokes, rows asserted in the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Static

import cockpit.core.store.connection as store_connection
from cockpit.core.actions import Actor, resolve_actor
from cockpit.core.clock import Clock
from cockpit.core.config import Settings
from cockpit.core.store import Store
from cockpit.tui.logging_bindings import LOGGING_BINDINGS, LoggingActions
from cockpit.tui.screens.forms import EntryForm
from tests.support import quick_entry, type_text
from tests.support.forms_db import NOW, NOW_TS, TZ, count, make_db, message, reopen, run_async, settle, type_into


class LogApp(LoggingActions, App):
    """The smallest App satisfying the LoggingHost protocol."""

    BINDINGS = LOGGING_BINDINGS

    def __init__(self, store: Store, actor: Actor, deal_id: int | None = None) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.settings = Settings(db_path=store.path, db_source="flag", timezone=TZ, currency="USD")
        self.clock = Clock.frozen_at(NOW)
        self.selected_deal_id = deal_id
        self.selected_activity_id: int | None = None
        self.refreshed = 0
        self.highlighted: list[tuple[str, int]] = []
        self.notes: list[str] = []

    def refresh_data(self, then: Callable[[], None] | None = None, *, same_frame: bool = False) -> None:
        self.refreshed += 1
        if then is not None:
            if same_frame:
                then()
            else:
                self.call_after_refresh(then)

    def highlight(self, table: str, row_id: int) -> None:
        self.highlighted.append((table, row_id))

    def notify(self, message: str, **kwargs) -> None:  # type: ignore[override]
        self.notes.append(message)
        super().notify(message, **kwargs)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_db(tmp_path / "c.db", user="alice")


def app_for(store: Store, deal_id: int | None = None) -> LogApp:
    return LogApp(store, resolve_actor(store), deal_id)


async def open_call_form_on_globex(pilot) -> None:
    """`c` opens the call form with the account field focused; type the account."""
    await pilot.press("c")
    await settle(pilot)
    await type_text(pilot, "globex")


@run_async
async def test_call_form_logs_a_call_with_every_field(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        await type_text(pilot, "glob")  # the account field has focus; "glob" resolves to Globex
        await settle(pilot)
        assert "Globex" in message(app, "account")
        await pilot.press("tab", "tab")  # past the deal field to the outcome
        await pilot.press("enter", "down", "enter")  # open the list, the first option after the blank: connected
        assert app.screen.query_one("#outcome").value == "connected"
        await type_into(pilot, "#duration", "12m")
        await type_into(pilot, "#note", "asked for pricing")
        await type_into(pilot, "#follow_up", "+3d")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    row = store.query("SELECT * FROM activities ORDER BY id DESC LIMIT 1")[0]
    assert (row["kind"], row["rep_id"], row["account_id"]) == ("call", 1, 3)  # Alice, Globex (third account)
    assert (row["outcome"], row["duration_s"], row["note"]) == ("connected", 720, "asked for pricing")
    assert row["at"] == NOW_TS
    assert row["follow_up_at"] == NOW_TS + 3 * 86400  # no DST change in Paris between 27 and 30 November
    assert app.refreshed == 1 and app.highlighted == [("activities", row["id"])]
    assert f"Call logged (#{row['id']})" in app.notes


@run_async
async def test_invalid_duration_shows_inline_message_and_writes_nothing(store: Store) -> None:
    app = app_for(store)
    before = count(store, "activities")
    async with app.run_test(size=(100, 50)) as pilot:
        await open_call_form_on_globex(pilot)
        await type_into(pilot, "#duration", "12 parsecs")
        # One line under the field (the value is just above it): why, and the accepted forms that fit.
        assert message(app, "duration") == "unknown unit 'parsecs': e.g. 5m, 1h30, 1h30m, 90s, 1:30:00, …"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)  # still open
        assert message(app, "duration").startswith("unknown unit 'parsecs'")
    assert count(store, "activities") == before


@run_async
async def test_escape_writes_nothing(store: Store) -> None:
    app = app_for(store)
    before = count(store, "audit_log")
    async with app.run_test(size=(100, 50)) as pilot:
        await open_call_form_on_globex(pilot)
        await pilot.press("escape")  # a stray Esc loses nothing: the form asks for a second one
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        assert app.screen.query_one("#account", Input).value == "globex"
        assert "Esc again discards" in str(app.screen.query_one("#form-error", Static).render())
        await pilot.press("x")  # typing again disarms it
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
        await pilot.press("c")  # an untouched form closes on one Esc
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert count(store, "audit_log") == before
    assert app.refreshed == 0


@run_async
async def test_busy_database_keeps_the_typed_values(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process holds the write lock; one short attempt makes the store give up quickly with BusyError.
    monkeypatch.setattr(store_connection, "WRITE_RETRIES", 1)
    store.conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    before = count(store, "activities")
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, "globex")
        await type_into(pilot, "#note", "sent the deck")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        error = str(app.screen.query_one("#form-error", Static).render())
        assert error.startswith("Not saved: database busy") and "Enter tries again" in error
        assert app.screen.query_one("#account", Input).value == "globex"
        assert app.screen.query_one("#note", Input).value == "sent the deck"
        other.execute("ROLLBACK")  # the lock is released: the same form saves on the next Enter
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    other.close()
    assert count(store, "activities") == before + 1
    assert store.activities(limit=1)[0].note == "sent the deck"


@run_async
async def test_deal_form_adds_a_deal_and_creates_a_new_account(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Initech")
        await type_into(pilot, "#title", "Renewal 2027")
        await type_into(pilot, "#amount", "24k")
        await pilot.press("enter")
        await settle(pilot)
    deal = store.deals(order="newest", limit=1)[0]
    assert (deal.title, deal.account, deal.amount, deal.stage, deal.rep) == (
        "Renewal 2027",
        "Initech",
        2_400_000,  # 24k dollars in cents
        "lead",
        "Alice",
    )
    assert app.highlighted == [("deals", deal.id)]


@run_async
async def test_lost_requires_a_reason(store: Store) -> None:
    app = app_for(store, deal_id=1)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("l")
        await settle(pilot)
        await pilot.click("#at")
        await pilot.press("enter")
        await settle(pilot)
        assert "needs a reason" in message(app, "reason")
        assert store.deal(1).stage == "proposal"
        await type_into(pilot, "#reason", "went with competitor")
        await pilot.press("enter")
        await settle(pilot)
    deal = store.deal(1)
    assert (deal.stage, deal.lost_reason, deal.closed_at) == ("lost", "went with competitor", NOW_TS)
    history = store.query("SELECT from_stage, to_stage FROM stage_history WHERE deal_id = 1 ORDER BY id")
    assert [tuple(r) for r in history] == [(None, "proposal"), ("proposal", "lost")]
    assert "Deal #1 lost" in app.notes


@run_async
async def test_advance_won_follow_up_and_undo_keys(store: Store) -> None:
    app = app_for(store, deal_id=1)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("a")  # proposal -> negotiation
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.deal(1).stage == "negotiation"
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.deal(1).stage == "won"
        await pilot.press("f")
        await settle(pilot)
        await type_text(pilot, "+2d")
        await pilot.press("enter")
        await settle(pilot)
        follow_up = store.activities(deal_id=1, limit=1)[0]
        assert (follow_up.kind, follow_up.follow_up_at) == ("note", NOW_TS + 2 * 86400)
        await pilot.press("u")  # undoes the follow-up (voided, history kept)
        await settle(pilot)
        assert store.activity(follow_up.id).voided_at is not None
        await pilot.press("u")  # undoes the win
        await settle(pilot)
    assert store.deal(1).stage == "negotiation"
    assert "Undone: move deal to won" in app.notes


@run_async
async def test_edit_deal_key_and_permission_error_stays_in_form(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="bob")
    app = app_for(store, deal_id=1)  # Bob (a rep) on Alice's deal
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        amount = app.screen.query_one("#amount", Input)
        amount.value = ""
        await type_into(pilot, "#amount", "30k")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        assert "only a manager may edit" in str(app.screen.query_one("#form-error", Static).render())
        assert app.screen.query_one("#amount", Input).value == "30k"
    assert store.deal(1).amount == 2_400_000


@run_async
async def test_manager_edits_amount_audit_keeps_old_value(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="maria")
    app = app_for(store, deal_id=1)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("E")
        await settle(pilot)
        app.screen.query_one("#amount", Input).value = ""
        await type_into(pilot, "#amount", "30k")
        await pilot.press("enter")
        await settle(pilot)
    assert store.deal(1).amount == 3_000_000
    audit = store.audit(limit=1)[0]
    assert audit.action == "edit deal" and audit.unix_user == "maria"
    assert audit.old_values["amount"] == 2_400_000 and audit.new_values["amount"] == 3_000_000


@run_async
async def test_quick_entry_previews_then_writes(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(":")
        await settle(pilot)
        assert quick_entry(app) is not None
        await type_text(pilot, 'call acme corp connected 12m "asked for pricing" follow-up fri')
        preview = str(app.screen.query_one("#quick-preview", Static).render())
        assert preview == "→ Call · Acme Corp · connected · 12m · “asked for pricing” · follow-up Fri 27 Nov"
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is None
    row = store.activities(limit=1)[0]
    assert (row.kind, row.account, row.outcome, row.duration_s, row.note) == (
        "call",
        "Acme Corp",
        "connected",
        720,
        "asked for pricing",
    )
    assert app.highlighted == [("activities", row.id)]


@run_async
async def test_quick_entry_rejects_bad_line_and_writes_nothing(store: Store) -> None:
    app = app_for(store)
    before = count(store, "audit_log")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, "lost 1")
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is not None
        assert "needs a reason" in str(app.screen.query_one("#quick-preview", Static).render())
        assert app.screen.query_one("#quick-input", Input).value == "lost 1"
        await pilot.press("escape")  # a typed line is kept on a first Esc
        await settle(pilot)
        assert quick_entry(app) is not None
        assert "Esc again discards the line" in str(app.screen.query_one("#quick-preview", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert quick_entry(app) is None
        await pilot.press(":", "escape")  # an empty line closes on one Esc
        await settle(pilot)
        assert quick_entry(app) is None
    assert count(store, "audit_log") == before


@run_async
async def test_deal_keys_need_a_selected_deal(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("w")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert "Select a deal first" in app.notes


def screen_lines(app: App) -> list[str]:
    """What the terminal shows, line by line (every segment's text, as it would be sent)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


@run_async
async def test_a_refused_save_at_80x24_shows_its_one_line_error_and_the_form_title(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The longest form (a manager logging for a rep asks which rep) in the smallest terminal: the roomy layout
    # (three-line inputs, a blank line per field) scrolled its title off the top and drew the refusal below the
    # visible part of the form, where nobody saw why Enter did nothing.
    monkeypatch.setattr(store_connection, "WRITE_RETRIES", 1)
    maria = Store(store.path, user="maria", now=lambda: NOW_TS)
    maria.conn.execute("PRAGMA busy_timeout = 50")  # the app writes through maria's store: give up after 50 ms
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    app = app_for(maria)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EntryForm) and form.query("#rep")  # the form with every field
        shown = screen_lines(app)
        assert any("Log a call" in line for line in shown)
        assert any("Enter save · Esc cancel" in line for line in shown)
        await type_text(pilot, "globex")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        errors = [line for line in screen_lines(app) if "Not saved:" in line]
        assert len(errors) == 1 and "busy" in errors[0]
        assert any("Log a call" in line for line in screen_lines(app))
        assert app.screen.query_one("#account", Input).value == "globex"
    other.execute("ROLLBACK")
    other.close()
    maria.close()


@pytest.mark.parametrize("user", ["alice", "maria"])  # a rep's call form, a manager's (one field more: the rep)
@run_async
async def test_a_form_is_roomy_only_where_it_fits_whole_and_compact_elsewhere(store: Store, user: str) -> None:
    app = app_for(Store(store.path, user=user, now=lambda: NOW_TS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        fields = len(form.query("Input, Select"))
        for height in (24, 40, 6 * fields + 6, 6 * fields + 7, 90):
            await pilot.resize_terminal(100, height)
            await pilot.pause()
            roomy = not form.has_class("-short")
            assert roomy == (height >= 6 * fields + 7), height
            assert all(widget.compact != roomy for widget in form.query("Input, Select"))
            assert form.query_one("#form").max_scroll_y == 0, height  # title to key line on screen, never scrolled


@run_async
async def test_a_call_in_the_future_is_refused_beside_its_field_and_nothing_is_written(store: Store) -> None:
    app = app_for(store)
    before = count(store, "audit_log")
    async with app.run_test(size=(100, 50)) as pilot:
        await open_call_form_on_globex(pilot)
        field = app.screen.query_one("#at", Input)
        field.value = ""
        await type_into(pilot, "#at", "tomorrow 9:00")
        assert message(app, "at") == "in the future: log it once it has happened"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm) and app.screen.focused is field
        assert field.value == "tomorrow 9:00"
        field.value = ""
        await type_into(pilot, "#at", "yesterday 9:00")  # what happened saves
        assert message(app, "at") == ""
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert count(store, "audit_log") == before + 1
    assert store.activities(limit=1)[0].at == int(NOW.subtract(days=1).replace(hour=9, minute=0).timestamp())


@run_async
async def test_a_field_message_naming_wide_characters_stays_on_one_line(store: Store) -> None:
    from cockpit.core.text import cell_width

    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "새벽식품" * 8)  # 32 characters, 64 cells: a new account, said beside the field
        await settle(pilot)
        shown = message(app, "account")
        assert shown.startswith("new account '새벽식품") and shown.endswith("…")
        assert cell_width(shown) <= 66
        assert app.screen.query_one("#account-message").size.height == 1


@pytest.mark.parametrize("size", [(80, 24), (100, 50)])
@run_async
async def test_stage_forms_take_the_keys_that_follow_them(store: Store, size: tuple[int, int]) -> None:
    """`l` then the reason then Enter loses the deal; `w` then Enter wins it. The forms opened on the stage list,
    where Enter opened the list and a typed reason chose stages (the reason field stayed empty)."""
    app = app_for(store, deal_id=1)
    async with app.run_test(size=size) as pilot:
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "went with competitor")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
        assert (store.deal(1).stage, store.deal(1).lost_reason) == ("lost", "went with competitor")
    deal = store.add_deal(rep_id=1, account="Globex", title="Upsell", amount=100_000, stage="proposal")
    app = app_for(store, deal_id=deal)
    async with app.run_test(size=size) as pilot:
        await pilot.press("w")
        await settle(pilot)
        assert not app.screen.query_one("#reason").display  # no reason to give for a win
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert store.deal(deal).stage == "won"


@run_async
async def test_an_edit_form_does_not_write_over_a_deal_a_colleague_closed_meanwhile(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="maria")
    app = app_for(store, deal_id=1)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("E")
        await settle(pilot)
        with reopen(store.path, "alice") as alice:  # while Maria's form is open, Alice loses the deal
            alice.move_deal(1, "lost", reason="budget cut")
        before = count(store, "audit_log")
        app.screen.query_one("#amount", Input).value = ""
        await type_into(pilot, "#amount", "180k")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)  # kept open, the typed amount with it
        error = str(app.screen.query_one("#form-error", Static).render())
        assert error == "Not saved: deal #1 was changed meanwhile (now lost): reopen it"
        assert app.screen.query_one("#amount", Input).value == "180k"
        assert count(store, "audit_log") == before
    assert store.deal(1).amount == 2_400_000
    # A call logged on the deal meanwhile changes nothing the form shows: the edit goes through.
    app = app_for(store, deal_id=2)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("E")
        await settle(pilot)
        store.log_activity(kind="call", rep_id=2, deal_id=2)
        app.screen.query_one("#amount", Input).value = ""
        await type_into(pilot, "#amount", "6k")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert store.deal(2).amount == 600_000


@run_async
async def test_quick_entry_says_before_enter_what_the_user_may_not_write(store: Store) -> None:
    app = app_for(store)  # Alice, a rep
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(":")
        await settle(pilot)
        preview = app.screen.query_one("#quick-preview", Static)
        await type_text(pilot, "won 2")  # Bob's deal
        await settle(pilot)
        assert str(preview.render()) == "deal #2 belongs to 'Bob': only a manager may move another rep's deal"
        assert preview.has_class("-error")
        for _ in range(5):
            await pilot.press("backspace")
        await type_text(pilot, "call globex by bob")
        await settle(pilot)
        assert "a rep logs only as themselves" in str(preview.render())
        for _ in range(len("call globex by bob")):
            await pilot.press("backspace")
        await type_text(pilot, "won 1")  # her own deal: the preview says what Enter writes
        await settle(pilot)
        assert str(preview.render()).startswith("→ Won") and preview.has_class("-ready")


@run_async
async def test_a_stage_form_does_not_undo_a_move_a_colleague_made_meanwhile(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="maria")
    app = app_for(store, deal_id=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await settle(pilot)
        with reopen(store.path, "alice") as alice:  # while Maria's form is open, Alice wins the deal
            alice.move_deal(1, "won")
        before = count(store, "audit_log")
        await type_text(pilot, "budget cut")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        shown = [line for line in screen_lines(app) if "Not saved:" in line]
        assert len(shown) == 1 and "deal #1 was moved meanwhile (now won): reopen it" in shown[0]
        assert count(store, "audit_log") == before
    assert store.deal(1).stage == "won"


# ---------------------------------------------------------------------------------------------- outcomes by kind


def outcome_choices(app: App) -> list[str]:
    """The choices the open form's Outcome list offers, read from its option list (the blank "(none)" first)."""
    from textual.widgets import OptionList, Select

    options = app.screen.query_one("#outcome", Select).query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@pytest.mark.parametrize(
    ("key", "title", "choices"),
    [
        (
            "c",
            "Log a call",
            ["connected", "voicemail", "no answer", "meeting booked", "not interested", "wrong number"],
        ),
        ("e", "Log an email", ["sent", "replied", "bounced"]),
        ("m", "Log a meeting", ["held", "no-show", "rescheduled", "cancelled"]),
    ],
)
@run_async
async def test_the_outcome_choices_follow_the_kind(store: Store, key: str, title: str, choices: list[str]) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, EntryForm) and title in str(app.screen.query_one(".form-title", Static).render())
        assert outcome_choices(app) == ["(none)", *choices]
        await pilot.press("escape")


@pytest.mark.parametrize(
    ("key", "downs", "kind", "outcome"), [("e", 2, "email", "replied"), ("m", 2, "meeting", "no-show")]
)
@run_async
async def test_an_email_or_a_meeting_saves_its_own_outcome(
    store: Store, key: str, downs: int, kind: str, outcome: str
) -> None:
    app = app_for(store)
    before = count(store, "audit_log")
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press(key)
        await settle(pilot)
        await type_text(pilot, "globex")
        await pilot.press("tab", "tab")  # past the deal field to the outcome
        await pilot.press("enter", *["down"] * downs, "enter")  # the list opens on "(none)": two down is the second
        assert app.screen.query_one("#outcome").value == outcome
        await type_into(pilot, "#note", "by the book")  # Enter on the open list would reopen it: save from a field
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert count(store, "audit_log") == before + 1
    row = store.activities(limit=1)[0]
    assert (row.kind, row.account, row.outcome, row.note) == (kind, "Globex", outcome, "by the book")


@run_async
async def test_quick_entry_refuses_a_call_outcome_for_an_email_before_enter(store: Store) -> None:
    app = app_for(store)
    before = count(store, "audit_log")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, "email globex connected")
        preview = str(app.screen.query_one("#quick-preview", Static).render())
        assert "unknown outcome 'connected' for an email (an email's outcomes: sent, replied, bounced)" in preview
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is not None  # nothing written, the line kept
        for _ in "connected":
            await pilot.press("backspace")
        await type_text(pilot, 'replied "wants a quote"')
        preview = str(app.screen.query_one("#quick-preview", Static).render())
        assert preview == "→ Email · Globex · replied · “wants a quote”"
        await pilot.press("enter")
        await settle(pilot)
        assert quick_entry(app) is None
    assert count(store, "audit_log") == before + 1
    row = store.activities(limit=1)[0]
    assert (row.kind, row.outcome, row.note) == ("email", "replied", "wants a quote")


@run_async
async def test_the_deal_field_looks_among_the_chosen_accounts_deals(store: Store) -> None:
    """'analytics' names a deal of Globex and one of Acme Labs: with Globex chosen it is Globex's (issue 21)."""
    globex = store.add_deal(rep_id=1, account="Globex", title="Analytics renewal", amount=100_000, stage="lead")
    store.add_deal(rep_id=1, account="Acme Labs", title="Analytics pilot", amount=100_000, stage="lead")
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_call_form_on_globex(pilot)
        await settle(pilot)
        await type_into(pilot, "#deal", "analytics")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    assert store.activities(limit=1)[0].deal_id == globex


@run_async
async def test_a_title_no_deal_of_the_chosen_account_has_is_refused_in_its_field(store: Store) -> None:
    store.add_deal(rep_id=1, account="Acme Labs", title="Analytics pilot", amount=100_000, stage="lead")
    before = count(store, "activities")
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_call_form_on_globex(pilot)
        await settle(pilot)
        await type_into(pilot, "#deal", "analytics")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)  # still open, nothing lost
        assert message(app, "deal") == "no open deal of 'Globex' matches 'analytics'; #id for a closed one"
    assert count(store, "activities") == before

"""Voids, restores and follow-ups done: the quick-entry words, the actions, and Pilot tests on the real app.

The app tests press the real keys (`x` void, `X` restore, `F` follow-up done, `u` undo) on the seeded database of
conftest.py and assert the rows in the database, the panes and the recomputed KPIs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from cockpit.core.actions import CompleteFollowUp, Restore, Void, apply, resolve_actor
from cockpit.core.config import Settings
from cockpit.core.errors import ParseError, PermissionDenied, ValidationError
from cockpit.core.quick import Catalog, parse_quick, parse_row_ref
from cockpit.core.store import Store
from cockpit.tui.app import CockpitApp, make_app
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.forms import RestoreForm, VoidForm
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.widgets.pipeline import DealTable, StageTable
from tests.support import FROZEN_NOW, settle, type_text
from tests.support.forms_db import NOW, NOW_TS, TZ, make_db, reopen

# ------------------------------------------------------------------------------------------------ quick entry


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    store = make_db(tmp_path_factory.mktemp("void") / "c.db")
    return Catalog.from_store(store)


def quick(text: str, catalog: Catalog):
    return parse_quick(text, store_lookup=catalog, now=NOW, tz=TZ, currency="USD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("#1042", ("deals", 1042)), ("1042", ("deals", 1042)), ("d7", ("deals", 7)), (" a1234 ", ("activities", 1234))],
)
def test_row_refs(text: str, expected: tuple[str, int]) -> None:
    assert parse_row_ref(text) == expected


@pytest.mark.parametrize("text", ["", "a", "#", "x12", "12a", "a-3", "renewal"])
def test_bad_row_refs_are_refused(text: str) -> None:
    with pytest.raises(ParseError, match="#1042 for a deal or a1234 for an activity"):
        parse_row_ref(text)


def test_void_and_restore_lines(catalog: Catalog) -> None:
    action = quick('void 1 "duplicate"', catalog)
    assert action.entry == Void("deals", 1, "duplicate")
    assert action.describe() == "Void · deal #1 Renewal 2027 (Globex) · “duplicate”"
    assert quick("void pilot 'typo'", catalog).entry == Void("deals", 2, "typo")  # a deal by part of its title
    assert quick('void a17 "logged twice"', catalog).entry == Void("activities", 17, "logged twice")
    assert quick("restore 1042", catalog).entry == Restore("deals", 1042)  # voided deals are not in the catalog
    assert quick("restore a5", catalog).describe() == "Restore · activity a5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("void 1", "a void needs a reason in quotes"),
        ('void 1 ""', "a void needs a reason in quotes"),
        ("void 1 duplicate", "unexpected 'duplicate'"),
        ('void 1 "a" "b"', "unexpected 'b'"),
        ('void 99 "x"', "looking up deal #99"),  # not open: the prompt looks it up (test_quick_entry_closed_deals)
        ("restore", "missing what to restore"),
        ("restore renewal", "cannot read 'renewal'"),
        ("restore 1 2", "unexpected '2'"),
    ],
)
def test_bad_void_and_restore_lines(catalog: Catalog, text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        quick(text, catalog)


# ------------------------------------------------------------------------------------------------ actions


def test_complete_follow_up_permissions_and_twice(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db", user="alice")
    alice = resolve_actor(store)
    own = _follow_up(store, rep_id=1)
    bobs = _follow_up(store, rep_id=2)
    assert apply(store, alice, CompleteFollowUp(own, at=NOW_TS + 60)) == own
    assert store.activity(own).follow_up_done_at == NOW_TS + 60
    with pytest.raises(ValidationError, match=f"follow-up of activity a{own} is already done"):
        apply(store, alice, CompleteFollowUp(own))
    with pytest.raises(PermissionDenied, match="only a manager may complete"):
        apply(store, alice, CompleteFollowUp(bobs))
    assert store.activity(bobs).follow_up_done_at is None
    as_maria = reopen(store.path, "maria")
    apply(as_maria, resolve_actor(as_maria), CompleteFollowUp(bobs))  # a manager completes anyone's
    assert store.activity(bobs).follow_up_done_at == NOW_TS


def _follow_up(store: Store, *, rep_id: int) -> int:
    return store.log_activity(kind="note", rep_id=rep_id, deal_id=1, note="call back", follow_up_at=NOW_TS + 86400)


# ------------------------------------------------------------------------------------------------ the app


def notes(app: CockpitApp) -> list[str]:
    return [n.message for n in app._notifications]


def deal_id(store: Store, title: str) -> int:
    return store.query("SELECT id FROM deals WHERE title = ?", (title,))[0][0]


async def open_proposal_deals(pilot: Pilot) -> DealTable:
    """Focus the pipeline's deal list on the proposal stage (lead, qualified, proposal): Wayne expansion only."""
    await pilot.press("tab", "right", "right", "tab")  # stage columns: lead, qualified, proposal
    await settle(pilot)
    deals = pilot.app.screen.query_one(DealTable)
    assert pilot.app.focused is deals
    return deals


def pipeline_value(app: CockpitApp, rep_id: int | None = None) -> int:
    dash = app.snapshot.dashboard
    return dash.team["pipeline_value"] if rep_id is None else dash.rep_row(rep_id).values["pipeline_value"]


# Open deals of the seeded database: Wayne $25,000 (Ana, proposal), [@click=app.quit] $9,000, Stark $15,000,
# Old lead $2,000, Wonka $6,500 = $57,500 of pipeline; without Wayne, $32,500.
PIPELINE = 5_750_000
PIPELINE_WITHOUT_WAYNE = 3_250_000


async def test_x_voids_a_deal_from_the_pipeline_and_x_restores_it(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        store = app.store
        wayne = deal_id(store, "Wayne expansion")
        ana = store.rep_by_name("Ana Lima").id
        assert pipeline_value(app) == PIPELINE and pipeline_value(app, ana) == 2_500_000
        deals = await open_proposal_deals(pilot)
        assert [k.value for k in deals.rows] == [str(wayne)]
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, VoidForm)
        assert f"Void deal #{wayne} Wayne expansion (Wayne Enterprises)" in str(
            app.screen.query_one(".form-title", Static).render()
        )
        await type_text(pilot, "duplicate")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        row = store.query("SELECT voided_at, void_reason FROM deals WHERE id = ?", (wayne,))[0]
        assert tuple(row) == (FROZEN_NOW.int_timestamp, "duplicate")
        assert store.audit(limit=1)[0].action == "void deal"
        assert f"Deal #{wayne} voided: duplicate" in notes(app)
        assert str(wayne) not in {k.value for k in deals.rows}
        assert app.screen.query_one(StageTable).value("proposal", "count") == "0"
        assert pipeline_value(app) == PIPELINE_WITHOUT_WAYNE and pipeline_value(app, ana) == 0

        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, RestoreForm)
        await type_text(pilot, f"#{wayne}")
        await pilot.press("enter")
        await settle(pilot)
        assert store.deal(wayne).voided_at is None
        assert f"Deal #{wayne} restored" in notes(app)
        assert pipeline_value(app) == PIPELINE
        assert app.screen.query_one(StageTable).value("proposal", "count") == "1"


async def test_void_needs_a_reason_and_esc_writes_nothing(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        store = app.store
        audit_rows = store.query("SELECT count(*) FROM audit_log")[0][0]
        await open_proposal_deals(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VoidForm)  # still open, the reason asked for beside the field
        assert str(app.screen.query_one("#reason-message", Static).render()) == "a reason is required"
        await type_text(pilot, "   ")
        await pilot.press("enter")  # blanks are no reason either
        await settle(pilot)
        assert isinstance(app.screen, VoidForm)
        await pilot.press("escape", "escape")  # typed values: the second Esc discards them
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert store.deal(deal_id(store, "Wayne expansion")).voided_at is None
        assert store.query("SELECT count(*) FROM audit_log")[0][0] == audit_rows
        assert pipeline_value(app) == PIPELINE


async def test_u_undoes_a_void(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wayne = deal_id(app.store, "Wayne expansion")
        await open_proposal_deals(pilot)
        await pilot.press("x")
        await type_text(pilot, "wrong pipeline")
        await pilot.press("enter")
        await settle(pilot)
        assert app.store.deal(wayne).voided_at is not None
        await pilot.press("u")
        await settle(pilot)
        assert app.store.deal(wayne).voided_at is None
        assert "Undone: void deal" in notes(app)
        assert pipeline_value(app) == PIPELINE


async def test_a_rep_cannot_void_another_reps_deal(db_path: Path, settings: Settings) -> None:
    with Store(db_path, user="tester") as setup:
        setup.set_meta("demo", "0")  # a demo database lets everyone do everything; this one has its reps' rights
    store = Store(db_path, user="zoe", now=lambda: FROZEN_NOW.int_timestamp)  # Zoé Martin, a rep
    app = make_app(store, settings=settings, now=lambda: FROZEN_NOW)
    assert not app.actor.is_manager
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")  # a rep opens on My day; the pipeline is on the team cockpit
        await settle(pilot)
        await open_proposal_deals(pilot)  # Wayne expansion is Ana's
        await pilot.press("x")
        await type_text(pilot, "duplicate")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VoidForm)  # refused: the form stays open with what was typed
        error = str(app.screen.query_one("#form-error", Static).render())
        assert "only a manager may void another rep's deal" in error
        await pilot.press("escape")
        await settle(pilot)
    assert store.deal(deal_id(store, "Wayne expansion")).voided_at is None
    store.close()


async def test_f_completes_a_follow_up_in_my_day_and_u_undoes_it(make_cockpit) -> None:
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        followups = app.screen.query_one("#myday-followups")
        assert app.focused is followups.rows_view

        def shown() -> list[str]:
            return [followups.row(key)[-1] for key in followups.keys]

        assert shown() == ["send proposal v2", "call back Wayne CFO"]
        first = int(followups.cursor_key)
        await pilot.press("F")
        await settle(pilot)
        assert app.store.activity(first).follow_up_done_at == FROZEN_NOW.int_timestamp
        assert shown() == ["call back Wayne CFO"]
        assert f"Follow-up done (a{first})" in notes(app)
        assert "0 overdue, 1 due today" in str(app.screen.query_one("#myday-status", Static).render())
        await pilot.press("u")
        await settle(pilot)
        assert app.store.activity(first).follow_up_done_at is None
        assert shown() == ["send proposal v2", "call back Wayne CFO"]


async def test_x_voids_an_activity_and_x_restores_it_by_its_a_id(make_cockpit) -> None:
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        followups = app.screen.query_one("#myday-followups")
        first = int(followups.cursor_key)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, VoidForm)
        assert f"Void email a{first} on Wayne Enterprises: Wayne expansion" in str(
            app.screen.query_one(".form-title", Static).render()
        )
        await type_text(pilot, "sent twice")
        await pilot.press("enter")
        await settle(pilot)
        assert app.store.activity(first).voided_at == FROZEN_NOW.int_timestamp
        assert [followups.row(key)[-1] for key in followups.keys] == ["call back Wayne CFO"]
        await pilot.press("X")
        await type_text(pilot, f"a{first}")
        await pilot.press("enter")
        await settle(pilot)
        assert app.store.activity(first).voided_at is None
        assert f"Activity a{first} restored" in notes(app)
        assert followups.row_count == 2


async def test_void_and_f_need_a_selection(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # the scorecards have the focus: no deal, no activity
        await pilot.press("x", "F")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    # Each says what to select, in which pane, and the key that goes there (issue 21).
    assert "Select a deal or an activity first: tab to the Pipeline pane and pick a deal in its list" in notes(app)
    assert "Select a follow-up first: follow-ups are in My day (v)" in notes(app)


async def test_a_missing_deal_names_the_drill_downs_deal_list(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # a rep's drill-down: its KPI table has the focus
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
    assert "Select a deal first: tab to “Their open deals” and pick one" in notes(app)


async def test_x_lists_the_latest_voided_to_choose_from(make_cockpit) -> None:
    """Restore without an id typed by heart: the voided items are listed, newest first (issue 21)."""
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        store = app.store
        wayne = deal_id(store, "Wayne expansion")
        actor = resolve_actor(store, "Max Boss")
        apply(store, actor, Void("deals", wayne, reason="duplicate"))
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, RestoreForm)
        assert app.screen.query_one("#latest", Select).is_blank()  # a list to choose from, nothing chosen yet
        assert list(app.screen.voided) == [(f"#{wayne}", f"deal #{wayne} Wayne expansion (Wayne Enterprises)")]
        await pilot.press("tab", "enter", "down", "enter")  # to the list, open it, the first voided, choose it
        await settle(pilot)
        assert app.screen.query_one("#item", Input).value == f"#{wayne}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.deal(wayne).voided_at is None
        assert f"Deal #{wayne} restored" in notes(app)

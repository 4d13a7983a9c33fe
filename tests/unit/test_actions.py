"""Tests of cockpit.core.actions: the acting user, permissions, audit rows, stage history, void, restore and undo."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.actions import (
    ActivityEntry,
    DealEdit,
    DealEntry,
    FollowUp,
    Restore,
    SetCost,
    SetQuota,
    StageMove,
    Undo,
    Void,
    apply,
    resolve_actor,
)
from cockpit.core.errors import NotFoundError, PermissionDenied, ValidationError
from cockpit.core.store import Store
from tests.support.forms_db import NOW_TS, make_db, reopen


@pytest.fixture
def path(tmp_path: Path) -> Path:
    make_db(tmp_path / "c.db").close()
    return tmp_path / "c.db"


def test_actor_is_the_mapped_login(path: Path) -> None:
    alice = resolve_actor(reopen(path, "alice"))
    assert (alice.rep.name, alice.unix_user, alice.is_manager) == ("Alice", "alice", False)
    maria = resolve_actor(reopen(path, "maria"))
    assert maria.is_manager and maria.rep.name == "Maria"


def test_a_rep_acts_only_as_themselves(path: Path) -> None:
    store = reopen(path, "alice")
    assert resolve_actor(store, "alice").rep.name == "Alice"
    with pytest.raises(PermissionDenied, match="a rep logs only as themselves"):
        resolve_actor(store, "Bob")


def test_a_manager_may_act_as_a_rep(path: Path) -> None:
    actor = resolve_actor(reopen(path, "maria"), "bob")
    assert actor.rep.name == "Bob" and actor.is_manager


def test_an_unmapped_login_cannot_write(path: Path) -> None:
    store = reopen(path, "mallory")
    actor = resolve_actor(store)
    assert actor.rep is None and not actor.is_manager
    with pytest.raises(PermissionDenied, match="not mapped to a rep"):
        apply(store, actor, ActivityEntry("call", account="Globex"))
    with pytest.raises(PermissionDenied, match="not mapped"):
        resolve_actor(store, "alice")


def test_open_database_trusts_whoever_opens_it(tmp_path: Path) -> None:
    store = make_db(tmp_path / "open.db", user="someone", logins=False)
    actor = resolve_actor(store, "Bob")
    assert actor.rep.name == "Bob" and actor.is_manager


def test_unknown_as_name(path: Path) -> None:
    with pytest.raises(NotFoundError, match="no rep named 'Zed'"):
        resolve_actor(reopen(path, "maria"), "Zed")


def test_log_call_writes_one_audited_row(path: Path) -> None:
    store = reopen(path, "alice")
    before = store.audit(limit=1)[0].id
    entry = ActivityEntry("call", account="globex", outcome="connected", duration_s=720, note="pricing")
    activity_id = apply(store, resolve_actor(store), entry)
    activity = store.activity(activity_id)
    assert (activity.rep, activity.account, activity.outcome, activity.duration_s) == (
        "Alice",
        "Globex",
        "connected",
        720,
    )
    audit = [a for a in store.audit(limit=10) if a.id > before]
    assert [(a.action, a.table_name, a.row_id, a.unix_user) for a in audit] == [
        ("log call", "activities", activity_id, "alice")
    ]
    assert audit[0].old_values is None and audit[0].new_values["note"] == "pricing"


def test_unknown_account_needs_create_account(path: Path) -> None:
    store = reopen(path, "alice")
    actor = resolve_actor(store)
    with pytest.raises(NotFoundError, match="no account named 'Initech'"):
        apply(store, actor, ActivityEntry("call", account="Initech"))
    activity_id = apply(store, actor, ActivityEntry("call", account="Initech", create_account=True))
    assert store.activity(activity_id).account == "Initech"
    # The account and the activity were written in one transaction: one batch of two audit rows.
    batch = store.query("SELECT DISTINCT batch FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)")
    assert len(batch) == 1


def test_undo_of_an_activity_that_created_its_account(path: Path) -> None:
    store = reopen(path, "alice")
    actor = resolve_actor(store)
    activity_id = apply(store, actor, ActivityEntry("call", account="Initech", create_account=True))
    apply(store, actor, Undo())
    assert store.activity(activity_id).voided_at is not None
    # The account created on the way stays (another user may already use it); the undo is audited.
    assert store.account_by_name("Initech") is not None
    assert store.audit(limit=1)[0].action == "undo log call"


def test_activity_validation(path: Path) -> None:
    store = reopen(path, "alice")
    actor = resolve_actor(store)
    with pytest.raises(ValidationError, match="unknown outcome 'maybe'"):
        apply(store, actor, ActivityEntry("call", account="Globex", outcome="maybe"))
    with pytest.raises(ValidationError, match="needs an account or a deal"):
        apply(store, actor, ActivityEntry("call"))
    with pytest.raises(NotFoundError, match="no deal with id 42"):
        apply(store, actor, ActivityEntry("call", deal_id=42))
    with pytest.raises(PermissionDenied):
        apply(store, actor, ActivityEntry("call", account="Globex", rep="Bob"))


def test_stage_moves_go_into_stage_history(path: Path) -> None:
    store = reopen(path, "alice")
    actor = resolve_actor(store)
    apply(store, actor, StageMove(1, "negotiation", at=NOW_TS))
    with pytest.raises(ValidationError, match="needs a reason"):
        apply(store, actor, StageMove(1, "lost"))
    apply(store, actor, StageMove(1, "lost", reason="price", at=NOW_TS + 60))
    history = store.query("SELECT from_stage, to_stage, at, by_user FROM stage_history WHERE deal_id = 1 ORDER BY id")
    assert [tuple(r) for r in history][1:] == [
        ("proposal", "negotiation", NOW_TS, "alice"),
        ("negotiation", "lost", NOW_TS + 60, "alice"),
    ]
    assert store.deal(1).lost_reason == "price"


def test_reps_change_only_their_own_deals(path: Path) -> None:
    store = reopen(path, "alice")
    actor = resolve_actor(store)
    with pytest.raises(PermissionDenied, match="only a manager may move another rep's deal"):
        apply(store, actor, StageMove(2, "qualified"))
    with pytest.raises(PermissionDenied, match="only a manager may edit"):
        apply(store, actor, DealEdit(2, amount=1))
    with pytest.raises(PermissionDenied, match="only a manager may void"):
        apply(store, actor, Void("deals", 2, "dup"))
    # Logging a call on a colleague's deal is fine: the call is Alice's own.
    assert store.activity(apply(store, actor, ActivityEntry("call", deal_id=2))).rep == "Alice"
    assert store.deal(2).stage == "lead" and store.deal(2).voided_at is None


def test_manager_only_actions(path: Path) -> None:
    alice = reopen(path, "alice")
    with pytest.raises(PermissionDenied, match="only a manager may set quotas"):
        apply(alice, resolve_actor(alice), SetQuota("2026-11", 100, rep="Alice"))
    with pytest.raises(PermissionDenied, match="only a manager may set costs"):
        apply(alice, resolve_actor(alice), SetCost("2026-11", "marketing", 100))
    with pytest.raises(PermissionDenied, match="only a manager may reassign"):
        apply(alice, resolve_actor(alice), DealEdit(1, rep="Bob"))
    maria = reopen(path, "maria")
    manager = resolve_actor(maria)
    assert apply(maria, manager, SetQuota("2026-11", 100, rep="Alice")) > 0
    assert apply(maria, manager, SetCost("2026-11", "marketing", 100)) > 0
    apply(maria, manager, DealEdit(1, rep="Bob"))
    assert maria.deal(1).rep == "Bob"


def test_edit_keeps_old_values_in_audit(path: Path) -> None:
    store = reopen(path, "alice")
    apply(store, resolve_actor(store), DealEdit(1, title="Renewal 2028", amount=3_000_000))
    audit = store.audit(limit=1)[0]
    assert audit.action == "edit deal"
    assert (audit.old_values["title"], audit.old_values["amount"]) == ("Renewal 2027", 2_400_000)
    assert (audit.new_values["title"], audit.new_values["amount"]) == ("Renewal 2028", 3_000_000)
    with pytest.raises(ValidationError, match="nothing to change"):
        apply(store, resolve_actor(store), DealEdit(1))


def test_the_stores_edit_with_no_field_is_refused_and_writes_nothing(path: Path) -> None:
    """The public API refuses it as the form and the command line do: before, it wrote an audit row of nothing."""
    store = reopen(path, "alice")
    before = store.audit(limit=1)[0].id
    updated = store.deal(1).updated_at
    with pytest.raises(ValidationError, match="nothing to change"):
        store.edit_deal(1)
    assert store.audit(limit=1)[0].id == before
    assert store.deal(1).updated_at == updated


def test_void_restore_and_undo_are_audited(path: Path) -> None:
    store = reopen(path, "alice")
    actor = resolve_actor(store)
    apply(store, actor, Void("deals", 1, "duplicate"))
    assert store.deal(1).voided_at is not None
    assert [d.id for d in store.deals()] == [2]  # voided deals are left out of reads and KPIs
    apply(store, actor, Restore("deals", 1))
    assert store.deal(1).voided_at is None
    undo_id = apply(store, actor, Undo())  # undoes the restore
    assert store.deal(1).voided_at is not None
    undo = store.audit(limit=1)[0]
    assert (undo.id, undo.action, undo.unix_user) == (undo_id, "undo restore", "alice")
    restore_row = [a for a in store.audit(limit=10) if a.action == "restore"][0]
    assert restore_row.undone_by == undo_id


def test_follow_up_is_a_note_with_its_time(path: Path) -> None:
    store = reopen(path, "alice")
    activity_id = apply(store, resolve_actor(store), FollowUp(1, NOW_TS + 86400, "send deck"))
    activity = store.activity(activity_id)
    assert (activity.kind, activity.deal_id, activity.follow_up_at, activity.note) == (
        "note",
        1,
        NOW_TS + 86400,
        "send deck",
    )
    assert [a.id for a in store.follow_ups_due(until=NOW_TS + 2 * 86400)] == [activity_id]


def test_new_deal_creates_account_and_history(path: Path) -> None:
    store = reopen(path, "alice")
    deal_id = apply(store, resolve_actor(store), DealEntry("Initech", "Pilot 2", 500_000, stage="qualified"))
    deal = store.deal(deal_id)
    assert (deal.account, deal.rep, deal.stage, deal.qualified_at) == ("Initech", "Alice", "qualified", NOW_TS)
    history = store.query("SELECT from_stage, to_stage FROM stage_history WHERE deal_id = ?", (deal_id,))
    assert [tuple(r) for r in history] == [(None, "qualified")]


def test_readonly_store_refuses(path: Path) -> None:
    store = Store(path, readonly=True, user="alice")
    with pytest.raises(Exception, match="cannot write"):
        apply(store, resolve_actor(store), ActivityEntry("call", account="Globex"))


def test_deal_order_is_a_choice_not_sql(tmp_path: Path) -> None:
    store = Store(tmp_path / "o.db", create=True)
    rep = store.add_rep("Ann")
    first = store.add_deal(rep_id=rep, title="a", amount=1, stage="lead")
    second = store.add_deal(rep_id=rep, title="b", amount=1, stage="lead")
    assert [d.id for d in store.deals(order="id")] == [first, second]
    assert [d.id for d in store.deals(order="newest")] == [second, first]
    with pytest.raises(ValueError, match="unknown deal order"):
        store.deals(order="d.id; DROP TABLE deals")
    store.close()


def test_what_is_logged_as_done_cannot_lie_in_the_future(path: Path) -> None:
    """Calls, stage moves and wins record what happened: a moment past the clock (and its 15 minutes of slack)
    is refused and writes nothing; follow-ups and expected closes plan what comes next and may lie ahead."""
    from cockpit.core.store import FUTURE_SLACK_S

    store = reopen(path, "alice")
    before = store.audit(limit=1)[0].id
    tomorrow = NOW_TS + 86_400
    with pytest.raises(ValidationError, match="activity date is in the future"):
        store.log_activity(kind="call", rep_id=1, deal_id=1, at=tomorrow)
    with pytest.raises(ValidationError, match="activity date is in the future"):
        store.log_activity_for_account(kind="call", rep_id=1, account="Globex", at=tomorrow)
    with pytest.raises(ValidationError, match="stage date is in the future"):
        store.move_deal(1, "won", at=tomorrow)
    with pytest.raises(ValidationError, match="close date is in the future"):
        store.add_deal(rep_id=1, title="x", amount=1, account="Globex", stage="won", closed_at=tomorrow)
    with pytest.raises(ValidationError, match="created date is in the future"):
        store.add_deal(rep_id=1, title="x", amount=1, account="Globex", created_at=tomorrow)
    assert store.audit(limit=1)[0].id == before
    assert store.deal(1).stage == "proposal"
    # Within the slack, and what is planned ahead, are written.
    call = store.log_activity(kind="call", rep_id=1, deal_id=1, at=NOW_TS + FUTURE_SLACK_S, follow_up_at=tomorrow)
    with pytest.raises(ValidationError, match="activity date is in the future"):
        store.edit_activity(call, at=NOW_TS + FUTURE_SLACK_S + 1)
    store.edit_activity(call, follow_up_at=tomorrow + 86_400)
    store.edit_deal(1, expected_close=tomorrow + 30 * 86_400)
    assert store.activity(call).at == NOW_TS + FUTURE_SLACK_S


def test_void_and_restore_refusals_name_the_row_as_people_do(path: Path) -> None:
    store = reopen(path, "alice")
    with pytest.raises(ValidationError, match=r"^deal #1 is not voided$"):
        store.restore("deals", 1)
    call = store.log_activity(kind="call", rep_id=1, deal_id=1)
    store.void("activities", call, reason="typo")
    with pytest.raises(ValidationError, match=rf"^activity a{call} is already voided$"):
        store.void("activities", call, reason="again")

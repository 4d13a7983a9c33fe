"""Undo never erases a later action by anyone on the same record (issue 20, item 7).

Two users are two Store objects on one real SQLite file, each with its own Unix login, as two processes would be.
"""

from __future__ import annotations

import pytest

from cockpit.cli import main
from cockpit.core.actions import StageMove, Undo, apply, resolve_actor
from cockpit.core.errors import ValidationError
from cockpit.core.store import current_unix_user
from tests.support.forms_db import count, make_db, reopen


@pytest.fixture
def two_users(tmp_path):
    path = tmp_path / "team.db"
    make_db(path, user="alice").close()
    alice, maria = reopen(path, "alice"), reopen(path, "maria")
    yield alice, maria
    alice.close()
    maria.close()


def test_undo_is_refused_when_a_manager_won_the_deal_since(two_users):
    alice, maria = two_users
    apply(alice, resolve_actor(alice), StageMove(1, "negotiation"))
    apply(maria, resolve_actor(maria), StageMove(1, "won"))
    audit_before = count(alice, "audit_log")

    with pytest.raises(ValidationError) as info:
        apply(alice, resolve_actor(alice), Undo())

    assert str(info.value) == "deal #1 was moved to won by maria since; undo refused"
    deal = alice.deal(1)
    assert (deal.stage, deal.closed_at is not None) == ("won", True)
    assert count(alice, "audit_log") == audit_before  # the refused undo wrote nothing


def test_undo_still_works_when_nobody_touched_the_record_since(two_users):
    alice, maria = two_users
    apply(alice, resolve_actor(alice), StageMove(1, "negotiation"))
    apply(maria, resolve_actor(maria), StageMove(2, "qualified"))  # another deal: no conflict

    apply(alice, resolve_actor(alice), Undo())

    assert (alice.deal(1).stage, alice.deal(2).stage) == ("proposal", "qualified")


def test_a_later_action_that_was_undone_does_not_block(two_users):
    alice, maria = two_users
    apply(alice, resolve_actor(alice), StageMove(1, "negotiation"))
    apply(maria, resolve_actor(maria), StageMove(1, "won"))
    apply(maria, resolve_actor(maria), Undo())  # maria takes her win back: the deal is as alice left it

    apply(alice, resolve_actor(alice), Undo())

    assert alice.deal(1).stage == "proposal"


def test_cli_undo_refuses_in_one_line(tmp_path, capsys, monkeypatch):
    # The CLI acts as the login of this process: its move is made as that login, the manager's win as maria.
    path = tmp_path / "team.db"
    make_db(path, user="alice").close()
    with reopen(path, current_unix_user()) as me:
        me.move_deal(1, "negotiation")
    with reopen(path, "maria") as maria:
        apply(maria, resolve_actor(maria), StageMove(1, "won"))
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-27T10:15:00+01:00")

    rc = main(["undo", "--db", str(path)])

    err = capsys.readouterr().err
    assert (rc, err) == (2, "cockpit: error: deal #1 was moved to won by maria since; undo refused\n")
    with reopen(path, "maria") as maria:
        assert maria.deal(1).stage == "won"

"""Who is acting comes from the process's real uid, never from the environment (issue 20, item 3)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from cockpit.core.actor import resolve_actor
from cockpit.core.errors import PermissionDenied
from cockpit.core.store import Store, current_unix_user
from tests.support.forms_db import make_db, reopen


def test_the_login_is_the_real_uid_s_whatever_logname_and_user_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "maria")
    monkeypatch.setenv("USER", "maria")
    monkeypatch.setenv("LNAME", "maria")
    monkeypatch.setenv("USERNAME", "maria")
    assert current_unix_user() == pwd.getpwuid(os.getuid()).pw_name != "maria"


def test_a_rep_cannot_act_as_the_manager(tmp_path: Path) -> None:
    make_db(tmp_path / "t.db").close()
    with reopen(tmp_path / "t.db", "alice") as alice, pytest.raises(PermissionDenied, match="a rep logs only as"):
        resolve_actor(alice, "Maria")


def test_acting_as_another_rep_is_audited_as_both(tmp_path: Path) -> None:
    make_db(tmp_path / "t.db").close()
    with reopen(tmp_path / "t.db", "maria") as maria:
        actor = resolve_actor(maria, "Bob")
        assert (actor.rep.name, actor.unix_user, actor.is_manager) == ("Bob", "maria", True)
        maria.add_account("Initech")
        assert maria.audit(limit=1)[0].unix_user == "maria as Bob"
        resolve_actor(maria)  # as herself again
        maria.add_account("Hooli")
        assert maria.audit(limit=1)[0].unix_user == "maria"


def test_on_a_database_with_no_logins_anyone_may_say_who_they_are(tmp_path: Path) -> None:
    make_db(tmp_path / "t.db", logins=False).close()
    with Store(tmp_path / "t.db", user="sam") as store:
        actor = resolve_actor(store, "Alice")
        assert actor.rep.name == "Alice" and actor.is_manager
        store.add_account("Initech")
        assert store.audit(limit=1)[0].unix_user == "sam as Alice"

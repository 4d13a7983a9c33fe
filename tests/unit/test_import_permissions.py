"""``cockpit import`` obeys the forms' permissions and audits each row it writes (issue 20, item 4).

Two users are two Store objects on one real SQLite file, each with its own Unix login, as two processes would be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.errors import PermissionDenied
from cockpit.core.importing import ImportFailed, import_file
from cockpit.core.store import current_unix_user
from tests.support.forms_db import count, make_db, reopen


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    make_db(path, user="maria").close()  # Alice and Bob are reps, Maria the manager
    return path


def csv(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("reps", "name,unix_login,role\nBob,bob,manager\n"),  # Bob makes himself manager
        ("quotas", "rep,month,amount\nAlice,2026-11,1\n"),  # a colleague's quota set to $1
        ("costs", "month,category,amount\n2026-11,sales,1\n"),
    ],
)
def test_a_rep_may_not_import_reps_quotas_or_costs(db, tmp_path, kind, text):
    with reopen(db, "bob") as bob:
        audit_before = count(bob, "audit_log")
        with pytest.raises(PermissionDenied, match=f"only a manager may import {kind}"):
            import_file(bob, kind, csv(tmp_path, text))
        assert count(bob, "audit_log") == audit_before
        assert (bob.rep_by_name("Bob").role, count(bob, "quotas"), count(bob, "costs")) == ("rep", 0, 0)


def test_a_rep_may_not_import_deals_for_another_rep_nor_change_hers(db, tmp_path):
    other = "title,account,rep,stage,amount,created\nSide deal,Globex,Alice,lead,100,2026-11-01\n"
    with reopen(db, "bob") as bob:
        with pytest.raises(ImportFailed, match="a rep imports only their own deals"):
            import_file(bob, "deals", csv(tmp_path, other), tz="Europe/Paris")
        assert count(bob, "deals") == 2
    # Matched by external id, Alice's deal is hers whatever rep the file names.
    with reopen(db, "maria") as maria:
        maria.edit_deal(1, external_id="R1")
    take = "external_id,title,account,rep,stage,amount,created\nR1,Renewal 2027,Globex,Bob,lead,1,2026-11-27\n"
    with reopen(db, "bob") as bob:
        with pytest.raises(ImportFailed, match="deal #1 belongs to another rep"):
            import_file(bob, "deals", csv(tmp_path, take, "take.csv"), tz="Europe/Paris")
        deal = bob.deal(1)
        assert (deal.rep, deal.stage, deal.amount) == ("Alice", "proposal", 2_400_000)


def test_a_rep_imports_own_deals_and_a_manager_anyones_each_row_audited(db, tmp_path):
    own = "title,account,rep,stage,amount,created\nMine,Globex,Bob,lead,100,2026-11-01\n"
    with reopen(db, "bob") as bob:
        assert import_file(bob, "deals", csv(tmp_path, own), tz="Europe/Paris").created == 1
    quota = "rep,month,amount\nAlice,2026-11,5000\n"
    with reopen(db, "maria") as maria:
        import_file(maria, "quotas", csv(tmp_path, quota, "q.csv"))
        import_file(maria, "quotas", csv(tmp_path, "rep,month,amount\nAlice,2026-11,6000\n", "q2.csv"))
        rows = maria.query(
            "SELECT unix_user, table_name, row_id, old_values, new_values FROM audit_log"
            " WHERE action = 'import quotas' AND row_id IS NOT NULL ORDER BY id"
        )
    # The insert and the change of the quota each have their row, with the old amount (in cents) on record.
    assert [(r[0], r[1], json.loads(r[3] or "null"), json.loads(r[4])["amount"]) for r in rows] == [
        ("maria", "quotas", None, 500_000),
        ("maria", "quotas", {"amount": 500_000}, 600_000),
    ]


def test_cli_import_of_reps_by_an_unmapped_rep_is_refused(tmp_path):
    # This process's login is mapped to a plain rep: it may not promote itself through an import.
    path = tmp_path / "team.db"
    with make_db(path, user="maria") as maria:
        maria.add_rep("Me", unix_login=current_unix_user())
    promote = csv(tmp_path, f"name,unix_login,role\nMe,{current_unix_user()},manager\n")

    rc = main(["import", "reps", str(promote), "--db", str(path)])

    assert rc == 2
    with reopen(path, "maria") as maria:
        assert maria.rep_by_name("Me").role == "rep"

"""``cockpit deal move``: a sentence saying what it did, the deal's record with ``--format json``, and ``--force``
before a won deal is turned into a lost one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.store import Store, current_unix_user
from tests.support.forms_db import NOW, TZ, make_db


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_NOW", NOW.to_iso8601_string())  # Friday 27 November 2026, 10:15 in Paris
    path = tmp_path / "c.db"
    make_db(path, logins=False).close()  # nobody mapped: whoever runs the CLI may act as any rep
    return path


def run(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def one(db: Path, sql: str) -> tuple:
    with Store(db) as store:
        return tuple(store.query(sql)[0])


def test_a_move_says_what_it_did_in_a_sentence(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Deal #1: "Renewal 2027", Alice's, account Globex, 2,400,000 cents, in proposal.
    code, out, err = run(capsys, db, "deal", "move", "1", "won")
    assert (code, err) == (0, "")
    assert out == 'Moved deal #1 "Renewal 2027" (Globex, Alice, $24,000.00) from proposal to won.'
    # Dated with --at (the deal was made at 10:15, now; a move may be dated up to 15 minutes ahead), the sentence
    # says when; a loss says its reason.
    code, out, _ = run(capsys, db, "deal", "move", "2", "lost", "--reason", "no budget", "--at", "10:20")
    assert code == 0
    assert out == 'Moved deal #2 "Pilot" (Acme Labs, Bob, $5,000.00) from lead to lost on 2026-11-27 10:20: no budget.'


def test_format_json_gives_the_moved_deals_record(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, db, "deal", "move", "2", "qualified", "--format", "json")
    assert (code, err) == (0, "")
    record = json.loads(out)
    # Money in major units as `cockpit report` gives it (500,000 cents = 5,000.0), times in the configured zone.
    assert {k: record[k] for k in ("id", "title", "account", "rep", "amount", "currency", "from_stage", "stage")} == {
        "id": 2,
        "title": "Pilot",
        "account": "Acme Labs",
        "rep": "Bob",
        "amount": 5000.0,
        "currency": "USD",
        "from_stage": "lead",
        "stage": "qualified",
    }
    assert record["moved_at"] == "2026-11-27T10:15:00+01:00"
    assert (record["lost_reason"], record["closed_at"]) == (None, None)
    assert one(db, "SELECT stage FROM deals WHERE id = 2") == ("qualified",)


@pytest.mark.parametrize("stage", ["lost", "LOST"])
def test_a_won_deal_goes_to_lost_only_with_force(db: Path, capsys: pytest.CaptureFixture[str], stage: str) -> None:
    assert run(capsys, db, "deal", "move", "1", "won")[0] == 0
    audit = one(db, "SELECT count(*) FROM audit_log")
    code, out, err = run(capsys, db, "deal", "move", "1", stage, "--reason", "changed their mind")
    assert (code, out) == (2, "")
    assert err == "cockpit: error: deal #1 is won: moving it to lost undoes the win; add --force to do it"
    assert one(db, "SELECT stage FROM deals WHERE id = 1") == ("won",)
    assert one(db, "SELECT count(*) FROM audit_log") == audit  # nothing written
    code, out, _ = run(capsys, db, "deal", "move", "1", stage, "--reason", "changed their mind", "--force")
    assert code == 0 and out.endswith("from won to lost: changed their mind.")
    assert one(db, "SELECT stage, lost_reason FROM deals WHERE id = 1") == ("lost", "changed their mind")


def test_a_rep_is_told_the_deal_is_not_theirs_before_being_offered_force(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, db, "deal", "move", "1", "won")[0] == 0
    with Store(db) as store:
        store.update_rep(2, unix_login=current_unix_user())  # whoever runs the tests is Bob, a rep
    code, _, err = run(capsys, db, "deal", "move", "1", "lost", "--reason", "x", "--force")
    assert code == 2 and "only a manager may move another rep's deal" in err and "--force" not in err
    assert one(db, "SELECT stage FROM deals WHERE id = 1") == ("won",)

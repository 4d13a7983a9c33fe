"""``cockpit log`` and ``cockpit deal add``: ``--rep`` defaults to the rep of the Unix login (the process's uid,
never $USER), and ``--account`` behaves the same in both: a new account only with ``--new-account``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.store import Store, current_unix_user
from tests.support.forms_db import NOW, TZ, make_db

DEAL = ["deal", "add", "--title", "Expansion", "--amount", "5k"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_NOW", NOW.to_iso8601_string())
    path = tmp_path / "c.db"
    make_db(path, logins=False).close()  # Alice (1), Bob (2), Maria (3, manager); accounts Acme Corp, Acme Labs, Globex
    return path


def run(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def rows(db: Path, sql: str) -> list[tuple]:
    with Store(db) as store:
        return [tuple(r) for r in store.query(sql)]


def counts(db: Path) -> list[tuple]:
    return rows(db, "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM accounts)")


def test_without_rep_the_login_s_own_rep_logs_and_owns(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(db) as store:
        store.update_rep(2, unix_login=current_unix_user())  # whoever runs the tests is Bob
    code, out, err = run(capsys, db, "log", "call", "--account", "globex")
    assert (code, err) == (0, "")
    assert rows(db, f"SELECT rep_id, account_id FROM activities WHERE id = {out}") == [(2, 3)]
    code, out, err = run(capsys, db, *DEAL, "--account", "Globex")
    assert (code, err) == (0, "")
    assert rows(db, f"SELECT rep_id, title, amount FROM deals WHERE id = {out}") == [(2, "Expansion", 500_000)]


@pytest.mark.parametrize(
    ("argv", "what"),
    [(["log", "call", "--account", "globex"], "who did it"), ([*DEAL, "--account", "Globex"], "whose deal it is")],
)
def test_an_unmapped_login_must_name_the_rep_and_dollar_user_does_not_count(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], what: str
) -> None:
    with Store(db) as store:
        store.update_rep(1, unix_login="alice")
    # The environment names Alice's login: identity comes from the uid, so it is ignored.
    monkeypatch.setenv("USER", "alice")
    monkeypatch.setenv("LOGNAME", "alice")
    before = counts(db)
    code, out, err = run(capsys, db, *argv)
    assert (code, out) == (2, "")
    login = current_unix_user()
    assert err == f"cockpit: error: your Unix login {login!r} is not mapped to a rep: say {what} with --rep NAME"
    assert counts(db) == before


@pytest.mark.parametrize(
    "argv",
    [["log", "call", "--rep", "Alice", "--account", "Initech"], [*DEAL, "--rep", "Alice", "--account", "Initech"]],
)
def test_an_unknown_account_is_the_same_error_in_log_and_deal_add(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = counts(db)
    code, out, err = run(capsys, db, *argv)
    assert (code, out) == (2, "")
    assert err == "cockpit: error: no account named 'Initech' (--new-account creates it)"
    assert counts(db) == before


@pytest.mark.parametrize(
    ("argv", "table"),
    [
        (["log", "email", "--rep", "Alice", "--account", "Initech", "--new-account"], "activities"),
        ([*DEAL, "--rep", "Alice", "--account", "Initech", "--new-account"], "deals"),
    ],
)
def test_new_account_creates_it_in_both_and_says_so(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], table: str
) -> None:
    code, out, err = run(capsys, db, *argv)
    assert code == 0
    assert err == "cockpit: created account 'Initech'"  # stdout keeps only the new id, for scripts
    assert rows(db, f"SELECT a.name FROM {table} x JOIN accounts a ON a.id = x.account_id WHERE x.id = {out}") == [
        ("Initech",)
    ]
    assert rows(db, "SELECT count(*) FROM accounts") == [(4,)]


def test_new_account_with_an_existing_name_uses_it_silently(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, db, *DEAL, "--rep", "Alice", "--account", "GLOBEX", "--new-account")
    assert (code, err) == (0, "")
    assert rows(db, f"SELECT account_id FROM deals WHERE id = {out}") == [(3,)]  # Globex, the third account
    assert rows(db, "SELECT count(*) FROM accounts") == [(3,)]

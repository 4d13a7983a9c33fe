"""CLI tests of ``cockpit log``, ``cockpit deal add|move|void|restore`` and ``cockpit undo``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.store import Store, current_unix_user
from tests.support.forms_db import NOW, NOW_TS, TZ, make_db


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_NOW", NOW.to_iso8601_string())
    path = tmp_path / "c.db"
    make_db(path, logins=False).close()  # nobody mapped: whoever runs the CLI may act as any rep
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def rows(db: Path, sql: str) -> list[tuple]:
    with Store(db) as store:
        return [tuple(r) for r in store.query(sql)]


def test_log_call_prints_the_new_id(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "log", "call", "--db", str(db), "--rep", "alice", "--account", "globex", "--outcome", "Connected",
        "--duration", "1h30", "--at", "yesterday 14:00", "--note", "pricing", "--follow-up", "+3d",
    )  # fmt: skip
    assert (code, err) == (0, "")
    activity_id = int(out)
    yesterday_14 = NOW.subtract(days=1).replace(hour=14, minute=0)
    assert rows(db, f"SELECT kind, rep_id, account_id, outcome, duration_s, at, note, follow_up_at FROM activities "
                    f"WHERE id = {activity_id}") == [
        ("call", 1, 3, "connected", 5400, int(yesterday_14.timestamp()), "pricing", NOW_TS + 3 * 86400)
    ]  # fmt: skip


def test_log_on_a_deal_takes_its_account(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", str(db), "log", "meeting", "--rep", "Bob", "--deal", "2", "--duration", "45m")
    assert code == 0
    assert rows(db, f"SELECT deal_id, account_id, duration_s FROM activities WHERE id = {out}") == [(2, 2, 2700)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "globex", "--duration", "forever"], "cannot read 'forever'"),
        (["--account", "globex", "--outcome", "maybe"], "--outcome 'maybe'"),
        (["--account", "globex", "--at", "someday"], "cannot read 'someday'"),
        (["--account", "globex", "--at", "2031-01-01"], "activity date is in the future"),
        (["--account", "Initech"], "no account named 'Initech'"),
        (["--deal", "99"], "no deal with id 99"),
        (["--account", "globex", "--deal", "1"], "not allowed with argument"),
        ([], "one of the arguments --deal --account is required"),
    ],
)
def test_bad_log_input_is_one_line_exit_2_nothing_written(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = rows(db, "SELECT count(*) FROM audit_log")
    code, out, err = run(capsys, "log", "call", "--db", str(db), "--rep", "alice", *args)
    assert code == 2 and out == ""
    assert err.startswith("cockpit: error:") and "\n" not in err and message in err
    assert rows(db, "SELECT count(*) FROM audit_log") == before


def test_new_account_flag_creates_it(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "log", "email", "--db", str(db), "--rep", "alice", "--account", "Initech", "--new-account"
    )
    assert code == 0
    assert rows(db, f"SELECT a.name FROM activities x JOIN accounts a ON a.id = x.account_id WHERE x.id = {out}") == [
        ("Initech",)
    ]


def test_deal_add_move_void_restore_and_undo(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "deal", "add", "--db", str(db), "--rep", "alice", "--account", "Globex", "--title", "Expansion",
        "--amount", "12.5k", "--stage", "qualified", "--source", "referral",
    )  # fmt: skip
    assert code == 0
    deal_id = int(out)
    assert rows(db, f"SELECT amount, stage, source, rep_id FROM deals WHERE id = {deal_id}") == [
        (1_250_000, "qualified", "referral", 1)  # 12.5k dollars = 1,250,000 cents
    ]
    code, out, err = run(capsys, "deal", "move", str(deal_id), "lost", "--db", str(db))
    assert code == 2 and "lost deal needs a reason" in err
    code, out, _ = run(capsys, "deal", "move", str(deal_id), "lost", "--reason", "budget cut", "--db", str(db))
    assert (code, out) == (0, f'Moved deal #{deal_id} "Expansion" (Globex, Alice, $12,500.00) from qualified to lost: '
                              "budget cut.")  # fmt: skip
    assert rows(db, f"SELECT from_stage, to_stage FROM stage_history WHERE deal_id = {deal_id} ORDER BY id") == [
        (None, "qualified"),
        ("qualified", "lost"),
    ]
    assert run(capsys, "deal", "void", str(deal_id), "--reason", "duplicate", "--db", str(db))[0] == 0
    assert rows(db, f"SELECT void_reason FROM deals WHERE id = {deal_id}") == [("duplicate",)]
    assert run(capsys, "deal", "restore", str(deal_id), "--db", str(db))[0] == 0
    assert rows(db, f"SELECT voided_at FROM deals WHERE id = {deal_id}") == [(None,)]
    code, out, _ = run(capsys, "undo", "--db", str(db))  # undoes the restore: voided again
    assert code == 0 and out.endswith("undo restore")
    assert rows(db, f"SELECT void_reason FROM deals WHERE id = {deal_id}") == [("duplicate",)]
    assert rows(db, "SELECT action, unix_user FROM audit_log ORDER BY id DESC LIMIT 1") == [
        ("undo restore", current_unix_user())
    ]


def test_bad_deal_input_exits_2(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = rows(db, "SELECT count(*) FROM deals")
    base = ["deal", "add", "--db", str(db), "--rep", "alice", "--account", "Globex", "--title", "X"]
    assert run(capsys, *base, "--amount", "lots")[0] == 2
    assert "unknown stage 'closing'" in run(capsys, *base, "--amount", "5k", "--stage", "closing")[2]
    assert "no rep named 'zed'" in run(capsys, "deal", "add", "--db", str(db), "--rep", "zed", "--account", "A",
                                       "--title", "X", "--amount", "5k")[2]  # fmt: skip
    assert run(capsys, "deal", "move", "99", "won", "--db", str(db))[0] == 2
    assert rows(db, "SELECT count(*) FROM deals") == before


def test_a_rep_cannot_log_as_someone_else(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(db) as store:
        store.update_rep(2, unix_login=current_unix_user())  # whoever runs the tests is Bob, a rep
    code, _, err = run(capsys, "log", "call", "--db", str(db), "--rep", "alice", "--account", "globex")
    assert code == 2 and "a rep logs only as themselves" in err
    code, _, err = run(capsys, "deal", "move", "1", "won", "--db", str(db))  # deal 1 is Alice's
    assert code == 2 and "only a manager may move another rep's deal" in err
    code, out, _ = run(capsys, "log", "call", "--db", str(db), "--rep", "bob", "--account", "globex")
    assert code == 0 and rows(db, f"SELECT rep_id FROM activities WHERE id = {out}") == [(2,)]


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        ("email", "replied", "replied"),
        ("email", "Sent", "sent"),
        ("email", "bounced", "bounced"),
        ("meeting", "held", "held"),
        ("meeting", "No Show", "no-show"),
        ("meeting", "rescheduled", "rescheduled"),
        ("call", "vm", "voicemail"),
    ],
)
def test_each_kind_logs_its_own_outcomes(
    db: Path, capsys: pytest.CaptureFixture[str], kind: str, given: str, stored: str
) -> None:
    code, out, err = run(capsys, "log", kind, "--db", str(db), "--rep", "alice", "--account", "globex",
                         "--outcome", given)  # fmt: skip
    assert (code, err) == (0, "")
    assert rows(db, f"SELECT kind, outcome FROM activities WHERE id = {out}") == [(kind, stored)]


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("email", "connected", "--outcome 'connected': an email's outcomes are sent, replied, bounced"),
        ("meeting", "voicemail", "--outcome 'voicemail': a meeting's outcomes are held, no-show, rescheduled, "
         "cancelled"),
        ("call", "replied", "--outcome 'replied': a call's outcomes are connected, voicemail, no answer, "
         "meeting booked, not interested, wrong number"),
    ],
)  # fmt: skip
def test_an_outcome_of_another_kind_is_one_line_naming_the_kinds_own(
    db: Path, capsys: pytest.CaptureFixture[str], kind: str, given: str, message: str
) -> None:
    before = rows(db, "SELECT count(*) FROM audit_log")
    code, out, err = run(capsys, "log", kind, "--db", str(db), "--rep", "alice", "--account", "globex",
                         "--outcome", given)  # fmt: skip
    assert (code, out) == (2, "")
    assert err == f"cockpit: error: {message}"
    assert rows(db, "SELECT count(*) FROM audit_log") == before

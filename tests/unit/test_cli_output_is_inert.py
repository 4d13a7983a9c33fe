"""Nothing the CLI prints from data or arguments can act on the terminal (issue 20, items 13 and 14).

Hostile names and arguments go through the real CLI on a real database; the bytes of stdout and stderr are checked.
Item 13 (decoding) is here too: a file that is not UTF-8 is refused with its place, not guessed around.
"""

from __future__ import annotations

import json
import re

import pytest

from cockpit.cli import main
from tests.support.forms_db import count, make_db, reopen

# OSC 52 (clipboard write), clear screen, OSC 0 (window title), an 8-bit CSI, a C1 OSC and a bidi override.
HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eevil\x9d0;t\x9c"
# What a terminal acts on: ESC, BEL, C0/C1 controls other than the line break, and the bidi controls.
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "team.db"
    with make_db(path, logins=False) as store:
        store.add_rep(f"Mallory{HOSTILE}", team="East")
        store.add_deal(rep_id=4, account=f"Evil{HOSTILE}", title=f"Deal{HOSTILE}", amount=100_000, stage="won")
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-27T10:15:00+01:00")
    monkeypatch.setenv("COCKPIT_TZ", "Europe/Paris")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_report_output_has_no_control_characters(db, capsys, fmt):
    rc, out, err = run(capsys, "report", "--db", str(db), "--period", "2026-11", "--format", fmt)
    assert rc == 0
    assert "Mallory" in out and not RAW.search(out + err)


def test_report_json_keeps_the_names_as_escapes(db, capsys):
    rc, out, _ = run(capsys, "report", "--db", str(db), "--period", "2026-11", "--format", "json")
    assert rc == 0 and not RAW.search(out)
    assert f"Mallory{HOSTILE}" in [r["rep"] for r in json.loads(out)["reps"]]  # the data itself is intact


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--period", f"2026{HOSTILE}"],
        ["report", "--rep", f"nobody{HOSTILE}"],
        ["deal", "move", "1", f"stage{HOSTILE}"],
        ["deal", "move", f"1{HOSTILE}", "won"],
        ["log", "call", "--rep", f"x{HOSTILE}", "--deal", "1"],
    ],
)
def test_error_messages_quoting_arguments_are_inert(db, capsys, argv):
    rc, out, err = run(capsys, *argv, "--db", str(db))
    assert rc == 2 and err.startswith("cockpit: error:") and err.count("\n") == 1
    assert not RAW.search(out + err)


def test_import_summary_and_row_errors_are_inert(db, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(f"title,account,rep,created\nT1,Acct{HOSTILE},Rep{HOSTILE},2026-11-01\n", encoding="utf-8")
    rc, out, err = run(capsys, "import", "deals", str(good), "--db", str(db))
    assert rc == 0 and "new reps (1)" in out and not RAW.search(out + err)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"title,account,rep,created\nT2,A,Alice,{HOSTILE}\n", encoding="utf-8")
    rc, out, err = run(capsys, "import", "deals", str(bad), "--db", str(db))
    assert rc == 2 and "line 2" in err and not RAW.search(out + err)


# --------------------------------------------------------------------------------------------- item 13


def test_one_bad_byte_in_a_utf8_file_is_refused_with_its_place(db, tmp_path, capsys):
    data = (
        "\ufefftitle,account,rep,created\nDeal,Müller GmbH,Alice,2026-11-01\n".encode() + b"X\xff,A,Alice,2026-11-02\n"
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    rc, out, err = run(capsys, "import", "deals", str(path), "--db", str(db))
    # The BOM (3 bytes), the header (26), line 2 (35 bytes: "ü" is two): "X" is byte 64, 0xFF byte 65, on line 3.
    assert (rc, out) == (2, "")
    assert "line 3, byte 65: 0xFF is not valid UTF-8" in err and err.count("\n") == 1
    with reopen(db, "alice") as store:
        assert count(store, "deals") == 3


def test_a_named_encoding_is_used_and_the_summary_says_which(db, tmp_path, capsys):
    path = tmp_path / "latin.csv"
    path.write_bytes("title,account,rep,created\nDeal,Müller GmbH,Alice,2026-11-01\n".encode("latin-1"))
    rc, out, _ = run(capsys, "import", "deals", str(path), "--db", str(db), "--encoding", "latin-1")
    assert rc == 0 and "read as iso8859-1" in out
    with reopen(db, "alice") as store:
        assert store.account_by_name("Müller GmbH") is not None


def test_cp1252_only_for_a_file_with_no_utf8_at_all_and_said_so(db, tmp_path, capsys):
    path = tmp_path / "windows.csv"
    path.write_bytes("title,account,rep,created\nDeal,Müller €,Alice,2026-11-01\n".encode("cp1252"))
    rc, out, _ = run(capsys, "import", "deals", str(path), "--db", str(db))
    assert rc == 0 and "read as cp1252: the file has no valid UTF-8" in out
    with reopen(db, "alice") as store:
        assert store.account_by_name("Müller €") is not None


def test_markdown_shows_names_as_typed_not_as_formatting(tmp_path, monkeypatch, capsys) -> None:
    """A rep named like Markdown (emphasis, HTML, a link) is escaped in every line of the Markdown report."""
    path = tmp_path / "md.db"
    name = "*Bo* <b>x</b> [x](y)"  # 20 characters: tables cut names at 24
    with make_db(path, logins=False) as store:
        rep = store.add_rep(name, team="East")
        store.add_deal(rep_id=rep, account="Acme", title="A", amount=100_000, stage="won")
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-27T10:15:00+01:00")
    monkeypatch.setenv("COCKPIT_TZ", "Europe/Paris")
    rc, out, err = run(capsys, "report", "--db", str(path), "--format", "markdown")
    assert (rc, err) == (0, "")
    escaped = r"\*Bo\* \<b\>x\</b\> \[x\](y)"
    assert escaped in out
    # Outside the escaped form the raw name never appears: no line can render it as formatting or a link.
    assert name not in out.replace(escaped, "")

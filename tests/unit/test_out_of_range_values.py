"""Values beyond what the store or the calendar can hold are one-line rc-2 refusals naming them (issue 20, item 15).

Run through the real CLI on a real database file.
"""

from __future__ import annotations

import pytest

from cockpit.cli import main
from cockpit.core.errors import ParseError
from cockpit.core.parse import parse_money
from tests.support.forms_db import count, make_db, reopen


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "team.db"
    make_db(path, logins=False).close()  # an open database: whoever runs the CLI may do everything
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-27T10:15:00+01:00")
    monkeypatch.setenv("COCKPIT_TZ", "Europe/Paris")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["deal", "move", "99999999999999999999999", "won"],
        ["deal", "move", "9223372036854775808", "won"],
        ["deal", "void", "-99999999999999999999", "--reason", "x"],
        ["log", "call", "--rep", "Alice", "--deal", "99999999999999999999999"],
    ],
)
def test_an_id_beyond_sqlite_integer_is_refused_naming_it(db, capsys, argv):
    rc, _, err = run(capsys, *argv, "--db", str(db))
    typed = next(a for a in argv if a.lstrip("-").isdigit() and len(a) > 15)
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("cockpit: error:")
    assert typed in err and "out of range" in err


def test_a_fraction_of_a_cent_is_refused_not_read_as_thousands(db, capsys):
    rc, out, err = run(
        capsys, "deal", "add", "--db", str(db), "--rep", "Alice", "--account", "Globex", "--title", "T",
        "--amount", "0.001",
    )  # fmt: skip
    assert (rc, out) == (2, "")
    assert "'0.001'" in err and err.count("\n") == 1
    with reopen(db, "alice") as store:
        assert count(store, "deals") == 2  # nothing written


@pytest.mark.parametrize(("text", "cents"), [("0.5", 50), ("0,50", 50), ("12,500", 1_250_000), ("1.200", 120_000)])
def test_amounts_that_stay_as_they_were(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["0.001", "0,001", "0,500.00", "01,200"])
def test_no_thousands_group_starts_with_zero(text):
    with pytest.raises(ParseError, match=repr(text)):
        parse_money(text)


def test_a_report_of_the_whole_representable_range_works(db, capsys):
    rc, out, err = run(capsys, "report", "--db", str(db), "--from", "1970-01-01", "--to", "2099-12-31")
    assert (rc, err) == (0, "")
    # The table opens with the verdict, a blank line, then the period.
    assert out.splitlines()[2].startswith("Period 1970-01-01..2099-12-31")


def test_a_period_whose_trend_runs_out_of_calendar_names_what_was_typed(db, capsys):
    rc, _, err = run(capsys, "report", "--db", str(db), "--from", "1970-01-01", "--to", "2099-12-31", "--trend", "40")
    assert rc == 2 and err.count("\n") == 1
    assert "'1970-01-01..2099-12-31'" in err

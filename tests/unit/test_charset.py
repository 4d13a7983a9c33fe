"""Issue 21: the UTF-8-or-ASCII decision from the user's locale, the ASCII glyph table, and the command line's use.

Every expected value is written out by hand from POSIX's locale rules (LC_ALL, then LC_CTYPE, then LANG; the first
non-empty one decides) and from what each glyph looks like.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.charset import (
    ASCII,
    CELL_GLYPHS,
    UNICODE,
    asciify,
    spark_ascii,
    user_locale,
    utf8_locale,
)
from cockpit.core.text import cell_width
from cockpit.tui.widgets.kpi_tile import change_text


@pytest.mark.parametrize(
    ("env", "utf8"),
    [
        ({}, False),  # nothing set: the C locale
        ({"LANG": "C"}, False),
        ({"LANG": "POSIX"}, False),
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "en_US.utf8"}, True),  # glibc's spelling of the codeset
        ({"LANG": "C.UTF-8"}, True),
        ({"LANG": "de_DE.UTF-8@euro"}, True),  # a modifier after the codeset
        ({"LANG": "de_DE@euro"}, False),  # no codeset: Latin-9
        ({"LANG": "en_US"}, False),  # no codeset: Latin-1
        ({"LANG": "en_US.ISO-8859-1"}, False),
        ({"LANG": "ja_JP.eucJP"}, False),
        ({"LANG": "ru_RU.KOI8-R"}, False),
        ({"LC_CTYPE": "UTF-8"}, True),  # macOS Terminal: a bare codeset, no LANG
        ({"LANG": "", "LC_CTYPE": "", "LC_ALL": ""}, False),  # empty counts as unset
        ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, False),  # LC_ALL overrides everything
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "C"}, True),
        ({"LC_ALL": "", "LC_CTYPE": "C", "LANG": "en_US.UTF-8"}, False),  # empty LC_ALL: LC_CTYPE decides
        ({"LC_CTYPE": "fr_FR.UTF-8", "LANG": "C"}, True),
        ({"LC_CTYPE": "", "LANG": "fr_FR.UTF-8"}, True),
        ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "C"}, False),  # messages are not the character type
        ({"LANG": "en_US.UTF-16"}, False),
    ],
)
def test_the_locale_decides_utf8(env: dict[str, str], utf8: bool) -> None:
    assert utf8_locale(env) is utf8


def test_python_s_c_locale_coercion_is_undone() -> None:
    """Under LANG=C Python writes LC_CTYPE=C.UTF-8 into os.environ at start (PEP 538); what the process started
    with shows it was not the user's."""
    coerced = {"LANG": "C", "LC_CTYPE": "C.UTF-8"}
    assert user_locale(coerced, {"LANG": "C"}) == {"LC_ALL": "", "LC_CTYPE": "", "LANG": "C"}
    assert utf8_locale(user_locale(coerced, {"LANG": "C"})) is False
    # The user's own LC_CTYPE=C.UTF-8 was there at start: kept.
    assert utf8_locale(user_locale(coerced, {"LANG": "C", "LC_CTYPE": "C.UTF-8"})) is True
    # An LC_CTYPE of the user's that is not a coercion target is kept even if changed since (a test's monkeypatch).
    assert user_locale({"LC_CTYPE": "en_US.UTF-8"}, {})["LC_CTYPE"] == "en_US.UTF-8"
    # Where the start environment cannot be read (macOS), the variables are believed.
    assert utf8_locale(user_locale({"LC_CTYPE": "UTF-8"}, None)) is True


@pytest.mark.parametrize(
    ("glyphs", "ascii_text"),
    [
        ("┌─┬─┐", "+-+-+"),
        ("│ ├┼┤ │", "| +++ |"),
        ("└─┴─┘", "+-+-+"),
        ("╭━╮╰═╯", "+-++-+"),  # rounded and heavy and double corners
        ("┃║╎┆", "||||"),
        ("╱╲╳", "/\\X"),
        ("▲▼◀▶←→↑↓▸", "^v<><>^v>"),
        ("…—–·•", ".--.*"),
        ("█▚", "##"),  # ink: a full block, a plot marker
        ("▁▄▇▉▌▏", "      "),  # scrollbar ends: blank
    ],
)
def test_glyphs_become_one_ascii_character_each(glyphs: str, ascii_text: str) -> None:
    assert asciify(glyphs) == ascii_text


def test_the_table_keeps_cells_and_spares_data() -> None:
    for glyph, stand_in in CELL_GLYPHS.items():
        assert not glyph.isascii() and cell_width(glyph) == 1, glyph
        assert len(stand_in) == 1 and stand_in.isascii() and stand_in.isprintable(), glyph
    # Names are data: accents, Korean, a currency sign stay as typed.
    assert asciify("José Álvarez 이서연 €12 Zoë") == "José Álvarez 이서연 €12 Zoë"
    assert asciify("Acme — Renewal…") == "Acme - Renewal."
    assert asciify("plain ascii [b]x") == "plain ascii [b]x"


def test_sparkline_levels_rise_from_the_baseline() -> None:
    assert spark_ascii("▁▂▃▄▅▆▇█") == "__.--==#"
    assert spark_ascii(" ▁█") == " _#"


def test_ascii_glyphs_are_ascii_and_unicode_ones_are_not() -> None:
    for field in ("up", "down", "none", "ellipsis", "selected"):
        assert getattr(ASCII, field).isascii(), field
        assert not getattr(UNICODE, field).isascii(), field
    assert (ASCII.ascii, UNICODE.ascii) == (True, False)


def test_kpi_change_in_ascii() -> None:
    assert change_text("revenue", 200_000, 100_000, "USD", ASCII) == "^$1k"
    assert change_text("win_rate", 0.45, 0.5, "USD", ASCII) == "v5 pt"
    assert change_text("calls", 3, None, "USD", ASCII) == "-"
    assert change_text("calls", 10, 3, "USD") == "▲7"  # the default stays UTF-8


def _report(db: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str) -> str:
    monkeypatch.setenv("LANG", lang)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--period", "2026-11", "--format", fmt]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_report_decoration_follows_the_locale(
    fmt: str, seeded_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-18T10:00:00")
    monkeypatch.setenv("COCKPIT_TZ", "Europe/Paris")
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COLUMNS", "200")
    utf8 = _report(seeded_db, fmt, monkeypatch, capsys, "en_US.UTF-8")
    plain = _report(seeded_db, fmt, monkeypatch, capsys, "C")
    assert "—" in utf8 and "≈" in utf8  # a KPI with no value; the verdict's "customers ≈ opportunities"
    # The same report character for character (so the columns stay), only decoration replaced, each glyph by one
    # ASCII character; the names are data and stay (Zoé, 김민준, Café Lumière).
    assert len(plain) == len(utf8)
    changed = {(u, a) for u, a in zip(utf8, plain, strict=True) if u != a}
    assert {("—", "-"), ("≈", "~")} <= changed
    assert all(not u.isascii() and a.isascii() for u, a in changed), changed
    data = set("김민준Zoé MartinCafé Lumière")
    assert {c for c in plain if not c.isascii()} <= data, {c for c in plain if not c.isascii()} - data
    assert "김민준" in plain and "Zoé Martin" in plain

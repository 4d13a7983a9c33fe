"""Tests for cockpit.core.text: escape sequence stripping, cell widths, truncation and markup escaping."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.markup import escape as rich_escape
from rich.markup import render

from cockpit.core.text import cell_width, clean, escape_markup, truncate


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme Corp", "Acme Corp"),
        (None, ""),
        ("", ""),
        ("\x1b[2J", ""),  # clear screen
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[38;2;255;0;0mtrue\x1b[m colour", "true colour"),
        ("\x1b]52;c;ZXZpbA==\x07note", "note"),  # OSC 52 clipboard write, BEL-terminated
        ("\x1b]0;pwned\x1b\\title", "title"),  # OSC window title, ST-terminated
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # hyperlink
        ("unterminated \x1b]52;c;ZXZpbA==", "unterminated "),
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("\x9b2Jeight-bit", "eight-bit"),  # 8-bit CSI
        ("\x1bcreset", "reset"),  # ESC c: full terminal reset
        ("\x1b(Bcharset", "charset"),
        ("bell\x07", "bell"),
        ("nul\x00byte", "nulbyte"),
        ("back\x08space", "backspace"),
        ("del\x7f", "del"),
        ("line one\nline two", "line one line two"),
        ("crlf\r\nend", "crlf end"),
        ("tab\there", "tab here"),
        ("over\rwrite", "over write"),
        ("\u202eevil\u202c", "evil"),  # right-to-left override
        ("lone escape \x1b", "lone escape "),
        ("[bold]x", "[bold]x"),  # markup is not touched by clean
        ("김민준", "김민준"),
        ("José Ñúñez", "José Ñúñez"),
    ],
)
def test_clean(raw, expected):
    assert clean(raw) == expected


@given(st.text())
def test_clean_leaves_no_control_characters(text):
    out = clean(text)
    assert "\x1b" not in out
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert clean(out) == out  # idempotent


def test_cell_width():
    assert cell_width("Acme") == 4
    assert cell_width("김민준") == 6  # three Hangul syllables, two cells each
    assert cell_width("東京") == 4
    assert cell_width("ＡＢ") == 4  # full-width Latin
    assert cell_width("José") == 4
    assert cell_width("Jose\u0301") == 4  # combining acute accent takes no cell
    assert cell_width("a\u200db") == 2  # zero-width joiner
    assert cell_width("") == 0


@pytest.mark.parametrize(
    ("raw", "max_len", "expected"),
    [
        ("Acme Corporation", 20, "Acme Corporation"),
        ("Acme Corporation", 16, "Acme Corporation"),  # fits exactly
        ("Acme Corporation", 10, "Acme Corp…"),  # 9 cells + ellipsis
        ("김민준 대리", 6, "김민…"),  # 2 + 2 = 4 cells, the next syllable would reach 6 + 1
        ("김민준 대리", 5, "김민…"),
        ("김민준", 6, "김민준"),
        ("김민준", 4, "김…"),  # 2 cells + ellipsis = 3; a second syllable would make 5
        ("abc", 1, "…"),
        ("abc", 0, ""),
        ("line\nbreak here", 8, "line br…"),
        ("\x1b[31mredredred\x1b[0m", 5, "redr…"),  # escapes do not count towards the width
    ],
)
def test_clean_truncates_by_cells(raw, max_len, expected):
    out = clean(raw, max_len=max_len)
    assert out == expected
    assert cell_width(out) <= max_len


@given(st.text(), st.integers(0, 40))
def test_truncate_never_exceeds_the_width(text, max_len):
    out = truncate(clean(text), max_len)
    assert cell_width(out) <= max_len
    if cell_width(clean(text)) <= max_len:
        assert out == clean(text)
    elif max_len > 0:
        assert out.endswith("…")
    else:
        assert out == ""


@pytest.mark.parametrize(
    "raw",
    [
        "[bold]x",
        "[@click=app.quit]Quit[/]",
        "[link=http://evil]x[/link]",
        "[/]",
        "[#ff0000]red",
        "a [b] c",
        "Acme [Korea]",
        "price [USD]",
        "back\\",
        "back\\[bold]x",
        "[1]",
        "no markup",
        "",
    ],
)
def test_escape_markup_matches_rich(raw):
    assert escape_markup(raw) == rich_escape(raw)
    # Rendered as markup, the escaped text shows the original characters, with no style or action. (A
    # trailing backslash is doubled by rich itself so that appended markup stays markup.)
    rendered = render(escape_markup(raw))
    assert rendered.plain == (raw + "\\" if raw.endswith("\\") else raw)
    assert not rendered.spans


def test_escape_markup_examples():
    assert escape_markup("[bold]x") == "\\[bold]x"
    assert escape_markup("[@click=app.quit]") == "\\[@click=app.quit]"


@given(st.text(alphabet=st.sampled_from(list("[]/\\@#=ab bold click"))))
def test_escape_markup_matches_rich_on_random_text(text):
    assert escape_markup(text) == rich_escape(text)


def test_pure_modules_do_not_import_rich_or_textual():
    code = (
        "import sys, cockpit.core.text, cockpit.core.parse, cockpit.core.periods, cockpit.core.errors; "
        "print('rich' in sys.modules or 'textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def _width_by_unicodedata(char: str) -> int:
    """An independent per-character width: zero for combining and format characters, two for East Asian wide and
    full-width ones, one otherwise."""
    import unicodedata

    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


@given(st.text(), st.integers(1, 40))
def test_the_ascii_fast_paths_agree_with_the_per_character_widths(text, max_len):
    """cell_width and truncate take a shortcut for ASCII text (and cache character widths): the results are those of
    the character-by-character rule, on any text (ASCII, controls, wide, combining)."""
    assert cell_width(text) == sum(_width_by_unicodedata(c) for c in text)
    cut = truncate(text, max_len)
    if cell_width(text) <= max_len:
        assert cut == text
    else:
        kept = cut.removesuffix("…")
        assert text.startswith(kept) and cell_width(kept) <= max_len - 1
        # Kept as much as fits: the next character would not.
        assert cell_width(kept) + _width_by_unicodedata(text[len(kept)]) > max_len - 1

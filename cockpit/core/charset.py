"""Whether the user's terminal can show UTF-8, and the ASCII stand-ins for the glyphs the cockpit draws.

The answer comes from the locale the user set, not from ``sys.stdout.encoding``: Python coerces the C locale to
UTF-8 (PEP 538) and so reports UTF-8 under ``LANG=C``, while the terminal (a serial console, an old xterm, a
``LANG=C`` SSH session) still shows each byte of a multi-byte glyph as a cell of garbage.

Only decoration is replaced: box drawing, blocks, arrows, bullets, dashes, ellipses. Names and notes from the
database are data and are shown as they are (a Korean name stays Korean). Every replacement takes exactly the cell
of the glyph it replaces, so a table or a screen keeps its alignment (:func:`asciify`).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ASCII",
    "CELL_GLYPHS",
    "UNICODE",
    "Glyphs",
    "asciify",
    "for_terminal",
    "spark_ascii",
    "terminal_glyphs",
    "terminal_utf8",
    "user_locale",
    "utf8_locale",
]

#: The locale variables that set the character type, in the order POSIX reads them: the first non-empty one wins.
LOCALE_VARIABLES = ("LC_ALL", "LC_CTYPE", "LANG")


def utf8_locale(env: Mapping[str, str]) -> bool:
    """Whether the locale ``env`` sets encodes text as UTF-8.

    ``LC_ALL``, then ``LC_CTYPE``, then ``LANG``: the first one set and non-empty decides (an empty one counts as
    unset, as POSIX says). ``en_US.UTF-8``, ``C.utf8``, ``de_DE.UTF-8@euro`` and a bare ``UTF-8`` (what macOS
    Terminal sets in ``LC_CTYPE``) mean yes; none set, ``C``, ``POSIX``, ``en_US`` (whose codeset is Latin-1) or
    ``en_US.ISO-8859-1`` mean no.
    """
    value = next((env.get(name) for name in LOCALE_VARIABLES if env.get(name)), "")
    codeset = value.split("@", 1)[0]  # a modifier (@euro) follows the codeset
    if "." in codeset:
        codeset = codeset.split(".", 1)[1]
    return codeset.lower().replace("-", "").replace("_", "") == "utf8"


#: What Python's C-locale coercion (PEP 538) sets LC_CTYPE to, in the environment too, when the locale is C/POSIX.
COERCED_CTYPES = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})


def user_locale(env: Mapping[str, str], started: Mapping[str, str] | None) -> dict[str, str]:
    """The locale variables of ``env`` as the user set them, given ``started``, the environment the process started
    with (None where it cannot be read).

    Under ``LANG=C`` Python coerces the locale at start and writes ``LC_CTYPE=C.UTF-8`` into ``os.environ``, which
    would then say UTF-8 for a terminal that is not. An ``LC_CTYPE`` that is a coercion target and was not there
    (or was something else) when the process started is taken back out."""
    out = {name: env.get(name, "") for name in LOCALE_VARIABLES}
    if started is not None and out["LC_CTYPE"] in COERCED_CTYPES and started.get("LC_CTYPE", "") != out["LC_CTYPE"]:
        out["LC_CTYPE"] = started.get("LC_CTYPE", "")
    return out


def startup_environ() -> dict[str, str] | None:
    """The environment this process was started with (Linux: /proc/self/environ, which Python's changes to
    ``os.environ`` do not touch); None elsewhere. (On macOS, ``LC_CTYPE=UTF-8`` with no ``LANG`` is Terminal's
    usual setting, so a coerced ``UTF-8`` cannot be told from the user's own and is believed.)"""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return None
    pairs = (item.partition(b"=") for item in raw.split(b"\0"))
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, sep, value in pairs if sep}


def terminal_utf8() -> bool:
    """Whether the user's locale (this process's environment, Python's coercion undone) is UTF-8."""
    return utf8_locale(user_locale(os.environ, startup_environ()))


def _box_drawing() -> dict[str, str]:
    """U+2500-U+257F by what each line does: only across gives "-", only up/down "|", a corner/tee/cross "+"."""
    table: dict[str, str] = {}
    for code in range(0x2500, 0x2580):
        char = chr(code)
        words = set(unicodedata.name(char).split())
        if "DIAGONAL" in words:
            table[char] = "X" if "CROSS" in words else ("/" if "UPPER RIGHT" in unicodedata.name(char) else "\\")
            continue
        across = bool(words & {"HORIZONTAL", "LEFT", "RIGHT"})
        upright = bool(words & {"VERTICAL", "UP", "DOWN"})
        table[char] = "+" if across and upright else ("-" if across else "|")
    return table


def _blocks() -> dict[str, str]:
    """U+2580-U+259F. The eighths and halves are the ends of Textual's scrollbar thumbs and the sides of its "tall"
    borders: a blank drawn in the same colours shows the thumb one cell shorter, where a "_" or "|" would read as a
    character. The full block and the shades and quadrants (plot markers) are ink: "#"."""
    table = {chr(code): " " for code in range(0x2580, 0x25A0)}
    table.update(dict.fromkeys("█░▒▓▖▗▘▙▚▛▜▝▞▟", "#"))
    return table


#: Every decoration glyph the cockpit, Textual or plotext may draw, with the one ASCII character drawn instead.
CELL_GLYPHS: dict[str, str] = {
    **_box_drawing(),
    **_blocks(),
    # Arrows and triangles: changes, sort order, the selected tile, paging, keys.
    **dict.fromkeys("↑▲△▴▵⇧", "^"),
    **dict.fromkeys("↓▼▽▾▿⇩", "v"),
    **dict.fromkeys("→▶▷▸▹►⇥⇒»›", ">"),
    **dict.fromkeys("←◀◁◂◃◄⇤⇐«‹", "<"),
    "↔": "-",
    "↕": "|",
    "⏎": "J",  # Textual's "enter" (get_key_display spells keys out instead; this is the fallback)
    # Bullets and marks.
    **dict.fromkeys("•●∙◆◇✱✶", "*"),
    **dict.fromkeys("○◯◦⭘", "o"),
    **dict.fromkeys("■□▪▫◧◨◼◻", "#"),
    **dict.fromkeys("✓✔", "+"),
    **dict.fromkeys("✗✘×", "x"),
    # Punctuation: an ellipsis keeps its one cell here; text the cockpit cuts itself ends in "..." (Glyphs).
    "…": ".",
    "·": ".",
    "⋅": ".",
    **dict.fromkeys("—–‒―−", "-"),
    **dict.fromkeys("‘’‚′", "'"),
    **dict.fromkeys("“”„″", '"'),
    "≈": "~",
    "≤": "<",
    "≥": ">",
    "÷": "/",
    # Spaces that are not ASCII spaces (thousands separators some locales use).
    **dict.fromkeys("\u00a0\u2007\u2009\u202f", " "),
}
_CELL_TABLE = str.maketrans(CELL_GLYPHS)


def asciify(text: str) -> str:
    """``text`` with every decoration glyph of :data:`CELL_GLYPHS` replaced by its ASCII character, cell for cell;
    anything else (accents, Korean, currency signs in names) is left as it is."""
    if text.isascii():
        return text
    return text.translate(_CELL_TABLE)


def for_terminal(text: str) -> str:
    """``text`` as the command line prints it under the user's locale: :func:`asciify` unless it is UTF-8."""
    return text if terminal_utf8() else asciify(text)


#: Textual's sparkline bars, lowest to highest, as ASCII levels from the baseline up.
_SPARK_TABLE = str.maketrans("▁▂▃▄▅▆▇█", "__.--==#")


def spark_ascii(bars: str) -> str:
    """Sparkline bars (▁▂▃▄▅▆▇█) as ASCII levels ``_ . - = #``, one cell each."""
    return bars.translate(_SPARK_TABLE)


@dataclass(frozen=True)
class Glyphs:
    """The few glyphs the cockpit's own text is made of, in one character set."""

    ascii: bool
    up: str  # a KPI that rose
    down: str  # a KPI that fell
    none: str  # no value
    ellipsis: str  # the end of text cut to fit
    selected: str  # before the selected tile's label


UNICODE = Glyphs(ascii=False, up="▲", down="▼", none="—", ellipsis="…", selected="▸ ")
ASCII = Glyphs(ascii=True, up="^", down="v", none="-", ellipsis="...", selected="> ")


def terminal_glyphs() -> Glyphs:
    """:data:`UNICODE` when the user's locale is UTF-8 (:func:`terminal_utf8`), else :data:`ASCII`."""
    return UNICODE if terminal_utf8() else ASCII

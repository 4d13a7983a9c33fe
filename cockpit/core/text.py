"""Making stored text safe and measurable for a terminal.

Names, notes and titles come from other people (CSV imports, other reps' entries). Shown raw, an escape
sequence in them could clear the screen, retitle the window or write the clipboard (OSC 52). :func:`clean`
removes every escape sequence and control character; :func:`cell_width` measures in terminal cells (East
Asian wide characters take two). :func:`escape_markup` does what ``rich.markup.escape`` does without
importing rich, so core code and exports can use it. :func:`fold` is the one way names are compared (search, lookups,
imports): without case or accents, in every script (:mod:`cockpit.core.names` looks names up with it).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "cell_width",
    "clean",
    "escape_markup",
    "fold",
    "fold_uncached",
    "inert",
    "inert_json",
    "lookalike",
]

ELLIPSIS = "…"

# String sequences (OSC, DCS, SOS, PM, APC) run to a terminator (BEL or ST) or, unterminated, to the end of
# the text: whatever follows an unterminated one would be swallowed by the terminal anyway.
_STRING_SEQ = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
# CSI: ESC [ or the 8-bit CSI, parameters, intermediates, one final byte.
_CSI_SEQ = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
# Any other escape: ESC, intermediates, one final byte (ESC c resets the terminal, ESC ( B picks a charset).
_OTHER_ESC = r"\x1b[ -/]*[0-~]?"
_ESCAPES = re.compile(f"{_STRING_SEQ}|{_CSI_SEQ}|{_OTHER_ESC}", re.DOTALL)
# Line breaks and tabs separate words: they become one space each (CR LF counts as one break).
_BREAKS = re.compile(r"\r\n|[\n\r\t\v\f\x85\u2028\u2029]")
# Remaining C0 controls, DEL, C1 controls, and the bidirectional overrides that can make a terminal
# show text in a different order than it is stored ("Trojan Source").
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None, *, max_len: int | None = None) -> str:
    """``text`` without escape sequences or control characters, optionally cut to ``max_len`` cells with "…".

    ``None`` gives ``""``. Newlines and tabs become spaces; nothing else is added.
    """
    if not text:
        return ""
    out = _ESCAPES.sub("", str(text))
    out = _BREAKS.sub(" ", out)
    out = _CONTROLS.sub("", out)
    if max_len is not None:
        out = truncate(out, max_len)
    return out


def inert(text: str) -> str:
    """``text`` made safe to print on a terminal: :func:`clean` on each line, the line breaks kept.

    For the command line's output (reports, import summaries), which has lines of its own."""
    return "\n".join(clean(line) for line in str(text).split("\n"))


# In JSON text, the controls json.dumps leaves raw when ensure_ascii is off: DEL, C1 and the bidi overrides (C0
# controls are always escaped). They can only stand inside strings, where a \u escape means the same character.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def inert_json(text: str) -> str:
    """JSON text with every control character as a ``\\uXXXX`` escape: the same data, nothing a terminal acts on."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def truncate(text: str, max_len: int) -> str:
    """``text`` cut to at most ``max_len`` terminal cells, ending in "…" when something was cut."""
    if cell_width(text) <= max_len:
        return text  # even at 0 cells: a text of zero-width characters only (a soft hyphen) fits whole
    if max_len <= 0:
        return ""
    budget = max_len - 1  # room for the ellipsis
    if text.isascii():  # one cell a character
        return text[:budget] + ELLIPSIS
    used = 0
    kept: list[str] = []
    for char in text:
        width = _char_width(char)
        if used + width > budget:
            break
        kept.append(char)
        used += width
    return "".join(kept) + ELLIPSIS


@functools.lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0  # accents, zero-width joiners and spaces sit on the previous cell
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def cell_width(text: str) -> int:
    """Number of terminal cells ``text`` occupies (East Asian wide and full-width characters count 2)."""
    if text.isascii():  # every ASCII character, printable or not, counts one cell below
        return len(text)
    return sum(_char_width(char) for char in text)


# The pattern of rich.markup.escape (rich 13-15): a bracket followed by what could start a tag.
_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape_markup(text: str) -> str:
    """Escape ``text`` so Rich/Textual markup shows it literally, exactly as ``rich.markup.escape`` does."""

    def escape_backslashes(match: re.Match[str]) -> str:
        # Backslashes before a tag are doubled so they stay literal, then one more escapes the bracket.
        backslashes, tag = match.groups()
        return f"{backslashes}{backslashes}\\{tag}"

    escaped = _MARKUP_TAG.sub(escape_backslashes, text)
    # A trailing lone backslash would escape whatever markup the caller appends next.
    if escaped.endswith("\\") and not escaped.endswith("\\\\"):
        return escaped + "\\"
    return escaped


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 deal``, ``2 deals``, ``1,200 business days`` (``nouns`` when the plural is not noun + s)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


# Letters that carry their "accent" in the letter itself (no combining mark to drop under NFKD): what people type
# without them on a keyboard that lacks them (Søren as Soren, Łódź as Lodz).
# The combining diacritical marks (accents, cedillas, umlauts) of the Latin, Greek and Cyrillic scripts.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """:func:`fold_uncached`, remembered for the names looked up again and again (a rep's, a stage's)."""
    return fold_uncached(text)


def fold_uncached(text: str) -> str:
    """``text`` as names are compared: no case, no accents, one space between words (``Zoë  Müller`` → ``zoe muller``).

    NFKD splits accented letters into letter + combining mark and the diacritical marks are dropped; NFC then puts
    back what NFKD took apart without a mark to drop, so Hangul syllables (decomposed into jamo) come back whole:
    ``박지훈`` folds to itself. Only the diacritics blocks are dropped: the marks of other scripts (Japanese
    voicing marks, Indic vowel signs) spell a different name, not an accented one. Deterministic, so SQLite may
    call it (the store registers it as ``fold()``)."""
    if text.isascii():  # most names: no accents to drop
        return " ".join(text.casefold().split())
    # Case before and after: casefold can add a mark (İ is i + a dot above) for the next step to drop, and NFKD can
    # make capitals of other forms (𝕊 is S).
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = _DIACRITICS.sub("", decomposed)
    return " ".join(unicodedata.normalize("NFC", bare).casefold().translate(_LETTERS).split())


def lookalike(name: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` that ``name`` probably means but does not spell so: equal folded (``Google Ads`` typed
    ``google ads`` is not one: equal but for case is the same name) or but for a plural ``s`` (``Google Ad``).

    None when ``name`` is blank, is one of ``names`` but for case, or looks like none of them. For the cost channels,
    where a second spelling would split the cost of a channel (and its CAC) in two."""
    wanted = " ".join(name.split())
    key = fold(wanted)
    if not key:
        return None
    names = list(names)
    if any(other.casefold() == wanted.casefold() for other in names):
        return None
    for other in names:
        folded = fold(other)
        if key in (folded, folded + "s") or folded == key + "s":
            return other
    return None

"""Drawing in ASCII where the locale cannot show UTF-8 (issue 21): a line filter and key names.

The cockpit's own widgets draw ASCII glyphs themselves (:class:`cockpit.core.charset.Glyphs`) and the stylesheet
switches the borders to Textual's ``ascii`` type (``App.-ascii``). What is left (Textual's scrollbars, key
names, toasts, the command palette, text cut with "…" anywhere) goes through :class:`AsciiFilter`, the last step
before a widget's lines reach the screen, so no decoration glyph can slip through.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.dom import DOMNode
from textual.filter import LineFilter

from cockpit.core.charset import UNICODE, Glyphs, asciify


class AsciiFilter(LineFilter):
    """Replaces each decoration glyph by its ASCII character, cell for cell (:func:`~cockpit.core.charset.asciify`);
    data (names, accents, Korean) passes unchanged."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # Textual caches a strip's filtered copy, so this runs once per changed line, not once per frame.
        return [
            segment if control or text.isascii() else Segment(asciify(text), style, control)
            for segment in segments
            for text, style, control in (segment,)
        ]


def ascii_key_display(display: str, binding: Binding) -> str:
    """A key as the footer and help show it, spelled in ASCII when Textual drew a symbol (⏎ → enter, ← → left)."""
    if display.isascii():
        return display
    modifiers, key = binding.parse_key()
    return "+".join([*("^" if m == "ctrl" else m for m in modifiers), key]).replace("^+", "^")


def glyphs(node: DOMNode) -> Glyphs:
    """The glyphs of the app ``node`` is in (the UTF-8 ones in an app other than the cockpit, e.g. a test harness)."""
    app: App[object] = node.app
    return getattr(app, "glyphs", UNICODE)

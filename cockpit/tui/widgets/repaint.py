"""Repaint only what changed: a text widget or a table cell is updated only when what it would draw differs.

An update repaints the widget's whole box (a Static's update lays the screen out again), and every repainted cell
crosses the wire to the terminal: a live refresh that changed one number must not send the panes whose text it left
as it was."""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def same_text(shown: object, new: object) -> bool:
    """Whether ``shown`` draws as ``new`` does (rich's own ``Text ==`` ignores the style and the justification)."""
    if isinstance(shown, Text) and isinstance(new, Text):
        return (shown.plain, shown.style, shown.justify, shown.spans) == (new.plain, new.style, new.justify, new.spans)
    return isinstance(shown, str) and isinstance(new, str) and shown == new


def show_text(static: Static, content: VisualType) -> None:
    """``static.update(content)`` unless it already shows that."""
    if not same_text(static.content, content):
        static.update(content)

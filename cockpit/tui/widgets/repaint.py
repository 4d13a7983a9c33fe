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
    """``static.update(content)`` unless it already shows that, laying the screen out again only when the new text
    takes another height.

    ``Static.update`` lays the whole screen out by default, and a layout repaints the scrollbars of every scrolling
    table on it (Textual 8.2.8 measured: ~1 KB a layout at 120x40 with two); a line whose number changed keeps its
    height. ``update(layout=False)`` is Textual's public way to say so ("if you are certain the size won't change"):
    the height is measured at the width the text is laid out at, before and after, and the layout done when it
    differs. A widget whose width follows its text is always laid out again."""
    if same_text(static.content, content):
        return
    width = static.size.width
    if not static.is_mounted or not width or _width_follows_text(static):
        static.update(content)
        return
    screen = static.screen.size
    before = static.get_content_height(screen, screen, width)
    static.update(content, layout=False)
    if static.get_content_height(screen, screen, width) != before:
        static.refresh(layout=True)


def _width_follows_text(static: Static) -> bool:
    width = static.styles.width  # None: the widget fills its container's width
    return width is not None and width.is_auto

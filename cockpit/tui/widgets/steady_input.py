"""An input line whose cursor does not blink.

Textual's Input blinks its cursor twice a second while it has the focus, and every blink is a repaint sent to the
terminal: a form or the quick-entry line left open sent 0.4-3.3 KB a second down an SSH link for as long as it stayed
open (measured in a 120×40 pty). An idle cockpit sends nothing, so every line the cockpit types into is this one.
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Input

__all__ = ["SteadyInput"]


class SteadyInput(Input):
    """:class:`~textual.widgets.Input` with a steady cursor (shown while it has the focus, never toggled)."""

    cursor_blink = reactive(False, init=False)

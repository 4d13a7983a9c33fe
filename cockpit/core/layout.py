"""Fitting columns of text into the width a terminal pane has (no Textual here): what to cut, and how far."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["LAST_RESORT", "fit_widths"]

#: The narrowest a cut column gets: two characters and the ellipsis.
LAST_RESORT = 3


def fit_widths(
    natural: Sequence[int],
    minimum: Sequence[int],
    cut_order: Sequence[int],
    room: int,
    narrowest: Sequence[int] | None = None,
) -> list[int]:
    """Column widths that fit in ``room`` cells: each column as wide as its text (``natural``), the columns named in
    ``cut_order`` (indexes, least useful first) narrowed one after the other, each no further than its ``minimum``,
    until the whole fits. A column not in ``cut_order`` is never narrowed (numbers, short codes).

    When even the minimums do not fit, the same columns are cut again, in the same order, down to ``LAST_RESORT``
    cells ("Ac…"), or each column's ``narrowest`` (its header's width): a glimpse beats a table scrolled sideways.
    Past that the table is wider than the room, and its
    container scrolls it (never drawn over)."""
    widths = list(natural)
    excess = sum(widths) - room
    last = [max(LAST_RESORT, n) for n in narrowest] if narrowest is not None else [LAST_RESORT] * len(widths)
    for floor in (minimum, last):
        for index in cut_order:
            if excess <= 0:
                return widths
            cut = min(excess, max(widths[index] - floor[index], 0))
            widths[index] -= cut
            excess -= cut
    return widths

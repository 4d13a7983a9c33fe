"""SVG snapshots of a deal's page (issue 21) at 80x24 and 120x40, on the seeded database with the frozen clock.

Wayne expansion (Ana Lima's, proposal) has everything a page shows: stage history, three follow-ups (one overdue),
calls with a note holding markup, an audit trail. Opened the way a user does: Ana's drill-down, tab to her open
deals, Enter. The second snapshot is the page of a deal just voided from it (the banner and the trail say so).
"""

from __future__ import annotations

import pytest

from tests.tui.test_snapshots import SIZES, Typed, keys

TO_WAYNE = ("down", "enter", "tab", "tab", "enter")  # Ana's drill-down, her open deals, Wayne expansion


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_deal_page(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys(*TO_WAYNE))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_deal_page_voided(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    void = ("x", Typed("duplicate"), "ctrl+s")
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys(*TO_WAYNE, *void))

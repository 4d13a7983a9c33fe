"""SVG snapshots of the screens name matching changes: quick entry offering the accounts an ambiguous name matches,
and search finding an accented account typed without its accent (seeded database, frozen clock, 80x24 and 120x40)."""

from __future__ import annotations

import pytest

from tests.tui.test_snapshots import SIZES, Typed, keys


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_quick_entry_ambiguous_account_list(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    # "w" is Wayne Enterprises and Wonka: Enter offers both, the first highlighted.
    presses = ("colon", Typed("call w connected"), "enter")
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys(*presses))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_search_without_accents(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys("slash", Typed("cafe")))

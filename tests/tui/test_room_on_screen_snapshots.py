"""Snapshots of issue 21's screens at 80x24 and 120x40 (frozen clock): the column chooser, the scorecards with a
column added, the custom range dialog, and a month without quotas (the drill-down's tables cut to their boxes are
test_snapshots.py's test_demo_rep_drill_down)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.test_snapshots import SIZES, keys


@pytest.fixture(autouse=True)
def _own_preferences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_PREFERENCES", str(tmp_path / "prefs.json"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_column_chooser(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys("o"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_scorecards_with_lost_added(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    presses = ("o", "down", "down", "down", "down", "space", "ctrl+s")
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys(*presses))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_custom_range_dialog(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys("p", "end", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_month_without_quotas(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    presses = ("left_square_bracket", "left_square_bracket", "left_square_bracket", "dollar_sign")
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys(*presses))

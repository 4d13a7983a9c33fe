"""SVG snapshots of every cockpit screen at 80x24 and 120x40, on the seeded database with a frozen clock.

Update after a deliberate change with ``pytest tests/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.support import settle, settle_screen, type_text

SIZES = [(80, 24), (120, 40)]


class Typed(str):
    """Characters typed as one burst into the focused field (tests.support.type_text), not a key's name."""


def keys(*presses: str):
    """Press each key (or type each ``Typed`` text), letting the app settle after each, then settle the screen."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        for key in presses:
            if isinstance(key, Typed):
                await type_text(pilot, key)
            else:
                await pilot.press(key)
            await settle(pilot)
        await settle_screen(pilot)  # the screen the snapshot takes is the settled one

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_team_cockpit(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_team_cockpit_pipeline_pane(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys("tab"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rep_drill_down(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys("down", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_my_day(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Ana Lima"), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, make_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_cockpit("Max Boss"), terminal_size=size, run_before=keys("question_mark"))


# ---------------------------------------------------------------------------------------- on the demo data


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_team_cockpit(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit(), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_rep_drill_down(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit(), terminal_size=size, run_before=keys("down", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_my_day(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit("Ana Torres"), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_insights(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit(), terminal_size=size, run_before=keys("i"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_help(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit(), terminal_size=size, run_before=keys("question_mark"))

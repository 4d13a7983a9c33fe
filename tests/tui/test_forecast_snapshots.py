"""SVG snapshots of the forecast on screen (issue 23) at 80x24 and 120x40, on the demo data with the frozen clock.

The insights screen's forecast section (figures and backtest), then its waterfall chart and slipped deals, each
scrolled to the top of the view. The KPI strip's forecast tile and My day's forecast lines are in the team cockpit's
and My day's snapshots (tests/tui/test_snapshots.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support import settle, settle_screen
from tests.tui.test_snapshots import SIZES


def insights_at(widget_id: str) -> Callable[[Pilot], Coroutine[Any, Any, None]]:
    """Open the insights screen (i) and scroll ``widget_id`` to the top of the view."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        pilot.app.screen.query_one(f"#{widget_id}").scroll_visible(top=True, animate=False)
        await settle_screen(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_insights_forecast(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit(), terminal_size=size, run_before=insights_at("forecast-title"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_insights_waterfall_and_slipped(snap_compare, make_demo_cockpit, size: tuple[int, int]) -> None:
    assert snap_compare(make_demo_cockpit(), terminal_size=size, run_before=insights_at("movement-title"))

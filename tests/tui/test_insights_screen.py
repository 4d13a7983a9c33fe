"""The insights screen and its widgets, in a minimal app (the real app wires the screen to the key ``i``)."""

from __future__ import annotations

import asyncio

import pendulum
import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

from cockpit.core.insights import Insights, compute_insights
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.tui.screens.insights import InsightsScreen
from cockpit.tui.widgets.diagnosis import DiagnosisList, PacePlan
from tests.support.insights_db import mix_db


def insights_for(path, period: str = "2026-10") -> Insights:
    store = mix_db(path)
    dash = dashboard(store, parse_period(period, tz="UTC"), trend=5)
    return compute_insights(store, dash, now=pendulum.datetime(2026, 11, 20, 12, tz="UTC"), currency="USD")


class InsightsApp(App[None]):
    def __init__(self, insights: Insights | None) -> None:
        super().__init__()
        self.data = insights

    def on_mount(self) -> None:
        self.push_screen(InsightsScreen(self.data, title="Insights · 2026-10"))


def plain(widget) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


def test_screen_shows_every_part(tmp_path) -> None:
    asyncio.run(_screen_shows_every_part(insights_for(tmp_path / "s.db")))


async def _screen_shows_every_part(data: Insights) -> None:
    app = InsightsApp(data)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        # October is over on 20 November: Ana sold $130,000 against a $50,000 quota.
        assert "Period over: beat quota by $80k." in plain(screen.query_one(PacePlan))
        channels = screen.query_one("#insights-channels", DataTable)
        assert channels.row_count == len(data.channels) == 4
        names = {str(channels.get_row_at(i)[0]) for i in range(channels.row_count)}
        assert {n.casefold() for n in names} == {"linkedin", "referral", "event", "webinar"}
        funnel = screen.query_one("#insights-funnel", DataTable)
        assert funnel.row_count == 4  # the team's four open stages
        await pilot.press("r")  # each rep's funnel under the team's: Ana's four stages
        assert funnel.row_count == 8
        await pilot.press("escape")
        assert not isinstance(app.screen, InsightsScreen)


def test_names_are_literal_text_not_markup() -> None:
    asyncio.run(_names_are_literal_text())


async def _names_are_literal_text() -> None:
    app = InsightsApp(None)
    async with app.run_test(size=(80, 24)):
        pace_plan = app.screen.query_one(PacePlan)
        assert "no data yet" in plain(pace_plan)
        pace_plan.show(None, None, label="[bold red]Eve[/]")
        assert "[bold red]Eve[/]" in plain(pace_plan)
        diagnosis = app.screen.query_one(DiagnosisList)
        assert "No strong signal" in plain(diagnosis)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot(snap_compare, tmp_path, size: tuple[int, int]) -> None:
    assert snap_compare(InsightsApp(insights_for(tmp_path / "snap.db")), terminal_size=size)


def test_insights_given_before_the_screen_is_mounted_are_the_ones_it_shows(tmp_path) -> None:
    asyncio.run(_given_before_mount(insights_for(tmp_path / "m.db")))


async def _given_before_mount(data: Insights) -> None:
    """The app hands the open insights screen each new snapshot's insights; one may land between the push and the
    mount. The screen keeps it (and its title) and shows it when mounted, instead of failing to find its widgets."""
    app = InsightsApp(None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = InsightsScreen(None, title="Insights · old")
        screen.show(data, title="Insights · 2026-10 · all teams")  # not mounted: nothing to query yet
        await app.push_screen(screen)
        await pilot.pause()
        assert plain(screen.query_one("#insights-title")) == "Insights · 2026-10 · all teams"
        assert screen.query_one("#insights-channels", DataTable).row_count == len(data.channels) == 4


def test_a_frame_drawn_before_the_rows_are_measured_does_not_stay(tmp_path) -> None:
    """The screen refills its tables at each refresh; a frame drawn between the refill and DataTable's measuring of
    the new rows (the first paint races with it) drew the header at its labels' widths, and a plain DataTable kept
    that line cached after the columns widened (a flaky snapshot showed it: "Channel  Opps" over wider rows)."""
    asyncio.run(_frame_before_measure(insights_for(tmp_path / "s.db")))


async def _frame_before_measure(data: Insights) -> None:
    app = InsightsApp(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        for table_id in ("#insights-channels", "#insights-segments", "#insights-funnel"):
            table = screen.query_one(table_id, DataTable)
            measured = [table.render_line(y).text for y in range(table.row_count + 1)]
            assert measured[0].split()[0] in {"Channel", "Segment", "Who"}
            screen.show(data)  # the same insights again: every table cleared and filled
            table.render_line(0)  # a frame before the new rows are measured
            await pilot.pause()
            assert [table.render_line(y).text for y in range(table.row_count + 1)] == measured

"""The insights screen opens with the verdict, then problems and strengths apart (issue 22), at 80x24.

The data: tests/support/verdict_teams.py's team (six reps' opportunities down 40% in November, Ana Torres's
conversion collapsed), written to a real SQLite file and read by ``kpi.dashboard`` and ``compute_insights``.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pendulum
from rich.text import Text
from textual.app import App

from cockpit.core.diagnosis import Signal
from cockpit.core.insights import Insights, compute_insights
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.tui.screens.insights import InsightsScreen
from cockpit.tui.widgets.diagnosis import DiagnosisList, PacePlan, VerdictView
from tests.support.verdict_teams import drop_and_collapse_db

AFTER = pendulum.datetime(2027, 1, 15, 12, tz="UTC")


def team_insights(path) -> Insights:
    store, _reps = drop_and_collapse_db(path)
    try:
        dash = dashboard(store, parse_period("2026-11", tz="UTC"), trend=12)
        return compute_insights(store, dash, now=AFTER, currency="USD")
    finally:
        store.close()


class InsightsApp(App[None]):
    def __init__(self, insights: Insights | None) -> None:
        super().__init__()
        self.data = insights

    def on_mount(self) -> None:
        self.push_screen(InsightsScreen(self.data, title="Insights · 2026-11 · all teams"))


def plain(widget) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


def signal(kpi: str, rep: str, direction: str, worse: bool, impact: int, message: str) -> Signal:
    return Signal(kpi, "rep", rep, direction, 0.1, 0.2, -3.0, message, rep_id=1, impact=impact, worse=worse)


def test_the_verdict_comes_first_and_reads_at_80x24(tmp_path) -> None:
    asyncio.run(_verdict_first(team_insights(tmp_path / "t.db")))


async def _verdict_first(data: Insights) -> None:
    assert data.verdict is not None
    app = InsightsApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        verdict = screen.query_one(VerdictView)
        assert plain(verdict) == data.verdict.message
        assert plain(verdict).startswith("November is $124k (62%) short of quota, $104k below a usual month.")
        assert "almost all Ana Torres" in plain(verdict) and "6 of 7 reps" in plain(verdict)
        # First under the title, above the pace; all of it on the first screen of an 80x24 terminal.
        order = [w.id for w in screen.query("VerticalScroll > *")]
        assert order[:3] == ["insights-title", "insights-verdict", "insights-pace"]
        assert verdict.region.y + verdict.region.height <= 24 - 1  # above the footer
        assert verdict.region.height <= 8  # one short paragraph
        assert screen.query_one(PacePlan).region.y > verdict.region.y


def test_problems_and_strengths_are_apart_in_the_given_order(tmp_path) -> None:
    data = team_insights(tmp_path / "p.db")
    signals = (
        signal("win_rate", "Ana", "down", True, -50_000_00, "Win rate: Ana down — talk to Ana"),
        signal("calls", "Cy", "down", True, 0, "Calls: Cy down — talk to Cy"),
        signal("avg_deal_size", "Bo", "up", False, 30_000_00, "Avg deal: Bo up — worth a look"),
    )
    asyncio.run(_apart(dataclasses.replace(data, diagnosis=signals)))


async def _apart(data: Insights) -> None:
    strengths_only = data.diagnosis[2:]
    app = InsightsApp(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        problems = plain(screen.query_one("#insights-problems", DiagnosisList)).split("\n")
        strengths = plain(screen.query_one("#insights-strengths", DiagnosisList)).split("\n")
        assert problems == ["REP  ▼ Win rate: Ana down — talk to Ana", "REP  ▼ Calls: Cy down — talk to Cy"]
        assert strengths == ["REP  ▲ Avg deal: Bo up — worth a look"]
        assert plain(screen.query_one("#insights-problems-title")) == "Problems"
        assert plain(screen.query_one("#insights-strengths-title")) == "Strengths"
        # Nothing at all: one line says so, and the strengths heading goes away.
        screen.show(dataclasses.replace(data, diagnosis=()))
        await pilot.pause()
        assert plain(screen.query_one("#insights-problems", DiagnosisList)).startswith("No strong signal")
        assert not screen.query_one("#insights-strengths").display
        assert not screen.query_one("#insights-strengths-title").display
        # Only strengths: the problems list says none stands out.
        screen.show(dataclasses.replace(data, diagnosis=strengths_only))
        await pilot.pause()
        assert plain(screen.query_one("#insights-problems", DiagnosisList)) == "No problem stands out."
        assert screen.query_one("#insights-strengths").display
        assert plain(screen.query_one("#insights-strengths", DiagnosisList)) == "REP  ▲ Avg deal: Bo up — worth a look"


def test_a_verdict_naming_markup_shows_it_literally(tmp_path) -> None:
    data = team_insights(tmp_path / "m.db")
    assert data.verdict is not None
    hostile = dataclasses.replace(data.verdict, message="November is short. $5k is conversion, [bold red]Eve[/].")
    asyncio.run(_literal(dataclasses.replace(data, verdict=hostile)))


async def _literal(data: Insights) -> None:
    app = InsightsApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = plain(app.screen.query_one(VerdictView))
        assert text == "November is short. $5k is conversion, [bold red]Eve[/]."
        app.screen.show(None)
        await pilot.pause()
        assert plain(app.screen.query_one(VerdictView)) == "No verdict yet."

"""The forecast on screen (issue 23) draws `cockpit report`'s figures: the KPI strip's forecast tile, the insights
screen's forecast section (backtest, MAPE, waterfall, slipped deals; Enter opens a slipped deal's page) and My day's
forecast line.

On the demo data (8 reps, a year of deals, the clock frozen on Wednesday 18 November 2026). The report comes from
the command line (``cockpit report --format json`` with its own store, COCKPIT_NOW, no KPI cache file), as in
test_panes_match_report.py; its money is formatted with the public display helper the screens use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.tui.screens.deal import DealScreen
from cockpit.tui.screens.insights import InsightsScreen
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.widgets.forecast import BacktestTable, SlippedTable
from cockpit.tui.widgets.kpi_tile import KpiStrip
from tests.support import FROZEN_NOW, TZ, settle, until
from tests.support.panes import cli_environment, cli_report, drawn_tiles, money, static_text, table_lines


@pytest.fixture
def cli(tmp_path: Path):  # noqa: ANN201
    """``cockpit report`` on the app's database (make_demo_cockpit's copy), run as from a shell."""

    def run(*args: str) -> dict:
        with cli_environment(FROZEN_NOW.to_iso8601_string(), TZ, tmp_path / "no-config.toml"):
            return cli_report(tmp_path / "demo.db", *args)

    return run


def forecast_tile(strip: KpiStrip) -> tuple[str, str, str]:
    """The forecast tile's label, value and range lines as drawn, and its last line."""
    tile = next(t for t in drawn_tiles(strip) if t.kpi == "forecast")
    return tile.label, tile.value, tile.change


async def test_tile_and_insights_section_draw_the_reports_forecast(make_demo_cockpit, cli) -> None:
    report = cli()["team"]["forecast"]
    app = make_demo_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        strip = app.screen.query_one(KpiStrip)
        label, value, span = forecast_tile(strip)
        # 80 columns: two rows of six tiles, each 12 cells; the range drops the second currency sign when needed.
        assert (label, value) == ("Forecast", money(report["p50"]))
        low, high = money(report["p10"]), money(report["p90"])
        assert span in (f"{low}–{high}", f"{low}–{high.removeprefix('$')}", f"{low[1:]}–{high[1:]}")
        assert strip.size.height == 8  # still two rows of tiles at 80x24

        # The insights screen: the backtest table, MAPE and bias, the waterfall's figures, the slipped deals.
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        figures = static_text(screen.query_one("#forecast-figures"))
        assert f"P50 {money(report['p50'])}" in figures and f"best case {money(report['best_case'])}" in figures
        assert report["basis"]["message"] in figures.replace("\n", " ")
        rows = table_lines(screen.query_one(BacktestTable))
        expected = [
            [
                p["period"],
                money(p["forecast"]),
                money(p["actual"]),
                ("+" if p["error"] > 0 else "-") + money(abs(p["error"])),
            ]
            for p in report["backtest"]
        ]
        assert len(report["backtest"]) == 6 and [r[:4] for r in rows] == expected
        accuracy = static_text(screen.query_one("#forecast-accuracy"))
        assert accuracy.startswith(f"MAPE {round(report['mape'] * 100)}% · bias +{round(report['bias'] * 100)}%")

        full = cli()
        moved = full["movement"]["team"]
        movement = static_text(screen.query_one("#movement-figures"))
        assert movement.startswith(f"Start {money(moved['open_start']['value'])} ({moved['open_start']['count']})")
        assert movement.endswith(f"End {money(moved['open_end']['value'])} ({moved['open_end']['count']})")
        slipped = full["slipped"]
        table = screen.query_one(SlippedTable)
        drawn = table_lines(table)
        # Most days first, as the report; a long title is cut with "…".
        assert slipped and len(drawn) == len(slipped)
        for row, deal in zip(drawn, slipped, strict=True):
            assert row[0] == deal["title"] or (row[0].endswith("…") and deal["title"].startswith(row[0][:-1]))
        assert [r[-1] for r in drawn] == [f"{s['reason']} {s['days']}d" for s in slipped]

        # Enter on the second slipped deal opens its page.
        table.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == slipped[1]["deal_id"]


async def test_period_change_shows_that_periods_forecast_and_an_unchanged_read_reruns_nothing(
    make_demo_cockpit, cli, monkeypatch
) -> None:
    import cockpit.tui.app as app_module

    runs: list[object] = []
    real = app_module.forecast_view
    monkeypatch.setattr(app_module, "forecast_view", lambda store, ask, now: runs.append(ask) or real(store, ask, now))
    october = cli("--period", "2026-10")["team"]["forecast"]
    app = make_demo_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.forecast
        assert first is not None and len(runs) == 1
        app.refresh_data()  # a refresh that finds nothing new: no new forecast run
        await settle(pilot)
        assert app.forecast is first and len(runs) == 1
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert len(runs) == 2
        label, value, span = forecast_tile(app.screen.query_one(KpiStrip))
        # October is over: the forecast is what was won, the range line says so.
        assert october["complete"] and (value, span) == (money(october["won"]), "final")  # 9-10 cells at 120


async def test_my_day_shows_the_reps_own_forecast_and_slipped_deals(make_demo_cockpit, cli) -> None:
    full = cli()
    rep = next(s["rep"] for s in full["slipped"])  # a rep with a slipped deal
    mine = cli("--rep", rep)["reps"][0]["forecast"]
    app = make_demo_cockpit(as_rep=rep)  # a rep starts on their own day
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        lines = app.screen.query_one("#myday-forecast")
        await until(pilot, lambda: "computing" not in static_text(lines))  # the forecast runs after the first frame
        first, second = static_text(lines).split("\n")
        quota = f"quota {money(mine['quota'])}" if mine["quota"] else "no quota"
        assert first == f"Forecast {money(mine['p50'])} (P10 {money(mine['p10'])} – P90 {money(mine['p90'])}) · {quota}"
        theirs = [s for s in full["slipped"] if s["rep"] == rep]
        assert second.startswith(f"Slipped: {len(theirs)} deal") and theirs[0]["title"][:20] in second

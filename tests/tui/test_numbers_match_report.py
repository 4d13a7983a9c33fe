"""Every number in the scorecards and KPI tiles equals `cockpit report` for the same period and filter.

The report is the command line's (``cockpit report --format json``); tests/tui/test_panes_match_report.py does the
same for every pane over five scopes of the demo data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.report import display_value
from cockpit.tui.widgets.kpi_tile import KpiStrip
from cockpit.tui.widgets.scorecard import SCORE_COLUMNS, TEAM_KEY, Scorecards
from tests.support import FROZEN_NOW, TZ, settle
from tests.support.panes import cli_environment, cli_report, minor, row_value, shown


@pytest.mark.parametrize("team", [None, "South"])
async def test_scorecards_equal_the_report(make_cockpit, db_path: Path, tmp_path: Path, team: str | None) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        if team:
            app.team = team
            await settle(pilot)
        with cli_environment(FROZEN_NOW.to_iso8601_string(), TZ, tmp_path / "no-config.toml"):
            report = cli_report(db_path, "--period", "2026-11", *(["--team", team] if team else []))
        table = app.screen.query_one(Scorecards)
        by_name = {row["rep"]: row for row in report["reps"]}
        assert len(table.ordered_rep_ids()) == len(by_name)
        for rep_id in table.ordered_rep_ids():
            cells = [c.plain for c in table.get_row(str(rep_id))]
            row = by_name[cells[0]]
            assert cells[1:] == [shown(k, row_value(row, k)) for k, _ in SCORE_COLUMNS]
        team_cells = [c.plain for c in table.get_row(TEAM_KEY)]
        assert team_cells[1:] == [shown(k, row_value(report["team"], k)) for k, _ in SCORE_COLUMNS]
        tiles = app.screen.query_one(KpiStrip).tiles
        assert len(tiles) == 11  # nine headline KPIs, the pace and the forecast (issue 23: its P50)
        for kpi, tile in tiles.items():
            if kpi == "forecast":
                assert tile.value == minor("revenue", report["team"]["forecast"]["p50"])
                continue
            value = report["team"]["pace"]["pace"] if kpi == "pace" else minor(kpi, report["team"][kpi])
            assert display_value(kpi, tile.value, "USD") == display_value(kpi, value, "USD")


async def test_numbers_worked_by_hand(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        ana = app.store.rep_by_name("Ana Lima").id
        cells = [c.plain for c in table.get_row(str(ana))]
        # Ana in November: won $12,000 + $3,000 = $15k of a $20,000 quota = 75%; 2 won, 0 lost -> 100% win rate.
        assert [cells[i] for i in (0, 1, 2, 4, 5, 6)] == ["Ana Lima", "$15k", "75%", "2", "1", "100%"]
        team = [c.plain for c in table.get_row(TEAM_KEY)]
        # Team: $15k + $8k + $5k = $28k of 4 x $20,000 = $80,000 -> 35%; won 4, lost 1 -> 80%.
        assert [team[i] for i in (1, 2, 4, 5, 6)] == ["$28k", "35%", "4", "1", "80%"]


async def test_the_pace_tile_says_no_quota_in_a_period_without_quota(make_cockpit) -> None:
    # Quotas exist for September to November only; December has none, so nothing was "reached".
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        strip = app.screen.query_one(KpiStrip)
        assert strip.tiles["pace"].note == "gap $52k"  # November: $28k of $80k
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.snapshot.dashboard.period.label == "2026-12"
        pace = strip.tiles["pace"]
        assert (pace.value, pace.note) == (None, "no quota")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_each_sparkline_bar_is_one_period_and_the_last_is_the_current_one(make_cockpit, size) -> None:
    # Textual's Sparkline spreads the values over the tile's width; with 10-11 cells for 12 periods it drew the
    # larger of two neighbours, so a fall in the current period did not show at 120 columns.
    from cockpit.tui.widgets.kpi_tile import TILE_HEIGHT, tile_columns

    bars = "▁▂▃▄▅▆▇█"
    app = make_cockpit()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        strip = app.screen.query_one(KpiStrip)
        columns = strip._columns()
        cells = tile_columns(strip.content_size.width, columns)
        for index, (kpi, tile) in enumerate(strip.tiles.items()):
            if kpi == "forecast":
                continue  # no trend: its last line is the quota (tests/tui/test_forecast_on_screen.py)
            offset, width = cells[index % columns]
            line = strip.render_line((index // columns) * TILE_HEIGHT + TILE_HEIGHT - 1).text
            drawn = line[offset : offset + width]
            shown = list(tile.trend)[-width:]
            assert len(tile.trend) == 12 and drawn == drawn.rjust(width)  # blanks only on the left
            assert len(drawn.strip()) == len(shown), kpi  # one bar a period
            low, high = min(shown), max(shown)
            # The last bar's height, from the shown values alone: (v - min) / (max - min) of the 8 bar heights.
            expected = bars[min(7, int((shown[-1] - low) / ((high - low) or 1) * 7))]
            assert drawn[-1] == expected, kpi


def test_a_change_too_small_to_show_reads_as_none() -> None:
    from cockpit.tui.widgets.kpi_tile import change_text

    # Calls/opp 2.34 against 2.30 is +0.04: one decimal shows it as 0.0, so no arrow ("▲0.0" read as a rise).
    assert change_text("calls_per_opportunity", 2.34, 2.30, "USD") == "= 0"
    assert change_text("calls_per_opportunity", 2.40, 2.30, "USD") == "▲0.1"
    assert change_text("win_rate", 0.501, 0.5, "USD") == "= 0"  # 0.1 pt shows as 0 pt
    assert change_text("win_rate", 0.45, 0.5, "USD") == "▼5 pt"
    assert change_text("revenue", 100_040, 100_000, "USD") == "= 0"  # 40 cents of $1,000
    assert change_text("revenue", 200_000, 100_000, "USD") == "▲$1k"
    assert change_text("calls", 10, 3, "USD") == "▲7"

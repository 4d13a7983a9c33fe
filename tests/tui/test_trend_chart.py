"""widgets/trend.py: a chart shows a placeholder without data, then the plot of the data it is given."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.tui.widgets.trend import TrendChart, TrendData, compact_number

DATA = TrendData("Revenue (USD): team", ("2026-09", "2026-10", "2026-11"), (("team", (1.0, 3.0, 2.0)),))


class _ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TrendChart()


async def test_the_chart_draws_its_data_under_its_title() -> None:
    app = _ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        chart = app.query_one(TrendChart)
        assert str(chart.render()) == "Trend: loading…"
        chart.data = DATA
        await pilot.pause()
        drawn = str(chart.render())
        # The title above a plot with its y-axis ticks (┤) and the last period's label on the x axis.
        assert "Revenue (USD): team" in drawn and "┤" in drawn and "2026-11" in drawn


async def test_a_series_without_values_says_so() -> None:
    app = _ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(TrendChart)
        chart.data = TrendData("Win rate: team", ("2026-10", "2026-11"), (("team", (None, None)),))
        await pilot.pause()
        assert str(chart.render()) == "Win rate: team\n\nno values in these periods"


def test_axis_labels_are_short() -> None:
    assert [compact_number(v) for v in (1_534_000, 770_000, 0.25, 12.4, 3.0)] == ["1.5M", "770k", "0.25", "12", "3"]


async def test_a_flat_series_has_no_negative_axis() -> None:
    """An empty database charts revenue 0 in every period: the axis must not run from -1 to 1."""
    app = _ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(TrendChart)
        chart.data = TrendData("Revenue (USD): team", ("2026-10", "2026-11"), (("team", (0.0, 0.0)),))
        await pilot.pause()
        drawn = str(chart.render())
        ticks = [line.split("┤")[0].strip() for line in drawn.splitlines() if "┤" in line]
        assert ticks == ["0"]
        assert "-" not in "".join(line.split("┤")[0] for line in drawn.splitlines() if "┤" in line)

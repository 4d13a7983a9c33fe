"""widgets/trend.py: a chart shows a placeholder without data, then the plot of the data it is given."""

from __future__ import annotations

import os
import subprocess
import sys

from textual.app import App, ComposeResult

from cockpit.tui.widgets.trend import TrendChart, TrendData, chart_title, compact_number, label_x_axis

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


def test_labels_sit_under_their_tick_marks_and_never_touch() -> None:
    axis = "     └──┬─────┬──┬──────┬─┘"
    lines = label_x_axis([axis, " " * len(axis)], ["2026-01", "2026-02", "2026-03", "2026-04"])
    row = lines[1]
    # Right to left: 2026-04 is kept inside the row; 2026-03 would touch it, so it is left out;
    # 2026-02 centres on its mark; 2026-01 would touch 2026-02 and is left out.
    assert row.split() == ["2026-02", "2026-04"]
    assert row.index("2026-02") + 3 == axis.index("┬", 9)  # centred under the second mark
    assert row.endswith("2026-04")


_DRAW_IN_A_FRESH_PROCESS = """
import asyncio
from textual.app import App
from cockpit.tui.widgets.trend import TrendChart, TrendData
labels = tuple(f"2025-{m:02d}" for m in range(1, 13)) + tuple(f"2026-{m:02d}" for m in range(1, 13))
data = TrendData("Revenue", labels, (("a", tuple(float(i * i % 7) for i in range(24))),
                                     ("b", tuple(float(i % 5) for i in range(24)))))
class A(App):
    def compose(self):
        yield TrendChart()
async def main():
    app = A()
    async with app.run_test(size=(118, 12)) as pilot:
        chart = app.query_one(TrendChart)
        chart.data = data
        await pilot.pause()
        print(str(chart.render()))
asyncio.run(main())
"""


def test_the_same_data_draws_the_same_chart_in_every_process() -> None:
    """plotext orders tick labels by set(): the hash seed used to move them between runs (and snapshots)."""
    drawn = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", _DRAW_IN_A_FRESH_PROCESS], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        drawn.add(out.stdout)
    assert len(drawn) == 1
    assert "2026-12" in drawn.pop()


def test_the_title_line_always_says_which_kpi_and_whose() -> None:
    key = ["▚ 이서연", "• team median"]
    title = "Revenue (USD): 이서연 vs team median"  # 15 + 6 + 15 = 36 cells: a Korean character takes two
    # Wide enough for the title and the key (36 + 3 + 8 + 2 + 13 = 62 cells): both, centred ((70 − 62) / 2 = 4).
    assert chart_title(title, key, 70) == " " * 4 + f"{title}   ▚ 이서연  • team median"
    # Too narrow for the key (a 46-cell pane at 120 columns): the title alone, centred ((46 − 36) / 2 = 5).
    assert chart_title(title, key, 46) == " " * 5 + title
    # Too narrow for the title: cut, the cut marked (a wide character is never split in two).
    assert chart_title(title, key, 20) == "Revenue (USD): 이서…"
    assert chart_title(title, key, 19) == "Revenue (USD): 이…"


async def test_a_narrow_chart_of_a_rep_still_has_its_title() -> None:
    app = _ChartApp()
    async with app.run_test(size=(46, 16)) as pilot:
        chart = app.query_one(TrendChart)
        chart.data = TrendData(
            "Revenue (USD): 이서연 vs team median",
            ("2026-09", "2026-10", "2026-11"),
            (("이서연", (1.0, 3.0, 2.0)), ("team median", (2.0, 2.0, 2.5))),
        )
        await pilot.pause()
        assert str(chart.render()).splitlines()[0].strip() == "Revenue (USD): 이서연 vs team median"

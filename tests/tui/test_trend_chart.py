"""widgets/trend.py: a chart shows its title until plotext is loaded (after the first frame), then the plot.

In a fresh interpreter, because this test session may already have imported plotext.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
import asyncio, json, sys
from textual.app import App
from cockpit.tui.widgets.trend import TrendChart, TrendData

DATA = TrendData("Revenue (USD): team", ("2026-09", "2026-10", "2026-11"), (("team", (1.0, 3.0, 2.0)),))

class ChartApp(App):
    def compose(self):
        yield TrendChart()

async def main():
    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        chart = app.query_one(TrendChart)
        chart.data = DATA
        first = str(chart.render())
        loaded_at_first_frame = "plotext" in sys.modules
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        print(json.dumps([first, loaded_at_first_frame, str(chart.render())]))

asyncio.run(main())
"""


def test_the_chart_draws_after_plotext_loads_in_the_background() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    first, loaded_at_first_frame, later = json.loads(done.stdout)
    # The frame that first shows the data does not wait for the ~90 ms import: the title stands in for the plot.
    assert first == "Revenue (USD): team" and not loaded_at_first_frame
    # Then the worker imports plotext and the chart redraws: the title above a plot with its y-axis ticks (┤).
    assert "Revenue (USD): team" in later and "┤" in later and later != first

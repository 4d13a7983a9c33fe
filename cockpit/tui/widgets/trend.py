"""A plotext line chart of one KPI over the last periods, redrawn on resize and on new data."""

from __future__ import annotations

from dataclasses import dataclass

import plotext as plt
from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from cockpit.core.charset import asciify
from cockpit.tui.charset import glyphs as app_glyphs


@dataclass(frozen=True)
class TrendData:
    """A chart: its title, the period labels (x) and named series (y; None where the KPI has no value)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    scale: float = 1.0  # money in minor units is divided by this to plot major units


class TrendChart(Widget, can_focus=True):
    """A plotext chart of :class:`TrendData`, redrawn when its data or its size change."""

    data: reactive[TrendData | None] = reactive(None)
    """What to plot; None shows a placeholder."""

    def render(self) -> Text:
        data = self.data
        width, height = self.content_size
        glyphs = app_glyphs(self)
        if data is None or width < 20 or height < 5:
            return Text(data.title if data else f"Trend: loading{glyphs.ellipsis}")
        plt.clear_figure()  # plotext keeps one global figure: start from nothing
        plt.limitsize(False, False)  # size the plot to this widget, not to the real terminal
        plt.plotsize(width, height - 1)  # the title line is ours (chart_title)
        plt.theme("clear")  # no colours of its own: the Textual theme's shows through
        xs = list(range(1, len(data.labels) + 1))
        # What each line is drawn with, and the glyph the key in the title shows for it. plotext takes any one
        # character as a marker: in ASCII, plain characters instead of its quadrant blocks and bullet.
        markers = ("*", "o", "x") if glyphs.ascii else ("hd", "dot", "x")
        marks = ("*", "o", "x") if glyphs.ascii else ("▚", "•", "x")
        key = []
        for i, (name, values) in enumerate(data.series):
            points = [(x, v / data.scale) for x, v in zip(xs, values, strict=True) if v is not None]
            if points:
                # No plotext label: its legend box sat on the first periods' points; the key goes in the title.
                plt.plot([p[0] for p in points], [p[1] for p in points], marker=markers[i % 3])
                key.append(f"{marks[i % 3]} {name}")
        if not key:
            return Text(f"{data.title}\n\nno values in these periods")
        step = max(1, -(-len(xs) * 9 // max(1, width - 8)))  # a label is 7-8 cells wide: keep them apart
        ticks = xs[::-1][::step][::-1]
        plt.xlim(0.6, len(xs) + 0.6)
        # plotext places tick labels in set() order (it depends on the hash seed), so the same data drew its
        # labels in different cells from one run to the next: it draws the tick marks, the labels are ours.
        plt.xticks(ticks, [""] * len(ticks))
        values = [v / data.scale for _, series in data.series for v in series if v is not None]
        low, high = min(values), max(values)
        if high > low:
            # plotext writes large values in scientific notation (1.5e6): give it readable labels instead.
            # No more ticks than canvas rows (title, frame and labels take 4), so no two share a row.
            count = max(2, min(4, height - 4))
            steps = [low + (high - low) * i / (count - 1) for i in range(count)]
            plt.yticks(steps, [compact_number(v) for v in steps])
        else:
            # A flat series (an empty database: all zero): plotext would centre it on an axis from -1 to 1, i.e.
            # show negative revenue. The axis starts at zero (or at the value, if negative) and the value is the
            # one tick.
            plt.ylim(min(0.0, low), max(0.0, high) + (abs(high) or 1.0))
            plt.yticks([low], [compact_number(low)])
        chart = Text.from_ansi(plt.build()).plain  # theme "clear": plotext's only codes are resets
        lines = label_x_axis(chart.split("\n"), [data.labels[t - 1] for t in ticks])
        title = chart_title(data.title, key if len(data.series) > 1 else [], width, glyphs.ellipsis)
        if glyphs.ascii:
            # plotext's frame and tick marks (└ ┬ │ ─), after the labels were placed under the ┬ marks.
            lines = [asciify(line) for line in lines]
        return Text("\n".join([title, *lines]))


def chart_title(title: str, key: list[str], width: int, ellipsis: str = "…") -> str:
    """The chart's title line, centred in ``width`` cells: the title and the key to its lines when both fit, else
    the title alone, cut with "…" if need be. (plotext left out a title too long for the chart: a narrow trend
    pane showed no line saying which KPI and which rep.)"""
    full = f"{title}   {'  '.join(key)}" if key else title
    text = full if cell_len(full) <= width else title
    if cell_len(text) > width:
        text = set_cell_size(text, max(0, width - len(ellipsis))).rstrip() + ellipsis
    return " " * ((width - cell_len(text)) // 2) + text


def label_x_axis(lines: list[str], labels: list[str]) -> list[str]:
    """Write ``labels`` centred under the axis's tick marks (┬), right to left, leaving out any that would touch
    the one to its right: the last label (the period shown) is always drawn. The row under the axis is the one
    plotext left blank for them.
    """
    axis = max((i for i, line in enumerate(lines) if "└" in line), default=None)
    if axis is None or axis + 1 >= len(lines):
        return lines
    marks = [col for col, char in enumerate(lines[axis]) if char == "┬"]
    width = len(lines[axis + 1])
    row = [" "] * width
    free_until = width  # cells from here on are taken (a label and its one-cell gap)
    for col, label in zip(reversed(marks), reversed(labels), strict=False):
        start = max(0, min(col - len(label) // 2, width - len(label)))  # centred, kept inside the row
        if start + len(label) > free_until:
            continue
        row[start : start + len(label)] = label
        free_until = start - 1
    lines[axis + 1] = "".join(row)
    return lines


def compact_number(value: float) -> str:
    """1534000 -> 1.5M, 770000 -> 770k, 0.25 -> 0.25: short axis labels."""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            text = f"{value / limit:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    if size >= 10 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")

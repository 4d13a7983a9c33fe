"""The KPI strip: one tile per headline KPI with its label, value, change against the previous period and sparkline.

The strip is one widget that draws every tile itself. Ten tiles of four child widgets each were 51 of the team
cockpit's 80 widgets: composing, styling and laying them out cost ~75 ms of the first frame, and each refresh
re-styled them when a tile's better/worse class changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.renderables.sparkline import Sparkline
from textual.strip import Strip
from textual.widget import Widget

from cockpit.core.charset import UNICODE, Glyphs, spark_ascii
from cockpit.core.kpi import LOWER_IS_BETTER, RATE_KPIS, RATIO_KPIS
from cockpit.core.report import display_value, percent_points
from cockpit.tui.charset import glyphs as app_glyphs

#: Lines of one tile: label, value, change, sparkline.
TILE_HEIGHT = 4
#: Cells between two tiles.
TILE_GUTTER = 1


@dataclass(frozen=True)
class TileData:
    """What one tile shows; built from the dashboard so the value equals ``cockpit report``."""

    kpi: str
    label: str
    value: float | int | None
    previous: float | int | None
    trend: tuple[float, ...]
    currency: str
    note: str = ""  # a short addition to the change line, e.g. the pace on the attainment tile
    change_note: str = ""  # shown instead of the change, e.g. how much of a young cohort is closed
    aside: str = ""  # after the value, when it fits, e.g. the conversion of the last closed window
    # A tile that is not a report KPI (the forecast, issue 23) brings its own text: the value as drawn, the change
    # line's spellings and the bottom line's (instead of a sparkline), longest first: the first that fits is drawn.
    text: str = ""
    change_choices: tuple[str, ...] = ()
    foot_choices: tuple[str, ...] = ()
    foot_better: bool | None = None  # the bottom line's colour: better (True), worse (False), plain (None)


def change_text(
    kpi: str, value: float | int | None, previous: float | int | None, currency: str, glyphs: Glyphs = UNICODE
) -> str:
    """▲/▼ (^/v in ASCII) and the difference, so the change reads without colour; rates change in percentage
    points."""
    if value is None or previous is None:
        return glyphs.none
    diff = value - previous
    points = kpi in RATE_KPIS or kpi in RATIO_KPIS
    shown = f"{percent_points(abs(diff))} pt" if points else display_value(kpi, abs(diff), currency)
    zero = "0 pt" if points else display_value(kpi, 0.0 if isinstance(diff, float) else 0, currency)
    if shown == zero:
        return "= 0"  # not "▲0.0": a change too small to show is shown as none
    return f"{glyphs.up if diff > 0 else glyphs.down}{shown}"


def better(data: TileData) -> bool | None:
    """Whether the KPI moved the good way since the previous period (None: no change, or nothing to compare)."""
    if data.value is None or data.previous is None or data.value == data.previous:
        return None
    return (data.value > data.previous) != (data.kpi in LOWER_IS_BETTER)


def _first_fitting(choices: tuple[str, ...], width: int) -> str:
    """The first of ``choices`` (longest first) that fits ``width`` cells, else the last (then cut)."""
    return next((c for c in choices if Text(c).cell_len <= width), choices[-1])


def tile_columns(width: int, count: int) -> list[tuple[int, int]]:
    """(offset, width) of ``count`` equal columns over ``width`` cells with a gutter between them.

    The arithmetic of Textual's grid layout (``1fr`` columns, offsets floored), so the tiles sit where the grid of
    tile widgets placed them.
    """
    column = Fraction(max(0, width - TILE_GUTTER * (count - 1)), count)
    edges = [0, *(int(edge) for edge in accumulate(v for _ in range(count) for v in (column, Fraction(TILE_GUTTER))))]
    return [(start, end - start) for start, end in zip(edges[::2], edges[1::2], strict=False)]


class KpiStrip(Widget, can_focus=True):
    """The row of headline KPI tiles (two rows when narrow); ←/→ choose the KPI the trend chart shows."""

    BINDINGS = [
        Binding("left", "move(-1)", "Prev KPI", id="kpi_prev", show=False),
        Binding("right", "move(1)", "Next KPI", id="kpi_next", show=False),
    ]

    COMPONENT_CLASSES = {
        "kpi-strip--label",
        "kpi-strip--selected-label",
        "kpi-strip--selected",
        "kpi-strip--better",
        "kpi-strip--worse",
        "kpi-strip--spark-min",
        "kpi-strip--spark-max",
    }
    """
    | Class | Description |
    | :- | :- |
    | `kpi-strip--label` | A tile's label. |
    | `kpi-strip--selected-label` | The label of the tile the trend chart shows. |
    | `kpi-strip--selected` | That tile while the strip has the focus (its background). |
    | `kpi-strip--better` / `kpi-strip--worse` | The change line of a KPI that moved the good / the bad way. |
    | `kpi-strip--spark-min` / `kpi-strip--spark-max` | Colours of the sparkline's lowest and highest bars. |
    """

    class Chosen(Message):
        """The user moved to another KPI tile."""

        def __init__(self, kpi: str) -> None:
            self.kpi = kpi
            super().__init__()

    def __init__(self, kpis: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        # Pace (issue 8): the attainment expected at period end at the current rate; not a trend KPI.
        self.kpis = kpis
        # The forecast (issue 23) arrives after the snapshot, from a worker of its own: "…" until then.
        self.tiles: dict[str, TileData | None] = dict.fromkeys((*kpis, "pace", "forecast"))
        """What each tile shows, by KPI (None until the first snapshot)."""
        self.selected: str | None = None
        """The KPI the trend chart shows (its tile is marked)."""
        self._lines: tuple[object, list[Strip]] | None = None  # the drawn lines and what they were drawn from

    # ------------------------------------------------------------------------------------------ data

    def show(self, tiles: list[TileData], selected: str) -> None:
        """Show new tile data; ``selected`` is the KPI the trend chart shows."""
        for data in tiles:
            self.tiles[data.kpi] = data
        self.selected = selected
        self.refresh()

    def show_forecast(self, data: TileData | None) -> None:
        """Show the forecast tile (None: "…", a run for the scope shown is on its way)."""
        if self.tiles.get("forecast") != data:
            self.tiles["forecast"] = data
            self.refresh()

    def select(self, kpi: str) -> None:
        """Mark ``kpi``'s tile as the one the trend chart shows."""
        self.selected = kpi
        self.refresh()

    def action_move(self, delta: int) -> None:
        index = self.kpis.index(self.selected) if self.selected in self.kpis else 0
        self.post_message(self.Chosen(self.kpis[(index + delta) % len(self.kpis)]))

    def on_focus(self) -> None:
        self.refresh()  # the selected tile's background shows the focus

    def on_blur(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------------------------------ drawing

    def _columns(self) -> int:
        """Tiles a row: all of them on a screen as wide as the app's "-wide" breakpoint, else half (two rows: at
        80x24 a third row of tiles would take the scorecards' last rows)."""
        breakpoints = {name: width for width, name in getattr(self.app, "HORIZONTAL_BREAKPOINTS", None) or ()}
        wide = breakpoints.get("-wide")
        # The screen's size, not its -wide class: the class is set after the first layout asked for our height.
        return len(self.tiles) if wide is not None and self.screen.size.width >= wide else -(-len(self.tiles) // 2)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        columns = self._columns()
        return -(-len(self.tiles) // columns) * TILE_HEIGHT

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        columns = self._columns()
        focused = self.has_focus
        key = (width, columns, focused, self.selected, tuple(self.tiles.values()), self.rich_style)
        if self._lines is None or self._lines[0] != key:
            self._lines = (key, self._draw(width, columns, focused))
        lines = self._lines[1]
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width, self.rich_style)

    def _draw(self, width: int, columns: int, focused: bool) -> list[Strip]:
        _, background = self.background_colors
        base = Style(bgcolor=background.rich_color)  # the gutters: background only, as between tile widgets
        cells = tile_columns(width, columns)
        tiles = list(self.tiles.items())
        lines: list[Strip] = []
        for row_start in range(0, len(tiles), columns):
            row = tiles[row_start : row_start + columns]
            row_lines: list[list[Segment]] = [[] for _ in range(TILE_HEIGHT)]
            x = 0
            for (kpi, data), (offset, cell) in zip(row, cells, strict=False):
                for segments in row_lines:
                    if offset > x:
                        segments.append(Segment(" " * (offset - x), base))
                tile_background = background
                if focused and kpi == self.selected:
                    tile_background = background + self._component("kpi-strip--selected").background
                for segments, line in zip(row_lines, self._tile(kpi, data, cell, tile_background), strict=True):
                    segments.extend(line)
                x = offset + cell
            lines.extend(Strip(segments).adjust_cell_length(width, base) for segments in row_lines)
        return lines

    def _component(self, name: str):  # noqa: ANN202 - Textual's RenderStyles
        return self.get_component_styles(name)

    def _text_style(self, background: Color, name: str | None = None) -> Style:
        """A text style as a child widget with that component's rules would draw it over ``background``."""
        # The nearest colour rule up the tree, as Textual resolves a widget's text colour.
        color = next((n.styles.color for n in self.ancestors_with_self if n.styles.has_rule("color")), Color(0, 0, 0))
        style = Style()
        if name is not None:
            component = self._component(name)
            if component.has_rule("color"):
                color = component.color
            style = component.text_style
        return style + Style(color=(background + color).rich_color, bgcolor=background.rich_color)

    def _tile(self, kpi: str, data: TileData | None, width: int, background: Color) -> list[list[Segment]]:
        """The four lines of one tile, each exactly ``width`` cells."""
        plain = self._text_style(background)
        selected = kpi == self.selected
        glyphs = app_glyphs(self)
        label_style = self._text_style(background, "kpi-strip--label")
        if selected:
            label_style += self._text_style(background, "kpi-strip--selected-label")
        if data is None:
            texts = [Text("", style=label_style), Text(glyphs.ellipsis, style=plain), Text("", style=plain)]
            trend: tuple[float, ...] = ()
        else:
            label = Text((glyphs.selected if selected else "") + data.label, style=label_style)
            shown = data.text or display_value(data.kpi, data.value, data.currency)
            value = Text(shown, style=plain + Style(bold=True))
            if data.aside and value.cell_len + 1 + Text(data.aside).cell_len <= width:
                value.append(" " + data.aside, style=self._text_style(background, "kpi-strip--label"))
            change = change_text(data.kpi, data.value, data.previous, data.currency, glyphs)
            if data.note and data.previous is None:
                change = data.note  # a tile with no previous value (pace) says something else there
            moved = better(data)
            if data.change_note:
                # Not a comparison with the previous period (a young cohort against an older one reads as a fall).
                change, moved = data.change_note, None
            if data.change_choices:
                change, moved = _first_fitting(data.change_choices, width), None
            change_style = plain
            if moved is not None:
                change_style = self._text_style(background, "kpi-strip--better" if moved else "kpi-strip--worse")
            texts = [label, value, Text(change, style=change_style)]
            trend = data.trend
        lines = []
        fill = Style(bgcolor=background.rich_color)  # after the text, as a Static pads its lines
        for text, overflow in zip(texts, ("ellipsis", "crop", "ellipsis"), strict=True):
            if glyphs.ascii and overflow == "ellipsis" and text.cell_len > width > len(glyphs.ellipsis):
                # Rich's ellipsis is "…": cut room for "..." instead.
                text.truncate(width - len(glyphs.ellipsis), overflow="crop")
                text.append(glyphs.ellipsis)
            text.truncate(width, overflow=overflow)  # type: ignore[arg-type]
            lines.append([Segment(text.plain, text.style), Segment(" " * (width - text.cell_len), fill)])  # type: ignore[arg-type]
        if data is not None and data.foot_choices:
            foot = Text(_first_fitting(data.foot_choices, width), style=plain)
            if data.foot_better is not None:
                way = "kpi-strip--better" if data.foot_better else "kpi-strip--worse"
                foot.style = self._text_style(background, way)
            foot.truncate(width, overflow="crop")
            lines.append([Segment(foot.plain, foot.style), Segment(" " * (width - foot.cell_len), fill)])  # type: ignore[arg-type]
            return lines
        spark_min = background + self._component("kpi-strip--spark-min").color
        spark_max = background + self._component("kpi-strip--spark-max").color
        # One bar a period, the current one at the right edge: a narrower tile drops the oldest periods, a wider one
        # leaves blank cells on the left. Textual's Sparkline spreads the values over the width instead, and with
        # fewer cells than periods it drew the larger of the last two: the current period's drop did not show.
        shown = list(trend)[-width:]
        spark = Sparkline(
            shown,
            width=len(shown) or width,
            min_color=spark_min.rich_color,
            max_color=spark_max.rich_color,
            summary_function=max,
        )
        bars = list(self.app.console.render(spark, self.app.console.options.update_width(width)))
        line = [
            Segment(spark_ascii(s.text) if glyphs.ascii else s.text, fill + s.style if s.style else fill)
            for s in bars
            if s.text != "\n"
        ]
        if shown and len(shown) < width:
            line.insert(0, Segment(" " * (width - len(shown)), fill))
        lines.append(line)
        return lines

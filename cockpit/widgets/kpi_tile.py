"""A KPI tile: label, value, change against the previous period and a sparkline of the last periods."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from cockpit.kpi import LOWER_IS_BETTER, RATE_KPIS, RATIO_KPIS
from cockpit.report import display_value


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


def change_text(kpi: str, value: float | int | None, previous: float | int | None, currency: str) -> str:
    """▲/▼ and the difference, so the change reads without colour; rates change in percentage points."""
    if value is None or previous is None:
        return "—"
    diff = value - previous
    if abs(diff) < 1e-9:
        return "= 0"
    arrow = "▲" if diff > 0 else "▼"
    if kpi in RATE_KPIS or kpi in RATIO_KPIS:
        return f"{arrow}{abs(diff) * 100:.0f} pt"
    return f"{arrow}{display_value(kpi, abs(diff), currency)}"


class KpiTile(Widget):
    """One headline KPI: label, value, change vs the previous period, sparkline of the trend."""

    data: reactive[TileData | None] = reactive(None, layout=True)
    """The tile's numbers; None while the first snapshot loads."""

    selected: reactive[bool] = reactive(False)
    """Whether this KPI is the one the trend chart shows."""

    def compose(self) -> ComposeResult:
        yield Static(id="tile-label", classes="tile-label")
        yield Static("…", id="tile-value", classes="tile-value")
        yield Static(id="tile-change", classes="tile-change")
        yield Sparkline([], id="tile-spark", summary_function=max)

    def watch_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")

    def watch_data(self, data: TileData | None) -> None:
        if data is None or not self.is_mounted:
            return
        mark = "▸ " if self.selected else ""
        self.query_one("#tile-label", Static).update(Text(mark + data.label, no_wrap=True, overflow="ellipsis"))
        line = Text(no_wrap=True)
        line.append(display_value(data.kpi, data.value, data.currency), style="bold")
        change = change_text(data.kpi, data.value, data.previous, data.currency)
        better = None
        if data.value is not None and data.previous is not None and data.value != data.previous:
            better = (data.value > data.previous) != (data.kpi in LOWER_IS_BETTER)
        self.set_class(better is True, "-better")
        self.set_class(better is False, "-worse")
        self.query_one("#tile-value", Static).update(line)
        if data.note and data.previous is None:
            change = data.note  # a tile with no previous value (pace) says something else there
        self.query_one("#tile-change", Static).update(Text(change, no_wrap=True, overflow="ellipsis"))
        self.query_one("#tile-spark", Sparkline).data = list(data.trend)

    def on_mount(self) -> None:
        self.watch_data(self.data)


class KpiStrip(Horizontal, can_focus=True):
    """The row of headline KPI tiles; ←/→ choose the KPI the trend chart shows."""

    BINDINGS = [
        Binding("left", "move(-1)", "Prev KPI", id="kpi_prev", show=False),
        Binding("right", "move(1)", "Next KPI", id="kpi_next", show=False),
    ]

    class Chosen(Message):
        """The user moved to another KPI tile."""

        def __init__(self, kpi: str) -> None:
            self.kpi = kpi
            super().__init__()

    def __init__(self, kpis: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.kpis = kpis

    def compose(self) -> ComposeResult:
        for kpi in self.kpis:
            yield KpiTile(id=f"tile-{kpi}", classes="kpi-tile")
        # Pace (issue 8): the attainment expected at period end at the current rate; not a trend KPI.
        yield KpiTile(id="tile-pace", classes="kpi-tile")

    def show(self, tiles: list[TileData], selected: str) -> None:
        for data in tiles:
            tile = self.query_one(f"#tile-{data.kpi}", KpiTile)
            tile.selected = data.kpi == selected
            tile.data = data

    def select(self, kpi: str) -> None:
        for tile in self.query(KpiTile):
            tile.selected = tile.id == f"tile-{kpi}"
            tile.watch_data(tile.data)

    def action_move(self, delta: int) -> None:
        current = next((t.id for t in self.query(KpiTile) if t.selected), None)
        index = self.kpis.index(current.removeprefix("tile-")) if current else 0
        self.post_message(self.Chosen(self.kpis[(index + delta) % len(self.kpis)]))

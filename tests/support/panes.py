"""Reading what the cockpit's panes draw, and what `cockpit report --format json` prints for the same scope.

The cross-check of issue 19 §2 compares the two: the figures are read from the widgets as drawn (table cells, the
text of a Static, the lines of the KPI strip), the report is the command line's own output (``cockpit.cli.main`` in
this process, with ``COCKPIT_NOW`` as its clock; it reads the KPI buckets stored in the database as any cockpit does,
which tests/property/test_kpi_buckets_recount.py holds to a recount). The report's values are formatted the way
the screen shows them with the public helpers, never taken from the app.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable

from cockpit.cli import main
from cockpit.core.kpi import MONEY_KPIS
from cockpit.core.parse import currency_digits
from cockpit.core.report import display_value
from cockpit.core.text import clean
from cockpit.tui.screens.common import CompareLines
from cockpit.tui.widgets.kpi_tile import TILE_HEIGHT, KpiStrip, change_text, tile_columns

CURRENCY = "USD"

# ------------------------------------------------------------------------------------------------ the report


@contextlib.contextmanager
def cli_environment(now: str, tz: str, config: Path) -> Iterator[None]:
    """The environment of a `cockpit` command run by hand: a frozen clock, the zone, no config file, no cache files
    (an empty COCKPIT_CACHE_DIR), so the report shares nothing with the app but the database."""
    wanted = {
        "COCKPIT_NOW": now,
        "COCKPIT_TZ": tz,
        "COCKPIT_CONFIG": str(config),
        "COCKPIT_CURRENCY": CURRENCY,
        "COCKPIT_CACHE_DIR": "",
    }
    saved = {key: os.environ.get(key) for key in (*wanted, "COCKPIT_DB")}
    os.environ.update(wanted)
    os.environ.pop("COCKPIT_DB", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cli_report(db: Path, *args: str) -> dict[str, Any]:
    """``cockpit report --db DB --format json ARGS`` run as the command line runs it; its JSON."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["report", "--db", str(db), "--format", "json", *args])
    assert code == 0, f"cockpit report {' '.join(args)} failed: {err.getvalue()}"
    return json.loads(out.getvalue())


def minor(kpi: str, value: float | int | None) -> float | int | None:
    """A report value (major units for money) back in the minor units the screens format."""
    if value is not None and kpi in MONEY_KPIS:
        return value * 10 ** currency_digits(CURRENCY)
    return value


def shown(kpi: str, value: float | int | None) -> str:
    """A report value as the screens show it (compact money, whole percentages, one decimal, "—" for null)."""
    return display_value(kpi, minor(kpi, value), CURRENCY)


def money(value: float | int | None) -> str:
    """A report amount in major units as the screens show money."""
    return shown("revenue", value)


def share(value: float | None) -> str:
    return shown("win_rate", value)


def number(value: float | int | None) -> str:
    """A count as is, a float with one decimal (the insights tables' numbers)."""
    return shown("calls_per_opportunity", value)


def change(kpi: str, now: float | int | None, before: float | int | None) -> str:
    """The "vs previous period" text of two report values."""
    return change_text(kpi, minor(kpi, now), minor(kpi, before), CURRENCY)


def median_of(rows: list[dict[str, Any]], key: str) -> float | None:
    """The median of a key over the report's active rep rows (``reps`` > 0), nulls skipped, in minor units."""
    values = [minor(key, row[key]) for row in rows if row["reps"] and row.get(key) is not None]
    return statistics.median(values) if values else None


def row_value(row: dict[str, Any], key: str) -> float | int | None:
    """A scorecard column's value in a report row: a KPI or cohort key, or the pace (under ``pace``)."""
    if key == "pace":
        return row["pace"]["pace"]
    return row[key]


# ------------------------------------------------------------------------------------------------ the screen


def plain(cell: object) -> str:
    """The text of a table cell or of a Static's content."""
    if isinstance(cell, Text):
        return cell.plain
    text = getattr(cell, "plain", None)
    return text if isinstance(text, str) else str(cell)


def static_text(widget: Widget) -> str:
    """What a Static draws (before wrapping)."""
    return plain(widget.render())


def column_keys(table: DataTable) -> list[str]:
    return [str(key.value) for key in table.columns]


def table_rows(table: DataTable) -> dict[str, list[str]]:
    """Each row of a keyed table by its key, as the texts of its cells."""
    return {str(key.value): [plain(c) for c in table.get_row(key)] for key in table.rows}


def table_lines(table: DataTable) -> list[list[str]]:
    """The rows of a table in the order drawn."""
    return [[plain(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@dataclass(frozen=True)
class Tile:
    """The three text lines of one KPI tile as drawn (the fourth is the sparkline)."""

    kpi: str
    label: str
    value: str
    change: str


def drawn_tiles(strip: KpiStrip) -> list[Tile]:
    """The tiles as the strip draws them, in order; the KPI of each is the strip's (its label is checked apart)."""
    width, height = strip.content_size.width, strip.content_size.height
    kpis = list(strip.tiles)
    rows = height // TILE_HEIGHT
    columns = -(-len(kpis) // rows)
    cells = tile_columns(width, columns)
    out = []
    for index, kpi in enumerate(kpis):
        offset, cell = cells[index % columns]
        top = (index // columns) * TILE_HEIGHT
        lines = [strip.render_line(top + i).text[offset : offset + cell].strip() for i in range(3)]
        out.append(Tile(kpi, lines[0].removeprefix("▸ "), lines[1], lines[2]))
    return out


# ------------------------------------------------------------------------------------------------ comparing


@dataclass
class Mismatches:
    """Every figure that differs, each with where it is drawn: one failing run lists them all."""

    scope: str
    found: list[str] = field(default_factory=list)
    checked: int = 0

    def check(self, where: str, drawn: object, report: object) -> None:
        self.checked += 1
        if drawn != report:
            self.found.append(f"[{self.scope}] {where}: drawn {drawn!r}, report {report!r}")

    def report(self) -> str:
        return f"{len(self.found)} of {self.checked} figures differ:\n" + "\n".join(self.found)


#: "$12.3k of $20k (62%)" and its parts, in a PacePlan or My day status line.
_MONEY = r"-?[$€£¥]?[\d.,]+[kMB]?|—"
PACE_LINE = re.compile(
    rf"^(?P<label>.+?) — (?:(?P<revenue>{_MONEY}) of (?P<quota>{_MONEY}) \((?P<attainment>[^)]*)\), pace (?P<pace>\S+)"
    rf"|(?P<sold>{_MONEY}) sold, no quota set)"
)
DAYS_LEFT = re.compile(r"(\d+) business days? left")


def check_pace_plan(m: Mismatches, where: str, text: str, label: str, row: dict[str, Any]) -> None:
    """A PacePlan (its two lines) against a report row's ``pace`` and ``plan``."""
    pace, plan = row["pace"], row["plan"]
    first, _, second = text.partition("\n")
    found = PACE_LINE.match(first)
    m.check(f"{where} reads as pace and plan", first if found is None else "", "")
    if found is None:
        return
    m.check(f"{where} label", found["label"], clean(label, max_len=30))
    if pace["quota"]:
        m.check(f"{where} revenue", found["revenue"], money(pace["revenue"]))
        m.check(f"{where} quota", found["quota"], money(pace["quota"]))
        m.check(f"{where} attainment", found["attainment"], share(pace["attainment"]))
        m.check(f"{where} pace", found["pace"], share(pace["pace"]))
        m.check(f"{where} plan", second, clean(plan["message"]))
    else:
        m.check(f"{where} sold (no quota)", found["sold"], money(pace["revenue"]))
    days = DAYS_LEFT.search(first)
    if pace["complete"]:
        m.check(f"{where} period complete", days is None, True)
    else:
        m.check(f"{where} business days left", days and int(days[1]), pace["business_days_remaining"])


def check_compare_table(
    m: Mismatches,
    where: str,
    table: CompareLines,
    rep: dict[str, Any],
    previous: dict[str, Any] | None,
    reps: list[dict[str, Any]],
) -> None:
    """A rep's KPI lines (drill-down, My day), each against the report: the rep's value (``rep``, from ``--rep``),
    the median over the report's active reps (``reps``), the change since the previous period's row."""
    rows = table.rows()
    m.check(f"{where} has rows", bool(rows), True)
    for key, cells in rows.items():
        _, value, median_cell, change_cell = cells
        m.check(f"{where} {key} rep", value, shown(key, rep[key]))
        expected_median = median_of(reps, key)
        m.check(f"{where} {key} median", median_cell, display_value(key, expected_median, CURRENCY))
        if key in ("cohort_maturity", "window_conversion_rate"):
            m.check(f"{where} {key} vs prev", change_cell, "")  # not compared with an older cohort
        else:
            before = previous[key] if previous is not None else None
            m.check(f"{where} {key} vs prev", change_cell, change(key, rep[key], before))


def check_stage_table(m: Mismatches, where: str, table: DataTable, scope: dict[str, Any]) -> None:
    """A pipeline stage table: its totals are the scope's pipeline_value and weighted_pipeline, each stage column
    the scope's ``pipeline_by_stage`` entry."""
    rows = table_rows(table)
    stages = [k for k in column_keys(table) if k not in ("label", "")]
    m.check(f"{where} total value", rows["value"][-1], money(scope["pipeline_value"]))
    m.check(f"{where} total weighted", rows["weighted"][-1], money(scope["weighted_pipeline"]))
    by_stage = scope.get("pipeline_by_stage")
    m.check(f"{where} report has pipeline_by_stage", by_stage is not None, True)
    if by_stage is None:
        return
    m.check(f"{where} stages", stages, [s["stage"] for s in by_stage])
    m.check(f"{where} total deals", rows["count"][-1], f"{sum(s['count'] for s in by_stage):,}")
    for column, s in zip(range(1, len(stages) + 1), by_stage, strict=False):
        m.check(f"{where} {s['stage']} deals", rows["count"][column], f"{s['count']:,}")
        m.check(f"{where} {s['stage']} value", rows["value"][column], money(s["value"]))
        m.check(f"{where} {s['stage']} weighted", rows["weighted"][column], money(s["weighted"]))

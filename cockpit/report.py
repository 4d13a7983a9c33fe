"""`cockpit report`: the dashboard snapshot as a plain structure, rendered as table, JSON, CSV or Markdown.

The JSON shape is a contract used by scripts: ``{"period": {"label", "start", "end"}, "team": {KPI: value},
"reps": [{"rep", "team", KPI: value}]}`` with money in major units and ``end`` the last day inside the period.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cockpit.kpi import KPI_LABELS, KPI_NAMES, MONEY_KPIS, RATE_KPIS, RATIO_KPIS, Dashboard
from cockpit.parse import currency_digits, format_money
from cockpit.text import clean

FORMATS = ("table", "json", "csv", "markdown")


def to_major(minor: float | int | None, currency: str) -> float | int | None:
    """Minor units to major units, rounded to the currency's digits."""
    if minor is None:
        return None
    digits = currency_digits(currency)
    value = round(minor / 10**digits, digits)
    return int(value) if digits == 0 else value


def json_value(kpi: str, value: float | int | None, currency: str) -> float | int | None:
    """A KPI value as the JSON contract has it."""
    if value is None:
        return None
    if kpi in MONEY_KPIS:
        return to_major(value, currency)
    if isinstance(value, float):
        return round(value, 6)
    return value


def build_report(dash: Dashboard, *, currency: str, rep: str | None = None) -> dict[str, Any]:
    """The report structure of one dashboard; ``rep`` keeps only that rep's row."""
    period = dash.period
    out: dict[str, Any] = {
        "period": {
            "label": period.label,
            "start": period.first_day.to_date_string(),
            "end": period.last_day.to_date_string(),
        },
        "team": {k: json_value(k, dash.team.values[k], currency) for k in KPI_NAMES},
        "reps": [
            {"rep": row.rep, "team": row.team, **{k: json_value(k, row.values[k], currency) for k in KPI_NAMES}}
            for row in dash.reps
            if rep is None or row.rep_id is not None and row.rep.casefold() == rep.casefold()
        ],
    }
    if dash.anchored:
        out["period"]["anchored"] = True
        out["period"]["note"] = anchor_note(dash)
    if dash.team_filter:
        out["period"]["team_filter"] = dash.team_filter
    return out


def anchor_note(dash: Dashboard) -> str:
    return f"no data in the current period; showing {dash.period.label}, the latest period with data"


def display_value(kpi: str, value: float | int | None, currency: str) -> str:
    """A KPI value for people: compact money, percentages, one decimal for averages, an em dash for null."""
    if value is None:
        return "—"
    if kpi in MONEY_KPIS:
        return format_money(round(value), currency, compact=True)
    if kpi in RATE_KPIS or kpi in RATIO_KPIS:
        return f"{value * 100:.0f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return f"{value:,}"


def _rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    team = {"rep": "(team)", "team": report["period"].get("team_filter") or "", **report["team"]}
    return [team, *report["reps"]]


def render(report: dict[str, Any], fmt: str, *, currency: str) -> str:
    """Render a report structure in one of FORMATS."""
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2)
    rows = _rows(report)
    columns = ["rep", "team", *KPI_NAMES]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else _csv_safe(row[c]) for c in columns])
        return buffer.getvalue().rstrip("\n")

    # Human formats show money compact, in the currency; the JSON/CSV numbers are in major units.
    def human(row: dict[str, Any], column: str) -> str:
        if column in ("rep", "team"):
            return clean(str(row[column] or ""), max_len=24)
        value = row[column]
        if column in MONEY_KPIS and value is not None:
            value = value * 10 ** currency_digits(currency)
        return display_value(column, value, currency)

    headers = ["Rep", "Team", *(KPI_LABELS[k] for k in KPI_NAMES)]
    cells = [[human(row, c) for c in columns] for row in rows]
    period = report["period"]
    title = f"Period {period['label']} ({period['start']} to {period['end']})"
    if period.get("anchored"):
        title += f"\nNote: {period['note']}"
    if fmt == "markdown":
        lines = [
            f"**{title}**",
            "",
            "| " + " | ".join(headers) + " |",
            "|" + "|".join("---" if i < 2 else "---:" for i in range(len(headers))) + "|",
        ]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines)
    from cockpit.text import cell_width

    widths = [max(cell_width(h), *(cell_width(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        out = []
        for i, v in enumerate(values):
            pad = " " * (widths[i] - cell_width(v))
            out.append(v + pad if i < 2 else pad + v)
        return "  ".join(out).rstrip()

    body = [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    return title + "\n\n" + "\n".join(body)


def _csv_safe(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to spreadsheet programs: quote it so an exported name stays text.
    if isinstance(value, str):
        value = clean(value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value

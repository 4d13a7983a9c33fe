"""`cockpit report`: the dashboard snapshot as a plain structure, rendered as table, JSON, CSV or Markdown.

The JSON shape is a contract used by scripts: ``{"period": {"label", "start", "end"}, "team": {KPI: value},
"reps": [{"rep", "team", KPI: value}]}`` with money in major units and ``end`` the last day inside the period.
With the pipeline and the cohorts (``cockpit report`` passes both) the team (and the rep asked for with ``--rep``)
gain ``pipeline_by_stage``, and every row the cohort keys (:data:`COHORT_KEYS`): docs/KPIS.md. With a verdict, the
report gains a top-level ``"verdict"`` and its table and Markdown open with the verdict's message
(docs/INSIGHTS.md).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from cockpit.core.kpi import COUNT_KPIS, KPI_LABELS, KPI_NAMES, MONEY_KPIS, RATE_KPIS, RATIO_KPIS, Dashboard
from cockpit.core.parse import currency_digits, format_money
from cockpit.core.text import cell_width, clean

if TYPE_CHECKING:  # the insights modules import this one (to_major, display_value)
    from cockpit.core.forecast import Forecasts
    from cockpit.core.insights import Insights
    from cockpit.core.movement import Movement, Slipped
    from cockpit.core.verdict import Verdict
    from cockpit.core.views import Cohort, Cohorts, PipelineAt

FORMATS = ("table", "json", "csv", "markdown")

#: How mature the period's cohort of opportunities is, beside the conversion of the last closed window: keys of
#: every row of the report (and columns of the scorecards), not KPIs of the dashboard.
COHORT_KEYS = ("cohort_closed", "cohort_maturity", "window_conversion_rate")
#: Which of them are shares.
_COHORT_SHARES = frozenset({"cohort_maturity", "window_conversion_rate"})


def cohort_values(cohort: Cohort | None) -> dict[str, float | int | None]:
    """The :data:`COHORT_KEYS` of one row: the opportunities closed (won or lost) now, their share of the
    opportunities, and the conversion of the last closed window (None where there is no cohort)."""
    if cohort is None:
        return dict.fromkeys(COHORT_KEYS)
    return {
        "cohort_closed": cohort.closed,
        "cohort_maturity": cohort.maturity,
        "window_conversion_rate": cohort.window_conversion,
    }


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


def pipeline_json(pipeline: PipelineAt, currency: str) -> list[dict[str, Any]]:
    """``pipeline_by_stage``: each open stage's deals at the period's end, money in major units."""
    return [
        {
            "stage": s.stage,
            "count": s.count,
            "value": to_major(s.value, currency),
            "weighted": to_major(s.weighted, currency),
        }
        for s in pipeline.stages
    ]


def build_report(
    dash: Dashboard,
    *,
    currency: str,
    rep: str | None = None,
    insights: Insights | None = None,
    demo: bool = False,
    pipeline: PipelineAt | None = None,
    rep_pipeline: PipelineAt | None = None,
    cohorts: Cohorts | None = None,
    verdict: Verdict | None = None,
    forecast: Forecasts | None = None,
    movement: Movement | None = None,
    slipped: tuple[Slipped, ...] | None = None,
) -> dict[str, Any]:
    """The report structure of one dashboard; ``rep`` keeps only that rep's row.

    With ``insights`` (see :func:`cockpit.core.insights.compute_insights`) the team and rep objects gain ``"pace"`` and
    ``"plan"``, and the report gains ``"diagnosis"``, ``"channels"``, ``"segments"`` and ``"funnel"``
    (docs/INSIGHTS.md). ``pipeline`` (the team's at the period's end) and ``rep_pipeline`` (the rep's, with ``rep``)
    add ``"pipeline_by_stage"``; ``cohorts`` adds the :data:`COHORT_KEYS` to every row and the window to the
    period; ``verdict`` (the team's, or with ``rep`` that rep's own) adds the top-level ``"verdict"``. Without them the
    structure is exactly the one of issue 2 §5."""
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
    if demo:
        out["demo"] = True  # generated demo data, not a real pipeline
    if dash.anchored:
        out["period"]["anchored"] = True
        out["period"]["note"] = anchor_note(dash)
    if dash.team_filter:
        out["period"]["team_filter"] = dash.team_filter
    if pipeline is not None:
        out["team"]["pipeline_by_stage"] = pipeline_json(pipeline, currency)
    if rep_pipeline is not None:
        for row in out["reps"]:
            row["pipeline_by_stage"] = pipeline_json(rep_pipeline, currency)
    if cohorts is not None:
        window = cohorts.window
        out["period"]["conversion_window"] = {
            "label": window.label,
            "start": window.first_day.to_date_string(),
            "end": window.last_day.to_date_string(),
        }
        out["team"].update(_rounded(cohort_values(cohorts.team)))
        ids = {row.rep: row.rep_id for row in dash.reps}
        for row in out["reps"]:
            row.update(_rounded(cohort_values(cohorts.reps.get(ids[row["rep"]]))))
    if insights is not None:
        _add_insights(out, dash, insights, currency, rep)
    if verdict is not None:
        out["verdict"] = verdict.to_json(currency)
    if forecast is not None or movement is not None or slipped is not None:
        _add_forecast(out, dash, currency, forecast, movement, slipped, keep_all=rep is None)
    return out


def _add_forecast(
    out: dict[str, Any],
    dash: Dashboard,
    currency: str,
    forecast: Forecasts | None,
    movement: Movement | None,
    slipped: tuple[Slipped, ...] | None,
    *,
    keep_all: bool,
) -> None:
    """Issue 23's keys (docs/INSIGHTS.md, ``forecast``): ``"forecast"`` in the team and in each rep row that has one,
    the top-level ``"movement"`` (the team's waterfall and each listed rep's) and ``"slipped"``."""
    ids = {row.rep: row.rep_id for row in dash.reps}
    if forecast is not None:
        out["team"]["forecast"] = forecast.team.to_json(currency)
        for row in out["reps"]:
            mine = forecast.reps.get(ids[row["rep"]])
            if mine is not None:
                row["forecast"] = mine.to_json(currency)
    listed = {ids[row["rep"]]: row["rep"] for row in out["reps"]}
    if movement is not None:
        out["movement"] = {
            "period": movement.period,
            "team": movement.team.to_json(currency),
            "reps": [
                {"rep": name, **movement.reps[rep_id].to_json(currency)}
                for rep_id, name in listed.items()
                if rep_id in movement.reps
            ],
        }
    if slipped is not None:
        out["slipped"] = [s.to_json(currency) for s in slipped if keep_all or s.rep_id in listed]


def _add_insights(out: dict[str, Any], dash: Dashboard, insights: Insights, currency: str, rep: str | None) -> None:
    tgt = insights.targets
    out["team"]["pace"] = tgt.team_pace.to_json(currency)
    out["team"]["plan"] = tgt.team_plan.to_json(currency)
    names = {row.rep: row.rep_id for row in dash.reps}
    for row in out["reps"]:
        rep_id = names[row["rep"]]
        row["pace"] = tgt.rep_pace[rep_id].to_json(currency)
        row["plan"] = tgt.rep_plan[rep_id].to_json(currency)

    def kept(name: str | None) -> bool:
        return rep is None or name is None or name.casefold() == rep.casefold()

    out["diagnosis"] = [s.to_json(currency) for s in insights.diagnosis if kept(s.rep)]
    out["channels"] = [m.to_json(currency) for m in insights.channels]
    out["segments"] = [m.to_json(currency) for m in insights.segments]
    funnel = insights.funnel.to_json(currency)
    funnel["reps"] = [r for r in funnel["reps"] if kept(r["rep"])]
    funnel["stale"] = [r for r in funnel["stale"] if kept(r["rep"])]
    out["funnel"] = funnel


def _rounded(values: dict[str, float | int | None]) -> dict[str, float | int | None]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in values.items()}


def anchor_note(dash: Dashboard) -> str:
    return f"no data in the current period; showing {dash.period.label}, the latest period with data"


def percent(share: float) -> str:
    """A share as a whole percentage ("25%"), rounded half up from the six decimals the JSON report gives.

    Formatting the raw float rounded 0.24500000000000002 up and the report's 0.245 down (binary halves round to
    even): the screens said 25% where ``cockpit report`` said 24%. Both now start from the same six decimals."""
    points = percent_points(share)
    return points if points == "—" else f"{points}%"


def percent_points(share: float) -> str:
    """A share in whole percentage points (see :func:`percent`); "—" for a share that is not a number."""
    if not math.isfinite(share):
        return "—"
    whole = (Decimal(repr(round(share, 6))) * 100).to_integral_value(rounding=ROUND_HALF_UP)
    return f"{whole + 0:f}"  # + 0 turns -0 into 0; f: 1E+28 written out


def display_value(kpi: str, value: float | int | None, currency: str) -> str:
    """A KPI value for people: compact money, percentages, one decimal for averages, an em dash for null."""
    if value is None:
        return "—"
    if kpi in MONEY_KPIS:
        return format_money(round(value), currency, compact=True)
    if kpi in RATE_KPIS or kpi in RATIO_KPIS or kpi in _COHORT_SHARES or kpi == "pace":
        return percent(value)
    if isinstance(value, float):
        if kpi in COUNT_KPIS and value.is_integer():
            return f"{int(value):,}"  # the median of counts 1 and 1 is 1, not 1.0
        return f"{value:.1f}"
    return f"{value:,}"


def _rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    team = {"rep": "(team)", "team": report["period"].get("team_filter") or "", **report["team"]}
    return [team, *report["reps"]]


def render(report: dict[str, Any], fmt: str, *, currency: str, width: int | None = None, compact: bool = False) -> str:
    """Render a report structure in one of FORMATS; ``width`` (terminal cells) splits the table format's wide
    tables into blocks of the columns that fit, each block led by the row's name (None: one block each).

    ``compact`` JSON is one line without spaces: the same keys and values, for a script rather than a reader (the
    report at 200 reps is ~1.4 MB, and only compact JSON goes through the json module's C encoder: indented, its
    pure-Python encoder took ~0.5 s of the report)."""
    if fmt == "json":
        if compact:
            return json.dumps(report, ensure_ascii=False, separators=(",", ":"))
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
    if report.get("demo"):
        title += "\nDEMO DATA: generated by cockpit demo, not a real pipeline"
    # The answer first: the verdict's paragraph (one line) before the figures it stands on.
    opening = f"{clean(report['verdict']['message'])}\n\n" if "verdict" in report else ""
    if fmt == "markdown":
        opening = md_text(opening)
        lines = [
            f"**{title}**",
            "",
            "| " + " | ".join(headers) + " |",
            "|" + "|".join("---" if i < 2 else "---:" for i in range(len(headers))) + "|",
        ]
        lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in cells]
        return (
            opening
            + "\n".join(lines)
            + _cohort_and_pipeline_sections(report, fmt, currency)
            + _insight_sections(report, fmt, currency)
        )

    # Rep and team read left-aligned; the team column goes in the first block only (the rep's name leads each).
    body = _text_table(headers, cells, left=2, lead=1, width=width)
    extra = _cohort_and_pipeline_sections(report, fmt, currency, width) + _insight_sections(
        report, fmt, currency, width
    )
    return opening + title + "\n\n" + "\n".join(body) + extra


#: What Markdown reads as formatting, links, HTML or a table's cell edge; escaped with a backslash (any ASCII
#: punctuation may be), so that a rep named "*Bo*" or "<b>x</b>" or "[x](http://…)" shows as typed.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")


def md_text(text: str) -> str:
    """``text`` (already cleaned of control characters) shown literally in Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _csv_safe(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to spreadsheet programs: quote it so an exported name stays text.
    if isinstance(value, str):
        value = clean(value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value


# --------------------------------------------------------------------------------- insight sections (table, markdown)


def _grid(headers: list[str], rows: list[list[str]], fmt: str, width: int | None = None) -> list[str]:
    """A small table: first column left-aligned, the others right-aligned."""

    if fmt == "markdown":
        out = [
            "| " + " | ".join(headers) + " |",
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
        ]
        return out + ["| " + " | ".join(md_text(c) for c in row) + " |" for row in rows]
    return _text_table(headers, rows, left=1, width=width)


def column_blocks(widths: list[int], width: int | None, *, lead: int = 0) -> list[list[int]]:
    """The columns (indexes) of each block of a table split to fit ``width`` cells, two spaces between columns.

    Column 0 (the row's name) leads every block, the next ``lead`` columns only the first; then as many of the
    others, in order, as fit. A block always takes one, however narrow the terminal: a row must not vanish, and a
    column cut in half would lie. None: one block of every column."""
    if width is None:
        return [list(range(len(widths)))]
    rest = list(range(1 + lead, len(widths)))
    blocks: list[list[int]] = []
    while True:
        block = list(range(1 + lead)) if not blocks else [0]
        used = sum(widths[i] for i in block) + 2 * (len(block) - 1)
        taken = 0
        while taken < len(rest) and (taken == 0 or used + 2 + widths[rest[taken]] <= width):
            used += 2 + widths[rest[taken]]
            taken += 1
        blocks.append(block + rest[:taken])
        rest = rest[taken:]
        if not rest:
            return blocks


def _text_table(headers: list[str], rows: list[list[str]], *, left: int, width: int | None, lead: int = 0) -> list[str]:
    """A plain-text table: the first ``left`` columns left-aligned, the others right-aligned; wider than ``width``,
    it is split into blocks (:func:`column_blocks`) one under the other, a blank line between them. A terminal
    would wrap each long line instead, and a 250-cell row folded over four lines cannot be read as a table."""
    widths = [max(cell_width(h), *(cell_width(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(values: list[str], columns: list[int]) -> str:
        out = []
        for i in columns:
            pad = " " * (widths[i] - cell_width(values[i]))
            out.append(values[i] + pad if i < left else pad + values[i])
        return "  ".join(out).rstrip()

    lines: list[str] = []
    for columns in column_blocks(widths, width, lead=lead):
        if lines:
            lines.append("")
        rule = ["-" * w for w in widths]
        lines += [line(headers, columns), line(rule, columns), *(line(r, columns) for r in rows)]
    return lines


def _cohort_and_pipeline_sections(report: dict[str, Any], fmt: str, currency: str, width: int | None = None) -> str:
    """The cohort's maturity beside the last closed window's conversion, and the pipeline by stage at the period's
    end (team, and the rep of --rep), when the report has them."""
    scale = 10 ** currency_digits(currency)

    def money(value: float | int | None) -> str:
        return display_value("revenue", None if value is None else value * scale, currency)

    def share(value: float | None) -> str:
        return display_value("conversion_rate", value, currency)

    def heading(text: str) -> str:
        return f"**{text}**" if fmt == "markdown" else text

    parts: list[str] = []
    window = report["period"].get("conversion_window")
    if window is not None:
        cells = [
            [
                name,
                str(row["opportunities"]),
                str(row["cohort_closed"]),
                share(row["cohort_maturity"]),
                share(row["conversion_rate"]),
                share(row["window_conversion_rate"]),
            ]
            for name, row in [("Team", report["team"]), *((clean(r["rep"], max_len=24), r) for r in report["reps"])]
        ]
        headers = ["Scope", "Opps", "Closed", "Closed %", "Conv (cohort)", f"Conv {window['label']}"]
        parts += [
            "",
            heading("Conversion: the period's opportunities (cohort), closed now, and the last closed window"),
        ]
        parts += _grid(headers, cells, fmt, width)
    scopes = [("team", report["team"]), *((clean(r["rep"], max_len=24), r) for r in report["reps"])]
    for name, row in scopes:
        stages = row.get("pipeline_by_stage")
        if stages is None:
            continue
        cells = [[clean(s["stage"]), f"{s['count']:,}", money(s["value"]), money(s["weighted"])] for s in stages]
        cells.append(
            [
                "Total",
                f"{sum(s['count'] for s in stages):,}",
                money(row["pipeline_value"]),
                money(row["weighted_pipeline"]),
            ]
        )
        label = md_text(name) if fmt == "markdown" else name
        parts += ["", heading(f"Pipeline by stage at period end ({label})")]
        parts += _grid(["Stage", "Deals", "Value", "Weighted"], cells, fmt, width)
    return "\n" + "\n".join(parts) if parts else ""


def _insight_sections(report: dict[str, Any], fmt: str, currency: str, width: int | None = None) -> str:
    if "diagnosis" not in report:
        return ""
    scale = 10 ** currency_digits(currency)

    def money(value: float | int | None) -> str:
        return display_value("revenue", None if value is None else value * scale, currency)

    def share(value: float | None) -> str:
        return display_value("win_rate", value, currency)

    def number(value: float | None, digits: int = 1) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    def heading(text: str) -> str:
        return f"**{text}**" if fmt == "markdown" else text

    bullet = "- " if fmt == "markdown" else "  "
    literal = md_text if fmt == "markdown" else str
    parts: list[str] = [heading("Pace and plan")]
    for who, obj in [("Team", report["team"]), *((clean(r["rep"], max_len=24), r) for r in report["reps"])]:
        pace, plan = obj["pace"], obj["plan"]
        days = f"{pace['business_days_elapsed']} of {pace['business_days_total']} business days"
        parts.append(
            f"{bullet}{literal(who)}: attainment {share(pace['attainment'])}, pace {share(pace['pace'])} ({days});"
            f" {literal(clean(plan['message']))}"
        )
    parts += ["", heading("Diagnosis")]
    parts += [f"{bullet}{literal(clean(s['message']))}" for s in report["diagnosis"]] or [f"{bullet}No strong signal."]
    for key, title in (("channels", "Channels"), ("segments", "Segments")):
        rows = report[key]
        if not rows:
            continue
        headers = [title[:-1], "Opps", "Conv", "Won", "Revenue", "Basket", "New"]
        if key == "channels":
            headers += ["Cost", "CAC", "Basket/CAC"]
        cells = []
        for m in rows:
            row = [
                clean(m["name"], max_len=24),
                str(m["opportunities"]),
                share(m["conversion_rate"]),
                str(m["won"]),
                money(m["revenue"]),
                money(m["avg_basket"]),
                str(m["new_customers"]),
            ]
            if key == "channels":
                row += [money(m["cost"]), money(m["cac"]), number(m["basket_to_cac"])]
            cells.append(row)
        parts += ["", heading(title), *_grid(headers, cells, fmt, width)]
    funnel = report["funnel"]
    cells = [
        [s["stage"], s["next"], str(s["deals"]), str(s["advanced"]), share(s["conversion"]), number(s["median_days"])]
        for s in funnel["team"]
    ]
    parts += [
        "",
        heading("Funnel (team)"),
        *_grid(["Stage", "Next", "Deals", "Advanced", "Conv", "Median days"], cells, fmt, width),
    ]
    if funnel["stale"]:
        parts += ["", heading(f"Stale deals (idle over {funnel['stale_days']} days)")]
        parts += [
            f"{bullet}{literal(clean(r['rep'], max_len=24))}: {r['deals']} ({money(r['amount'])},"
            f" oldest {r['oldest_days']} days)"
            for r in funnel["stale"]
        ]
    return "\n\n" + "\n".join(parts)

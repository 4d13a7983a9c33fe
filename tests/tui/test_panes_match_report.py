"""Every figure the cockpit's panes draw equals `cockpit report` for the same scope (issue 19 §2).

For a week, a month, a quarter, a custom range and a team filter, one app session on the demo data (8 reps, three
teams, a year of deals, costs and quotas, the clock frozen on Wednesday 18 November 2026) reads what is drawn: the
header's period, the KPI strip, every scorecard row and column, the pipeline pane's stages and totals, one rep's
drill-down and My day, and the insights screen. The report comes from the command line (``cockpit report --format
json``, run as a user runs it: its own store, COCKPIT_NOW, no KPI cache file), for the scope, for the previous period
(the "vs prev" changes) and with ``--rep``. Its values are formatted with the public display helpers.

Each scope lists every figure that differs at once (scope, pane, drawn vs report), so one run shows all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.widgets import DataTable

from cockpit.core.kpi import KPI_LABELS, LOWER_IS_BETTER
from cockpit.core.periods import parse_period
from cockpit.core.text import clean
from cockpit.tui.screens.common import CompareLines
from cockpit.tui.screens.dashboard import HEADLINE_KPIS, TILE_LABELS
from cockpit.tui.screens.insights import InsightsScreen
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.widgets.diagnosis import DiagnosisList, PacePlan
from cockpit.tui.widgets.kpi_tile import KpiStrip
from cockpit.tui.widgets.pipeline import StageTable
from cockpit.tui.widgets.scorecard import TEAM_KEY, Scorecards
from tests.support import FROZEN_NOW, TZ, settle
from tests.support.panes import (
    Mismatches,
    change,
    check_compare_table,
    check_pace_plan,
    check_stage_table,
    cli_environment,
    cli_report,
    column_keys,
    drawn_tiles,
    money,
    number,
    row_value,
    share,
    shown,
    static_text,
    table_lines,
    table_rows,
)


@dataclass(frozen=True)
class Scope:
    period: str | None  # None: the period the cockpit opens on (and `cockpit report` defaults to)
    team: str | None
    rep: str  # whose drill-down and My day are read


SCOPES = {
    "week": Scope("2026-W47", None, "José Álvarez"),  # the running week: pace with days left
    "month": Scope("2026-10", None, "Liam O'Brien"),  # a finished month: the pipeline at its end, not now
    "quarter": Scope("2026-Q4", None, "김민준"),  # runs past today
    "range": Scope("2026-10-15..2026-11-14", None, "Zoë Müller"),  # across two months, finished
    "team": Scope(None, "North", "François Lefèvre"),  # the opening period, one team
}

#: "Period 2026-10 (2026-10-01 to 2026-10-31) vs 2026-09 · all teams"
STATUS = re.compile(r"^Period (?P<label>\S+) \((?P<start>[\d-]+) to (?P<end>[\d-]+)\) vs (?P<previous>\S+) · ")
#: My day's status: "… · $12k of $20k quota (60%) · …" or "… · $0 sold, no quota set · …"
MY_DAY = re.compile(r" · (?:(?P<revenue>\S+) of (?P<quota>\S+) quota \((?P<attainment>[^)]*)\)|(?P<sold>\S+) sold, no)")
STALE_HEADER = re.compile(r"^Stale deals \(idle over (\d+) days\)$")
STALE_LINE = re.compile(r"^\s*(?P<rep>.+): (?P<deals>\d+) deals?, (?P<amount>\S+), idle (?P<days>\d+) days at most$")
WEAKER = re.compile(r"^… and (\d+) weaker signals$")


@pytest.fixture
def cli(tmp_path: Path):  # noqa: ANN201
    """``cockpit report`` on the app's database (make_demo_cockpit's copy), run as from a shell."""

    def run(*args: str) -> dict:
        with cli_environment(FROZEN_NOW.to_iso8601_string(), TZ, tmp_path / "no-config.toml"):
            return cli_report(tmp_path / "demo.db", *args)

    return run


@pytest.mark.parametrize("name", list(SCOPES))
async def test_every_pane_draws_the_reports_figures(make_demo_cockpit, cli, name: str) -> None:
    scope = SCOPES[name]
    m = Mismatches(name)
    app = make_demo_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        if scope.team:
            app.team = scope.team
        if scope.period:
            app.period = parse_period(scope.period, tz=TZ, now=FROZEN_NOW)
        await settle(pilot)

        header = STATUS.match(static_text(app.screen.query_one("#status")))
        assert header is not None, static_text(app.screen.query_one("#status"))
        team_args = ["--team", scope.team] if scope.team else []
        scope_args = [*(["--period", scope.period] if scope.period else []), *team_args]
        report = cli(*scope_args)
        previous = cli("--period", header["previous"], *team_args)
        mine = cli(*scope_args, "--rep", scope.rep)
        assert [r["rep"] for r in mine["reps"]] == [scope.rep]
        rep_row = mine["reps"][0]
        rep_before = next((r for r in previous["reps"] if r["rep"] == scope.rep), None)

        period = report["period"]
        m.check(
            "header period", header.group("label", "start", "end"), (period["label"], period["start"], period["end"])
        )
        check_kpi_strip(m, app.screen.query_one(KpiStrip), report["team"], previous["team"])
        rep_key = check_scorecards(m, app.screen.query_one(Scorecards), report, scope.rep)
        check_stage_table(m, "pipeline pane", app.screen.query_one(StageTable), report["team"])

        # The drill-down: Enter on the rep's scorecard row.
        table = app.screen.query_one(Scorecards)
        table.move_cursor(row=table.get_row_index(rep_key))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RepScreen)
        rep_status = static_text(app.screen.query_one("#rep-status")).split("\n")[0]
        m.check("drill-down period", rep_status.split(" · ")[-1], f"period {period['label']}")
        check_compare_table(
            m, "drill-down KPIs", app.screen.query_one(CompareLines), rep_row, rep_before, report["reps"]
        )
        check_stage_table(m, "drill-down pipeline", app.screen.query_one(StageTable), rep_row)

        # My day of the same rep (v from the drill-down).
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        check_my_day_status(m, static_text(app.screen.query_one("#myday-status")), rep_row)
        check_pace_plan(m, "My day pace", static_text(app.screen.query_one(PacePlan)), scope.rep, rep_row)
        check_compare_table(m, "My day KPIs", app.screen.query_one(CompareLines), rep_row, rep_before, report["reps"])

        # The insights screen (i, from anywhere), its funnel per rep (r).
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        check_pace_plan(m, "insights pace", static_text(screen.query_one(PacePlan)), "Team", report["team"])
        check_diagnosis(
            m,
            static_text(screen.query_one("#insights-problems", DiagnosisList)),
            static_text(screen.query_one("#insights-strengths", DiagnosisList)),
            report["diagnosis"],
        )
        check_mix(m, "channels", screen.query_one("#insights-channels", DataTable), report["channels"], cost=True)
        check_mix(m, "segments", screen.query_one("#insights-segments", DataTable), report["segments"], cost=False)
        funnel = screen.query_one("#insights-funnel", DataTable)
        await pilot.press("r")  # each rep's funnel under the team's
        await pilot.pause()
        groups = [("Team", report["funnel"]["team"])] + [(r["rep"], r["stages"]) for r in report["funnel"]["reps"]]
        check_funnel(m, funnel, groups)
        check_stale(m, static_text(screen.query_one("#insights-stale")), report["funnel"])

    assert m.checked > 200  # every pane was read
    if m.found:
        pytest.fail(m.report(), pytrace=False)


# ------------------------------------------------------------------------------------------------ the panes


def check_kpi_strip(m: Mismatches, strip: KpiStrip, team: dict, before: dict) -> None:
    tiles = drawn_tiles(strip)
    m.check("KPI strip tiles", [t.kpi for t in tiles], [*HEADLINE_KPIS, "pace", "forecast"])
    for tile in tiles:
        where = f"KPI tile {tile.kpi}"
        if tile.kpi == "forecast":  # issue 23: the P50 (its range and quota: tests/tui/test_forecast_on_screen.py)
            m.check(f"{where} label", tile.label, "Forecast")
            m.check(f"{where} value", tile.value, money(team["forecast"]["p50"]))
            continue
        m.check(
            f"{where} label",
            tile.label,
            "Pace" if tile.kpi == "pace" else TILE_LABELS.get(tile.kpi, KPI_LABELS[tile.kpi]),
        )
        if tile.kpi == "pace":
            pace = team["pace"]
            m.check(f"{where} value", tile.value, share(pace["pace"]))
            if not pace["quota"]:
                m.check(f"{where} note", tile.change, "no quota")
            elif "$" in tile.change:  # the gap to quota, when it says one
                m.check(f"{where} gap", tile.change.rpartition(" ")[2], money(pace["gap"]))
        elif tile.kpi == "conversion_rate":
            # "11% 3mo 25%": the cohort's conversion, then the last closed window's; below, how much of it is closed.
            value, *aside = tile.value.split(" ")
            m.check(f"{where} value", value, shown(tile.kpi, team[tile.kpi]))
            if aside:
                m.check(f"{where} window conversion", aside[-1], share(team["window_conversion_rate"]))
            maturity = team["cohort_maturity"]
            m.check(f"{where} closed", tile.change, "no opps" if maturity is None else f"{share(maturity)} closed")
        else:
            m.check(f"{where} value", tile.value, shown(tile.kpi, team[tile.kpi]))
            m.check(f"{where} vs prev", tile.change, change(tile.kpi, team[tile.kpi], before[tile.kpi]))


def check_scorecards(m: Mismatches, table: Scorecards, report: dict, rep: str) -> str:
    """Every row and column against the report; returns the row key of ``rep``."""
    keys = column_keys(table)[1:]
    rows = table_rows(table)
    team = rows.pop(TEAM_KEY)
    filter_ = report["period"].get("team_filter")
    m.check("scorecards team row name", team[0], f"{clean(filter_, max_len=14)} total" if filter_ else "Team total")
    for key, cell in zip(keys, team[1:], strict=True):
        m.check(f"scorecards team {key}", cell, shown(key, row_value(report["team"], key)))
    by_name = {clean(r["rep"], max_len=24): r for r in report["reps"]}
    m.check("scorecards reps", sorted(cells[0] for cells in rows.values()), sorted(by_name))
    for cells in rows.values():
        row = by_name.get(cells[0])
        if row is None:
            continue
        for key, cell in zip(keys, cells[1:], strict=True):
            m.check(f"scorecards {cells[0]} {key}", cell, shown(key, row_value(row, key)))
    return next(key for key, cells in rows.items() if cells[0] == clean(rep, max_len=24))


def check_my_day_status(m: Mismatches, text: str, row: dict) -> None:
    found = MY_DAY.search(text.split("\n")[0])
    m.check("My day status reads", found is not None, True)
    if found is None:
        return
    if row["quota"]:
        m.check("My day revenue", found["revenue"], shown("revenue", row["revenue"]))
        m.check("My day quota", found["quota"], shown("quota", row["quota"]))
        m.check("My day attainment", found["attainment"], shown("attainment", row["attainment"]))
    else:
        m.check("My day sold (no quota)", found["sold"], shown("revenue", row["revenue"]))


def check_diagnosis(m: Mismatches, problems: str, strengths: str, signals: list[dict]) -> None:
    if not signals:
        m.check("diagnosis", problems.startswith("No strong signal"), True)
        return
    worse = [s for s in signals if (s["direction"] == "up") == (s["kpi"] in LOWER_IS_BETTER)]
    better = [s for s in signals if (s["direction"] == "up") != (s["kpi"] in LOWER_IS_BETTER)]
    m.check("diagnosis: problems before strengths", signals, worse + better)
    for name, text, group, empty in (
        ("problems", problems, worse, "No problem stands out."),
        ("strengths", strengths, better, "No strength stands out."),
    ):
        lines = text.split("\n")
        if not group:
            m.check(f"diagnosis {name}", lines, [empty])
            continue
        weaker = WEAKER.match(lines[-1])
        if weaker:
            lines = lines[:-1]
        m.check(f"diagnosis {name} weaker signals", int(weaker[1]) if weaker else 0, max(0, len(group) - len(lines)))
        drawn = [(line[:4].strip(), line[5], line[7:]) for line in lines]
        expected = [
            ("TEAM" if s["scope"] == "team" else "REP", "▲" if s["direction"] == "up" else "▼", clean(s["message"]))
            for s in group[: len(lines)]
        ]
        m.check(f"diagnosis {name}", drawn, expected)


def check_mix(m: Mismatches, where: str, table: DataTable, rows: list[dict], *, cost: bool) -> None:
    expected = []
    for r in rows:
        cells = [
            clean(r["name"], max_len=24),
            number(r["opportunities"]),
            share(r["conversion_rate"]),
            number(r["won"]),
            money(r["revenue"]),
            money(r["avg_basket"]),
            number(r["new_customers"]),
        ]
        if cost:
            cells += [money(r["cost"]), money(r["cac"]), number(r["basket_to_cac"])]
        expected.append(cells)
    check_lines(m, where, table_lines(table), expected, [f"{where} {r['name']}" for r in rows])


def check_funnel(m: Mismatches, table: DataTable, groups: list[tuple[str, list[dict]]]) -> None:
    """The funnel table, one line a stage of each group (the team, then each rep)."""
    expected, labels = [], []
    for who, steps in groups:
        for i, s in enumerate(steps):
            labels.append(f"funnel {who} {s['stage']}")
            expected.append(
                [
                    clean(who, max_len=20) if i == 0 else "",
                    s["stage"],
                    s["next"],
                    number(s["deals"]),
                    number(s["advanced"]),
                    share(s["conversion"]),
                    number(s["median_days"]),
                ]
            )
    check_lines(m, "funnel", table_lines(table), expected, labels)


def check_lines(
    m: Mismatches, where: str, drawn: list[list[str]], expected: list[list[str]], labels: list[str]
) -> None:
    """A table drawn line by line against the report's lines (each mismatch named by its label)."""
    m.check(f"{where} lines", len(drawn), len(expected))
    for label, line, wanted in zip(labels, drawn, expected, strict=False):
        m.check(label, line, wanted)


def check_stale(m: Mismatches, text: str, funnel: dict) -> None:
    header, *lines = text.split("\n")
    days = STALE_HEADER.match(header)
    m.check("stale days", days and int(days[1]), funnel["stale_days"])
    if not funnel["stale"]:
        m.check("stale deals", [line.strip() for line in lines], ["none"])
        return
    drawn = [found.groupdict() if (found := STALE_LINE.match(line)) else line for line in lines]
    expected = [
        {"rep": clean(r["rep"], max_len=24), "deals": str(r["deals"]), "amount": money(r["amount"]),
         "days": str(r["oldest_days"])}
        for r in funnel["stale"]
    ]  # fmt: skip
    m.check("stale deals", drawn, expected)

"""`cockpit report` end to end: every format, the JSON contract, filters, periods, anchoring and errors.

The CLI runs in-process through ``cockpit.cli.main`` with capsys; the JSON contract, each output format, the
archive's note on stderr and one error of each stage also run in a subprocess (``python -m cockpit``, as a user or a
script would): what only a real process shows (exit status, the real stdout and stderr, anything printed at exit)
depends on the output path, not on which filter or period a query takes (~0.45 s of a core per process). The
clock is frozen with COCKPIT_NOW and the zone set with COCKPIT_TZ; the config, data and state directories point into
the test's temporary folder so no user file is read or written.

The small database (America/New_York, USD, amounts in cents), March 2026:
  Ana (East)  won 1_234_500 Acme   qualified Mar 2, won Mar 10; 2 calls on it (Mar 5)
  Bo  (East)  won    50_000 Bolt   qualified Mar 3, won Mar 31 23:59 local
  Cy  (West)  lost  100_000 Cargo  qualified Mar 4, lost Mar 20
  Cy  (West)  open  300_000 Delta  qualified Mar 5, proposal Mar 6 (probability 0.5)
  cost 2026-03 marketing 100_000; quota Ana 2026-03 1_000_000
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.core.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
TZ = "America/New_York"
NOW = "2026-03-25T10:00:00"

# The contract's KPI names, written out from issue 2 §4 (not imported from the code under test).
INSIGHT_KEYS = {"diagnosis", "channels", "segments", "funnel", "movement", "slipped"}  # + issue 23
# Issue 19: every row says how mature the period's cohort is and the last closed window's conversion; the team (and
# the rep of --rep) carries the pipeline by stage at the period's end.
COHORT_KEYS = {"cohort_closed", "cohort_maturity", "window_conversion_rate"}
CONTRACT_KPIS = {
    "revenue",
    "won",
    "lost",
    "win_rate",
    "opportunities",
    "conversion_rate",
    "avg_deal_size",
    "customers",
    "avg_basket",
    "new_customers",
    "cost",
    "cac",
    "calls",
    "calls_per_rep",
    "calls_per_opportunity",
    "calls_to_win",
    "reps",
    "revenue_per_rep",
    "pipeline_value",
    "weighted_pipeline",
    "quota",
    "attainment",
}

# Team, March 2026, in major units (dollars), worked out by hand from the table in the module docstring.
TEAM_MARCH = {
    "revenue": 12_845.0,  # (1_234_500 + 50_000) cents
    "won": 2,
    "lost": 1,
    "win_rate": 2 / 3,  # 2 / (2 + 1)
    "opportunities": 4,  # all four deals were qualified in March
    "conversion_rate": 0.5,  # 2 of the 4 are won
    "avg_deal_size": 6_422.5,  # 12_845 / 2
    "customers": 2,  # Acme, Bolt
    "avg_basket": 6_422.5,  # 12_845 / 2
    "new_customers": 2,  # first wins ever for Acme and Bolt
    "cost": 1_000.0,
    "cac": 500.0,  # 1_000 / 2
    "calls": 2,
    "calls_per_rep": 2 / 3,  # 2 calls / 3 reps
    "calls_per_opportunity": 2.0,  # 2 linked calls / 1 deal
    "calls_to_win": 1.0,  # 2 calls on Ana's win + 0 on Bo's = 2 / 2 wins
    "reps": 3,
    "revenue_per_rep": 4_281.67,  # 12_845 / 3 = 4_281.666.. rounded to cents
    "pipeline_value": 3_000.0,  # Cy's open deal
    "weighted_pipeline": 1_500.0,  # 3_000 x 0.5 (proposal)
    "quota": 10_000.0,  # Ana's 1_000_000 cents; no team quota, so the sum of the reps'
    "attainment": 1.2845,  # 12_845 / 10_000
}


def local(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> int:
    return int(dt.datetime(y, m, d, h, mi, tzinfo=ZoneInfo(TZ)).timestamp())


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "march.db"
    with Store(path, create=True, now=lambda: local(2026, 4, 1)) as s:  # after every event below
        ana = s.add_rep("Ana", team="East")
        bo = s.add_rep("Bo", team="East")
        cy = s.add_rep("Cy", team="West")
        d = s.add_deal(rep_id=ana, title="a", amount=1_234_500, account="Acme", stage="qualified",
                       created_at=local(2026, 3, 2))  # fmt: skip
        s.move_deal(d, "won", at=local(2026, 3, 10))
        s.log_activity(kind="call", rep_id=ana, deal_id=d, at=local(2026, 3, 5, 9))
        s.log_activity(kind="call", rep_id=ana, deal_id=d, at=local(2026, 3, 5, 15))
        d = s.add_deal(rep_id=bo, title="b", amount=50_000, account="Bolt", stage="qualified",
                       created_at=local(2026, 3, 3))  # fmt: skip
        s.move_deal(d, "won", at=local(2026, 3, 31, 23, 59))
        d = s.add_deal(rep_id=cy, title="c", amount=100_000, account="Cargo", stage="qualified",
                       created_at=local(2026, 3, 4))  # fmt: skip
        s.move_deal(d, "lost", at=local(2026, 3, 20), reason="price")
        d = s.add_deal(rep_id=cy, title="d", amount=300_000, account="Delta", stage="qualified",
                       created_at=local(2026, 3, 5))  # fmt: skip
        s.move_deal(d, "proposal", at=local(2026, 3, 6))
        s.set_cost(month="2026-03", category="marketing", amount=100_000)
        s.set_quota(month="2026-03", amount=1_000_000, rep_id=ana)
    archive = folder / "archive.db"
    with Store(archive, create=True, now=lambda: local(2015, 7, 1)) as s:
        old = s.add_rep("Old Timer", team="Legacy")
        d = s.add_deal(rep_id=old, title="x", amount=70_000, account="Vintage", stage="qualified",
                       created_at=local(2015, 6, 2))  # fmt: skip
        s.move_deal(d, "won", at=local(2015, 6, 10))
        s.log_activity(kind="call", rep_id=old, deal_id=d, at=local(2015, 6, 11))
    text = folder / "notes.txt"
    text.write_text("this is not a database, just some text that is long enough\n" * 4)
    return {"march": path, "archive": archive, "text": text, "folder": folder}


def cli_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    env.update(
        COCKPIT_NOW=NOW,
        COCKPIT_TZ=TZ,
        COCKPIT_CONFIG=str(folder / "no-config.toml"),
        XDG_CONFIG_HOME=str(folder / "config"),
        XDG_DATA_HOME=str(folder / "data"),
        XDG_STATE_HOME=str(folder / "state"),
        PYTHONPATH=str(ROOT),
        # Each table in one block, as these tests read them (tests/unit/test_cli_report_width.py splits them).
        COLUMNS="1000",
    )
    return env


class Runner:
    """Run ``cockpit ARGS`` in a subprocess or in-process; returns (exit code, stdout, stderr)."""

    def __init__(self, mode: str, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
        self.mode, self.folder, self.monkeypatch, self.capsys = mode, folder, monkeypatch, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        env = cli_env(self.folder)
        if self.mode == "subprocess":
            done = subprocess.run(
                [sys.executable, "-m", "cockpit", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
            )
            return done.returncode, done.stdout, done.stderr
        for key in [k for k in os.environ if k.startswith("COCKPIT_")]:
            self.monkeypatch.delenv(key)
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture(params=["inprocess", "subprocess"])
def cockpit(request, dbs, monkeypatch, capsys) -> Runner:
    return Runner(request.param, dbs["folder"], monkeypatch, capsys)


@pytest.fixture
def inproc(dbs, monkeypatch, capsys) -> Runner:
    return Runner("inprocess", dbs["folder"], monkeypatch, capsys)


def report_json(run: Runner, *args: str) -> dict:
    code, out, err = run("report", *args, "--format", "json")
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out)


def assert_kpis(values: dict, expected: dict, what: str) -> None:
    wrong = []
    for kpi, want in expected.items():
        got = values[kpi]
        if want is None or got is None:
            ok = want is got
        else:
            ok = isinstance(got, int | float) and not isinstance(got, bool) and got == pytest.approx(want, abs=1e-6)
        if not ok:
            wrong.append(f"{kpi}: report gives {got!r}, hand calculation gives {want!r}")
    assert not wrong, f"{what}:\n  " + "\n  ".join(wrong)


# ------------------------------------------------------------------------------------------------ JSON


def test_json_contract(cockpit: Runner, dbs) -> None:
    data = report_json(cockpit, "--db", str(dbs["march"]), "--period", "2026-03")
    # Issue 2's contract keys, plus issue 8's insights keys and issue 22's verdict (tests/unit/test_report_verdict.py).
    assert set(data) == {"period", "team", "reps", "verdict"} | INSIGHT_KEYS
    assert data["period"]["label"] == "2026-03"
    assert (data["period"]["start"], data["period"]["end"]) == ("2026-03-01", "2026-03-31")  # end = last day in
    assert set(data["team"]) == CONTRACT_KPIS | {"pace", "plan", "pipeline_by_stage", "forecast"} | COHORT_KEYS
    assert_kpis(data["team"], TEAM_MARCH, "team, March 2026, JSON")
    assert [r["rep"] for r in data["reps"]] == ["Ana", "Bo", "Cy"]
    for rep in data["reps"]:
        # no --rep: no stages
        assert set(rep) == CONTRACT_KPIS | {"rep", "team", "pace", "plan", "forecast"} | COHORT_KEYS
    ana, bo, cy = data["reps"]
    assert (ana["team"], bo["team"], cy["team"]) == ("East", "East", "West")
    # Ana: 12_345 won, 1 win, quota 10_000 -> attainment 1.2345; costs are not attributed to reps -> null.
    assert_kpis(
        ana,
        {"revenue": 12_345.0, "won": 1, "quota": 10_000.0, "attainment": 1.2345, "cost": None, "cac": None},
        "Ana",
    )
    # Bo: the 23:59 win on Mar 31 is March's; no quota -> attainment null; 0 calls / 1 rep = 0.0.
    assert_kpis(bo, {"revenue": 500.0, "won": 1, "quota": 0, "attainment": None, "calls_per_rep": 0.0}, "Bo")
    # Cy: 1 lost, no win -> win_rate 0.0, avg_deal_size null; pipeline 3_000, weighted 1_500.
    assert_kpis(
        cy,
        {"lost": 1, "win_rate": 0.0, "avg_deal_size": None, "pipeline_value": 3_000.0, "weighted_pipeline": 1_500.0},
        "Cy",
    )


def test_db_flag_before_the_subcommand(inproc: Runner, dbs) -> None:
    code, out, err = inproc("--db", str(dbs["march"]), "report", "--period", "2026-03", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["team"]["revenue"] == pytest.approx(12_845.0)


def test_period_kinds_and_custom_range(inproc: Runner, dbs) -> None:
    db = str(dbs["march"])
    q1 = report_json(inproc, "--db", db, "--period", "2026-Q1")
    # The last closed window (the plan's): the three quarters before.
    window = {"label": "2025-04-01..2025-12-31", "start": "2025-04-01", "end": "2025-12-31"}
    assert q1["period"] == {"label": "2026-Q1", "start": "2026-01-01", "end": "2026-03-31", "conversion_window": window}
    assert q1["team"]["won"] == 2
    # ISO week 10 of 2026: Monday Mar 2 .. Sunday Mar 8. Wins: none (Mar 10, Mar 31); calls: Ana's 2 (Mar 5).
    week = report_json(inproc, "--db", db, "--period", "2026-W10")
    assert (week["period"]["start"], week["period"]["end"]) == ("2026-03-02", "2026-03-08")
    assert (week["team"]["won"], week["team"]["calls"]) == (0, 2)
    # --from/--to: Mar 1..Mar 15 holds Ana's win (Mar 10) only. Issue 19 §3 prorates March into it: its cost by
    # calendar days (1,000 x 15/31 = 483.87), its quota by business days (March has 22 weekdays, Mar 2-6 and 9-13
    # are 10 of them: 10,000 x 10/22 = 4,545.45).
    custom = report_json(inproc, "--db", db, "--from", "2026-03-01", "--to", "2026-03-15")
    assert (custom["period"]["start"], custom["period"]["end"]) == ("2026-03-01", "2026-03-15")
    assert custom["team"]["revenue"] == pytest.approx(12_345.0)
    assert custom["team"]["cost"] == pytest.approx(483.87)
    assert custom["team"]["quota"] == pytest.approx(4_545.45)
    # Mar 2..Mar 31: 30 of March's 31 days (cost 967.74) and all 22 of its business days (quota 10,000); cac =
    # 967.74 / 2 new customers (Acme, Bolt) = 483.87; attainment 12,845 / 10,000.
    late = report_json(inproc, "--db", db, "--from", "2026-03-02", "--to", "2026-03-31")
    assert (late["team"]["cost"], late["team"]["quota"], late["team"]["new_customers"]) == (967.74, 10_000.0, 2)
    assert late["team"]["cac"] == pytest.approx(483.87) and late["team"]["attainment"] == pytest.approx(1.2845)
    # A relative spec resolves against COCKPIT_NOW (2026-03-25): last-month is February, empty.
    feb = report_json(inproc, "--db", db, "--period", "last-month")
    assert feb["period"]["label"] == "2026-02"
    assert feb["team"]["revenue"] == 0


def test_default_period_is_the_current_month(inproc: Runner, dbs) -> None:
    data = report_json(inproc, "--db", str(dbs["march"]))
    assert data["period"]["label"] == "2026-03"  # COCKPIT_NOW is 2026-03-25
    assert not data["period"].get("anchored")


def test_team_filter(inproc: Runner, dbs) -> None:
    data = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-03", "--team", "East")
    # Issue 2's contract keys, plus issue 8's insights keys and issue 22's verdict.
    assert set(data) == {"period", "team", "reps", "verdict"} | INSIGHT_KEYS
    assert data["verdict"]["scope"] == "team:East"
    assert [r["rep"] for r in data["reps"]] == ["Ana", "Bo"]
    # East: 12_845 from 2 wins, no loss, 2 reps, opportunities Ana's + Bo's = 2, quota 10_000 (Ana).
    assert_kpis(
        data["team"],
        {
            "revenue": 12_845.0,
            "won": 2,
            "lost": 0,
            "win_rate": 1.0,
            "reps": 2,
            "revenue_per_rep": 6_422.5,
            "opportunities": 2,
            "conversion_rate": 1.0,
            "calls_per_rep": 1.0,
            "quota": 10_000.0,
            "attainment": 1.2845,
            "pipeline_value": 0,
            "weighted_pipeline": 0,
        },  # fmt: skip
        "team East",
    )


def test_rep_filter_keeps_the_team_row(inproc: Runner, dbs) -> None:
    data = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-03", "--rep", "cy")
    assert [r["rep"] for r in data["reps"]] == ["Cy"]
    assert_kpis(data["team"], TEAM_MARCH, "team row under --rep")


def test_rep_filter_on_an_inactive_rep_without_data_gives_a_zero_row(inproc: Runner, dbs, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(dbs["march"], db)
    with Store(db, user="tester") as store:
        store.add_rep("Dee", team="West", active=False)
    data = report_json(inproc, "--db", str(db), "--period", "2026-03", "--rep", "Dee")
    # Asked for by name, Dee gets a row although she is inactive and recorded nothing: zeros, and null ratios.
    assert [r["rep"] for r in data["reps"]] == ["Dee"]
    dee = data["reps"][0]
    assert (dee["revenue"], dee["won"], dee["calls"], dee["reps"]) == (0, 0, 0, 0)
    assert dee["win_rate"] is None and dee["revenue_per_rep"] is None


# ------------------------------------------------------------------------------------------------ formats


def test_csv(cockpit: Runner, dbs) -> None:
    code, out, err = cockpit("report", "--db", str(dbs["march"]), "--period", "2026-03", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) == CONTRACT_KPIS | {"rep", "team"}
    assert [r["rep"] for r in rows] == ["(team)", "Ana", "Bo", "Cy"]
    team = rows[0]
    assert float(team["revenue"]) == pytest.approx(12_845.0)
    assert float(team["attainment"]) == pytest.approx(1.2845)
    assert int(team["won"]) == 2
    # null -> empty cell: Bo has no quota, so no attainment; Cy has no win, so no average deal size.
    assert rows[2]["attainment"] == "" and rows[3]["avg_deal_size"] == ""


def test_table(cockpit: Runner, dbs) -> None:
    code, out, err = cockpit("report", "--db", str(dbs["march"]), "--period", "2026-03")
    assert code == 0, err
    lines = out.splitlines()
    # The verdict's paragraph opens the table (tests/unit/test_report_verdict.py), then a blank line, the period.
    assert lines[0] and lines[1] == ""
    assert lines[2] == "Period 2026-03 (2026-03-01 to 2026-03-31)"
    header = next(line for line in lines if line.startswith("Rep"))
    for label in ("Revenue", "Win rate", "Opportunities", "Calls/rep", "Attainment", "Weighted", "Quota"):
        assert label in header
    scorecard = lines[lines.index(header) : lines.index("", lines.index(header))]  # up to the next section
    body = [line for line in scorecard if line.split()[:1] in (["(team)"], ["Ana"], ["Bo"], ["Cy"])]
    assert [line.split()[0] for line in body] == ["(team)", "Ana", "Bo", "Cy"]
    # Revenue 12_845 dollars shows compact as $12.8k; win rate 2/3 as 67%; null as an em dash.
    assert "$12.8k" in body[0] and "67%" in body[0]
    assert "—" in body[2]  # Bo's attainment is null


def test_markdown(cockpit: Runner, dbs) -> None:
    code, out, err = cockpit("report", "--db", str(dbs["march"]), "--period", "2026-03", "--format", "markdown")
    assert code == 0, err
    # The scorecard is the first table; issue 8's sections (pace, diagnosis, channels...) follow it.
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        table.append(line)
    assert "2026-03-01" in out and "2026-03-31" in out
    # Header, separator, the team row and 3 reps; 24 columns each (rep, team and the 22 KPIs).
    assert len(table) == 6
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table]
    assert all(len(row) == 24 for row in cells), [len(r) for r in cells]
    assert set(cells[1]) <= {"---", "---:"}
    assert [row[0] for row in cells[2:]] == ["(team)", "Ana", "Bo", "Cy"]


# ------------------------------------------------------------------------------------ pipeline by stage, cohort


def stages(lead=(0, 0, 0), qualified=(0, 0, 0), proposal=(0, 0, 0), negotiation=(0, 0, 0)) -> list[dict]:
    """``pipeline_by_stage`` as the contract writes it: (count, value, weighted) per open stage, in major units."""
    rows = {"lead": lead, "qualified": qualified, "proposal": proposal, "negotiation": negotiation}
    return [{"stage": k, "count": c, "value": v, "weighted": w} for k, (c, v, w) in rows.items()]


def test_pipeline_by_stage_at_the_period_end_for_the_team_and_the_rep(inproc: Runner, dbs) -> None:
    data = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-03", "--rep", "Cy")
    # At the end of March only Cy's Delta is open: $3,000 in proposal (0.5) -> $1,500 weighted. The stages add up
    # to pipeline_value and weighted_pipeline.
    assert data["team"]["pipeline_by_stage"] == stages(proposal=(1, 3_000.0, 1_500.0))
    assert [r["rep"] for r in data["reps"]] == ["Cy"]
    assert data["reps"][0]["pipeline_by_stage"] == stages(proposal=(1, 3_000.0, 1_500.0))
    ana = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-03", "--rep", "Ana")
    assert ana["reps"][0]["pipeline_by_stage"] == stages()  # Ana's only deal is won
    # The team filter: East (Ana, Bo) holds no open deal.
    east = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-03", "--team", "East")
    assert east["team"]["pipeline_by_stage"] == stages()


def test_a_deal_won_after_the_period_counts_in_its_pipeline_in_the_stage_it_had(inproc: Runner, dbs, tmp_path) -> None:
    db = tmp_path / "later.db"
    shutil.copy(dbs["march"], db)
    with Store(db, user="tester", now=lambda: local(2026, 4, 10)) as store:
        delta = next(d for d in store.query("SELECT id FROM deals WHERE title = 'd'"))[0]
        store.move_deal(delta, "negotiation", at=local(2026, 4, 2))
        store.move_deal(delta, "won", at=local(2026, 4, 8))
    march = report_json(inproc, "--db", str(db), "--period", "2026-03")
    # Delta was open in proposal when March ended: it stays in March's pipeline, in proposal, at 0.5.
    assert march["team"]["pipeline_by_stage"] == stages(proposal=(1, 3_000.0, 1_500.0))
    assert (march["team"]["pipeline_value"], march["team"]["weighted_pipeline"]) == (3_000.0, 1_500.0)
    april = report_json(inproc, "--db", str(db), "--period", "2026-04")
    assert april["team"]["pipeline_by_stage"] == stages()  # won on Apr 8: nothing open at April's end


def test_cohort_maturity_and_the_last_closed_window(inproc: Runner, dbs) -> None:
    data = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-03")
    window = {"label": "2025-12-01..2026-02-28", "start": "2025-12-01", "end": "2026-02-28"}
    assert data["period"]["conversion_window"] == window
    # March's four opportunities: a and b won, c lost, d still open -> 3 closed of 4. The window (Dec..Feb) has no
    # opportunity: its conversion is null.
    team = data["team"]
    assert (team["cohort_closed"], team["cohort_maturity"], team["window_conversion_rate"]) == (3, 0.75, None)
    by_rep = {r["rep"]: (r["cohort_closed"], r["cohort_maturity"], r["window_conversion_rate"]) for r in data["reps"]}
    # Ana's a and Bo's b are closed (won); Cy's c is closed (lost), d is open.
    assert by_rep == {"Ana": (1, 1.0, None), "Bo": (1, 1.0, None), "Cy": (1, 0.5, None)}
    # A year later the window is 2026-01..2026-03 (the March cohort and nothing else): 2 won of 4 -> 0.5.
    april = report_json(inproc, "--db", str(dbs["march"]), "--period", "2026-04")
    assert april["team"]["window_conversion_rate"] == 0.5 and april["team"]["cohort_maturity"] is None


def test_table_shows_the_cohort_and_the_pipeline_by_stage(inproc: Runner, dbs) -> None:
    code, out, err = inproc("report", "--db", str(dbs["march"]), "--period", "2026-03", "--rep", "Cy")
    assert code == 0, err
    lines = out.splitlines()
    cohort = lines.index(next(line for line in lines if line.startswith("Conversion: the period's opportunities")))
    assert lines[cohort + 1].split() == ["Scope", "Opps", "Closed", "Closed", "%", "Conv", "(cohort)", "Conv",
                                         "2025-12-01..2026-02-28"]  # fmt: skip
    assert lines[cohort + 3].split() == ["Team", "4", "3", "75%", "50%", "—"]
    assert lines[cohort + 4].split() == ["Cy", "2", "1", "50%", "0%", "—"]
    team = lines.index("Pipeline by stage at period end (team)")
    assert lines[team + 5].split() == ["proposal", "1", "$3k", "$1.5k"]
    assert lines[team + 7].split() == ["Total", "1", "$3k", "$1.5k"]
    assert "Pipeline by stage at period end (Cy)" in lines


# ------------------------------------------------------------------------------------------------ archive


def test_archive_is_anchored_on_its_latest_data(cockpit: Runner, dbs) -> None:
    # Now is March 2026; the archive holds June 2015 only: the default period moves to 2015-06 and says so.
    data = report_json(cockpit, "--db", str(dbs["archive"]))
    assert data["period"]["label"] == "2015-06"
    assert (data["period"]["start"], data["period"]["end"]) == ("2015-06-01", "2015-06-30")
    assert data["period"].get("anchored") is True
    assert "2015-06" in data["period"]["note"]
    assert_kpis(data["team"], {"revenue": 700.0, "won": 1, "calls": 1, "reps": 1}, "archive team")
    code, out, err = cockpit("report", "--db", str(dbs["archive"]))
    assert code == 0, err
    assert "2015-06" in out and "no data in the current period" in out
    code, out, err = cockpit("report", "--db", str(dbs["archive"]), "--format", "csv")
    assert code == 0 and "no data in the current period" in err
    assert list(csv.DictReader(io.StringIO(out)))[0]["revenue"] == "700.0"
    # An explicit period is never moved.
    data = report_json(cockpit, "--db", str(dbs["archive"]), "--period", "2026-03")
    assert data["period"]["label"] == "2026-03" and not data["period"].get("anchored")
    assert data["team"]["revenue"] == 0


# ------------------------------------------------------------------------------------------------ errors


def _error_cases(dbs) -> dict[str, list[str]]:
    march = str(dbs["march"])
    return {
        "unknown rep": ["report", "--db", march, "--rep", "Nobody"],
        "unknown team": ["report", "--db", march, "--team", "Nowhere"],
        "rep outside team": ["report", "--db", march, "--team", "West", "--rep", "Ana"],
        "bad period": ["report", "--db", march, "--period", "2026-13"],
        "garbage period": ["report", "--db", march, "--period", "sometime soon"],
        "from without to": ["report", "--db", march, "--from", "2026-03-01"],
        "period and range": [
            "report",
            "--db",
            march,
            "--period",
            "2026-03",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-02",
        ],
        "bad format": ["report", "--db", march, "--format", "xml"],
        "missing db": ["report", "--db", str(dbs["folder"] / "absent.db")],
        "not sqlite": ["report", "--db", str(dbs["text"])],
        "directory": ["report", "--db", str(dbs["folder"])],
    }


ERRORS = [
    "unknown rep",
    "unknown team",
    "rep outside team",
    "bad period",
    "garbage period",
    "from without to",
    "period and range",
    "bad format",
    "missing db",
    "not sqlite",
    "directory",
]


#: One case for each stage a report can fail at (the argument parser; opening the file; the period; the rep and team
#: lookups, after the KPI module is loaded), run in a real process too: exit status 2 through ``python -m cockpit``, one
#: line on the real stderr, nothing printed as the interpreter exits. In-process, each of ERRORS runs its own lines
#: (coverage line sets all differ); a second process per case would run the same lines as the in-process run plus
#: ``cockpit/__main__.py``, which these four cases already run.
IN_A_PROCESS = ["bad format", "not sqlite", "bad period", "rep outside team"]


@pytest.mark.parametrize(
    ("mode", "case"), [("inprocess", case) for case in ERRORS] + [("subprocess", case) for case in IN_A_PROCESS]
)
def test_errors_are_one_line_exit_2(dbs, monkeypatch, capsys, mode: str, case: str) -> None:
    code, out, err = Runner(mode, dbs["folder"], monkeypatch, capsys)(*_error_cases(dbs)[case])
    assert code == 2, (code, err)
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("cockpit: ")
    assert out == ""


def test_error_messages_name_the_problem(inproc: Runner, dbs) -> None:
    cases = _error_cases(dbs)
    assert "Nobody" in inproc(*cases["unknown rep"])[2]
    assert "Nowhere" in inproc(*cases["unknown team"])[2]
    assert "2026-13" in inproc(*cases["bad period"])[2]
    assert "absent.db" in inproc(*cases["missing db"])[2]
    assert "not a SQLite database" in inproc(*cases["not sqlite"])[2]


def test_errors_change_nothing(inproc: Runner, dbs) -> None:
    before = dbs["text"].read_bytes()
    inproc(*_error_cases(dbs)["not sqlite"])
    assert dbs["text"].read_bytes() == before
    assert not (dbs["folder"] / "absent.db").exists()


def test_team_filter_in_another_case_and_an_empty_one(inproc: Runner, dbs, tmp_path: Path) -> None:
    path = tmp_path / "nord.db"
    shutil.copy(dbs["march"], path)
    with Store(path) as s:
        s.update_rep(s.rep_by_name("Cy").id, team="NÖRD")  # West's only rep moves to a team named beyond ASCII
    # "nörd" names NÖRD (Python's casefold; SQLite's NOCASE alone would not match Ö): Cy's March, lost deal only.
    data = report_json(inproc, "--db", str(path), "--period", "2026-03", "--team", "nörd")
    assert data["period"]["team_filter"] == "NÖRD"
    assert [r["rep"] for r in data["reps"]] == ["Cy"]
    assert (data["team"]["reps"], data["team"]["won"], data["team"]["lost"]) == (1, 0, 1)
    code, _out, err = inproc("report", "--db", str(path), "--team", " ")
    assert code == 2 and err.startswith("cockpit: error: no team named ' '")


def test_display_of_count_medians_and_averages() -> None:
    from cockpit.core.report import display_value

    assert display_value("calls", 1.0, "USD") == "1"  # the median of two reps' 1 call each
    assert display_value("won", 1.5, "USD") == "1.5"  # the median of 1 and 2 wins
    assert display_value("calls", 1200.0, "USD") == "1,200"
    assert display_value("calls_per_rep", 2.0, "USD") == "2.0"  # an average keeps its decimal
    assert display_value("calls", 3, "USD") == "3"


def test_a_share_shows_the_same_whole_percent_from_the_float_and_from_the_json() -> None:
    from cockpit.core.report import display_value, percent

    # A pace of 24.5% came out of the float arithmetic as 0.24500000000000002 (the app said 25%) while the JSON
    # said 0.245 (the text report said 24%); 0.7 * 0.35 is 0.24499999999999997. All are 24.5%: half up, 25%.
    for share in (0.24500000000000002, 0.7 * 0.35, 0.245):
        assert percent(share) == display_value("attainment", share, "USD") == display_value("pace", share, "") == "25%"
    assert (percent(0.0049), percent(0.005), percent(1.0), percent(2.6), percent(-0.0001)) == (
        "0%",
        "1%",
        "100%",
        "260%",
        "0%",
    )
    # A fall of half a point is a point (away from zero, as a rise); what is not a number is a dash, not a crash.
    assert (percent(-0.005), percent(float("inf")), percent(float("nan")), percent(1e26)) == (
        "-1%",
        "—",
        "—",
        "1" + "0" * 28 + "%",
    )


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_the_percent_shown_is_the_json_values_rounded_half_up(part: int, whole: int) -> None:
    from fractions import Fraction

    from cockpit.core.report import json_value, percent

    share = part / whole
    # Independently: the JSON's six decimals as an exact fraction, times 100, rounded half up by integer arithmetic.
    exact = Fraction(str(json_value("attainment", share, "USD"))) * 100
    expected = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)
    assert percent(share) == f"{expected}%"

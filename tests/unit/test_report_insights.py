"""`cockpit report` with pace, plan, diagnosis, channels, segments and funnel (docs/INSIGHTS.md)."""

from __future__ import annotations

import json

import pytest

from cockpit.cli import main
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.report import build_report, render
from tests.support.insights_db import mix_db


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    db = tmp_path / "r.db"
    mix_db(db).close()
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-20T12:00:00")
    monkeypatch.setenv("COCKPIT_TZ", "UTC")
    monkeypatch.setenv("COCKPIT_CURRENCY", "USD")
    for key in ("COCKPIT_DB",):
        monkeypatch.delenv(key, raising=False)

    def go(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["report", "--db", str(db), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return go


def test_json_gains_pace_plan_and_insight_keys(run) -> None:
    code, out, err = run("--period", "2026-11", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert {"period", "team", "reps", "diagnosis", "channels", "segments", "funnel"} <= set(report)
    ana = next(r for r in report["reps"] if r["rep"] == "Ana")
    # November: 21 business days, 15 elapsed by Friday the 20th. Ana: 30,000 of 60,000 -> 50%, pace 0.5*21/15.
    assert ana["pace"] == {
        "quota": 60000.0,
        "revenue": 30000.0,
        "attainment": 0.5,
        "gap": 30000.0,
        "business_days_elapsed": 15,
        "business_days_remaining": 6,
        "business_days_total": 21,
        "pace": 0.7,
        "complete": False,
    }
    # Rates over Aug-Oct: basket 32,500, conversion 4/6, 4.0 calls an opportunity -> 1 customer, 2 opps, 8 calls.
    plan = ana["plan"]
    assert (plan["customers"], plan["opportunities"], plan["calls"]) == (1, 2, 8)
    assert plan["avg_basket"] == 32500.0 and plan["window"] == "2026-08-01..2026-10-31" and plan["by"] == "2026-11-30"
    assert plan["message"] == "$30k to go: 1 more customer ≈ 2 opportunities ≈ 8 calls by 30 Nov."
    assert report["team"]["pace"]["quota"] == 80000.0 and "plan" in report["team"]
    bo = next(r for r in report["reps"] if r["rep"] == "Bo")
    assert bo["plan"]["fallback"] == ["avg_basket", "conversion_rate", "calls_per_opportunity"]
    for signal in report["diagnosis"]:
        assert set(signal) == {"kpi", "scope", "rep", "direction", "value", "baseline", "score", "message"}
    assert set(report["funnel"]) == {"team", "reps", "stale_days", "stale"}


def test_json_channels_in_major_units(run) -> None:
    code, out, _ = run("--period", "2026-10", "--format", "json")
    report = json.loads(out)
    li = next(c for c in report["channels"] if c["name"].casefold() == "linkedin")
    # 4,000 of LinkedIn costs over 2 new customers = 2,000; basket 15,000 / 2,000 = 7.5.
    assert (li["cost"], li["cac"], li["avg_basket"], li["basket_to_cac"]) == (4000.0, 2000.0, 15000.0, 7.5)
    seg = {s["name"]: s for s in report["segments"]}
    assert seg["Enterprise"]["revenue"] == 100000.0 and seg["Enterprise"]["cac"] is None
    # October is over by 20 November: complete, pace = attainment = 130,000 / 50,000; a finished period says it is
    # over and by how much it beat quota (130,000 - 50,000 = 80,000), not a plan (issue 19 §4).
    ana = next(r for r in report["reps"] if r["rep"] == "Ana")
    assert ana["pace"]["complete"] and ana["pace"]["pace"] == 2.6
    assert ana["plan"]["message"] == "Period over: beat quota by $80k."
    # Bo has no October quota: nothing was reached and there is nothing to plan.
    bo = next(r for r in report["reps"] if r["rep"] == "Bo")
    assert bo["pace"]["quota"] == 0.0 and bo["pace"]["attainment"] is None and bo["pace"]["pace"] is None
    assert bo["plan"]["message"] == "Period over; no quota was set."


def test_table_and_markdown_append_sections(run) -> None:
    for fmt in ("table", "markdown"):
        code, out, _ = run("--period", "2026-10", "--format", fmt)
        assert code == 0
        for title in ("Pace and plan", "Diagnosis", "Channels", "Segments", "Funnel (team)"):
            assert title in out
        assert "Period over: beat quota by $80k." in out  # Ana's October
    code, out, _ = run("--period", "2026-10", "--format", "csv")
    assert "Diagnosis" not in out and out.splitlines()[0].startswith("rep,team,revenue")


def test_rep_filter_keeps_that_reps_insights(run) -> None:
    _code, out, _ = run("--period", "2026-10", "--format", "json", "--rep", "bo")
    report = json.loads(out)
    assert [r["rep"] for r in report["reps"]] == ["Bo"]
    assert all(s["rep"] in (None, "Bo") for s in report["diagnosis"])
    assert all(r["rep"] == "Bo" for r in report["funnel"]["reps"])


def test_build_report_without_insights_is_unchanged(tmp_path) -> None:
    store = mix_db(tmp_path / "t.db")
    dash = dashboard(store, parse_period("2026-10", tz="UTC"))
    report = build_report(dash, currency="USD")
    assert set(report) == {"period", "team", "reps"}
    assert "pace" not in report["team"]
    assert "Diagnosis" not in render(report, "table", currency="USD")

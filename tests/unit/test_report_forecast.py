"""`cockpit report --format json` gains "forecast", "movement" and "slipped" (issue 23, docs/INSIGHTS.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest

from cockpit.cli import main
from cockpit.core.store import Store

TZ = "UTC"


def ts(text: str) -> int:
    return int(pendulum.parse(text, tz=TZ).timestamp())


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> dict:
    db = tmp_path / "r.db"
    clock = [ts("2026-10-25")]
    store = Store(db, create=True, user="tester", now=lambda: clock[0])
    ana = store.add_rep("Ana", team="East")
    store.add_deal(
        rep_id=ana,
        title="won later",
        amount=30_000,
        stage="qualified",
        created_at=ts("2026-10-01"),
        expected_close=ts("2026-11-03"),
    )
    store.add_deal(
        rep_id=ana,
        title="overdue",
        amount=5_000,
        stage="lead",
        created_at=ts("2026-10-20"),
        expected_close=ts("2026-11-15"),
    )
    clock[0] = ts("2026-11-20")
    store.move_deal(1, "won", at=ts("2026-11-05"))
    store.add_deal(
        rep_id=ana,
        title="big",
        amount=100_000,
        stage="negotiation",
        created_at=ts("2026-11-10"),
        expected_close=ts("2026-11-25"),
    )
    store.set_quota(month="2026-11", amount=200_000, rep_id=ana)
    store.close()
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-20T12:00:00")
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_CURRENCY", "USD")
    monkeypatch.delenv("COCKPIT_DB", raising=False)
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--period", "2026-11", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_rep_forecast_keys_and_values_by_hand(report: dict) -> None:
    fc = report["reps"][0]["forecast"]
    # No history before: configured probabilities for the deals expected in November: negotiation $1,000 at 0.75,
    # lead $50 at 0.1 (overdue, still expected). Won $300. Expected 300 + 750 + 5 = 1,055. Open outcomes 0 (0.225),
    # 50 (0.025), 1,000 (0.675), 1,050 (0.075): P10 0, P50 1,000, P90 1,000.
    assert fc["won"] == 300.0
    assert fc["expected"] == 1055.0
    assert (fc["p10"], fc["p50"], fc["p90"]) == (300.0, 1300.0, 1300.0)
    assert fc["best_case"] == 1350.0
    assert fc["coverage"] == pytest.approx(1050 / 1700, abs=1e-6)  # $1,050 due against $2,000 − $300
    assert fc["coverage_needed"] is None  # no history of conversion
    assert fc["basis"]["configured"] == 2 and "configured" in fc["basis"]["message"]
    # October scored at its midpoint: only the qualified deal, expected in November (no chance then); nothing won.
    assert fc["backtest"] == [{"period": "2026-10", "forecast": 0.0, "actual": 0.0, "error": 0.0}]
    assert fc["mape"] is None and fc["bias"] is None
    for key in (
        "won",
        "p10",
        "p50",
        "p90",
        "best_case",
        "coverage",
        "coverage_needed",
        "backtest",
        "mape",
        "bias",
        "basis",
    ):
        assert key in report["team"]["forecast"]


def test_movement_and_slipped(report: dict) -> None:
    team = report["movement"]["team"]
    assert team["open_start"] == {"value": 350.0, "count": 2}
    assert team["created"] == {"value": 1000.0, "count": 1}
    assert team["won"] == {"value": -300.0, "count": -1}
    assert team["open_end"] == {"value": 1050.0, "count": 2}
    assert report["movement"]["reps"][0]["rep"] == "Ana"
    assert [(s["title"], s["reason"], s["days"]) for s in report["slipped"]] == [("overdue", "overdue", 5)]

"""The forecast as the screens show it (cockpit/core/forecast_view.py): the tile's spellings, the waterfall's bars,
the accuracy line, the data stamp that decides a rerun, and a run that equals `cockpit report`'s core call."""

from __future__ import annotations

from pathlib import Path

from cockpit.core.forecast import BacktestPoint, Basis, Forecast, forecasts
from cockpit.core.forecast_view import (
    ForecastAsk,
    accuracy_text,
    data_stamp,
    forecast_view,
    quota_choices,
    range_choices,
    reaches_quota,
    waterfall_bars,
    waterfall_line,
)
from cockpit.core.movement import Movement, Step, Waterfall
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from cockpit.tui.widgets.forecast import forecast_tile
from tests.support import FROZEN_NOW, TZ, ts

BASIS = Basis("2026-08-01..2026-10-31", 3, 0, 0, "All 3 open deals priced from the team's history.")


def forecast(p10: int, p50: int, p90: int, quota: int = 0, *, complete: bool = False, **kw: object) -> Forecast:
    values: dict[str, object] = {
        "rep_id": None,
        "won": 0,
        "expected": p50,
        "new": 0,
        "p10": p10,
        "p50": p50,
        "p90": p90,
        "best_case": p90,
        "quota": quota,
        "due": 0,
        "coverage": None,
        "coverage_needed": None,
        "basis": BASIS,
        "complete": complete,
    }
    values.update(kw)
    return Forecast(**values)  # type: ignore[arg-type]


def test_the_range_gets_shorter_spellings_for_narrow_tiles() -> None:
    # $75,740.00 -> "$75.7k"; $113,560.00 -> "$113.6k" (cents: minor units).
    f = forecast(7_574_000, 9_000_000, 11_356_000, quota=15_000_000)
    assert range_choices(f, "USD") == ("$75.7k–$113.6k", "$75.7k–113.6k", "75.7k–113.6k", "76k–114k")
    assert range_choices(f, "USD", "-")[0] == "$75.7k-$113.6k"  # ASCII
    # One digit before the point keeps its decimal: 1.1M as 1M would be 9% off.
    big = forecast(75_830_000, 90_000_000, 110_000_000)
    assert range_choices(big, "USD")[-1] == "758k–1.1M"
    assert range_choices(forecast(0, 0, 0, complete=True), "USD") == ("period over", "final")


def test_the_quota_line_and_its_colour() -> None:
    f = forecast(7_500_000, 9_000_000, 11_000_000, quota=15_000_000)
    assert quota_choices(f, "USD") == ("quota $150k", "q $150k", "/$150k")
    assert reaches_quota(f) is False and reaches_quota(forecast(1, 15_000_000, 2, quota=15_000_000)) is True
    assert quota_choices(forecast(1, 2, 3), "USD") == ("no quota",) and reaches_quota(forecast(1, 2, 3)) is None
    tile = forecast_tile(f, "USD", ascii_only=True)
    assert (tile.label, tile.text, tile.foot_better) == ("Forecast", "$90k", False)
    assert tile.change_choices[0] == "$75k-$110k"


def test_accuracy_says_which_way_the_forecast_runs() -> None:
    points = (BacktestPoint("2026-09", 110, 100), BacktestPoint("2026-10", 98, 100))
    # |+10%| and |-2%|: MAPE 6%; bias (+10% - 2%) / 2 = +4%: the forecast ran high.
    f = forecast(1, 2, 3, backtest=points, mape=0.06, bias=0.04)
    assert accuracy_text(f) == "MAPE 6% · bias +4% (runs high)"
    assert accuracy_text(forecast(1, 2, 3, mape=0.2, bias=-0.2)) == "MAPE 20% · bias -20% (runs low)"
    assert accuracy_text(forecast(1, 2, 3)).startswith("MAPE — · bias —")


def test_the_waterfall_floats_each_step_from_the_level_before_it() -> None:
    steps = {
        "created": Step(50_00, 1),
        "amount_changes": Step(-10_00, 0),
        "won": Step(-30_00, -1),
        "lost": Step(-20_00, -1),
        "voided": Step(),
        "other": Step(),
    }
    moved = Movement("2026-11", Waterfall(Step(100_00, 2), steps, Step(90_00, 1)), {})
    bars = [(b.name, b.low, b.high, b.up) for b in waterfall_bars(moved)]
    # 100 -> +50 = 150 -> -10 = 140 -> -30 = 110 -> -20 = 90, in dollars.
    assert bars == [
        ("start", 0, 100_00, True),
        ("created", 100_00, 150_00, True),
        ("amount_changes", 140_00, 150_00, False),
        ("won", 110_00, 140_00, False),
        ("lost", 90_00, 110_00, False),
        ("voided", 90_00, 90_00, True),
        ("other", 90_00, 90_00, True),
        ("end", 0, 90_00, True),
    ]
    assert waterfall_line(moved, "USD") == (
        "Start $100 (2) · Created +$50 (1) · Changes -$10 (0) · Won -$30 (1) · Lost -$20 (1) · Voided $0 (0)"
        " · Other $0 (0) · End $90 (1)"
    )


def test_the_data_stamp_moves_with_a_write_and_only_then(db_path: Path) -> None:
    store = Store(db_path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    try:
        before = data_stamp(store)
        assert data_stamp(store) == before
        rep = store.rep_by_name("Ana Lima").id
        store.add_deal(rep_id=rep, title="New", account="New Co", amount=1_000_00, created_at=ts(2026, 11, 17))
        assert data_stamp(store) != before
    finally:
        store.close()


def test_a_run_gives_the_reports_team_and_rep_forecast(db_path: Path) -> None:
    store = Store(db_path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    try:
        period = parse_period("2026-11", tz=TZ, now=FROZEN_NOW)
        rep = store.rep_by_name("Ana Lima").id
        now_ts = FROZEN_NOW.int_timestamp
        ask = ForecastAsk(period, None, team_quota=80_000_00, rep_id=rep, rep_quota=20_000_00, insights=True)
        view = forecast_view(store, ask, now_ts)
        report = forecasts(store, period, now_ts, team_quota=80_000_00, rep_quotas={rep: 20_000_00})
        assert view.team == report.team  # with its backtest: the insights screen is open
        mine = report.reps[rep]
        assert (view.rep.p10, view.rep.p50, view.rep.p90, view.rep.quota) == (mine.p10, mine.p50, mine.p90, mine.quota)
        assert view.movement is not None and view.movement.period == "2026-11"
        assert all(s.rep_id == rep for s in view.rep_slipped)
    finally:
        store.close()

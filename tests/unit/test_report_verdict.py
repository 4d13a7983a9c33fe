"""`cockpit report` carries the verdict (issue 22): a top-level ``"verdict"`` in JSON, the table and Markdown opening
with its message, and with ``--rep`` that rep's own verdict.

The database is tests/support/verdict_teams.py's ``drop_and_collapse_db``, written through the store into a real
SQLite file: seven reps in team North at $4,000 a deal; six of them qualify 20 opportunities a month and win 5, in
November 12 and 3 (-8 opportunities x 25% x $4,000 = -$8,000 each: volume, team-wide); Ana Torres qualifies 60 and
wins 15, in November 60 and 1 (-14 wins x $4,000 = -$56,000: conversion, hers alone). The team's November quota is
$200,000. So, by construction: a usual month is 6 x $20,000 + $60,000 = $180,000, November 6 x $12,000 + $4,000 =
$76,000; the gap to quota -$124,000 (-62%), the change against a usual month -$104,000 = -$48,000 - $56,000.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cockpit.cli import main
from tests.support.verdict_teams import drop_and_collapse_db

NOW = "2027-01-15T12:00:00"  # November 2026 is over: nothing is projected
#: The issue's key sets, written out (not taken from the code under test).
VERDICT_KEYS = {"scope", "period", "basis", "target", "actual", "gap", "gap_share", "projected", "factors", "message"}
FACTOR_KEYS = {"factor", "amount", "share", "spread", "reps", "lever", "message"}
REP_KEYS = {"rep", "amount", "value", "baseline"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verdict") / "v.db"
    store, _reps = drop_and_collapse_db(path)
    store.close()
    return path


@pytest.fixture
def report(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """``cockpit report --db DB --period 2026-11 ARGS`` in this process, with a frozen clock and no config file."""
    for key in [k for k in os.environ if k.startswith("COCKPIT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("COCKPIT_NOW", NOW)
    monkeypatch.setenv("COCKPIT_TZ", "UTC")
    monkeypatch.setenv("COCKPIT_CURRENCY", "USD")
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))

    def run(*args: str) -> str:
        capsys.readouterr()
        code = main(["report", "--db", str(db), "--period", "2026-11", *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    return run


def cents(value: float) -> int:
    return round(value * 100)


def test_the_json_report_has_the_teams_verdict_with_the_issues_keys(report) -> None:
    data = json.loads(report("--format", "json"))
    verdict = data["verdict"]
    assert set(verdict) == VERDICT_KEYS
    for factor in verdict["factors"]:
        assert set(factor) == FACTOR_KEYS
        for rep in factor["reps"]:
            assert set(rep) == REP_KEYS
    # Amounts in major units (dollars), like the KPIs: November's revenue is $76,000 in both places.
    assert data["team"]["revenue"] == 76_000.0
    assert (verdict["scope"], verdict["period"], verdict["basis"], verdict["projected"]) == (
        "team",
        "2026-11",
        "quota",
        False,
    )
    assert (verdict["target"], verdict["actual"], verdict["gap"]) == (200_000.0, 76_000.0, -124_000.0)
    assert verdict["gap_share"] == pytest.approx(-0.62)
    by_factor = {f["factor"]: f for f in verdict["factors"]}
    assert {k: (f["amount"], f["spread"]) for k, f in by_factor.items()} == {
        "volume": (-48_000.0, "team"),
        "conversion": (-56_000.0, "individual"),
        "deal_size": (0.0, "none"),
    }
    # The causes first, by money: conversion ($56k), volume ($48k), then what held.
    assert [f["factor"] for f in verdict["factors"]] == ["conversion", "volume", "deal_size"]
    assert by_factor["conversion"]["lever"] == "coaching on selling skills"
    assert by_factor["volume"]["lever"] == "lead flow; talk to marketing"
    assert by_factor["deal_size"]["lever"] is None
    # Against the quota the factors add up to the change against a usual month ($76,000 - $180,000), to the cent,
    # and every factor's reps to the factor.
    assert sum(cents(f["amount"]) for f in verdict["factors"]) == cents(76_000 - 180_000)
    for factor in verdict["factors"]:
        assert sum(cents(r["amount"]) for r in factor["reps"]) == cents(factor["amount"])
    # Ana's conversion: 1 won of 60 now against 15 of 60 usually; each of the six others lost $8,000 of volume.
    ana = next(r for r in by_factor["conversion"]["reps"] if r["rep"] == "Ana Torres")
    assert (ana["amount"], ana["value"], ana["baseline"]) == (-56_000.0, pytest.approx(1 / 60, abs=1e-6), 0.25)
    volume = {r["rep"]: r["amount"] for r in by_factor["volume"]["reps"]}
    assert volume == {"Ana Torres": 0.0, **{name: -8_000.0 for name in ("Bo", "Cy", "Di", "Ed", "Fa", "Gil")}}
    assert verdict["message"].startswith("November is $124k (62%) short of quota, $104k below a usual month.")


def test_with_rep_the_verdict_is_that_reps_own_and_its_factors_add_up_to_the_gap(report) -> None:
    data = json.loads(report("--format", "json", "--rep", "Ana Torres"))
    verdict = data["verdict"]
    assert set(verdict) == VERDICT_KEYS
    # No quota of her own: judged against her usual month, 15 wins x $4,000 = $60,000; November 1 win: $4,000.
    assert (verdict["scope"], verdict["basis"], verdict["target"], verdict["actual"], verdict["gap"]) == (
        "rep:Ana Torres",
        "baseline",
        60_000.0,
        4_000.0,
        -56_000.0,
    )
    assert verdict["gap_share"] == pytest.approx(-56_000 / 60_000, abs=1e-6)
    # Against the baseline, the factors add up to the gap itself, to the cent: all of it conversion.
    assert sum(cents(f["amount"]) for f in verdict["factors"]) == cents(verdict["gap"])
    amounts = {f["factor"]: (f["amount"], f["spread"]) for f in verdict["factors"]}
    assert amounts["conversion"] == (-56_000.0, "individual")
    assert amounts["volume"][0] == 0.0 and amounts["deal_size"][0] == 0.0
    assert verdict["message"].startswith("Ana Torres: November is $56k (93%) below a usual month.")


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_the_table_and_markdown_open_with_the_verdicts_message(report, fmt: str) -> None:
    for scope in ([], ["--rep", "Ana Torres"]):
        message = json.loads(report("--format", "json", *scope))["verdict"]["message"]
        lines = report("--format", fmt, *scope).splitlines()
        assert lines[0] == message
        assert lines[1] == ""
        assert "Period 2026-11 (2026-11-01 to 2026-11-30)" in lines[2]


def test_csv_stays_one_row_per_scope(report) -> None:
    lines = report("--format", "csv").splitlines()
    assert lines[0].startswith("rep,team,revenue")
    assert "short of quota" not in "\n".join(lines)

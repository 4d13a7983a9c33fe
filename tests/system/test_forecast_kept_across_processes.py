"""The forecast's history kept in the database (issue 24, cockpit/core/store/forecast_kept.py), across processes: a
cockpit process keeps it, another user's `cockpit report` process reads it (so a row made wrong by hand shows, which
is why `cockpit check` recomputes every row), `cockpit check` finds the wrong row and `--repair` deletes it, after
which the report equals one made on a copy that never kept anything."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cockpit.core.demo import generate
from tests.support import ROOT

NOW = "2026-11-27T15:00:00"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kept") / "demo.db"
    generate(path, reps=4, months=12, seed=5, end=date(2026, 11, 27), tz="UTC")
    return path


def _run(args: list[str], cache: Path, *, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """A new process of another user (its own cache folder), with the clock frozen."""
    env = {**os.environ, "COCKPIT_NOW": NOW, "COCKPIT_TZ": "UTC", "COCKPIT_CACHE_DIR": str(cache)}
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "cockpit", *args]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# What the team cockpit does for its forecast tile, writable: the team's forecast of this month and its history.
_COCKPIT = """
import sys, pendulum
from cockpit.core.forecast import forecasts
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
with Store(sys.argv[1]) as store:
    now = pendulum.parse("2026-11-27T15:00:00", tz="UTC")
    forecasts(store, parse_period("2026-11", tz="UTC"), int(now.timestamp()))
"""


def _report(db: Path, cache: Path) -> dict:
    done = _run(["report", "--db", str(db), "--format", "json"], cache)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_report_process_reads_what_a_cockpit_process_kept(demo: Path, tmp_path: Path) -> None:
    db, untouched = tmp_path / "team.db", tmp_path / "copy.db"
    shutil.copy(demo, db)
    shutil.copy(demo, untouched)
    assert _run([str(db)], tmp_path / "cockpit-user", code=_COCKPIT).returncode == 0
    with sqlite3.connect(db) as conn:
        keys = [json.loads(k) for (k,) in conn.execute("SELECT key FROM forecast_kept")]
    assert sorted(k[0] for k in keys) == ["backtest", "learn"]
    truth = _report(untouched, tmp_path / "fresh")  # a copy no cockpit kept anything in: all computed
    assert _report(db, tmp_path / "user-b") == truth

    # A row made wrong by hand (no write reaches it, so every cockpit would use it): the team's oldest backtested
    # month forecast at 1.00 instead of what its pipeline gave.
    with sqlite3.connect(db) as conn:
        (text,) = conn.execute("SELECT value FROM forecast_kept WHERE kind = 'backtest'").fetchone()
        tracks = json.loads(text)
        team = next(points for scope, points in tracks if scope is None)
        team[0][1] = 100
        conn.execute("UPDATE forecast_kept SET value = ? WHERE kind = 'backtest'", (json.dumps(tracks),))
    shown = _report(db, tmp_path / "user-c")
    assert shown["team"]["forecast"]["backtest"][0]["forecast"] == 1.0
    assert truth["team"]["forecast"]["backtest"][0]["forecast"] != 1.0

    # Check reads as it reads the rest: a file nobody has open keeps no -wal or -shm beside it afterwards.
    alone = tmp_path / "alone" / "team.db"
    alone.parent.mkdir()
    with sqlite3.connect(db) as source, sqlite3.connect(alone) as target:
        source.backup(target)  # the whole database, the -wal's pages included, as one file
    target.close()
    source.close()
    assert _run(["check", str(alone)], tmp_path / "admin").returncode == 2
    assert sorted(p.name for p in alone.parent.iterdir()) == ["team.db"]

    check = _run(["check", str(db)], tmp_path / "admin")
    assert check.returncode == 2
    assert "1 of 2 kept forecast entries differ from a recomputation or are not as a cockpit keeps" in check.stderr
    repaired = _run(["check", "--repair", str(db)], tmp_path / "admin")
    assert repaired.returncode == 0, repaired.stderr
    assert "2 kept, 1 differed from a recomputation or were not a cockpit's: deleted" in repaired.stdout
    assert _report(db, tmp_path / "user-d") == truth
    again = _run(["check", str(db)], tmp_path / "admin")
    assert "forecast history: 1 kept, the 1 in use equal to a recomputation" in again.stdout

"""The real 2015 pipeline export (../shared/data beside the repository), imported with a map, checked against
csv sums."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.importing import import_file
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from tests.support import ROOT

SOURCE = Path(os.environ.get("COCKPIT_REAL_EXPORT", ROOT.parent / "shared" / "data" / "pipeline-export-2015.csv"))
CLOSE = "Close Date/Expected Close Date"
MAP = [
    ("created", "Reporting Date"),
    ("rep", "Deal Owner"),
    ("title", "Customer"),
    ("account", "Customer"),
    ("stage", "Sales stage"),
    ("amount", "Deal size"),
    ("probability", "Probability"),
    ("source", "Sales Channel"),
    ("closed", CLOSE),
    ("expected_close", CLOSE),
]
STAGES = [
    ("Identified", "lead"),
    ("Validated", "qualified"),
    ("Qualified", "qualified"),
    ("Proposal", "proposal"),
    ("Won", "won"),
    ("Lost", "lost"),
]

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="the shared 2015 export is not on this machine")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    target = tmp_path / "pipeline-export-2015.csv"
    shutil.copyfile(SOURCE, target)
    return target


def expected(path: Path) -> dict[str, int]:
    """The 2015 figures worked out from the file with the csv module alone."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Deal Owner"].strip()]

    def year(text: str) -> int:
        return dt.datetime.strptime(text, "%d-%b-%Y").year

    won = [r for r in rows if r["Sales stage"] == "Won" and year(r[CLOSE]) == 2015]
    lost = [r for r in rows if r["Sales stage"] == "Lost" and year(r[CLOSE]) == 2015]
    return {
        "deals": len(rows),
        "won": len(won),
        "lost": len(lost),
        "revenue": sum(int(r["Deal size"]) for r in won) * 100,  # whole dollars in the file, cents in the store
        # Opportunities: created in 2015 in any stage past Identified except Lost (a lost deal was never qualified).
        "opportunities": sum(1 for r in rows if r["Sales stage"] not in ("Identified", "Lost")),
        "reps": len({r["Deal Owner"] for r in rows}),
    }


def test_real_export_imports_with_a_map(export: Path, tmp_path: Path) -> None:
    want = expected(export)
    assert want["deals"] == 1000  # the README's 1,000 opportunities; one more line holds a stray "1" and no owner
    with Store(tmp_path / "real.db", create=True) as store:
        result = import_file(store, "deals", export, mapping=MAP, stage_map=STAGES, skip_bad=True, tz="UTC")
        assert [(e.line, e.column) for e in result.skipped] == [(3764, "Deal Owner")]
        assert result.created == want["deals"]
        assert len(result.new_reps) == want["reps"]
        assert "Column1" in result.ignored_columns
        team = dashboard(store, parse_period("2015", tz="UTC")).team
        assert team["won"] == want["won"]
        assert team["lost"] == want["lost"]
        assert team["revenue"] == want["revenue"]
        assert team["opportunities"] == want["opportunities"]
        again = import_file(store, "deals", export, mapping=MAP, stage_map=STAGES, skip_bad=True, tz="UTC")
        assert (again.created, again.updated, again.unchanged) == (0, 0, want["deals"])


def test_real_export_from_the_command_line(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COCKPIT_TZ", "UTC")
    db = tmp_path / "cli.db"
    args = ["import", "deals", str(export), "--db", str(db), "--skip-bad"]
    for field, column in MAP:
        args += ["--map", f"{field}={column}"]
    for theirs, ours in STAGES:
        args += ["--stage-map", f"{theirs}={ours}"]
    # Without --skip-bad the stray line stops the import, and nothing is written.
    assert main([a for a in args if a != "--skip-bad"]) == 2
    assert "line 3764, column 'Deal Owner': rep is empty" in capsys.readouterr().err
    assert not db.exists()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1000 created" in out
    with Store(db) as store:
        assert store.query("SELECT count(*) FROM deals")[0][0] == 1000

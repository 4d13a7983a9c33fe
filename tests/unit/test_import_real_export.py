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
    # The file has no qualified date: a deal is an opportunity from its Reporting Date (its created date) once it
    # stands past Identified (our lead), won and lost alike, as in the CRMs the export comes from.
    created_2015 = [r for r in rows if year(r["Reporting Date"]) == 2015]
    opportunities = [r for r in created_2015 if r["Sales stage"] != "Identified"]
    # With --lost-from-lead, a lost deal is taken to have left the pipeline from lead: not an opportunity.
    lost_from_lead = [r for r in opportunities if r["Sales stage"] != "Lost"]
    return {
        "deals": len(rows),
        "won": len(won),
        "lost": len(lost),
        "revenue": sum(int(r["Deal size"]) for r in won) * 100,  # whole dollars in the file, cents in the store
        "opportunities": len(opportunities),
        "opportunities_won": sum(1 for r in opportunities if r["Sales stage"] == "Won"),
        "opportunities_lost_from_lead": len(lost_from_lead),
        "reps": len({r["Deal Owner"] for r in rows}),
    }


def test_the_expected_counts_are_the_files() -> None:
    """The counts the tests below hold the import to, read by hand from the file once (a sanity check of
    :func:`expected`, not of the code): 355 Identified, 226 Validated, 188 Qualified, 145 Proposal, 53 Won and 33 Lost
    deals, all reported in 2015, all 86 closed deals closed in 2015."""
    want = expected(SOURCE)
    assert (want["won"], want["lost"]) == (53, 33)
    assert want["opportunities"] == 1000 - 355  # every stage past Identified, Won and Lost included
    assert want["opportunities_lost_from_lead"] == 1000 - 355 - 33
    assert want["opportunities_won"] == 53


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
        assert team["conversion_rate"] == pytest.approx(want["opportunities_won"] / want["opportunities"])
        # Converting never beats the win rate of the deals closed: every closed deal is an opportunity.
        assert team["conversion_rate"] <= want["won"] / (want["won"] + want["lost"])
        again = import_file(store, "deals", export, mapping=MAP, stage_map=STAGES, skip_bad=True, tz="UTC")
        assert (again.created, again.updated, again.unchanged) == (0, 0, want["deals"])


def test_real_export_with_lost_from_lead(export: Path, tmp_path: Path) -> None:
    want = expected(export)
    with Store(tmp_path / "lead.db", create=True) as store:
        import_file(store, "deals", export, mapping=MAP, stage_map=STAGES, skip_bad=True, tz="UTC", lost_from_lead=True)
        team = dashboard(store, parse_period("2015", tz="UTC")).team
        assert team["opportunities"] == want["opportunities_lost_from_lead"]
        assert (team["won"], team["lost"]) == (want["won"], want["lost"])  # the closed deals are the same


def test_real_export_needs_no_title_column(export: Path, tmp_path: Path) -> None:
    """The file has no title: the customer (the account) names each deal, with no --map title=..."""
    with Store(tmp_path / "untitled.db", create=True) as store:
        mapping = [(f, c) for f, c in MAP if f != "title"]
        result = import_file(store, "deals", export, mapping=mapping, stage_map=STAGES, skip_bad=True, tz="UTC")
        assert result.created == expected(export)["deals"]
        with export.open(encoding="utf-8", newline="") as handle:
            first = next(r for r in csv.DictReader(handle) if r["Deal Owner"].strip())
        titles = {row[0] for row in store.query("SELECT title FROM deals")}
        assert first["Customer"] in titles


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
    want = expected(export)
    with Store(db) as store:
        assert store.query("SELECT count(*) FROM deals")[0][0] == 1000
        assert store.query("SELECT count(*) FROM deals WHERE qualified_at IS NOT NULL")[0][0] == want["opportunities"]
    # --lost-from-lead: the 33 lost deals never left lead, and their history says so.
    lead_db = tmp_path / "lead.db"
    assert main([*(a if a != str(db) else str(lead_db) for a in args), "--lost-from-lead"]) == 0
    capsys.readouterr()
    with Store(lead_db) as store:
        qualified = store.query("SELECT count(*) FROM deals WHERE qualified_at IS NOT NULL")[0][0]
        assert qualified == want["opportunities_lost_from_lead"]
        starts = store.query(
            "SELECT DISTINCT h.to_stage FROM stage_history h JOIN deals d ON d.id = h.deal_id"
            " WHERE d.stage = 'lost' AND h.from_stage IS NULL"
        )
        assert [r[0] for r in starts] == ["lead"]

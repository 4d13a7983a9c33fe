"""``cockpit report`` in table form fits the terminal: a table wider than it is split into blocks of the columns
that fit, each led by the rep's name; no column and no row is lost; JSON, CSV and Markdown are unchanged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.kpi import KPI_LABELS, KPI_NAMES
from cockpit.core.report import column_blocks
from cockpit.core.text import cell_width
from tests.support import FROZEN_NOW, TZ

RULE = re.compile(r"^-+( +-+)*$")
#: The scorecard's headers, in order: rep, team, then the 22 KPIs.
HEADERS = ["Rep", "Team", *(KPI_LABELS[k] for k in KPI_NAMES)]
SCOPES = ["(team)", "Ana Torres", "François Lefèvre", "José Álvarez", "Liam O'Brien", "Zoë Müller", "김민준", "이서연"]


@pytest.fixture
def report(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_NOW", FROZEN_NOW.to_iso8601_string())

    def run(columns: int, *args: str) -> str:
        monkeypatch.setenv("COLUMNS", str(columns))  # what shutil.get_terminal_size() reads first
        capsys.readouterr()
        assert main(["report", "--db", str(db), "--period", "2026-11", *args]) == 0
        return capsys.readouterr().out

    return run


def tables(text: str) -> list[list[str]]:
    """Each plain-text table of a report: a header line, its rule of dashes, the rows up to a blank line."""
    lines = text.splitlines()
    found = []
    for i in range(len(lines) - 1):
        if RULE.match(lines[i + 1]):
            end = lines.index("", i) if "" in lines[i:] else len(lines)
            found.append(lines[i:end])
    return found


def cells(table: list[str]) -> list[dict[str, str]]:
    """The rows of a table as {header: cell}, cut where its rule's dashes are (cells are padded to them)."""
    spans = [m.span() for m in re.finditer(r"-+", table[1])]

    def cut(line: str) -> list[str]:
        # Wide characters take two cells: walk the line cell by cell, not character by character.
        position, chars = 0, []
        for char in line:
            chars.append((position, char))
            position += cell_width(char)
        return ["".join(c for p, c in chars if start <= p < end).strip() for start, end in spans]

    header = cut(table[0])
    return [dict(zip(header, cut(line), strict=True)) for line in table[2:]]


def scorecard(text: str) -> tuple[list[list[str]], dict[str, dict[str, str]]]:
    """The scorecard's blocks (the tables whose first header is Rep) and every scope's cells across them."""
    blocks = [t for t in tables(text) if t[0].startswith("Rep ")]
    merged: dict[str, dict[str, str]] = {}
    for block in blocks:
        for row in cells(block):
            merged.setdefault(row["Rep"], {}).update(row)
    return blocks, merged


def test_column_blocks_by_hand() -> None:
    # Name 10 cells, team 6, three KPIs of 5; two spaces between columns. At 24 cells: name + team + the first
    # KPI is 10+2+6+2+5 = 25 (one KPI is always taken: a block never holds only names), then name + two KPIs is
    # 10+2+5+2+5 = 24, which fits exactly.
    assert column_blocks([10, 6, 5, 5, 5], 24, lead=1) == [[0, 1, 2], [0, 3, 4]]
    assert column_blocks([10, 6, 5, 5, 5], 23, lead=1) == [[0, 1, 2], [0, 3], [0, 4]]
    assert column_blocks([10, 6, 5, 5, 5], 1000, lead=1) == [[0, 1, 2, 3, 4]]
    assert column_blocks([10, 6, 5, 5, 5], None, lead=1) == [[0, 1, 2, 3, 4]]
    assert column_blocks([10, 5], 3) == [[0, 1]]  # narrower than anything: still every column, once


@pytest.mark.parametrize("columns", [80, 200])
def test_the_table_fits_and_keeps_every_column_and_row(report, columns: int) -> None:
    wide_blocks, wide = scorecard(report(1000))
    assert len(wide_blocks) == 1 and wide_blocks[0][0].split("  ")[0] == "Rep"  # one table of all 24 columns
    assert list(wide) == SCOPES and all(list(row) == HEADERS for row in wide.values())

    text = report(columns)
    for table in tables(text):  # every table of the report: scorecard, cohort, pipeline, channels, funnel...
        assert max(cell_width(line) for line in table) <= columns, table[0]
    blocks, merged = scorecard(text)
    assert len(blocks) > 1
    # Each block is led by the rep's name and has every scope in the same order; the team column only in the first.
    assert all([row["Rep"] for row in cells(block)] == SCOPES for block in blocks)
    assert ["Team" in cells(block)[0] for block in blocks] == [True] + [False] * (len(blocks) - 1)
    # Read back across the blocks, every scope has every column, in order, with the same cell as the wide table.
    assert merged == wide and all(list(row) == HEADERS for row in merged.values())


def test_at_200_columns_two_blocks(report) -> None:
    # The 24 columns of the demo's November take 249 cells on one line: more than 200, and what is left after the
    # first 200 fits in a second block beside the rep's name.
    blocks, _ = scorecard(report(200))
    assert len(blocks) == 2


def test_json_csv_and_markdown_do_not_depend_on_the_width(report) -> None:
    for fmt in ("json", "csv", "markdown"):
        assert report(80, "--format", fmt) == report(1000, "--format", fmt), fmt
    markdown = report(80, "--format", "markdown").splitlines()
    header = next(line for line in markdown if line.startswith("| Rep"))
    assert header.count("|") == 25  # 24 columns on one line: a Markdown table is for documents, not terminals

"""Scorecards of a team with more reps than one page: paged in the sort order, the cursor's rep followed.

On a real demo database of 60 reps through the real app and real keys. The expected order comes from
`cockpit report --format json` (the report's rep rows, sorted here by revenue, largest first, then name), not from
the widget's own sort.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cockpit.cli import main
from cockpit.core.config import Settings
from cockpit.core.store import Store
from cockpit.tui.widgets.scorecard import NEXT_PAGE, PREVIOUS_PAGE, REPS_PAGE, TEAM_KEY, Scorecards
from tests.support import FROZEN_NOW, TZ, settle

REPS = 60


@pytest.fixture(scope="module")
def big_team_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cockpit.core.demo import generate

    path = tmp_path_factory.mktemp("big") / "big.db"
    generate(path, reps=REPS, months=2, seed=11, end=FROZEN_NOW.date(), tz=TZ)
    return path


@pytest.fixture
def app_on_big_team(big_team_db: Path, tmp_path: Path):  # noqa: ANN201
    from cockpit.tui.app import make_app

    target = tmp_path / "big.db"
    shutil.copy(big_team_db, target)
    settings = Settings(db_path=target, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    store = Store(target, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    yield make_app(store, settings=settings, now=lambda: FROZEN_NOW), target
    store.close()


def report_order(db: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Rep names by this month's revenue, largest first, then by name (the scorecards' default sort)."""
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--period", "2026-11", "--format", "json"]) == 0
    reps = json.loads(capsys.readouterr().out)["reps"]
    present = sorted((r for r in reps if r["revenue"] is not None), key=lambda r: (-r["revenue"], r["rep"].casefold()))
    return [r["rep"] for r in present] + [r["rep"] for r in reps if r["revenue"] is None]


def keys(table: Scorecards) -> list[str]:
    return [str(k.value) for k in table.rows]


def names(table: Scorecards) -> list[str]:
    return [str(table.get_row(str(rep_id))[0]) for rep_id in table.ordered_rep_ids()]


async def page_on(pilot: Pilot, table: Scorecards) -> None:
    """Enter on the last row (the one that pages on)."""
    table.move_cursor(row=table.row_count - 1)
    await pilot.press("enter")
    await pilot.pause()


async def test_more_reps_than_a_page_are_paged_in_the_sort_order(app_on_big_team, capsys) -> None:
    app, db = app_on_big_team
    expected = report_order(db, capsys)
    assert len(expected) > REPS_PAGE  # the demo made more active reps than a page (60 reps and its managers)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        # Page 1: the team total, the first 50 reps, and the row that pages on.
        assert keys(table)[0] == TEAM_KEY and keys(table)[-1] == NEXT_PAGE
        assert names(table) == expected[:REPS_PAGE]
        assert str(table.get_row(NEXT_PAGE)[0]) == f"↓ {len(expected) - REPS_PAGE} more (Enter)"
        # Enter on it: page 2 under a row that goes back; the cursor on the page's first rep.
        await page_on(pilot, table)
        assert keys(table)[:2] == [TEAM_KEY, PREVIOUS_PAGE] and NEXT_PAGE not in keys(table)
        assert names(table) == expected[REPS_PAGE:]
        assert str(table.get_row(PREVIOUS_PAGE)[0]) == f"↑ {REPS_PAGE} before (Enter)"
        assert table.selected_rep_id() == table.ordered_rep_ids()[0]
        # Enter on a rep still opens its drill-down; Enter on the paging row goes back to page 1.
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        assert names(table) == expected[:REPS_PAGE]
        assert len(table.rows) == REPS_PAGE + 2


async def test_the_cursor_follows_its_rep_to_another_page_when_the_sort_changes(app_on_big_team, capsys) -> None:
    app, db = app_on_big_team
    expected = report_order(db, capsys)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        # The rep with the least revenue is on page 2; reversing the sort brings it to page 1, and the cursor with it.
        await page_on(pilot, table)
        assert PREVIOUS_PAGE in keys(table)  # on page 2
        last = expected[-1]
        row = names(table).index(last) + 2  # under the team total and the paging row
        table.move_cursor(row=row)
        await pilot.pause()
        chosen = table.selected_rep_id()
        await pilot.press("S")  # reverse: least revenue first
        await pilot.pause()
        assert PREVIOUS_PAGE not in keys(table)  # page 1 now
        assert table.selected_rep_id() == chosen
        assert str(table.get_row(str(chosen))[0]) == last


async def test_a_live_refresh_keeps_the_page_shown(app_on_big_team) -> None:
    app, db = app_on_big_team
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        await page_on(pilot, table)
        shown, cursor = table.ordered_rep_ids(), table.selected_rep_id()
        assert PREVIOUS_PAGE in keys(table) and cursor in shown  # on page 2
        before = app.refreshes
        other = Store(db, user="someone-else")
        other.log_activity(kind="call", rep_id=shown[-1], at=FROZEN_NOW.subtract(hours=2).int_timestamp)
        other.close()
        for _ in range(40):
            await pilot.pause(0.1)
            if app.refreshes > before:
                break
        await settle(pilot)
        assert app.refreshes > before
        assert table.ordered_rep_ids() == shown and table.selected_rep_id() == cursor

"""The scorecards' page edges: one page, one rep over, two full pages; ties listed A to Z; a live refresh that
empties the page shown goes back to the first one. Real SQLite files, the real app through Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.config import Settings
from cockpit.core.store import Store
from cockpit.tui.app import CockpitApp, make_app
from cockpit.tui.widgets.scorecard import NEXT_PAGE, PREVIOUS_PAGE, REPS_PAGE, TEAM_KEY, Scorecards
from tests.support import FROZEN_NOW, TZ, settle


def team_db(path: Path, names: list[str]) -> Path:
    with Store(path, create=True, user="tester", now=lambda: FROZEN_NOW.int_timestamp) as store:
        for name in names:
            store.add_rep(name, team="A")
    return path


def app_for(path: Path) -> tuple[CockpitApp, Store]:
    settings = Settings(db_path=path, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    store = Store(path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    return make_app(store, settings=settings, now=lambda: FROZEN_NOW), store


def keys(table: Scorecards) -> list[str]:
    return [str(k.value) for k in table.rows]


@pytest.mark.parametrize(("reps", "pages"), [(REPS_PAGE, 1), (REPS_PAGE + 1, 2), (2 * REPS_PAGE, 2)])
async def test_page_edges(tmp_path: Path, reps: int, pages: int) -> None:
    """50 reps: one page, no paging row; 51: "↓ 1 more", page 2 holds one rep; 100: two full pages."""
    path = team_db(tmp_path / "t.db", [f"Rep {i:03d}" for i in range(reps)])
    app, store = app_for(path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(Scorecards)
            assert keys(table)[0] == TEAM_KEY
            assert len(table.ordered_rep_ids()) == min(reps, REPS_PAGE)
            if pages == 1:
                assert NEXT_PAGE not in keys(table) and PREVIOUS_PAGE not in keys(table)
                return
            assert keys(table)[-1] == NEXT_PAGE
            assert str(table.get_row(NEXT_PAGE)[0]) == f"↓ {reps - REPS_PAGE} more (Enter)"
            seen = set(table.ordered_rep_ids())
            table.move_cursor(row=table.row_count - 1)
            await pilot.press("enter")
            await pilot.pause()
            assert keys(table)[:2] == [TEAM_KEY, PREVIOUS_PAGE] and NEXT_PAGE not in keys(table)
            assert len(table.ordered_rep_ids()) == reps - REPS_PAGE
            assert seen.isdisjoint(table.ordered_rep_ids())
            assert table.selected_rep_id() == table.ordered_rep_ids()[0]
            # `v` on the paging row: no rep is chosen (the tester maps to no rep), a notice instead of a crash.
            table.move_cursor(row=1)
            await pilot.pause()
            assert table.selected_rep_id() is None
            await pilot.press("v")
            await pilot.pause()
            assert any("Choose a rep" in n.message for n in app._notifications)
    finally:
        store.close()


async def test_reps_without_data_are_listed_a_to_z(tmp_path: Path) -> None:
    """Sort ties by name A to Z: reps with no revenue at all (a new team) are all ties, listed A to Z."""
    names = [f"Rep {chr(ord('Z') - i)}" for i in range(5)]  # added Z, Y, X, W, V
    path = team_db(tmp_path / "t.db", names)
    app, store = app_for(path)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(Scorecards)
            shown = [str(table.get_row(str(rep_id))[0]) for rep_id in table.ordered_rep_ids()]
            assert shown == sorted(names)
    finally:
        store.close()


async def test_a_live_refresh_emptying_page_two_goes_back_to_page_one(tmp_path: Path) -> None:
    """On page 2 of 51 reps (one rep there), another process deactivates that rep: the scorecards fall back to
    page 1, without a paging row, the cursor on a rep."""
    path = team_db(tmp_path / "t.db", [f"Rep {i:03d}" for i in range(REPS_PAGE + 1)])
    app, store = app_for(path)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(Scorecards)
            table.move_cursor(row=table.row_count - 1)
            await pilot.press("enter")
            await pilot.pause()
            (last,) = table.ordered_rep_ids()
            with Store(path, user="someone-else") as other:
                other.update_rep(last, active=False)
            for _ in range(40):
                await pilot.pause(0.1)
                if PREVIOUS_PAGE not in keys(table):
                    break
            await settle(pilot)
            assert PREVIOUS_PAGE not in keys(table) and NEXT_PAGE not in keys(table)
            assert len(table.ordered_rep_ids()) == REPS_PAGE
            assert table.selected_rep_id() is not None
    finally:
        store.close()

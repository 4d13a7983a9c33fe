"""The rep drill-down lists a rep's open deals a page at a time (it showed the first 30 with no way on).

Real SQLite file (the seeded database plus 35 open deals for Ana), the real app, Enter on the paging rows. The
expected total is counted with plain SQL, not by the code under test.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cockpit.core.store import Store
from cockpit.core.views import REP_DEALS_PAGE
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.widgets.pipeline import NEXT_PAGE, PREVIOUS_PAGE, DealTable
from tests.support import FROZEN_NOW, settle


def open_deals_of(db: Path, name: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT count(*) FROM deals d JOIN reps r ON r.id = d.rep_id WHERE r.name = ? AND d.voided_at IS NULL"
            " AND d.stage IN (SELECT name FROM stages WHERE is_open = 1)",
            (name,),
        ).fetchone()[0]


def keys(table: DealTable) -> list[str]:
    return [str(k.value) for k in table.rows]


async def test_the_drill_down_pages_through_all_of_a_reps_open_deals(make_cockpit, db_path: Path) -> None:
    store = Store(db_path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    ana = store.rep_by_name("Ana Lima")
    for i in range(35):
        store.add_deal(
            rep_id=ana.id, title=f"Extra deal {i:02d}", amount=10_000 + i, account=f"Extra {i}", stage="lead"
        )
    store.close()
    total = open_deals_of(db_path, "Ana Lima")
    assert REP_DEALS_PAGE < total <= 2 * REP_DEALS_PAGE  # two pages: 35 added to the deals Ana had
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_rep(ana.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RepScreen)
        table = screen.query_one(DealTable)
        # Page 1: 30 deals and the row that pages on; the title says which.
        assert len(table.rows) == REP_DEALS_PAGE + 1 and keys(table)[-1] == NEXT_PAGE
        assert str(screen.query_one("#rep-deals").border_title).endswith(f"· 1–{REP_DEALS_PAGE} of {total}")
        first_page = set(keys(table)[:-1])
        table.focus()
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("enter")
        await settle(pilot)
        # Page 2: the row that goes back, then the rest; no deal of page 1 again.
        assert keys(table)[0] == PREVIOUS_PAGE and NEXT_PAGE not in keys(table)
        second_page = set(keys(table)[1:])
        assert len(second_page) == total - REP_DEALS_PAGE and not first_page & second_page
        assert str(screen.query_one("#rep-deals").border_title).endswith(f"· {REP_DEALS_PAGE + 1}–{total} of {total}")
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        assert set(keys(table)[:-1]) == first_page
        # Left on page 2, the drill-down opened again starts at the first page.
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("enter")
        await settle(pilot)
        assert keys(table)[0] == PREVIOUS_PAGE
        await pilot.press("escape")
        await settle(pilot)
        app.open_rep(ana.id)
        await settle(pilot)
        again = app.screen.query_one(DealTable)
        assert keys(again)[-1] == NEXT_PAGE and PREVIOUS_PAGE not in keys(again)
        assert set(keys(again)[:-1]) == first_page


def test_a_page_past_the_end_shows_the_last_page(db_path: Path) -> None:
    """Asked for a page the list no longer reaches (deals closed since), the drill-down shows its last page."""
    from cockpit.core.views import rep_detail

    with Store(db_path, user="tester", now=lambda: FROZEN_NOW.int_timestamp) as store:
        ana = store.rep_by_name("Ana Lima")
        for i in range(35):
            store.add_deal(rep_id=ana.id, title=f"Extra {i:02d}", amount=10_000, account=f"Extra {i}", stage="lead")
        total = open_deals_of(db_path, "Ana Lima")
        detail = rep_detail(store, ana.id, now_ts=FROZEN_NOW.int_timestamp, stale_days=14, deals_offset=10 * total)
    assert detail.deals_total == total
    assert detail.deals_offset == (total - 1) // REP_DEALS_PAGE * REP_DEALS_PAGE
    assert len(detail.deals) == total - detail.deals_offset

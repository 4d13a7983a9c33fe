"""Adversarial review of session 3 (commits 895af8c..): the forked first read, the collector paused at start, the
tables' direct width measurement and the scorecards' paging.

Real SQLite files, real forks, the real app through Pilot. The review's one defect (a forked first read slower than
FIRST_READ_WAIT was thrown away and the database read again) failed on 10ce10c's parent and is fixed; the others
checked something that was found right.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from cockpit.core.config import Settings
from cockpit.core.store import Store
from cockpit.tui.widgets.scorecard import NEXT_PAGE, PREVIOUS_PAGE, REPS_PAGE, TEAM_KEY, Scorecards
from cockpit.tui.widgets.table import Table
from tests.support import FROZEN_NOW, TZ, settle

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="the forked first read needs os.fork")


# ------------------------------------------------------------------------------------------ forked first read


@fork_only
async def test_a_child_slower_than_the_first_wait_is_waited_for_not_read_again(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was a defect (fixed). A child slower than FIRST_READ_WAIT (1 s: a large database, a cold KPI cache, a slow
    disk) made the app paint "Loading…" and start its refresh worker, which compared ``prefetch.request`` with its
    own: the child had not answered, ``request`` was None, and the worker read the whole database again beside the
    child still reading, whose answer was then thrown away. The first poll's recheck did the same. Now the worker
    waits for the child and the recheck waits for the first snapshot: the app reads nothing itself."""
    import cockpit.core.snapshot
    import cockpit.tui.app
    from cockpit.core.snapshot import ForkedFirstRead
    from cockpit.tui.app import FIRST_READ_WAIT, make_app

    real = cockpit.core.snapshot.build_snapshot

    def slow_read(*args: object, **kwargs: object) -> object:
        time.sleep(FIRST_READ_WAIT + 0.8)  # the child's read of a database that takes 1.8 s to read
        return real(*args, **kwargs)  # type: ignore[arg-type]

    # Before the fork: only the child (core.snapshot's name) reads slowly; the app's worker calls tui.app's.
    monkeypatch.setattr(cockpit.core.snapshot, "build_snapshot", slow_read)
    first = ForkedFirstRead(demo_settings, FROZEN_NOW, None)
    monkeypatch.setattr(cockpit.core.snapshot, "build_snapshot", real)
    parent_reads: list[float] = []
    app_read = cockpit.tui.app.build_snapshot

    def counted(*args: object, **kwargs: object) -> object:
        parent_reads.append(time.perf_counter())
        return app_read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cockpit.tui.app, "build_snapshot", counted)
    store = Store(demo_settings.db_path, user="tester")
    try:
        app = make_app(store, settings=demo_settings, now=lambda: FROZEN_NOW, first_read=first)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                if app.snapshot is not None:
                    break
                await pilot.pause(0.05)
            assert app.snapshot is not None
            reads_before_first_data = len(parent_reads)
            assert first.wait(10) and first.request is not None  # the child did answer, with the same request
            # The first data should be the child's answer, not a second read of the same request.
            assert reads_before_first_data == 0, "the app read the database again instead of waiting for the child"
    finally:
        store.close()


@fork_only
@pytest.mark.parametrize("as_rep", [None, "Ana Lima"])
def test_the_child_and_the_app_agree_on_a_rep_starting_on_my_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_rep: str | None
) -> None:
    """A rep whose login is mapped (Ana, login "ana") starts on My day, by her login or by --as: the child's
    request names her My day, as the app's own first request does, so the child's snapshot is used (passes)."""
    from cockpit.core.actor import resolve_actor
    from cockpit.core.snapshot import ForkedFirstRead, first_request

    path = tmp_path / "team.db"
    with Store(path, create=True, user="admin") as store:
        ana = store.add_rep("Ana Lima", team="North", unix_login="ana")
        store.add_rep("Max Boss", team="North", unix_login="max", role="manager")
        assert not store.is_demo
    monkeypatch.setenv("LOGNAME", "ana")  # getpass.getuser() reads LOGNAME first, in the child too
    settings = Settings(db_path=path, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    first = ForkedFirstRead(settings, FROZEN_NOW, as_rep)
    snap = first.result()
    with Store(path, readonly=True) as store:
        assert first.request == first_request(resolve_actor(store, as_rep))
    assert first.request is not None and first.request.myday_rep_id == ana
    assert snap.my_day is not None


@fork_only
def test_a_database_needing_an_upgrade_is_left_to_the_parent(tmp_path: Path) -> None:
    """An older database (user_version 2): the read-only child cannot upgrade it and says so in one line; the app
    then reads itself after open_store upgraded it (passes)."""
    from cockpit.core.snapshot import FirstReadFailed, ForkedFirstRead

    path = tmp_path / "old.db"
    with Store(path, create=True, user="tester") as store:
        store.add_rep("Solo", team="A")
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    settings = Settings(db_path=path, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    first = ForkedFirstRead(settings, FROZEN_NOW, None)
    with pytest.raises(FirstReadFailed, match="needs a schema upgrade"):
        first.result()
    assert first.request is None


# ------------------------------------------------------------------------------------------ the collector


async def test_the_collector_is_back_on_after_the_first_data_frame(make_demo_cockpit) -> None:  # noqa: ANN001
    """`cockpit run` turns the collector off; the first data frame turns it back on (passes)."""
    gc.disable()
    try:
        app = make_demo_cockpit()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.refreshes >= 1
            await pilot.pause(0.2)
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_the_collector_is_back_on_when_no_data_frame_ever_comes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that opens but cannot be read (its deals table dropped by someone else): no data frame, the
    collector comes back after START_GC_PAUSE all the same (passes; the pause shortened to 0.3 s)."""
    import sqlite3

    import cockpit.tui.app
    from cockpit.tui.app import make_app

    path = tmp_path / "broken.db"
    with Store(path, create=True, user="tester") as store:
        store.add_rep("Solo", team="A")
    monkeypatch.setattr(cockpit.tui.app, "START_GC_PAUSE", 0.3)
    store = Store(path, user="tester")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TABLE deals")
    conn.commit()
    conn.close()
    settings = Settings(db_path=path, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    gc.disable()
    try:
        app = make_app(store, settings=settings, now=lambda: FROZEN_NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.pause(0.6)
            assert app.refreshes == 0  # the read failed: no data frame
            assert gc.isenabled()
    finally:
        gc.enable()
        store.close()


# ------------------------------------------------------------------------------------------ table widths


TRICKY_CELLS: list[object] = [
    Text("plain"),
    Text(""),
    None,
    Text("two\nlines, the second longer"),
    Text("김민준 wide"),
    Text("tab\there"),
    Text("cr\rsplit-line-longer"),
    Text("vt\x0bform\x0cfeed-and-more"),
    Text("e\u0301accent"),
    Text("\u2028sep-line-longer-than-all-of-them"),
]


class _TwoTables(App[None]):
    def compose(self) -> ComposeResult:
        yield Table(id="ours")
        yield DataTable(id="theirs")


async def test_direct_measurement_equals_datatables_own() -> None:
    """Column widths from _measure_plain_rows equal DataTable's for multi-line, empty, None, wide, tab, CR, form
    feed, combining and Unicode line-separator cells, after add_row and after update_cell (passes)."""
    app = _TwoTables()
    async with app.run_test(size=(200, 40)) as pilot:
        tables = [app.query_one("#ours", DataTable), app.query_one("#theirs", DataTable)]
        for table in tables:
            for i in range(len(TRICKY_CELLS)):
                table.add_column(f"c{i}", key=f"c{i}")
            table.add_row(*TRICKY_CELLS, key="a")
            table.add_row(*reversed(TRICKY_CELLS), key="b")
        await pilot.pause()
        ours, theirs = ([c.content_width for c in t.ordered_columns] for t in tables)
        assert ours == theirs
        for table in tables:
            table.update_cell("a", "c2", Text("widened by an update, much longer"), update_width=True)
            table.add_row(*(Text("x" * n) for n in range(len(TRICKY_CELLS))), key="c")
        await pilot.pause()
        ours, theirs = ([c.content_width for c in t.ordered_columns] for t in tables)
        assert ours == theirs


# ------------------------------------------------------------------------------------------ scorecard paging


def team_db(path: Path, names: list[str]) -> Path:
    with Store(path, create=True, user="tester", now=lambda: FROZEN_NOW.int_timestamp) as store:
        for name in names:
            store.add_rep(name, team="A")
    return path


def app_for(path: Path):  # noqa: ANN201
    from cockpit.tui.app import make_app

    settings = Settings(db_path=path, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    store = Store(path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    return make_app(store, settings=settings, now=lambda: FROZEN_NOW), store


def keys(table: Scorecards) -> list[str]:
    return [str(k.value) for k in table.rows]


@pytest.mark.parametrize(("reps", "pages"), [(REPS_PAGE, 1), (REPS_PAGE + 1, 2), (2 * REPS_PAGE, 2)])
async def test_page_edges(tmp_path: Path, reps: int, pages: int) -> None:
    """50 reps: one page, no paging row; 51: "↓ 1 more", page 2 holds one rep; 100: two full pages (passes)."""
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
    """Sort ties by name A to Z: reps with no revenue at all (a new team) are all ties, listed A to Z (passes)."""
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
    page 1, without a paging row, the cursor on a rep (passes)."""
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

"""What a user sees after live refreshes, resizes, sorting and paging: cells widened by an in-place update, a commit
made during the start, the KPI strip, the scorecards' cursor, the pipeline's pages, a damaged database at start."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from cockpit.core.snapshot import count_view
from cockpit.core.store import Store
from cockpit.tui.app import POLL_SECONDS, CockpitApp
from cockpit.tui.screens.common import CompareLines
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.deal import DealScreen
from cockpit.tui.widgets.kpi_tile import KpiStrip
from cockpit.tui.widgets.pipeline import NEXT_PAGE, PREVIOUS_PAGE, DealTable, StageTable
from cockpit.tui.widgets.scorecard import Scorecards
from cockpit.tui.widgets.trend import TrendChart
from tests.support import FROZEN_NOW, settle, ts
from tests.support.panes import plain


async def live_refresh(pilot: Pilot, before: int) -> None:
    """Wait until the data_version poll has seen another process's commit and the snapshot is applied."""
    app: CockpitApp = pilot.app  # type: ignore[assignment]
    for _ in range(20):
        await pilot.pause(POLL_SECONDS)
        await settle(pilot)
        if app.refreshes > before:
            return
    raise AssertionError("no live refresh after another process committed")


@asynccontextmanager
async def live_cockpit(make_cockpit) -> AsyncIterator[tuple[CockpitApp, Pilot]]:  # noqa: ANN001
    """The cockpit at 120x40 with its first snapshot shown and its first data_version poll made (before that poll,
    a commit elsewhere is not noticed: see the start test)."""
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        while app._version is None:
            await pilot.pause(0.1)
        yield app, pilot


def table_lines(table: Scorecards) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def win_deal(store: Store, rep_id: int, title: str, amount: int) -> None:
    """A deal (account of the same name) qualified on 1 November and won on 17 November by ``rep_id``."""
    deal = store.add_deal(
        rep_id=rep_id, title=title, account=title, amount=amount, stage="qualified", created_at=ts(2026, 11, 1)
    )
    store.move_deal(deal, "won", at=ts(2026, 11, 17))


def other_process(db_path: Path) -> Store:
    """Another cockpit (another connection) writing to the same database."""
    return Store(db_path, user="other", now=lambda: FROZEN_NOW.int_timestamp)


# ------------------------------------------------------------------------------------------ scorecards


async def test_a_rep_renamed_elsewhere_is_shown_whole_after_the_live_refresh(make_cockpit, db_path: Path) -> None:
    """Fails on 850855a: Scorecards._rebuild updates changed cells in place with update_cell(), whose default
    update_width=False never widens the column, so a longer value is cut to the old width."""
    async with live_cockpit(make_cockpit) as (app, pilot):
        with other_process(db_path) as other:
            ana = other.rep_by_name("Ana Lima")
            # Same revenue, same sort order: the scorecards update the name cell in place.
            other.update_rep(ana.id, name="Ana Lima-Rodrigues")
        await live_refresh(pilot, app.refreshes)
        table = app.screen.query_one(Scorecards)
        assert table.get_row(str(ana.id))[0].plain == "Ana Lima-Rodrigues"
        # The Rep column was 10 cells ("Team total", "Zoé Martin"); the new name needs 18.
        assert any("Ana Lima-Rodrigues" in line for line in table_lines(table)), table_lines(table)


async def test_a_number_grown_wider_by_a_live_refresh_is_not_cut(make_cockpit, db_path: Path) -> None:
    """Fails on 850855a for the same cause: the Pace cell "9813%" is drawn "9813" in a 4-cell column."""
    async with live_cockpit(make_cockpit) as (app, pilot):
        with other_process(db_path) as other:
            ana = other.rep_by_name("Ana Lima")
            # Ana stays first by revenue, so the rows keep their order and the cells are updated in place.
            # Her quota is $20,000 and she has won $15,000: $1,200,000 more makes her attainment 6075%
            # ((15,000 + 1,200,000) / 20,000 = 60.75), five or more cells where "75%" took three.
            win_deal(other, ana.id, "Big", 120_000_000)
        await live_refresh(pilot, app.refreshes)
        table = app.screen.query_one(Scorecards)
        row = next(line for line in table_lines(table) if "Ana Lima" in line)
        assert "6075%" in row, row
        # Every cell of her row is drawn whole (the Pace column was 4 cells wide: "121%").
        for cell in table.get_row(str(ana.id)):
            assert cell.plain in row, (cell.plain, row)


# ------------------------------------------------------------------------------------------ start


async def test_a_commit_elsewhere_during_the_start_is_not_lost(make_cockpit, db_path: Path) -> None:
    """The app's data_version baseline is taken when it is made, before its first read: a commit after it (here
    between make_app and the first frame) is seen, by the first read or by the first poll."""
    app = make_cockpit()
    with other_process(db_path) as other:
        kim = other.rep_by_name("김민준")
        win_deal(other, kim.id, "Late", 1_000_000)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(4 * POLL_SECONDS)
        await settle(pilot)
        # Kim had won $8,000 in November; with this $10,000 deal: $18,000.
        assert app.snapshot.dashboard.rep_row(kim.id).values["revenue"] == 1_800_000


async def test_a_colleague_storing_kpi_buckets_refreshes_nothing_and_a_cost_by_hand_does(
    make_cockpit, db_path: Path
) -> None:
    """Another cockpit storing the KPI buckets it counted (derived data) is a commit every poll sees; it changes
    nothing users see, so no refresh. A cost added with the sqlite3 shell (no store, no audit row, a table the
    KPI change count does not count) is a change users see (the CAC): it refreshes."""
    async with live_cockpit(make_cockpit) as (app, pilot):
        before, reads = app.refreshes, app._loads
        conn = sqlite3.connect(db_path)
        stored_before = conn.execute("SELECT count(*) FROM kpi_buckets").fetchone()[0]
        conn.execute("DELETE FROM kpi_buckets")  # a table of derived data only: what a bucket save writes
        conn.commit()
        with other_process(db_path) as other:  # another cockpit counts them all again and stores them
            count_view(other, app.snapshot.dashboard.period)  # its trend and the plan's window, as a first read
        assert conn.execute("SELECT count(*) FROM kpi_buckets").fetchone()[0] == stored_before > 0
        for _ in range(4):
            await pilot.pause(POLL_SECONDS)
            await settle(pilot)
        assert (app.refreshes, app._loads) == (before, reads)  # not even read again
        cac = app.snapshot.dashboard.team["cac"]
        conn.execute(
            "INSERT INTO costs (month, category, channel, amount) VALUES ('2026-11', 'sales', 'hand', 5000000)"
        )
        conn.commit()
        conn.close()
        await live_refresh(pilot, before)
        assert app.snapshot.dashboard.team["cac"] > cac


# ------------------------------------------------------------------------------------------ pipeline paging


def add_lead_deals(db_path: Path, count: int, rep: str = "Zoé Martin") -> list[int]:
    """``count`` open deals in "lead", created a day apart from Oct 1 (the first created is the idlest)."""
    ids = []
    with Store(db_path, user="tester", now=lambda: ts(2026, 11, 1)) as store:
        rep_id = store.rep_by_name(rep).id
        for i in range(count):
            ids.append(
                store.add_deal(
                    rep_id=rep_id,
                    title=f"Bulk {i:03d}",
                    account=f"Acct {i:03d}",
                    amount=10_000,
                    stage="lead",
                    created_at=ts(2026, 9, 1) + i * 3600,
                )
            )
    return ids


async def to_deals_of(pilot: Pilot, stage: str) -> tuple[StageTable, DealTable]:
    """Tab to the stage table, move to ``stage``, tab to its deal list."""
    screen = pilot.app.screen
    stages, deals = screen.query_one(StageTable), screen.query_one(DealTable)
    for _ in range(6):
        if screen.focused is stages:
            break
        await pilot.press("tab")
        await pilot.pause()
    assert screen.focused is stages
    for _ in range(8):
        if stages.current_stage() == stage:
            break
        await pilot.press("right")
        await pilot.pause()
    assert stages.current_stage() == stage
    await pilot.press("tab")
    await pilot.pause()
    assert screen.focused is deals
    return stages, deals


def keys(table: DealTable) -> list[str]:
    return [str(k.value) for k in table.rows]


def strip_lines(strip: KpiStrip) -> list[str]:
    return [strip.render_line(y).text for y in range(strip.size.height)]


async def test_paging_forward_to_the_last_page_and_back(make_cockpit, db_path: Path) -> None:
    add_lead_deals(db_path, 120)
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _, deals = await to_deals_of(pilot, "lead")
        # 2 seeded lead deals + 120: 122, shown 50 a page.
        assert deals.border_title == "lead: open deals now, idlest first · 1–50 of 122"
        assert deals.row_count == 51 and keys(deals)[-1] == NEXT_PAGE
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        assert deals.border_title == "lead: open deals now, idlest first · 51–100 of 122"
        assert keys(deals)[0] == PREVIOUS_PAGE and keys(deals)[-1] == NEXT_PAGE and deals.row_count == 52
        assert deals.cursor_row == 1 and app.screen.focused is deals  # on the page's first deal
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        assert deals.border_title == "lead: open deals now, idlest first · 101–122 of 122"
        assert keys(deals)[0] == PREVIOUS_PAGE and NEXT_PAGE not in keys(deals) and deals.row_count == 23
        await pilot.press("ctrl+home", "enter")
        await settle(pilot)
        assert deals.border_title == "lead: open deals now, idlest first · 51–100 of 122"
        await pilot.press("down")
        chosen = deals.cursor_key
        await pilot.press("enter")  # Enter on a deal still opens it: its own page (issue 21)
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and str(app.screen.deal_id) == chosen


async def test_a_page_that_shrinks_elsewhere_shows_the_last_page_left(make_cockpit, db_path: Path) -> None:
    bulk = add_lead_deals(db_path, 120)
    async with live_cockpit(make_cockpit) as (app, pilot):
        _, deals = await to_deals_of(pilot, "lead")
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        assert deals.border_title == "lead: open deals now, idlest first · 101–122 of 122"
        with other_process(db_path) as other:
            for deal in bulk[:90]:
                other.move_deal(deal, "won", at=ts(2026, 11, 17))
        await live_refresh(pilot, app.refreshes)
        # 122 - 90 = 32 left: one page, no paging rows.
        assert deals.border_title == "lead: open deals now, idlest first"
        assert deals.row_count == 32 and PREVIOUS_PAGE not in keys(deals) and NEXT_PAGE not in keys(deals)
        add_lead_deals(db_path, 60)  # another process: the stage grows again; the list stays on the page it shows
        await live_refresh(pilot, app.refreshes)
        assert deals.border_title == "lead: open deals now, idlest first · 1–50 of 92"


async def test_the_team_filter_and_the_period_reset_the_pages(make_cockpit, db_path: Path) -> None:
    add_lead_deals(db_path, 120)
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _, deals = await to_deals_of(pilot, "lead")
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        assert app.deal_offsets == {"lead": 50}
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.deal_offsets == {} and deals.border_title == "lead: open deals now, idlest first · 1–50 of 122"
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        app.team = "South"  # Zoé and [bold]x: the 120 bulk deals and the two seeded lead deals
        await settle(pilot)
        assert app.deal_offsets == {} and deals.border_title == "lead: open deals now, idlest first · 1–50 of 122"
        app.team = "North"  # no lead deal in North
        await settle(pilot)
        assert deals.border_title == "lead: open deals now, idlest first" and deals.row_count == 0


async def test_left_right_on_the_strip_choose_the_trend_kpi_at_both_widths(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        strip = app.screen.query_one(KpiStrip)
        await pilot.press("shift+tab")
        assert app.screen.focused is strip
        await pilot.press("right")
        await settle(pilot)
        assert app.trend_kpi == strip.selected == "opportunities"
        assert strip_lines(strip)[0].split()[:3] == ["Revenue", "▸", "Opps"]
        assert app.screen.query_one(TrendChart).data.title == "Opportunities: team"
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.screen.has_class("-narrow") and strip.size.height == 8  # two rows of five tiles
        await pilot.press("left", "left")  # revenue, then round to the last headline KPI
        await settle(pilot)
        assert app.trend_kpi == strip.selected == "attainment"
        assert "▸ Attainment" in strip_lines(strip)[4]
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert app.screen.has_class("-wide") and strip.size.height == 4


async def test_the_scorecard_cursor_follows_its_rep_through_sorts_and_live_reorders(make_cockpit, db_path) -> None:
    async with live_cockpit(make_cockpit) as (app, pilot):
        table = app.screen.query_one(Scorecards)
        await pilot.press("down", "down", "down")  # team total, Ana, 김민준, Zoé
        zoe = table.selected_rep_id()
        assert table.get_row(str(zoe))[0].plain == "Zoé Martin"
        await pilot.press("s", "S")  # attainment, lowest first
        await settle(pilot)
        assert table.selected_rep_id() == zoe
        with other_process(db_path) as other:
            deal = other.add_deal(
                rep_id=zoe, title="Z", account="Z", amount=5_000_000, stage="qualified", created_at=ts(2026, 11, 1)
            )
            other.move_deal(deal, "won", at=ts(2026, 11, 17))
        await live_refresh(pilot, app.refreshes)
        # Zoé: $5,000 + $50,000 = $55,000 of $20,000 = 275%, now the highest: last when lowest first.
        assert table.ordered_rep_ids()[-1] == zoe and table.selected_rep_id() == zoe
        assert app.screen.query_one(TrendChart).data.title == "Revenue (USD): Zoé Martin vs team median"


async def test_a_damaged_database_at_start_is_one_notification_and_every_key_survives(
    make_cockpit, db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # the error log
    conn = sqlite3.connect(db_path)
    conn.execute("ALTER TABLE stages RENAME TO stages_gone")
    conn.commit()
    conn.close()
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.snapshot is None
        assert [n.title for n in app._notifications] == ["Could not read the database"]
        for key in ("s", "S", "left_square_bracket", "k", "shift+tab", "right", "tab", "tab", "enter", "tab"):
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)
        assert app.is_running and app.crashed is None and isinstance(app.screen, DashboardScreen)
        conn = sqlite3.connect(db_path)
        conn.execute("ALTER TABLE stages_gone RENAME TO stages")
        conn.commit()
        conn.close()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.snapshot is not None and app.snapshot.dashboard.period.label == "2026-11"


async def test_a_live_refresh_keeps_the_deal_cursor_on_its_deal(make_cockpit, db_path: Path) -> None:
    """Another process logs a call on a deal listed above the cursor: touched now, it moves to the end of the
    idlest-first list, the list is rebuilt, and the cursor stays on the deal it was on (one row up now), not at
    the top."""
    bulk = add_lead_deals(db_path, 10)
    async with live_cockpit(make_cockpit) as (app, pilot):
        _, deals = await to_deals_of(pilot, "lead")
        await pilot.press("down", "down", "down")
        assert deals.cursor_row == 3
        before = deals.coordinate_to_cell_key(deals.cursor_coordinate).row_key.value
        above = [deals.get_row_at(i)[1].plain for i in range(3)]
        assert "Bulk 000" in above
        with other_process(db_path) as other:
            other.log_activity(kind="call", rep_id=other.rep_by_name("Zoé Martin").id, deal_id=bulk[0])
        await live_refresh(pilot, app.refreshes)
        titles = [deals.get_row_at(i)[1].plain for i in range(deals.row_count)]
        assert titles.index("Bulk 000") > 3  # moved below the cursor's deal
        assert deals.coordinate_to_cell_key(deals.cursor_coordinate).row_key.value == before
        assert deals.cursor_row == 2


# ------------------------------------------------------------------------------------------ hidden screens


async def test_the_team_cockpit_under_my_day_waits_and_catches_up_when_shown(make_cockpit, db_path: Path) -> None:
    """A rep's My day lies over the team cockpit. A colleague's call is drawn on My day at once; the hidden team
    cockpit draws nothing until it is back on top (Textual would pass its repaint up as a repaint of the whole
    terminal), and then shows the same new numbers."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        while app._version is None:
            await pilot.pause(0.1)
        team = app.screen_stack[0]
        assert isinstance(team, DashboardScreen) and app.screen is not team
        scorecards = team.query_one(Scorecards)
        assert scorecards.row_count == 0  # covered since the start: nothing drawn that nobody sees
        await pilot.press("escape")  # to the team cockpit: drawn now
        await settle(pilot)
        await pilot.press("v")  # My day of the rep under the cursor, over it
        await settle(pilot)
        myday = app.screen
        rep = str(myday.rep_id)  # type: ignore[attr-defined]
        kpis = myday.query_one("#myday-kpis", CompareLines)
        calls = kpis.row("calls")[1]
        assert plain(scorecards.get_cell(rep, "calls")) == calls
        with other_process(db_path) as other:
            other.log_activity(kind="call", rep_id=int(rep), at=ts(2026, 11, 18, 9), outcome="connected")
        await live_refresh(pilot, app.refreshes)
        more = str(int(calls) + 1)
        assert kpis.row("calls")[1] == more  # My day: drawn now
        assert plain(scorecards.get_cell(rep, "calls")) == calls  # the team cockpit: waiting, unseen
        await pilot.press("escape")  # back to the team cockpit
        await settle(pilot)
        assert app.screen is team
        assert plain(scorecards.get_cell(rep, "calls")) == more


async def test_the_team_cockpits_deal_lists_are_read_only_while_it_is_shown(make_cockpit, db_path: Path) -> None:
    """Under My day the team cockpit's deal lists (a page of each stage's open deals, idlest first) are not read at
    each refresh; back on top, it reads them, and a deal added meanwhile by another user is in its list."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen is not app.screen_stack[0]  # My day over the team cockpit
        assert app.snapshot is not None and app.snapshot.stage_deals is None
        assert app.snapshot.pipeline.stages  # the stage summary (the report's, the export's) is read all the same
        with other_process(db_path) as other:
            zoe = other.rep_by_name("Zoé Martin")
            other.add_deal(rep_id=zoe.id, title="Added meanwhile", account="Newco", amount=1_000, stage="lead")
        await live_refresh(pilot, app.refreshes)
        assert app.snapshot.stage_deals is None
        await pilot.press("escape")  # to the team cockpit: it asks for its lists
        await settle(pilot)
        assert app.snapshot.stage_deals is not None
        lead = next(page for page in app.snapshot.stage_deals if page.stage == "lead")
        assert "Added meanwhile" in [deal.title for deal in lead.deals]
        _, deals = await to_deals_of(pilot, "lead")
        assert "Added meanwhile" in [plain(deals.get_cell(key, "deal")) for key in keys(deals) if key.isdigit()]


async def test_a_call_redraws_only_the_kpi_lines_it_changed(make_cockpit, db_path) -> None:
    """My day's KPI box is a line per KPI: another user's call for the rep updates the lines whose text changed (the
    Calls line, and any computed from the calls) and leaves every other line as it was, not updated nor repainted;
    the lines stay the same widgets (nothing is mounted again)."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#myday-kpis", CompareLines)
        lines = list(box.query(".compare-line").results(Static))
        before = [line.content for line in lines]
        calls = box.row("calls")[1]
        rep_id = app.store.rep_by_name("Ana Lima").id
        with other_process(db_path) as other:
            other.log_activity(kind="call", rep_id=rep_id, at=ts(2026, 11, 18, 9), outcome="connected")
        await live_refresh(pilot, app.refreshes)
        assert box.row("calls")[1] == str(int(calls) + 1)
        assert list(box.query(".compare-line").results(Static)) == lines
        after = [line.content for line in lines]
        texts_changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if str(old) != str(new)]
        updated = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old is not new]
        calls_line = 1 + list(box.rows()).index("calls")  # under the header line
        assert calls_line in texts_changed
        assert updated == texts_changed
        assert len(updated) < len(lines) // 2

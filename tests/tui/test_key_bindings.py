"""Pilot tests: every binding of the cockpit, pressed for real, and what it changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.report import build_report, render
from cockpit.core.store import Store
from cockpit.tui.app import CockpitApp
from cockpit.tui.screens.common import CompareLines
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.forms import StageMoveForm
from cockpit.tui.screens.help import HelpScreen
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.screens.period import PeriodScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.screens.team import TeamScreen
from cockpit.tui.widgets.kpi_tile import KpiStrip
from cockpit.tui.widgets.pipeline import DealTable, StageTable
from cockpit.tui.widgets.scorecard import Scorecards
from cockpit.tui.widgets.trend import TrendChart
from tests.support import FROZEN_NOW, quick_entry, settle, ts, type_text


def period_label(app: CockpitApp) -> str:
    assert app.snapshot is not None
    return app.snapshot.dashboard.period.label


def rep_names(app: CockpitApp) -> list[str]:
    table = app.screen.query_one(Scorecards)
    return [table.get_row(str(rid))[0].plain for rid in table.ordered_rep_ids()]


async def test_opens_on_the_team_cockpit_for_a_manager(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert period_label(app) == "2026-11"
        # Demo data: everyone may act for anyone, and the header says so.
        assert app.sub_title == "2026-11 · all teams · DEMO: everyone is a manager"
        # Revenue desc: Ana $15k, 김민준 $8k, Zoé $5k, [bold]x $0 — the markup-looking name shown as typed.
        assert rep_names(app) == ["Ana Lima", "김민준", "Zoé Martin", "[bold]x"]


async def test_a_rep_opens_on_my_day(make_cockpit) -> None:
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        followups = app.screen.query_one("#myday-followups")
        # Overdue (Nov 16) and today (Nov 18 15:00); the Nov 25 one is not due.
        notes = [followups.row(key)[-1] for key in followups.keys]
        assert notes == ["send proposal v2", "call back Wayne CFO"]
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_brackets_and_p_move_and_choose_the_period_and_a_bad_range_keeps_it(make_cockpit) -> None:
    """The period keys, one after the other in one session: `]`/`[` step it, `p` chooses its kind or a custom range,
    and a range that ends before it starts is refused in the dialog, leaving the period as it was."""
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert period_label(app) == "2026-12"
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert period_label(app) == "2026-10"
        assert "2026-10" in app.sub_title

        await pilot.press("p")
        assert isinstance(app.screen, PeriodScreen)
        await pilot.press("down", "enter")  # month -> quarter: October's
        await settle(pilot)
        assert period_label(app) == "2026-Q4"
        await pilot.press("p", "end", "enter")  # custom range: two date inputs, prefilled with the quarter
        await pilot.pause()
        from_input = app.screen.query_one("#from")
        from_input.value = ""
        await type_text(pilot, "2026-11-01")
        await pilot.press("enter")
        app.screen.query_one("#to").value = ""
        await type_text(pilot, "2026-11-15")
        await pilot.press("enter")
        await settle(pilot)
        assert period_label(app) == "2026-11-01..2026-11-15"

        await pilot.press("p", "end", "enter")  # prefilled with that range; its end moved before its start
        await pilot.pause()
        app.screen.query_one("#to").value = "2020-01-01"
        await pilot.press("enter")  # on the from field: moves to "to"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PeriodScreen)
        assert "ends before it starts" in str(app.screen.query_one("#period-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert period_label(app) == "2026-11-01..2026-11-15"


async def test_t_filters_by_team(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, TeamScreen)
        await pilot.press("down", "enter")  # All teams -> North
        await settle(pilot)
        assert app.team == "North"
        assert rep_names(app) == ["Ana Lima", "김민준"]
        assert "North" in app.sub_title
        await pilot.press("t", "home", "enter")  # the chooser starts on North; All teams is first
        await settle(pilot)
        assert app.team is None and len(rep_names(app)) == 4


async def test_tab_moves_between_panes(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(app.focused, Scorecards)
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, StageTable)
        assert screen.current_pane() == 1  # narrow: only the pipeline pane shows now
        assert not screen.query_one("#scorecard-pane").display or not screen.query_one("#scorecard-pane").has_class(
            "-current"
        )
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, DealTable)
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, TrendChart) and screen.current_pane() == 2
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, KpiStrip)
        await pilot.press("shift+tab")
        await pilot.pause()
        assert isinstance(app.focused, TrendChart)


async def test_s_and_shift_s_sort_the_scorecards(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        assert table.sort_column == "revenue"
        await pilot.press("S")
        assert rep_names(app) == ["[bold]x", "Zoé Martin", "김민준", "Ana Lima"]
        await pilot.press("S", "s")
        assert table.sort_column == "attainment"
        await pilot.press("s")
        assert table.sort_column == "pace"
        await pilot.press("s")
        assert table.sort_column == "won"
        # Won: Ana 2, 김민준 1, Zoé 1, [bold]x 0; the team total row stays first (pinned).
        assert rep_names(app)[0] == "Ana Lima" and rep_names(app)[-1] == "[bold]x"
        assert table.get_row_at(0)[0].plain == "Team total"  # pinned first, whatever the sort


async def test_enter_opens_the_rep_drill_down_and_escape_goes_back(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # under the pinned team row: Ana, then 김민준
        await settle(pilot)
        assert isinstance(app.screen, RepScreen)
        kim = app.store.rep_by_name("김민준")
        assert app.screen.rep_id == kim.id
        kpis = app.screen.query_one("#rep-kpis", CompareLines)
        assert kpis.row("revenue")[1] == "$8k"
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert app.detail_rep_id is None


async def test_question_mark_shows_help(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for line in (
            "Prev period",
            "Period kind",
            "Sort by",
            "Export",
            "Command palette",
            "previous 50 deals",
            "previous 50 reps",
            "previous 30 deals",
            "one row per rep and a team total",
            "Quick entry (press : and type one line, Enter writes it)",  # the grammar, as README promises
            'lost DEAL "REASON"',
        ):
            assert line in text
        from cockpit.core.quick import QUICK_ENTRY_HELP

        width = app.screen.query_one("#help-text").content_size.width  # 80 columns: no grammar line wraps
        assert max(len(line) for line in QUICK_ENTRY_HELP.splitlines()) <= width
        # Keys as they are typed, not Textual's names for them.
        assert "  :           Quick entry" in text and "  $           Costs & quotas" in text
        assert not any(name in text for name in ("colon", "dollar_sign", "question_mark", "square_bracket"))
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_k_cycles_the_trend_kpi(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        chart = app.screen.query_one(TrendChart)
        assert chart.data.title.startswith("Revenue")
        await pilot.press("k")
        assert app.trend_kpi == "opportunities" and chart.data.title.startswith("Opportunities")
        await pilot.press("K", "K")
        assert app.trend_kpi == "attainment"
        strip = app.screen.query_one(KpiStrip)
        assert strip.selected == "attainment"
        # The mark follows the selection: on the attainment tile only (eleven tiles in one row at 120 columns, each
        # 9-10 cells wide, so its label is cut: "▸ Attainm…").
        first_line = strip.render_line(0).text
        assert "▸ Attainm…" in first_line and first_line.count("▸") == 1


async def test_v_and_d_switch_between_my_day_and_the_team(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "v")  # the highlighted rep: 김민준 (after the team row and Ana)
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        assert app.screen.rep_id == app.store.rep_by_name("김민준").id
        await pilot.press("d")
        assert isinstance(app.screen, DashboardScreen)


async def test_ctrl_s_exports_screenshot_and_scorecards(make_cockpit, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "exports"
    monkeypatch.setenv("COCKPIT_EXPORT_DIR", str(out))
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        files = sorted(p.suffix for p in out.iterdir())
        assert files == [".csv", ".md", ".svg"]
        csv_text = next(out.glob("*.csv")).read_text(encoding="utf-8")
        period = parse_period("2026-11", tz="Europe/Paris")
        expected = render(build_report(dashboard(app.store, period), currency="USD"), "csv", currency="USD")
        assert csv_text == expected + "\n"
        # Markdown shows the name as typed: its brackets escaped, so they are not read as a link.
        assert r"\[bold\]x" in next(out.glob("*.md")).read_text(encoding="utf-8")


async def test_q_quits(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.parametrize("opener", [("c",), ("colon",)], ids=["form", "quick-entry"])
async def test_ctrl_q_over_typed_values_asks_again(make_cockpit, opener) -> None:
    from cockpit.tui.screens.forms import EntryForm

    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*opener)
        await settle(pilot)
        assert isinstance(app.screen, EntryForm) or quick_entry(app) is not None
        await pilot.press("ctrl+q")  # nothing typed: quits at once
        await pilot.pause()
        assert not app.is_running
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*opener)
        await type_text(pilot, "acme")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and (isinstance(app.screen, EntryForm) or quick_entry(app) is not None)
        assert any("ctrl+q again quits" in n.message for n in app._notifications)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


def zoe_wins_10k_in_another_process(db_path: Path) -> None:
    """Another user's cockpit (its own connection) adds a $10,000 deal for Zoé and wins it on Nov 18."""
    with Store(db_path, user="other", now=lambda: ts(2026, 11, 18, 9)) as other:
        rep = other.rep_by_name("Zoé Martin")
        deal = other.add_deal(rep_id=rep.id, title="Late win", account="Late", amount=1_000_000, stage="qualified")
        other.move_deal(deal, "won", at=ts(2026, 11, 18, 9))


async def test_another_process_write_appears_and_idle_repaints_nothing(make_cockpit, db_path: Path) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        applied = app.refreshes
        await pilot.pause(1.2)  # two polls or more, nothing changed
        assert app.refreshes == applied
        zoe_wins_10k_in_another_process(db_path)
        await pilot.pause(1.2)
        await settle(pilot)
        # Team revenue: $28,000 + $10,000 = $38,000.
        assert app.snapshot.dashboard.team["revenue"] == 3_800_000
        assert app.refreshes == applied + 1


async def test_refresh_data_after_an_own_write(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rep = app.store.rep_by_name("[bold]x")
        app.store.log_activity(kind="call", rep_id=rep.id, at=ts(2026, 11, 18, 9))
        app.refresh_data()
        await settle(pilot)
        # Team calls: 4 seeded + 1 = 5.
        assert app.snapshot.dashboard.team["calls"] == 5
        assert app.screen.query_one(Scorecards).get_cell(str(rep.id), "calls").plain == "1"


async def test_read_only_database_shows_a_banner(db_path: Path, settings) -> None:
    from cockpit.tui.app import make_app

    store = Store(db_path, readonly=True)  # (chmod would not do: the tests may run as root)
    app = make_app(store, settings=settings, now=lambda: FROZEN_NOW, as_rep="Max Boss")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        banner = app.screen.query_one("#banner")
        assert banner.display and "READ-ONLY: opened read-only" in str(banner.render())
    store.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_hostile_names_show_literally(make_cockpit, size: tuple[int, int]) -> None:
    app = make_cockpit()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "[bold]x" in app.export_screenshot()  # a rep's name, in the scorecards
        await pilot.press("tab")  # the pipeline pane, whose negotiation deal is "[@click=app.quit] deal"
        await pilot.press("right", "right", "right")  # stage columns: lead -> negotiation
        await settle(pilot)
        deals = app.screen.query_one(DealTable)
        assert [deals.get_row_at(i)[1].plain for i in range(deals.row_count)] == ["[@click=app.quit] deal"]
        assert "click=app.quit" in app.export_screenshot()
        assert app.is_running


async def test_a_long_stage_pages_its_deals(tmp_path: Path) -> None:
    """120 lead deals, created one minute apart and never touched since: idlest first is creation order, so the
    pages hold deals 1-50, 51-100 and 101-120. Enter on "… more" shows the next page, on "↑ before" the previous
    one; another period starts again at the first page."""
    from cockpit.core.config import Settings
    from cockpit.tui.app import make_app

    path = tmp_path / "long.db"
    store = Store(path, create=True, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    rep = store.add_rep("Ann")
    start = FROZEN_NOW.int_timestamp - 200 * 86_400
    for i in range(1, 121):
        store.add_deal(rep_id=rep, title=f"deal {i:03d}", amount=100, stage="lead", created_at=start + 60 * i)
    settings = Settings(db_path=path, db_source="flag", timezone="Europe/Paris", currency="USD", stale_days=14)
    app = make_app(store, settings=settings, now=lambda: FROZEN_NOW, as_rep=None)

    def shown(table: DealTable) -> list[str]:
        return [str(table.get_row_at(i)[1].plain) for i in range(table.row_count)]

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        deals = app.screen.query_one(DealTable)
        assert app.screen.query_one(StageTable).current_stage() == "lead"
        rows = shown(deals)
        assert rows[:50] == [f"deal {i:03d}" for i in range(1, 51)]
        assert rows[50] == "… 70 more (Enter: next page)"
        deals.focus()
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        rows = shown(deals)
        assert rows[0] == "↑ 50 before (Enter: previous page)"
        assert rows[1:51] == [f"deal {i:03d}" for i in range(51, 101)]
        assert rows[51] == "… 20 more (Enter: next page)"
        assert "51–100 of 120" in str(deals.border_title)
        assert deals.cursor_row == 1  # on the first deal of the page
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        rows = shown(deals)
        assert rows[1:] == [f"deal {i:03d}" for i in range(101, 121)]  # the last page: no "more" row
        await pilot.press("ctrl+home", "enter")
        await settle(pilot)
        assert shown(deals)[1:51] == [f"deal {i:03d}" for i in range(51, 101)]
        await pilot.press("left_square_bracket")  # the previous month: the lists start at their first page again
        await settle(pilot)
        assert shown(deals)[:2] == ["deal 001", "deal 002"]
    store.close()


async def test_a_stage_name_with_markup_shows_as_written(tmp_path: Path) -> None:
    from textual.content import Content

    from cockpit.core.config import Settings
    from cockpit.tui.app import make_app

    path = tmp_path / "stages.db"
    stages = (("[red]hot[/]", 0.5), ("won", 1.0), ("lost", 0.0))
    store = Store(path, create=True, user="tester", now=lambda: FROZEN_NOW.int_timestamp, stages=stages)
    rep = store.add_rep("Ann")
    store.add_deal(rep_id=rep, title="d", amount=100, stage="[red]hot[/]", created_at=FROZEN_NOW.int_timestamp - 86_400)
    settings = Settings(db_path=path, db_source="flag", timezone="Europe/Paris", currency="USD", stale_days=14)
    app = make_app(store, settings=settings, now=lambda: FROZEN_NOW, as_rep=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert " [red]hot[/] " in app.export_screenshot().replace("&#160;", " ")  # the stage column's header
        # The deal list's title is markup (drawn where the layout gives the list a border): as written.
        title = app.screen.query_one(DealTable).border_title
        assert Content.from_markup(str(title)).plain == "[red]hot[/]: open deals now, idlest first"
    store.close()


async def test_my_day_keeps_the_cursor_on_the_deal_after_a_stage_move(make_demo_cockpit) -> None:
    # The open-deal list is refilled after each write; clear() put the cursor on the first deal, so a second `a`
    # advanced another deal than the one the rep was working on.
    from cockpit.tui.screens.common import OpenDealTable

    app = make_demo_cockpit("Ana Torres")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(OpenDealTable)
        table.focus()
        await pilot.press("down", "down")
        moved = table.cursor_key
        assert table.cursor_row == 2
        stage_before = table.row(moved)[0]
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        assert table.row(moved)[0] != stage_before  # it moved on, and so did its row
        assert table.cursor_key == moved
        # Won: the deal leaves the open list; the cursor stays at its place, on the deal that took it.
        index = table.cursor_row
        following = table.keys[index + 1]
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert moved not in table.keys
        assert (table.cursor_row, table.cursor_key) == (index, following)


@pytest.mark.parametrize("screen_keys", [("down", "enter"), ()], ids=["drill-down", "my-day"])
async def test_the_boxes_of_a_narrow_detail_screen_keep_their_heights(make_cockpit, screen_keys) -> None:
    # At 80 columns the boxes are stacked and scrolled. A one-column grid of auto rows sized the trend's row from
    # its one-line placeholder: the drill-down's chart was a box of three lines holding only its title.
    app = make_cockpit("Max Boss" if screen_keys else "Ana Lima")  # a rep opens on My day
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*screen_keys)
        await settle(pilot)
        assert isinstance(app.screen, RepScreen if screen_keys else MyDayScreen)
        assert app.screen.has_class("-narrow")
        boxes = list(app.screen.query(".box"))
        assert len(boxes) >= 4
        for box in boxes:
            if box.id == "rep-trend":
                assert box.outer_size.height == 14
            else:  # its rows, a header and borders (a table holds at least one row, "no ..." when empty)
                assert 4 <= box.outer_size.height <= 16, box.id
        tops = [box.region.y + app.screen.query_one(".detail-grid").scroll_y for box in boxes]
        assert tops == sorted(tops)  # one under the other
        if screen_keys:
            trend = app.screen.query_one(TrendChart)
            lines = [line.text for line in trend.render_lines(trend.region.reset_offset.shrink(trend.styles.gutter))]
            assert sum("┤" in line for line in lines) >= 3  # the y axis with its ticks, not just the title


async def test_deal_lists_show_the_amount_before_the_names_and_the_drill_down_no_rep(make_cockpit) -> None:
    # Narrow boxes cut the columns on the right: the money comes before the long names. In a rep's drill-down every
    # deal is that rep's, so the column is left out (it pushed the amount off the box at 120 columns).
    from cockpit.tui.screens.common import OpenDealTable

    def columns(table) -> list[str]:
        return [column.key.value for column in table.ordered_columns]

    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert columns(app.screen.query_one("#deals", DealTable)) == ["idle", "deal", "amount", "rep", "account"]
        await pilot.press("down", "enter")
        await settle(pilot)
        deals = app.screen.query_one("#rep-deals", DealTable)
        assert columns(deals) == ["idle", "deal", "amount", "stage", "account"]
        amount = sum(c.get_render_width(deals) for c in deals.ordered_columns[:3])
        assert amount <= deals.scrollable_content_region.width  # the amount column is drawn whole
        stages = app.screen.query_one("#rep-stages", StageTable)
        assert sum(c.get_render_width(stages) for c in stages.ordered_columns) <= stages.scrollable_content_region.width
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        mine = app.screen.query_one(OpenDealTable)
        assert [column.key for column in mine.COLUMNS] == ["stage", "idle", "amount", "deal", "account"]
        header = str(mine.query_one(".line-header").content)
        assert header.split() == ["Stage", "Idle", "Amount", "Deal", "Account"]  # drawn in that order


async def test_the_drill_down_keeps_the_cursor_at_its_place_when_its_deal_is_won(make_demo_cockpit) -> None:
    app = make_demo_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RepScreen)
        deals = app.screen.query_one("#rep-deals", DealTable)
        deals.focus()
        await pilot.press("down", "down", "down")
        won = deals.cursor_key
        following = deals.coordinate_to_cell_key((4, 0)).row_key.value
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RepScreen)
        assert won not in {key.value for key in deals.rows}
        assert (deals.cursor_row, deals.cursor_key) == (3, following)
        # Another stage in the team cockpit's pipeline starts at its first deal, not at the row the last one had.
        await pilot.press("escape")
        await settle(pilot)
        pipeline_deals = app.screen.query_one("#deals", DealTable)
        pipeline_deals.focus()
        await pilot.press("down", "down", "down")
        assert pipeline_deals.cursor_row == 3
        app.screen.query_one("#stages", StageTable).focus()
        await pilot.press("right")
        await settle(pilot)
        assert pipeline_deals.cursor_row == 0


async def test_the_costs_and_quotas_screen_follows_another_process_write(make_cockpit, db_path: Path) -> None:
    # The app draws each new snapshot on the screens that show one; the costs and quotas screen's own `show`
    # (of its month's view) was called with the snapshot and the app died on every colleague's write.
    from cockpit.tui.screens.money import CostsQuotasScreen

    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("dollar_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CostsQuotasScreen) and screen.month == "2026-11"
        quotas = screen.query_one("#money-quotas")
        zoe = next(i for i in range(quotas.row_count) if quotas.get_row_at(i)[0].plain == "Zoé Martin")
        assert quotas.get_row_at(zoe)[2].plain.strip() == "$5,000.00"
        zoe_wins_10k_in_another_process(db_path)
        await pilot.pause(1.2)
        await settle(pilot)
        assert app.is_running and app.screen is screen
        # Zoé's November revenue: $5,000 + $10,000 = $15,000, against her $20,000 quota: 75%.
        row = [cell.plain.strip() for cell in quotas.get_row_at(zoe)]
        assert row[2:] == ["$15,000.00", "75%"]


async def test_my_day_says_no_quota_set_in_a_period_without_one(make_cockpit) -> None:
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#myday-status").render())
        assert "$15k of $20k quota (75%)" in status  # November, by hand: $12,000 + $3,000 of $20,000
        await pilot.press("right_square_bracket")
        await settle(pilot)
        status = str(app.screen.query_one("#myday-status").render())
        assert "period 2026-12" in status and "$0 sold, no quota set" in status and "of $0 quota" not in status


def test_plural() -> None:
    from cockpit.core.text import plural

    assert [plural(n, "business day") for n in (0, 1, 2, 1200)] == [
        "0 business days",
        "1 business day",
        "2 business days",
        "1,200 business days",
    ]
    assert plural(3, "activity", "activities") == "3 activities"


async def test_a_managers_call_form_is_for_the_rep_on_screen(make_cockpit) -> None:
    from textual.widgets import Select

    from cockpit.tui.screens.forms import EntryForm

    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # the scorecards' second rep by revenue: 김민준 ($8k)
        assert app.screen.query_one(Scorecards).selected_rep_id() == app.store.rep_by_name("김민준").id
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, EntryForm)
        assert app.screen.query_one("#rep", Select).value == "김민준"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # 김민준's drill-down
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#rep", Select).value == "김민준"


async def test_after_an_undo_the_cursor_is_back_on_the_deal_and_keys_act_on_it(make_demo_cockpit) -> None:
    """Won, undone, then `l`: the deal marked lost is the one just won and undone, not its neighbour (issue 21)."""
    app = make_demo_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        deals = app.screen.query_one("#deals", DealTable)
        deals.focus()
        await pilot.press("down", "down")
        won = deals.cursor_key
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert won not in {key.value for key in deals.rows}  # won: it left the open deals
        await pilot.press("u")
        await settle(pilot)
        assert deals.cursor_key == won  # back in the list, and under the cursor
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, StageMoveForm) and app.screen.deal.id == int(won)

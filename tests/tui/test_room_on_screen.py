"""Issue 21, room on screen: chosen scorecard columns (remembered per user), the most important first when narrow,
tables cut to their box, the custom range dialog's fields, and the costs screen on the period viewed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label, SelectionList

from cockpit.core.preferences import DEFAULT_COLUMNS
from cockpit.tui.screens.columns import ColumnsScreen
from cockpit.tui.screens.money import CostsQuotasScreen, QuotaForm
from cockpit.tui.screens.period import PeriodScreen
from cockpit.tui.widgets.forecast import SlippedTable
from cockpit.tui.widgets.pipeline import DealTable
from cockpit.tui.widgets.scorecard import Scorecards
from tests.support import settle, type_text, until


@pytest.fixture
def prefs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "prefs.json"
    monkeypatch.setenv("COCKPIT_PREFERENCES", str(path))
    return path


def headers(table: DataTable) -> list[str]:
    return [column.label.plain.rstrip("▲▼") for column in table.columns.values()]


async def test_the_chooser_adds_a_column_and_a_restart_keeps_it(make_cockpit, prefs: Path) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        assert "Lost" not in headers(table)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ColumnsScreen)
        options = app.screen.query_one(SelectionList)
        # Priority order: Revenue, Attain., Pace, Won, Lost: four downs reach Lost; CAC is not offered (costs are
        # kept per month, not per rep).
        assert "cac" not in [options.get_option_at_index(i).value for i in range(options.option_count)]
        await pilot.press("down", "down", "down", "down", "space", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ColumnsScreen)
        assert headers(table)[:6] == ["Rep", "Revenue", "Attain.", "Pace", "Won", "Lost"]
        # Ana Lima lost nothing in November; the team lost one deal (the seeded data: won 4, lost 1).
        ana = app.store.rep_by_name("Ana Lima").id
        assert table.get_row(str(ana))[5].plain == "0"
        assert table.get_row("team")[5].plain == "1"
    again = make_cockpit("Max Boss")
    async with again.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "Lost" in headers(again.screen.query_one(Scorecards))


async def test_escape_leaves_the_columns_as_they_were(make_cockpit, prefs: Path) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = headers(app.screen.query_one(Scorecards))
        await pilot.press("o", "space", "escape")  # Revenue unticked, then cancelled
        await settle(pilot)
        assert headers(app.screen.query_one(Scorecards)) == before
        assert not prefs.exists()


async def test_at_80_columns_the_most_important_columns_fit_and_the_rest_are_counted(make_cockpit, prefs) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        shown = table.shown_columns
        # The first of the default columns, in order, and the rest counted under the pane.
        assert shown == DEFAULT_COLUMNS[: len(shown)]
        assert table.hidden_columns
        assert len(shown) >= 5
        assert shown + table.hidden_columns == table.chosen
        assert sum(table.column_widths()) <= table.size.width  # nothing scrolled sideways under the names
        subtitle = str(app.screen.query_one("#scorecard-pane").border_subtitle)
        assert subtitle.startswith(f"+{len(table.hidden_columns)} more column")
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        assert table.shown_columns == table.chosen
        assert not str(app.screen.query_one("#scorecard-pane").border_subtitle)


async def test_the_drill_down_deal_list_fits_its_box(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        deals = app.screen.query_one("#rep-deals", DealTable)
        assert sum(deals.column_widths()) <= deals.scrollable_content_region.width
        stages = {deals.get_row_at(i)[3].plain for i in range(deals.row_count)}
        assert stages <= {"lead", "qualified", "proposal", "negotiation"}  # whole, never "pr"


async def test_the_custom_range_dialog(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PeriodScreen)
        await pilot.press("end", "enter")  # Custom range…
        labels = [str(label.render()) for label in app.screen.query("#custom-range Label").results(Label)]
        assert labels == ["From", "To"]
        start, end = app.screen.query_one("#from", Input), app.screen.query_one("#to", Input)
        assert start.placeholder == end.placeholder == "YYYY-MM-DD"  # a format, not a date one could take as typed
        assert app.screen.focused is start
        await pilot.press("enter")
        assert app.screen.focused is end
        await pilot.press("shift+tab")
        assert app.screen.focused is start
        await pilot.press("tab")
        end.value = ""
        await type_text(pilot, "2026-10-31")
        await pilot.press("enter")  # before the start (2026-11-01): refused, the dialog stays
        await settle(pilot)
        assert isinstance(app.screen, PeriodScreen)
        error = app.screen.query_one("#period-error", Label)
        assert error.size.height >= 1 and error.size.width <= app.screen.query_one(".dialog").size.width
        end.value = ""
        await type_text(pilot, "2026-11-15")
        await pilot.press("enter")  # Enter in To applies
        await settle(pilot)
        assert not isinstance(app.screen, PeriodScreen)
        assert app.period.label == "2026-11-01..2026-11-15"


async def test_costs_and_quotas_open_on_the_viewed_month_and_list_reps_without_quota(make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")  # 2026-08
        await settle(pilot)
        assert app.period.label == "2026-08"
        await pilot.press("dollar_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CostsQuotasScreen)
        assert screen.month == "2026-08"  # the seeded quotas start in September: none in August
        quotas = screen.query_one("#money-quotas", DataTable)
        rows = [[cell.plain for cell in quotas.get_row_at(i)] for i in range(quotas.row_count)]
        # The four active reps (not the manager), each to fill in.
        assert sorted(row[0] for row in rows) == sorted(["Ana Lima", "김민준", "Zoé Martin", "[bold]x"])
        assert {row[1] for row in rows} == {"to fill in"}
        quotas.focus()
        index = next(i for i, row in enumerate(rows) if row[0] == "Zoé Martin")
        quotas.move_cursor(row=index)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuotaForm)
        assert app.screen.query_one("#holder").value == ("rep", "Zoé Martin")


async def test_at_80_columns_the_insights_tables_fit_and_numbers_stay_whole(make_demo_cockpit) -> None:
    """At 80 columns the slipped deals, channels, segments and every rep's funnel fit the screen: names and stages
    are cut ("…"), each amount, count, rate and day count is shown whole (it used to run off the right edge, and an
    amount cut at the edge read as another amount)."""
    app = make_demo_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("r")  # every rep's funnel under the team's: the widest table
        slipped = app.screen.query_one(SlippedTable)
        await until(pilot, lambda: slipped.row_count > 0 and slipped.get_row_at(0)[0].plain != "computing…")
        funnel = app.screen.query_one("#insights-funnel", DataTable)
        assert funnel.row_count > 4  # the reps' rows are there
        for table in (slipped, *(app.screen.query_one(f"#insights-{t}", DataTable) for t in ("channels", "segments"))):
            assert sum(table.column_widths()) <= table.scrollable_content_region.width, table.id
        assert sum(funnel.column_widths()) <= funnel.scrollable_content_region.width
        whole = {"Amount", "Expected", "Slipped", "Opps", "Conv", "Won", "Revenue", "Basket", "New", "Cost", "CAC"}
        whole |= {"Basket/CAC", "Deals", "Advanced", "Median days"}
        for table in (slipped, funnel):
            for index, column in enumerate(table.columns.values()):
                if column.label.plain not in whole:
                    continue
                cells = [table.get_row_at(i)[index].plain for i in range(table.row_count)]
                assert not any("…" in cell for cell in cells), (table.id, column.label.plain)
        amounts = [slipped.get_row_at(i)[3].plain for i in range(slipped.row_count)]
        assert all(a.startswith("$") and a[-1] in "0123456789kM" for a in amounts), amounts

"""Issue 21, room on screen: chosen scorecard columns (remembered per user), the most important first when narrow,
tables cut to their box, the custom range dialog's fields, and the costs screen on the period viewed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text
from textual.widgets import DataTable, Input, Label, SelectionList

from cockpit.core.config import Settings
from cockpit.core.preferences import DEFAULT_COLUMNS
from cockpit.core.store import Store
from cockpit.core.text import cell_width
from cockpit.tui.screens.columns import ColumnsScreen
from cockpit.tui.screens.money import CostsQuotasScreen, QuotaForm
from cockpit.tui.screens.period import PeriodScreen
from cockpit.tui.widgets.forecast import SlippedTable
from cockpit.tui.widgets.pipeline import DealTable, StageTable, fitted_headers
from cockpit.tui.widgets.scorecard import Scorecards
from tests.support import FROZEN_NOW, TZ, settle, ts, type_text, until


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


SEVEN_STAGES = (
    ("discovery", 0.05), ("demo", 0.1), ("trial", 0.2), ("proposal", 0.4), ("negotiation", 0.6), ("legal", 0.8),
    ("procurement", 0.9),
)  # fmt: skip


async def test_seven_stages_fit_80_columns_with_their_names_cut(tmp_path: Path) -> None:
    """A team with seven open stages at 80 columns: every stage's column and the total show whole, the stage names
    are cut ("negot…") to make room, the amounts never (a value cut at the table's edge read "$2" for $22M); ←/→
    still choose the stages by their whole names."""
    from cockpit.tui.app import make_app

    path = tmp_path / "seven.db"
    with Store(path, create=True, stages=SEVEN_STAGES, now=lambda: FROZEN_NOW.int_timestamp) as store:
        rep = store.add_rep("Ann Example")
        for i in range(21):
            store.add_deal(
                rep_id=rep, title=f"Deal {i}", amount=(i + 1) * 1_234_567_00, account=f"Account {i}",
                stage=SEVEN_STAGES[i % 7][0], created_at=ts(2026, 11, 2),
            )  # fmt: skip
    store = Store(path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
    settings = Settings(db_path=path, db_source="flag", timezone=TZ, currency="USD")
    app = make_app(store, settings=settings, now=lambda: FROZEN_NOW, as_rep=None)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("tab")  # at 80x24 one pane shows at a time: the pipeline's
            await settle(pilot)
            stages = app.screen.query_one(StageTable)
            assert app.focused is stages
            assert sum(stages.column_widths()) <= stages.scrollable_content_region.width
            headers = [column.label.plain for column in stages.columns.values()]
            assert headers[-1] == "Total" and any(h.endswith("…") for h in headers)
            for row in range(stages.row_count):
                cells = [cell.plain for cell in stages.get_row_at(row)]
                assert not any("…" in cell for cell in cells), cells
            # The total's value is the sum of the stages' (an independent sum of what was written).
            total = sum((i + 1) * 1_234_567_00 for i in range(21)) / 100
            assert stages.get_row("value")[-1].plain == f"${total / 1e6:.1f}M"
            await pilot.press("right", "right", "right", "right")
            await settle(pilot)
            assert stages.current_stage() == "negotiation"
    finally:
        store.close()


@given(
    names=st.lists(st.text(alphabet="abcdeéｗ", min_size=1, max_size=14), min_size=1, max_size=9),
    numbers=st.lists(st.integers(min_value=1, max_value=8), min_size=9, max_size=9),
    room=st.integers(min_value=0, max_value=120),
)
def test_stage_names_are_cut_never_below_their_numbers(names: list[str], numbers: list[int], room: int) -> None:
    columns = [[Text("9" * numbers[i]) for i in range(len(names))]]
    headers = fitted_headers(names, columns, room)
    widths = [max(cell_width(h), numbers[i]) for i, h in enumerate(headers)]
    for name, header, width, number in zip(names, headers, widths, numbers, strict=False):
        assert header == name or (header.endswith("…") and cell_width(header) <= cell_width(name))
        assert width >= number  # the numbers are never what gives way
    floor = sum(max(numbers[i], min(4, cell_width(name))) for i, name in enumerate(names))
    if floor + len(names) <= room:  # room to spare beyond the floor (a wide character may not split evenly)
        assert sum(widths) <= room

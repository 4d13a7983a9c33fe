"""Issue 19 on screen: one meaning per label, a young cohort shown as young, an anchored period said so.

- The stage tables (the pipeline pane, the drill-down's "Their pipeline") show the pipeline at the period's end
  ("open now" for the running period), whose totals are the Pipeline KPIs; their titles say which. The deal lists
  under them are the deals open now, and say so.
- The conversion tile, the scorecards and the drill-down show the cohort conversion beside how much of the cohort is
  closed and the conversion of the last closed window (the plan's), and say which is which.
- When the cockpit opens on the latest month with data because the current one is empty, the header says so, also
  after a refresh.

Figures worked out by hand on the seeded database (tests/support, Paris, now Wednesday 18 November 2026).
"""

from __future__ import annotations

import shutil

import pendulum
from textual.widgets import Static

from cockpit.core.config import Settings
from cockpit.core.store import Store
from cockpit.core.text import cell_width
from cockpit.tui.app import make_app
from cockpit.tui.screens.common import CompareLines
from cockpit.tui.widgets.kpi_tile import TILE_HEIGHT, KpiStrip, tile_columns
from cockpit.tui.widgets.pipeline import DealTable, StageTable
from cockpit.tui.widgets.scorecard import TEAM_KEY, Scorecards
from tests.support import FROZEN_NOW, TZ, settle


def header(table: Scorecards) -> list[str]:
    return [str(column.label.plain).rstrip("▲▼") for column in table.columns.values()]


def cells(table: Scorecards, key: str) -> dict[str, str]:
    names = header(table)
    return dict(zip(names, (c.plain for c in table.get_row(key)), strict=True))


async def test_the_running_period_shows_the_pipeline_open_now(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one("#pipeline-pane")
        assert pane.border_title == "Pipeline open now  (←/→ stage)"
        # Open now: Old lead $2,000 + Wonka bars $6,500; Stark $15,000; Wayne $25,000; the negotiation deal $9,000.
        stages = app.screen.query_one(StageTable)
        assert (stages.pipeline.count, stages.pipeline.value) == (5, 5_750_000)
        assert [stages.value(s, "count") for s in ("lead", "qualified", "proposal", "negotiation", "")] == [
            "2",
            "1",
            "1",
            "1",
            "5",
        ]
        assert app.snapshot.dashboard.team["pipeline_value"] == 5_750_000  # the KPI tile and report say the same
        assert pane.border_subtitle == "lead: open deals now, idlest first"
        assert app.screen.query_one(DealTable).border_title == "lead: open deals now, idlest first"


async def test_a_past_period_shows_the_pipeline_at_its_end_and_the_deals_open_now(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")  # October
        await settle(pilot)
        assert app.snapshot.dashboard.period.label == "2026-10"
        pane = app.screen.query_one("#pipeline-pane")
        assert pane.border_title == "Pipeline at period end 2026-10-31  (←/→ stage)"
        assert len(pane.border_title) <= 78  # within the pane's border at 80 columns
        stages = app.screen.query_one(StageTable)
        # Open when October ended (each in the stage it had then): Old lead (lead $2,000 x 0.1); in qualified the
        # four deals won in November ($12,000 + $3,000 + $8,000 + $5,000), Umbrella (lost Nov 10, $7,000) and Stark
        # ($15,000): $50,000 x 0.25; the negotiation deal $9,000 x 0.75. Wayne and Wonka came later.
        found = {s.stage: (s.count, s.value, s.weighted) for s in stages.pipeline.stages}
        assert found == {
            "lead": (1, 200_000, 20_000),
            "qualified": (6, 5_000_000, 1_250_000),
            "proposal": (0, 0, 0),
            "negotiation": (1, 900_000, 675_000),
        }
        assert (stages.pipeline.value, stages.pipeline.weighted) == (6_100_000, 1_945_000)
        team = app.snapshot.dashboard.team
        assert (team["pipeline_value"], team["weighted_pipeline"]) == (6_100_000, 1_945_000)
        assert stages.value("qualified", "count") == "6" and stages.value("", "value") == "$61k"
        # The list under it is what is open now: of October's six qualified deals only Stark is still open.
        await pilot.press("tab")
        await pilot.press("right")
        await settle(pilot)
        assert stages.current_stage() == "qualified"
        deals = app.screen.query_one(DealTable)
        assert [deals.get_row_at(i)[1].plain for i in range(deals.row_count)] == ["Stark trial"]
        assert pane.border_subtitle == "qualified: open deals now, idlest first"


async def test_the_drill_down_says_which_pipeline_it_shows(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ana = app.store.rep_by_name("Ana Lima").id
        app.open_rep(ana)
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#rep-stages").border_title == "Their pipeline open now"
        assert screen.query_one("#rep-deals").border_title == "Their open deals now, idlest first"
        await pilot.press("left_square_bracket")  # October: Acme renewal and Acme add-on were open, in qualified
        await settle(pilot)
        assert screen.query_one("#rep-stages").border_title == "Their pipeline at period end 2026-10-31"
        shown = screen.query_one("#rep-stages", StageTable).pipeline
        assert (shown.count, shown.value, shown.weighted) == (2, 1_500_000, 375_000)
        # Her KPI row says the same: the Pipeline KPI of October.
        kpis = screen.query_one(CompareLines)
        assert kpis.row("pipeline_value")[1] == "$15k"
        assert app.snapshot.dashboard.rep_row(ana)["pipeline_value"] == 1_500_000
        # The list is her deals open now: Wayne expansion only.
        deals = screen.query_one("#rep-deals", DealTable)
        assert [deals.get_row_at(i)[1].plain for i in range(deals.row_count)] == ["Wayne expansion"]


async def test_a_young_cohort_is_shown_with_its_maturity_and_the_last_window(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(Scorecards)
        names = header(table)
        assert names[names.index("Opps") :][:5] == ["Opps", "Win %", "Conv coh", "Closed", "Conv 3mo"]
        # November's cohort: Wayne expansion alone (Ana's, still open) -> 0 closed of 1, converts 0%. The window
        # August..October: nine opportunities (Ana 3, all won; 김민준 3, 1 won; Zoé 3, 2 won) -> 6 of 9 = 67%.
        team = cells(table, TEAM_KEY)
        assert (team["Conv coh"], team["Closed"], team["Conv 3mo"]) == ("0%", "0%", "67%")
        ids = {app.store.rep_by_name(n).id: n for n in ("Ana Lima", "김민준", "Zoé Martin", "[bold]x")}
        by_name = {name: cells(table, str(rep_id)) for rep_id, name in ids.items()}
        assert [by_name[n]["Conv 3mo"] for n in ("Ana Lima", "김민준", "Zoé Martin", "[bold]x")] == [
            "100%",
            "33%",
            "67%",
            "—",
        ]
        assert by_name["김민준"]["Closed"] == "—"  # no opportunity this month: no maturity either
        # The conversion tile says it is the cohort's, how much of it is closed and the window's conversion.
        strip = app.screen.query_one(KpiStrip)
        tile = strip.tiles["conversion_rate"]
        assert (tile.label, tile.change_note, tile.aside) == ("Conv coh", "0% closed", "3mo 67%")
        index = list(strip.tiles).index("conversion_rate")
        columns = strip._columns()
        offset, width = tile_columns(strip.content_size.width, columns)[index % columns]
        top = (index // columns) * TILE_HEIGHT
        lines = [strip.render_line(top + i).text[offset : offset + width].rstrip() for i in range(3)]
        assert lines == ["Conv coh", "0% 3mo 67%", "0% closed"]
        # The drill-down: under the cohort conversion, its maturity and the window's conversion, with the medians
        # of the four reps (maturity: Ana's 0% alone; window: 100%, 33%, 67% -> 67%).
        app.open_rep(next(r for r, n in ids.items() if n == "Ana Lima"))
        await settle(pilot)
        kpis = app.screen.query_one(CompareLines)
        rows = {k: list(kpis.row(k)) for k in ("conversion_rate", "cohort_maturity")}
        rows["window"] = list(kpis.row("window_conversion_rate"))
        assert rows == {
            "conversion_rate": ["Conv (cohort)", "0%", "0%", "▼100 pt"],
            "cohort_maturity": ["Cohort closed", "0%", "0%", ""],
            "window": ["Conv 3mo", "100%", "67%", ""],
        }


async def test_an_archive_opens_on_its_latest_month_and_the_header_says_so(db_path, settings) -> None:
    from cockpit.tui.app import make_app

    december = pendulum.datetime(2026, 12, 10, 10, tz=TZ)  # nothing is recorded in December
    with Store(db_path, user="tester", now=lambda: december.int_timestamp) as store:
        app = make_app(store, settings=settings, now=lambda: december, as_rep="Max Boss")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)

            def status() -> str:
                return str(app.screen.query_one("#status", Static).render())

            note = "showing 2026-11, the latest month with data; ] for 2026-12"
            assert app.snapshot.dashboard.period.label == "2026-11" and note in status()
            await pilot.press("ctrl+r")  # a refresh (a write elsewhere does the same) keeps it
            await settle(pilot)
            assert app.refreshes >= 1 and note in status()
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert app.snapshot.dashboard.period.label == "2026-12" and "latest month" not in status()
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert note in status()
            assert all(len(line) <= 78 for line in status().splitlines())  # fits the status line at 80 columns


async def test_the_note_goes_once_the_current_month_has_data(db_path, settings) -> None:
    from cockpit.tui.app import make_app

    december = pendulum.datetime(2026, 12, 10, 10, tz=TZ)
    with Store(db_path, user="tester", now=lambda: december.int_timestamp) as store:
        app = make_app(store, settings=settings, now=lambda: december, as_rep="Max Boss")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.snapshot.dashboard.anchored
            ana = store.rep_by_name("Ana Lima").id
            store.log_activity(kind="call", rep_id=ana, at=december.int_timestamp - 3600)  # December has data now
            app.refresh_data()
            await settle(pilot)
            # Still November on screen (the user's period is not moved under them), but no longer "the latest".
            assert app.snapshot.dashboard.period.label == "2026-11"
            assert not app.snapshot.dashboard.anchored
            assert "latest month" not in str(app.screen.query_one("#status", Static).render())


async def test_a_narrow_kpi_box_cuts_the_names_and_keeps_the_numbers_whole(demo_db, tmp_path) -> None:
    """Amounts written with a currency code ("CHF 146.8k") make the drill-down's KPI lines wider than its box at 110
    columns (the narrowest the drill-down keeps its boxes side by side): the KPI names are cut with "…", every
    number and change is drawn whole, as at a width where all fit."""
    target = tmp_path / "demo.db"
    shutil.copy(demo_db, target)
    swiss = Settings(db_path=target, db_source="flag", timezone=TZ, currency="CHF", stale_days=14)
    wide: dict[str, tuple[str, ...]] = {}
    narrow: dict[str, tuple[str, ...]] = {}
    for size, seen in (((160, 40), wide), ((110, 40), narrow)):
        store = Store(target, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
        try:
            app = make_app(store, settings=swiss, now=lambda: FROZEN_NOW, as_rep=None)
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                await pilot.press("down", "enter")  # the first rep's drill-down
                await settle(pilot)
                kpis = app.screen.query_one(CompareLines)
                seen.update(kpis.rows())
                drawn = [str(line.content) for line in kpis.query(".compare-line").results(Static)]
                assert all(cell_width(line) <= kpis.scrollable_content_region.width for line in drawn), size
        finally:
            store.close()
    assert wide["revenue"][1].startswith("CHF ") and "…" not in "".join("".join(cells) for cells in wide.values())
    assert {k: v[1:] for k, v in narrow.items()} == {k: v[1:] for k, v in wide.items()}  # numbers and changes whole
    assert narrow["opportunities"][0].endswith("…") and "Opportunities".startswith(narrow["opportunities"][0][:-1])

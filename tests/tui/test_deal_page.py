"""A deal's own page (issue 21): Enter on a deal in the pipeline, a drill-down, My day or search opens it; the logging
keys act on its deal; it follows this user's writes and a colleague's; Esc goes back to the deal's row.

On the seeded database of tests/support (frozen clock: Wednesday 18 November 2026, 10:00 in Paris). Deals by id:
1-6 won, 7 Umbrella lost, 8 Wayne expansion (Ana, proposal, $25,000), 9 "[@click=app.quit] deal", 10 Stark trial
(Zoé), 11 Old lead and 12 Wonka bars (both "[bold]x", lead; Old lead idler)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widget import Widget

from cockpit.core.store import Store
from cockpit.tui.app import POLL_SECONDS, CockpitApp
from cockpit.tui.screens.common import OpenDealTable
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.deal import DealScreen
from cockpit.tui.screens.forms import StageMoveForm
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.screens.search import SearchScreen
from cockpit.tui.widgets.pipeline import DealTable
from tests.support import FROZEN_NOW, settle, type_text

WAYNE, STARK, INITECH, CLICK, WONKA = 8, 10, 6, 9, 12


def drawn(widget: Widget) -> str:
    """Every line a widget draws (scrolled out of view or not), as text."""
    region = widget.region.reset_offset.shrink(widget.styles.gutter)
    return "\n".join(strip.text.rstrip() for strip in widget.render_lines(region))


def page(app: CockpitApp, box: str) -> str:
    return drawn(app.screen.query_one(f"#deal-{box}"))


async def open_page_of(pilot: Pilot, table: DealTable | OpenDealTable, key: str) -> None:
    """Focus ``table``, walk its cursor to the row of ``key`` with ↓, press Enter."""
    table.focus()
    await pilot.press("home")
    while table.cursor_key != key:
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


async def test_enter_on_a_pipeline_deal_opens_its_page_and_escape_comes_back_to_it(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        deals = app.screen.query_one("#deals", DealTable)  # the lead stage: Old lead, then Wonka bars
        await open_page_of(pilot, deals, str(WONKA))
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == WONKA
        assert page(app, "status").startswith("Deal #12 · Wonka bars · lead · $6,500.00 · [bold]x")
        assert "Owner    [bold]x (South)" in page(app, "facts")
        assert app.selected_deal_id == WONKA  # what the logging keys act on
        await pilot.press("o")  # opened from the team cockpit: the owner's drill-down opens over the page
        await settle(pilot)
        assert isinstance(app.screen, RepScreen) and app.screen.rep_id == app.store.rep_by_name("[bold]x").id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.deal_page_id == WONKA
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and app.deal_page_id is None
        assert app.screen.focused is deals and deals.cursor_key == str(WONKA)


async def test_a_drill_down_deal_page_shows_everything_and_w_wins_that_deal(make_cockpit, db_path: Path) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # under the team total: Ana, first by revenue
        await settle(pilot)
        assert isinstance(app.screen, RepScreen)
        await open_page_of(pilot, app.screen.query_one("#rep-deals", DealTable), str(WAYNE))
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == WAYNE
        facts = page(app, "facts")
        assert "Amount   $25,000.00 USD" in facts and "Stage     proposal · 50%" in facts
        assert "Created  2026-11-02" in facts and "Closed    —" in facts
        assert page(app, "history").splitlines() == ["2026-11-02 00:00  → proposal"]
        # The follow-ups of 12 November: Nov 16 is past at 10:00 on the 18th, 15:00 today is not yet.
        follow = page(app, "followups").splitlines()
        assert follow[0].startswith("OVERDUE 2026-11-16 09:00  email") and follow[0].endswith("send proposal v2")
        assert follow[1].startswith("due 2026-11-18 15:00  email") and follow[1].endswith("call back Wayne CFO")
        assert follow[2].startswith("due 2026-11-25 09:00  email") and len(follow) == 3
        # Newest first, each with its note shown literally (markup as typed).
        lines = page(app, "activities").splitlines()
        assert lines[0].startswith("2026-11-17 15:00  call voicemail · Ana Lima")
        assert lines[1].startswith("2026-11-16 09:00  call connected · Ana Lima")
        assert lines[2] == "  asked for [bold]pricing[/bold]"
        assert lines[3].startswith("2026-11-12 10:00  email Ana Lima")

        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, StageMoveForm) and app.screen.deal.id == WAYNE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        with Store(db_path, user="check") as store:
            assert store.deal(WAYNE).stage == "won"
        assert "Stage     won · 100%" in page(app, "facts") and "Closed    2026-11-18" in page(app, "facts")
        assert page(app, "history").splitlines()[-1] == "2026-11-18 10:00  proposal → won after 16 days"
        assert "move deal to won  deal: stage proposal → won" in page(app, "audit").splitlines()[0]
        await pilot.press("o")  # the owner's drill-down it was opened from: back to it, not a second one
        await settle(pilot)
        assert isinstance(app.screen, RepScreen) and len(app.screen_stack) == 2
        assert app.deal_page_id is None


async def test_enter_on_one_of_my_open_deals_opens_its_page(make_cockpit) -> None:
    app = make_cockpit("Ana Lima")  # a rep opens on My day
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        await open_page_of(pilot, app.screen.query_one(OpenDealTable), str(WAYNE))
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == WAYNE
        assert page(app, "status").startswith("Deal #8 · Wayne expansion · Wayne Enterprises")
        await pilot.press("q")  # q goes back too (it does not quit from a deal's page)
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen) and app.is_running


async def test_a_search_hit_opens_the_deals_page_open_or_closed(make_cockpit) -> None:
    """`/` searches (tests/tui/test_key_bindings.py has the other keys); Enter on a deal hit opens that deal's page,
    whose deal is the selected deal, so `a` advances it; a closed deal's page says when it closed."""
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "stark")
        await settle(pilot)
        assert [(hit.kind, hit.title) for hit in app.screen.hits] == [("account", "Stark"), ("deal", "Stark trial")]
        await pilot.press("down", "down", "enter")  # account Stark, then the deal Stark trial
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == STARK
        assert "Owner    Zoé Martin (South)" in page(app, "facts")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, StageMoveForm) and app.screen.deal.id == STARK
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("slash")
        await type_text(pilot, "initech")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # won in October: its page says so (no drill-down lists it)
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == INITECH
        assert "Stage     won · 100%" in page(app, "facts") and "Closed    2026-10-20" in page(app, "facts")


async def test_hostile_names_show_literally_and_x_voids_the_deal_of_the_page(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "click")
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == CLICK
        assert page(app, "status").startswith("Deal #9 · [@click=app.quit] deal · negotiation")
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "duplicate")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.is_running
        assert app.store.deal(CLICK).voided_at is not None
        banner = app.screen.query_one("#deal-banner")
        assert banner.display and drawn(banner).startswith("VOIDED 2026-11-18 10:00: duplicate")
        latest = page(app, "audit").splitlines()[0]  # by the Unix user, as the rep they act as (demo data)
        assert latest.startswith("2026-11-18 10:00  tester as Max Boss  void deal  deal: voided at —")


async def test_a_colleagues_note_on_the_deal_shows_on_its_page(make_cockpit, db_path: Path) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        while app._version is None:  # the poll's baseline, before the colleague writes
            await pilot.pause(0.1)
        app.open_deal(STARK)
        await settle(pilot)
        before = app.refreshes
        with Store(db_path, user="zoe", now=lambda: FROZEN_NOW.int_timestamp) as other:
            # A note dated in August, on a deal opened over the team cockpit: its page must show it.
            at = FROZEN_NOW.subtract(months=3).int_timestamp
            other.log_activity(kind="note", rep_id=other.rep_by_name("Zoé Martin").id, deal_id=STARK, at=at, note="ok")
        for _ in range(20):
            await pilot.pause(POLL_SECONDS)
            await settle(pilot)
            if app.refreshes > before:
                break
        assert page(app, "activities").splitlines()[-2:] == ["2026-08-18 10:00  note Zoé Martin  a8", "  ok"]

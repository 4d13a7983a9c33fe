"""Pilot tests of the cockpit's defences: a read-only database refuses the logging keys with its reason, hostile
text is shown literally and stays inert on every screen, and an error in a refresh is one line plus a logged
traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cockpit.core.store import Store
from cockpit.tui.app import CockpitApp, make_app
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.myday import MyDayScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.screens.search import SearchScreen
from tests.support import FROZEN_NOW, quick_entry, settle, ts, type_text

OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # would write "evil" to the clipboard
CLEAR = "\x1b[2J"  # would clear the screen
DEAL = f"[@click=app.quit]{CLEAR}Deal"
ACCOUNT = f"{OSC52}[bold]Acct"
NOTE = f"[bold]note [@click=app.quit] {OSC52}{CLEAR}end"


def notes(app: CockpitApp) -> list[str]:
    return [n.message for n in app._notifications]


def digest(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return [conn.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("activities", "deals", "audit_log")]


# ------------------------------------------------------------------------------------------------ read-only


@pytest.mark.parametrize("how", ["newer-schema", "readonly-flag"])
async def test_read_only_database_refuses_the_logging_keys_with_the_reason(db_path: Path, settings, how: str) -> None:
    if how == "newer-schema":
        with sqlite3.connect(db_path) as conn:
            conn.execute("PRAGMA user_version = 999")
        store = Store(db_path)
        reason = "written by a newer cockpit (schema 999"
    else:
        store = Store(db_path, readonly=True)
        reason = "opened read-only"
    before = digest(db_path)
    app = make_app(store, settings=settings, now=lambda: FROZEN_NOW, as_rep="Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        banner = str(app.screen.query_one("#banner").render())
        assert reason in banner and "Logging is disabled" in banner
        for key in ("c", "n", "colon", "dollar_sign"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen), key  # no form opened
        refused = [n for n in notes(app) if n.startswith("Logging is disabled: ")]
        assert len(refused) == 4 and all(reason in n for n in refused)
        assert app.is_running
    store.close()
    assert digest(db_path) == before


# ------------------------------------------------------------------------------------------------ hostile text


@pytest.fixture
def hostile_db(db_path: Path) -> Path:
    """The seeded data (rep "[bold]x") plus a deal, an account and a note full of markup and escapes."""
    with Store(db_path, user="tester", now=lambda: ts(2026, 11, 17, 9)) as store:
        rep = store.rep_by_name("[bold]x")
        deal = store.add_deal(rep_id=rep.id, title=DEAL, account=ACCOUNT, amount=300_000, stage="lead")
        store.log_activity(
            kind="call",
            rep_id=rep.id,
            deal_id=deal,
            at=ts(2026, 11, 17, 9),
            note=NOTE,
            follow_up_at=ts(2026, 11, 18, 9),
        )
    return db_path


def screen_text(app: CockpitApp) -> str:
    """What the current screen draws, cell by cell (the text of every segment the terminal would be sent)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_inert(shown: str) -> None:
    assert "\x1b" not in shown and "ZXZpbA" not in shown  # no escape, not even the clipboard payload


async def test_hostile_text_is_literal_and_inert_everywhere(hostile_db: Path, make_cockpit) -> None:
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        shot = screen_text(app)
        assert "[bold]x" in shot  # scorecards
        assert "[@click=app.quit]Deal" in shot  # pipeline: the lead stage's deals (escape removed, markup kept)
        assert_inert(shot)
        # Clicking the deal's row must not run app.quit (it would if the title were read as markup).
        rep = app.store.rep_by_name("[bold]x")
        app.open_rep(rep.id)
        await settle(pilot)
        assert isinstance(app.screen, RepScreen)
        shot = screen_text(app)
        assert "[@click=app.quit]Deal" in shot and "[bold]not" in shot  # their deals, their activities
        assert_inert(shot)
        await pilot.click("#rep-deals", offset=(30, 4))  # the row of "[@click=app.quit]Deal"
        await settle(pilot)
        assert app.is_running
        await pilot.press("escape", "slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "acct")
        await settle(pilot)
        shot = screen_text(app)
        assert "[bold]Acct" in shot  # the search hit
        assert_inert(shot)
        await pilot.press("down", "enter")  # the account hit: a notification names it
        await settle(pilot)
        assert any("[bold]Acct" in n for n in notes(app))
        assert app.is_running


async def test_my_day_and_a_call_on_a_hostile_account(hostile_db: Path, make_cockpit) -> None:
    app = make_cockpit("[bold]x")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MyDayScreen)
        shot = screen_text(app)
        assert "[@click=app.quit]Deal" in shot and "[bold]not" in shot  # open deals, follow-up due today
        assert_inert(shot)
        calls = app.store.query("SELECT count(*) FROM activities WHERE kind = 'call'")[0][0]
        await pilot.press("colon")
        await type_text(pilot, "call acct connected")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.store.query("SELECT count(*) FROM activities WHERE kind = 'call'")[0][0] == calls + 1
        logged = [n for n in notes(app) if n.startswith("Call logged")]
        assert len(logged) == 1
        shot = screen_text(app)
        assert_inert(shot)
        assert app.is_running


# ------------------------------------------------------------------------------------------------ errors


async def test_a_failing_refresh_is_one_line_and_a_logged_traceback(
    make_cockpit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cockpit.tui.app

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("snapshot exploded")

    monkeypatch.setattr(cockpit.tui.app, "build_snapshot", broken)
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        log = tmp_path / "state" / "cockpit" / "errors.log"
        assert notes(app) == [f"RuntimeError: snapshot exploded (details in {log})"]
        assert "\n" not in notes(app)[0]
        assert "Traceback" in log.read_text() and "RuntimeError: snapshot exploded" in log.read_text()
        assert app.is_running


async def test_text_that_is_not_utf8_reads_with_a_replacement_everywhere(db_path: Path, make_cockpit) -> None:
    """Another program stored bytes that are not UTF-8 as a deal's title, an account's and a rep's name (the shell
    can): every read shows U+FFFD in their place; with the default decoder each such read failed, and the quick-
    entry line's names stopped the app for every user of the file."""
    with Store(db_path, user="tester", now=lambda: ts(2026, 11, 17, 9)) as store:
        rep = store.rep_by_name("Ana Lima")
        store.add_deal(rep_id=rep.id, title="placeholder", account="Bad Bytes", amount=100_000, stage="lead")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE deals SET title = CAST(X'FF44' AS TEXT) WHERE title = 'placeholder'")
    conn.execute("UPDATE accounts SET name = CAST(X'42FE' AS TEXT) WHERE name = 'Bad Bytes'")
    conn.commit()
    conn.close()
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, MyDayScreen)
        assert "\ufffdD" in screen_text(app)  # My open deals: the title, its byte replaced
        await pilot.press(":")
        await settle(pilot)
        line = quick_entry(app)
        assert line is not None and line.catalog is not None  # the names were read
        assert "B\ufffd" in line.catalog.accounts and any(d.title == "\ufffdD" for d in line.catalog.deals)
        assert app.is_running


async def test_a_bug_reading_the_names_is_one_line_under_the_line(
    make_cockpit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cockpit.tui.logging_bindings

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(store: object, known: object = None) -> object:
        raise RuntimeError("names exploded")

    monkeypatch.setattr(cockpit.tui.logging_bindings.Catalog, "from_store", broken)
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        await type_text(pilot, "call acme")
        await pilot.press("enter")
        await settle(pilot)
        log = tmp_path / "state" / "cockpit" / "errors.log"
        preview = str(app.screen.query_one("#quick-preview").render())
        assert f"RuntimeError: names exploded (details in {log})" in preview
        assert quick_entry(app) is not None and app.is_running  # the line and what was typed stay
        assert "RuntimeError: names exploded" in log.read_text()


async def test_a_bug_reading_a_forms_context_is_one_line(
    make_cockpit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reads before a form opens (the stages, the reps, the selected deal) run in a worker: a bug there is one
    notification and a logged traceback, and the app runs on."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_cockpit("Max Boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        def broken() -> object:
            raise RuntimeError("stages exploded")

        monkeypatch.setattr(app.store, "stages", broken)
        await pilot.press("n")  # a new deal: its form needs the stages
        await settle(pilot)
        log = tmp_path / "state" / "cockpit" / "errors.log"
        assert f"RuntimeError: stages exploded (details in {log})" in notes(app)
        assert app.is_running and isinstance(app.screen, DashboardScreen)

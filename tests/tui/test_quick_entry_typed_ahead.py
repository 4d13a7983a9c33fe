"""Keys typed into the quick-entry line while its write waits (another process holds the lock) are never lost: the
line stays open with them as the next line, and an Enter pressed on that line writes it after the first."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Input, Static

from cockpit.tui.quick_entry import IDLE, typed_ahead
from tests.support import quick_entry, settle, type_text, until


def _notes(db_path: object) -> list[str]:
    with sqlite3.connect(db_path) as conn:  # type: ignore[arg-type]
        return [r[0] for r in conn.execute("SELECT note FROM activities WHERE note LIKE 'ahead %' ORDER BY id")]


def _line(app: object) -> str:
    return app.screen.query_one("#quick-input", Input).value  # type: ignore[attr-defined]


def _preview(app: object) -> str:
    return str(app.screen.query_one("#quick-preview", Static).render())  # type: ignore[attr-defined]


async def _write_behind_a_lock(pilot: object, db_path: object, typed_during: str, *, enter: bool) -> None:
    """A first line written while another process holds the write lock; ``typed_during`` typed (and Enter pressed
    when ``enter``) before the lock is let go."""
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press(":")  # type: ignore[attr-defined]
    await type_text(pilot, 'call acme connected 5m "ahead one"')  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]
    holder = sqlite3.connect(db_path, isolation_level=None)  # type: ignore[arg-type]
    try:
        holder.execute("BEGIN IMMEDIATE")  # a colleague's write in progress
        await pilot.press("enter")  # type: ignore[attr-defined]
        await pilot.pause(0.2)  # type: ignore[attr-defined]
        prompt = quick_entry(pilot.app)  # type: ignore[attr-defined]
        assert prompt is not None and prompt.saving
        await type_text(pilot, typed_during)  # type: ignore[arg-type]
        if enter:
            await pilot.press("enter")  # type: ignore[attr-defined]
        assert _notes(db_path) == []  # still waiting on the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_keys_typed_during_a_write_stay_on_the_line(make_cockpit, db_path) -> None:
    """The rep typed ``:`` and the start of the next call while the first waited: once it commits, the line is open
    with what came after ``:``, previewed against the names read again; Enter then writes it."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await _write_behind_a_lock(pilot, db_path, ':email acme "ahead two"', enter=False)
        await until(pilot, lambda: _notes(db_path) == ["ahead one"] and _preview(app).startswith("→ "))
        prompt = quick_entry(app)
        assert prompt is not None and not prompt.saving
        assert _line(app) == 'email acme "ahead two"'
        assert isinstance(app.focused, Input)
        assert _preview(app).startswith("→ Email · ")
        await pilot.press("enter")
        await until(pilot, lambda: quick_entry(app) is None)
        assert _notes(db_path) == ["ahead one", "ahead two"]


async def test_a_line_typed_and_entered_during_a_write_is_written_next(make_cockpit, db_path) -> None:
    """Enter pressed on the typed-ahead line while the first write waited: both are written, in order, and the line
    closes."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await _write_behind_a_lock(pilot, db_path, ':call acme connected 2m "ahead two"', enter=True)
        await until(pilot, lambda: quick_entry(app) is None and len(_notes(db_path)) == 2)
        assert _notes(db_path) == ["ahead one", "ahead two"]
        assert quick_entry(app) is None


async def test_a_colon_alone_typed_during_a_write_opens_an_empty_line(make_cockpit, db_path) -> None:
    """``:`` typed while the write waited is the key that opens a line: an empty one is open after the write."""
    app = make_cockpit("Ana Lima")
    async with app.run_test(size=(120, 40)) as pilot:
        await _write_behind_a_lock(pilot, db_path, ":", enter=False)
        await until(pilot, lambda: _notes(db_path) == ["ahead one"] and quick_entry(app) is not None)
        await settle(pilot)
        prompt = quick_entry(app)
        assert prompt is not None and not prompt.saving
        assert _line(app) == "" and _preview(app) == IDLE


def test_what_was_typed_after_the_written_line() -> None:
    assert typed_ahead("call a", "call a") is None
    assert typed_ahead(None, "anything") is None
    assert typed_ahead("call a", "call a  :") == ""
    assert typed_ahead("call a", "call a:email b") == "email b"
    assert typed_ahead("call a", "call a email b") == "email b"
    assert typed_ahead("call ab", "call aXY") == "XY"  # a backspace during the write: the next line starts there
    assert typed_ahead("call ab", "call a") is None  # only a key taken off: nothing new to keep


@given(written=st.text(max_size=20), extra=st.text(max_size=20))
def test_nothing_typed_after_the_line_is_lost(written: str, extra: str) -> None:
    """Whatever follows the written line comes back, but for the blanks and one ``:`` that lead it."""
    ahead = typed_ahead(written, written + extra)
    kept = extra.lstrip()
    kept = kept[1:].lstrip() if kept.startswith(":") else kept
    assert (ahead or "") == kept

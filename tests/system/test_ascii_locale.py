"""Issue 21: under a locale that is not UTF-8 (LANG=C) the real app, in a real pty, writes ASCII only; under a
UTF-8 locale the same screen keeps its UTF-8 glyphs.

The database's names, titles and notes are all ASCII, so "every byte below 0x80" is exact: any byte above it is
decoration the app drew (a border, an arrow, a block, an ellipsis). One app start per locale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cockpit.core.store import Store
from tests.support import ts
from tests.system.test_terminal_bytes import start

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a Linux pty")


@pytest.fixture(scope="module")
def ascii_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two reps, won and lost deals over two months (so the tiles have changes and sparklines), no cost (CAC has no
    value: "—"), and more open leads than the deal list shows (a scrollbar) with titles longer than their column
    (cut with an ellipsis)."""
    path = tmp_path_factory.mktemp("ascii") / "cockpit.db"
    clock = [ts(2026, 9, 1)]
    with Store(path, create=True, user="tester", now=lambda: clock[0]) as store:
        ana = store.add_rep("Ana Lima", team="North", unix_login="ana")
        bob = store.add_rep("Bob Stone", team="South", unix_login="bob")
        store.add_rep("Max Boss", team="North", unix_login="max", role="manager")
        for month in ("2026-10", "2026-11"):
            store.set_quota(month=month, rep_id=ana, amount=2_000_000)
        for rep, amount, day, outcome in (
            (ana, 400_000, ts(2026, 10, 14), "won"),
            (bob, 900_000, ts(2026, 10, 20), "won"),
            (ana, 1_200_000, ts(2026, 11, 5), "won"),
            (bob, 300_000, ts(2026, 11, 9), "lost"),
        ):
            clock[0] = day - 20 * 86400
            deal = store.add_deal(
                rep_id=rep, title=f"Deal {day}", account="Acme", amount=amount, stage="qualified", created_at=clock[0]
            )
            clock[0] = day
            store.move_deal(deal, outcome, at=day, reason="price" if outcome == "lost" else None)
        for i in range(20):
            clock[0] = ts(2026, 11, 1 + i % 15)
            store.add_deal(
                rep_id=(ana, bob)[i % 2],
                title=f"Enterprise platform renewal with extended support number {i}",
                account=f"Account {i}",
                amount=100_000 + i * 1000,
                stage="lead",
                created_at=clock[0],
            )
            store.log_activity(kind="call", rep_id=(ana, bob)[i % 2], at=clock[0], outcome="connected", note="ok")
    return path


def test_a_c_locale_gets_ascii_only(ascii_db: Path, tmp_path: Path) -> None:
    # LC_CTYPE unset too: the test runner's own Python may have been coerced to LC_CTYPE=C.UTF-8 (PEP 538), and
    # the app's Python will be (it must see through that).
    app = start(ascii_db, tmp_path, LANG="C", LC_ALL=None, LC_CTYPE=None)  # type: ignore[arg-type]
    try:
        raw = bytes(app.raw)
        screen = app.text()
    finally:
        app.close()
    high = sorted({b for b in raw if b >= 0x80})
    assert not high, (high, raw.decode("utf-8", "replace").encode("ascii", "backslashreplace")[-2000:])
    # It is the dashboard, drawn: ASCII borders, the selected tile's mark, a fall ($13k in October, $12k now), a
    # missing value, a cut title.
    assert "+- Scorecards" in screen and "+- Pipeline" in screen
    assert "> Revenue" in screen
    assert "v$1k" in screen
    assert "Bob Stone         $0        -     -" in screen, screen  # no attainment, no pace: no quota
    assert "Enterprise platform renewa." in screen


def test_a_utf8_locale_keeps_its_glyphs(ascii_db: Path, tmp_path: Path) -> None:
    app = start(ascii_db, tmp_path, LANG="C.UTF-8", LC_ALL=None, LC_CTYPE=None)  # type: ignore[arg-type]
    try:
        screen = app.text()
    finally:
        app.close()
    assert "╭─ Pipeline" in screen  # a box-drawing border
    assert "▸ Revenue" in screen
    assert "▼$1k" in screen
    assert "Bob Stone         $0        —     —" in screen, screen  # no attainment, no pace: no quota
    assert "Enterprise platform renewa…" in screen

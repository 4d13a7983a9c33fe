"""The verdict as one line on the team cockpit and in My day (issue 22), at 80x24 and 120x40, against
`cockpit report` for the same scope.

The database is the shape of tests/support/verdict_teams.py's ``drop_and_collapse_db`` with a hostile name for the
rep whose conversion collapses: seven reps in team North at $4,000 a deal; six qualify 20 opportunities a month and
win 5, in November 12 and 3 (-$8,000 of volume each); "[bold]x" qualifies 60 and wins 15, in November 60 and 1
(-14 wins x $4,000 = -$56,000 of conversion). The team's November quota is $200,000, November's revenue
6 x $12,000 + $4,000 = $76,000: $124,000 (62%) short. "[bold]x" has no quota: judged against her usual month,
$60,000, she is $56,000 (93%) below it. The app runs on 10 December 2026 (nothing recorded in December), so it opens
on November, the latest month with data, over and done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pendulum
import pytest
from rich.text import Text
from textual.content import Content

from cockpit.cli import main
from cockpit.core.config import Settings
from cockpit.core.parse import format_money
from cockpit.core.store import Store
from cockpit.tui.app import make_app
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.myday import MyDayScreen
from tests.support import settle
from tests.support.insights_db import Clock, open_store, ts
from tests.support.panes import cli_environment
from tests.support.verdict_teams import DB_MONTHS, month_of_deals

HOSTILE = "[bold]x"
NOW = pendulum.datetime(2026, 12, 10, 10, tz="UTC")
SIZES = [(80, 24), (120, 40)]
#: The lines worked out by hand from the construction (see the module's docstring).
TEAM_LINE = f"Verdict: $124k (62%) short of quota · conversion −$56k ({HOSTILE}), volume −$48k (team-wide)"
REP_LINE = "Verdict: $56k (93%) below a usual month · conversion −$56k (own)"
WORDS = {"volume": "volume", "conversion": "conversion", "deal_size": "deal size"}


@pytest.fixture(scope="module")
def verdict_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verdict-lines") / "v.db"
    store = open_store(path, Clock(ts("2026-12-05")))
    try:
        names = (HOSTILE, "Bo", "Cy", "Di", "Ed", "Fa", "Gil")
        reps = {name: store.add_rep(name, team="North") for name in names}
        store.add_rep("Max Boss", team="North", role="manager")
        for name, rep in reps.items():
            for month in DB_MONTHS:
                last = month == DB_MONTHS[-1]
                if name == HOSTILE:
                    month_of_deals(store, rep, month, 60, 1 if last else 15)
                else:
                    month_of_deals(store, rep, month, 12 if last else 20, 3 if last else 5)
        store.set_quota(month="2026-11", amount=200_000_00, team="North")
    finally:
        store.close()
    return path


def report(db: Path, config: Path, *args: str) -> dict[str, Any]:
    """``cockpit report --format json`` for November, as the command line runs it (its own clock, no cache)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        cli_environment(NOW.to_iso8601_string(), "UTC", config),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = main(["report", "--db", str(db), "--format", "json", "--period", "2026-11", *args])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())["verdict"]


def app_on(db: Path, tmp_path: Path, as_rep: str | None):  # noqa: ANN201 - a CockpitApp
    settings = Settings(db_path=db, db_source="flag", timezone="UTC", currency="USD", stale_days=14)
    store = Store(db, readonly=True)
    return store, make_app(store, settings=settings, now=lambda: NOW, as_rep=as_rep)


def drawn(widget) -> str:  # noqa: ANN001
    content = widget.render()
    return content.plain if isinstance(content, Text | Content) else str(content)


def check_line(widget, screen_size: tuple[int, int], expected: str, verdict: dict[str, Any]) -> None:  # noqa: ANN001
    text = drawn(widget)
    assert text == expected
    # Consistent with the report for the same scope: its gap, and each factor it names a cause, with its amount.
    gap = format_money(abs(round(verdict["gap"] * 100)), "USD", compact=True)
    assert f"{gap} ({round(abs(verdict['gap_share']) * 100)}%)" in text
    for factor in verdict["factors"]:
        if factor["spread"] != "none":
            amount = format_money(abs(round(factor["amount"] * 100)), "USD", compact=True)
            assert f"{WORDS[factor['factor']]} −{amount}" in text
    # The whole paragraph is the line's tooltip: the report's message, word for word.
    tooltip = widget.tooltip
    assert isinstance(tooltip, Content) and tooltip.plain == verdict["message"]
    # Nothing cut off: the line wraps in at most 2 rows at its width, and the widget is that tall, on screen.
    rows = len(Content(text).wrap(widget.content_size.width))
    assert rows <= 2
    assert widget.region.height == rows
    assert widget.region.y >= 1 and widget.region.bottom <= screen_size[1] - 1  # under the header, above the footer


@pytest.mark.parametrize("size", SIZES)
async def test_the_team_cockpit_shows_the_teams_verdict_line(verdict_db: Path, tmp_path: Path, size) -> None:
    verdict = report(verdict_db, tmp_path / "no-config.toml")
    assert verdict["scope"] == "team" and verdict["message"].startswith("November is $124k (62%) short of quota")
    store, app = app_on(verdict_db, tmp_path, None)
    try:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            assert app.snapshot.dashboard.period.label == "2026-11"
            line = screen.query_one("#verdict")
            check_line(line, size, TEAM_LINE, verdict)
            # Right under the period's status line, above the KPI strip.
            status = screen.query_one("#status")
            assert line.region.y == status.region.bottom
            assert screen.query_one("#kpis").region.y == line.region.bottom
            # The name is shown as written, not read as markup: the label is the only styled part, so nothing
            # turns bold where "[bold]" would have opened a tag.
            rendered = line.render()
            assert isinstance(rendered, Content)
            assert [(s.start, s.end) for s in rendered.spans] == [(0, len("Verdict: "))]
            assert rendered.spans[0].style.bold
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES)
async def test_my_day_shows_the_reps_own_verdict_line(verdict_db: Path, tmp_path: Path, size) -> None:
    verdict = report(verdict_db, tmp_path / "no-config.toml", "--rep", HOSTILE)
    assert verdict["scope"] == f"rep:{HOSTILE}" and verdict["basis"] == "baseline"
    store, app = app_on(verdict_db, tmp_path, HOSTILE)
    try:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, MyDayScreen)
            line = screen.query_one("#myday-verdict")
            check_line(line, size, REP_LINE, verdict)
            assert verdict["message"].startswith(f"{HOSTILE}: November is $56k (93%) below a usual month.")
            assert line.region.y == screen.query_one("#myday-status").region.bottom
    finally:
        store.close()


async def test_a_long_line_keeps_to_two_rows_at_80_columns(verdict_db: Path, tmp_path: Path) -> None:
    """A line too long for two rows folds its last causes into "+N more" rather than push the KPI strip down."""
    store, app = app_on(verdict_db, tmp_path, None)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            line = app.screen.query_one("#verdict")
            name = "Bartholomew-Maximilian …"  # a name as the line has it: cut to 24 cells
            head = "$1.2M (62%) short of quota at this pace"
            causes = (
                f"conversion −$560.4k ({name} +2)",
                f"volume −$480.2k ({name})",
                f"deal size −$90.1k ({name} +1)",
            )
            full = f"{head} · {', '.join(causes)}"
            assert len("Verdict: " + full) > 2 * 78  # more than two rows at 80 columns
            line.show(dataclasses.replace(app.snapshot.verdict, line=full, causes=causes))
            await pilot.pause()
            text = drawn(line)
            # The gap and the largest cause stay; the rest is counted (the insights screen, i, has it all).
            assert text in (
                f"Verdict: {head} · {causes[0]}, {causes[1]}, +1 more",
                f"Verdict: {head} · {causes[0]}, +2 more",
            )
            assert len(Content(text).wrap(line.content_size.width)) == 2 and line.region.height == 2
            assert app.screen.query_one("#kpis").region.y == line.region.bottom
    finally:
        store.close()

"""Property test of imported deals: conversion never beats the win rate of the closed deals (issue 19, part 1).

Each example writes a random CRM-like export (deals in any stage, won and lost with a close date, no qualified
column and no history), imports it, and checks the dashboard against a recount of the rows written: every deal
past lead is an opportunity from its created date, won and lost alike, so the cohort's conversion is its won share,
and in a cohort of closed deals it equals the share of the closed deals that were won. With ``lost_from_lead`` the
lost deals drop out of the opportunities and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.core.importing import import_file
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store

pytestmark = pytest.mark.slow

STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
START = dt.date(2025, 1, 1)  # deals are created in 2025; the report looks at 2025
CLOCK = dt.datetime(2026, 6, 1, tzinfo=dt.UTC).timestamp()  # closes run into 2026; the store's clock is after


@dataclass(frozen=True)
class Row:
    rep: int
    stage: str
    created: dt.date
    closed: dt.date | None
    amount: int


@st.composite
def rows(draw: st.DrawFn, *, closed_only: bool = False) -> list[Row]:
    stages = ("won", "lost") if closed_only else STAGES
    out = []
    for _ in range(draw(st.integers(1, 25))):
        stage = draw(st.sampled_from(stages))
        created = START + dt.timedelta(days=draw(st.integers(0, 364)))
        closed = created + dt.timedelta(days=draw(st.integers(0, 150))) if stage in ("won", "lost") else None
        out.append(Row(draw(st.integers(0, 2)), stage, created, closed, draw(st.integers(0, 50_000))))
    return out


def _csv(path: Path, deals: list[Row]) -> Path:
    lines = ["title,rep,stage,amount,created,closed"]
    for i, r in enumerate(deals):
        lines.append(f"Deal {i},Rep {r.rep},{r.stage},{r.amount},{r.created},{r.closed or ''}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _team(deals: list[Row], **options: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "p.db", create=True, now=lambda: CLOCK) as store:
        import_file(store, "deals", _csv(Path(tmp) / "in.csv", deals), tz="UTC", **options)
        return dashboard(store, parse_period("2025", tz="UTC")).team


PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(rows())
def test_conversion_never_exceeds_the_won_share_of_closed_deals(deals: list[Row]) -> None:
    team = _team(deals)
    # The recount: every deal created in 2025 past lead is an opportunity of 2025, won and lost alike.
    opportunities = [r for r in deals if r.stage != "lead"]
    won = sum(r.stage == "won" for r in opportunities)
    lost = sum(r.stage == "lost" for r in opportunities)
    assert team["opportunities"] == len(opportunities)
    if opportunities:
        assert team["conversion_rate"] == pytest.approx(won / len(opportunities))
    if won + lost:
        assert team["conversion_rate"] <= won / (won + lost) + 1e-12


@PROPS
@given(rows(closed_only=True))
def test_in_a_closed_cohort_conversion_is_the_won_share(deals: list[Row]) -> None:
    team = _team(deals)
    won = sum(r.stage == "won" for r in deals)
    assert team["opportunities"] == len(deals)
    assert team["conversion_rate"] == pytest.approx(won / len(deals))


@PROPS
@given(rows())
def test_lost_from_lead_drops_only_the_lost_deals(deals: list[Row]) -> None:
    team = _team(deals, lost_from_lead=True)
    opportunities = [r for r in deals if r.stage not in ("lead", "lost")]
    assert team["opportunities"] == len(opportunities)
    if opportunities:
        won = sum(r.stage == "won" for r in opportunities)
        assert team["conversion_rate"] == pytest.approx(won / len(opportunities))

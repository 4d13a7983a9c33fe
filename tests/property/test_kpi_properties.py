"""Property tests of the KPI engine on small random databases (hypothesis).

Each example writes a random database through the store's write actions, keeps its own plain-Python list of
what it wrote, and checks the dashboard against it: per-rep measures add up to the team's, rates are shares,
and an independent recount of revenue, won, lost, opportunities, customers and calls agrees with the SQL.
Period boundaries for the recount are built here with zoneinfo, not taken from cockpit.core.periods.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.core.kpi import KPI_NAMES, dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store

pytestmark = pytest.mark.slow

ZONES = ("America/New_York", "Europe/Paris", "Asia/Seoul", "UTC", "Australia/Lord_Howe")
TEAMS = ("North", "South")
DAY = 86_400
# Deals are created and calls made from 1 Dec 2025 to ~10 May 2026 (local); a deal is qualified up to STEP_DAYS
# after its creation and closed up to STEP_DAYS after that. Reports look at a month of 2026-01..2026-04 or Q1.
SPAN_DAYS = 160
STEP_DAYS = 40
# The store refuses a moment ahead of its clock: the clock stands at the latest moment the generator can draw.
CLOCK_DAYS = SPAN_DAYS + 2 * STEP_DAYS


@dataclass
class DealSpec:
    rep: int
    amount: int
    account: int | None
    outcome: str  # lead | open | won | lost_lead | lost_open
    created: int  # seconds after the data's origin
    qualify_after: int
    close_after: int
    voided: bool


@dataclass
class CallSpec:
    rep: int
    deal: int | None
    at: int
    voided: bool


@st.composite
def datasets(draw: st.DrawFn) -> dict:
    n_reps = draw(st.integers(1, 4))
    reps = [
        {
            "team": draw(st.sampled_from(TEAMS)),
            "role": draw(st.sampled_from(("rep", "rep", "rep", "manager"))),
            "active": draw(st.booleans() | st.just(True)),
        }
        for _ in range(n_reps)
    ]
    n_accounts = draw(st.integers(0, 3))
    second = st.integers(0, SPAN_DAYS * DAY - 1)
    deals = [
        DealSpec(
            rep=draw(st.integers(0, n_reps - 1)),
            amount=draw(st.sampled_from((0, 1, 99, 10_000, 250_000, 1_000_000))),
            account=draw(st.none() | st.integers(0, n_accounts - 1)) if n_accounts else None,
            outcome=draw(st.sampled_from(("lead", "open", "won", "won", "lost_lead", "lost_open"))),
            created=draw(second),
            qualify_after=draw(st.integers(0, STEP_DAYS * DAY)),
            close_after=draw(st.integers(0, STEP_DAYS * DAY)),
            voided=draw(st.sampled_from((False, False, False, True))),  # one deal in four is voided
        )
        for _ in range(draw(st.integers(2, 14)))
    ]
    calls = [
        CallSpec(
            rep=draw(st.integers(0, n_reps - 1)),
            deal=draw(st.none() | st.integers(0, len(deals) - 1)) if deals else None,
            at=draw(second),
            voided=draw(st.sampled_from((False, False, False, True))),
        )
        for _ in range(draw(st.integers(1, 14)))
    ]
    return {
        "tz": draw(st.sampled_from(ZONES)),
        "reps": reps,
        "accounts": n_accounts,
        "deals": deals,
        "calls": calls,
        "spec": draw(st.sampled_from(("2026-01", "2026-02", "2026-03", "2026-04", "2026-Q1"))),
        "team": draw(st.none() | st.sampled_from(TEAMS)),
    }


def boundaries(spec: str, tz: str) -> list[tuple[int, int]]:
    """[start, end) of the three trend buckets ending with ``spec`` (a 2026 month or 2026-Q1), oldest first, as
    epoch seconds computed with zoneinfo (independently of cockpit.core.periods)."""
    zone = ZoneInfo(tz)

    def first(year: int, month: int) -> int:
        index = year * 12 + month - 1
        return int(dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=zone).timestamp())

    step, month = (3, 1) if spec == "2026-Q1" else (1, int(spec[5:]))
    return [(first(2026, month - k * step), first(2026, month - k * step + step)) for k in (2, 1, 0)]


def write(path: Path, data: dict) -> list[dict]:
    """Write the dataset; return one plain record per deal as the recount needs it."""
    origin = int(dt.datetime(2025, 12, 1, tzinfo=ZoneInfo(data["tz"])).timestamp())
    store = Store(path, create=True, now=lambda: origin + CLOCK_DAYS * DAY)
    rep_ids = [
        store.add_rep(f"rep{i}", team=r["team"], role=r["role"], active=r["active"]) for i, r in enumerate(data["reps"])
    ]
    account_ids = [store.add_account(f"acct{i}") for i in range(data["accounts"])]
    records: list[dict] = []
    for d in data["deals"]:
        created = origin + d.created
        qualified = created + d.qualify_after
        closed = qualified + d.close_after
        start_stage = "lead" if d.outcome in ("lead", "lost_lead") or d.qualify_after else "qualified"
        deal_id = store.add_deal(
            rep_id=rep_ids[d.rep],
            title="deal",
            amount=d.amount,
            account_id=account_ids[d.account] if d.account is not None else None,
            stage=start_stage,
            created_at=created,
        )
        record = {
            "id": deal_id,
            "rep": d.rep,
            "amount": d.amount,
            "account": d.account,
            "stage": start_stage,
            "qualified_at": created if start_stage == "qualified" else None,
            "closed_at": None,
            "voided": d.voided,
        }
        if d.outcome == "lost_lead":
            store.move_deal(deal_id, "lost", at=closed, reason="r")
            record.update(stage="lost", closed_at=closed)
        elif d.outcome != "lead":
            if start_stage == "lead":
                store.move_deal(deal_id, "qualified", at=qualified)
                record["qualified_at"] = qualified
                record["stage"] = "qualified"
            if d.outcome == "won":
                store.move_deal(deal_id, "won", at=closed)
                record.update(stage="won", closed_at=closed)
            elif d.outcome == "lost_open":
                store.move_deal(deal_id, "lost", at=closed, reason="r")
                record.update(stage="lost", closed_at=closed)
        if d.voided:
            store.void("deals", deal_id, reason="v")
        records.append(record)
    data["call_records"] = []
    for c in data["calls"]:
        deal_id = records[c.deal]["id"] if c.deal is not None else None
        call_id = store.log_activity(kind="call", rep_id=rep_ids[c.rep], deal_id=deal_id, at=origin + c.at)
        if c.voided:
            store.void("activities", call_id, reason="v")
        data["call_records"].append({"rep": c.rep, "deal": c.deal, "at": origin + c.at, "voided": c.voided})
    store.close()
    return records


def test_the_latest_dates_the_generator_draws_are_accepted(tmp_path: Path) -> None:
    """A deal created on the last second of the span, qualified and closed the most days after: its close lies 80
    days past the span, where a clock at 200 days (the flaky version) refused it as ahead of the store's clock."""
    late = DealSpec(
        rep=0,
        amount=99,
        account=None,
        outcome="won",
        created=SPAN_DAYS * DAY - 1,
        qualify_after=STEP_DAYS * DAY,
        close_after=STEP_DAYS * DAY,
        voided=False,
    )
    data = {"tz": "Australia/Lord_Howe", "reps": [{"team": "North", "role": "rep", "active": True}], "accounts": 0}
    records = write(tmp_path / "late.db", data | {"deals": [late], "calls": []})
    origin = int(dt.datetime(2025, 12, 1, tzinfo=ZoneInfo("Australia/Lord_Howe")).timestamp())
    assert records[0]["closed_at"] == origin + (SPAN_DAYS + 2 * STEP_DAYS) * DAY - 1


PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(datasets())
def test_reps_add_up_rates_are_shares_and_recount_agrees(data: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        records = write(Path(folder) / "p.db", data)
        store = Store(Path(folder) / "p.db", readonly=True)
        try:
            period = parse_period(data["spec"], tz=data["tz"])
            dash = dashboard(store, period, team=data["team"], trend=3)
        finally:
            store.close()
    buckets = boundaries(data["spec"], data["tz"])
    assert [(p.start_ts, p.end_ts) for p in dash.periods] == buckets
    start, end = buckets[-1]

    # 1. Additive KPIs: the rep rows sum to the team row.
    for kpi in ("revenue", "won", "lost", "opportunities", "calls", "new_customers", "pipeline_value"):
        assert sum(r.values[kpi] for r in dash.reps) == dash.team.values[kpi], kpi
        for i in range(len(dash.periods)):
            # Also over the trend series (reps shown today cover every rep with data only in the last two
            # buckets, so the trend check is the last two buckets).
            if i >= len(dash.periods) - 2:
                total = sum(dash.rep_trends[r.rep_id][kpi][i] for r in dash.reps)
                assert total == dash.team_trend[kpi][i], (kpi, i)

    # 2. Shares within [0, 1] or null, for every row and every trend value.
    all_rows = [dash.team.values, dash.previous_team.values, *(r.values for r in dash.reps)]
    series = [dash.team_trend, *dash.rep_trends.values()]
    for kpi in ("win_rate", "conversion_rate"):
        for values in all_rows:
            assert values[kpi] is None or 0 <= values[kpi] <= 1, (kpi, values[kpi])
        for s in series:
            assert all(v is None or 0 <= v <= 1 for v in s[kpi]), (kpi, s[kpi])
    # Every ratio is null exactly when its denominator is 0.
    team = dash.team.values
    assert (team["win_rate"] is None) == (team["won"] + team["lost"] == 0)
    assert (team["avg_deal_size"] is None) == (team["won"] == 0)
    assert (team["avg_basket"] is None) == (team["customers"] == 0)
    assert (team["conversion_rate"] is None) == (team["opportunities"] == 0)
    assert set(team) == set(KPI_NAMES)

    # 3. Independent recount over what was written, for every trend bucket (team) and the period (reps).
    in_team = [data["team"] is None or r["team"] == data["team"] for r in data["reps"]]
    live = [d for d in records if not d["voided"] and in_team[d["rep"]]]
    live_calls = [c for c in data["call_records"] if not c["voided"] and in_team[c["rep"]]]
    active = [r for r in data["reps"] if r["role"] == "rep" and r["active"] and (data["team"] in (None, r["team"]))]

    def recount(lo: int, hi: int) -> dict:
        won = [d for d in live if d["stage"] == "won" and lo <= d["closed_at"] < hi]
        return {
            "won_deals": won,
            "revenue": sum(d["amount"] for d in won),
            "won": len(won),
            "lost": sum(1 for d in live if d["stage"] == "lost" and lo <= d["closed_at"] < hi),
            "opportunities": sum(1 for d in live if d["qualified_at"] is not None and lo <= d["qualified_at"] < hi),
            "customers": len({d["account"] for d in won if d["account"] is not None}),
            "calls": sum(1 for c in live_calls if lo <= c["at"] < hi),
            "reps": len(active),
        }

    for i, (lo, hi) in enumerate(buckets):
        expected = recount(lo, hi)
        for kpi in ("revenue", "won", "lost", "opportunities", "customers", "calls", "reps"):
            assert dash.team_trend[kpi][i] == expected[kpi], (kpi, dash.periods[i].label)
    expected = recount(start, end)
    for kpi in ("revenue", "won", "lost", "opportunities", "customers", "calls", "reps"):
        assert team[kpi] == expected[kpi], kpi
    by_rep = {r.rep: r.values for r in dash.reps}
    for i, _ in enumerate(data["reps"]):
        row = by_rep.get(f"rep{i}")
        mine_won = [d for d in expected["won_deals"] if d["rep"] == i]
        mine_calls = [c for c in live_calls if c["rep"] == i and start <= c["at"] < end]
        if row is None:
            # A rep without a row must have nothing in the period (or be outside the team filter).
            assert not mine_won and not mine_calls
            continue
        assert row["revenue"] == sum(d["amount"] for d in mine_won), f"rep{i}"
        assert row["won"] == len(mine_won), f"rep{i}"
        assert row["calls"] == len(mine_calls), f"rep{i}"

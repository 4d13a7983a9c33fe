"""KPI engine checked against numbers worked out by hand from the definitions of issue 2 §4.

One small dataset in America/New_York, built through the store's write actions. Every expected value below is
computed in a comment from the list of deals and calls in the fixture, never copied from the code's output.
Money is in minor units (cents). The main period is 2026-Q1 = [2026-01-01 00:00 EST, 2026-04-01 00:00 EDT);
the previous period is 2025-Q4 = [2025-10-01 00:00 EDT, 2026-01-01 00:00 EST).

The dataset (D = deal, C = call; every deal moves with ``move_deal`` so stage history is realistic):

reps: Ana (East, rep), Bo (East, rep), Max (East, manager), Cy (West, rep), Dee (West, rep, no activity at all),
      Eve (West, rep, inactive)
D1  Ana  Acme   1_000_000  lead 2025-11-10 -> qualified 2025-12-15 (Q4) -> proposal 2026-01-20 -> won 2026-02-10
D2  Ana  Bolt     500_000  qualified 2026-01-05 -> won 2026-03-31 23:59 local (last minute of Q1; 03:59 UTC in Q2)
D3  Ana  (none)   200_000  lead 2026-02-01 -> proposal 2026-02-15 -> won 2026-03-05      (won, no account)
D4  Bo   Acme           0  qualified 2026-01-10 -> won 2026-01-25                        (zero amount)
D5  Bo   Cargo    300_000  lead 2026-01-15 -> lost 2026-02-20                            (lost straight from lead)
D6  Bo   Delta    800_000  qualified 2025-10-01 -> won 2025-11-20                        (Q4; Delta's first win)
D7  Cy   Delta    400_000  qualified 2026-01-08 -> won 2026-02-28
D8  Cy   Cargo    600_000  qualified 2026-02-01 -> proposal 2026-03-01 -> negotiation 2026-04-10 (open)
D9  Cy   Cargo    100_000  qualified 2026-03-10 -> lost 2026-03-20
D10 Ana  Echo     700_000  lead 2026-02-01 (open)
D11 Bo   Bolt     900_000  qualified 2026-01-12 -> won 2026-02-01, then VOIDED
D12 Eve  Fox      150_000  qualified 2026-01-03 -> won 2026-01-30                        (inactive rep)
D13 Ana  Acme     250_000  qualified 2026-03-20 -> won 2026-04-01 00:30 local           (first minutes of Q2)
D14 Cy   Gamma    200_000  qualified 2025-10-05 -> lost 2025-12-31 23:30 local           (Q4)
calls: C1 Ana D1 01-18, C2 Ana D1 02-05, C3 Max D1 02-08, C4 Ana D2 03-30, C5 Ana (no deal) 03-02,
       C6 Bo D5 02-10, C7 Bo D4 01-20, C8 Cy D8 02-15, C9 Cy D8 03-15, C10 Cy D8 03-16 VOIDED,
       C11 Ana D1 2025-12-01 (Q4), C13 Cy D7 2026-04-05 (Q2, after D7 was won),
       C16 Bo (no deal) 2025-12-31 23:59:59 local (Q4), C17 Bo D6 2025-11-01 (Q4),
       C18 Bo (no deal) 2026-01-01 00:00:00 local (first second of Q1); plus an email by Bo on D4 (not a call)
quotas: Ana 400_000 in each of 2026-01/02/03 and 1_000_000 in 2025-12, 250_000 in 2026-04; Bo 300_000 in each of
        2026-01/02/03; Cy 600_000 in 2026-02; team East 1_000_000 in 2026-03 (replaces Ana + Bo for March)
costs:  2026-01 marketing/linkedin 100_000, 2026-01 sales 50_000, 2026-03 marketing 150_000,
        2026-04 marketing 999_999 (outside Q1), 2025-12 sales 80_000
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.core.kpi import KPI_NAMES, Dashboard, KpiRow, dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store

TZ = "America/New_York"
NY = ZoneInfo(TZ)
NULL = None


def local(y: int, m: int, d: int, h: int = 12, mi: int = 0, s: int = 0) -> int:
    """Epoch seconds of a New York wall-clock time (computed with zoneinfo, independently of cockpit.core.periods)."""
    return int(dt.datetime(y, m, d, h, mi, s, tzinfo=NY).timestamp())


def period(spec: str):
    return parse_period(spec, tz=TZ)


def build(path: Path) -> tuple[Store, dict[str, int]]:
    store = Store(path, create=True, now=lambda: local(2026, 5, 1))
    ids: dict[str, int] = {}
    ids["Ana"] = store.add_rep("Ana", team="East")
    ids["Bo"] = store.add_rep("Bo", team="East")
    ids["Max"] = store.add_rep("Max", team="East", role="manager")
    ids["Cy"] = store.add_rep("Cy", team="West")
    ids["Dee"] = store.add_rep("Dee", team="West")
    ids["Eve"] = store.add_rep("Eve", team="West", active=False)
    for name in ("Acme", "Bolt", "Cargo", "Delta", "Echo", "Fox", "Gamma"):
        ids[name] = store.add_account(name)

    def deal(key: str, rep: str, amount: int, account: str | None, stage: str, created: int) -> int:
        ids[key] = store.add_deal(
            rep_id=ids[rep],
            title=key,
            amount=amount,
            account_id=ids[account] if account else None,
            stage=stage,
            created_at=created,
        )
        return ids[key]

    d1 = deal("D1", "Ana", 1_000_000, "Acme", "lead", local(2025, 11, 10))
    store.move_deal(d1, "qualified", at=local(2025, 12, 15))
    store.move_deal(d1, "proposal", at=local(2026, 1, 20))
    store.move_deal(d1, "won", at=local(2026, 2, 10))
    d2 = deal("D2", "Ana", 500_000, "Bolt", "qualified", local(2026, 1, 5))
    store.move_deal(d2, "won", at=local(2026, 3, 31, 23, 59))
    d3 = deal("D3", "Ana", 200_000, None, "lead", local(2026, 2, 1))
    store.move_deal(d3, "proposal", at=local(2026, 2, 15))
    store.move_deal(d3, "won", at=local(2026, 3, 5))
    d4 = deal("D4", "Bo", 0, "Acme", "qualified", local(2026, 1, 10))
    store.move_deal(d4, "won", at=local(2026, 1, 25))
    d5 = deal("D5", "Bo", 300_000, "Cargo", "lead", local(2026, 1, 15))
    store.move_deal(d5, "lost", at=local(2026, 2, 20), reason="price")
    d6 = deal("D6", "Bo", 800_000, "Delta", "qualified", local(2025, 10, 1, 9))
    store.move_deal(d6, "won", at=local(2025, 11, 20))
    d7 = deal("D7", "Cy", 400_000, "Delta", "qualified", local(2026, 1, 8))
    store.move_deal(d7, "won", at=local(2026, 2, 28))
    d8 = deal("D8", "Cy", 600_000, "Cargo", "qualified", local(2026, 2, 1))
    store.move_deal(d8, "proposal", at=local(2026, 3, 1))
    store.move_deal(d8, "negotiation", at=local(2026, 4, 10))
    d9 = deal("D9", "Cy", 100_000, "Cargo", "qualified", local(2026, 3, 10))
    store.move_deal(d9, "lost", at=local(2026, 3, 20), reason="timing")
    deal("D10", "Ana", 700_000, "Echo", "lead", local(2026, 2, 1))
    d11 = deal("D11", "Bo", 900_000, "Bolt", "qualified", local(2026, 1, 12))
    store.move_deal(d11, "won", at=local(2026, 2, 1))
    store.void("deals", d11, reason="duplicate entry")
    d12 = deal("D12", "Eve", 150_000, "Fox", "qualified", local(2026, 1, 3))
    store.move_deal(d12, "won", at=local(2026, 1, 30))
    d13 = deal("D13", "Ana", 250_000, "Acme", "qualified", local(2026, 3, 20))
    store.move_deal(d13, "won", at=local(2026, 4, 1, 0, 30))
    d14 = deal("D14", "Cy", 200_000, "Gamma", "qualified", local(2025, 10, 5))
    store.move_deal(d14, "lost", at=local(2025, 12, 31, 23, 30), reason="budget")

    def call(rep: str, deal_key: str | None, at: int) -> int:
        return store.log_activity(kind="call", rep_id=ids[rep], deal_id=ids[deal_key] if deal_key else None, at=at)

    call("Ana", "D1", local(2026, 1, 18))  # C1
    call("Ana", "D1", local(2026, 2, 5))  # C2
    call("Max", "D1", local(2026, 2, 8))  # C3
    call("Ana", "D2", local(2026, 3, 30))  # C4
    call("Ana", None, local(2026, 3, 2))  # C5
    call("Bo", "D5", local(2026, 2, 10))  # C6
    call("Bo", "D4", local(2026, 1, 20))  # C7
    call("Cy", "D8", local(2026, 2, 15))  # C8
    call("Cy", "D8", local(2026, 3, 15))  # C9
    c10 = call("Cy", "D8", local(2026, 3, 16))
    store.void("activities", c10, reason="logged twice")
    call("Ana", "D1", local(2025, 12, 1))  # C11
    call("Cy", "D7", local(2026, 4, 5))  # C13
    call("Bo", None, local(2025, 12, 31, 23, 59, 59))  # C16
    call("Bo", "D6", local(2025, 11, 1))  # C17
    call("Bo", None, local(2026, 1, 1, 0, 0, 0))  # C18
    store.log_activity(kind="email", rep_id=ids["Bo"], deal_id=d4, at=local(2026, 1, 21))

    for month in ("2026-01", "2026-02", "2026-03"):
        store.set_quota(month=month, amount=400_000, rep_id=ids["Ana"])
        store.set_quota(month=month, amount=300_000, rep_id=ids["Bo"])
    store.set_quota(month="2025-12", amount=1_000_000, rep_id=ids["Ana"])
    store.set_quota(month="2026-04", amount=250_000, rep_id=ids["Ana"])
    store.set_quota(month="2026-02", amount=600_000, rep_id=ids["Cy"])
    store.set_quota(month="2026-03", amount=1_000_000, team="East")

    store.set_cost(month="2026-01", category="marketing", channel="linkedin", amount=100_000)
    store.set_cost(month="2026-01", category="sales", amount=50_000)
    store.set_cost(month="2026-03", category="marketing", amount=150_000)
    store.set_cost(month="2026-04", category="marketing", amount=999_999)
    store.set_cost(month="2025-12", category="sales", amount=80_000)
    return store, ids


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store, _ = build(tmp_path_factory.mktemp("kpi") / "kpi.db")
    yield store
    store.close()


def check(row: KpiRow | dict, expected: dict[str, float | int | None], what: str) -> None:
    """Compare every KPI; one assertion lists every disagreement, as code-vs-definition."""
    values = row.values if isinstance(row, KpiRow) else row
    assert set(expected) == set(KPI_NAMES), f"test defect: expected dict for {what} must name every KPI"
    wrong = []
    for kpi in KPI_NAMES:
        want, got = expected[kpi], values[kpi]
        if want is None or got is None:
            ok = want is got
        else:
            ok = got == pytest.approx(want, rel=1e-9, abs=1e-9)
        if not ok:
            wrong.append(f"{kpi}: code gives {got!r}, hand calculation from issue 2 §4 gives {want!r}")
    assert not wrong, f"KPI engine disagrees with the definition for {what}:\n  " + "\n  ".join(wrong)


def rows(dash: Dashboard) -> dict[str, KpiRow]:
    return {r.rep: r for r in dash.reps}


# ------------------------------------------------------------------------------------------------ 2026-Q1, all

# Q1 won deals (not voided, closed in [Jan 1, Apr 1)): D1 Ana 1_000_000 Acme, D2 Ana 500_000 Bolt (23:59 on Mar 31),
# D3 Ana 200_000 no account, D4 Bo 0 Acme, D7 Cy 400_000 Delta, D12 Eve 150_000 Fox.
# Left out: D11 (voided), D13 (00:30 on Apr 1 is Q2), D6 (Q4).
TEAM_Q1 = {
    "revenue": 2_250_000,  # 1_000_000 + 500_000 + 200_000 + 0 + 400_000 + 150_000
    "won": 6,
    "lost": 2,  # D5 (Bo, from lead, Feb 20), D9 (Cy, Mar 20)
    "win_rate": 0.75,  # 6 / (6 + 2)
    # Qualified in Q1: D2, D3 (Feb 15), D4, D7, D8, D9, D12, D13 = 8. Not: D1 (Dec 15, Q4), D5 (lead -> lost),
    # D10 (still lead), D11 (voided), D6/D14 (Q4).
    "opportunities": 8,
    "conversion_rate": 0.75,  # won now among the 8: D2, D3, D4, D7, D12, D13 (won in Q2, but won now) = 6 / 8
    "avg_deal_size": 375_000,  # 2_250_000 / 6
    "customers": 4,  # distinct accounts: Acme (D1, D4), Bolt, Delta, Fox; D3 has none
    "avg_basket": 562_500,  # 2_250_000 / 4
    # First won deal ever: Acme D4 Jan 25 (Q1), Bolt D2 Mar 31 (D11 is voided), Fox D12 (Q1); Delta D6 is Q4.
    "new_customers": 3,
    "cost": 300_000,  # Jan 100_000 + 50_000, Mar 150_000 (Feb none; Apr and Dec outside)
    "cac": 100_000,  # 300_000 / 3
    # Q1 calls: Ana C1 C2 C4 C5 = 4, Bo C6 C7 C18 = 3, Cy C8 C9 = 2 (C10 voided), Max C3 = 1; email not a call
    "calls": 10,
    "calls_per_rep": 2.5,  # 10 / 4 reps
    # Linked calls: C1 C2 C3 C4 C6 C7 C8 C9 = 8; distinct deals touched: D1, D2, D5, D4, D8 = 5
    "calls_per_opportunity": 1.6,  # 8 / 5
    # Calls ever on Q1 wins: D1 C1 C2 C3 C11 = 4, D2 C4 = 1, D3 0, D4 C7 = 1 (email not), D7 C13 = 1, D12 0 -> 7
    "calls_to_win": 7 / 6,
    "reps": 4,  # Ana, Bo, Cy, Dee (Max is a manager, Eve inactive)
    "revenue_per_rep": 562_500,  # 2_250_000 / 4
    # Open at 2026-04-01 00:00 EDT: D8 600_000 (in proposal then: 0.5), D10 700_000 (lead 0.1),
    # D13 250_000 (closed after the end; qualified then: 0.25). D2 closed at 23:59, before the end.
    "pipeline_value": 1_550_000,  # 600_000 + 700_000 + 250_000
    "weighted_pipeline": 432_500,  # 300_000 + 70_000 + 62_500
    # East: Jan 400_000 + 300_000, Feb 400_000 + 300_000, Mar team quota 1_000_000 = 2_400_000; West: Feb 600_000
    "quota": 3_000_000,
    "attainment": 0.75,  # 2_250_000 / 3_000_000
}

REPS_Q1 = {
    "Ana": {
        "revenue": 1_700_000,  # D1 1_000_000 + D2 500_000 + D3 200_000
        "won": 3,
        "lost": 0,
        "win_rate": 1.0,  # 3 / 3
        "opportunities": 3,  # D2, D3, D13
        "conversion_rate": 1.0,  # all three won now
        "avg_deal_size": 1_700_000 / 3,
        "customers": 2,  # Acme, Bolt (D3 has no account)
        "avg_basket": 850_000,  # 1_700_000 / 2
        "new_customers": 1,  # Bolt (D2 is its first non-voided win)
        "cost": NULL,  # costs are not attributed to reps
        "cac": NULL,
        "calls": 4,  # C1 C2 C4 C5
        "calls_per_rep": 4.0,
        "calls_per_opportunity": 1.5,  # linked C1 C2 C4 = 3 / deals D1, D2 = 2
        "calls_to_win": 5 / 3,  # D1 4 (incl. Max's C3 and Q4's C11) + D2 1 + D3 0 = 5 over 3 wins
        "reps": 1,
        "revenue_per_rep": 1_700_000,
        "pipeline_value": 950_000,  # D10 700_000 + D13 250_000
        "weighted_pipeline": 132_500,  # 70_000 + 62_500
        "quota": 1_200_000,  # 3 x 400_000 (Apr and Dec outside)
        "attainment": 1_700_000 / 1_200_000,
    },
    "Bo": {
        "revenue": 0,  # D4 is a zero-amount win
        "won": 1,
        "lost": 1,  # D5
        "win_rate": 0.5,
        "opportunities": 1,  # D4 (D5 lost from lead; D11 voided)
        "conversion_rate": 1.0,
        "avg_deal_size": 0,  # 0 / 1: zero, not null
        "customers": 1,  # Acme
        "avg_basket": 0,  # 0 / 1
        "new_customers": 1,  # Acme: D4 (Jan 25) is its first win, before Ana's D1 (Feb 10)
        "cost": NULL,
        "cac": NULL,
        "calls": 3,  # C6 C7 C18 (C18 at 00:00:00 on Jan 1 is inside)
        "calls_per_rep": 3.0,
        "calls_per_opportunity": 1.0,  # C6 C7 over D5, D4
        "calls_to_win": 1.0,  # D4: C7
        "reps": 1,
        "revenue_per_rep": 0,
        "pipeline_value": 0,
        "weighted_pipeline": 0,
        "quota": 900_000,  # 3 x 300_000
        "attainment": 0.0,  # 0 / 900_000
    },
    "Cy": {
        "revenue": 400_000,  # D7
        "won": 1,
        "lost": 1,  # D9
        "win_rate": 0.5,
        "opportunities": 3,  # D7, D8, D9
        "conversion_rate": 1 / 3,  # D7
        "avg_deal_size": 400_000,
        "customers": 1,  # Delta
        "avg_basket": 400_000,
        "new_customers": 0,  # Delta's first win was D6 in Q4
        "cost": NULL,
        "cac": NULL,
        "calls": 2,  # C8 C9 (C10 voided)
        "calls_per_rep": 2.0,
        "calls_per_opportunity": 2.0,  # 2 calls over D8
        "calls_to_win": 1.0,  # D7: C13 (logged after the win, still "ever")
        "reps": 1,
        "revenue_per_rep": 400_000,
        "pipeline_value": 600_000,  # D8
        "weighted_pipeline": 300_000,  # 0.5 (proposal at the end of Q1, although in negotiation now)
        "quota": 600_000,
        "attainment": 400_000 / 600_000,
    },
    "Dee": {  # active rep with no activity at all: zeros, and nulls wherever a denominator is 0
        "revenue": 0,
        "won": 0,
        "lost": 0,
        "win_rate": NULL,
        "opportunities": 0,
        "conversion_rate": NULL,
        "avg_deal_size": NULL,
        "customers": 0,
        "avg_basket": NULL,
        "new_customers": 0,
        "cost": NULL,
        "cac": NULL,
        "calls": 0,
        "calls_per_rep": 0.0,  # 0 / 1
        "calls_per_opportunity": NULL,
        "calls_to_win": NULL,
        "reps": 1,
        "revenue_per_rep": 0.0,  # 0 / 1
        "pipeline_value": 0,
        "weighted_pipeline": 0,
        "quota": 0,
        "attainment": NULL,
    },
    "Eve": {  # inactive: shown because she has data, but counts as 0 reps
        "revenue": 150_000,  # D12
        "won": 1,
        "lost": 0,
        "win_rate": 1.0,
        "opportunities": 1,
        "conversion_rate": 1.0,
        "avg_deal_size": 150_000,
        "customers": 1,
        "avg_basket": 150_000,
        "new_customers": 1,  # Fox
        "cost": NULL,
        "cac": NULL,
        "calls": 0,
        "calls_per_rep": NULL,  # reps = 0
        "calls_per_opportunity": NULL,
        "calls_to_win": 0.0,  # 0 calls on D12 / 1 win
        "reps": 0,
        "revenue_per_rep": NULL,
        "pipeline_value": 0,
        "weighted_pipeline": 0,
        "quota": 0,
        "attainment": NULL,
    },
    "Max": {  # manager: shown because of his call C3
        "revenue": 0,
        "won": 0,
        "lost": 0,
        "win_rate": NULL,
        "opportunities": 0,
        "conversion_rate": NULL,
        "avg_deal_size": NULL,
        "customers": 0,
        "avg_basket": NULL,
        "new_customers": 0,
        "cost": NULL,
        "cac": NULL,
        "calls": 1,
        "calls_per_rep": NULL,  # reps = 0
        "calls_per_opportunity": 1.0,  # C3 over D1
        "calls_to_win": NULL,
        "reps": 0,
        "revenue_per_rep": NULL,
        "pipeline_value": 0,
        "weighted_pipeline": 0,
        "quota": 0,
        "attainment": NULL,
    },
}


def test_team_q1(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), trend=4)
    assert dash.period.label == "2026-Q1"
    assert dash.team.scope == "team"
    check(dash.team, TEAM_Q1, "team, 2026-Q1")


def test_rep_rows_q1_are_every_active_rep_plus_anyone_with_data(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), trend=4)
    # Active reps Ana, Bo, Cy, Dee; plus Eve (inactive, a win) and Max (manager, a call); sorted by name.
    assert [r.rep for r in dash.reps] == ["Ana", "Bo", "Cy", "Dee", "Eve", "Max"]
    assert {r.rep: r.team for r in dash.reps} == {
        "Ana": "East",
        "Bo": "East",
        "Cy": "West",
        "Dee": "West",
        "Eve": "West",
        "Max": "East",
    }


@pytest.mark.parametrize("name", sorted(REPS_Q1))
def test_rep_q1(db: Store, name: str) -> None:
    dash = dashboard(db, period("2026-Q1"), trend=4)
    check(rows(dash)[name], REPS_Q1[name], f"rep {name}, 2026-Q1")


def test_additive_kpis_of_reps_sum_to_team(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), trend=4)
    for kpi in ("revenue", "won", "lost", "opportunities", "new_customers", "calls", "pipeline_value"):
        assert sum(r.values[kpi] for r in dash.reps) == dash.team.values[kpi], kpi
    # Not additive: Acme is a customer of both Ana and Bo (1 + 1 + ... = 5 rep-customers, 4 team customers),
    # and the team quota for March replaces Ana + Bo (rep quotas sum to 2_700_000, team quota 3_000_000).
    assert sum(r.values["customers"] for r in dash.reps) == 5
    assert sum(r.values["quota"] for r in dash.reps) == 2_700_000


# ------------------------------------------------------------------------------------------------ boundaries


def test_won_at_2359_on_last_day_of_quarter_counts_in_that_quarter(db: Store) -> None:
    # D2 closes at 2026-03-31 23:59 New York = 2026-04-01 03:59 UTC: a UTC boundary would move it to Q2.
    assert dt.datetime.fromtimestamp(local(2026, 3, 31, 23, 59), dt.UTC).month == 4
    q2 = dashboard(db, period("2026-Q2"), trend=2)
    # Q2 = [Apr 1 00:00 EDT, Jul 1): only D13 (Apr 1 00:30, Ana, 250_000) is won; D2 must not be here.
    assert q2.team["won"] == 1, "D2 (won 23:59 on Mar 31 local) leaked into Q2"
    assert q2.team["revenue"] == 250_000
    # Acme's first win was in Q1 (D4), so D13 brings no new customer.
    assert q2.team["new_customers"] == 0
    # Calls in Q2: C13 only (Cy on D7, Apr 5).
    assert q2.team["calls"] == 1
    # And in a month report, D2 is March's, not April's.
    march = dashboard(db, period("2026-03"), trend=2)
    # March wins: D2 500_000 (Ana), D3 200_000 (Ana) -> 700_000, 2 wins.
    assert march.team["won"] == 2
    assert march.team["revenue"] == 700_000


def test_calls_at_the_exact_boundary(db: Store) -> None:
    # C18 at 2026-01-01 00:00:00 local is the first second of January; C16 at 23:59:59 on Dec 31 the last of Dec.
    jan = dashboard(db, period("2026-01"), trend=2)
    # January calls: C1 Ana (Jan 18), C7 Bo (Jan 20), C18 Bo (Jan 1 00:00:00) = 3; Bo has 2.
    assert jan.team["calls"] == 3
    assert rows(jan)["Bo"]["calls"] == 2
    # December 2025 (the previous period of January): C11 Ana (Dec 1), C16 Bo (Dec 31 23:59:59) = 2.
    assert jan.previous.label == "2025-12"
    assert jan.previous_team["calls"] == 2


# ------------------------------------------------------------------------------------------------ previous period

# 2025-Q4: won D6 (Bo, 800_000, Delta); lost D14 (Cy, Dec 31 23:30); qualified D1 (Ana, Dec 15, won now),
# D6 (Bo, Oct 1, won), D14 (Cy, Oct 5, lost); calls C11 (Ana D1), C16 (Bo, none), C17 (Bo D6).
TEAM_Q4 = {
    "revenue": 800_000,
    "won": 1,
    "lost": 1,
    "win_rate": 0.5,  # 1 / 2
    "opportunities": 3,  # D1, D6, D14
    "conversion_rate": 2 / 3,  # D1 and D6 are won now
    "avg_deal_size": 800_000,
    "customers": 1,  # Delta
    "avg_basket": 800_000,
    "new_customers": 1,  # Delta's first win ever
    "cost": 80_000,  # 2025-12 sales
    "cac": 80_000,  # 80_000 / 1
    "calls": 3,
    "calls_per_rep": 0.75,  # 3 / 4 (reps are counted by today's status)
    "calls_per_opportunity": 1.0,  # linked C11 (D1), C17 (D6) = 2 over 2 deals
    "calls_to_win": 1.0,  # D6: C17
    "reps": 4,
    "revenue_per_rep": 200_000,  # 800_000 / 4
    # Open at 2026-01-01 00:00 EST: only D1 (created Nov 10, won Feb 10), then in qualified (0.25).
    # D14 was lost at 23:30 on Dec 31, before the end; every other deal was created in 2026.
    "pipeline_value": 1_000_000,
    "weighted_pipeline": 250_000,
    "quota": 1_000_000,  # Ana 2025-12; East has no team quota for December, so the sum of its reps
    "attainment": 0.8,  # 800_000 / 1_000_000
}


def test_previous_period_team_and_reps(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), trend=4)
    assert dash.previous.label == "2025-Q4"
    check(dash.previous_team, TEAM_Q4, "team, previous period 2025-Q4")
    ids = {r.rep: r.rep_id for r in dash.reps}
    ana = dash.previous_reps[ids["Ana"]]
    bo = dash.previous_reps[ids["Bo"]]
    # Ana in Q4: no win, D1 qualified (1 opportunity, won now), call C11, D1 in the pipeline, quota 1_000_000.
    assert (ana["revenue"], ana["won"], ana["opportunities"], ana["conversion_rate"]) == (0, 0, 1, 1.0)
    assert (ana["calls"], ana["pipeline_value"], ana["weighted_pipeline"]) == (1, 1_000_000, 250_000)
    assert (ana["quota"], ana["attainment"]) == (1_000_000, 0.0)
    # Bo in Q4: D6 won 800_000 (new customer Delta), calls C16 and C17, one of them linked (D6).
    assert (bo["revenue"], bo["won"], bo["new_customers"], bo["calls"]) == (800_000, 1, 1, 2)
    assert bo["calls_per_opportunity"] == 1.0
    assert bo["quota"] == 0 and bo["attainment"] is None


# ------------------------------------------------------------------------------------------------ trend


def test_trend_series(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), trend=4)
    assert [p.label for p in dash.periods] == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    t = dash.team_trend
    assert set(t) == set(KPI_NAMES)
    # Nothing happened before Oct 2025 (D6, the oldest deal, was created on Oct 1 at 09:00).
    assert t["revenue"] == (0, 0, 800_000, 2_250_000)
    assert t["won"] == (0, 0, 1, 6)
    assert t["win_rate"] == (NULL, NULL, 0.5, 0.75)
    assert t["opportunities"] == (0, 0, 3, 8)
    assert t["calls"] == (0, 0, 3, 10)
    assert t["pipeline_value"] == (0, 0, 1_000_000, 1_550_000)
    assert t["weighted_pipeline"] == (0, 0, 250_000, 432_500)
    assert t["quota"] == (0, 0, 1_000_000, 3_000_000)
    assert t["attainment"] == (NULL, NULL, 0.8, 0.75)
    assert t["cost"] == (0, 0, 80_000, 300_000)
    assert t["cac"] == (NULL, NULL, 80_000, 100_000)
    assert t["avg_deal_size"] == (NULL, NULL, 800_000, 375_000)
    ids = {r.rep: r.rep_id for r in dash.reps}
    assert dash.rep_trends[ids["Ana"]]["revenue"] == (0, 0, 0, 1_700_000)
    assert dash.rep_trends[ids["Bo"]]["revenue"] == (0, 0, 800_000, 0)
    assert dash.rep_trends[ids["Cy"]]["lost"] == (0, 0, 1, 1)
    assert dash.rep_trends[ids["Dee"]]["calls_per_rep"] == (0.0, 0.0, 0.0, 0.0)
    assert dash.rep_trends[ids["Eve"]]["calls_per_rep"] == (NULL, NULL, NULL, NULL)
    # The last trend value is the period's own value.
    for kpi in KPI_NAMES:
        assert t[kpi][-1] == dash.team[kpi], kpi


def test_monthly_trend_with_quarter_boundary(db: Store) -> None:
    dash = dashboard(db, period("2026-04"), trend=3)
    assert [p.label for p in dash.periods] == ["2026-02", "2026-03", "2026-04"]
    # Feb wins: D1 1_000_000, D7 400_000 (D11 voided); Mar: D2 500_000 + D3 200_000; Apr: D13 250_000.
    assert dash.team_trend["revenue"] == (1_400_000, 700_000, 250_000)
    # Costs by month: Feb none, Mar 150_000, Apr 999_999.
    assert dash.team_trend["cost"] == (0, 150_000, 999_999)
    # Quotas: Feb Ana 400_000 + Bo 300_000 + Cy 600_000; Mar East team quota 1_000_000 (West none);
    # Apr Ana 250_000.
    assert dash.team_trend["quota"] == (1_300_000, 1_000_000, 250_000)


# ------------------------------------------------------------------------------------------------ team filter

TEAM_EAST_Q1 = {
    "revenue": 1_700_000,  # Ana 1_700_000 + Bo 0 (Max none)
    "won": 4,  # D1 D2 D3 D4
    "lost": 1,  # D5
    "win_rate": 0.8,  # 4 / 5
    "opportunities": 4,  # Ana D2 D3 D13 + Bo D4
    "conversion_rate": 1.0,  # all four won now
    "avg_deal_size": 425_000,  # 1_700_000 / 4
    "customers": 2,  # Acme (Ana's D1 and Bo's D4 count once), Bolt
    "avg_basket": 850_000,  # 1_700_000 / 2
    "new_customers": 2,  # Acme (Bo), Bolt (Ana)
    # Costs carry no team: the cost entries of the period are the company's (documented in docs/KPIS.md).
    "cost": 300_000,
    "cac": 150_000,  # 300_000 / 2
    "calls": 8,  # Ana 4 + Bo 3 + Max 1
    "calls_per_rep": 4.0,  # 8 / 2 (Ana, Bo; Max is a manager)
    "calls_per_opportunity": 1.5,  # linked: Ana 3 + Bo 2 + Max 1 = 6; distinct deals D1 D2 D5 D4 = 4
    "calls_to_win": 1.5,  # D1 4 + D2 1 + D3 0 + D4 1 = 6 / 4
    "reps": 2,
    "revenue_per_rep": 850_000,  # 1_700_000 / 2
    "pipeline_value": 950_000,  # Ana's D10 + D13
    "weighted_pipeline": 132_500,
    "quota": 2_400_000,  # Jan 700_000 + Feb 700_000 + Mar team quota 1_000_000
    "attainment": 1_700_000 / 2_400_000,
}

TEAM_WEST_Q1 = {
    "revenue": 550_000,  # Cy D7 400_000 + Eve D12 150_000
    "won": 2,
    "lost": 1,  # D9
    "win_rate": 2 / 3,
    "opportunities": 4,  # Cy D7 D8 D9 + Eve D12
    "conversion_rate": 0.5,  # D7, D12
    "avg_deal_size": 275_000,
    "customers": 2,  # Delta, Fox
    "avg_basket": 275_000,
    "new_customers": 1,  # Fox
    "cost": 300_000,
    "cac": 300_000,
    "calls": 2,  # Cy C8 C9
    "calls_per_rep": 1.0,  # 2 / 2 (Cy, Dee; Eve inactive)
    "calls_per_opportunity": 2.0,  # 2 over D8
    "calls_to_win": 0.5,  # D7 1 (C13, by Cy) + D12 0 = 1 / 2
    "reps": 2,
    "revenue_per_rep": 275_000,
    "pipeline_value": 600_000,  # D8
    "weighted_pipeline": 300_000,
    "quota": 600_000,  # Cy, Feb
    "attainment": 550_000 / 600_000,
}


def test_team_filter_east(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), team="East", trend=2)
    check(dash.team, TEAM_EAST_Q1, "team East, 2026-Q1")
    assert [r.rep for r in dash.reps] == ["Ana", "Bo", "Max"]
    check(rows(dash)["Ana"], REPS_Q1["Ana"], "rep Ana under --team East")
    check(rows(dash)["Max"], REPS_Q1["Max"], "rep Max under --team East")


def test_team_filter_west_case_insensitive(db: Store) -> None:
    dash = dashboard(db, period("2026-Q1"), team="west", trend=2)
    check(dash.team, TEAM_WEST_Q1, "team West (given as 'west'), 2026-Q1")
    assert [r.rep for r in dash.reps] == ["Cy", "Dee", "Eve"]


# ------------------------------------------------------------------------------------------------ costs/quotas


def test_custom_period_takes_its_share_of_each_month_it_overlaps(db: Store) -> None:
    # 2026-01-15..2026-03-10 holds part of January, all of February and part of March (docs/KPIS.md, proration).
    # Costs by calendar days: January (150_000) has 31 days, the range holds the 15th..31st, 14 days before it:
    # 150_000 - round(150_000 * 14 / 31 = 67_741.94) = 82_258; February none; March (150_000): the 1st..10th,
    # round(150_000 * 10 / 31 = 48_387.10) = 48_387. Cost = 82_258 + 48_387 = 130_645.
    dash = dashboard(db, period("2026-01-15..2026-03-10"), trend=2)
    assert dash.team["cost"] == 130_645
    # Quotas by business days. January 2026 starts on a Thursday: 1-2, 5-9, 12-16, 19-23, 26-30 = 22 weekdays, of
    # which 10 (1-2, 5-9, 12-14) fall before the 15th. February starts on a Sunday: 2-6 .. 23-27 = 20, all inside.
    # March starts on a Sunday: 2-6, 9-13, 16-20, 23-27, 30-31 = 22, of which the range holds 7 (2-6, 9-10).
    # Ana: Jan 400_000 - round(400_000 * 10 / 22 = 181_818.18) = 218_182; Feb 400_000;
    #      Mar round(400_000 * 7 / 22 = 127_272.73) = 127_273 -> 745_455.
    # Bo:  Jan 300_000 - round(136_363.64) = 163_636; Feb 300_000; Mar round(95_454.55) = 95_455 -> 559_091.
    # Team: East Jan 218_182 + 163_636 = 381_818 (no team quota: its reps'), Feb 700_000, Mar the team's own
    #       round(1_000_000 * 7 / 22 = 318_181.82) = 318_182; West Feb (Cy) 600_000. Sum = 2_000_000.
    assert dash.team["quota"] == 2_000_000
    by_name = rows(dash)
    assert (by_name["Ana"]["quota"], by_name["Bo"]["quota"], by_name["Cy"]["quota"]) == (745_455, 559_091, 600_000)
    # Ana's wins in range: D1 (Feb 10) 1_000_000, D3 (Mar 5) 200_000; D4 Jan 25 is Bo's.
    assert by_name["Ana"]["revenue"] == 1_200_000
    assert by_name["Ana"]["attainment"] == pytest.approx(1_200_000 / 745_455)
    # 2 to 27 February are all twenty business days of February: the whole month's quota, though not its first
    # day. No cost is entered for February: cost 0, and with no new customer cac is null.
    short = dashboard(db, period("2026-02-02..2026-02-27"), trend=2)
    assert short.team["quota"] == 400_000 + 300_000 + 600_000
    assert short.team["cost"] == 0
    # New customers Feb 2..27: Acme's first win was Jan 25, Delta's in Q4 -> 0; cac = 0 / 0 -> null.
    assert short.team["new_customers"] == 0 and short.team["cac"] is None


def test_empty_period_is_all_zeros_and_nulls(db: Store) -> None:
    dash = dashboard(db, period("2024"), trend=2)
    for kpi in ("revenue", "won", "lost", "opportunities", "customers", "new_customers", "cost", "calls"):
        assert dash.team[kpi] == 0, kpi
    for kpi in ("win_rate", "conversion_rate", "avg_deal_size", "avg_basket", "cac", "calls_per_opportunity"):
        assert dash.team[kpi] is None, kpi
    assert dash.team["calls_to_win"] is None and dash.team["attainment"] is None
    assert dash.team["reps"] == 4 and dash.team["calls_per_rep"] == 0.0
    # Every active rep still has a row; nobody else does.
    assert [r.rep for r in dash.reps] == ["Ana", "Bo", "Cy", "Dee"]


# ------------------------------------------------------------------------------------------------ edge cases


def test_reopened_deal_is_not_in_pipeline_of_a_period_when_it_was_lost(tmp_path: Path) -> None:
    """A deal lost on Feb 10 and reopened on Mar 10 was not open at the end of February."""
    store = Store(tmp_path / "reopen.db", create=True, now=lambda: local(2026, 5, 1))
    rep = store.add_rep("Ana", team="East")
    d = store.add_deal(rep_id=rep, title="X", amount=400_000, stage="qualified", created_at=local(2026, 1, 5))
    store.move_deal(d, "lost", at=local(2026, 2, 10), reason="budget")
    store.move_deal(d, "proposal", at=local(2026, 3, 10))
    dash = dashboard(store, period("2026-02"), trend=2)
    # Jan end: open (qualified) -> pipeline 400_000, weighted 100_000 (0.25).
    assert (dash.previous_team["pipeline_value"], dash.previous_team["weighted_pipeline"]) == (400_000, 100_000)
    # Feb end: the deal was lost (it reopened only in March) -> not open -> pipeline 0.
    assert dash.team["pipeline_value"] == 0, (
        "KPI engine disagrees with issue 2 §4 'pipeline_value: deals open at the end of the period': a deal lost "
        "in February and reopened in March is counted as open at the end of February (the query uses today's "
        "closed_at, which the reopen cleared, instead of the deal's state at the period end)"
    )
    # Mar end: open again, in proposal (0.5) -> 400_000 / 200_000.
    mar = dashboard(store, period("2026-03"), trend=2)
    assert (mar.team["pipeline_value"], mar.team["weighted_pipeline"]) == (400_000, 200_000)
    store.close()


def test_deal_lost_from_lead_then_reopened_is_an_opportunity_when_it_reopens(tmp_path: Path) -> None:
    store = Store(tmp_path / "lead.db", create=True, now=lambda: local(2026, 5, 1))
    rep = store.add_rep("Bo", team="East")
    d = store.add_deal(rep_id=rep, title="Y", amount=100_000, stage="lead", created_at=local(2026, 1, 5))
    store.move_deal(d, "lost", at=local(2026, 1, 20), reason="no budget")
    jan = dashboard(store, period("2026-01"), trend=2)
    # Lost straight from lead: lost = 1, opportunities = 0, conversion null.
    assert (jan.team["lost"], jan.team["opportunities"], jan.team["conversion_rate"]) == (1, 0, None)
    store.move_deal(d, "qualified", at=local(2026, 2, 3))
    feb = dashboard(store, period("2026-02"), trend=2)
    # It left `lead`'s lost state for `qualified` in February: an opportunity then, not won -> conversion 0.
    assert (feb.team["opportunities"], feb.team["conversion_rate"]) == (1, 0.0)
    store.close()


def test_new_customer_goes_to_owner_of_first_win_even_outside_the_team(tmp_path: Path) -> None:
    store = Store(tmp_path / "nc.db", create=True, now=lambda: local(2026, 5, 1))
    a = store.add_rep("Ana", team="East")
    c = store.add_rep("Cy", team="West")
    acct = store.add_account("Acme")
    d1 = store.add_deal(
        rep_id=c, title="first", amount=100, account_id=acct, stage="qualified", created_at=local(2026, 1, 2)
    )
    store.move_deal(d1, "won", at=local(2026, 1, 10))
    d2 = store.add_deal(
        rep_id=a, title="second", amount=300, account_id=acct, stage="qualified", created_at=local(2026, 1, 3)
    )
    store.move_deal(d2, "won", at=local(2026, 1, 20))
    jan = dashboard(store, period("2026-01"), trend=2)
    # Acme's first win is Cy's d1: Cy 1, Ana 0, team 1. Customers: Acme for both, once for the team.
    assert {r.rep: r["new_customers"] for r in jan.reps} == {"Ana": 0, "Cy": 1}
    assert jan.team["new_customers"] == 1 and jan.team["customers"] == 1
    # East alone: Acme is a customer (Ana's win), but not a new one for East (its first win was West's).
    east = dashboard(store, period("2026-01"), team="East", trend=2)
    assert (east.team["customers"], east.team["new_customers"], east.team["cac"]) == (1, 0, None)
    store.close()


def test_won_then_reopened_deal_is_not_in_pipeline_of_the_period_it_was_won_in(tmp_path: Path) -> None:
    """A deal won on Feb 10 and reopened (back to negotiation) on Mar 10 was closed at the end of February."""
    store = Store(tmp_path / "rewon.db", create=True, now=lambda: local(2026, 5, 1))
    rep = store.add_rep("Ana", team="East")
    d = store.add_deal(rep_id=rep, title="Z", amount=200_000, stage="qualified", created_at=local(2026, 2, 2))
    store.move_deal(d, "won", at=local(2026, 2, 10))
    store.move_deal(d, "negotiation", at=local(2026, 3, 10))
    feb = dashboard(store, period("2026-02"), trend=2)
    # It is not won now, so it is not February revenue (the definition reads the deal's current close date) ...
    assert (feb.team["revenue"], feb.team["won"]) == (0, 0)
    # ... and at the end of February it was won, not open: pipeline 0, weighted 0.
    assert (feb.team["pipeline_value"], feb.team["weighted_pipeline"]) == (0, 0), (
        "KPI engine disagrees with issue 2 §4 'pipeline_value/weighted_pipeline: deals open at the end of the "
        "period': a deal won in February and reopened in March is counted open at the end of February, weighted at "
        "the won stage's probability 1.0"
    )
    # End of March: open in negotiation (0.75) -> 200_000 / 150_000.
    mar = dashboard(store, period("2026-03"), trend=2)
    assert (mar.team["pipeline_value"], mar.team["weighted_pipeline"]) == (200_000, 150_000)
    store.close()


def test_team_calls_per_opportunity_counts_each_deal_touched_once(tmp_path: Path) -> None:
    """calls_per_opportunity = calls linked to a deal / distinct deals those calls touched. Team-wide a deal two reps
    called counts once; a deal touched only by a voided call, and calls on no deal, are not in it."""
    store = Store(tmp_path / "touch.db", create=True, now=lambda: local(2026, 5, 1))
    ana, bo = store.add_rep("Ana", team="East"), store.add_rep("Bo", team="East")
    d1 = store.add_deal(rep_id=ana, title="D1", amount=1, stage="qualified", created_at=local(2026, 1, 2))
    d2 = store.add_deal(rep_id=bo, title="D2", amount=1, stage="qualified", created_at=local(2026, 1, 2))
    d3 = store.add_deal(rep_id=bo, title="D3", amount=1, stage="qualified", created_at=local(2026, 1, 2))
    store.log_activity(kind="call", rep_id=ana, deal_id=d1, at=local(2026, 2, 3))
    store.log_activity(kind="call", rep_id=bo, deal_id=d1, at=local(2026, 2, 4))  # D1 again, by another rep
    store.log_activity(kind="call", rep_id=bo, deal_id=d2, at=local(2026, 2, 5))
    voided = store.log_activity(kind="call", rep_id=bo, deal_id=d3, at=local(2026, 2, 6))
    store.void("activities", voided, reason="wrong deal")
    store.log_activity(kind="call", rep_id=ana, deal_id=None, at=local(2026, 2, 7))  # on no deal
    store.log_activity(kind="call", rep_id=ana, deal_id=d3, at=local(2026, 3, 1))  # March: D3 there, not here
    dash = dashboard(store, period("2026-02"), trend=2)
    # February: linked live calls 3 (D1 twice, D2), deals touched {D1, D2} = 2 -> 1.5. Ana: 1 call / {D1} = 1;
    # Bo: 2 calls / {D1, D2} = 1 (the voided call on D3 counts in neither).
    assert dash.team["calls_per_opportunity"] == 1.5
    assert dash.rep_row(ana)["calls_per_opportunity"] == 1.0
    assert dash.rep_row(bo)["calls_per_opportunity"] == 1.0
    # January (the previous period): no call at all -> no ratio.
    assert dash.previous_team["calls_per_opportunity"] is None
    march = dashboard(store, period("2026-03"), trend=2)
    assert march.team["calls_per_opportunity"] == 1.0  # 1 call / {D3}
    store.close()

"""Performance structure of the KPI engine: query plans, the trigger-kept rollup, the bucket cache, the v2 migration.

- Every hot KPI query, as run by ``collect``, is planned on its index: no full scan of activities or deals.
- After random sequences of write actions (log, void, restore, edit activities; add, move, edit, void, restore deals;
  undo), a long-lived Store's cached dashboard equals a fresh uncached one, the rewritten queries equal the plain
  SQL they replace, and ``deal_calls`` equals a recount of the live calls.
- A v1 database upgrades to the current schema with its rollup backfilled.
- Another process's Store, starting from the cache file, gets the same numbers.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.core import kpi
from cockpit.core.errors import CockpitError
from cockpit.core.kpi import collect, dashboard
from cockpit.core.periods import last_n, parse_period
from cockpit.core.store import SCHEMA_V1, SCHEMA_VERSION, Store, run_script
from cockpit.core.store.deal_page import deal_detail
from cockpit.core.store.forecasting import deals_between, open_deals_at
from cockpit.core.store.funnel import funnel_counts
from cockpit.core.store.mix import deal_mix
from cockpit.core.views import pipeline_with_deals

ROOT = Path(__file__).resolve().parent.parent.parent
DAY = 86_400
TZ = "UTC"
ORIGIN = 1_767_225_600  # 2026-01-01T00:00:00Z
PERIOD = parse_period("2026-03", tz=TZ)  # buckets 2026-01 (ORIGIN), 2026-02, 2026-03 with trend=3


def _plans(conn: sqlite3.Connection, statements: list[str]) -> list[list[str]]:
    return [[row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)] for sql in statements]


def test_hot_queries_use_their_indexes(tmp_path: Path) -> None:
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    store = Store(db)  # upgrades the committed v1 sample to v2
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)  # the SQL exactly as collect runs it, parameters expanded
    periods = last_n(parse_period("2026-11", tz=TZ), 12)
    collect(store, periods, cached=False)
    collect(store, periods, team="North", cached=False)
    store.conn.set_trace_callback(None)
    kpi_sql = [s for s in statements if s.lstrip().startswith("WITH")]
    assert len(kpi_sql) == 2 * 9  # 9 KPI queries per call: none escaped the trace
    plans = _plans(store.conn, kpi_sql)
    text = "\n".join(line for plan in plans for line in plan)
    # No full scan (with or without an index) of the big tables, under any alias collect gives them.
    assert not re.search(r"^SCAN (activities|deals|stage_history|x|d|d2|p|h|c)\b", text, re.M), text
    for index in ("activities_calls", "deals_open_at_end", "stage_history_at_end", "deals_closed", "deals_account"):
        assert f"INDEX {index}" in text, index
    assert "USING INTEGER PRIMARY KEY" in text  # deal_calls read by deal id
    calls_plans = [p for s, p in zip(kpi_sql, plans, strict=True) if "FROM activities x" in s]
    assert len(calls_plans) == 2  # one scan of the calls per call of collect: the team's deals come from it too
    for calls_plan in calls_plans:
        assert any("COVERING INDEX activities_calls" in line for line in calls_plan)
        assert not any("TEMP B-TREE FOR GROUP BY" in line for line in calls_plan)  # the sorter this shape removes
    store.close()


def test_idle_deal_lists_probe_each_deal_on_its_index(tmp_path: Path) -> None:
    """The pipeline's deal lists sort every open deal by its last touch: one index probe per deal for its latest
    live activity (activities_deal_touch) and its latest stage move, never a scan of activities."""
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    store = Store(db)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    _, pages = pipeline_with_deals(store, now_ts=ORIGIN + 400 * DAY, stale_days=30)
    store.conn.set_trace_callback(None)
    page = next(p for p in pages if p.stage == "proposal")
    assert page.deals  # the sample has open deals, so the page queries ran (one per stage, the same SQL)
    idle_sql = next(s for s in statements if "last_touch" in s)
    text = "\n".join(_plans(store.conn, [idle_sql])[0])
    assert "COVERING INDEX activities_deal_touch" in text, text
    assert "COVERING INDEX stage_history_at_end" in text, text
    assert not re.search(r"^SCAN (activities|x|h)\b", text, re.M), text
    store.close()


def test_forecast_open_deals_read_on_their_indexes(tmp_path: Path) -> None:
    """The forecast's pipeline at a moment (every refresh of the forecast tile, for the team and for a team filter):
    the deals not closed before it found on deals_open_at_end, each one's stage then by one probe of
    stage_history_at_end; no scan of deals or the stage history."""
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    store = Store(db)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    moment = ORIGIN + 320 * DAY
    found = open_deals_at(store, [moment])[moment]
    open_deals_at(store, [moment], team="North")
    store.conn.set_trace_callback(None)
    assert found  # the sample has deals open then, so the read ran
    sql = [s for s in statements if "json_each" in s]
    assert len(sql) == 2, statements
    for plan in _plans(store.conn, sql):
        text = "\n".join(plan)
        assert "INDEX deals_open_at_end" in text, text
        assert "COVERING INDEX stage_history_at_end" in text, text
        assert not re.search(r"^SCAN (deals|stage_history|d|h)\b", text, re.M), text
    store.close()


def test_the_audit_trail_is_read_by_row_and_by_time_not_scanned(tmp_path: Path) -> None:
    """The deal page's audit rows (a deal and its activities) and the forecast's audited changes since a moment: the
    audit log grows by a row per write for the life of a database, so neither may scan it (schema 4's indexes)."""
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    store = Store(db)
    deal_id = store.query("SELECT id FROM deals ORDER BY id LIMIT 1")[0][0]
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    assert deal_detail(store, deal_id) is not None
    open_deals_at(store, [ORIGIN + 320 * DAY])
    store.conn.set_trace_callback(None)
    audit = [s for s in statements if "FROM audit_log" in s]
    assert len(audit) >= 2, statements
    for plan in _plans(store.conn, audit):
        text = "\n".join(plan)
        assert not re.search(r"^SCAN audit_log\b", text, re.M), text
        assert "INDEX audit_rows" in text or "INDEX audit_table_at" in text, text
    store.close()


def test_a_reps_follow_ups_due_are_read_from_the_open_ones_only(tmp_path: Path) -> None:
    """My day reads its rep's follow-ups due at every refresh: done follow-ups pile up for the life of a database
    (119k at the large size against 1.6k open), so the read goes straight to the rep's open ones (schema 5)."""
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    store = Store(db)
    rep_id = store.query("SELECT rep_id FROM activities WHERE follow_up_at IS NOT NULL LIMIT 1")[0][0]
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.follow_ups_due(until=ORIGIN + 400 * DAY, rep_id=rep_id)
    store.follow_ups_due(until=ORIGIN + 400 * DAY)
    store.conn.set_trace_callback(None)
    mine, team = _plans(store.conn, [s for s in statements if "follow_up_done_at IS NULL" in s])
    assert "INDEX activities_open_follow_ups (rep_id=? AND follow_up_at" in "\n".join(mine), mine
    assert "INDEX activities_open_follow_ups" in "\n".join(team), team
    store.close()


# ------------------------------------------------------------------------------------ reference SQL


def _reference(store: Store, periods: list, team: str | None) -> dict[str, dict]:
    """The plain SQL the fast queries replaced (calls with GROUP BY, calls_to_win with a join over activities, the
    first won deal over every won deal), keyed by measure then (bucket, rep_id)."""
    rows = ", ".join("(?, ?, ?)" for _ in periods)
    params: list = [v for i, p in enumerate(periods) for v in (i, p.start_ts, p.end_ts)]
    cte = f"b(i, s, e) AS (VALUES {rows})"
    filt = " AND {col} IN (SELECT id FROM reps WHERE team = ? COLLATE NOCASE)" if team else ""
    fp = [team] if team else []
    out: dict[str, dict] = {}
    out["calls"] = {
        (r[0], r[1]): tuple(r[2:])
        for r in store.query(
            f"""WITH {cte} SELECT b.i, x.rep_id, count(*), count(x.deal_id), count(DISTINCT x.deal_id)
            FROM b JOIN activities x ON x.kind = 'call' AND x.at >= b.s AND x.at < b.e
            WHERE x.voided_at IS NULL{filt.format(col="x.rep_id")} GROUP BY b.i, x.rep_id""",
            params + fp,
        )
    }
    out["team_call_deals"] = {
        r[0]: r[1]
        for r in store.query(
            f"""WITH {cte} SELECT b.i, count(DISTINCT x.deal_id)
            FROM b JOIN activities x ON x.kind = 'call' AND x.at >= b.s AND x.at < b.e
            WHERE x.voided_at IS NULL{filt.format(col="x.rep_id")} GROUP BY b.i""",
            params + fp,
        )
        if r[1]
    }
    out["win_calls"] = {
        (r[0], r[1]): r[2]
        for r in store.query(
            f"""WITH {cte} SELECT b.i, d.rep_id, count(x.id)
            FROM b JOIN deals d ON d.stage = 'won' AND d.closed_at >= b.s AND d.closed_at < b.e
            JOIN activities x ON x.deal_id = d.id AND x.kind = 'call' AND x.voided_at IS NULL
            WHERE d.voided_at IS NULL{filt.format(col="d.rep_id")} GROUP BY b.i, d.rep_id""",
            params + fp,
        )
    }
    out["new_customers"] = {
        (r[0], r[1]): r[2]
        for r in store.query(
            f"""WITH {cte}, first AS (
                SELECT account_id, min(closed_at) AS first_at FROM deals
                WHERE stage = 'won' AND voided_at IS NULL AND account_id IS NOT NULL GROUP BY account_id),
              owner AS (SELECT f.first_at, (SELECT d2.rep_id FROM deals d2 WHERE d2.account_id = f.account_id
                    AND d2.stage = 'won' AND d2.voided_at IS NULL AND d2.closed_at = f.first_at
                    ORDER BY d2.id LIMIT 1) AS rep_id FROM first f)
            SELECT b.i, d.rep_id, count(*) FROM b JOIN owner d ON d.first_at >= b.s AND d.first_at < b.e
            WHERE 1=1{filt.format(col="d.rep_id")} GROUP BY b.i, d.rep_id""",
            params + fp,
        )
    }
    return out


def _fast(m: kpi._Measures) -> dict[str, dict]:
    return {
        "calls": {k: (v["calls"], v["calls_linked"], v["call_deals"]) for k, v in m.rep.items() if v.get("calls", 0)},
        "team_call_deals": {k: v["call_deals"] for k, v in m.team.items() if v.get("call_deals")},
        "win_calls": {k: v["win_calls"] for k, v in m.rep.items() if "win_calls" in v},
        "new_customers": {k: v["new_customers"] for k, v in m.rep.items() if "new_customers" in v},
    }


def _recount_deal_calls(store: Store) -> dict[int, int]:
    live = store.query(
        "SELECT deal_id, count(*) FROM activities WHERE kind = 'call' AND voided_at IS NULL AND deal_id IS NOT NULL"
        " GROUP BY deal_id"
    )
    return {r[0]: r[1] for r in live}


# ------------------------------------------------------------------------------------ random writes

ts = st.integers(ORIGIN - 20 * DAY, ORIGIN + 95 * DAY)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("call"), st.integers(0, 2), st.integers(-1, 5), ts, st.sampled_from(("call", "email"))),
        st.tuples(st.just("void_act"), st.integers(0, 30)),
        st.tuples(st.just("restore_act"), st.integers(0, 30)),
        st.tuples(st.just("edit_act"), st.integers(0, 30), st.integers(-1, 5), ts, st.sampled_from(("call", "note"))),
        st.tuples(st.just("deal"), st.integers(0, 2), st.integers(0, 2), st.sampled_from(("lead", "proposal", "won"))),
        st.tuples(st.just("move"), st.integers(0, 5), st.sampled_from(("qualified", "won", "lost", "lead")), ts),
        st.tuples(st.just("edit_deal"), st.integers(0, 5), st.integers(0, 2), st.integers(0, 9) | st.none()),
        st.tuples(st.just("void_deal"), st.integers(0, 5)),
        st.tuples(st.just("restore_deal"), st.integers(0, 5)),
        st.tuples(st.just("undo")),
        st.tuples(st.just("check")),
    ),
    min_size=1,
    max_size=30,
)


def _apply(store: Store, op: tuple, reps: list[int], accounts: list[int]) -> None:
    deals = [r[0] for r in store.query("SELECT id FROM deals ORDER BY id")]
    acts = [r[0] for r in store.query("SELECT id FROM activities ORDER BY id")]

    def deal(i: int) -> int | None:
        return deals[i % len(deals)] if deals and i >= 0 else None

    kind = op[0]
    if kind == "call":
        store.log_activity(kind=op[4], rep_id=reps[op[1]], deal_id=deal(op[2]), at=op[3])
    elif kind in ("void_act", "restore_act") and acts:
        row = acts[op[1] % len(acts)]
        if kind == "void_act":
            store.void("activities", row, reason="test")
        else:
            store.restore("activities", row)
    elif kind == "edit_act" and acts:
        store.edit_activity(acts[op[1] % len(acts)], deal_id=deal(op[2]), at=op[3], kind=op[4])
    elif kind == "deal":
        store.add_deal(
            rep_id=reps[op[1]],
            title="d",
            amount=1000 * (op[2] + 1),
            account_id=accounts[op[2]],
            stage=op[3],
            created_at=ORIGIN + 10 * DAY * op[2],
        )
    elif kind == "move" and deals:
        store.move_deal(deal(op[1]), op[2], at=max(op[3], ORIGIN + 30 * DAY), reason="price")
    elif kind == "edit_deal" and deals:
        changes = {"rep_id": reps[op[2]], "account_id": accounts[op[2]]}
        if op[3] is not None:
            changes["amount"] = op[3] * 500
        store.edit_deal(deal(op[1]), **changes)
    elif kind == "void_deal" and deals:
        store.void("deals", deal(op[1]), reason="test")
    elif kind == "restore_deal" and deals:
        store.restore("deals", deal(op[1]))
    elif kind == "undo":
        store.undo_last()


def _check(store: Store, periods: list) -> None:
    for team in (None, "North"):
        warm = dashboard(store, PERIOD, trend=3, team=team)
        with Store(store.path, readonly=True) as empty:
            computed = dashboard(empty, PERIOD, trend=3, team=team, cached=False)
        assert warm == computed
        # Another process: it starts from the buckets stored in the database (what the triggers of the writes since
        # left of them) and must get the same numbers.
        with Store(store.path, readonly=True) as fresh:
            assert dashboard(fresh, PERIOD, trend=3, team=team) == computed
            cold = collect(fresh, periods, team=team, cached=False)
            assert _fast(cold) == _reference(fresh, periods, team)
    assert {k: v for k, v in (tuple(r) for r in store.query("SELECT * FROM deal_calls")) if v} == _recount_deal_calls(
        store
    )


# 50 random histories (~0.08 s each): the suite must stay within its 3 minutes.
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops)
def test_cache_and_rollups_match_a_recomputation(sequence: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = [ORIGIN + 100 * DAY]
        store = Store(Path(tmp) / "k.db", create=True, now=lambda: clock[0])
        reps = [store.add_rep(f"r{i}", team=("North", "South")[i % 2]) for i in range(3)]
        accounts = [store.add_account(f"a{i}") for i in range(3)]
        periods = last_n(PERIOD, 3)
        dashboard(store, PERIOD, trend=3)  # fill the cache before the writes it must notice
        dashboard(store, PERIOD, trend=3, team="North")
        assert store.query("SELECT count(*) FROM kpi_buckets")[0][0] == 6  # and stored, for later processes
        for op in sequence:
            clock[0] += 1
            with contextlib.suppress(CockpitError):  # a refused action (already voided...) changes nothing
                _apply(store, op, reps, accounts)
            # Refresh after each action, as the app does: the cache syncs one change at a time, so a logged call
            # takes the path that adds it to the cached buckets instead of dropping them.
            dashboard(store, PERIOD, trend=3, team=("North", None)[clock[0] % 2])
            if op[0] == "check":
                _check(store, periods)
        _check(store, periods)
        store.close()


def test_unaudited_write_by_another_connection_drops_the_cache(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db", create=True, now=lambda: ORIGIN + 100 * DAY)
    rep = store.add_rep("Ann")
    store.log_activity(kind="call", rep_id=rep, at=ORIGIN + 65 * DAY)  # 7 March
    assert dashboard(store, PERIOD, trend=3).team["calls"] == 1
    other = sqlite3.connect(tmp_path / "k.db")
    # A bulk writer bypassing the audit log: a second March call (ORIGIN + 70 days = 12 March).
    other.execute(
        "INSERT INTO activities (kind, rep_id, at, created_at) VALUES ('call', ?, ?, ?)",
        (rep, ORIGIN + 70 * DAY, ORIGIN),
    )
    other.commit()
    other.close()
    assert dashboard(store, PERIOD, trend=3).team["calls"] == 2
    store.close()


def test_v1_database_upgrades_with_rollup_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    run_script(conn, SCHEMA_V1)
    for position, (name, prob) in enumerate(
        [("lead", 0.1), ("qualified", 0.2), ("proposal", 0.5), ("negotiation", 0.7), ("won", 1.0), ("lost", 0.0)]
    ):
        conn.execute("INSERT INTO stages VALUES (?, ?, ?, ?)", (name, position, prob, int(name not in ("won", "lost"))))
    conn.execute("INSERT INTO reps (id, name, created_at) VALUES (1, 'Ann', 0)")
    conn.execute(
        "INSERT INTO deals (id, title, rep_id, amount, stage, probability, created_at, qualified_at, closed_at,"
        " updated_at) VALUES (7, 'x', 1, 500, 'won', 1, ?, ?, ?, 0)",
        (ORIGIN, ORIGIN, ORIGIN + 65 * DAY),
    )
    calls = [(7, None), (7, None), (7, ORIGIN), (None, None)]  # two live calls on deal 7, one voided, one unlinked
    for deal_id, voided in calls:
        conn.execute(
            "INSERT INTO activities (kind, rep_id, deal_id, at, created_at, voided_at) VALUES ('call', 1, ?, ?, 0, ?)",
            (deal_id, ORIGIN + 60 * DAY, voided),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    store = Store(path)
    assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 9
    assert [tuple(r) for r in store.query("SELECT * FROM deal_calls")] == [(7, 2)]
    names = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"activities_calls", "deals_open_at_end", "stage_history_at_end", "audit_rows", "audit_table_at"} <= names
    assert "activities_open_follow_ups" in names
    assert not {"deals_open", "stage_history_deal", "activities_follow_up"} & names
    # March: deal 7 won on 7 March with its 2 live calls → calls_to_win = 2 / 1; 3 live calls in March (one unlinked).
    board = dashboard(store, PERIOD, trend=3)
    assert board.team["calls_to_win"] == 2.0
    assert board.team["calls"] == 3
    store.close()


def test_call_logged_in_another_bucket_updates_calls_to_win_of_the_won_bucket(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db", create=True, now=lambda: ORIGIN + 100 * DAY)
    rep = store.add_rep("Ann")
    deal = store.add_deal(rep_id=rep, title="x", amount=100, stage="qualified", created_at=ORIGIN)
    store.move_deal(deal, "won", at=ORIGIN + 65 * DAY)  # won 7 March
    assert dashboard(store, PERIOD, trend=3).team["calls_to_win"] == 0.0  # 0 calls / 1 won; March now cached
    call = store.log_activity(kind="call", rep_id=rep, deal_id=deal, at=ORIGIN + 5 * DAY)  # 6 January
    board = dashboard(store, PERIOD, trend=3)
    assert board.team["calls_to_win"] == 1.0  # 1 call ever on the 1 deal won in March
    assert board.team_trend["calls"] == (1, 0, 0)  # the call itself counts in January
    store.void("activities", call, reason="wrong deal")
    assert dashboard(store, PERIOD, trend=3).team["calls_to_win"] == 0.0
    store.close()


def test_the_reports_reads_follow_the_period_not_the_history(tmp_path: Path) -> None:
    """`cockpit report`'s funnel, new customers, movement and default period (issue 24): each read starts from the
    period's deals on an index (deals alive in it, its wins, the open stages, the last entry of each activity kind),
    so the report does not grow with the years of history behind the period; no scan of deals, the stage history or
    activities."""
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    store = Store(db)
    period = parse_period("2026-11", tz=TZ)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    for team in (None, "North"):
        found = funnel_counts(
            store, start_ts=period.start_ts, end_ts=period.end_ts, stale_before=period.end_ts, team=team
        )
        mix = deal_mix(store, by="channel", start_ts=period.start_ts, end_ts=period.end_ts, team=team)
        at_start, at_end = deals_between(store, period.start_ts, period.end_ts, team=team)
    assert store.latest_activity_ts() is not None
    store.conn.set_trace_callback(None)
    assert found.cohorts and mix.counts and at_start and at_end  # the sample has data then: the reads ran
    wanted = {
        "CROSS JOIN stage_history h ON": ["COVERING INDEX deals_open_at_end", "COVERING INDEX stage_history_at_end"],
        "count(*), sum(d.amount), min(d.updated_at)": ["INDEX deals_rep_stage"],
        "NOT EXISTS": ["COVERING INDEX deals_closed", "INDEX deals_account"],
        "AS at_start": ["INDEX deals_open_at_end", "COVERING INDEX stage_history_at_end"],
        "SELECT max(m)": ["COVERING INDEX activities_kind_at"],
    }
    for marker, indexes in wanted.items():
        sql = [s for s in statements if marker in s]
        assert sql, marker
        for plan in _plans(store.conn, sql):
            text = "\n".join(plan)
            for index in indexes:
                assert index in text, (marker, text)
            assert not re.search(r"^SCAN (deals|stage_history|activities|d|h|w|p|x|a)\b", text, re.M), text
    store.close()

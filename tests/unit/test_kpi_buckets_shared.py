"""The KPI buckets kept in the database and shared by every process (cockpit/core/store/kpi_buckets.py, schema v6).

Each test opens a second Store on the same file, as a second cockpit process would, and checks two things: the
numbers (worked out by hand from what the test wrote) and how many buckets the second Store had to compute
(``misses``), which says which stored buckets the writes deleted (their triggers) and which were read.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import date as _date
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.core.config import load_settings
from cockpit.core.demo import generate
from cockpit.core.kpi import dashboard
from cockpit.core.kpi_cache import cache_for
from cockpit.core.periods import parse_period
from cockpit.core.snapshot import Request, build_snapshot
from cockpit.core.store import Store
from tests.support.kpi_buckets import recount

DAY = 86_400
ORIGIN = 1_767_225_600  # 2026-01-01T00:00:00Z
PERIOD = parse_period("2026-03", tz="UTC")  # trend=3: buckets January, February, March 2026
JAN_1 = ORIGIN
JAN, FEB, MAR = ORIGIN + 10 * DAY, ORIGIN + 40 * DAY, ORIGIN + 70 * DAY  # 11 Jan, 10 Feb, 12 Mar


def _store(path: Path, **kwargs: object) -> Store:
    return Store(path, now=lambda: ORIGIN + 100 * DAY, **kwargs)


def _build(path: Path, calls: tuple[int, ...]) -> None:
    """Ann (North) with a call at each of ``calls``, then a deal won in February; its buckets stored."""
    store = _store(path, create=True)
    ann = store.add_rep("Ann", team="North")
    for at in calls:
        store.log_activity(kind="call", rep_id=ann, at=at)
    deal = store.add_deal(rep_id=ann, title="x", amount=100_00, stage="qualified", created_at=JAN)
    store.move_deal(deal, "won", at=FEB)
    dashboard(store, PERIOD, trend=3)
    store.close()


def _stored(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM kpi_buckets").fetchone()[0]
    finally:
        conn.close()


def _raw(path: Path, *statements: str | tuple[str, tuple]) -> None:
    """Write as another program would (the sqlite3 shell): no store, no audit row."""
    conn = sqlite3.connect(path)
    for statement in statements:
        sql, params = statement if isinstance(statement, tuple) else (statement, ())
        conn.execute(sql, params)
    conn.commit()
    conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """One call in each of January, February and March."""
    path = tmp_path / "k.db"
    _build(path, (JAN, FEB, MAR))
    return path


def _second_process(path: Path) -> tuple[tuple, int]:
    """The calls series and the number of buckets a new Store computed to get it."""
    with _store(path, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3)
        return board.team_trend["calls"], cache_for(other).misses


def test_a_new_process_starts_from_the_stored_buckets(db: Path) -> None:
    assert _stored(db) == 3
    assert _second_process(db) == ((1, 1, 1), 0)


def test_another_process_call_deletes_only_its_bucket(db: Path) -> None:
    with _store(db) as writer:
        writer.log_activity(kind="call", rep_id=writer.rep_by_name("Ann").id, at=MAR + DAY)
    # The call's trigger deleted March, in the call's own transaction: January and February are read, March counted.
    assert _stored(db) == 2
    assert _second_process(db) == ((1, 1, 2), 1)


def test_a_past_bucket_counted_alone_is_stored(db: Path) -> None:
    """A call back in February deletes February; the next cockpit (clock in April) counts February alone and stores
    it, as it is over: the one after counts nothing."""
    with _store(db) as writer:
        writer.log_activity(kind="call", rep_id=writer.rep_by_name("Ann").id, at=FEB + DAY)
    assert _stored(db) == 2
    with _store(db) as second:
        assert dashboard(second, PERIOD, trend=3).team_trend["calls"] == (1, 2, 1)
        assert cache_for(second).misses == 1
    assert _stored(db) == 3
    assert _second_process(db) == ((1, 2, 1), 0)


def test_the_running_month_counted_alone_is_left_to_count_again(db: Path) -> None:
    """With the clock in March, a call in March deletes March; a cockpit counting March alone does not store it (every
    open cockpit recounts it after each colleague's call: were each to store it, each call would cost them a write)."""
    in_march = MAR + 5 * DAY
    with Store(db, now=lambda: in_march) as writer:
        writer.log_activity(kind="call", rep_id=writer.rep_by_name("Ann").id, at=MAR + DAY)
    with Store(db, now=lambda: in_march) as second:
        assert dashboard(second, PERIOD, trend=3).team_trend["calls"] == (1, 1, 2)
        assert cache_for(second).misses == 1
    assert _stored(db) == 2


def test_a_call_on_a_won_deal_deletes_the_bucket_of_its_win(db: Path) -> None:
    with _store(db) as writer:
        deal = writer.query("SELECT id FROM deals")[0][0]
        writer.log_activity(kind="call", rep_id=1, deal_id=deal, at=MAR + 60)
        dashboard(writer, PERIOD, trend=3)  # computes February and March again, and stores them
        assert _stored(db) == 3
        writer.log_activity(kind="call", rep_id=1, deal_id=deal, at=MAR + 120)
    # February (the deal's win: calls_to_win) and March (the call) are gone, January stays.
    assert _stored(db) == 1
    with _store(db, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3)
        assert cache_for(other).misses == 2
    # March: 1 unlinked call + 2 on the deal → 3 calls, 2 linked, 1 distinct deal → 2.0 calls per opportunity.
    assert board.team_trend["calls"] == (1, 1, 3)
    assert board.team["calls_per_opportunity"] == 2.0
    assert board.rep_row(1)["calls_per_opportunity"] == 2.0
    assert board.team_trend["calls_to_win"][1] == 2.0  # February's win now has 2 calls ever


def test_a_call_logged_then_voided_recomputes_its_bucket(db: Path) -> None:
    with _store(db) as writer:
        call = writer.log_activity(kind="call", rep_id=writer.rep_by_name("Ann").id, at=MAR + DAY)
        writer.void("activities", call, reason="wrong rep")
    assert _second_process(db) == ((1, 1, 1), 1)  # March is counted again


@pytest.mark.parametrize("team", [None, "North", "South"])
def test_a_team_filter_bucket_is_stored_and_kept_true(db: Path, team: str | None) -> None:
    """Two calls on the deal won in February, logged in March by Ann (North), after a process stored the team's
    (or a team filter's) buckets: worked by hand, then checked against a recount."""
    with _store(db) as warm:
        dashboard(warm, PERIOD, trend=3, team=team)
    with _store(db) as writer:
        deal = writer.query("SELECT id FROM deals")[0][0]
        for minute in (1, 2):
            writer.log_activity(kind="call", rep_id=1, deal_id=deal, at=MAR + minute * 60)
    with _store(db, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3, team=team)
        assert cache_for(other).misses == 2  # January read, February (the win) and March counted
        assert dashboard(other, PERIOD, trend=3, team=team, cached=False) == board
    if team == "South":  # nobody in South: no calls, no deals
        assert board.team_trend["calls"] == (0, 0, 0)
        return
    assert board.team_trend["calls"] == (1, 1, 3)
    assert board.team["calls_per_opportunity"] == 2.0
    assert board.team_trend["calls_to_win"][1] == 2.0


def test_an_email_deletes_nothing(db: Path) -> None:
    with _store(db) as writer:
        writer.log_activity(kind="email", rep_id=writer.rep_by_name("Ann").id, at=MAR)
    assert _second_process(db) == ((1, 1, 1), 0)  # no KPI counts emails


def test_a_write_without_the_store_deletes_what_it_reaches(db: Path) -> None:
    # Another program adds a January call and writes no audit row: the trigger still deletes January.
    _raw(db, ("INSERT INTO activities (kind, rep_id, at, created_at) VALUES ('call', 1, ?, 0)", (JAN + DAY,)))
    assert _second_process(db) == ((2, 1, 1), 1)


def test_a_call_moved_by_hand_deletes_both_its_buckets(db: Path) -> None:
    _raw(db, ("UPDATE activities SET at = ? WHERE at = ?", (MAR, JAN)))  # the January call moves to March
    assert _second_process(db) == ((0, 1, 2), 2)


def test_a_deal_edited_by_hand_deletes_the_buckets_after_it(db: Path) -> None:
    # The deal (created in January, won in February) is voided by hand: February and March (after its creation)
    # no longer hold its pipeline or its win; every bucket ending after January 11th is deleted.
    _raw(db, "UPDATE deals SET voided_at = 1")
    with _store(db, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3)
        assert cache_for(other).misses == 3
    assert board.team_trend["revenue"] == (0, 0, 0)


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"format": 1}', '[["calls"], [["one", 1]], {}]'])
def test_a_damaged_stored_bucket_is_counted_again(db: Path, content: str) -> None:
    _raw(db, ("UPDATE kpi_buckets SET measures = ? WHERE start_ts = ?", (content, PERIOD.start_ts)))
    assert _second_process(db) == ((1, 1, 1), 1)


@pytest.mark.parametrize("value", [True, "1", [1], {"n": 1}])
def test_a_stored_value_that_is_not_a_number_is_counted_again(db: Path, value: object) -> None:
    text = json.dumps([["calls"], [[1, value]], {}])
    _raw(db, ("UPDATE kpi_buckets SET measures = ? WHERE start_ts = ?", (text, PERIOD.start_ts)))
    assert _second_process(db) == ((1, 1, 1), 1)


def test_a_read_only_database_counts_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    store = _store(path, create=True)
    store.log_activity(kind="call", rep_id=store.add_rep("Ann"), at=JAN)
    store.close()
    assert _stored(path) == 0
    with _store(path, readonly=True) as reader:
        assert dashboard(reader, PERIOD, trend=3).team_trend["calls"] == (1, 0, 0)
    assert _stored(path) == 0


def test_every_store_action_is_explained_by_its_audit_rows(tmp_path: Path) -> None:
    """After each kind of write the store makes, the change count matches the audit rows: the cache keeps the
    buckets the write cannot reach (January, when everything happens in March) instead of starting over."""
    store = _store(tmp_path / "k.db", create=True)
    ann = store.add_rep("Ann", team="North")
    store.log_activity(kind="call", rep_id=ann, at=JAN)
    account = store.add_account("Acme")
    actions = {
        "log a call": lambda: store.log_activity(kind="call", rep_id=ann, at=MAR, follow_up_at=MAR + DAY),
        "complete a follow-up": lambda: store.complete_follow_up(_last(store, "activities"), at=MAR + DAY),
        "edit an activity": lambda: store.edit_activity(_last(store, "activities"), note="edited", at=MAR + 60),
        "void an activity": lambda: store.void("activities", _last(store, "activities"), reason="typo"),
        "restore an activity": lambda: store.restore("activities", _last(store, "activities")),
        "add a deal": lambda: store.add_deal(
            rep_id=ann, title="d", amount=500_00, stage="qualified", created_at=MAR, account_id=account
        ),
        "log a call on the deal": lambda: store.log_activity(
            kind="call", rep_id=ann, deal_id=_last(store, "deals"), at=MAR + 120
        ),
        "log a meeting by account name": lambda: store.log_activity_for_account(
            kind="meeting", rep_id=ann, account="Acme", deal_id=_last(store, "deals"), at=MAR + 180
        ),
        "move a deal": lambda: store.move_deal(_last(store, "deals"), "won", at=MAR + DAY),
        "edit a deal": lambda: store.edit_deal(_last(store, "deals"), amount=600_00),
        "void a deal": lambda: store.void("deals", _last(store, "deals"), reason="duplicate"),
        "restore a deal": lambda: store.restore("deals", _last(store, "deals")),
        "undo": lambda: store.undo_last(),
        "set a cost": lambda: store.set_cost(month="2026-03", category="sales", amount=10_00),
        "set a quota": lambda: store.set_quota(month="2026-03", amount=1000_00, rep_id=ann),
    }
    cache = cache_for(store)
    for name, act in actions.items():
        dashboard(store, PERIOD, trend=3)
        act()
        misses = cache.misses
        dashboard(store, PERIOD, trend=3)
        assert cache.misses - misses <= 1, name  # March at most; January and February stayed
    # And the numbers: January's call, March's call (edited, voided, restored: live) and the call on the deal →
    # [1, 0, 2]; the March deal won at 600.00 then voided, restored, and the restore undone (voided again) → no
    # revenue.
    board = dashboard(store, PERIOD, trend=3)
    assert board.team_trend["calls"] == (1, 0, 2)
    assert board.team["revenue"] == 0
    store.close()


def _last(store: Store, table: str) -> int:
    return store.query(f"SELECT max(id) FROM {table}")[0][0]


def test_the_demo_bulk_load_leaves_the_triggers_working(tmp_path: Path) -> None:
    """The demo generator drops the counting triggers and those of the stored buckets for its bulk load and makes
    them again in the same transaction: afterwards a write without the store still moves the count and deletes the
    buckets it reaches. It stores the year's buckets up to its last day (April 2025 to March 2026) and the plan's
    trailing window (December to February), which the first start reads: a new process's three months cost nothing
    to count, and equal a recount."""
    path = tmp_path / "demo.db"
    generate(path, reps=3, months=2, seed=1, end=_date(2026, 3, 31), tz="UTC")
    assert _stored(path) == 13
    store = _store(path)
    before = store.query("SELECT n FROM kpi_changes")[0][0]
    assert dashboard(store, PERIOD, trend=3) == dashboard(store, PERIOD, trend=3, cached=False)
    assert cache_for(store).misses == 0
    store.close()
    _raw(path, "UPDATE activities SET note = 'x' WHERE id = 1")  # a column no KPI reads: nothing deleted
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT n FROM kpi_changes").fetchone()[0] == before + 1
    conn.close()
    assert _stored(path) == 13
    _raw(path, ("UPDATE activities SET at = ? WHERE kind = 'call' AND at >= ?", (MAR + DAY, MAR)))
    assert _stored(path) == 12  # March gone


# One random call at a time on a fixed pipeline: reps in two teams, deals won in different months (one of Cy's
# two March wins voided), a lost deal, an open deal; each call is by one of the reps, on one of the deals or none,
# in one of the three months. Refreshes in between (with or without a team filter) take the path that adds the call
# to the cached buckets; the result must equal a computation with no cache.
_call = st.tuples(st.integers(0, 3), st.integers(-1, 5), st.sampled_from((JAN, FEB, MAR)), st.integers(0, 3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# "équipe" is not the team "Équipe" for SQLite's NOCASE (it folds ASCII only), nor then for the cache.
@given(st.lists(_call, min_size=1, max_size=12), st.sampled_from((None, "North", "South", "équipe", "ÉQUIPE")))
def test_calls_added_to_cached_buckets_equal_a_computation(calls: list[tuple], team: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.db"
        store = _store(path, create=True)
        reps = [
            store.add_rep(name, team=t)
            for name, t in (("Ann", "North"), ("Bo", "North"), ("Cy", "South"), ("Dee", "Équipe"))
        ]
        deals = []
        for i, (stage, closed) in enumerate(
            (("won", JAN), ("won", FEB), ("won", MAR), ("lost", FEB), (None, None), ("won", MAR))
        ):
            deal = store.add_deal(rep_id=reps[i % 3], title=f"d{i}", amount=100_00, stage="qualified", created_at=JAN)
            if stage:
                store.move_deal(deal, stage, at=closed + 3600, reason="price" if stage == "lost" else "")
            deals.append(deal)
        # Cy's first March win is voided: calls on it count for no win (Cy's other March win, deal 5, stays).
        store.void("deals", deals[2], reason="duplicate")
        store.log_activity(kind="call", rep_id=reps[0], deal_id=deals[0], at=MAR + 7200)
        for rep, deal, month, minute in calls:
            dashboard(store, PERIOD, trend=3, team=team)  # cache the buckets, then log the call
            store.log_activity(
                kind="call", rep_id=reps[rep], deal_id=deals[deal] if deal >= 0 else None, at=month + 60 * minute
            )
        board = dashboard(store, PERIOD, trend=3, team=team)
        assert dashboard(store, PERIOD, trend=3, team=team, cached=False) == board
        store.close()


def test_a_dropped_counting_trigger_turns_the_cache_off(db: Path) -> None:
    _raw(
        db,
        "DROP TRIGGER kpi_changes_activities_insert",
        # Without that trigger this write leaves the count as it was: the cache must not trust the count at all.
        ("INSERT INTO activities (kind, rep_id, at, created_at) VALUES ('call', 1, ?, 0)", (FEB + DAY,)),
    )
    assert _second_process(db) == ((1, 2, 1), 3)


_CALL_BY_HAND = ("INSERT INTO activities (kind, rep_id, at, created_at) VALUES ('call', 1, ?, 0)", (JAN + DAY,))


@pytest.mark.parametrize(
    ("trigger", "write", "calls", "revenue"),
    [
        ("kpi_buckets_activities_insert", _CALL_BY_HAND, (2, 1, 1), (0, 100_00, 0)),
        ("kpi_buckets_deals_update", "UPDATE deals SET voided_at = 1", (1, 1, 1), (0, 0, 0)),
    ],
)
def test_a_dropped_bucket_trigger_is_noticed_and_repaired(
    db: Path, trigger: str, write: str | tuple, calls: tuple[int, ...], revenue: tuple[int, ...]
) -> None:
    # Without the trigger, the write by hand leaves every stored bucket as it was.
    _raw(db, f"DROP TRIGGER {trigger}", write)
    assert _stored(db) == 3
    with _store(db, readonly=True) as other:  # read-only: nothing stored is trusted
        board = dashboard(other, PERIOD, trend=3)
        assert (board.team_trend["calls"], board.team_trend["revenue"], cache_for(other).misses) == (calls, revenue, 3)
    with _store(db) as writable:  # a writable open makes the triggers again and deletes every stored bucket
        assert _stored(db) == 0
        assert dashboard(writable, PERIOD, trend=3).team_trend["revenue"] == revenue
    assert _second_process(db) == (calls, 0)


# One write by hand per reach rule (cockpit/core/store/kpi_buckets.py), on a demo history with every kind of row: each
# leaves no stored bucket that differs from a recount. Each statement changes what some stored bucket holds (the
# rule's own rows), so a trigger that deleted too little would leave it stale.
_BY_HAND = {
    "a call moved a month back": "UPDATE activities SET at = at - 30 * 86400"
    " WHERE id = (SELECT max(id) FROM activities WHERE kind = 'call' AND deal_id IS NOT NULL)",
    "a call turned into an email": "UPDATE activities SET kind = 'email'"
    " WHERE id = (SELECT min(id) FROM activities WHERE kind = 'call')",
    "a call deleted": "DELETE FROM activities WHERE id = (SELECT max(id) FROM activities WHERE kind = 'call')",
    "a call added": "INSERT INTO activities (kind, rep_id, deal_id, at, created_at)"
    " SELECT 'call', rep_id, id, closed_at - 86400, 0 FROM deals WHERE stage = 'won' ORDER BY closed_at DESC LIMIT 1",
    "a deal's amount": "UPDATE deals SET amount = amount + 700 WHERE stage NOT IN ('won', 'lost')",
    "a lead's amount": "UPDATE deals SET amount = amount + 700 WHERE qualified_at IS NULL AND closed_at IS NULL",
    "a win moved earlier": "UPDATE deals SET closed_at = closed_at - 20 * 86400 WHERE stage = 'won'",
    "a deal deleted": "DELETE FROM deals WHERE id = (SELECT max(id) FROM deals WHERE stage = 'lost')",
    "a stage move deleted": "DELETE FROM stage_history"
    " WHERE id IN (SELECT max(id) FROM stage_history GROUP BY deal_id)",
    "a stage's probability": "UPDATE stages SET probability = 0.35 WHERE name = 'proposal'",
    "a rep's team": "UPDATE reps SET team = 'Elsewhere' WHERE id = 1",
    "deal_calls edited": "UPDATE deal_calls SET calls = calls + 5",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    generate(path, reps=4, months=3, seed=3, end=_date(2026, 3, 31), tz="UTC")
    return path


@pytest.mark.parametrize("sql", _BY_HAND.values(), ids=_BY_HAND.keys())
def test_a_write_by_hand_leaves_no_stale_bucket(demo: Path, tmp_path: Path, sql: str) -> None:
    path = tmp_path / "d.db"
    path.write_bytes(demo.read_bytes())
    with _store(path) as store:
        team = store.query("SELECT team FROM reps WHERE id = 1")[0][0]
        for filter_ in (None, team):
            dashboard(store, PERIOD, trend=3, team=filter_)
    assert _stored(path) == 13 + 3  # the generator's year to March and its window, and the team filter's 3 months
    conn = sqlite3.connect(path)
    assert conn.execute(sql).rowcount > 0
    conn.commit()
    conn.close()
    found = recount(path)
    assert found.triggers_intact and found.wrong == []


def test_cockpit_check_recounts_the_stored_buckets_and_repairs(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(db)]) == 0
    assert "KPI buckets: 3 stored, all equal to a recount" in capsys.readouterr().out
    # A stored bucket made wrong without a trigger seeing it (an edit of the table itself): Ann's January calls 1 → 5.
    conn = sqlite3.connect(db)
    (text,) = conn.execute("SELECT measures FROM kpi_buckets WHERE start_ts = ?", (JAN_1,)).fetchone()
    names, rows, team = json.loads(text)
    rows[0][1 + names.index("calls")] = 5  # rows[0] is Ann's (rep id 1)
    conn.execute("UPDATE kpi_buckets SET measures = ? WHERE start_ts = ?", (json.dumps([names, rows, team]), JAN_1))
    conn.commit()
    conn.close()
    assert _second_process(db) == ((5, 1, 1), 0)  # what a cockpit would show: the reason for the check
    assert main(["check", str(db)]) == 2
    assert "1 of 3 stored KPI buckets differ from a recount (fix: cockpit check --repair" in capsys.readouterr().err
    assert _stored(db) == 3  # check alone changes nothing
    assert main(["check", "--repair", str(db)]) == 0
    assert "3 stored, 1 differed from a recount: deleted" in capsys.readouterr().out
    assert _second_process(db) == ((1, 1, 1), 1)


_DEALS_CSV = (
    "external_id,title,rep,stage,amount,created,closed\n"
    "1,Won in January,Ann,won,100,2026-01-05,2026-01-20\n"
    "2,Won in February,Ann,won,250,2026-01-06,2026-02-10\n"
    "3,Lost in March,Bo,lost,100,2026-02-07,2026-03-02\n"
    "4,Open proposal,Bo,proposal,400,2026-03-08,\n"
)


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_an_import_stores_the_buckets_its_first_start_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    """`cockpit import` counts the KPIs the first start will show (the month holding the clock and the eleven before
    it, every team) and stores them: a new process opening then counts nothing, and its numbers equal a recount. A
    dry run writes nothing, those buckets included."""
    source = tmp_path / "deals.csv"
    source.write_text(_DEALS_CSV, encoding="utf-8")
    path = tmp_path / "imported.db"
    if dry_run:  # into an existing database: a dry run into a new one removes the file altogether
        _store(path, create=True).close()
    monkeypatch.setenv("COCKPIT_NOW", "2026-03-20T12:00:00")
    monkeypatch.setenv("COCKPIT_TZ", "UTC")
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    assert main(["import", "deals", str(source), "--db", str(path), *(["--dry-run"] if dry_run else [])]) == 0
    if dry_run:
        assert _stored(path) == 0
        return
    # April 2025 .. March 2026 and the plan's trailing window, December 2025 .. February 2026; no team filter.
    assert _stored(path) == 13
    with _store(path, readonly=True) as other:
        build_snapshot(other, load_settings(), Request(None, None, None, None), pendulum.parse("2026-03-20T12:00:00"))
        board = dashboard(other, PERIOD, trend=3)
        assert cache_for(other).misses == 0  # the first start's whole read, window included, and this dashboard
        assert board == dashboard(other, PERIOD, trend=3, cached=False)
        # By hand: won $100 in January and $250 in February (in cents), nothing in March.
        assert board.team_trend["revenue"] == (100_00, 250_00, 0)

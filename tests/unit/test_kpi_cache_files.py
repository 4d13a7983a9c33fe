"""The KPI cache kept across processes (cockpit/kpi_cache.py, schema v3's change count).

Each test opens a second Store on the same file, as a second cockpit process would, and checks two things: the
numbers (worked out by hand from what the test wrote) and how many buckets the second Store had to compute
(``misses``), which says whether the cache file was used, partly refreshed or thrown away.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from datetime import date as _date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.core import kpi_cache
from cockpit.core.demo import generate
from cockpit.core.kpi import dashboard
from cockpit.core.kpi_cache import cache_file, cache_for, prune_folder
from cockpit.core.periods import parse_period
from cockpit.core.store import Store

DAY = 86_400
ORIGIN = 1_767_225_600  # 2026-01-01T00:00:00Z
PERIOD = parse_period("2026-03", tz="UTC")  # trend=3: buckets January, February, March 2026
JAN, FEB, MAR = ORIGIN + 10 * DAY, ORIGIN + 40 * DAY, ORIGIN + 70 * DAY  # 11 Jan, 10 Feb, 12 Mar


def _store(path: Path, **kwargs: object) -> Store:
    return Store(path, now=lambda: ORIGIN + 100 * DAY, **kwargs)


def _build(path: Path, calls: tuple[int, ...]) -> None:
    """Ann (North) with a call at each of ``calls``, then a deal won in February; the KPI cache file saved."""
    store = _store(path, create=True)
    ann = store.add_rep("Ann", team="North")
    for at in calls:
        store.log_activity(kind="call", rep_id=ann, at=at)
    deal = store.add_deal(rep_id=ann, title="x", amount=100_00, stage="qualified", created_at=JAN)
    store.move_deal(deal, "won", at=FEB)
    dashboard(store, PERIOD, trend=3)
    cache_for(store).flush()
    store.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """One call in each of January, February and March."""
    path = tmp_path / "k.db"
    _build(path, (JAN, FEB, MAR))
    return path


def _second_process(path: Path) -> tuple[list, int]:
    """The calls series and the number of buckets a new Store computed to get it."""
    with _store(path, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3)
        return board.team_trend["calls"], cache_for(other).misses


def test_a_new_process_starts_from_the_file(db: Path) -> None:
    assert cache_file(db).exists()
    assert _second_process(db) == ([1, 1, 1], 0)


def test_another_process_call_is_added_to_the_cached_bucket(db: Path) -> None:
    with _store(db) as writer:
        writer.log_activity(kind="call", rep_id=writer.rep_by_name("Ann").id, at=MAR + DAY)
    assert _second_process(db) == ([1, 1, 2], 0)  # March: 1 + 1 call, added to the cached March; nothing queried


def test_a_new_call_on_a_deal_already_called_adds_no_deal(db: Path) -> None:
    with _store(db) as writer:
        deal = writer.query("SELECT id FROM deals")[0][0]
        writer.log_activity(kind="call", rep_id=1, deal_id=deal, at=MAR + 60)
        dashboard(writer, PERIOD, trend=3)
        cache_for(writer).flush()
        writer.log_activity(kind="call", rep_id=1, deal_id=deal, at=MAR + 120)
    with _store(db, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3)
        assert cache_for(other).misses == 0
    # March: 1 unlinked call + 2 on the deal → 3 calls, 2 linked, 1 distinct deal → 2.0 calls per opportunity.
    assert board.team_trend["calls"] == [1, 1, 3]
    assert board.team["calls_per_opportunity"] == 2.0
    assert board.rep_row(1)["calls_per_opportunity"] == 2.0


def test_a_call_logged_then_voided_recomputes_its_bucket(db: Path) -> None:
    with _store(db) as writer:
        call = writer.log_activity(kind="call", rep_id=writer.rep_by_name("Ann").id, at=MAR + DAY)
        writer.void("activities", call, reason="wrong rep")
    assert _second_process(db) == ([1, 1, 1], 1)  # the void is not a new call: March is queried again


@pytest.mark.parametrize("team", [None, "North", "South"])
def test_new_calls_on_a_deal_count_it_once(db: Path, team: str | None) -> None:
    """Two calls on the deal won in February, logged in March by Ann (North), seen by a process whose cache holds
    the team's (or a team filter's) buckets: worked by hand, then checked against a computation with no cache."""
    with _store(db) as warm:
        dashboard(warm, PERIOD, trend=3, team=team)
        cache_for(warm).flush()
    with _store(db) as writer:
        deal = writer.query("SELECT id FROM deals")[0][0]
        for minute in (1, 2):
            writer.log_activity(kind="call", rep_id=1, deal_id=deal, at=MAR + minute * 60)
    with _store(db, readonly=True) as other:
        board = dashboard(other, PERIOD, trend=3, team=team)
        assert cache_for(other).misses == 0
    if team == "South":  # nobody in South: no calls, no deals
        assert board.team_trend["calls"] == [0, 0, 0]
        return
    # March: the fixture's unlinked call + 2 calls on the deal → 3 calls, 2 linked, 1 distinct deal → 2.0 per opp.
    assert board.team_trend["calls"] == [1, 1, 3]
    assert board.team["calls_per_opportunity"] == 2.0
    assert board.rep_row(1)["calls_per_opportunity"] == 2.0
    # February: the deal won there now has 2 calls ever → calls_to_win 2 / 1 won.
    assert board.team_trend["calls_to_win"][1] == 2.0
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("COCKPIT_CACHE_DIR", "")
    with _store(db, readonly=True) as empty:
        assert dashboard(empty, PERIOD, trend=3, team=team) == board
    monkeypatch.undo()


def test_an_email_recomputes_nothing(db: Path) -> None:
    with _store(db) as writer:
        writer.log_activity(kind="email", rep_id=writer.rep_by_name("Ann").id, at=MAR)
    assert _second_process(db) == ([1, 1, 1], 0)  # no KPI counts emails


def test_a_write_without_the_store_throws_the_file_away(db: Path) -> None:
    conn = sqlite3.connect(db)
    # Another program adds a January call and writes no audit row: only the change count says so.
    conn.execute("INSERT INTO activities (kind, rep_id, at, created_at) VALUES ('call', 1, ?, 0)", (JAN + DAY,))
    conn.commit()
    conn.close()
    assert _second_process(db) == ([2, 1, 1], 3)


def test_a_write_without_the_store_after_an_audited_one_is_noticed(db: Path) -> None:
    with _store(db) as writer:
        writer.log_activity(kind="email", rep_id=1, at=MAR)  # audited: explains one change
    conn = sqlite3.connect(db)
    conn.execute("UPDATE activities SET at = ? WHERE at = ?", (MAR, JAN))  # the January call moves to March
    conn.commit()
    conn.close()
    assert _second_process(db) == ([0, 1, 2], 3)


def test_another_database_at_the_same_path_ignores_the_file(db: Path, tmp_path: Path) -> None:
    # Made by the same actions, so its audit log ends with the same row and its change count is the same: only its
    # identity (meta db_id) tells the cache file is not its own.
    other = tmp_path / "other" / "k.db"
    other.parent.mkdir()
    _build(other, (JAN, JAN, MAR))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
        if Path(f"{other}{suffix}").exists():
            Path(f"{other}{suffix}").rename(f"{db}{suffix}")
    assert _second_process(db) == ([2, 0, 1], 3)


def test_a_rewritten_audit_log_is_noticed(db: Path) -> None:
    conn = sqlite3.connect(db)
    last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    # Same last id, other content (a restored backup with a different history would look like this).
    conn.execute("UPDATE audit_log SET unix_user = 'someone' WHERE id = ?", (last,))
    conn.execute("UPDATE activities SET voided_at = 1 WHERE at = ?", (FEB,))  # and the February call is gone
    conn.commit()
    conn.close()
    assert _second_process(db) == ([1, 0, 1], 3)


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"format": 1}', '{"format": 99, "entries": []}'])
def test_a_damaged_file_is_ignored(db: Path, content: str) -> None:
    cache_file(db).write_text(content, encoding="utf-8")
    assert _second_process(db) == ([1, 1, 1], 3)


def test_a_file_with_a_bad_entry_is_ignored(db: Path) -> None:
    path = cache_file(db)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entries"][0][4] = [["one", 1]]  # a rep id that is not an int
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _second_process(db) == ([1, 1, 1], 3)


def test_no_cache_folder_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_CACHE_DIR", "")
    assert cache_file(tmp_path / "x.db") is None
    store = _store(tmp_path / "x.db", create=True)
    store.log_activity(kind="call", rep_id=store.add_rep("Ann"), at=JAN)
    assert dashboard(store, PERIOD, trend=3).team_trend["calls"] == [1, 0, 0]
    cache_for(store).flush()
    store.close()
    assert not any(tmp_path.rglob("*.json"))


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
    assert board.team_trend["calls"] == [1, 0, 2]
    assert board.team["revenue"] == 0
    store.close()


def _last(store: Store, table: str) -> int:
    return store.query(f"SELECT max(id) FROM {table}")[0][0]


def test_the_demo_bulk_load_leaves_the_change_count_working(tmp_path: Path) -> None:
    """The demo generator drops the counting triggers for its bulk load and makes them again in the same
    transaction: afterwards a write without the store still moves the count."""
    path = tmp_path / "demo.db"
    generate(path, reps=3, months=2, seed=1, end=_date(2026, 3, 31), tz="UTC")
    store = _store(path)
    before = store.query("SELECT n FROM kpi_changes")[0][0]
    dashboard(store, PERIOD, trend=3)
    cache_for(store).flush()
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE activities SET note = 'x' WHERE id = 1")
    conn.commit()
    assert conn.execute("SELECT n FROM kpi_changes").fetchone()[0] == before + 1
    conn.close()
    with _store(path, readonly=True) as other:
        dashboard(other, PERIOD, trend=3)
        assert cache_for(other).misses == 3


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
        store.close()
        os.environ["COCKPIT_CACHE_DIR"], before = "", os.environ.get("COCKPIT_CACHE_DIR", "")
        try:
            with _store(path, readonly=True) as empty:
                assert dashboard(empty, PERIOD, trend=3, team=team) == board
        finally:
            os.environ["COCKPIT_CACHE_DIR"] = before


def test_a_dropped_counting_trigger_turns_the_cache_off(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER kpi_changes_activities_insert")
    # Without that trigger this write would leave the count as it was: the cache must not trust the count at all.
    conn.execute("INSERT INTO activities (kind, rep_id, at, created_at) VALUES ('call', 1, ?, 0)", (FEB + DAY,))
    conn.commit()
    conn.close()
    assert _second_process(db) == ([1, 2, 1], 3)


@pytest.mark.parametrize("value", [True, "1", [1], {"n": 1}])
def test_a_file_with_a_value_that_is_not_a_number_is_ignored(db: Path, value: object) -> None:
    path = cache_file(db)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entries"][0][4][0][1] = value  # the first rep's first measure of the first bucket
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _second_process(db) == ([1, 1, 1], 3)


# ------------------------------------------------------------------------------------ pruning the folder

OLD = 31 * DAY  # older than kpi_cache.STALE_FILE_DAYS (30 days)


def _aged(path: Path, seconds: float, now: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("{}", encoding="utf-8")
    os.utime(path, (now - seconds, now - seconds))
    return path


def test_prune_deletes_only_old_cache_files_and_stale_temporary_files(tmp_path: Path) -> None:
    now = 2_000_000_000.0
    name = "0123456789abcdef01234567.json"
    old_cache = _aged(tmp_path / name, OLD, now)
    recent_cache = _aged(tmp_path / "89abcdef0123456789abcdef.json", 29 * DAY, now)
    old_temp = _aged(tmp_path / f".{name}-k3j4h5.tmp", 2 * 3600, now)  # a save that died two hours ago
    fresh_temp = _aged(tmp_path / f".{name}-a1b2c3.tmp", 60, now)  # a save under way
    others = [
        _aged(tmp_path / "notes.json", OLD, now),  # not a name cache_file() makes
        _aged(tmp_path / "0123456789ABCDEF01234567.json", OLD, now),
        _aged(tmp_path / ".notes.txt-x.tmp", OLD, now),
        _aged(tmp_path / "README", OLD, now),
    ]
    kept = _aged(tmp_path / "fedcba9876543210fedcba98.json", OLD, now)

    deleted = prune_folder(tmp_path, keep=kept, now=now)

    assert sorted(deleted) == sorted([old_cache, old_temp])
    assert not old_cache.exists() and not old_temp.exists()
    assert all(p.exists() for p in [recent_cache, fresh_temp, kept, *others])
    assert prune_folder(tmp_path / "missing", now=now) == []


def test_the_first_save_of_a_process_prunes_the_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(kpi_cache, "_pruned", False)
    folder = tmp_path / "cache" / "kpi"
    gone = _aged(folder / "0123456789abcdef01234567.json", OLD, time.time())  # a database deleted long ago
    _build(tmp_path / "k.db", (JAN,))
    own = cache_file(tmp_path / "k.db")
    assert own is not None and own.exists()
    assert not gone.exists()
    # Later saves of the same process do not list the folder again.
    late = _aged(folder / "89abcdef0123456789abcdef.json", OLD, time.time())
    _build(tmp_path / "k2.db", (FEB,))
    assert late.exists()


def test_reading_a_cache_file_keeps_it_from_being_pruned(db: Path) -> None:
    path = cache_file(db)
    assert path is not None
    now = time.time()
    _aged(path, OLD, now)  # written long ago, and the database opened read-only since, with no save
    assert _second_process(db) == ([1, 1, 1], 0)  # read from the file, not computed
    assert now - path.stat().st_mtime < DAY
    assert prune_folder(path.parent, now=now) == []
    assert path.exists()

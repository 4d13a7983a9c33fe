"""deal_calls edited by hand (schema 8, issue 24): every open cockpit sees it, `cockpit check` reports it and
`--repair` rebuilds it from the calls; the store's own writes on calls agree with it and move no extra count.

deal_calls is derived from the calls (each deal's live calls); calls to win reads it. The fixture's numbers, by hand:
deal "won" closed 10 March with two live calls (and one voided), so March's calls to win is 2 / 1 = 2.0.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from cockpit.core.store.schema import derived_edit_triggers
from tests.support.kpi_buckets import recount

DAY = 86_400
MARCH_1 = 1_772_323_200  # 2026-03-01T00:00:00Z
NOW = MARCH_1 + 20 * DAY
PERIOD = parse_period("2026-03", tz="UTC")


def _store(path: Path, **kwargs: object) -> Store:
    return Store(path, now=lambda: NOW, **kwargs)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "calls.db"
    with _store(path, create=True) as store:
        ann = store.add_rep("Ann")
        won = store.add_deal(rep_id=ann, title="won", amount=900, stage="qualified", created_at=MARCH_1, account="A")
        store.add_deal(rep_id=ann, title="open", amount=500, stage="qualified", created_at=MARCH_1, account="B")
        for day in (2, 3, 4):
            store.log_activity(kind="call", rep_id=ann, deal_id=won, at=MARCH_1 + day * DAY)
        store.void("activities", 3, reason="typo")
        store.move_deal(won, "won", at=MARCH_1 + 9 * DAY)
    return path


def _counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT n FROM kpi_changes").fetchone()[0],
            conn.execute("SELECT n FROM data_changes").fetchone()[0],
        )
    finally:
        conn.close()


def _by_hand(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    assert conn.execute(sql).rowcount == 1
    conn.commit()
    conn.close()


def _calls_to_win(store: Store) -> float | None:
    return dashboard(store, PERIOD, trend=2).team["calls_to_win"]


_EDITS = {
    "calls changed": "UPDATE deal_calls SET calls = 7 WHERE deal_id = 1",
    "a row for a deal without calls": "INSERT INTO deal_calls (deal_id, calls) VALUES (2, 4)",
    "a row deleted": "DELETE FROM deal_calls WHERE deal_id = 1",
    "a row moved to another deal": "UPDATE deal_calls SET deal_id = 2 WHERE deal_id = 1",
}


@pytest.mark.parametrize("sql", _EDITS.values(), ids=_EDITS.keys())
def test_a_hand_edit_moves_both_change_counts(db: Path, sql: str) -> None:
    kpi, seen = _counts(db)
    _by_hand(db, sql)
    after_kpi, after_seen = _counts(db)
    assert after_kpi > kpi and after_seen > seen


def test_a_running_cockpit_counts_again_from_the_edited_rows(db: Path) -> None:
    with _store(db, readonly=True) as reader, _store(db) as writer:
        assert _calls_to_win(reader) == 2.0  # held in the reader's cache from here on
        _by_hand(db, "UPDATE deal_calls SET calls = 7 WHERE deal_id = 1")
        assert _calls_to_win(reader) == 7.0  # 7 / 1: what the edited table says
        writer.log_activity(kind="call", rep_id=1, deal_id=1, at=MARCH_1 + 5 * DAY)
        assert _calls_to_win(reader) == 8.0  # the trigger adds the new call to the edited row
        assert _calls_to_win(writer) == 8.0  # and stores the bucket: it must equal a recount
    found = recount(db)
    assert found.wrong == [] and found.deal_calls_wrong == [1]


def test_cockpit_check_reports_the_edit_and_repair_rebuilds_from_the_calls(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(db)]) == 0
    assert "calls per deal: deal_calls equals the live calls" in capsys.readouterr().out
    with _store(db, readonly=True) as reader:
        assert _calls_to_win(reader) == 2.0
        _by_hand(db, "UPDATE deal_calls SET calls = 7 WHERE deal_id = 1")
        _by_hand(db, "INSERT INTO deal_calls (deal_id, calls) VALUES (2, 4)")
        assert main(["check", str(db)]) == 2
        err = capsys.readouterr().err
        assert "problem: deal_calls differs from the live calls for 2 deals" in err
        assert "fix: cockpit check --repair" in err
        assert main(["check", str(db), "--repair"]) == 0
        assert "2 deals differed from the live calls: rebuilt" in capsys.readouterr().out
        assert _calls_to_win(reader) == 2.0  # the open cockpit drops what it counted from the edited rows
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT deal_id, calls FROM deal_calls ORDER BY deal_id").fetchall() == [(1, 2), (2, 0)]
    conn.close()
    assert main(["check", str(db)]) == 0
    assert "deal_calls equals the live calls" in capsys.readouterr().out


def _store_writes(store: Store) -> None:
    """Every way the store moves a call in or out of a deal's live calls, and an edit that leaves it in place."""
    call = store.log_activity(kind="call", rep_id=1, deal_id=1, at=MARCH_1 + 5 * DAY)
    store.edit_activity(call, note="asked for pricing", deal_id=1)  # stays on its deal
    store.edit_activity(call, deal_id=2)
    store.edit_activity(call, kind="email")
    store.edit_activity(call, kind="call")
    store.void("activities", call, reason="typo")
    store.restore("activities", call)
    store.undo_last()
    store.log_activity(kind="call", rep_id=1, deal_id=2, at=MARCH_1 + 6 * DAY)
    store.undo_last()


def test_store_writes_move_the_counts_as_they_did_before_schema_8(db: Path, tmp_path: Path) -> None:
    # The same writes on a copy whose counting triggers on deal_calls are dropped once its store is open (an open
    # with write access would make them again): the counts move the same.
    without = tmp_path / "without.db"
    shutil.copy(db, without)
    moved = []
    for path in (db, without):
        with _store(path) as store:
            if path == without:
                conn = sqlite3.connect(path)
                for counter in ("kpi_changes", "data_changes"):
                    for name, _create in derived_edit_triggers(counter):
                        conn.execute(f"DROP TRIGGER {name}")
                conn.commit()
                conn.close()
            before = _counts(path)
            _store_writes(store)
            after = _counts(path)
        moved.append((after[0] - before[0], after[1] - before[1]))
    assert moved[0] == moved[1]
    assert moved[0][0] >= 10  # and they did move: ten writes
    found = recount(db)
    assert found.deal_calls_wrong == []


def test_an_update_that_leaves_a_call_on_its_deal_does_not_write_deal_calls(db: Path) -> None:
    # Schema 2's triggers took such a call off its deal's count and put it back: the first step disagrees with the
    # live calls, so each counter would move twice for one row (the store sets deal_id beside a note in an edit).
    kpi, seen = _counts(db)
    _by_hand(db, "UPDATE activities SET deal_id = 1, note = 'called back' WHERE id = 2")
    assert _counts(db) == (kpi + 1, seen + 1)  # the activity's row, once
    assert recount(db).deal_calls_wrong == []


def test_a_repair_that_could_not_write_says_so_and_changes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _by_hand(db, "UPDATE deal_calls SET calls = 7 WHERE deal_id = 1")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write under way
    try:
        assert main(["check", str(db), "--repair"]) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert "--repair changed nothing: another write held the database; try again" in err
    assert "deal_calls differs from the live calls for 1 deal" in err
    assert recount(db).deal_calls_wrong == [1]

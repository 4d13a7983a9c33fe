"""The count of changes users can see (data_changes, schema 7), which the live refresh reads when a commit happened.

Every row change of a table that holds what users enter and see moves it, whoever writes (the store, the sqlite3
shell); a cockpit storing KPI buckets (derived data) does not, so that its commit refreshes no other cockpit.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from cockpit.core.store.schema import DATA_TABLES_V7

NOW = 1_773_576_000  # 2026-03-15


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "seen.db"
    with Store(path, create=True, now=lambda: NOW) as store:
        ann = store.add_rep("Ann")
        store.add_deal(rep_id=ann, title="d", amount=100, stage="qualified", created_at=NOW - 86_400, account="Acme")
        store.log_activity(kind="call", rep_id=ann, at=NOW - 3600)
        store.set_cost(month="2026-03", category="sales", amount=10)
        store.set_quota(month="2026-03", amount=10, rep_id=ann)
    return path


# One write by hand per table, as the sqlite3 shell would make it.
_BY_HAND = {
    "meta": "INSERT INTO meta (key, value) VALUES ('x', 'y')",
    "stages": "UPDATE stages SET probability = 0.3 WHERE name = 'qualified'",
    "reps": "UPDATE reps SET name = 'Anne'",
    "accounts": "INSERT INTO accounts (name, created_at) VALUES ('Globex', 0)",
    "deals": "UPDATE deals SET title = 'renamed'",
    "stage_history": "DELETE FROM stage_history",
    "activities": "UPDATE activities SET note = 'edited'",
    "costs": "DELETE FROM costs",
    "quotas": "UPDATE quotas SET amount = 20",
    "audit_log": "DELETE FROM audit_log",
}


def test_every_table_users_see_has_a_write_by_hand_here() -> None:
    assert set(_BY_HAND) == set(DATA_TABLES_V7)


@pytest.mark.parametrize("table", sorted(_BY_HAND))
def test_a_write_by_hand_moves_the_count(db: Path, table: str) -> None:
    with Store(db, readonly=True) as reader:
        before = reader.changes_seen()
        conn = sqlite3.connect(db)
        conn.execute(_BY_HAND[table])
        conn.commit()
        conn.close()
        assert before is not None and reader.changes_seen() > before


def test_a_store_write_moves_it_and_storing_kpi_buckets_does_not(db: Path) -> None:
    with Store(db, readonly=True) as reader, Store(db, now=lambda: NOW) as writer:
        first = reader.changes_seen()
        version = reader.data_version()
        dashboard(writer, parse_period("2026-03", tz="UTC"), trend=3)  # counts three buckets and stores them
        assert writer.query("SELECT count(*) FROM kpi_buckets")[0][0] == 3
        assert reader.data_version() != version  # a commit the poll sees
        assert reader.changes_seen() == first  # and nothing users see
        writer.log_activity(kind="email", rep_id=1, at=NOW)
        assert reader.changes_seen() > first


def test_a_dropped_trigger_makes_the_count_unknown_until_a_writable_open(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER data_changes_accounts_insert")
    conn.commit()
    conn.close()
    with Store(db, readonly=True) as reader:
        assert reader.changes_seen() is None  # the poll then refreshes on any commit
    with Store(db) as writer:  # made again
        assert writer.changes_seen() is not None

"""A newer cockpit upgrades the file while this one runs (a shared server mid-upgrade): this one reads on, and
refuses to write, with one line that says why, until it is restarted; it stores no derived KPI buckets either.

What it would write was made for its own schema: a newer one may hold rules and derived tables it does not know."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cockpit.core.errors import ReadOnlyError
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import SCHEMA_VERSION, Store

NOW = 1_773_576_000  # 2026-03-15


def _upgrade_by_a_newer_cockpit(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


def _count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_writes_are_refused_with_one_line_and_reads_go_on(tmp_path: Path) -> None:
    path = tmp_path / "upgraded.db"
    with Store(path, create=True, now=lambda: NOW) as store:
        ann = store.add_rep("Ann")
        store.log_activity(kind="call", rep_id=ann, at=NOW - 3600)
        _upgrade_by_a_newer_cockpit(path)
        calls, audit = _count(path, "activities"), _count(path, "audit_log")
        with pytest.raises(ReadOnlyError) as refused:
            store.log_activity(kind="call", rep_id=ann, at=NOW - 60)
        message = str(refused.value)
        assert message.startswith("cannot write: restart cockpit (a newer one upgraded the database to schema")
        assert f"schema {SCHEMA_VERSION + 1} while this one ran; this one knows {SCHEMA_VERSION})" in message
        assert message.endswith("nothing was written") and "\n" not in message
        assert (_count(path, "activities"), _count(path, "audit_log")) == (calls, audit)
        # Read-only from now on, saying why: the screens open no form that would be refused (logging_disabled).
        assert store.readonly and "restart cockpit to write" in (store.readonly_reason or "")
        with pytest.raises(ReadOnlyError, match="^cannot write: restart cockpit"):
            store.log_activity(kind="email", rep_id=ann, at=NOW - 60)
        # Reads go on; what they count is not stored for the newer cockpits (their definitions may differ).
        board = dashboard(store, parse_period("2026-03", tz="UTC"), trend=2)
        assert board.team["calls"] == 1
        assert _count(path, "kpi_buckets") == 0


def test_the_same_file_at_this_schema_is_written(tmp_path: Path) -> None:
    # The check reads the version inside the write's own transaction: at this schema, nothing changes.
    path = tmp_path / "same.db"
    with Store(path, create=True, now=lambda: NOW) as store:
        ann = store.add_rep("Ann")
        store.log_activity(kind="call", rep_id=ann, at=NOW - 3600)
        dashboard(store, parse_period("2026-03", tz="UTC"), trend=2)
    assert _count(path, "activities") == 1 and _count(path, "kpi_buckets") == 2


def test_the_poll_notices_an_upgrade_once_and_only_on_a_writable_store(tmp_path: Path) -> None:
    path = tmp_path / "noticed.db"
    with Store(path, create=True, now=lambda: NOW) as store, Store(path, readonly=True) as reader:
        assert store.notice_newer_schema() is None  # the same schema: nothing to notice
        _upgrade_by_a_newer_cockpit(path)
        assert store.notice_newer_schema() == SCHEMA_VERSION + 1
        assert store.readonly and "restart cockpit to write" in (store.readonly_reason or "")
        assert store.notice_newer_schema() is None  # said once
        assert reader.notice_newer_schema() is None  # read-only already, for its own reason
        assert reader.readonly_reason == "opened read-only"

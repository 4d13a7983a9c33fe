"""What each KPI measure declares it reads (cockpit/core/store/measures.py), and what is derived from it.

- Every measure's SQL, run under SQLite's authorizer (which reports each table column a statement reads), reads
  exactly the tables and columns its ``reads`` declare: a query that reads an undeclared column fails here.
- The change-counting triggers of the schema cover every table a cached measure reads, every column of it.
- The KPI cache's column knowledge is the declarations': declaring one more column makes an edit of it reach.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

import cockpit.core.kpi_cache as kc
from cockpit.core.kpi import dashboard
from cockpit.core.kpi_cache import cache_for
from cockpit.core.periods import parse_period
from cockpit.core.store import CHANGE_TRIGGERS, Store, kpi_buckets
from cockpit.core.store.measures import DERIVED_TABLES, MEASURES, Measure, cached_reads

DAY = 86_400
ORIGIN = 1_767_225_600  # 2026-01-01T00:00:00Z
PERIOD = parse_period("2026-03", tz="UTC")  # trend=3: January, February, March 2026


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "d.db"
    Store(path, create=True, now=lambda: ORIGIN + 100 * DAY).close()
    return path


def _columns_read(path: Path, measure: Measure) -> dict[str, set[str]]:
    """The (table -> columns) the measure's SQL reads, with the team filter, as SQLite's authorizer reports them."""
    reads: dict[str, set[str]] = defaultdict(set)

    def authorize(action: int, table: str | None, column: str | None, _db: str | None, _source: str | None) -> int:
        if action == sqlite3.SQLITE_READ and table and column:  # count(*) reads a table with no column
            reads[table].add(column)
        return sqlite3.SQLITE_OK

    conn = sqlite3.connect(path)
    try:
        conn.set_authorizer(authorize)
        sql = measure.render(buckets=2, months=2, team=True)
        conn.execute(sql, [0] * sql.count("?")).fetchall()  # every value is a parameter
    finally:
        conn.close()
    return dict(reads)


def _undeclared(path: Path, measure: Measure) -> dict[str, set[str]]:
    missing = {t: cols - measure.reads.get(t, frozenset()) for t, cols in _columns_read(path, measure).items()}
    return {table: columns for table, columns in missing.items() if columns}


@pytest.mark.parametrize("measure", MEASURES, ids=lambda m: m.name)
def test_each_measure_reads_exactly_what_it_declares(db: Path, measure: Measure) -> None:
    read = _columns_read(db, measure)
    assert read == {table: set(columns) for table, columns in measure.reads.items()}


def test_a_column_read_but_not_declared_is_caught(db: Path) -> None:
    """The check above can fail: a query reading a deal's title and a rep's team while declaring only the deal's
    amount (the team filter reads reps.id and reps.team)."""
    sloppy = Measure("sloppy", "SELECT d.title, d.amount FROM deals d WHERE 1=1{deal_filter}", {"deals": {"amount"}})
    assert _undeclared(db, sloppy) == {"deals": {"title", "rep_id"}, "reps": {"id", "team"}}


def _triggers(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    finally:
        conn.close()


def _update_of(sql: str) -> set[str] | None:
    """The columns of an ``AFTER UPDATE OF a, b ON t`` trigger; None for a trigger on any update."""
    found = re.search(r"\bUPDATE\s+OF\s+(.+?)\s+ON\b", sql, re.I | re.S)
    return {c.strip() for c in found.group(1).split(",")} if found else None


def test_change_triggers_cover_every_table_and_column_the_cached_measures_read(db: Path) -> None:
    counting = [t for t in _triggers(db) if t[0].startswith("kpi_changes_")]
    assert len(counting) == CHANGE_TRIGGERS
    events: dict[str, set[str]] = defaultdict(set)
    for name, table, sql in counting:
        event = name.rsplit("_", 1)[1]
        events[table].add(event)
        if event == "update":
            columns = _update_of(sql)
            # An update of a column some cached measure reads must move the count.
            assert columns is None or cached_reads()[table] <= columns, (table, cached_reads()[table] - columns)
    for table in cached_reads():
        assert events[table] == {"insert", "update", "delete"}, table


def test_derived_tables_are_kept_from_the_declared_columns(db: Path) -> None:
    """deal_calls is written only by triggers on activities, which watch exactly the columns declared for it."""
    for derived, sources in DERIVED_TABLES.items():
        keeping = [t for t in _triggers(db) if t[0].startswith(f"{derived}_")]
        assert keeping, derived
        for _name, table, sql in keeping:
            assert table in sources
            columns = _update_of(sql)
            assert columns is None or columns == set(sources[table])
    # And every measure reading a derived table counts as reading its sources.
    assert DERIVED_TABLES["deal_calls"]["activities"] <= cached_reads()["activities"]


def test_the_cache_reads_its_columns_from_the_declarations() -> None:
    # Worked out from the queries by hand: what pipeline, won, lost, opportunities, new customers and win_calls read
    # of a deal; the calls and deal_calls of an activity; the team filter of a rep; the pipeline's stage history.
    assert kc._KPI_COLUMNS["deals"] == {
        *("id", "rep_id", "account_id", "amount", "probability", "stage"),
        *("created_at", "qualified_at", "closed_at", "voided_at"),
    }
    assert kc._KPI_COLUMNS["activities"] == {"rep_id", "kind", "deal_id", "at", "voided_at"}
    assert kc._KPI_COLUMNS["reps"] == {"id", "team"}
    assert kc._KPI_COLUMNS["stage_history"] == {"id", "deal_id", "to_stage", "at"}
    assert kc._KPI_COLUMNS["stages"] == {"name", "probability", "is_open"}
    assert set(kc._KPI_COLUMNS) == {"deals", "activities", "reps", "stage_history", "stages"}


def _misses_after(store: Store, action) -> int:
    dashboard(store, PERIOD, trend=3)
    action()
    cache = cache_for(store)
    before = cache.misses
    dashboard(store, PERIOD, trend=3)
    return cache.misses - before


def test_a_declared_column_reaches_the_buckets(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deal's title is no measure's input: renaming it keeps every bucket. Were a measure to read it (declared),
    the same rename reaches that measure in every bucket ending after the deal's creation (the pipeline's
    placement): here all three, counted again. The cache of this process alone (the stored buckets' triggers follow
    the declarations too: the test below)."""
    store = Store(db, now=lambda: ORIGIN + 100 * DAY)
    cache_for(store).shared = False
    ann = store.add_rep("Ann")
    deal = store.add_deal(rep_id=ann, title="x", amount=100, stage="lead", created_at=ORIGIN + 10 * DAY)
    assert _misses_after(store, lambda: store.edit_deal(deal, title="renamed")) == 0
    monkeypatch.setattr(kc, "_KPI_COLUMNS", {**kc._KPI_COLUMNS, "deals": kc._KPI_COLUMNS["deals"] | {"title"}})
    pipeline = kc._MEASURE_READS["pipeline_open"]
    declared = {**pipeline, "deals": pipeline["deals"] | {"title"}}
    monkeypatch.setattr(kc, "_MEASURE_READS", {**kc._MEASURE_READS, "pipeline_open": declared})
    assert _misses_after(store, lambda: store.edit_deal(deal, title="again")) == 3
    store.close()


def test_a_table_no_cached_measure_reads_reaches_nothing(db: Path) -> None:
    """Costs, quotas and accounts are read by no cached measure (costs and quotas afresh): their rows keep every
    bucket, while the dashboard still shows the new cost."""
    store = Store(db, now=lambda: ORIGIN + 100 * DAY)
    ann = store.add_rep("Ann")
    store.log_activity(kind="call", rep_id=ann, at=ORIGIN + 70 * DAY)
    assert _misses_after(store, lambda: store.set_cost(month="2026-03", category="marketing", amount=12_00)) == 0
    assert _misses_after(store, lambda: store.set_quota(month="2026-03", amount=500_00, rep_id=ann)) == 0
    assert _misses_after(store, lambda: store.add_account("Acme")) == 0
    board = dashboard(store, PERIOD, trend=3)
    assert board.team["cost"] == 12_00
    assert board.team["quota"] == 500_00
    store.close()


def test_the_stored_buckets_triggers_wake_on_the_declared_columns_only() -> None:
    """Each UPDATE trigger that deletes stored KPI buckets (cockpit/core/store/kpi_buckets.py) lists exactly the
    columns the cached measures declare they read of its table; every table they read has its three triggers."""
    reads = cached_reads()
    by_table: dict[str, dict[str, str]] = {}
    for name, sql in kpi_buckets.triggers():
        table, event = re.match(r"kpi_buckets_(\w+)_(insert|update|delete)$", name).groups()
        by_table.setdefault(table, {})[event] = sql
        if event == "update":
            listed = re.search(r"AFTER UPDATE OF (.*?) ON ", sql).group(1)
            expected = {"deal_id", "calls"} if table == "deal_calls" else set(reads[table])
            assert set(listed.split(", ")) == expected, table
    assert set(by_table) == {*reads, "deal_calls"}
    for table, events in by_table.items():
        # A new rep has no data yet: reps alone has no INSERT trigger.
        assert set(events) == ({"update", "delete"} if table == "reps" else {"insert", "update", "delete"}), table

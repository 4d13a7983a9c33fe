"""The database's shape: the version-1 DDL, forward migrations to SCHEMA_VERSION, and the row-change triggers.

``MIGRATIONS[i]`` takes a database from ``PRAGMA user_version`` i to i + 1; the store runs the missing steps in one
``BEGIN IMMEDIATE`` transaction when it opens a file (see :mod:`cockpit.core.store.connection`). The DDL is plain SQL
rather than sqlite-utils' ``create_table``: partial indexes, triggers and ``user_version`` are outside its helpers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from cockpit.core.store import forecast_kept, kpi_buckets

SCHEMA_VERSION = 9

SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE stages (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    probability REAL NOT NULL,
    is_open INTEGER NOT NULL
);
CREATE TABLE reps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    team TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    unix_login TEXT UNIQUE,
    role TEXT NOT NULL DEFAULT 'rep' CHECK (role IN ('rep', 'manager')),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    segment TEXT NOT NULL DEFAULT '',
    lead_source TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    title TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    stage TEXT NOT NULL REFERENCES stages(name),
    probability REAL NOT NULL CHECK (probability BETWEEN 0 AND 1),
    source TEXT NOT NULL DEFAULT '',
    product TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    qualified_at INTEGER,
    expected_close INTEGER,
    closed_at INTEGER,
    lost_reason TEXT,
    updated_at INTEGER NOT NULL,
    voided_at INTEGER,
    void_reason TEXT
);
CREATE TABLE stage_history (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals(id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    at INTEGER NOT NULL,
    by_user TEXT NOT NULL
);
CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'linkedin', 'note')),
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    deal_id INTEGER REFERENCES deals(id),
    account_id INTEGER REFERENCES accounts(id),
    outcome TEXT NOT NULL DEFAULT '',
    duration_s INTEGER,
    at INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    follow_up_at INTEGER,
    follow_up_done_at INTEGER,
    created_at INTEGER NOT NULL,
    voided_at INTEGER,
    void_reason TEXT
);
CREATE TABLE costs (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('marketing', 'sales')),
    channel TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL CHECK (amount >= 0),
    UNIQUE (month, category, channel)
);
CREATE TABLE quotas (
    id INTEGER PRIMARY KEY,
    rep_id INTEGER REFERENCES reps(id),
    team TEXT,
    month TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    CHECK ((rep_id IS NULL) <> (team IS NULL))
);
CREATE UNIQUE INDEX quotas_rep_month ON quotas(rep_id, month) WHERE rep_id IS NOT NULL;
CREATE UNIQUE INDEX quotas_team_month ON quotas(team, month) WHERE team IS NOT NULL;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    unix_user TEXT NOT NULL,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id INTEGER,
    old_values TEXT,
    new_values TEXT,
    batch INTEGER,
    undone_by INTEGER
);
-- Covering indexes for the KPI GROUP BYs (see cockpit/core/kpi.py): each names the columns its query reads.
CREATE INDEX deals_closed ON deals(stage, closed_at, rep_id, amount, account_id, voided_at);
CREATE INDEX deals_qualified ON deals(qualified_at, rep_id, stage, voided_at);
CREATE INDEX deals_open ON deals(closed_at, created_at, rep_id, amount, probability, voided_at);
CREATE INDEX deals_rep_stage ON deals(rep_id, stage);
CREATE INDEX deals_account ON deals(account_id, stage, closed_at);
CREATE INDEX activities_kind_at ON activities(kind, at, rep_id, deal_id, voided_at);
CREATE INDEX activities_deal ON activities(deal_id, kind, voided_at);
CREATE INDEX activities_rep_at ON activities(rep_id, at);
CREATE INDEX activities_follow_up ON activities(follow_up_at) WHERE follow_up_at IS NOT NULL;
CREATE INDEX stage_history_deal ON stage_history(deal_id, at);
CREATE INDEX audit_user ON audit_log(unix_user, id);
CREATE INDEX audit_batch ON audit_log(batch);
"""


# Forward migrations: MIGRATIONS[i] takes a database from user_version i to i + 1.
def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run a script of ``;``-separated statements (no trigger bodies) inside the caller's open transaction."""
    # executescript() would COMMIT first; a migration must stay inside its BEGIN IMMEDIATE.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


# Version 2: rollups and indexes for the KPI dashboard at team scale (issue 6; chosen from EXPLAIN QUERY PLAN).
# - activities_calls: the live calls in (rep, time) order and covering, so calls per (rep, bucket) is one index range
#   per rep with no GROUP BY sorter (kpi.py reads it through a correlated subquery per rep and bucket).
# - deal_calls: calls ever logged on each deal (live calls only), kept exact by triggers in the same transaction as
#   every write, so `calls_to_win` sums one row per won deal instead of joining the deal's calls.
# - deals_open_at_end / stage_history_at_end: pipeline at a bucket's end reads both without touching the tables
#   (stage added to the deal index; the history index ends with id, to_stage so "last row before the end, ORDER BY
#   at DESC, id DESC" is one covering probe). Each replaces a v1 index that is its prefix, so writes cost the same.
_INDEXES_V2 = (
    "CREATE INDEX activities_calls ON activities(rep_id, at, deal_id, kind, voided_at)"
    " WHERE kind = 'call' AND voided_at IS NULL",
    "CREATE INDEX deals_open_at_end ON deals(closed_at, created_at, rep_id, amount, probability, stage, voided_at)",
    "DROP INDEX deals_open",
    "CREATE INDEX stage_history_at_end ON stage_history(deal_id, at, id, to_stage)",
    "DROP INDEX stage_history_deal",
)
_DEAL_CALLS_V2 = (
    "CREATE TABLE deal_calls (deal_id INTEGER PRIMARY KEY, calls INTEGER NOT NULL)",
    # A live call is kind 'call', not voided, linked to a deal. Every path in or out of that set adjusts the count.
    """CREATE TRIGGER deal_calls_insert AFTER INSERT ON activities
    WHEN NEW.kind = 'call' AND NEW.voided_at IS NULL AND NEW.deal_id IS NOT NULL
    BEGIN
        INSERT INTO deal_calls (deal_id, calls) VALUES (NEW.deal_id, 1)
        ON CONFLICT (deal_id) DO UPDATE SET calls = calls + 1;
    END""",
    """CREATE TRIGGER deal_calls_delete AFTER DELETE ON activities
    WHEN OLD.kind = 'call' AND OLD.voided_at IS NULL AND OLD.deal_id IS NOT NULL
    BEGIN
        UPDATE deal_calls SET calls = calls - 1 WHERE deal_id = OLD.deal_id;
    END""",
    """CREATE TRIGGER deal_calls_update_old AFTER UPDATE OF kind, deal_id, voided_at ON activities
    WHEN OLD.kind = 'call' AND OLD.voided_at IS NULL AND OLD.deal_id IS NOT NULL
    BEGIN
        UPDATE deal_calls SET calls = calls - 1 WHERE deal_id = OLD.deal_id;
    END""",
    """CREATE TRIGGER deal_calls_update_new AFTER UPDATE OF kind, deal_id, voided_at ON activities
    WHEN NEW.kind = 'call' AND NEW.voided_at IS NULL AND NEW.deal_id IS NOT NULL
    BEGIN
        INSERT INTO deal_calls (deal_id, calls) VALUES (NEW.deal_id, 1)
        ON CONFLICT (deal_id) DO UPDATE SET calls = calls + 1;
    END""",
    # Backfill from the activities already there (an upgraded v1 database).
    """INSERT INTO deal_calls (deal_id, calls)
    SELECT deal_id, count(*) FROM activities
    WHERE kind = 'call' AND voided_at IS NULL AND deal_id IS NOT NULL GROUP BY deal_id""",
)


def migrate_v2(conn: sqlite3.Connection) -> None:
    """Version 1 to 2: the KPI indexes and the deal_calls rollup with its triggers, backfilled."""
    # Statement by statement: trigger bodies hold semicolons, so run_script's split would cut them.
    for statement in (*_INDEXES_V2, *_DEAL_CALLS_V2):
        conn.execute(statement)
    # Statistics for the new indexes so the planner weighs them like the others (each index is read once).
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        for index in ("activities_calls", "deals_open_at_end", "stage_history_at_end"):
            conn.execute(f"ANALYZE {index}")


# Version 3: what lets a KPI cache outlive its process (cockpit/kpi_cache.py keeps one file per database).
# - kpi_changes.n counts every row inserted, updated or deleted in the tables the KPIs read (activities, deals,
#   stage_history, reps, stages), by triggers in the same transaction as the change. Each change the store makes
#   writes one audit row, so the cache can check that the audit rows since it last looked explain every change: a
#   write by another program (the sqlite3 shell, a script) moves the count without an audit row, and it starts over.
# - meta 'db_id': a random identity, so a cache file never serves another database put at the same path.
# - activities_deal_touch: the latest live activity of a deal in one index probe (the idle time of each open deal
#   sorts the pipeline's deal lists; the v1 index on deal_id does not hold `at`).
_KPI_TABLES_V3 = ("activities", "deals", "stage_history", "reps", "stages")
ACTIVITIES_DEAL_TOUCH = "CREATE INDEX activities_deal_touch ON activities(deal_id, voided_at, at)"


# Logging an activity on a deal touches the deal's updated_at without an audit row of its own (the activity's row
# says it): no KPI reads updated_at, so an update of deals counts only when it sets another column. A column added
# to deals by a later migration must be added here too.
_DEAL_COUNTED_COLUMNS_V3 = (
    "id, external_id, title, account_id, rep_id, amount, stage, probability, source, product, created_at,"
    " qualified_at, expected_close, closed_at, lost_reason, voided_at, void_reason"
)


# Version 8: an edit of deal_calls by hand is a change (issue 24). deal_calls is derived from the calls by triggers
# in the same transaction as each call, which the counts above see through the calls' own rows. A row of deal_calls
# set by another program (the sqlite3 shell) moved neither count, so a running cockpit kept the measures it held
# (calls to win) and could store them again. Each counter now counts a deal_calls row that, once written, disagrees
# with the deal's live calls: the derived writes agree with them by construction (the calls' triggers run after the
# call is in), so only an edit by hand moves a count, and every cockpit starts over from the rows as they are.
# `cockpit check` compares deal_calls with the calls, and `--repair` rebuilds it.
_LIVE_CALLS = "(SELECT count(*) FROM activities WHERE deal_id = {row}.deal_id AND kind = 'call' AND voided_at IS NULL)"
_DERIVED_EDIT_WHEN = {
    "INSERT": f"NEW.calls IS NOT {_LIVE_CALLS.format(row='NEW')}",
    "UPDATE": f"NEW.deal_id IS NOT OLD.deal_id OR NEW.calls IS NOT {_LIVE_CALLS.format(row='NEW')}",
    "DELETE": f"OLD.calls <> 0 OR {_LIVE_CALLS.format(row='OLD')} <> 0",
}


def derived_edit_triggers(counter: str) -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) of the triggers that count, in ``counter``, a row of deal_calls that
    disagrees with the live calls once written: an edit by hand, never the calls' own triggers (version 8)."""
    return [
        (
            f"{counter}_deal_calls_{event.lower()}",
            f"CREATE TRIGGER {counter}_deal_calls_{event.lower()} AFTER {event} ON deal_calls WHEN {when}"
            f" BEGIN UPDATE {counter} SET n = n + 1 WHERE id = 1; END",
        )
        for event, when in _DERIVED_EDIT_WHEN.items()
    ]


def change_triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) of each trigger that counts row changes in kpi_changes (v3, and v8's)."""
    return _change_triggers_v3() + derived_edit_triggers("kpi_changes")


def _change_triggers_v3() -> list[tuple[str, str]]:
    triggers = []
    for table in _KPI_TABLES_V3:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"kpi_changes_{table}_{event.lower()}"
            when = f"UPDATE OF {_DEAL_COUNTED_COLUMNS_V3}" if (table, event) == ("deals", "UPDATE") else event
            triggers.append(
                (name, f"CREATE TRIGGER {name} AFTER {when} ON {table} BEGIN UPDATE kpi_changes SET n = n + 1; END")
            )
    return triggers


def _counting_triggers(conn: sqlite3.Connection, counter: str) -> int:
    """How many triggers named ``{counter}_…`` (those that count row changes in the table ``counter``) exist."""
    pattern = counter.replace("_", "\\_") + "\\_%"
    return conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'", (pattern,)
    ).fetchone()[0]


def _create_counter(conn: sqlite3.Connection, counter: str, triggers: list[tuple[str, str]]) -> None:
    """The one-row table ``counter`` (n = 0) and the triggers that count in it."""
    conn.execute(f"CREATE TABLE {counter} (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)")
    conn.execute(f"INSERT INTO {counter} (id, n) VALUES (1, 0)")
    for _name, create in triggers:
        conn.execute(create)


def change_trigger_count(conn: sqlite3.Connection) -> int:
    """How many of the counting triggers of kpi_changes the database has (all of them: CHANGE_TRIGGERS)."""
    return _counting_triggers(conn, "kpi_changes")


CHANGE_TRIGGERS = len(change_triggers())


def migrate_v3(conn: sqlite3.Connection) -> None:
    """Version 2 to 3: the kpi_changes count and its triggers, the database id, the deal-touch index."""
    _create_counter(conn, "kpi_changes", _change_triggers_v3())
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('db_id', lower(hex(randomblob(16))))")
    conn.execute(ACTIVITIES_DEAL_TOUCH)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("ANALYZE activities_deal_touch")


# Version 4: the audit trail read by row and by time (issues 21 and 23). The deal page reads the audit rows of one
# deal and its activities, and the forecast the deals' audited changes since a moment; without these both scanned
# the whole audit_log, which grows by one row per write for the life of the database (~55 ms a read at 200k rows).
AUDIT_INDEXES_V4 = (
    "CREATE INDEX audit_rows ON audit_log(table_name, row_id, at)",
    "CREATE INDEX audit_table_at ON audit_log(table_name, at)",
)


def migrate_v4(conn: sqlite3.Connection) -> None:
    """Version 3 to 4: the audit-trail indexes."""
    for statement in AUDIT_INDEXES_V4:
        conn.execute(statement)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("ANALYZE audit_log")


# Version 5: the open follow-ups by rep (issue 24). My day reads a rep's follow-ups due at every refresh; the index on
# every follow-up ever set (done ones included, 119k at the large size, of which 1.6k open) made that read visit them
# all: 80 ms of a refresh at L. The open ones alone, by rep then date, answer it in 0.05 ms; the team's list scans
# the small partial index and sorts it. The old index had no other reader.
OPEN_FOLLOW_UPS_V5 = (
    "CREATE INDEX activities_open_follow_ups ON activities(rep_id, follow_up_at)"
    " WHERE follow_up_at IS NOT NULL AND follow_up_done_at IS NULL AND voided_at IS NULL"
)


def migrate_v5(conn: sqlite3.Connection) -> None:
    """Version 4 to 5: the open follow-ups indexed by rep, in place of every follow-up by date."""
    conn.execute("DROP INDEX IF EXISTS activities_follow_up")
    conn.execute(OPEN_FOLLOW_UPS_V5)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("ANALYZE activities_open_follow_ups")


# Version 6: the KPI buckets kept in the database (issue 24): the base measures any cockpit computed, shared by every
# user of the file, kept true by triggers that delete what each write can reach (cockpit/core/store/kpi_buckets.py).
def migrate_v6(conn: sqlite3.Connection) -> None:
    """Version 5 to 6: the stored KPI buckets and their triggers."""
    kpi_buckets.create(conn)


# Version 7: a count of the changes users can see (issue 24). The live refresh polls PRAGMA data_version, which moves
# on any commit by another connection, including a cockpit storing KPI buckets (derived data, nothing to show):
# data_changes.n counts every row inserted, updated or deleted in the tables that hold what users enter and see,
# by triggers in the same transaction, whoever writes; the poll refreshes only when it moved. Derived tables
# (deal_calls, kpi_buckets, the counters) are not counted: they change only with a counted table or for no one.
DATA_TABLES_V7 = ("meta", "stages", "reps", "accounts", "deals", "stage_history", "activities", "costs", "quotas",
                  "audit_log")  # fmt: skip


def data_change_triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) of each trigger that counts row changes in data_changes (v7, and v8's)."""
    return _data_change_triggers_v7() + derived_edit_triggers("data_changes")


def _data_change_triggers_v7() -> list[tuple[str, str]]:
    return [
        (
            f"data_changes_{table}_{event.lower()}",
            f"CREATE TRIGGER data_changes_{table}_{event.lower()} AFTER {event} ON {table}"
            " BEGIN UPDATE data_changes SET n = n + 1 WHERE id = 1; END",
        )
        for table in DATA_TABLES_V7
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def data_change_trigger_count(conn: sqlite3.Connection) -> int:
    """How many of the counting triggers of data_changes the database has (all of them: DATA_CHANGE_TRIGGERS)."""
    return _counting_triggers(conn, "data_changes")


DATA_CHANGE_TRIGGERS = len(data_change_triggers())


def migrate_v7(conn: sqlite3.Connection) -> None:
    """Version 6 to 7: the count of the changes users can see, and its triggers."""
    _create_counter(conn, "data_changes", _data_change_triggers_v7())


# The calls' own update triggers of v2 fired for an update that left a live call on its deal (its deal id set to the
# same value beside a note): one count down, which disagrees until the count up that follows. They now skip it.
_LIVE = "{row}.kind = 'call' AND {row}.voided_at IS NULL AND {row}.deal_id IS NOT NULL"
_STAYS = f"{_LIVE.format(row='OLD')} AND {_LIVE.format(row='NEW')} AND NEW.deal_id = OLD.deal_id"
_DEAL_CALLS_UPDATES_V8 = (
    f"""CREATE TRIGGER deal_calls_update_old AFTER UPDATE OF kind, deal_id, voided_at ON activities
    WHEN {_LIVE.format(row="OLD")} AND NOT ({_STAYS})
    BEGIN
        UPDATE deal_calls SET calls = calls - 1 WHERE deal_id = OLD.deal_id;
    END""",
    f"""CREATE TRIGGER deal_calls_update_new AFTER UPDATE OF kind, deal_id, voided_at ON activities
    WHEN {_LIVE.format(row="NEW")} AND NOT ({_STAYS})
    BEGIN
        INSERT INTO deal_calls (deal_id, calls) VALUES (NEW.deal_id, 1)
        ON CONFLICT (deal_id) DO UPDATE SET calls = calls + 1;
    END""",
)


def migrate_v8(conn: sqlite3.Connection) -> None:
    """Version 7 to 8: a hand edit of deal_calls moves the change counts; the calls' update triggers skip a call
    that stays on its deal."""
    conn.execute("DROP TRIGGER deal_calls_update_old")
    conn.execute("DROP TRIGGER deal_calls_update_new")
    for create in _DEAL_CALLS_UPDATES_V8:
        conn.execute(create)
    for counter in ("kpi_changes", "data_changes"):
        for _name, create in derived_edit_triggers(counter):
            conn.execute(create)


# Version 9: what the forecast learned from finished periods, kept for everyone who opens the file (issue 24): a
# user's first forecast and a new process's report read it instead of rebuilding the history
# (cockpit/core/store/forecast_kept.py). Derived data: not counted by data_changes, so storing it refreshes no one.
def migrate_v9(conn: sqlite3.Connection) -> None:
    """Version 8 to 9: the forecast's kept history."""
    forecast_kept.create(conn)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    lambda conn: run_script(conn, SCHEMA_V1),
    migrate_v2,
    migrate_v3,
    migrate_v4,
    migrate_v5,
    migrate_v6,
    migrate_v7,
    migrate_v8,
    migrate_v9,
]

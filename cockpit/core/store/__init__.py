"""The one door to the database: schema, migrations, typed reads and one function per write action.

Every write action runs in one ``BEGIN IMMEDIATE`` transaction that also writes its audit row, so an action is
either wholly in the database or not at all. Reads run in short transactions that end before the call returns: an
open reader would stop WAL checkpoints on a shared server.

Times are stored as Unix epoch seconds (UTC); money as integer minor units (cents, or won for KRW).
"""

from __future__ import annotations

import getpass
import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from cockpit.core.config import DEFAULT_STAGES
from cockpit.core.errors import (
    BusyError,
    NotFoundError,
    ReadOnlyError,
    StoreError,
    ValidationError,
)

SCHEMA_VERSION = 3
ACTIVITY_KINDS = ("call", "email", "meeting", "linkedin", "note")
#: The kinds the logging keys and `cockpit log` write, and the outcomes they offer.
LOGGABLE_KINDS = ("call", "email", "meeting")
OUTCOMES = ("connected", "voicemail", "no answer", "meeting booked", "not interested", "wrong number")
ROLES = ("rep", "manager")
COST_CATEGORIES = ("marketing", "sales")
MAX_AMOUNT = 10**15  # minor units: ten trillion major units is not a sale, it is a typo
MIN_TS = 0  # 1970-01-01
MAX_TS = 4102444800  # 2100-01-01
BUSY_TIMEOUT_MS = 5000
WRITE_RETRIES = 4

_SCHEMA_V1 = """
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
-- Covering indexes for the KPI GROUP BYs (see kpi.py): each names the columns its query reads.
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
def _run_script(conn: sqlite3.Connection, script: str) -> None:
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


def _migrate_v2(conn: sqlite3.Connection) -> None:
    # Statement by statement: trigger bodies hold semicolons, so _run_script's split would cut them.
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


def _change_triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) of each trigger that counts row changes in kpi_changes."""
    triggers = []
    for table in _KPI_TABLES_V3:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"kpi_changes_{table}_{event.lower()}"
            when = f"UPDATE OF {_DEAL_COUNTED_COLUMNS_V3}" if (table, event) == ("deals", "UPDATE") else event
            triggers.append(
                (name, f"CREATE TRIGGER {name} AFTER {when} ON {table} BEGIN UPDATE kpi_changes SET n = n + 1; END")
            )
    return triggers


def change_trigger_count(conn: sqlite3.Connection) -> int:
    """How many of the counting triggers of kpi_changes the database has (all of them: CHANGE_TRIGGERS)."""
    return conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'kpi\\_changes\\_%' ESCAPE '\\'"
    ).fetchone()[0]


CHANGE_TRIGGERS = len(_change_triggers())


def _migrate_v3(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE kpi_changes (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)")
    conn.execute("INSERT INTO kpi_changes (id, n) VALUES (1, 0)")
    for _name, create in _change_triggers():
        conn.execute(create)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('db_id', lower(hex(randomblob(16))))")
    conn.execute(ACTIVITIES_DEAL_TOUCH)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("ANALYZE activities_deal_touch")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    lambda conn: _run_script(conn, _SCHEMA_V1),
    _migrate_v2,
    _migrate_v3,
]


# ---------------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Rep:
    """A sales rep (or manager) as read from ``reps``; ``unix_login`` ties a Unix account to the rep."""

    id: int
    name: str
    team: str
    region: str
    unix_login: str | None
    role: str
    active: bool


@dataclass(frozen=True)
class Account:
    """A customer account."""

    id: int
    name: str
    segment: str
    lead_source: str


@dataclass(frozen=True)
class Deal:
    """A deal with its account and owner's names; money in minor units, times in Unix seconds."""

    id: int
    external_id: str | None
    title: str
    account_id: int | None
    account: str | None
    rep_id: int
    rep: str
    amount: int
    stage: str
    probability: float
    source: str
    product: str
    created_at: int
    qualified_at: int | None
    expected_close: int | None
    closed_at: int | None
    lost_reason: str | None
    updated_at: int
    voided_at: int | None


@dataclass(frozen=True)
class Activity:
    """A call, email, meeting or note with its rep, deal and account names; times in Unix seconds."""

    id: int
    kind: str
    rep_id: int
    rep: str
    deal_id: int | None
    deal: str | None
    account_id: int | None
    account: str | None
    outcome: str
    duration_s: int | None
    at: int
    note: str
    follow_up_at: int | None
    follow_up_done_at: int | None
    voided_at: int | None


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: its order, default win probability, and whether a deal in it is still open."""

    name: str
    position: int
    probability: float
    is_open: bool


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log: who changed which row how (old and new values), and the undo that reverted it."""

    id: int
    unix_user: str
    at: int
    action: str
    table_name: str
    row_id: int | None
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    undone_by: int | None


_DEAL_SELECT = """
SELECT d.id, d.external_id, d.title, d.account_id, a.name AS account, d.rep_id, r.name AS rep, d.amount,
       d.stage, d.probability, d.source, d.product, d.created_at, d.qualified_at, d.expected_close,
       d.closed_at, d.lost_reason, d.updated_at, d.voided_at
FROM deals d JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id
"""

_ACTIVITY_SELECT = """
SELECT x.id, x.kind, x.rep_id, r.name AS rep, x.deal_id, d.title AS deal, x.account_id, a.name AS account,
       x.outcome, x.duration_s, x.at, x.note, x.follow_up_at, x.follow_up_done_at, x.voided_at
FROM activities x JOIN reps r ON r.id = x.rep_id
LEFT JOIN deals d ON d.id = x.deal_id
LEFT JOIN accounts a ON a.id = COALESCE(x.account_id, d.account_id)
"""


def _rep(row: sqlite3.Row) -> Rep:
    return Rep(
        id=row["id"],
        name=row["name"],
        team=row["team"],
        region=row["region"],
        unix_login=row["unix_login"],
        role=row["role"],
        active=bool(row["active"]),
    )


def _deal(row: sqlite3.Row) -> Deal:
    return Deal(**{k: row[k] for k in row.keys()})  # noqa: SIM118 - sqlite3.Row has no __iter__ over keys


def _activity(row: sqlite3.Row) -> Activity:
    return Activity(**{k: row[k] for k in row.keys()})  # noqa: SIM118


def current_unix_user() -> str:
    """The login name of the person running this process (what the audit log records)."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to the uid
        return f"uid{os.getuid()}"


def _check_text(value: str | None, what: str, *, required: bool = False, max_len: int = 10_000) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"{what} must not be empty")
    if len(text) > max_len:
        raise ValidationError(f"{what} is longer than {max_len} characters")
    return text


def _check_amount(amount: int, what: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError(f"{what} must be a whole number of minor units, not {amount!r}")
    if amount < 0:
        raise ValidationError(f"{what} must not be negative ({amount})")
    if amount > MAX_AMOUNT:
        raise ValidationError(f"{what} {amount} is absurdly large")
    return amount


#: How far past the store's clock the moment of something done may lie: a call logged "at 14:30" at 14:20.
FUTURE_SLACK_S = 15 * 60


def lies_ahead(ts: float, now: float) -> bool:
    """Whether the moment ``ts`` of something done lies past ``now`` by more than the slack (epoch seconds)."""
    return ts > now + FUTURE_SLACK_S


def _check_ts(ts: int | None, what: str) -> int | None:
    if ts is None:
        return None
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise ValidationError(f"{what} must be a moment (epoch seconds), not {ts!r}")
    if not MIN_TS <= ts < MAX_TS:
        raise ValidationError(f"{what} must lie between 1970 and 2100")
    return int(ts)


def _check_month(month: str) -> str:
    text = (month or "").strip()
    try:
        year, mon = text.split("-")
        if len(year) != 4 or len(mon) != 2 or not 1 <= int(mon) <= 12 or not 1970 <= int(year) < 2100:
            raise ValueError
    except ValueError:
        raise ValidationError(f"month {month!r} must look like YYYY-MM") from None
    return text


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError:
        return False
    return header == b"SQLite format 3\x00" or header == b""


def _why_not_writable(path: Path) -> str | None:
    """Why this user could not write the database, or None. WAL needs the folder and any -wal/-shm writable too."""
    if not os.access(path, os.W_OK):
        return f"{path} is read-only for you"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"folder {path.parent} is not writable for you"
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists() and not os.access(side, os.W_OK):
            return f"{side} is not writable for you (run: cockpit check {path})"
    return None


#: The orders Store.deals() accepts, and the SQL of each (a fixed set: nothing from a caller reaches the SQL).
_DEAL_ORDERS = {"updated": "d.updated_at ASC, d.id ASC", "id": "d.id ASC", "newest": "d.id DESC"}


class Store:
    """A cockpit database.

    One ``sqlite3`` connection guarded by a lock, so UI worker threads may share it; each process has its own
    Store. ``now`` is the clock (epoch seconds) used for audit and created/updated times, injectable for tests.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        readonly: bool = False,
        user: str | None = None,
        now: Callable[[], float] | None = None,
        stages: Sequence[tuple[str, float]] = DEFAULT_STAGES,
    ) -> None:
        self.path = Path(path)
        self.user = user or current_unix_user()
        self.clock = now or time.time
        self.readonly_reason: str | None = None
        self._lock = threading.RLock()
        self._db: sqlite_utils.Database | None = None
        self._open(create=create, readonly=readonly, stages=stages)

    # ------------------------------------------------------------------------------------------- opening

    def _open(self, *, create: bool, readonly: bool, stages: Sequence[tuple[str, float]]) -> None:
        path = self.path
        if path.is_dir():
            raise StoreError(f"{path} is a directory, not a cockpit database")
        if not path.exists():
            if not create:
                raise StoreError(f"no database at {path} (create one with: cockpit init {path})")
            if not path.parent.exists():
                raise StoreError(f"cannot create {path}: folder {path.parent} does not exist")
        elif not os.access(path, os.R_OK):
            raise StoreError(f"cannot read {path}: permission denied")
        elif not _looks_like_sqlite(path):
            raise StoreError(f"{path} is not a SQLite database")
        if path.exists() and not readonly:
            reason = _why_not_writable(path)
            if reason:
                readonly, self.readonly_reason = True, reason
        try:
            conn = self._connect(readonly)
        except sqlite3.DatabaseError as exc:
            raise _operational(path, exc, opening=True) from None
        self.conn = conn
        if self._version > SCHEMA_VERSION:
            if not readonly:
                conn.close()
                self._open(create=False, readonly=True, stages=stages)
            self.readonly = True
            self.readonly_reason = (
                f"{path} was written by a newer cockpit (schema {self._version} > {SCHEMA_VERSION}); opened read-only"
            )
            return
        if self._version < SCHEMA_VERSION:
            if readonly:
                conn.close()
                if self._version == 0 and not self._has_tables:
                    raise StoreError(f"{path} is empty and read-only (create a database with: cockpit init {path})")
                if self._version == 0:
                    raise StoreError(f"{path} is a SQLite database but not a cockpit one")
                raise StoreError(f"{path} needs a schema upgrade but is read-only")
            if self._version == 0 and self._has_tables:
                conn.close()
                raise StoreError(f"{path} is a SQLite database but not a cockpit one")
        if not readonly:
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise _operational(path, exc, opening=True) from None
            if mode.lower() != "wal":
                conn.close()
                raise StoreError(f"{path} refused WAL journaling (mode {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            if self._version < SCHEMA_VERSION:
                self._migrate(stages)
            else:
                self._restore_change_triggers()
        self.readonly = readonly
        if readonly and self.readonly_reason is None:
            self.readonly_reason = "opened read-only"

    def _connect(self, readonly: bool) -> sqlite3.Connection:
        # Part of _open: connect, set the pragmas, and read enough (version, schema) to know the file is sound.
        path = self.path
        attempts = (
            [f"file:{path.resolve()}?mode=ro", f"file:{path.resolve()}?mode=ro&immutable=1"] if readonly else [None]
        )
        for uri in attempts:
            if uri is None:
                conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            else:
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA foreign_keys = ON")
                self._version = conn.execute("PRAGMA user_version").fetchone()[0]
                self._has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
                if uri and "immutable" in uri:
                    # A WAL database in a folder we cannot write, with no -shm beside it (nobody has it open):
                    # SQLite can only read it as immutable, so others' later commits show after a restart.
                    self.readonly_reason = (
                        f"{self.readonly_reason or 'opened read-only'}; others' changes show after a restart"
                    )
                return conn
            except sqlite3.DatabaseError as exc:
                conn.close()
                text = str(exc)
                retry = uri is not None and "immutable" not in uri and ("readonly" in text or "unable to open" in text)
                if not retry or path.with_name(path.name + "-wal").exists():
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def db(self) -> sqlite_utils.Database:
        """The same connection through sqlite-utils (streaming dict rows for exports and scripts)."""
        import sqlite_utils  # lazy: ~30 ms the cockpit's first frame does not need

        if self._db is None:
            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _has_foreign_tables(self) -> bool:
        return self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0

    def _migrate(self, stages: Sequence[tuple[str, float]]) -> None:
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                current = self.conn.execute("PRAGMA user_version").fetchone()[0]
                for step in range(current, SCHEMA_VERSION):
                    MIGRATIONS[step](self.conn)
                    if step == 0:
                        self._seed_stages(stages)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot prepare {self.path}: {exc}") from None

    def _restore_change_triggers(self) -> None:
        # Someone dropped a counting trigger (the sqlite3 shell): put it back, and move the count, since changes
        # made meanwhile were not counted: every KPI cache of this database starts over.
        if change_trigger_count(self.conn) == CHANGE_TRIGGERS:
            return
        with self._lock:
            try:
                self._begin_immediate()
                for _name, create in _change_triggers():
                    self.conn.execute(create.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
                self.conn.execute("UPDATE kpi_changes SET n = n + 1")
                self.conn.execute("COMMIT")
            except (sqlite3.Error, StoreError) as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot prepare {self.path}: {exc}") from None

    def _seed_stages(self, stages: Sequence[tuple[str, float]]) -> None:
        for position, (name, probability) in enumerate(stages):
            self.conn.execute(
                "INSERT INTO stages (name, position, probability, is_open) VALUES (?, ?, ?, ?)",
                (name, position, probability, int(name not in ("won", "lost"))),
            )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- transactions

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries; the read transaction ends when the block does."""
        with self._lock:
            try:
                self.conn.execute("BEGIN")
            except sqlite3.DatabaseError as exc:
                raise _operational(self.path, exc) from None
            failed = True
            try:
                yield self.conn
                failed = False
            except sqlite3.DatabaseError as exc:
                # A damaged page or a failing disk is the user's one-line error; a bad query is our bug.
                mapped = _operational(self.path, exc)
                if type(mapped) is StoreError and mapped.args[0].startswith("database error"):
                    raise
                raise mapped from None
            finally:
                if self.conn.in_transaction:
                    try:
                        self.conn.execute("COMMIT")
                    except sqlite3.DatabaseError as exc:
                        # Ending a read loses nothing: drop the snapshot; report it unless an error already is.
                        if self.conn.in_transaction:
                            self.conn.rollback()
                        if not failed:
                            raise _operational(self.path, exc) from None  # noqa: B012 - only when none pending

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Run one read query in its own short transaction."""
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                # As in read(): a damaged page or a failing disk is a one-line error; a bad query is our bug.
                mapped = _operational(self.path, exc)
                if type(mapped) is StoreError and mapped.args[0].startswith("database error"):
                    raise
                raise mapped from None

    def data_version(self) -> int:
        """Changes when another connection commits (PRAGMA data_version): the cheap poll for live refresh."""
        with self._lock:
            return self.conn.execute("PRAGMA data_version").fetchone()[0]

    @contextmanager
    def write(self, action: str) -> Iterator[_Tx]:
        """One write action: BEGIN IMMEDIATE (retried with jitter while locked), audit rows, COMMIT.

        On any failure the transaction is rolled back, so nothing of the action is written: ValidationError for
        refused input, BusyError when locked past the retries, ReadOnlyError, or a StoreError (disk full, damage).
        """
        if self.readonly:
            raise ReadOnlyError(f"cannot write: {self.readonly_reason}")
        with self._lock:
            self._begin_immediate()
            tx = _Tx(self, action)
            try:
                yield tx
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    try:  # noqa: SIM105 - the comment below says why it is ignored
                        self.conn.execute("ROLLBACK")
                    except sqlite3.DatabaseError:
                        pass  # SQLite already rolled back (e.g. after SQLITE_FULL); the original error matters
                if isinstance(exc, sqlite3.IntegrityError):
                    raise ValidationError(f"{action} refused: {exc}") from None
                if isinstance(exc, sqlite3.DatabaseError):
                    raise _operational(self.path, exc) from None
                raise

    def _begin_immediate(self) -> None:
        # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes gets
        # SQLITE_BUSY at once, whatever the busy timeout. Past the 5 s timeout we still retry with jitter, so
        # writers that collided back off at different moments instead of colliding again.
        for attempt in range(WRITE_RETRIES):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.DatabaseError as exc:
                error = _operational(self.path, exc)
                if not isinstance(error, BusyError):
                    raise error from None
                if attempt == WRITE_RETRIES - 1:
                    raise error from None
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))

    # -------------------------------------------------------------------------------------------- reads

    def meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    @property
    def is_demo(self) -> bool:
        return self.meta("demo") == "1"

    def stages(self) -> list[Stage]:
        rows = self.query("SELECT name, position, probability, is_open FROM stages ORDER BY position")
        return [Stage(r["name"], r["position"], r["probability"], bool(r["is_open"])) for r in rows]

    def stage_probability(self, stage: str) -> float:
        rows = self.query("SELECT probability FROM stages WHERE name = ?", (stage,))
        if not rows:
            names = ", ".join(s.name for s in self.stages())
            raise ValidationError(f"unknown stage {stage!r} (stages: {names})")
        return rows[0]["probability"]

    def reps(self, *, team: str | None = None, active_only: bool = False) -> list[Rep]:
        sql = "SELECT * FROM reps WHERE 1=1"
        params: list[Any] = []
        if team:
            sql += " AND team = ? COLLATE NOCASE"
            params.append(team)
        if active_only:
            sql += " AND active = 1"
        return [_rep(r) for r in self.query(sql + " ORDER BY name", params)]

    def teams(self) -> list[str]:
        return [r[0] for r in self.query("SELECT DISTINCT team FROM reps WHERE team != '' ORDER BY team")]

    def rep(self, rep_id: int) -> Rep:
        rows = self.query("SELECT * FROM reps WHERE id = ?", (rep_id,))
        if not rows:
            raise NotFoundError(f"no rep with id {rep_id}")
        return _rep(rows[0])

    def rep_by_name(self, name: str) -> Rep:
        """Find a rep by name (case-insensitive) or Unix login."""
        rows = self.query(
            "SELECT * FROM reps WHERE name = ? COLLATE NOCASE OR unix_login = ? ORDER BY name = ? DESC",
            (name.strip(), name.strip(), name.strip()),
        )
        if not rows:
            raise NotFoundError(f"no rep named {name!r}")
        return _rep(rows[0])

    def rep_by_login(self, login: str) -> Rep | None:
        rows = self.query("SELECT * FROM reps WHERE unix_login = ?", (login,))
        return _rep(rows[0]) if rows else None

    def account(self, account_id: int) -> Account:
        rows = self.query("SELECT id, name, segment, lead_source FROM accounts WHERE id = ?", (account_id,))
        if not rows:
            raise NotFoundError(f"no account with id {account_id}")
        return Account(**dict(rows[0]))

    def account_by_name(self, name: str) -> Account | None:
        rows = self.query(
            "SELECT id, name, segment, lead_source FROM accounts WHERE name = ? COLLATE NOCASE",
            (name.strip(),),
        )
        return Account(**dict(rows[0])) if rows else None

    def deal(self, deal_id: int) -> Deal:
        rows = self.query(_DEAL_SELECT + " WHERE d.id = ?", (deal_id,))
        if not rows:
            raise NotFoundError(f"no deal with id {deal_id}")
        return _deal(rows[0])

    def deals(
        self,
        *,
        rep_id: int | None = None,
        stage: str | None = None,
        open_only: bool = False,
        account_id: int | None = None,
        order: str = "updated",
        limit: int = 100,
        offset: int = 0,
    ) -> list[Deal]:
        """Deals, not voided: by last change, oldest first (``order="updated"``, so the longest-idle come first),
        by id (``order="id"``), or newest first (``order="newest"``)."""
        if order not in _DEAL_ORDERS:
            raise ValueError(f"unknown deal order {order!r} (orders: {', '.join(_DEAL_ORDERS)})")
        sql = _DEAL_SELECT + " WHERE d.voided_at IS NULL"
        params: list[Any] = []
        if rep_id is not None:
            sql += " AND d.rep_id = ?"
            params.append(rep_id)
        if stage:
            sql += " AND d.stage = ?"
            params.append(stage)
        if open_only:
            sql += " AND d.stage NOT IN ('won', 'lost')"
        if account_id is not None:
            sql += " AND d.account_id = ?"
            params.append(account_id)
        sql += f" ORDER BY {_DEAL_ORDERS[order]} LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [_deal(r) for r in self.query(sql, params)]

    def activity(self, activity_id: int) -> Activity:
        rows = self.query(_ACTIVITY_SELECT + " WHERE x.id = ?", (activity_id,))
        if not rows:
            raise NotFoundError(f"no activity with id {activity_id}")
        return _activity(rows[0])

    def activities(
        self,
        *,
        rep_id: int | None = None,
        deal_id: int | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Activity]:
        """Latest activities first, voided ones left out."""
        sql = _ACTIVITY_SELECT + " WHERE x.voided_at IS NULL"
        params: list[Any] = []
        if rep_id is not None:
            sql += " AND x.rep_id = ?"
            params.append(rep_id)
        if deal_id is not None:
            sql += " AND x.deal_id = ?"
            params.append(deal_id)
        if kind:
            sql += " AND x.kind = ?"
            params.append(kind)
        sql += " ORDER BY x.at DESC, x.id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [_activity(r) for r in self.query(sql, params)]

    def follow_ups_due(self, *, until: int, rep_id: int | None = None, limit: int = 100) -> list[Activity]:
        """Open follow-ups due before ``until`` (overdue and today's), earliest first."""
        sql = (
            _ACTIVITY_SELECT
            + " WHERE x.follow_up_at IS NOT NULL AND x.follow_up_at < ? AND x.follow_up_done_at IS NULL"
            + " AND x.voided_at IS NULL"
        )
        params: list[Any] = [until]
        if rep_id is not None:
            sql += " AND x.rep_id = ?"
            params.append(rep_id)
        sql += " ORDER BY x.follow_up_at LIMIT ?"
        params.append(limit)
        return [_activity(r) for r in self.query(sql, params)]

    def audit(self, *, limit: int = 50, user: str | None = None) -> list[AuditEntry]:
        sql = "SELECT * FROM audit_log"
        params: list[Any] = []
        if user:
            sql += " WHERE unix_user = ?"
            params.append(user)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        out = []
        for r in self.query(sql, params):
            out.append(
                AuditEntry(
                    id=r["id"],
                    unix_user=r["unix_user"],
                    at=r["at"],
                    action=r["action"],
                    table_name=r["table_name"],
                    row_id=r["row_id"],
                    old_values=json.loads(r["old_values"]) if r["old_values"] else None,
                    new_values=json.loads(r["new_values"]) if r["new_values"] else None,
                    undone_by=r["undone_by"],
                )
            )
        return out

    def latest_activity_ts(self) -> int | None:
        """The latest recorded moment (a closed deal, a creation or an activity), to anchor an archive's report."""
        row = self.query(
            """SELECT max(m) FROM (
                 SELECT max(at) AS m FROM activities WHERE voided_at IS NULL
                 UNION ALL SELECT max(closed_at) FROM deals WHERE voided_at IS NULL
                 UNION ALL SELECT max(created_at) FROM deals WHERE voided_at IS NULL)"""
        )[0]
        return row[0]

    # ------------------------------------------------------------------------------------------- writes

    def set_meta(self, key: str, value: str) -> None:
        with self.write("set meta") as tx:
            old = tx.one("SELECT value FROM meta WHERE key = ?", (key,))
            tx.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
            tx.audit("meta", None, {"key": key, "value": old[0] if old else None}, {"key": key, "value": value})

    def add_rep(
        self,
        name: str,
        *,
        team: str = "",
        region: str = "",
        unix_login: str | None = None,
        role: str = "rep",
        active: bool = True,
    ) -> int:
        """Add a rep; returns its id."""
        values = _rep_values(name, team, region, unix_login, role, active)
        values["created_at"] = int(self.clock())
        with self.write("add rep") as tx:
            if tx.one("SELECT id FROM reps WHERE name = ? COLLATE NOCASE", (values["name"],)):
                raise ValidationError(f"a rep named {values['name']!r} already exists")
            return tx.insert("reps", values)

    def update_rep(self, rep_id: int, **changes: Any) -> None:
        """Change a rep's name, team, region, unix_login, role or active flag (manager action)."""
        allowed = {"name", "team", "region", "unix_login", "role", "active"}
        if unknown := set(changes) - allowed:
            raise ValidationError(f"cannot change {', '.join(sorted(unknown))} of a rep")
        with self.write("edit rep") as tx:
            current = tx.row("reps", rep_id)
            merged = {k: current[k] for k in allowed} | changes
            values = _rep_values(
                merged["name"],
                merged["team"],
                merged["region"],
                merged["unix_login"],
                merged["role"],
                bool(merged["active"]),
            )
            tx.update("reps", rep_id, {k: values[k] for k in changes})

    def add_account(self, name: str, *, segment: str = "", lead_source: str = "") -> int:
        """Add an account; returns its id. Names are unique, case-insensitively."""
        with self.write("add account") as tx:
            return tx.account(name, segment=segment, lead_source=lead_source, create_only=True)

    def check_done(self, ts: int | None, what: str) -> int | None:
        """A moment at which something happened (a call, a stage move, a win): not later than now (and the slack).

        What is still to come is planned as a follow-up or an expected close, both of which may lie ahead."""
        when = _check_ts(ts, what)
        if when is not None and lies_ahead(when, self.clock()):
            raise ValidationError(f"{what} is in the future; log it once it has happened")
        return when

    def add_deal(
        self,
        *,
        rep_id: int,
        title: str,
        amount: int,
        account_id: int | None = None,
        account: str | None = None,
        stage: str | None = None,
        probability: float | None = None,
        source: str = "",
        product: str = "",
        created_at: int | None = None,
        expected_close: int | None = None,
        closed_at: int | None = None,
        qualified_at: int | None = None,
        lost_reason: str | None = None,
        external_id: str | None = None,
    ) -> int:
        """Add a deal with its first stage-history row; ``account`` (a name) is created when unknown."""
        created = self.check_done(created_at if created_at is not None else int(self.clock()), "created date")
        self.check_done(closed_at, "close date")
        self.check_done(qualified_at, "qualified date")
        with self.write("add deal") as tx:
            values = tx.deal_values(
                rep_id=rep_id,
                title=title,
                amount=amount,
                account_id=account_id,
                account=account,
                stage=stage,
                probability=probability,
                source=source,
                product=product,
                created_at=created,
                expected_close=expected_close,
                closed_at=closed_at,
                qualified_at=qualified_at,
                lost_reason=lost_reason,
                external_id=external_id,
            )
            deal_id = tx.insert("deals", values)
            tx.history(deal_id, None, values["stage"], created)
            return deal_id

    def move_deal(
        self,
        deal_id: int,
        stage: str,
        *,
        at: int | None = None,
        reason: str | None = None,
        probability: float | None = None,
        from_stage: str | None = None,
    ) -> None:
        """Move a deal to another stage (won, lost with a reason, or an open stage), with its stage history.

        ``from_stage``: the stage the deal must still be in (as a form showed it), checked in the transaction."""
        when = self.check_done(at if at is not None else int(self.clock()), "stage date")
        with self.write(f"move deal to {stage}") as tx:
            deal = tx.row("deals", deal_id)
            if deal["voided_at"] is not None:
                raise ValidationError(f"deal {deal_id} is voided; restore it first")
            if from_stage is not None and deal["stage"] != from_stage:
                raise ValidationError(f"deal #{deal_id} was moved meanwhile (now {deal['stage']}): reopen it")
            target = tx.stage(stage)
            if target["name"] == deal["stage"]:
                raise ValidationError(f"deal {deal_id} is already {stage}")
            changes: dict[str, Any] = {
                "stage": target["name"],
                "probability": target["probability"] if probability is None else _check_prob(probability),
                "updated_at": int(self.clock()),
            }
            if target["name"] == "lost":
                changes["lost_reason"] = _check_text(reason, "lost reason", required=True, max_len=500)
            else:
                changes["lost_reason"] = None
            if target["is_open"]:
                changes["closed_at"] = None
            else:
                if when < deal["created_at"]:
                    raise ValidationError("a deal cannot close before it was created")
                changes["closed_at"] = when
            # A deal is qualified the first time it leaves `lead` for anything but `lost`.
            if deal["qualified_at"] is None and target["name"] not in ("lead", "lost"):
                changes["qualified_at"] = when
            tx.update("deals", deal_id, changes)
            tx.history(deal_id, deal["stage"], target["name"], when)

    def edit_deal(self, deal_id: int, *, expect: dict[str, Any] | None = None, **changes: Any) -> None:
        """Change a deal's fields (not its stage: use move_deal). The audit row keeps the old values.

        ``expect``: column values the deal must still have (as a form showed them), checked in the write's
        transaction; when another user changed one since, nothing is written and the refusal says what changed."""
        allowed = {
            "title",
            "amount",
            "account_id",
            "rep_id",
            "probability",
            "source",
            "product",
            "expected_close",
            "external_id",
        }
        if unknown := set(changes) - allowed:
            raise ValidationError(f"cannot edit {', '.join(sorted(unknown))} of a deal")
        if not changes:
            raise ValidationError("nothing to change: name a field of the deal to edit")
        if "title" in changes:
            changes["title"] = _check_text(changes["title"], "title", required=True, max_len=500)
        if "amount" in changes:
            changes["amount"] = _check_amount(changes["amount"])
        if "probability" in changes:
            changes["probability"] = _check_prob(changes["probability"])
        if "expected_close" in changes:
            changes["expected_close"] = _check_ts(changes["expected_close"], "expected close")
        with self.write("edit deal") as tx:
            deal = tx.row("deals", deal_id)
            if deal["voided_at"] is not None:
                raise ValidationError(f"deal {deal_id} is voided; restore it first")
            for column, seen in (expect or {}).items():
                if deal[column] != seen:
                    what = f"now {deal['stage']}" if column == "stage" else column.removesuffix("_id")
                    raise ValidationError(f"deal #{deal_id} was changed meanwhile ({what}): reopen it")
            if "rep_id" in changes:
                tx.row("reps", changes["rep_id"])
            if changes.get("account_id") is not None:
                tx.row("accounts", changes["account_id"])
            tx.update("deals", deal_id, changes | {"updated_at": int(self.clock())})

    def log_activity(
        self,
        *,
        kind: str,
        rep_id: int,
        deal_id: int | None = None,
        account_id: int | None = None,
        outcome: str = "",
        duration_s: int | None = None,
        at: int | None = None,
        note: str = "",
        follow_up_at: int | None = None,
        external_id: str | None = None,
    ) -> int:
        """Log a call, email, meeting, LinkedIn touch or note; returns its id. Touches the deal's idle clock."""
        if kind not in ACTIVITY_KINDS:
            raise ValidationError(f"unknown activity kind {kind!r} (kinds: {', '.join(ACTIVITY_KINDS)})")
        if duration_s is not None and not 0 <= duration_s <= 86_400:
            raise ValidationError("duration must be between 0 and 24 hours")
        when = self.check_done(at if at is not None else int(self.clock()), "activity date")
        values = {
            "kind": kind,
            "rep_id": rep_id,
            "deal_id": deal_id,
            "account_id": account_id,
            "outcome": _check_text(outcome, "outcome", max_len=100),
            "duration_s": duration_s,
            "at": when,
            "note": _check_text(note, "note", max_len=100_000),
            "follow_up_at": _check_ts(follow_up_at, "follow-up date"),
            "created_at": int(self.clock()),
            "external_id": (external_id or None),
        }
        with self.write(f"log {kind}") as tx:
            if not tx.one("SELECT 1 FROM reps WHERE id = ?", (rep_id,)):
                raise NotFoundError(f"no rep with id {rep_id}")
            if deal_id is not None:
                deal = tx.row("deals", deal_id)
                if account_id is None:
                    values["account_id"] = deal["account_id"]
                tx.conn.execute(
                    "UPDATE deals SET updated_at = max(updated_at, ?) WHERE id = ?",
                    (values["created_at"], deal_id),
                )
            elif account_id is not None:
                tx.row("accounts", account_id)
            return tx.insert("activities", values)

    def complete_follow_up(self, activity_id: int, *, at: int | None = None) -> None:
        with self.write("complete follow-up") as tx:
            row = tx.row("activities", activity_id)
            if row["follow_up_at"] is None:
                raise ValidationError(f"activity {activity_id} has no follow-up")
            tx.update("activities", activity_id, {"follow_up_done_at": int(at or self.clock())})

    def edit_activity(self, activity_id: int, **changes: Any) -> None:
        allowed = {"outcome", "duration_s", "at", "note", "follow_up_at", "deal_id", "account_id", "kind"}
        if unknown := set(changes) - allowed:
            raise ValidationError(f"cannot edit {', '.join(sorted(unknown))} of an activity")
        if "kind" in changes and changes["kind"] not in ACTIVITY_KINDS:
            raise ValidationError(f"unknown activity kind {changes['kind']!r}")
        if "at" in changes:
            changes["at"] = self.check_done(changes["at"], "activity date")
        if "follow_up_at" in changes:
            changes["follow_up_at"] = _check_ts(changes["follow_up_at"], "follow-up date")
        with self.write("edit activity") as tx:
            tx.row("activities", activity_id)
            tx.update("activities", activity_id, changes)

    def void(self, table: str, row_id: int, *, reason: str) -> None:
        """Void a deal or an activity: kept, left out of KPIs, restorable."""
        if table not in ("deals", "activities"):
            raise ValidationError(f"only deals and activities can be voided, not {table}")
        why = _check_text(reason, "void reason", required=True, max_len=500)
        with self.write(f"void {table[:-1] if table == 'deals' else 'activity'}") as tx:
            row = tx.row(table, row_id)
            if row["voided_at"] is not None:
                raise ValidationError(f"{_row_name(table, row_id)} is already voided")
            tx.update(table, row_id, {"voided_at": int(self.clock()), "void_reason": why})

    def restore(self, table: str, row_id: int) -> None:
        """Undo a void."""
        if table not in ("deals", "activities"):
            raise ValidationError(f"only deals and activities can be restored, not {table}")
        with self.write("restore") as tx:
            row = tx.row(table, row_id)
            if row["voided_at"] is None:
                raise ValidationError(f"{_row_name(table, row_id)} is not voided")
            tx.update(table, row_id, {"voided_at": None, "void_reason": None})

    def set_cost(self, *, month: str, category: str, amount: int, channel: str = "") -> int:
        """Set (insert or replace) a monthly cost entry; returns its id."""
        if category not in COST_CATEGORIES:
            raise ValidationError(f"cost category must be marketing or sales, not {category!r}")
        values = {
            "month": _check_month(month),
            "category": category,
            "channel": _check_text(channel, "channel", max_len=100),
            "amount": _check_amount(amount),
        }
        with self.write("set cost") as tx:
            existing = tx.one(
                "SELECT id FROM costs WHERE month = ? AND category = ? AND channel = ?",
                (values["month"], category, values["channel"]),
            )
            if existing:
                tx.update("costs", existing[0], {"amount": values["amount"]})
                return existing[0]
            return tx.insert("costs", values)

    def set_quota(self, *, month: str, amount: int, rep_id: int | None = None, team: str | None = None) -> int:
        """Set a monthly quota for one rep or one team; returns its id."""
        if (rep_id is None) == (team is None):
            raise ValidationError("a quota is for one rep or one team")
        values = {
            "month": _check_month(month),
            "amount": _check_amount(amount),
            "rep_id": rep_id,
            "team": _check_text(team, "team", required=True) if team is not None else None,
        }
        with self.write("set quota") as tx:
            if rep_id is not None:
                tx.row("reps", rep_id)
                existing = tx.one("SELECT id FROM quotas WHERE rep_id = ? AND month = ?", (rep_id, values["month"]))
            else:
                existing = tx.one(
                    "SELECT id FROM quotas WHERE team = ? AND month = ?", (values["team"], values["month"])
                )
            if existing:
                tx.update("quotas", existing[0], {"amount": values["amount"]})
                return existing[0]
            return tx.insert("quotas", values)

    def undo_last(self, *, user: str | None = None) -> AuditEntry:
        """Undo the user's latest action that is not itself an undo or already undone; the undo is audited too."""
        who = user or self.user
        with self.write("undo") as tx:
            rows = tx.conn.execute(
                "SELECT * FROM audit_log WHERE unix_user = ? AND undone_by IS NULL AND action NOT LIKE 'undo%'"
                " AND action != 'set meta' ORDER BY id DESC LIMIT 20",
                (who,),
            ).fetchall()
            if not rows:
                raise ValidationError("nothing to undo")
            # One action may have written several audit rows (one batch): undo them together, newest first.
            group = tx.conn.execute(
                "SELECT * FROM audit_log WHERE batch = ? ORDER BY id DESC", (rows[0]["batch"],)
            ).fetchall()
            for entry in group:
                tx.revert(entry)
            undo_id = tx.audit(
                "audit_log",
                group[0]["id"],
                None,
                {"undid": [e["id"] for e in group]},
                action=f"undo {group[0]['action']}",
            )
            tx.conn.execute(
                f"UPDATE audit_log SET undone_by = ? WHERE id IN ({','.join('?' * len(group))})",
                (undo_id, *[e["id"] for e in group]),
            )
        return self.audit(limit=1, user=who)[0]

    # Added for logging (issue 4): reads for completion and an activity that may create its account.

    def account_names(self) -> list[str]:
        """Every account name, alphabetically (for completion in forms and quick entry)."""
        return [r[0] for r in self.query("SELECT name FROM accounts ORDER BY name COLLATE NOCASE")]

    def log_activity_for_account(
        self,
        *,
        kind: str,
        rep_id: int,
        account: str,
        deal_id: int | None = None,
        outcome: str = "",
        duration_s: int | None = None,
        at: int | None = None,
        note: str = "",
        follow_up_at: int | None = None,
    ) -> int:
        """Log an activity on the account of that name, creating the account in the same transaction if unknown."""
        if kind not in ACTIVITY_KINDS:
            raise ValidationError(f"unknown activity kind {kind!r} (kinds: {', '.join(ACTIVITY_KINDS)})")
        if duration_s is not None and not 0 <= duration_s <= 86_400:
            raise ValidationError("duration must be between 0 and 24 hours")
        values = {
            "kind": kind,
            "rep_id": rep_id,
            "deal_id": deal_id,
            "outcome": _check_text(outcome, "outcome", max_len=100),
            "duration_s": duration_s,
            "at": self.check_done(at if at is not None else int(self.clock()), "activity date"),
            "note": _check_text(note, "note", max_len=100_000),
            "follow_up_at": _check_ts(follow_up_at, "follow-up date"),
            "created_at": int(self.clock()),
        }
        with self.write(f"log {kind}") as tx:
            if not tx.one("SELECT 1 FROM reps WHERE id = ?", (rep_id,)):
                raise NotFoundError(f"no rep with id {rep_id}")
            values["account_id"] = tx.account(account)
            if deal_id is not None:
                tx.row("deals", deal_id)
                tx.conn.execute(
                    "UPDATE deals SET updated_at = max(updated_at, ?) WHERE id = ?", (values["created_at"], deal_id)
                )
            return tx.insert("activities", values)

    # Added for costs and quotas in the TUI (issue 7): the month's entries and the channel names to suggest.

    def costs(self, month_from: str, month_to: str | None = None) -> list[Cost]:
        """The cost entries of the months ``month_from``..``month_to`` (inclusive; one month when no end)."""
        first = _check_month(month_from)
        last = _check_month(month_to) if month_to is not None else first
        rows = self.query(
            "SELECT id, month, category, channel, amount FROM costs WHERE month >= ? AND month <= ?"
            " ORDER BY month, category, channel COLLATE NOCASE",
            (first, last),
        )
        return [Cost(**dict(r)) for r in rows]

    def quotas(self, month: str) -> list[Quota]:
        """The quotas of ``month``: teams first, then reps, each alphabetically."""
        rows = self.query(
            "SELECT q.id, q.month, q.rep_id, r.name AS rep, q.team, q.amount FROM quotas q"
            " LEFT JOIN reps r ON r.id = q.rep_id WHERE q.month = ?"
            " ORDER BY q.team IS NULL, coalesce(q.team, r.name) COLLATE NOCASE",
            (_check_month(month),),
        )
        return [Quota(**dict(r)) for r in rows]

    def channel_names(self) -> list[str]:
        """Every channel named by a cost or a deal source, alphabetically (for completion in the cost form)."""
        rows = self.query(
            "SELECT channel FROM costs WHERE channel != '' UNION SELECT source FROM deals WHERE source != ''"
            " ORDER BY 1 COLLATE NOCASE"
        )
        return [r[0] for r in rows]


def _row_name(table: str, row_id: int) -> str:
    """A deal or an activity as people type it (quick entry, the command line): ``deal #12``, ``activity a40``."""
    return f"deal #{row_id}" if table == "deals" else f"activity a{row_id}"


def _check_prob(probability: float) -> float:
    if not isinstance(probability, int | float) or not 0 <= probability <= 1:
        raise ValidationError(f"probability must be between 0 and 1, not {probability!r}")
    return float(probability)


def _rep_values(name: str, team: str, region: str, unix_login: str | None, role: str, active: bool) -> dict[str, Any]:
    if role not in ROLES:
        raise ValidationError(f"role must be rep or manager, not {role!r}")
    return {
        "name": _check_text(name, "rep name", required=True, max_len=100),
        "team": _check_text(team, "team", max_len=100),
        "region": _check_text(region, "region", max_len=100),
        "unix_login": _check_text(unix_login, "unix login", max_len=64) or None,
        "role": role,
        "active": int(bool(active)),
    }


def _operational(path: Path, exc: sqlite3.DatabaseError, *, opening: bool = False) -> StoreError:
    """The one-line error for an SQLite failure; ``opening`` when it happened while opening the file."""
    text = str(exc)
    lower = text.lower()
    if "not a database" in lower or "encrypted" in lower:
        return StoreError(f"{path} is not a SQLite database, or it is damaged beyond reading")
    if "malformed" in lower or "corrupt" in lower:
        written = "" if opening else "; nothing was written"
        return StoreError(f"{path} is damaged ({text}){written}; run: cockpit check {path}")
    if "readonly" in lower or "read-only" in lower:
        if opening:
            return StoreError(f"cannot open {path}: {text}")
        return ReadOnlyError(f"cannot write to {path}: it is read-only")
    if "disk is full" in lower or "database or disk is full" in lower:
        return StoreError(f"cannot write to {path}: the disk is full; nothing was written")
    if "locked" in lower or "busy" in lower:
        return BusyError(f"{path} stayed locked by other writers; nothing was written, try again")
    if "disk i/o" in lower:
        return StoreError(f"input/output error on {path} ({text}); nothing was written")
    if "unable to open" in lower:
        return StoreError(f"cannot open {path}: {text}")
    return StoreError(f"database error on {path}: {text}")


class _Tx:
    """Helpers available inside one write transaction; every change goes through insert/update to be audited."""

    def __init__(self, store: Store, action: str) -> None:
        self.store = store
        self.conn = store.conn
        self.action = action
        self.at = int(store.clock())
        self.batch: int | None = None  # the first audit id of this transaction groups its rows for undo

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def row(self, table: str, row_id: int) -> sqlite3.Row:
        found = self.one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if found is None:
            singular = {"activities": "activity", "reps": "rep", "deals": "deal", "accounts": "account"}
            raise NotFoundError(f"no {singular.get(table, table)} with id {row_id}")
        return found

    def audit(
        self,
        table: str,
        row_id: int | None,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        *,
        action: str | None = None,
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO audit_log (unix_user, at, action, table_name, row_id, old_values, new_values)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.store.user,
                self.at,
                action or self.action,
                table,
                row_id,
                json.dumps(old, ensure_ascii=False) if old is not None else None,
                json.dumps(new, ensure_ascii=False) if new is not None else None,
            ),
        )
        audit_id = cur.lastrowid
        if self.batch is None:
            self.batch = audit_id
        self.conn.execute("UPDATE audit_log SET batch = ? WHERE id = ?", (self.batch, audit_id))
        return audit_id

    def insert(self, table: str, values: dict[str, Any]) -> int:
        cols = ", ".join(values)
        cur = self.conn.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(values))})", tuple(values.values())
        )
        row_id = cur.lastrowid
        self.audit(table, row_id, None, values)
        return row_id

    def update(self, table: str, row_id: int, changes: dict[str, Any]) -> None:
        current = self.row(table, row_id)
        old = {k: current[k] for k in changes}
        if old == changes:
            return
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), row_id))
        self.audit(table, row_id, old, changes)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """A bulk load inside this transaction (the demo generator): the row-change count of kpi_changes moves once
        for the whole load instead of once per row, and the index led by deal id is built once at the end.

        The caller writes one summary audit row, which makes every KPI cache start over. Triggers and index are
        dropped and made again inside the same transaction, so no other connection ever sees them missing."""
        triggers = _change_triggers()
        for name, _create in triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        self.conn.execute("DROP INDEX activities_deal_touch")
        yield
        self.conn.execute(ACTIVITIES_DEAL_TOUCH)
        for _name, create in triggers:
            self.conn.execute(create)
        self.conn.execute("UPDATE kpi_changes SET n = n + 1 WHERE id = 1")

    def history(self, deal_id: int, from_stage: str | None, to_stage: str, at: int) -> int:
        return self.insert(
            "stage_history",
            {
                "deal_id": deal_id,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "at": at,
                "by_user": self.store.user,
            },
        )

    def stage(self, name: str) -> sqlite3.Row:
        found = self.one("SELECT * FROM stages WHERE name = ?", ((name or "").strip().lower(),))
        if found is None:
            names = ", ".join(r[0] for r in self.conn.execute("SELECT name FROM stages ORDER BY position"))
            raise ValidationError(f"unknown stage {name!r} (stages: {names})")
        return found

    def account(self, name: str, *, segment: str = "", lead_source: str = "", create_only: bool = False) -> int:
        """The id of the account of that name, created when unknown."""
        clean = _check_text(name, "account name", required=True, max_len=200)
        found = self.one("SELECT id FROM accounts WHERE name = ? COLLATE NOCASE", (clean,))
        if found:
            if create_only:
                raise ValidationError(f"an account named {clean!r} already exists")
            return found[0]
        return self.insert(
            "accounts",
            {
                "name": clean,
                "segment": _check_text(segment, "segment", max_len=100),
                "lead_source": _check_text(lead_source, "lead source", max_len=100),
                "created_at": self.at,
            },
        )

    def rep_id(self, name: str, *, team: str = "", create: bool = False) -> int:
        found = self.one("SELECT id FROM reps WHERE name = ? COLLATE NOCASE", (name.strip(),))
        if found:
            return found[0]
        if not create:
            raise NotFoundError(f"no rep named {name!r}")
        values = _rep_values(name, team, "", None, "rep", True) | {"created_at": self.at}
        return self.insert("reps", values)

    def deal_values(
        self,
        *,
        rep_id: int,
        title: str,
        amount: int,
        account_id: int | None,
        account: str | None,
        stage: str | None,
        probability: float | None,
        source: str,
        product: str,
        created_at: int,
        expected_close: int | None,
        closed_at: int | None,
        qualified_at: int | None,
        lost_reason: str | None,
        external_id: str | None,
    ) -> dict[str, Any]:
        """Validate a new deal's fields and derive qualified/closed dates from its stage."""
        if not self.one("SELECT 1 FROM reps WHERE id = ?", (rep_id,)):
            raise NotFoundError(f"no rep with id {rep_id}")
        if account_id is None and account:
            account_id = self.account(account)
        elif account_id is not None:
            self.row("accounts", account_id)
        target = self.stage(stage or "lead")
        closed = _check_ts(closed_at, "close date")
        if target["is_open"]:
            closed = None
        elif closed is None:
            closed = created_at
        if closed is not None and closed < created_at:
            raise ValidationError("a deal cannot close before it was created")
        qualified = _check_ts(qualified_at, "qualified date")
        if target["name"] == "lost" and not (lost_reason or "").strip():
            lost_reason = "unknown"
        if qualified is None and target["name"] not in ("lead", "lost"):
            qualified = created_at  # created past `lead`: qualified at creation
        return {
            "external_id": (external_id or "").strip() or None,
            "title": _check_text(title, "title", required=True, max_len=500),
            "account_id": account_id,
            "rep_id": rep_id,
            "amount": _check_amount(amount),
            "stage": target["name"],
            "probability": target["probability"] if probability is None else _check_prob(probability),
            "source": _check_text(source, "source", max_len=100),
            "product": _check_text(product, "product", max_len=200),
            "created_at": created_at,
            "qualified_at": qualified,
            "expected_close": _check_ts(expected_close, "expected close"),
            "closed_at": closed,
            "lost_reason": _check_text(lost_reason, "lost reason", max_len=500) or None
            if target["name"] == "lost"
            else None,
            "updated_at": self.at,
        }

    def revert(self, entry: sqlite3.Row) -> None:
        """Put back what one audit row changed."""
        table, row_id = entry["table_name"], entry["row_id"]
        old = json.loads(entry["old_values"]) if entry["old_values"] else None
        if table == "meta" or row_id is None:
            raise ValidationError("that action cannot be undone")
        if old is None:  # an insert: void it where we can (history is never deleted), else delete it
            if table in ("deals", "activities"):
                self.update(table, row_id, {"voided_at": self.at, "void_reason": "undone"})
            elif table == "stage_history":
                gone = self.row("stage_history", row_id)
                self.conn.execute("DELETE FROM stage_history WHERE id = ?", (row_id,))
                # The deleted row's deal and time say which KPI buckets the deletion reaches (kpi_cache.py).
                self.audit(table, row_id, {"deleted": True, "deal_id": gone["deal_id"], "at": gone["at"]}, None)
            elif table in ("accounts", "reps"):
                # Created on the way (a new account named in a call or a deal): an unused name harms nothing,
                # and another user may already have logged against it, so it stays.
                return
            else:
                raise ValidationError(f"adding a row to {table} cannot be undone; edit or void it instead")
        else:
            self.update(table, row_id, old)


@dataclass(frozen=True)
class Cost:
    """One monthly cost entry (money in minor units); (month, category, channel) identifies it."""

    id: int
    month: str
    category: str
    channel: str
    amount: int


@dataclass(frozen=True)
class Quota:
    """One monthly quota, for a rep (``rep_id``/``rep`` set) or a team (``team`` set)."""

    id: int
    month: str
    rep_id: int | None
    rep: str | None
    team: str | None
    amount: int

    @property
    def holder(self) -> str:
        """The rep's name or the team's."""
        return self.rep if self.rep is not None else self.team or ""

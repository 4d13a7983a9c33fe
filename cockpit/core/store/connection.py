"""Opening a cockpit database and running SQL on it: pragmas, migrations, read and write transactions, errors.

:class:`StoreConnection` is the base of :class:`~cockpit.core.store.Store`: one ``sqlite3`` connection guarded by a
lock, so UI worker threads may share it. Reads run in short transactions that end before the call returns (an open
reader would stop WAL checkpoints on a shared server); every write action runs in one ``BEGIN IMMEDIATE``
transaction that also writes its audit rows (:class:`~cockpit.core.store.transaction.Transaction`), so an action is
either wholly in the database or not at all. SQLite's failures become one-line :mod:`cockpit.core.errors`.
"""

from __future__ import annotations

import getpass
import os
import random
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from cockpit.core.config import DEFAULT_STAGES
from cockpit.core.errors import BusyError, ReadOnlyError, StoreError, ValidationError
from cockpit.core.store.schema import CHANGE_TRIGGERS, MIGRATIONS, SCHEMA_VERSION, change_trigger_count, change_triggers
from cockpit.core.store.transaction import Transaction

BUSY_TIMEOUT_MS = 5000
#: Attempts at BEGIN IMMEDIATE, each waiting up to the busy timeout. The package re-exports it and writes read it
#: from there (see :func:`write_retries`), so setting ``cockpit.core.store.WRITE_RETRIES`` changes it.
WRITE_RETRIES = 4


def write_retries() -> int:
    """How many times a write tries to take the lock: ``cockpit.core.store.WRITE_RETRIES``.

    Read from the package at each write, where callers (tests that hold the lock on purpose) set it; looked up in
    ``sys.modules`` rather than imported because the package imports this module."""
    package = sys.modules.get(__package__ or "")
    return getattr(package, "WRITE_RETRIES", WRITE_RETRIES)


def current_unix_user() -> str:
    """The login name of the person running this process (what the audit log records)."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to the uid
        return f"uid{os.getuid()}"


def looks_like_sqlite(path: Path) -> bool:
    """Whether the file starts with SQLite's header (or is empty, as a database about to be created is)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError:
        return False
    return header == b"SQLite format 3\x00" or header == b""


def why_not_writable(path: Path) -> str | None:
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


def operational_error(path: Path, exc: sqlite3.DatabaseError, *, opening: bool = False) -> StoreError:
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


def _is_our_bug(mapped: StoreError) -> bool:
    # A damaged page or a failing disk is the user's one-line error; a bad query (any other SQLite error) is ours.
    return type(mapped) is StoreError and mapped.args[0].startswith("database error")


class StoreConnection:
    """A cockpit database opened (created, migrated, or read-only when it must be), with its transactions.

    ``now`` is the clock (epoch seconds) used for audit and created/updated times, injectable for tests.
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
        elif not looks_like_sqlite(path):
            raise StoreError(f"{path} is not a SQLite database")
        if path.exists() and not readonly:
            reason = why_not_writable(path)
            if reason:
                readonly, self.readonly_reason = True, reason
        try:
            conn = self._connect(readonly)
        except sqlite3.DatabaseError as exc:
            raise operational_error(path, exc, opening=True) from None
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
                raise operational_error(path, exc, opening=True) from None
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
                for _name, create in change_triggers():
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- transactions

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries; the read transaction ends when the block does.

        For the store package's own read functions: other modules call those, never SQL of their own."""
        with self._lock:
            try:
                self.conn.execute("BEGIN")
            except sqlite3.DatabaseError as exc:
                raise operational_error(self.path, exc) from None
            failed = True
            try:
                yield self.conn
                failed = False
            except sqlite3.DatabaseError as exc:
                mapped = operational_error(self.path, exc)
                if _is_our_bug(mapped):
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
                            raise operational_error(self.path, exc) from None  # noqa: B012 - only when none pending

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Run one read query in its own short transaction."""
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                # As in read(): a damaged page or a failing disk is a one-line error; a bad query is our bug.
                mapped = operational_error(self.path, exc)
                if _is_our_bug(mapped):
                    raise
                raise mapped from None

    def analyze_and_fold_wal(self) -> None:
        """After a big load: gather the planner's statistics (ANALYZE) and fold the WAL back into the file
        (checkpoint, TRUNCATE), so the database stands alone as one file (the committed sample.db is one)."""
        with self._lock:
            self.conn.execute("ANALYZE")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def data_version(self) -> int:
        """Changes when another connection commits (PRAGMA data_version): the cheap poll for live refresh."""
        with self._lock:
            return self.conn.execute("PRAGMA data_version").fetchone()[0]

    @contextmanager
    def write(self, action: str) -> Iterator[Transaction]:
        """One write action: BEGIN IMMEDIATE (retried with jitter while locked), audit rows, COMMIT.

        On any failure the transaction is rolled back, so nothing of the action is written: ValidationError for
        refused input, BusyError when locked past the retries, ReadOnlyError, or a StoreError (disk full, damage).
        """
        if self.readonly:
            raise ReadOnlyError(f"cannot write: {self.readonly_reason}")
        with self._lock:
            self._begin_immediate()
            tx = Transaction(self, action)
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
                    raise operational_error(self.path, exc) from None
                raise

    def _begin_immediate(self) -> None:
        # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes gets
        # SQLITE_BUSY at once, whatever the busy timeout. Past the 5 s timeout we still retry with jitter, so
        # writers that collided back off at different moments instead of colliding again.
        retries = write_retries()
        for attempt in range(retries):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.DatabaseError as exc:
                error = operational_error(self.path, exc)
                if not isinstance(error, BusyError):
                    raise error from None
                if attempt == retries - 1:
                    raise error from None
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))

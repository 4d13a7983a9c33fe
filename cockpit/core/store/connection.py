"""Opening a cockpit database and running SQL on it: pragmas, migrations, read and write transactions, errors.

:class:`StoreConnection` is the base of :class:`~cockpit.core.store.Store`: one ``sqlite3`` connection guarded by a
lock, so UI worker threads may share it. Reads run in short transactions that end before the call returns (an open
reader would stop WAL checkpoints on a shared server); every write action runs in one ``BEGIN IMMEDIATE``
transaction that also writes its audit rows (:class:`~cockpit.core.store.transaction.Transaction`), so an action is
either wholly in the database or not at all. SQLite's failures become one-line :mod:`cockpit.core.errors`.
"""

from __future__ import annotations

import functools
import os
import pwd
import random
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from cockpit.core.config import DEFAULT_STAGES
from cockpit.core.errors import BusyError, ReadOnlyError, StoreError, ValidationError
from cockpit.core.store import kpi_buckets
from cockpit.core.store.schema import (
    CHANGE_TRIGGERS,
    DATA_CHANGE_TRIGGERS,
    MIGRATIONS,
    SCHEMA_VERSION,
    change_trigger_count,
    change_triggers,
    data_change_trigger_count,
    data_change_triggers,
)
from cockpit.core.store.transaction import Transaction
from cockpit.core.text import fold

#: How the store's connections decode TEXT: UTF-8, with U+FFFD for bytes that are not (see ``_connect``).
lenient_text = functools.partial(bytes.decode, encoding="utf-8", errors="replace")


def _fold_sql(text: str | None) -> str | None:
    """SQL ``fold(x)``: :func:`~cockpit.core.text.fold` of a text, NULL of NULL (numbers as their text)."""
    return None if text is None else fold(str(text))


BUSY_TIMEOUT_MS = 5000
#: How long a write of derived data (the stored KPI buckets) waits for the write lock before giving up.
DERIVED_BUSY_MS = 200
#: Attempts at BEGIN IMMEDIATE, each waiting up to the busy timeout (read at each write: tests lower it).
WRITE_RETRIES = 4
SQLITE_HEADER = b"SQLite format 3\x00"


def current_unix_user() -> str:
    """The login of this process's real uid: what roles and the audit log go by.

    Never ``$LOGNAME``/``$USER`` (what ``getpass.getuser()`` reads first): anyone can set those, and a rep who set
    them to a manager's login acted as the manager."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no passwd entry (containers): the uid stands for the login
        return f"uid{uid}"


def sqlite_uri(path: Path, **params: str) -> str:
    """A ``file:`` URI naming ``path`` exactly, with query ``params`` (``mode="ro"``).

    The path is percent-quoted as :meth:`pathlib.Path.as_uri` does: unquoted, a ``#`` or ``?`` in a file name ends
    the path ('sales#2026.db' opened 'sales') and a ``%`` starts an escape."""
    uri = Path(os.path.abspath(path)).as_uri()
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{uri}?{query}" if query else uri


_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def not_regular(path: Path, mode: int) -> str | None:
    """Why a file of this ``st_mode`` cannot be a database ("... is a named pipe (FIFO), not a regular file"), or
    None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _NOT_REGULAR if test(mode)), "a special file")
    return f"{path} is {kind}, not a regular file: a cockpit database is an ordinary file"


def read_header(path: Path) -> bytes | None:
    """The first 100 bytes of the database file at ``path``; None when nothing is there.

    StoreError at once for anything but a regular file: /dev/null reads as an empty database and a FIFO blocks the
    first read forever. Checked on the open descriptor (opened non-blocking, so a FIFO cannot hang the open), so a
    file swapped between a check and the read is caught too."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror}") from None
    if (reason := not_regular(path, mode)) is not None:
        raise StoreError(reason)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except PermissionError:
        raise StoreError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror}") from None
    try:
        if (reason := not_regular(path, os.fstat(fd).st_mode)) is not None:
            raise StoreError(reason)
        return os.read(fd, 100)
    finally:
        os.close(fd)


def refuse_odd_side_files(path: Path) -> None:
    """StoreError when a ``-wal``, ``-shm`` or ``-journal`` beside the database is a symlink or not a regular file:
    SQLite would open it read-write (and truncate or map it), so a symlink a member planted in the shared folder
    would make whoever opens the database next write to the link's target."""
    real = Path(os.path.realpath(path))  # SQLite puts its side files beside the link's target
    for suffix in ("-wal", "-shm", "-journal"):
        side = real.with_name(real.name + suffix)
        try:
            mode = os.lstat(side).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode) or not stat.S_ISREG(mode):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            raise StoreError(f"{side} is {kind}: remove it; do not chmod it (see: cockpit check {path})")


def looks_like_sqlite(path: Path) -> bool:
    """Whether ``path`` is a regular file starting with SQLite's header (or empty, as one about to be created is)."""
    try:
        header = read_header(path)
    except StoreError:
        return False
    return header is not None and (header[:16] == SQLITE_HEADER or header == b"")


# SQLite's answers that mean "you cannot write here" rather than "this file is broken": a read-only file, -wal or
# -shm (READONLY), a -wal/-shm that cannot be created in the folder (CANTOPEN), or a full disk (FULL; IOERR when the
# -shm cannot be sized). The open then falls back to reading.
_CANNOT_WRITE = ("readonly", "read-only", "unable to open", "disk i/o", "disk is full")


def _wal_has_frames(path: Path) -> bool:
    # An immutable read ignores the -wal: right only when there is none, or an empty one (a writer that could not
    # start, on a full disk, leaves an empty -wal behind).
    try:
        return os.stat(path.with_name(path.name + "-wal")).st_size > 0
    except FileNotFoundError:
        return False


def _disk_full(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


def explain_unwritable(path: Path, error: str) -> str:
    """Why SQLite could not write the database (its ``error`` said so): said in the user's terms.

    Only explains a failure already met; writability itself is decided by trying (see ``StoreConnection._open``),
    since any check made before a write can be stale by the time it runs."""
    if "full" in error.lower() or _disk_full(path):
        return f"the disk holding {path} is full"
    if not os.access(path, os.W_OK):
        return f"{path} is read-only for you"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"folder {path.parent} is not writable for you"
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if os.path.lexists(side) and not os.access(side, os.W_OK):
            return f"{side} is not writable for you (run: cockpit check {path})"
    return f"{path} cannot be written ({error})"


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


class _CannotWrite(Exception):
    """Opening for writing failed because this user cannot write there (``reason``); ``full``: the disk is full."""

    def __init__(self, reason: str, *, full: bool) -> None:
        super().__init__(reason)
        self.reason, self.full = reason, full


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
        side_files: bool = True,
    ) -> None:
        self.path = Path(path)
        #: False: read-only, and a file nobody has open (no -wal beside it) is read as immutable, so that no -wal or
        #: -shm is left behind (``cockpit check``, as :func:`cockpit.core.store.inspection.inspect_database` reads).
        self._side_files = side_files
        #: Who runs this process (the real uid's login, or ``user`` for tests and tools); never changes.
        self.login = user or current_unix_user()
        #: What the audit log records as the actor: the login, or "login as rep" once someone acts as another rep
        #: (:func:`cockpit.core.actor.resolve_actor` sets it).
        self.user = self.login
        self.clock = now or time.time
        self.readonly_reason: str | None = None
        self._write_refusal: str | None = None
        self._lock = threading.RLock()
        self._open(create=create, readonly=readonly, stages=stages)

    # ------------------------------------------------------------------------------------------- opening

    def _open(self, *, create: bool, readonly: bool, stages: Sequence[tuple[str, float]]) -> None:
        path = self.path
        header = read_header(path)  # refuses a directory, FIFO, device... before SQLite touches it
        refuse_odd_side_files(path)
        if header is None:
            if not create:
                raise StoreError(f"no database at {path} (create one with: cockpit init {path})")
            if not path.parent.is_dir():
                raise StoreError(f"cannot create {path}: folder {path.parent} does not exist")
        elif header and header[:16] != SQLITE_HEADER:
            raise StoreError(f"{path} is not a SQLite database")
        elif not header and not create:
            # Only init, demo and the default demo database create one: a write command given an empty file (a
            # typo, a file made by touch) would otherwise write a schema into it.
            raise StoreError(f"{path} is empty, not a cockpit database (create one with: cockpit init {path})")
        if not readonly and self._side_files:
            try:
                self.conn = self._open_for_writing(creating=create, stages=stages)
            except _CannotWrite as refused:
                if header is None:
                    raise StoreError(f"cannot create {path}: {refused.reason}") from None
                readonly, self.readonly_reason = True, refused.reason
                if refused.full:
                    self._write_refusal = f"cannot write to {path}: the disk is full; nothing was written"
                    self.readonly_reason = f"{refused.reason}; opened read-only"
            else:
                if self._version > SCHEMA_VERSION:
                    self.conn.close()
                    readonly = True
                else:
                    self.readonly = False
                    return
        try:
            conn = self._connect(readonly=True)
        except sqlite3.DatabaseError as exc:
            raise operational_error(path, exc, opening=True) from None
        self.conn = conn
        self.readonly = True
        if self._version > SCHEMA_VERSION:
            self.readonly_reason = (
                f"{path} was written by a newer cockpit (schema {self._version} > {SCHEMA_VERSION}); opened read-only"
            )
            return
        if self._version < SCHEMA_VERSION:
            conn.close()
            if self._version == 0 and not self._has_tables:
                raise StoreError(f"{path} is empty and read-only (create a database with: cockpit init {path})")
            if self._version == 0:
                raise StoreError(f"{path} is a SQLite database but not a cockpit one")
            raise StoreError(f"{path} needs a schema upgrade but is read-only")
        if self.readonly_reason is None:
            self.readonly_reason = "opened read-only"

    def _open_for_writing(self, *, creating: bool, stages: Sequence[tuple[str, float]]) -> sqlite3.Connection:
        # Whether we may write is decided by trying, never by checking permissions first: a -wal or -shm that
        # vanished (the last reader closed) between a check and the open made a writable database read-only.
        # _CannotWrite when SQLite says this user cannot write here; other failures are the file's.
        path = self.path
        try:
            conn = self._connect(readonly=False)
        except sqlite3.DatabaseError as exc:
            raise self._cannot_write_or(exc) from None
        try:
            if self._version > SCHEMA_VERSION:
                return conn  # the caller reopens it read-only
            if self._version == 0 and self._has_tables:
                raise StoreError(f"{path} is a SQLite database but not a cockpit one")
            if self._version == 0 and not creating:
                raise StoreError(f"{path} is an empty SQLite database, not a cockpit one (see: cockpit init)")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{path} refused WAL journaling (mode {mode})")
            self._try_to_write(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            self.conn = conn
            if self._version < SCHEMA_VERSION:
                self._migrate(stages)
            else:
                self._restore_change_triggers()
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._cannot_write_or(exc) from None
        except BaseException:
            conn.close()
            raise

    def _try_to_write(self, conn: sqlite3.Connection) -> None:
        # Take the write lock and dirty the header page (user_version set to itself), then roll back: SQLite
        # reports a read-only file, -wal or -shm only when a page is written. Busy means another member is
        # writing: the file is writable, and our own writes will wait their turn.
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return
            raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            conn.execute(f"PRAGMA user_version = {int(self._version)}")
        finally:
            conn.execute("ROLLBACK")

    def _cannot_write_or(self, exc: sqlite3.DatabaseError) -> Exception:
        text = str(exc)
        if any(marker in text.lower() for marker in _CANNOT_WRITE):
            reason = explain_unwritable(self.path, text)
            return _CannotWrite(reason, full=reason.startswith("the disk holding"))
        return operational_error(self.path, exc, opening=True)

    def _connect(self, *, readonly: bool) -> sqlite3.Connection:
        # Part of _open: connect, set the pragmas, and read enough (version, schema) to know the file is sound.
        path = self.path
        attempts = [sqlite_uri(path, mode="ro"), sqlite_uri(path, mode="ro", immutable="1")] if readonly else [None]
        if readonly and not self._side_files and not path.with_name(path.name + "-wal").exists():
            attempts = attempts[1:]
        for uri in attempts:
            if uri is None:
                conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            else:
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                # Text another program stored as bytes that are not UTF-8 (the sqlite3 shell, a C tool) reads with
                # U+FFFD in their place: with the default decoder one such deal title made every read that met it
                # fail, the quick-entry line's names among them (which stopped the app), for every user of the file.
                conn.text_factory = lenient_text
                # Names compare folded (no case, no accents) in SQL too: search finds Kraków when typed krakow.
                conn.create_function("fold", 1, _fold_sql, deterministic=True)
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA foreign_keys = ON")
                self._version = conn.execute("PRAGMA user_version").fetchone()[0]
                self._has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
                if uri and "immutable" in uri:
                    # A WAL database in a folder we cannot write (or on a full disk), with no -shm beside it
                    # (nobody has it open): SQLite can only read it as immutable, so others' later commits show
                    # after a restart.
                    self.readonly_reason = (
                        f"{self.readonly_reason or 'opened read-only'}; others' changes show after a restart"
                    )
                return conn
            except sqlite3.DatabaseError as exc:
                conn.close()
                text = str(exc).lower()
                retry = uri is not None and "immutable" not in uri and any(m in text for m in _CANNOT_WRITE)
                if not retry or _wal_has_frames(path):
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
        # made meanwhile were not counted: every KPI cache of this database starts over. Likewise the triggers
        # that keep the stored KPI buckets true: made again, and every stored bucket deleted.
        counting = change_trigger_count(self.conn) == CHANGE_TRIGGERS
        buckets = kpi_buckets.triggers_intact(self.conn)
        seen = data_change_trigger_count(self.conn) == DATA_CHANGE_TRIGGERS
        if counting and buckets and seen:
            return
        with self._lock:
            try:
                self._begin_immediate()
                for intact, counter, made in (
                    (counting, "kpi_changes", change_triggers()),
                    (seen, "data_changes", data_change_triggers()),
                ):
                    if not intact:
                        for _name, create in made:
                            self.conn.execute(create.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
                        self.conn.execute(f"UPDATE {counter} SET n = n + 1")
                if not buckets:
                    self.conn.execute("SAVEPOINT buckets")
                    try:
                        kpi_buckets.restore(self.conn)
                    except sqlite3.Error:
                        # A schema changed by hand so far that they cannot be made (a table renamed): the stored
                        # buckets stay unused (kpi_buckets.load trusts none) until it is put right and reopened.
                        self.conn.execute("ROLLBACK TO buckets")
                    self.conn.execute("RELEASE buckets")
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

    def changes_seen(self) -> int | None:
        """The count of row changes users can see (data_changes, schema 7), which a commit of derived data (stored
        KPI buckets) leaves as it was; None when it cannot be trusted (a counting trigger dropped), so that the
        caller refreshes on any commit. Read when :meth:`data_version` moved."""
        with self._lock:
            try:
                row = self.conn.execute("SELECT n FROM data_changes WHERE id = 1").fetchone()
            except sqlite3.OperationalError:
                return None
            if row is None or data_change_trigger_count(self.conn) != DATA_CHANGE_TRIGGERS:
                return None
            return row[0]

    @contextmanager
    def write(self, action: str) -> Iterator[Transaction]:
        """One write action: BEGIN IMMEDIATE (retried with jitter while locked), audit rows, COMMIT.

        On any failure the transaction is rolled back, so nothing of the action is written: ValidationError for
        refused input, BusyError when locked past the retries, ReadOnlyError, or a StoreError (disk full, damage).
        """
        if self.readonly:
            raise ReadOnlyError(self._write_refusal or f"cannot write: {self.readonly_reason}")
        with self._lock:
            self._begin_immediate()
            try:
                self._refuse_a_newer_schema()
                tx = Transaction(self, action)
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

    def write_derived(self, work: Callable[[sqlite3.Connection], bool]) -> bool:
        """Run ``work`` in one short write transaction with no audit row: derived data (the stored KPI buckets),
        not a user's action. It waits at most ``DERIVED_BUSY_MS`` for the write lock, since a colleague's write
        matters more and derived data can wait. Returns what ``work`` returns; False when read-only, busy, or the
        write failed (nothing written)."""
        if self.readonly:
            return False
        with self._lock:
            try:
                self.conn.execute(f"PRAGMA busy_timeout = {DERIVED_BUSY_MS}")
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                finally:
                    self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            except sqlite3.DatabaseError:
                return False
            try:
                if self._schema_now() > SCHEMA_VERSION:  # derived by this cockpit's definitions: not for a newer one
                    self.conn.execute("ROLLBACK")
                    return False
                done = work(self.conn)
                self.conn.execute("COMMIT")
                return done
            except sqlite3.DatabaseError:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                return False

    def _schema_now(self) -> int:
        """The file's schema version now (inside a transaction: as this write will find it)."""
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _refuse_a_newer_schema(self) -> None:
        """ReadOnlyError when a newer cockpit upgraded the file since this one opened it: what this one would write
        may break the newer schema's rules, so nothing is written until it is restarted (reads go on); the store is
        read-only from then on."""
        found = self._schema_now()
        if found > SCHEMA_VERSION:
            self._upgraded_to(found)
            assert self._write_refusal is not None
            raise ReadOnlyError(self._write_refusal)

    def _upgraded_to(self, found: int) -> None:
        """A newer cockpit upgraded the file to schema ``found``: read-only from now on, so that the screens open no
        form to be refused (logging_disabled), with the reason and the refusal every write gets."""
        self.readonly = True
        self.readonly_reason = f"a newer cockpit upgraded the database to schema {found}; restart cockpit to write"
        # What to do first: the line under a form or the quick-entry line is cut at 80 columns.
        self._write_refusal = (
            f"cannot write: restart cockpit (a newer one upgraded the database to schema {found} while this one"
            f" ran; this one knows {SCHEMA_VERSION}); nothing was written"
        )

    def notice_newer_schema(self) -> int | None:
        """When a newer cockpit upgraded the file since this writable store opened it: make the store read-only
        (saying why) and return the file's schema version, once; else None. One pragma: the live refresh asks
        whenever another connection committed."""
        if self.readonly:
            return None  # read-only already (permissions, a newer file at open, or noticed before), and says why
        with self._lock:
            found = self._schema_now()
            if found <= SCHEMA_VERSION:
                return None
            self._upgraded_to(found)
            return found

    def _begin_immediate(self) -> None:
        # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes gets
        # SQLITE_BUSY at once, whatever the busy timeout. Past the 5 s timeout we still retry with jitter, so
        # writers that collided back off at different moments instead of colliding again.
        retries = WRITE_RETRIES
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

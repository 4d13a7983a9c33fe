"""A cache of the KPI base measures of each trend bucket, invalidated from the audit log and kept across processes.

Past buckets rarely change, so the dashboard recomputes only the buckets a write could have touched. Every write
action writes audit rows with the old and new values of what it changed; before each use the cache reads the audit
rows newer than the last one it saw and drops the buckets those changes can reach. It drops everything when it cannot
tell: an audit row it does not understand (bulk writers such as the demo generator and imports write one summary
row), more new audit rows than it is worth reading one by one, or a change the audit rows do not explain. The last
is exact: schema v3 counts every row change of the KPI tables in ``kpi_changes.n`` (triggers, same transaction),
and each change the store makes writes one audit row, so a count that moved by more than the new audit rows means
someone wrote without the store (the sqlite3 shell, a script).

Which buckets a change reaches (a bucket is the half-open range [s, e)). What each table's cached measures read is
not listed here: it comes from the declarations of ``cockpit.core.store.measures`` (``cached_reads``), so an edit of
a column no measure reads, or a row of a table no cached measure reads, reaches nothing. Where a change can reach:
- an activity that is or was a call: the buckets holding its time (old, new and current values), and the bucket
  holding the close date of each deal it was or is linked to (``calls_to_win`` counts calls ever logged on the deals
  won in a bucket). Emails, meetings and notes reach nothing: no KPI counts them;
- a deal or a stage-history row: every bucket ending after the earliest of the deal's created, qualified and closed
  times and the history time (old, new and current values). Pipeline counts a deal in every bucket ending after its
  creation; the first won deal of an account (``new_customers``) moves only between times at or after that earliest
  time; the other measures sit in the buckets of those times;
- a rep: the buckets cached for a team filter when the rep changed team; nothing otherwise (names, roles and the
  active flag are read afresh on every dashboard, and a new rep has no data yet);
- a table no cached measure reads (accounts; costs and quotas, read afresh on every dashboard; the undo marker row)
  and meta settings: nothing; a stage: everything.

Across processes: the cache of a database is saved to one file in the user's cache directory (JSON, written to a
temporary file and renamed) after an expensive computation, at most once a minute otherwise, and when the Store goes
away. A new process loads it and syncs it like any other: the file records the database's random ``db_id``, the last
audit row it saw (with a fingerprint of the log's last rows up to it, in case the log was replaced) and the change
count then. A file that is missing, unreadable, of another database or of another format is ignored, and so is one that
is not this user's alone (another owner, writable by group or others, a symlink, in a folder others can write).
A file is touched when it is read; once per process, the first save deletes the cache files nobody has read or
written for ``STALE_FILE_DAYS`` (databases deleted, moved or no longer opened) and temporary files a crashed save
left behind, so the folder does not grow with every database a user ever opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.core.dirs import cache_dir, is_own_private_file, private_dir, replace_file
from cockpit.core.store import changes
from cockpit.core.store.measures import cached_reads

#: Past this many new audit rows, dropping everything is cheaper than reading them one by one.
MAX_AUDIT_ROWS = 5000
#: At most this many newly logged calls are added to cached buckets in one sync; past it their buckets are dropped.
MAX_NEW_CALLS = 100
#: Buckets kept per Store (a month dashboard with 12-period trends and its team filters needs a few dozen).
MAX_ENTRIES = 1024
#: A computation at least this long is saved at once (a cold start's buckets); cheaper ones at most every minute.
SAVE_AFTER_S = 0.1
SAVE_EVERY_S = 60.0
#: The cache file's format; a file of another format is ignored.
FILE_FORMAT = 1
#: A cache file nobody has read or written for this long is deleted at the next save (of any database).
STALE_FILE_DAYS = 30
#: A temporary file of a save this old was left by a save that never finished (a save takes milliseconds).
STALE_TEMP_S = 3600
_CACHE_NAME = re.compile(r"[0-9a-f]{24}\.json")  # cache_file()'s names; nothing else in the folder is touched
_pruned = False  # the folder is pruned once per process, at its first save

_DEAL_TIMES = ("created_at", "qualified_at", "closed_at")
# The columns each table's cached measures read, as cockpit.core.store.measures declares them (a derived table such
# as deal_calls stands for the columns it is kept from). An audit row of a table no cached measure reads reaches
# nothing (accounts, costs and quotas, read afresh on every dashboard; the undo marker in audit_log); an update of
# other columns only reaches nothing. Stage-history rows are only inserted (a move) or deleted (an undo), which
# always reach.
_KPI_COLUMNS = cached_reads()

Key = tuple[int, int, "str | None"]


@dataclass
class BucketMeasures:
    """The base measures of one bucket: per rep (additive and per-rep distinct counts) and team-wide distincts."""

    rep: dict[int, dict[str, float]]
    team: dict[str, float]
    # KPIs derived from this entry, keyed by (rep id, counts as a rep, quota); kpi.dashboard fills it. Never saved.
    derived: dict[tuple[int, bool, int], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class _Dirty:
    """What a batch of changes reaches: buckets holding one of ``points``, buckets ending after ``after``."""

    everything: bool = False
    points: set[int] = field(default_factory=set)
    after: int | None = None
    explained: int = 0  # row changes of the counted tables that the audit rows account for
    team_filters: bool = False  # a rep changed team: every bucket cached for a team filter
    # Calls logged since (inserted, still live and unchanged): added to the buckets they fall in instead of
    # dropping those buckets. Each is (activity id, rep id, deal id or None, time).
    new_calls: list[tuple[int, int, int | None, int]] = field(default_factory=list)

    def add_after(self, ts: int | None) -> None:
        if ts is not None and (self.after is None or ts < self.after):
            self.after = ts

    def reaches(self, start: int, end: int, team: str | None = None) -> bool:
        if self.everything or (self.team_filters and team is not None):
            return True
        if self.after is not None and end > self.after:
            return True
        return any(start <= t < end for t in self.points)


def flush_cache(cache: Any) -> None:
    """Call ``cache.save()`` if ``cache.unsaved``, under ``cache.lock`` (the KPI and the forecast caches). At exit a
    refresh thread may still hold the lock for a moment: never hang the exit waiting for it."""
    if not cache.lock.acquire(timeout=2.0):
        return
    try:
        if cache.unsaved:
            cache.save()
    finally:
        cache.lock.release()


class KpiCache:
    """Base measures keyed by (bucket start, bucket end, team filter), valid as of audit row ``seen_audit``."""

    def __init__(self, file: Path | None = None) -> None:
        self.entries: dict[Key, BucketMeasures] = {}
        self.seen_audit: int | None = None
        self.seen_changes: int | None = None
        self.fingerprint: str | None = None
        self.db_id: str | None = None
        self.file = file
        self.loaded = file is None  # the file is read on the first sync (that is where a connection is)
        self.unsaved = False
        self.saved_at = time.monotonic()
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: Key) -> BucketMeasures | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: Key, value: BucketMeasures) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            # Drop the oldest entries (dicts keep insertion order); the next dashboard recomputes them if needed.
            for old in list(self.entries)[: MAX_ENTRIES // 4]:
                del self.entries[old]
        self.entries[key] = value
        self.unsaved = True

    def clear(self) -> None:
        if self.entries:
            self.unsaved = True
        self.entries.clear()

    def sync(self, conn: sqlite3.Connection) -> None:
        """Drop what changed since the last call; run inside the read transaction the measures will come from."""
        try:
            self._sync(conn)
        except BaseException:
            # Half-way (a read failed): what is cached may be part-updated; start over at the next sync.
            self.entries.clear()
            self.seen_audit = self.seen_changes = self.fingerprint = None
            raise

    def _sync(self, conn: sqlite3.Connection) -> None:
        if not self.loaded:
            self.loaded = True
            self._load(conn)
        last = changes.last_audit_id(conn)
        count = changes.change_count(conn)
        seen = self.seen_audit
        seen_print = _fingerprint(conn, seen) if seen is not None else None
        if count is None or seen is None or last < seen or seen_print != self.fingerprint:
            # First use, a database without the change count, or the audit log was replaced: trust nothing.
            self.clear()
        elif last == seen:
            if count != self.seen_changes:
                self.clear()  # rows changed with no audit row: we cannot tell what they touched
        elif last - seen > MAX_AUDIT_ROWS:
            self.clear()
        elif self.entries:
            dirty = _dirty_since(conn, seen)
            if dirty.everything or self.seen_changes is None or count - self.seen_changes != dirty.explained:
                self.clear()
            else:
                for key in [k for k in self.entries if dirty.reaches(*k)]:
                    del self.entries[key]
                    self.unsaved = True
                if dirty.new_calls:
                    _add_new_calls(conn, self.entries, dirty.new_calls)
                    self.unsaved = True
        # Nothing new in the audit log: the fingerprint of what is seen now is the one just computed.
        now_print = seen_print if last == seen and seen_print is not None else _fingerprint(conn, last)
        self.seen_audit, self.seen_changes, self.fingerprint = last, count, now_print

    def computed(self, seconds: float) -> None:
        """Missing buckets took ``seconds`` to compute: save now if that was expensive or the last save is old."""
        if self.unsaved and (seconds >= SAVE_AFTER_S or time.monotonic() - self.saved_at >= SAVE_EVERY_S):
            self.save()

    def flush(self) -> None:
        """Save what is not saved yet (when the Store goes away or the process ends)."""
        flush_cache(self)

    # ------------------------------------------------------------------------------------------ the file

    def save(self) -> None:
        """Write the cache file (call with ``lock`` held). A failure to write costs only the next start's speed."""
        self.unsaved = False
        self.saved_at = time.monotonic()
        if self.file is None or self.db_id is None or self.seen_audit is None:
            return
        data = {
            "format": FILE_FORMAT,
            "db_id": self.db_id,
            "seen_audit": self.seen_audit,
            "seen_changes": self.seen_changes,
            "fingerprint": self.fingerprint,
            "entries": [_entry_to_json(key, value) for key, value in self.entries.items()],
        }
        with contextlib.suppress(OSError):  # a full disk or a read-only home: the cache stays in memory
            replace_file(self.file, json.dumps(data, separators=(",", ":")).encode("utf-8"))
        global _pruned
        if not _pruned:
            _pruned = True
            prune_folder(self.file.parent, keep=self.file)

    def _load(self, conn: sqlite3.Connection) -> None:
        self.db_id = changes.db_id(conn)
        if self.file is None or self.db_id is None:
            return
        try:
            data = json.loads(_read_own_file(self.file))
            if data.get("format") != FILE_FORMAT or data.get("db_id") != self.db_id:
                return
            entries = dict(_entry_from_json(item) for item in data["entries"])
            seen, count, fingerprint = data["seen_audit"], data["seen_changes"], data["fingerprint"]
            if not isinstance(seen, int) or not isinstance(count, int) or not isinstance(fingerprint, str):
                return
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return  # no file yet, or one we cannot read: start empty
        with contextlib.suppress(OSError):
            os.utime(self.file)  # in use: a database opened read-only every day never saves, and must not be pruned
        self.entries = entries
        self.seen_audit, self.seen_changes, self.fingerprint = seen, count, fingerprint


def _read_own_file(path: Path) -> bytes:
    """The bytes of a cache file this user alone could have written; OSError for any other (a member's forged file
    in a shared cache folder would show the user false numbers), a symlink, or a FIFO."""
    private_dir(path.parent)  # ours alone, not writable by others: nobody could have swapped the file in it
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not is_own_private_file(os.fstat(fd)):
            raise PermissionError(f"{path} is not this user's own private file")
        return handle.read()


#: How many audit rows, up to the last one seen, the fingerprint covers.
FINGERPRINT_ROWS = 32


def _fingerprint(conn: sqlite3.Connection, audit_id: int) -> str:
    """What identifies the audit log up to row ``audit_id``: a hash of its last rows (id, time, user, action, table,
    row and values), or "" for an empty log. A copy of the database that went its own way and was put back in place
    differs there unless its last 32 actions were the same, at the same seconds."""
    if audit_id == 0:
        return ""
    rows = changes.audit_tail(conn, audit_id, FINGERPRINT_ROWS)
    if not rows or rows[0][0] != audit_id:
        return "missing"
    text = repr(rows)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _entry_to_json(key: Key, value: BucketMeasures) -> list[Any]:
    # Column-wise: one list of measure names, then one row per rep (None where the rep has no such measure, which
    # differs from 0: a rep with any measure in a bucket has data there).
    names = sorted({name for values in value.rep.values() for name in values})
    rows = [[rep_id, *(values.get(name) for name in names)] for rep_id, values in value.rep.items()]
    return [key[0], key[1], key[2], names, rows, value.team]


def _entry_from_json(item: list[Any]) -> tuple[Key, BucketMeasures]:
    start, end, team, names, rows, team_values = item
    if not (isinstance(start, int) and isinstance(end, int) and (team is None or isinstance(team, str))):
        raise ValueError("bad cache key")
    if not all(isinstance(name, str) for name in names) or not isinstance(team_values, dict):
        raise ValueError("bad cache entry")
    # Types checked in bulk (a cache file is read on the start path): ids are ints, values ints, floats or None.
    width = len(names) + 1
    if any(type(row) is not list or len(row) != width for row in rows):
        raise ValueError("bad cache row")
    if {type(row[0]) for row in rows} - {int} or {type(v) for row in rows for v in row[1:]} - _VALUE_TYPES:
        raise ValueError("bad cache value")
    if {type(k) for k in team_values} - {str} or {type(v) for v in team_values.values()} - _NUMBER_TYPES:
        raise ValueError("bad cache value")
    rep = {row[0]: {name: v for name, v in zip(names, row[1:]) if v is not None} for row in rows}  # noqa: B905
    return (start, end, team), BucketMeasures(rep=rep, team=team_values)


_NUMBER_TYPES = frozenset({int, float})  # exactly: a bool is an int subclass, and not a measure
_VALUE_TYPES = _NUMBER_TYPES | {type(None)}


def _values(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def _dirty_since(conn: sqlite3.Connection, seen: int) -> _Dirty:
    dirty = _Dirty()
    deal_ids: set[int] = set()
    for table, action, row_id, old_text, new_text in changes.audit_since(conn, seen):
        if table == "meta" and action != "set meta":
            dirty.everything = True  # the summary of a bulk load (the demo generator), not a setting
            return dirty
        if table not in _KPI_COLUMNS:
            continue  # no cached measure reads that table
        try:
            old, new = _values(old_text), _values(new_text)
        except ValueError:
            dirty.everything = True
            return dirty
        if table == "reps" and row_id is not None:
            # Cached measures are per rep id; names, roles and the active flag are read afresh on every dashboard.
            # What they read of a rep is its team (the team filter): a team change moves measures between team
            # filters (and a new rep has no data yet). A rep column a cached measure read otherwise would reach
            # every bucket.
            dirty.explained += 1
            read = (set(old) | set(new)) & _KPI_COLUMNS["reps"]
            if old and read - {"team"}:
                dirty.everything = True
                return dirty
            if old and read:
                dirty.team_filters = True
            continue
        if row_id is None or table not in ("activities", "deals", "stage_history"):
            dirty.everything = True  # stages, bulk summaries, anything we do not know
            return dirty
        changed = set(old) | set(new)
        if table == "deals" and old and changed <= {"updated_at"}:
            continue  # the counting trigger ignores updated_at alone (store schema), and so does every KPI
        dirty.explained += 1
        if old and not changed & _KPI_COLUMNS[table]:
            continue  # an edit of a note, an outcome, a follow-up, a title...: no KPI reads those columns
        if table == "activities":
            current = changes.activity_now(conn, row_id)
            if current is None:
                dirty.everything = True
                return dirty
            if "call" not in (old.get("kind"), new.get("kind"), current[2]):
                continue  # an email, a meeting, a note: no KPI counts them
            if not old and _still_as_inserted(new, current) and len(dirty.new_calls) < MAX_NEW_CALLS:
                dirty.new_calls.append((row_id, new["rep_id"], new.get("deal_id"), new["at"]))
                continue
            for values in (old, new, {"at": current[0], "deal_id": current[1]}):
                if isinstance(values.get("at"), int):
                    dirty.points.add(values["at"])
                if isinstance(values.get("deal_id"), int):
                    closed = changes.deal_closed_at(conn, values["deal_id"])
                    if closed is not None:
                        dirty.points.add(closed)
        elif table == "deals":
            for values in (old, new):
                for name in _DEAL_TIMES:
                    if isinstance(values.get(name), int):
                        dirty.add_after(values[name])
            deal_ids.add(row_id)
        else:  # stage_history: a row added (new values) or deleted by an undo (old values: the row's deal, time)
            values = new or old
            if not isinstance(values.get("deal_id"), int) or not isinstance(values.get("at"), int):
                dirty.everything = True
                return dirty
            dirty.add_after(values["at"])
            deal_ids.add(values["deal_id"])
    for deal_id in deal_ids:
        times = changes.deal_times(conn, deal_id)
        if times is None:
            dirty.everything = True
            return dirty
        for ts in times:
            dirty.add_after(ts)
    return dirty


_CACHES: weakref.WeakKeyDictionary[Any, KpiCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _still_as_inserted(new: dict[str, Any], current: tuple[Any, ...]) -> bool:
    """The audit row inserted a live call and the row is still exactly that call (time, deal, kind, rep, live)."""
    at, deal_id, kind, rep_id, voided_at = current
    return (
        new.get("kind") == "call"
        and kind == "call"
        and voided_at is None
        and new.get("voided_at") is None
        and isinstance(new.get("at"), int)
        and new["at"] == at
        and new.get("deal_id") == deal_id
        and isinstance(new.get("rep_id"), int)
        and new["rep_id"] == rep_id
    )


def _add_new_calls(
    conn: sqlite3.Connection, entries: dict[Key, BucketMeasures], calls: list[tuple[int, int, int | None, int]]
) -> None:
    """Add calls logged since the last sync to the cached buckets, as the measures' queries would count them.

    Per bucket [s, e) and team filter: the caller's ``calls``, ``calls_linked`` (with a deal) and ``call_deals``
    (distinct deals: +1 for a deal none of the caller's calls in the bucket touched before these), the team's
    ``call_deals`` (the same over the reps in scope), and ``win_calls`` of the owner of a deal won in the bucket
    (calls ever logged on it, by anyone). "Before these" leaves out every call of the batch, so two new calls on one
    deal add one distinct deal."""
    new_ids = [c[0] for c in calls]
    # The reps of each team filter, chosen by SQL exactly as the measures' filter chooses them (COLLATE NOCASE).
    members = {team: changes.team_members(conn, team) for team in {key[2] for key in entries if key[2] is not None}}
    deals = changes.deals_by_id(conn, [c[2] for c in calls])

    def in_scope(rep_id: int, team: str | None) -> bool:
        return team is None or rep_id in members[team]

    replaced: dict[Key, BucketMeasures] = {}
    for key in list(entries):
        start, end, team = key
        if not any(
            (start <= at < end and in_scope(rep_id, team))
            or (deal_id in deals and deals[deal_id][2] is not None and start <= deals[deal_id][2] < end)
            for _id, rep_id, deal_id, at in calls
        ):
            continue
        # Copy on write: a dashboard being built from this entry in another thread keeps the one it read (and may
        # still memoize derived KPIs on it); the cache holds the new one from now on.
        entry = BucketMeasures(rep={r: dict(v) for r, v in entries[key].rep.items()}, team=dict(entries[key].team))
        touched = False
        rep_deals: set[tuple[int, int]] = set()
        team_deals: set[int] = set()
        for _id, rep_id, deal_id, at in calls:
            if start <= at < end and in_scope(rep_id, team):
                measures = entry.rep.setdefault(rep_id, {})
                for name in ("calls", "calls_linked", "call_deals"):
                    measures.setdefault(name, 0)
                measures["calls"] += 1
                touched = True
                if deal_id is not None:
                    measures["calls_linked"] += 1
                    rep_deals.add((rep_id, deal_id))
                    team_deals.add(deal_id)
            deal = deals.get(deal_id) if deal_id is not None else None
            if deal is not None:
                owner, stage, closed_at, voided_at = deal
                won_here = stage == "won" and voided_at is None and closed_at is not None and start <= closed_at < end
                if won_here and in_scope(owner, team):
                    measures = entry.rep.setdefault(owner, {})
                    measures["win_calls"] = measures.get("win_calls", 0) + 1
                    touched = True
        for rep_id, deal_id in rep_deals:
            if not changes.rep_called_deal(conn, rep_id, start, end, deal_id, excluding=new_ids):
                entry.rep[rep_id]["call_deals"] += 1
        for deal_id in team_deals:
            others = changes.deal_callers(conn, deal_id, start, end, excluding=new_ids)
            if not any(in_scope(rep_id, team) for rep_id in others):
                entry.team["call_deals"] = entry.team.get("call_deals", 0) + 1
        if touched:
            replaced[key] = entry
    entries.update(replaced)  # all or nothing: a query failing above leaves every entry as it was


def prune_folder(folder: Path, *, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete the cache files of ``folder`` not read or written for ``STALE_FILE_DAYS`` and the temporary files of
    saves older than ``STALE_TEMP_S``, except ``keep``; other files are left alone. Returns what was deleted."""
    now = time.time() if now is None else now
    deleted: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return deleted
    for name in names:
        if _CACHE_NAME.fullmatch(name):
            limit = STALE_FILE_DAYS * 86_400
        elif name.startswith(".") and name.endswith(".tmp") and _CACHE_NAME.fullmatch(name[1:].split("-", 1)[0]):
            limit = STALE_TEMP_S
        else:
            continue
        path = folder / name
        if keep is not None and path == keep:
            continue
        with contextlib.suppress(OSError):  # gone meanwhile (another process pruned it), or not ours to delete
            if now - path.stat().st_mtime > limit:
                path.unlink()
                deleted.append(path)
    return deleted


def cache_file(db_path: str | os.PathLike[str]) -> Path | None:
    """The cache file of the database at ``db_path`` (one per database path, in the user's cache directory)."""
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256(str(Path(db_path).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return folder / "kpi" / f"{name}.json"


def cache_for(store: Any) -> KpiCache:
    """The cache of one Store object: created on first use from the database's cache file, saved when it goes."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = KpiCache(cache_file(store.path))
            # Runs when the Store is collected or at interpreter exit, whichever comes first; holds no Store.
            weakref.finalize(store, cache.flush)
        return cache

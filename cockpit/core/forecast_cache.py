"""What the forecast knows of finished periods, kept while their data does not change, in memory and across processes.

The forecast of a period learns its chances from the periods before it and scores itself on the ones before that
(:mod:`cockpit.core.forecast`): all of it reads data from before the period's start, its *horizon*. Such data rarely
changes, so it is kept per (what, period, team filter) and dropped when a write could reach it; a refresh recomputes
only the current period's part. The simulated ranges are kept by their exact inputs (the open deals' amounts and
chances), so they are recomputed only when one of those moved.

What reaches a horizon H, from the audit rows since the cache last looked (the KPI cache's method,
:mod:`cockpit.core.kpi_cache`, with the forecast's own reads):
- a deal's change made before H (the audit time, for a clock set back), or whose old or new creation, close or void
  time is before H. A change made after H of the owner, amount, expected close or void of a deal does not: the
  past states are rebuilt from the audit trail's old values. But the revenue won in the past periods is read as it
  is now, so such a change of a deal closed before H does reach it, and so does a stage move of a deal whose past
  stages fall back on its current one (no stage history from its creation: a bulk import's deals);
- a stage-history row added or removed with a time before H;
- a rep's team: every entry of a team filter. Activities, accounts, costs, quotas, settings: nothing;
- a stage, a bulk load (its summary row), an audit row that cannot be read, more rows than are worth reading, or a
  row change the audit rows do not explain (``kpi_changes.n``: someone wrote without the store): everything.

Saved like the KPI cache, next to it (``<cache dir>/forecast/``): JSON written to a temporary file and renamed,
with the database's id, the last audit row seen, its fingerprint and the change count; a file of another database,
format or owner is ignored.

Shared through the database too (:mod:`cockpit.core.store.forecast_kept`): an entry this cache does not hold is
read from there when another cockpit stored it and no audit row written since can reach it (:func:`still_true`,
the same rules), and an entry computed here is stored there, so that another user's first forecast and a new
process's report do not rebuild the history again.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.core import cache_files, kpi_cache
from cockpit.core.cache_files import flush_cache, prune_folder, read_own_file
from cockpit.core.dirs import replace_file
from cockpit.core.store import changes, forecast_kept
from cockpit.core.store.forecast_kept import Entry, Label
from cockpit.core.store.forecasting import audit_rows_since, deal_for_history

#: The cache file's format; a file of another format is ignored (2: the keys hold the period whole).
FILE_FORMAT = 2
#: Past this many new audit rows, dropping everything is cheaper than reading them one by one.
MAX_AUDIT_ROWS = kpi_cache.MAX_AUDIT_ROWS
#: Entries (a period's history or track record, per team filter) and simulated ranges kept per Store.
MAX_ENTRIES = 256
MAX_RANGES = 4096
#: A computation at least this long is saved at once.
SAVE_AFTER_S = 0.1
#: The tables whose row changes kpi_changes counts (store schema v3): each change the store makes is one audit row.
_COUNTED = frozenset({"activities", "deals", "stage_history", "reps", "stages"})
#: The deal columns the forecast's history reads (states, outcomes, won revenue).
_DEAL_READS = frozenset({"rep_id", "amount", "expected_close", "voided_at", "created_at", "closed_at", "stage"})
#: Of them, those read as they are now (won revenue) for a deal closed before the horizon.
_READ_AS_NOW = frozenset({"rep_id", "amount", "voided_at", "stage"})
_FAR = 2**62
_pruned = False  # the folder is pruned once per process, at its first save

#: An entry's key: (what, horizon, ...); the horizon is the start of the period whose history it holds.
Key = tuple[Hashable, ...]


@dataclass
class _Reach:
    everything: bool = False
    before: int = _FAR  # entries whose horizon is after this are reached
    team_filters: bool = False
    explained: int = 0

    def at(self, ts: object) -> None:
        if isinstance(ts, int) and not isinstance(ts, bool) and ts < self.before:
            self.before = ts


class ForecastCache:
    """Entries keyed by (what, horizon, ...) and simulated ranges keyed by their inputs, valid as of ``seen_audit``."""

    def __init__(self, file: Path | None = None, store: Any = None) -> None:
        # The Store whose database the entries are shared through (held weakly: the cache must not keep it open).
        self._store = weakref.ref(store) if store is not None else None
        self.entries: dict[Key, Any] = {}
        self.ranges: dict[str, tuple[int, ...]] = {}
        # Entries as the forecast uses them, by key, with the saved form they came from: decoding a 200-rep history
        # at every refresh cost more than the rest of a warm forecast's arithmetic.
        self.decoded: dict[Key, tuple[Any, Any]] = {}
        self.seen_audit: int | None = None
        self.seen_changes: int | None = None
        self.fingerprint: str | None = None
        self.db_id: str | None = None
        self.file = file
        self.loaded = file is None
        self.unsaved = False
        self.lock = threading.RLock()

    def sync(self, conn: Any) -> None:
        """Drop what the writes since the last call can reach; run inside a read transaction, before reading."""
        try:
            self._sync(conn)
        except BaseException:
            self.entries.clear()
            self.seen_audit = self.seen_changes = self.fingerprint = None
            raise

    def _sync(self, conn: Any) -> None:
        if not self.loaded:
            self.loaded = True
            self._load(conn)
        last = changes.last_audit_id(conn)
        count = changes.change_count(conn)
        seen = self.seen_audit
        seen_print = kpi_cache.fingerprint(conn, seen) if seen is not None else None
        if self.entries:
            reach = _writes_since(conn, last, count, seen, self.seen_changes, seen_print == self.fingerprint)
            if reach is None:
                self._clear()
            else:
                for key in [k for k in self.entries if _reaches(reach, k)]:
                    del self.entries[key]
                    self.unsaved = True
        now_print = seen_print if last == seen and seen_print is not None else kpi_cache.fingerprint(conn, last)
        self.seen_audit, self.seen_changes, self.fingerprint = last, count, now_print

    def _clear(self) -> None:
        if self.entries:
            self.unsaved = True
        self.entries.clear()  # the ranges are kept: they are keyed by their inputs, not by the data

    def get(self, key: Key, compute: Callable[[], Any]) -> Any:
        """The entry of ``key``, computed (and kept) when missing. Call after :meth:`sync`, with ``lock`` held."""
        found = self.entries.get(key)
        if found is None:
            started = time.monotonic()
            found = self.entries[key] = compute()
            self.unsaved = True
            if len(self.entries) > MAX_ENTRIES:
                for old in list(self.entries)[: MAX_ENTRIES // 4]:
                    del self.entries[old]
            if time.monotonic() - started >= SAVE_AFTER_S:
                self.save()
        return found

    def get_decoded(
        self, key: Key, compute: Callable[[], Any], decode: Callable[[Any], Any], *, period: str | None = None
    ) -> Any:
        """:meth:`get`, then ``decode`` of the entry, decoded once while the entry stays (``lock`` held).

        With ``period`` (what :func:`cockpit.core.forecast.period_text` writes of the period the entry is for) the
        entry is shared through the database: taken from there when it is still true, stored there once computed."""
        if period is not None and key not in self.entries:
            self._take_shared(key, decode, period)
        computed = key not in self.entries
        raw = self.get(key, compute)
        if computed and period is not None:
            self._share(key, raw, period)
        memo = self.decoded.get(key)
        if memo is not None and memo[0] is raw:
            return memo[1]
        if len(self.decoded) >= MAX_ENTRIES:
            self.decoded.clear()  # holds dropped entries alive only until here
        value = decode(raw)
        self.decoded[key] = (raw, value)
        return value

    def _take_shared(self, key: Key, decode: Callable[[Any], Any], period: str) -> None:
        """The database's entry of ``key`` into this cache, when one of this format is stored, still true, and
        decodes."""
        store = self._store() if self._store is not None else None
        if store is None:
            return
        try:
            with store.read() as conn:
                found = forecast_kept.load(conn, _entry(key, period))
                if found is None or not still_true(conn, key, *found[1]):
                    return
            raw = forecast_kept.parsed(found[0])
            value = decode(raw)
        except Exception:  # any member can write a row: one we cannot read is one we compute
            return
        self.entries[key] = raw
        self.decoded[key] = (raw, value)
        self.unsaved = True  # into this user's file too
        if len(self.entries) > MAX_ENTRIES:
            for old in list(self.entries)[: MAX_ENTRIES // 4]:
                del self.entries[old]

    def _share(self, key: Key, raw: Any, period: str) -> None:
        """Store the entry just computed in the database, labelled with where the audit log stood at the last sync
        (it was computed after it, so every write it might miss is after the label). Skipped when read-only or
        busy: derived data can wait, another user's write cannot."""
        store = self._store() if self._store is not None else None
        if store is None or self.seen_audit is None or self.seen_changes is None or self.fingerprint is None:
            return
        label = Label(self.seen_audit, self.seen_changes, self.fingerprint)
        with contextlib.suppress(TypeError, ValueError):
            text = json.dumps(raw, separators=(",", ":"), allow_nan=False)
            entry = _entry(key, period)
            store.write_derived(lambda conn: forecast_kept.save(conn, entry, text, label, int(store.clock())))

    def quantiles(self, key: str, compute: Callable[[], tuple[int, ...]]) -> tuple[int, ...]:
        """A simulated range by the digest of its inputs, simulated when missing."""
        found = self.ranges.get(key)
        if found is None:
            found = self.ranges[key] = compute()
            self.unsaved = True
            if len(self.ranges) > MAX_RANGES:
                for old in list(self.ranges)[: MAX_RANGES // 4]:
                    del self.ranges[old]
        else:
            self.ranges[key] = self.ranges.pop(key)  # recently used: kept longest
        return found

    def flush(self) -> None:
        """Save what is not saved yet (when the Store goes away or the process ends)."""
        flush_cache(self)

    def save(self) -> None:
        """Write the cache file (``lock`` held). A failure to write costs only the next start's speed."""
        self.unsaved = False
        if self.file is None or self.db_id is None or self.seen_audit is None:
            return
        data = {
            "format": FILE_FORMAT,
            "db_id": self.db_id,
            "seen_audit": self.seen_audit,
            "seen_changes": self.seen_changes,
            "fingerprint": self.fingerprint,
            "entries": [[list(key), value] for key, value in self.entries.items()],
            "ranges": list(self.ranges.items()),
        }
        with contextlib.suppress(OSError, TypeError, ValueError):
            replace_file(self.file, json.dumps(data, separators=(",", ":")).encode("utf-8"))
        global _pruned
        if not _pruned:
            _pruned = True
            prune_folder(self.file.parent, keep=self.file)

    def _load(self, conn: Any) -> None:
        self.db_id = changes.db_id(conn)
        if self.file is None or self.db_id is None:
            return
        try:
            data = json.loads(read_own_file(self.file))
            if data.get("format") != FILE_FORMAT or data.get("db_id") != self.db_id:
                return
            seen, count, fingerprint = data["seen_audit"], data["seen_changes"], data["fingerprint"]
            if not isinstance(seen, int) or not isinstance(count, int) or not isinstance(fingerprint, str):
                return
            entries = {tuple(key): value for key, value in data["entries"]}
            if not all(isinstance(key[0], str) and isinstance(key[1], int) for key in entries):
                return
            ranges = {str(key): tuple(int(v) for v in value) for key, value in data["ranges"]}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
            return  # no file yet, or one we cannot read: start empty
        self.entries, self.ranges = entries, ranges
        self.seen_audit, self.seen_changes, self.fingerprint = seen, count, fingerprint


def _entry(key: Key, period: str) -> Entry:
    """The database row's identity of a cache entry: kind, period, team filter (the key's last item), the key."""
    return Entry(str(key[0]), period, key[-1], json.dumps(list(key), separators=(",", ":")))


def _writes_since(
    conn: Any, last: int, count: int | None, seen: int | None, seen_changes: int | None, same_log: bool
) -> _Reach | None:
    """What the writes after audit row ``seen`` (when the change count was ``seen_changes``) reach, up to the last
    row ``last`` and the count ``count`` now; None when that cannot be told and nothing kept may be trusted: no change
    count, nothing seen yet, an audit log replaced (``same_log`` False: row ``seen``'s fingerprint differs) or
    shrunk, rows changed with no audit row, or too many rows to read."""
    if count is None or seen is None or seen_changes is None or last < seen or not same_log:
        return None
    if last == seen:
        return _Reach() if count == seen_changes else None
    if last - seen > MAX_AUDIT_ROWS:
        return None
    reach = _reach_since(conn, seen)
    return None if reach.everything or count - seen_changes != reach.explained else reach


def still_true(conn: Any, key: Key, seen: int, seen_changes: int, seen_print: str) -> bool:
    """Whether an entry of ``key`` computed when the audit log ended at row ``seen`` (with that row's fingerprint and
    the change count then) still holds: what :meth:`ForecastCache.sync` keeps, for one entry. Inside a read
    transaction."""
    last, count = changes.last_audit_id(conn), changes.change_count(conn)
    same_log = kpi_cache.fingerprint(conn, seen) == seen_print
    reach = _writes_since(conn, last, count, seen, seen_changes, same_log)
    return reach is not None and not _reaches(reach, key)


def _reaches(reach: _Reach, key: Key) -> bool:
    team = key[-1]
    return reach.everything or key[1] > reach.before or (reach.team_filters and team is not None)


def _values(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def _reach_since(conn: Any, seen: int) -> _Reach:
    reach = _Reach()
    for at, table, action, row_id, old_text, new_text in audit_rows_since(conn, seen):
        if table == "meta" and action != "set meta":
            reach.everything = True  # a bulk load's summary row
            return reach
        if table not in _COUNTED:
            continue
        try:
            old, new = _values(old_text), _values(new_text)
        except (ValueError, RecursionError):  # an audit row not as the store writes them: trust nothing
            reach.everything = True
            return reach
        changed = set(old) | set(new)
        if table == "deals" and old and changed <= {"updated_at"}:
            continue  # not counted by kpi_changes (store schema), and read by nothing
        reach.explained += 1
        if table == "activities":
            continue  # the forecast reads no activity
        if table == "reps":
            if old and "team" in changed:
                reach.team_filters = True
            continue
        if table == "stages" or row_id is None:
            reach.everything = True
            return reach
        if table == "stage_history":
            values = new or old
            if not isinstance(values.get("at"), int):
                reach.everything = True
                return reach
            reach.at(at)
            reach.at(values["at"])
            continue
        if old and not changed & _DEAL_READS:
            continue  # a title, a note, a probability: the forecast reads none of them
        reach.at(at)
        for values in (old, new):
            for column in ("created_at", "closed_at", "voided_at"):
                reach.at(values.get(column))
        found = deal_for_history(conn, row_id, _FAR)
        if found is None:
            reach.everything = True  # gone: what it was is not all in the audit row
            return reach
        created, closed, from_history = found
        if changed & _READ_AS_NOW:
            reach.at(closed)
        if "stage" in changed and not from_history:
            reach.at(created)
    return reach


_CACHES: weakref.WeakKeyDictionary[Any, ForecastCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_file(db_path: Any) -> Path | None:
    """The forecast cache file of a database, in the user's cache folder."""
    return cache_files.cache_file(db_path, "forecast")


def forecast_cache_for(store: Any) -> ForecastCache:
    """The forecast cache of one Store object: created on first use from its file, saved when the Store goes."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = ForecastCache(cache_file(store.path), store)
            weakref.finalize(store, cache.flush)
        return cache

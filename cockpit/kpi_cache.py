"""A per-Store cache of the KPI base measures of each trend bucket, invalidated from the audit log.

Past buckets rarely change, so the dashboard recomputes only the buckets a write could have touched. Every write
action writes audit rows with the old and new values of what it changed; before each use the cache reads the audit
rows newer than the last one it saw and drops the buckets those changes can reach. It drops everything when it cannot
tell: an audit row it does not understand (bulk writers such as the demo generator write one summary row), a change
of ``PRAGMA data_version`` (another connection committed) or of this connection's ``total_changes`` with no new audit
row, or more new audit rows than it is worth reading one by one.

Which buckets a change reaches (a bucket is the half-open range [s, e)):
- an activity: the buckets holding its time (old, new and current values), and the bucket holding the close date of
  each deal it was or is linked to (``calls_to_win`` counts calls ever logged on the deals won in a bucket);
- a deal or a stage-history row: every bucket ending after the earliest of the deal's created, qualified and closed
  times and the history time (old, new and current values). Pipeline counts a deal in every bucket ending after its
  creation; the first won deal of an account (``new_customers``) moves only between times at or after that earliest
  time; the other measures sit in the buckets of those times;
- a rep: everything (team membership and roles scope every measure);
- accounts, costs, quotas, meta settings and the undo marker row: nothing (costs, quotas and reps are read afresh on
  every dashboard).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

#: Past this many new audit rows, dropping everything is cheaper than reading them one by one.
MAX_AUDIT_ROWS = 500
#: Buckets kept per Store (a month dashboard with 12-period trends and its team filters needs a few dozen).
MAX_ENTRIES = 1024

# Audit rows that never change a cached measure.
_IGNORED_TABLES = frozenset({"accounts", "costs", "quotas", "audit_log"})
_DEAL_TIMES = ("created_at", "qualified_at", "closed_at")


@dataclass
class BucketMeasures:
    """The base measures of one bucket: per rep (additive and per-rep distinct counts) and team-wide distincts."""

    rep: dict[int, dict[str, float]]
    team: dict[str, float]


@dataclass
class _Dirty:
    """What a batch of changes reaches: buckets holding one of ``points``, buckets ending after ``after``."""

    everything: bool = False
    points: set[int] = field(default_factory=set)
    after: int | None = None

    def add_after(self, ts: int | None) -> None:
        if ts is not None and (self.after is None or ts < self.after):
            self.after = ts

    def reaches(self, start: int, end: int) -> bool:
        if self.everything:
            return True
        if self.after is not None and end > self.after:
            return True
        return any(start <= t < end for t in self.points)


class KpiCache:
    """Base measures keyed by (bucket start, bucket end, team filter), valid as of audit row ``seen_audit``."""

    def __init__(self) -> None:
        self.entries: dict[tuple[int, int, str | None], BucketMeasures] = {}
        self.seen_audit: int | None = None
        self.data_version: int | None = None
        self.total_changes: int | None = None
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: tuple[int, int, str | None]) -> BucketMeasures | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: tuple[int, int, str | None], value: BucketMeasures) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            # Drop the oldest entries (dicts keep insertion order); the next dashboard recomputes them if needed.
            for old in list(self.entries)[: MAX_ENTRIES // 4]:
                del self.entries[old]
        self.entries[key] = value

    def clear(self) -> None:
        self.entries.clear()

    def sync(self, conn: sqlite3.Connection) -> None:
        """Drop what changed since the last call; run inside the read transaction the measures will come from."""
        last = conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        changes = conn.total_changes
        if self.seen_audit is None or last < self.seen_audit:
            # First use, or the audit log shrank (the file was replaced): nothing cached can be trusted.
            self.clear()
        elif last == self.seen_audit:
            if version != self.data_version or changes != self.total_changes:
                self.clear()  # a write with no audit row: we cannot tell what it touched
        elif last - self.seen_audit > MAX_AUDIT_ROWS:
            self.clear()
        elif self.entries:
            dirty = _dirty_since(conn, self.seen_audit)
            if dirty.everything:
                self.clear()
            else:
                for key in [k for k in self.entries if dirty.reaches(k[0], k[1])]:
                    del self.entries[key]
        self.seen_audit, self.data_version, self.total_changes = last, version, changes


def _values(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def _dirty_since(conn: sqlite3.Connection, seen: int) -> _Dirty:
    dirty = _Dirty()
    rows = conn.execute(
        "SELECT table_name, action, row_id, old_values, new_values FROM audit_log WHERE id > ? ORDER BY id", (seen,)
    ).fetchall()
    deal_ids: set[int] = set()
    for table, action, row_id, old_text, new_text in rows:
        if table in _IGNORED_TABLES or (table == "meta" and action == "set meta"):
            continue
        try:
            old, new = _values(old_text), _values(new_text)
        except ValueError:
            dirty.everything = True
            return dirty
        if row_id is None or table not in ("activities", "deals", "stage_history"):
            dirty.everything = True  # reps, bulk summaries, anything we do not know
            return dirty
        if table == "activities":
            current = conn.execute("SELECT at, deal_id FROM activities WHERE id = ?", (row_id,)).fetchone()
            if current is None:
                dirty.everything = True
                return dirty
            for values in (old, new, {"at": current[0], "deal_id": current[1]}):
                if isinstance(values.get("at"), int):
                    dirty.points.add(values["at"])
                if isinstance(values.get("deal_id"), int):
                    closed = conn.execute("SELECT closed_at FROM deals WHERE id = ?", (values["deal_id"],)).fetchone()
                    if closed is not None and closed[0] is not None:
                        dirty.points.add(closed[0])
        elif table == "deals":
            for values in (old, new):
                for name in _DEAL_TIMES:
                    if isinstance(values.get(name), int):
                        dirty.add_after(values[name])
            deal_ids.add(row_id)
        else:  # stage_history: a row added (new values) or deleted by an undo (old values say only that)
            if not isinstance(new.get("deal_id"), int) or not isinstance(new.get("at"), int):
                dirty.everything = True
                return dirty
            dirty.add_after(new["at"])
            deal_ids.add(new["deal_id"])
    for deal_id in deal_ids:
        current = conn.execute(
            "SELECT created_at, qualified_at, closed_at FROM deals WHERE id = ?", (deal_id,)
        ).fetchone()
        if current is None:
            dirty.everything = True
            return dirty
        for ts in current:
            dirty.add_after(ts)
    return dirty


_CACHES: weakref.WeakKeyDictionary[Any, KpiCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(store: Any) -> KpiCache:
    """The cache of one Store object (created on first use, gone with the Store)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = KpiCache()
        return cache

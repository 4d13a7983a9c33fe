"""A cache of the KPI base measures of each trend bucket, invalidated from the audit log and kept across processes.

Past buckets rarely change, so the dashboard recomputes only the buckets a write could have touched. Every write
action writes audit rows with the old and new values of what it changed; before each use the cache reads the audit
rows newer than the last one it saw and drops the buckets those changes can reach. It drops everything when it cannot
tell: an audit row it does not understand (bulk writers such as the demo generator and imports write one summary
row), more new audit rows than it is worth reading one by one, or a change the audit rows do not explain. The last
is exact: schema v3 counts every row change of the KPI tables in ``kpi_changes.n`` (triggers, same transaction),
and each change the store makes writes one audit row, so a count that moved by more than the new audit rows means
someone wrote without the store (the sqlite3 shell, a script).

Which measures of which buckets a change reaches (a bucket is the half-open range [s, e)). What each cached measure
reads is not listed here: it comes from the declarations of ``cockpit.core.store.measures`` (``source_reads``), so
an edit of a column no measure reads, or a row of a table no cached measure reads, reaches nothing, and a change
reaches only the measures that read what it changed. A bucket some of whose measures a change reached keeps the
others: only those are counted again (``stale``; a stage move at the large size counts the two pipeline queries
instead of nine). Where a change can reach:
- an activity that is or was a call: the buckets holding its time (old, new and current values), and the bucket
  holding the close date of each deal it was or is linked to (``calls_to_win`` counts calls ever logged on the deals
  won in a bucket). Emails, meetings and notes reach nothing: no KPI counts them;
- a deal or a stage-history row: where each measure reading it places the deal (``Measure.at_times``,
  ``after_times``), by the deal's old, new and current times. Won, lost and the calls to win sit in the bucket of the
  close, opportunities in that of the qualification; the first won deal of an account (``new_customers``) moves only
  at or after the earliest close time; the pipeline reads the deal's stage and probability now in every bucket
  ending after its creation, and a stage-history row in every bucket ending after its time;
- a rep: the buckets cached for a team filter when the rep changed team; nothing otherwise (names, roles and the
  active flag are read afresh on every dashboard, and a new rep has no data yet);
- a table no cached measure reads (accounts; costs and quotas, read afresh on every dashboard; the undo marker row)
  and meta settings: nothing; a stage: everything.

Across processes and users: the buckets are kept in the database (:mod:`cockpit.core.store.kpi_buckets`, schema v6),
where triggers delete what each write can reach in the write's own transaction. A bucket a cache does not hold is
read from there, valid as of that read (only the buckets asked for: the table holds every period and team filter
anyone looked at); when it had to count several buckets (a first start, a write that reached back in time)
it stores them back, with any it updated, in a short write of derived data that no audit row records, and only if no
counted row changed since it synced. So a user's first start, ``cockpit report`` and every new process read what
any cockpit computed, and count only the buckets a write reached since.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import weakref
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cockpit.core.store import changes, kpi_buckets
from cockpit.core.store.measures import BUCKET_MEASURES, Measure, cached_reads, source_reads

if TYPE_CHECKING:
    from cockpit.core.store import Store

#: Past this many new audit rows, dropping everything is cheaper than reading them one by one.
MAX_AUDIT_ROWS = 5000
#: At most this many newly logged calls are added to cached buckets in one sync; past it their buckets are dropped.
MAX_NEW_CALLS = 100
#: Buckets kept per Store (a month dashboard with 12-period trends and its team filters needs a few dozen).
MAX_ENTRIES = 1024

_DEAL_TIMES = ("created_at", "qualified_at", "closed_at")
# What each cached measure reads, as cockpit.core.store.measures declares it (a derived table such as deal_calls
# stands for the columns it is kept from), and the union per table. An audit row of a table no cached measure reads
# reaches nothing (accounts, costs and quotas, read afresh on every dashboard; the undo marker in audit_log); an
# update of other columns only reaches nothing; a change reaches only the measures that read what it changed.
# Stage-history rows are only inserted (a move) or deleted (an undo), which always reach the measures reading them.
_MEASURE_READS: dict[str, dict[str, frozenset[str]]] = {m.name: source_reads(m) for m in BUCKET_MEASURES}
_KPI_COLUMNS: dict[str, frozenset[str]] = cached_reads()
_MEASURES: dict[str, Measure] = {m.name: m for m in BUCKET_MEASURES}
#: The values each cached measure adds to, as (scope, name).
_OUTPUTS: dict[str, frozenset[tuple[str, str]]] = {
    m.name: frozenset((m.scope, name) for name in m.names) for m in BUCKET_MEASURES
}
#: Every cached measure: a bucket every one of them must count again is dropped, not recounted in part.
ALL_MEASURES = frozenset(_MEASURES)

Key = tuple[int, int, "str | None"]


@dataclass
class BucketMeasures:
    """The base measures of one bucket: per rep (additive and per-rep distinct counts) and team-wide distincts."""

    rep: dict[int, dict[str, float]]
    team: dict[str, float]
    # KPIs derived from this entry, keyed by (rep id, counts as a rep, quota); kpi.dashboard fills it. Never saved.
    derived: dict[tuple[int, bool, int], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    def recounted(self, fresh: BucketMeasures, counted: set[tuple[str, str]]) -> BucketMeasures:
        """This bucket with the values ``counted`` ((scope, name) pairs) taken from ``fresh``, a count of only
        those: what a full count gives, as the other values are unchanged. A rep left with no value is left out,
        as a full count makes no row for it; reps in id order, as :func:`cockpit.core.kpi._bucket_of` keeps them."""
        rep_names = {name for scope, name in counted if scope == "rep"}
        team_names = {name for scope, name in counted if scope == "team"}
        rep: dict[int, dict[str, float]] = {}
        for rep_id in sorted(self.rep.keys() | fresh.rep.keys()):
            values = {name: v for name, v in self.rep.get(rep_id, {}).items() if name not in rep_names}
            values.update(fresh.rep.get(rep_id, {}))
            if values:
                rep[rep_id] = values
        team = {name: v for name, v in self.team.items() if name not in team_names}
        team.update(fresh.team)
        return BucketMeasures(rep=rep, team=team)


@dataclass
class _Reach:
    """The buckets one measure must count again: those holding one of ``points``, those ending after ``after``."""

    points: set[int] = field(default_factory=set)
    after: int | None = None

    def add_after(self, ts: int | None) -> None:
        if ts is not None and (self.after is None or ts < self.after):
            self.after = ts

    def add_times(self, measure: Measure, times: dict[str, Any]) -> None:
        """A changed deal with ``times`` (by column): where ``measure`` counts it (:class:`Measure` ``at_times``,
        ``after_times``; neither declared: after the earliest of its times)."""
        after = measure.after_times or (() if measure.at_times else _DEAL_TIMES)
        for name in measure.at_times:
            if isinstance(times.get(name), int):
                self.points.add(times[name])
        for name in after:
            if isinstance(times.get(name), int):
                self.add_after(times[name])

    def reaches(self, start: int, end: int) -> bool:
        if self.after is not None and end > self.after:
            return True
        return any(start <= t < end for t in self.points)


@dataclass
class _Dirty:
    """What a batch of changes reaches: per measure, the buckets it must count again (:class:`_Reach`)."""

    everything: bool = False
    explained: int = 0  # row changes of the counted tables that the audit rows account for
    team_filters: bool = False  # a rep changed team: every bucket cached for a team filter
    # Calls logged since (inserted, still live and unchanged): added to the buckets they fall in instead of
    # dropping those buckets. Each is (activity id, rep id, deal id or None, time).
    new_calls: list[tuple[int, int, int | None, int]] = field(default_factory=list)
    measures: dict[str, _Reach] = field(default_factory=dict)

    def of(self, name: str) -> _Reach:
        return self.measures.setdefault(name, _Reach())

    def reached(self, start: int, end: int, team: str | None = None) -> frozenset[str]:
        """The measures the bucket [start, end) of ``team`` must count again (none: it stands as it is)."""
        if self.everything or (self.team_filters and team is not None):
            return ALL_MEASURES
        return _with_partners(frozenset(name for name, r in self.measures.items() if r.reaches(start, end)))


def _with_partners(names: frozenset[str]) -> frozenset[str]:
    """``names`` and every measure adding to a value one of them adds to (the pipeline's open and closed-later
    deals sum into one value): a value is only ever counted again whole."""
    outputs = set().union(*(_OUTPUTS[name] for name in names))
    return frozenset(name for name, produced in _OUTPUTS.items() if produced & outputs)


class KpiCache:
    """Base measures keyed by (bucket start, bucket end, team filter), valid as of audit row ``seen_audit``.

    ``shared``: a bucket not held here is looked for among those stored in the database (:meth:`find`), and
    :meth:`save` stores what was computed or updated here (``unsaved``) back."""

    def __init__(self, *, shared: bool = True) -> None:
        self.entries: dict[Key, BucketMeasures] = {}
        self.seen_audit: int | None = None
        self.seen_changes: int | None = None
        self.fingerprint: str | None = None
        self.shared = shared  # buckets not held here are looked for in the database, and stored there
        self.unsaved: set[Key] = set()
        # Held buckets some measures of which a write reached: those measures are counted again (kpi.collect)
        # before the bucket is used, and it is never stored while so.
        self.stale: dict[Key, frozenset[str]] = {}
        self.save_now = False
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def find(self, conn: sqlite3.Connection, keys: list[Key]) -> dict[int, BucketMeasures | None]:
        """The buckets ``keys`` (by index) held here, else stored in the database (true as of this read, which
        :meth:`sync` has just brought this cache to), else None: the caller counts those (``misses``), and the
        measures of :attr:`stale` ones (misses too)."""
        found: dict[int, BucketMeasures | None] = {i: self.entries.get(key) for i, key in enumerate(keys)}
        wanted = [key for i, key in enumerate(keys) if found[i] is None]
        if wanted and self.shared and self.seen_changes is not None:
            for bucket in kpi_buckets.load(conn, wanted):
                self.entries[bucket.key] = BucketMeasures(rep=bucket.rep, team=bucket.team)
            found = {i: self.entries.get(key) for i, key in enumerate(keys)}
        missing = sum(1 for i, hit in found.items() if hit is None or keys[i] in self.stale)
        self.misses += missing
        self.hits += len(keys) - missing
        return found

    def put(self, key: Key, value: BucketMeasures) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            # Drop the oldest entries (dicts keep insertion order); the next dashboard recomputes them if needed.
            for old in list(self.entries)[: MAX_ENTRIES // 4]:
                del self.entries[old]
                self.unsaved.discard(old)
                self.stale.pop(old, None)
        self.entries[key] = value
        self.stale.pop(key, None)
        self.unsaved.add(key)

    def clear(self) -> None:
        self.entries.clear()
        self.unsaved.clear()
        self.stale.clear()

    def sync(self, conn: sqlite3.Connection) -> None:
        """Drop what changed since the last call; run inside the read transaction the measures will come from."""
        try:
            self._sync(conn)
        except BaseException:
            # Half-way (a read failed): what is cached may be part-updated; start over at the next sync.
            self.clear()
            self.seen_audit = self.seen_changes = self.fingerprint = None
            raise

    def _sync(self, conn: sqlite3.Connection) -> None:
        last = changes.last_audit_id(conn)
        count = changes.change_count(conn)
        seen = self.seen_audit
        seen_print = fingerprint(conn, seen) if seen is not None else None
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
                for key in list(self.entries):
                    if reached := dirty.reached(*key):
                        self._reached(key, reached)
                if dirty.new_calls:
                    self.unsaved |= _add_new_calls(conn, self.entries, dirty.new_calls) - self.stale.keys()
        # Nothing new in the audit log: the fingerprint of what is seen now is the one just computed.
        now_print = seen_print if last == seen and seen_print is not None else fingerprint(conn, last)
        self.seen_audit, self.seen_changes, self.fingerprint = last, count, now_print

    def _reached(self, key: Key, measures: frozenset[str]) -> None:
        """A write reached ``measures`` of bucket ``key``: all of them, the bucket goes; else they are stale."""
        self.unsaved.discard(key)
        stale = self.stale.get(key, frozenset()) | measures
        if stale >= ALL_MEASURES:
            del self.entries[key]
            self.stale.pop(key, None)
        else:
            self.stale[key] = stale

    def computed(self, keys: Collection[tuple[int, int, str | None]], now_ts: int) -> None:
        """The buckets ``keys`` were counted here: store them at the next :meth:`save` when there were several (a
        first start, a write that reached back in time) or one of them is over by ``now_ts`` (a past window, such
        as the cohorts' three months: counting it is most of a new process's first read at 400 reps, and only a
        write back in time reaches it again). One bucket still running is what every open cockpit recounts after a
        colleague's write to the current period: cheap to count again, and were each cockpit to store it, each such
        write would cost every open cockpit a write of its own (the same bucket, stored once). It is stored with the
        next several."""
        if self.unsaved and (len(keys) >= 2 or any(end <= now_ts for _start, end, _team in keys)):
            self.save_now = True

    def save(self, store: Store, *, force: bool = False) -> None:
        """Store the buckets computed or updated here since the last save, if :meth:`computed` asked for it or
        ``force``. Call outside a read transaction. Skipped, to be tried again later,
        when the store is read-only or busy, or another process changed counted rows since this cache synced.

        The write runs without ``lock``: a dashboard thread takes the store's lock (its read) and then this one, so
        holding this one while waiting for the store's would deadlock. What is stored is what the cache held when
        the save began; a bucket replaced meanwhile stays unsaved."""
        with self.lock:
            if not self.unsaved or self.seen_changes is None or not (force or self.save_now):
                return
            taken = {key: self.entries[key] for key in self.unsaved}
            changes_then, at = self.seen_changes, int(store.clock())
            self.save_now = False
        batch = [(key, value.rep, value.team) for key, value in taken.items()]
        if store.write_derived(lambda conn: kpi_buckets.save(conn, batch, changes_then, at)):
            with self.lock:
                self.unsaved -= {key for key, value in taken.items() if self.entries.get(key) is value}


#: How many audit rows, up to the last one seen, the fingerprint covers.
FINGERPRINT_ROWS = 32


def fingerprint(conn: sqlite3.Connection, audit_id: int) -> str:
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


def _values(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def _reading(table: str, changed: set[str] | None) -> list[Measure]:
    """The cached measures that read ``changed`` columns of ``table`` (None: a row added or deleted, all of it)."""
    return [
        _MEASURES[name]
        for name, reads in _MEASURE_READS.items()
        if table in reads and (changed is None or changed & reads[table])
    ]


def _dirty_since(conn: sqlite3.Connection, seen: int) -> _Dirty:
    dirty = _Dirty()
    deals: dict[int, set[str]] = {}  # changed deal -> the measures that must place it by its current times
    for table, action, row_id, old_text, new_text in changes.audit_since(conn, seen):
        if table == "meta" and action != "set meta":
            dirty.everything = True  # the summary of a bulk load (the demo generator), not a setting
            return dirty
        if table not in _KPI_COLUMNS:
            continue  # no cached measure reads that table
        try:
            old, new = _values(old_text), _values(new_text)
        except (ValueError, RecursionError):  # an audit row not as the store writes them: trust nothing
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
        reading = _reading(table, changed if old and new else None)
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
            points: set[int] = set()
            for values in (old, new, {"at": current[0], "deal_id": current[1]}):
                if isinstance(values.get("at"), int):
                    points.add(values["at"])
                if isinstance(values.get("deal_id"), int):
                    closed = changes.deal_closed_at(conn, values["deal_id"])
                    if closed is not None:
                        points.add(closed)
            for measure in reading:
                dirty.of(measure.name).points |= points
        elif table == "deals":
            for measure in reading:
                for values in (old, new):
                    dirty.of(measure.name).add_times(measure, values)
            deals.setdefault(row_id, set()).update(m.name for m in reading)
        else:  # stage_history: a row added (new values) or deleted by an undo (old values: the row's deal, time)
            values = new or old
            if not isinstance(values.get("deal_id"), int) or not isinstance(values.get("at"), int):
                dirty.everything = True
                return dirty
            for measure in reading:
                dirty.of(measure.name).add_after(values["at"])
            deals.setdefault(values["deal_id"], set()).update(m.name for m in reading)
    for deal_id, names in deals.items():
        times = changes.deal_times(conn, deal_id)
        if times is None:
            dirty.everything = True
            return dirty
        for name in names:
            dirty.of(name).add_times(_MEASURES[name], dict(zip(_DEAL_TIMES, times, strict=True)))
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
) -> set[Key]:
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
    return set(replaced)


def cache_for(store: Any) -> KpiCache:
    """The cache of one Store object: created on first use, seeded from the buckets stored in the database."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = KpiCache()
        return cache

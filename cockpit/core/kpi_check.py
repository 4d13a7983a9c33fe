"""``cockpit check``'s recount of the KPI buckets stored in the database (:mod:`cockpit.core.store.kpi_buckets`).

Every stored bucket is counted again from the rows, in one read transaction, and compared with what is stored: the
same reps with the same measures (sums of money in floating point compared to a part in 10^9), the same team-wide
counts. A bucket that differs, or does not decode, is reported; :func:`repair` deletes those (the next cockpit
counts them again). Whether the triggers that keep the buckets true are intact is reported too.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field

from cockpit.core.kpi import recount
from cockpit.core.store import Store, deal_calls, kpi_buckets


@dataclass
class BucketCheck:
    """What the recount found: how many buckets are stored, which differ from a recount (or do not decode)."""

    stored: int = 0
    wrong: list[kpi_buckets.Key] = field(default_factory=list)
    triggers_intact: bool = True
    deal_calls_wrong: list[int] = field(default_factory=list)  # deals whose deal_calls row disagrees with the calls
    repaired: bool = False


def _same_values(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-6) for k in a)


def _same(
    rep: Mapping[int, Mapping[str, float]],
    team: Mapping[str, float],
    fresh_rep: Mapping[int, Mapping[str, float]],
    fresh_team: Mapping[str, float],
) -> bool:
    return (
        rep.keys() == fresh_rep.keys()
        and all(_same_values(rep[r], fresh_rep[r]) for r in rep)
        and _same_values(team, fresh_team)
    )


def recount_stored(conn: sqlite3.Connection) -> BucketCheck:
    """Recount every stored KPI bucket, inside the caller's read transaction (``cockpit check`` reads the file
    without the store, so as to leave no side files behind)."""
    result = BucketCheck()
    result.triggers_intact = kpi_buckets.triggers_intact(conn)
    result.deal_calls_wrong = deal_calls.disagreeing(conn)
    rows = kpi_buckets.stored_rows(conn)
    result.stored = len(rows)
    decoded = []
    for key, text in rows:
        try:
            decoded.append((key, *kpi_buckets.decode(text)))
        except (ValueError, TypeError, AttributeError):
            result.wrong.append(key)
    fresh = recount(conn, [key for key, _rep, _team in decoded])
    for (key, rep, team), counted in zip(decoded, fresh, strict=True):
        if not _same(rep, team, counted.rep, counted.team):
            result.wrong.append(key)
    return result


def repair(store: Store, found: BucketCheck) -> bool:
    """Rebuild deal_calls from the calls when it disagreed, then delete the stored buckets that differed from a
    recount (the next cockpit counts them again), in one write; False when it could not write (busy, read-only)."""
    keys = list(found.wrong)

    def work(conn: sqlite3.Connection) -> bool:
        if found.deal_calls_wrong:
            deal_calls.rebuild(conn)
        kpi_buckets.delete(conn, keys)
        return True

    return store.write_derived(work)

"""``cockpit check``'s recomputation of the forecast history kept in the database
(:mod:`cockpit.core.store.forecast_kept`).

A kept entry that a write since it was computed can reach is not used by anyone (a cockpit computes it again and
replaces it), so only the entries still true are judged: each is computed again from the rows and compared with what
is kept, exactly (counts and money in minor units). An entry that differs, or cannot be read, is reported;
:func:`repair` deletes those (the next cockpit computes them again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cockpit.core.forecast import kept_period, recompute_kept
from cockpit.core.forecast_cache import still_true
from cockpit.core.periods import Period
from cockpit.core.store import Store, forecast_kept


@dataclass
class KeptCheck:
    """What the recomputation found: rows kept, rows still true (judged), and the key text of each that differs."""

    stored: int = 0
    current: int = 0
    wrong: list[str] = field(default_factory=list)
    repaired: bool = False


def check_kept(store: Store) -> KeptCheck:
    """Compute again every kept entry no write has reached since, and compare (``store`` may be read-only)."""
    result = KeptCheck()
    judged: list[tuple[str, tuple[Any, ...], Any, Period, tuple[int, int, str]]] = []
    with store.read() as conn:
        rows = forecast_kept.stored(conn)
        result.stored = len(rows)
        for key_text, value, period, seen, seen_changes, seen_print in rows:
            try:
                if type(seen) is not int or type(seen_changes) is not int or type(seen_print) is not str:
                    raise ValueError("not where the audit log stood")
                key = tuple(json.loads(key_text))
                kept = json.loads(value)
                when = kept_period(period)
            except (ValueError, TypeError):
                result.wrong.append(key_text)
                continue
            if still_true(conn, key, seen, seen_changes, seen_print):
                judged.append((key_text, key, kept, when, (seen, seen_changes, seen_print)))
    for key_text, key, kept, when, label in judged:
        try:
            fresh = recompute_kept(store, key, when)
        except ValueError:
            result.wrong.append(key_text)
            continue
        with store.read() as conn:
            if not still_true(conn, key, *label):
                continue  # a write landed meanwhile: nobody uses the entry any more
        result.current += 1
        if fresh != kept:
            result.wrong.append(key_text)
    return result


def repair(store: Store, found: KeptCheck) -> bool:
    """Delete the kept entries that differed from a recomputation, in one write; False when it could not write."""
    keys = list(found.wrong)
    return store.write_derived(lambda conn: forecast_kept.delete(conn, keys))

"""``cockpit check``'s recomputation of the forecast history kept in the database
(:mod:`cockpit.core.store.forecast_kept`).

A kept entry that a write since it was computed can reach is not used by anyone (a cockpit computes it again and
replaces it), nor is one of another cockpit version's format, so only this format's entries still true are judged:
each is computed again from the rows and compared with what is kept, as the forecast uses it. A row that differs,
cannot be read, or is past the number a cockpit keeps is reported; :func:`repair` deletes those (the next cockpit
computes them again). Any member of the file's group can write a row, so nothing in one is trusted to be well
formed: a row that fails in any way is a wrong row, never a failed check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cockpit.core.forecast import recompute_kept
from cockpit.core.forecast_cache import still_true
from cockpit.core.store import Store, forecast_kept
from cockpit.core.store.forecast_kept import FORMAT, StoredRow


@dataclass
class KeptCheck:
    """What the recomputation found: rows kept, rows still in use (judged), and the id of each that is wrong."""

    stored: int = 0
    current: int = 0
    wrong: list[int] = field(default_factory=list)
    repaired: bool = False


def _key(row: StoredRow) -> tuple[Any, ...]:
    """The row's key, checked against its other columns; ValueError when they disagree or it is not a key."""
    entry = row.entry
    if type(entry.key) is not str or type(entry.period) is not str or len(entry.key) > 1000:
        raise ValueError("not a key")
    key = tuple(json.loads(entry.key))
    if len(key) < 5 or key[0] != entry.kind or key[3] != entry.period or key[-1] != entry.team:
        raise ValueError("the key disagrees with its row")
    if type(key[1]) is not int or type(key[2]) is not int:
        raise ValueError("not a key")
    return key


def check_kept(store: Store) -> KeptCheck:
    """Compute again every kept entry of this format no write has reached since, and compare (``store`` may be
    read-only)."""
    result = KeptCheck()
    judged: list[tuple[int, tuple[Any, ...], Any, tuple[int, int, str]]] = []
    with store.read() as conn:
        rows, past = forecast_kept.stored(conn)
        result.stored = len(rows) + len(past)
        result.wrong += past  # a cockpit keeps the MAX_ROWS newest
        for row in rows:
            if row.format != FORMAT:
                continue  # another cockpit version's: it judges its own
            try:
                key = _key(row)
                if type(row.value) is not str:
                    raise ValueError("not a value, or larger than a cockpit reads")
                seen, changes, seen_print = row.label
                if type(seen) is not int or type(changes) is not int or type(seen_print) is not str:
                    raise ValueError("not where the audit log stood")
                if still_true(conn, key, seen, changes, seen_print):
                    kept = forecast_kept.parsed(row.value)
                    judged.append((row.id, key, kept, (seen, changes, seen_print)))
            except Exception:  # a row no cockpit wrote (see the module's docstring)
                result.wrong.append(row.id)
    for row_id, key, kept, label in judged:
        try:
            same = recompute_kept(store, key, kept)
        except Exception:  # the key or value of a row no cockpit wrote
            result.wrong.append(row_id)
            continue
        with store.read() as conn:
            if not still_true(conn, key, *label):
                continue  # a write landed meanwhile: nobody uses the entry any more
        result.current += 1
        if not same:
            result.wrong.append(row_id)
    return result


def repair(store: Store, found: KeptCheck) -> bool:
    """Delete the kept rows found wrong, in one write; False when it could not write."""
    ids = list(found.wrong)
    return store.write_derived(lambda conn: forecast_kept.delete(conn, ids))

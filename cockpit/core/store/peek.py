"""Names for the shell's tab completion (reps, teams, accounts, stages), read without changing anything on disk.

Completion runs ``cockpit`` at each press of Tab, on whatever database ``--db`` (or the settings) names, often one
the whole team has open. So, unlike :class:`~cockpit.core.store.Store`, this never migrates, never generates the
demo database, and never leaves a ``-wal`` or ``-shm`` behind: a database whose side files are both there (someone
has it open) is read as any reader reads it; any other is read as immutable, which SQLite does without a lock or
a side file (with nobody holding it open, the main file has every commit). Any trouble gives no names: a
completion must never print an error into the line being typed, nor wait on a busy writer for long.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cockpit.core.errors import StoreError
from cockpit.core.store.connection import SQLITE_HEADER, read_header, refuse_odd_side_files, sqlite_uri

#: What each kind of name is, as SQL whose one parameter is a LIKE pattern (the typed prefix).
_QUERIES = {
    "reps": "SELECT name FROM reps WHERE name LIKE ? ESCAPE '\\' ORDER BY name",
    "teams": "SELECT DISTINCT team FROM reps WHERE team != '' AND team LIKE ? ESCAPE '\\' ORDER BY team",
    "accounts": "SELECT name FROM accounts WHERE name LIKE ? ESCAPE '\\' ORDER BY name COLLATE NOCASE",
    "stages": "SELECT name FROM stages WHERE name LIKE ? ESCAPE '\\' ORDER BY position",
}
NAME_KINDS = tuple(_QUERIES)
#: A completion waits this long at most for a writer holding the database (milliseconds).
_BUSY_MS = 200


def names_for_completion(path: str | Path, kind: str, prefix: str = "", *, limit: int = 500) -> list[str]:
    """Up to ``limit`` names of ``kind`` (one of :data:`NAME_KINDS`) starting with ``prefix`` (ASCII case aside),
    from the database at ``path``; an empty list when there is no readable cockpit database there."""
    if kind not in _QUERIES:
        raise ValueError(f"no names of kind {kind!r}")
    path = Path(path)
    try:
        header = read_header(path)  # refuses a FIFO or a device before SQLite could block on it
        refuse_odd_side_files(path)
    except (StoreError, OSError):
        return []
    if not header or header[:16] != SQLITE_HEADER:
        return []
    live = all(path.with_name(path.name + side).exists() for side in ("-wal", "-shm"))
    params = {"mode": "ro"} if live else {"mode": "ro", "immutable": "1"}
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    try:
        conn = sqlite3.connect(sqlite_uri(path, **params), uri=True, isolation_level=None)
    except sqlite3.Error:
        return []
    try:
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        rows = conn.execute(_QUERIES[kind] + f" LIMIT {int(limit)}", (pattern,)).fetchall()
    except sqlite3.Error:  # not a cockpit database, damaged, or busy past the wait
        return []
    finally:
        conn.close()
    return [str(row[0]) for row in rows if row[0]]

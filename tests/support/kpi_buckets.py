"""The recount of the KPI buckets stored in a database file, as ``cockpit check`` makes it, for tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cockpit.core.kpi_check import BucketCheck, recount_stored


def recount(path: Path) -> BucketCheck:
    """Every stored bucket of ``path`` recounted, in one read transaction of a fresh connection (which replays the
    WAL, as the next cockpit to open the file would)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        found = recount_stored(conn)
        conn.execute("COMMIT")
        return found
    finally:
        conn.close()

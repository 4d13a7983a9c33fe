"""Loads of many rows in one write action: CSV imports and the demo generator.

A load runs inside one ``store.write(...)`` transaction like any action, and writes its rows through a
:class:`BulkWriter`. The demo generator's writer is unaudited: its one summary audit row makes every KPI cache start
over, so a load of a million rows costs one audit row, not a million. An import's writer is ``audited``: it keeps one
audit row per row it inserts or changes (who changed a colleague's quota, and from what, must be on record; an undo
checks them for later changes), and writes them all with one ``executemany`` after the caller's summary row, so
that they share its batch and the KPI cache meets the summary first. Rows go in with plain ``executemany`` rather
than sqlite-utils' ``insert_all``: the demo's million activities are tuples already, and the import needs each new
id at once, row by row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.core.store.transaction import Transaction

#: The tables a load writes (a fixed set: table names reach the SQL, so nothing else may).
LOAD_TABLES = frozenset({"accounts", "activities", "costs", "deals", "meta", "quotas", "reps", "stage_history"})


def _table(name: str) -> str:
    if name not in LOAD_TABLES:
        raise ValueError(f"cannot bulk-load table {name!r}")
    return name


class BulkWriter:
    """Unaudited reads and writes of whole rows inside one write transaction (``tx``), for a load that writes its
    own summary audit row. Column names come from the caller's code, never from the data loaded."""

    def __init__(self, tx: Transaction, *, audited: bool = False) -> None:
        self.tx = tx
        self._row_audit = 0  # how many audit rows were queued when the current row's savepoint began
        self._conn = tx.conn
        # (table, row id, old values JSON, new values JSON) of each row written, when audited.
        self._audit: list[tuple[str, int, str | None, str]] | None = [] if audited else None

    # ----------------------------------------------------------------------------------------------- reads

    def rows(self, table: str) -> list[sqlite3.Row]:
        """Every row of ``table`` as it stands in this transaction."""
        return self._conn.execute(f"SELECT * FROM {_table(table)}").fetchall()

    def ids_by_name(self, table: str) -> dict[str, int]:
        """``{name.casefold(): id}`` of every rep or account."""
        if table not in ("reps", "accounts"):
            raise ValueError(f"{table} rows have no name")
        return {r[1].casefold(): r[0] for r in self._conn.execute(f"SELECT id, name FROM {table}")}

    def deals_with_names(self) -> list[sqlite3.Row]:
        """Every deal (voided too) with its owner's name (``rep_name``) and its account's (``account_name``)."""
        return self._conn.execute(
            "SELECT d.*, r.name AS rep_name, a.name AS account_name FROM deals d JOIN reps r ON r.id = d.rep_id"
            " LEFT JOIN accounts a ON a.id = d.account_id"
        ).fetchall()

    def live_deals(self) -> list[sqlite3.Row]:
        """``id, external_id, title, account_id`` of every deal not voided."""
        return self._conn.execute(
            "SELECT id, external_id, title, account_id FROM deals WHERE voided_at IS NULL"
        ).fetchall()

    def stage_steps(self) -> list[tuple[int, str, int]]:
        """Every stage-history row as ``(deal_id, to_stage, at)``, each deal's in order."""
        rows = self._conn.execute("SELECT deal_id, to_stage, at FROM stage_history ORDER BY deal_id, at, id")
        return [(r[0], r[1], r[2]) for r in rows]

    # ---------------------------------------------------------------------------------------------- writes

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row; returns its id."""
        cols = ", ".join(values)
        cur = self._conn.execute(
            f"INSERT INTO {_table(table)} ({cols}) VALUES ({', '.join('?' * len(values))})", tuple(values.values())
        )
        row_id = cur.lastrowid
        assert row_id is not None  # every table a load writes has an INTEGER PRIMARY KEY (meta goes by insert_many)
        if self._audit is not None:
            self._audit.append((table, row_id, None, _json(values)))
        return row_id

    def insert_many(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows given as tuples in the order of ``columns``."""
        marks = ", ".join("?" * len(columns))
        self._conn.executemany(f"INSERT INTO {_table(table)} ({', '.join(columns)}) VALUES ({marks})", rows)

    def update(self, table: str, row_id: int, changes: dict[str, Any], old: dict[str, Any] | None = None) -> None:
        """Set columns of the row ``row_id``; ``old``, their values before, is what an audited writer records."""
        sets = ", ".join(f"{k} = ?" for k in changes)
        self._conn.execute(f"UPDATE {_table(table)} SET {sets} WHERE id = ?", (*changes.values(), row_id))
        if self._audit is not None:
            if old is None:
                raise ValueError("an audited load must say what an update replaces")
            self._audit.append((table, row_id, _json(old), _json(changes)))

    def write_audit(self) -> int:
        """Write the audit rows of what this writer wrote, in the transaction's batch, after its summary audit row
        (which the caller writes first: ``tx.audit``); returns how many. Rows a ``--skip-bad`` row rolled back are
        not among them (see :meth:`undo_row`)."""
        if self._audit is None:
            return 0
        if self.tx.batch is None:
            raise ValueError("write the load's summary audit row first")
        user, at, action, batch = self.tx.store.user, self.tx.at, self.tx.action, self.tx.batch
        self._conn.executemany(
            "INSERT INTO audit_log (unix_user, at, action, table_name, row_id, old_values, new_values, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((user, at, action, table, row_id, old, new, batch) for table, row_id, old, new in self._audit),
        )
        written = len(self._audit)
        self._audit.clear()
        return written

    def delete_stage_history(self, deal_id: int) -> None:
        """Delete a deal's whole stage history (a load about to write the history its file gives)."""
        self._conn.execute("DELETE FROM stage_history WHERE deal_id = ?", (deal_id,))

    def set_cache_size(self, kib: int) -> None:
        """Let this connection keep ``kib`` KiB of pages in memory (index pages stay hot during a big load)."""
        self._conn.execute(f"PRAGMA cache_size = -{int(kib)}")

    # -------------------------------------------------------------------------------------------- one row

    # A savepoint around one loaded row, so a row failing half-way leaves no trace while the load goes on.
    def begin_row(self) -> None:
        """Start a savepoint for one row."""
        self._conn.execute("SAVEPOINT bulk_row")
        self._row_audit = len(self._audit) if self._audit is not None else 0

    def undo_row(self) -> None:
        """Roll back what the row wrote (and its queued audit rows), and end its savepoint."""
        self._conn.execute("ROLLBACK TO bulk_row")
        self._conn.execute("RELEASE bulk_row")
        if self._audit is not None:
            del self._audit[self._row_audit :]

    def keep_row(self) -> None:
        """End the row's savepoint, keeping what it wrote."""
        self._conn.execute("RELEASE bulk_row")


def _json(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False)

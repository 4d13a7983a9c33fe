"""The object a write action works through: audited inserts and updates inside one BEGIN IMMEDIATE transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cockpit.core.errors import NotFoundError, ValidationError
from cockpit.core.store import kpi_buckets
from cockpit.core.store.schema import ACTIVITIES_DEAL_TOUCH, change_triggers, data_change_triggers
from cockpit.core.store.validation import check_amount, check_id, check_prob, check_text, check_ts, rep_values

if TYPE_CHECKING:
    from cockpit.core.store.connection import StoreConnection


class Transaction:
    """Helpers available inside one write transaction; every change goes through insert/update to be audited.

    Made by :meth:`StoreConnection.write <cockpit.core.store.connection.StoreConnection.write>`, which has already
    run ``BEGIN IMMEDIATE`` and commits or rolls back when its block ends.
    """

    def __init__(self, store: StoreConnection, action: str) -> None:
        self.store = store
        self.conn = store.conn
        self.action = action
        self.at = int(store.clock())
        self.batch: int | None = None  # the first audit id of this transaction groups its rows for undo

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query in this transaction, or None."""
        return self.conn.execute(sql, params).fetchone()

    def row(self, table: str, row_id: int) -> sqlite3.Row:
        """The row ``row_id`` of ``table`` (one of the store's own table names); NotFoundError when missing."""
        check_id(row_id)
        found = self.one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if found is None:
            singular = {"activities": "activity", "reps": "rep", "deals": "deal", "accounts": "account"}
            raise NotFoundError(f"no {singular.get(table, table)} with id {row_id}")
        return found

    def audit(
        self,
        table: str,
        row_id: int | None,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        *,
        action: str | None = None,
    ) -> int:
        """Write one audit row (old and new values as JSON); the transaction's first audit id batches the rest."""
        cur = self.conn.execute(
            "INSERT INTO audit_log (unix_user, at, action, table_name, row_id, old_values, new_values)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.store.user,
                self.at,
                action or self.action,
                table,
                row_id,
                json.dumps(old, ensure_ascii=False) if old is not None else None,
                json.dumps(new, ensure_ascii=False) if new is not None else None,
            ),
        )
        audit_id = cur.lastrowid
        if self.batch is None:
            self.batch = audit_id
        self.conn.execute("UPDATE audit_log SET batch = ? WHERE id = ?", (self.batch, audit_id))
        return audit_id

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row and its audit row; returns the new id.

        Plain SQL, not sqlite-utils' ``table.insert``: that looks the table up in sqlite_master and wraps the insert
        in a savepoint each time, three more statements while this write holds the database's one write lock."""
        cols = ", ".join(values)
        cur = self.conn.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(values))})", tuple(values.values())
        )
        row_id = cur.lastrowid
        assert row_id is not None  # every table the store inserts into has an INTEGER PRIMARY KEY
        self.audit(table, row_id, None, values)
        return row_id

    def update(self, table: str, row_id: int, changes: dict[str, Any]) -> None:
        """Change columns of one row, auditing the old values; nothing (no audit row) when nothing differs."""
        current = self.row(table, row_id)
        old = {k: current[k] for k in changes}
        if old == changes:
            return
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), row_id))
        self.audit(table, row_id, old, changes)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """A bulk load inside this transaction (the demo generator): the row-change count of kpi_changes moves once
        for the whole load instead of once per row, and the index led by deal id is built once at the end.

        The caller writes one summary audit row, which makes every KPI cache start over. Triggers and index are
        dropped and made again inside the same transaction, so no other connection ever sees them missing."""
        triggers = change_triggers() + data_change_triggers()
        for name, _create in triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        kpi_buckets.drop_triggers(self.conn)  # and every stored bucket: the load may reach any
        self.conn.execute("DROP INDEX activities_deal_touch")
        yield
        self.conn.execute(ACTIVITIES_DEAL_TOUCH)
        for _name, create in triggers:
            self.conn.execute(create)
        kpi_buckets.make_triggers(self.conn)
        self.conn.execute("UPDATE kpi_changes SET n = n + 1 WHERE id = 1")
        self.conn.execute("UPDATE data_changes SET n = n + 1 WHERE id = 1")

    def history(self, deal_id: int, from_stage: str | None, to_stage: str, at: int) -> int:
        """Add one audited stage-history row of a deal."""
        return self.insert(
            "stage_history",
            {
                "deal_id": deal_id,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "at": at,
                "by_user": self.store.user,
            },
        )

    def stage(self, name: str) -> sqlite3.Row:
        """The ``stages`` row of that name (case and spaces forgiven); ValidationError naming the stages if none."""
        found = self.one("SELECT * FROM stages WHERE name = ?", ((name or "").strip().lower(),))
        if found is None:
            names = ", ".join(r[0] for r in self.conn.execute("SELECT name FROM stages ORDER BY position"))
            raise ValidationError(f"unknown stage {name!r} (stages: {names})")
        return found

    def account(self, name: str, *, segment: str = "", lead_source: str = "", create_only: bool = False) -> int:
        """The id of the account of that name, created when unknown."""
        clean = check_text(name, "account name", required=True, max_len=200)
        found = self.one("SELECT id FROM accounts WHERE name = ? COLLATE NOCASE", (clean,))
        if found:
            if create_only:
                raise ValidationError(f"an account named {clean!r} already exists")
            return found[0]
        return self.insert(
            "accounts",
            {
                "name": clean,
                "segment": check_text(segment, "segment", max_len=100),
                "lead_source": check_text(lead_source, "lead source", max_len=100),
                "created_at": self.at,
            },
        )

    def rep_id(self, name: str, *, team: str = "", create: bool = False) -> int:
        """The id of the rep of that name (case-insensitive), created (audited) when unknown and ``create``."""
        found = self.one("SELECT id FROM reps WHERE name = ? COLLATE NOCASE", (name.strip(),))
        if found:
            return found[0]
        if not create:
            raise NotFoundError(f"no rep named {name!r}")
        values = rep_values(name, team, "", None, "rep", True) | {"created_at": self.at}
        return self.insert("reps", values)

    def deal_values(
        self,
        *,
        rep_id: int,
        title: str,
        amount: int,
        account_id: int | None,
        account: str | None,
        stage: str | None,
        probability: float | None,
        source: str,
        product: str,
        created_at: int,
        expected_close: int | None,
        closed_at: int | None,
        qualified_at: int | None,
        lost_reason: str | None,
        external_id: str | None,
    ) -> dict[str, Any]:
        """Validate a new deal's fields and derive qualified/closed dates from its stage."""
        if not self.one("SELECT 1 FROM reps WHERE id = ?", (rep_id,)):
            raise NotFoundError(f"no rep with id {rep_id}")
        if account_id is None and account:
            account_id = self.account(account)
        elif account_id is not None:
            self.row("accounts", account_id)
        target = self.stage(stage or "lead")
        closed = check_ts(closed_at, "close date")
        if target["is_open"]:
            closed = None
        elif closed is None:
            closed = created_at
        if closed is not None and closed < created_at:
            raise ValidationError("a deal cannot close before it was created")
        qualified = check_ts(qualified_at, "qualified date")
        if target["name"] == "lost" and not (lost_reason or "").strip():
            lost_reason = "unknown"
        if qualified is None and target["name"] not in ("lead", "lost"):
            qualified = created_at  # created past `lead`: qualified at creation
        return {
            "external_id": (external_id or "").strip() or None,
            "title": check_text(title, "title", required=True, max_len=500),
            "account_id": account_id,
            "rep_id": rep_id,
            "amount": check_amount(amount),
            "stage": target["name"],
            "probability": target["probability"] if probability is None else check_prob(probability),
            "source": check_text(source, "source", max_len=100),
            "product": check_text(product, "product", max_len=200),
            "created_at": created_at,
            "qualified_at": qualified,
            "expected_close": check_ts(expected_close, "expected close"),
            "closed_at": closed,
            "lost_reason": check_text(lost_reason, "lost reason", max_len=500) or None
            if target["name"] == "lost"
            else None,
            "updated_at": self.at,
        }

    def revert(self, entry: sqlite3.Row) -> None:
        """Put back what one audit row changed."""
        table, row_id = entry["table_name"], entry["row_id"]
        old = json.loads(entry["old_values"]) if entry["old_values"] else None
        if table == "meta" or row_id is None:
            raise ValidationError("that action cannot be undone")
        if old is None:  # an insert: void it where we can (history is never deleted), else delete it
            if table in ("deals", "activities"):
                self.update(table, row_id, {"voided_at": self.at, "void_reason": "undone"})
            elif table == "stage_history":
                gone = self.row("stage_history", row_id)
                self.conn.execute("DELETE FROM stage_history WHERE id = ?", (row_id,))
                # The deleted row's deal and time say which KPI buckets the deletion reaches (kpi_cache.py).
                self.audit(table, row_id, {"deleted": True, "deal_id": gone["deal_id"], "at": gone["at"]}, None)
            elif table in ("accounts", "reps"):
                # Created on the way (a new account named in a call or a deal): an unused name harms nothing,
                # and another user may already have logged against it, so it stays.
                return
            else:
                raise ValidationError(f"adding a row to {table} cannot be undone; edit or void it instead")
        else:
            self.update(table, row_id, old)

"""The store's write actions: one method per action, each one BEGIN IMMEDIATE transaction with its audit rows.

A mixin of :class:`~cockpit.core.store.Store`. Input is checked (:mod:`cockpit.core.store.validation`) before the
transaction starts where it can be, so a refused value never waits for the write lock.
"""

from __future__ import annotations

from typing import Any

from cockpit.core.errors import NotFoundError, ValidationError
from cockpit.core.store.reads import Reads
from cockpit.core.store.records import ACTIVITY_KINDS, COST_CATEGORIES, AuditEntry
from cockpit.core.store.transaction import Transaction
from cockpit.core.store.validation import (
    check_amount,
    check_month,
    check_outcome,
    check_prob,
    check_text,
    check_ts,
    lies_ahead,
    rep_values,
    row_name,
)


class Writes(Reads):
    """One method per write action; each returns the new row's id where there is one."""

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in ``meta`` (audited, not undoable)."""
        with self.write("set meta") as tx:
            old = tx.one("SELECT value FROM meta WHERE key = ?", (key,))
            tx.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
            tx.audit("meta", None, {"key": key, "value": old[0] if old else None}, {"key": key, "value": value})

    def add_rep(
        self,
        name: str,
        *,
        team: str = "",
        region: str = "",
        unix_login: str | None = None,
        role: str = "rep",
        active: bool = True,
    ) -> int:
        """Add a rep; returns its id."""
        values = rep_values(name, team, region, unix_login, role, active)
        values["created_at"] = int(self.clock())
        with self.write("add rep") as tx:
            if tx.one("SELECT id FROM reps WHERE name = ? COLLATE NOCASE", (values["name"],)):
                raise ValidationError(f"a rep named {values['name']!r} already exists")
            return tx.insert("reps", values)

    def update_rep(self, rep_id: int, **changes: Any) -> None:
        """Change a rep's name, team, region, unix_login, role or active flag (manager action)."""
        allowed = {"name", "team", "region", "unix_login", "role", "active"}
        if unknown := set(changes) - allowed:
            raise ValidationError(f"cannot change {', '.join(sorted(unknown))} of a rep")
        with self.write("edit rep") as tx:
            current = tx.row("reps", rep_id)
            merged = {k: current[k] for k in allowed} | changes
            values = rep_values(
                merged["name"],
                merged["team"],
                merged["region"],
                merged["unix_login"],
                merged["role"],
                bool(merged["active"]),
            )
            tx.update("reps", rep_id, {k: values[k] for k in changes})

    def add_account(self, name: str, *, segment: str = "", lead_source: str = "") -> int:
        """Add an account; returns its id. Names are unique, case-insensitively."""
        with self.write("add account") as tx:
            return tx.account(name, segment=segment, lead_source=lead_source, create_only=True)

    def check_done(self, ts: int | None, what: str) -> int | None:
        """A moment at which something happened (a call, a stage move, a win): not later than now (and the slack).

        What is still to come is planned as a follow-up or an expected close, both of which may lie ahead."""
        when = check_ts(ts, what)
        if when is not None and lies_ahead(when, self.clock()):
            raise ValidationError(f"{what} is in the future; log it once it has happened")
        return when

    def add_deal(
        self,
        *,
        rep_id: int,
        title: str,
        amount: int,
        account_id: int | None = None,
        account: str | None = None,
        stage: str | None = None,
        probability: float | None = None,
        source: str = "",
        product: str = "",
        created_at: int | None = None,
        expected_close: int | None = None,
        closed_at: int | None = None,
        qualified_at: int | None = None,
        lost_reason: str | None = None,
        external_id: str | None = None,
    ) -> int:
        """Add a deal with its first stage-history row; ``account`` (a name) is created when unknown."""
        created = self.check_done(created_at if created_at is not None else int(self.clock()), "created date")
        self.check_done(closed_at, "close date")
        self.check_done(qualified_at, "qualified date")
        with self.write("add deal") as tx:
            values = tx.deal_values(
                rep_id=rep_id,
                title=title,
                amount=amount,
                account_id=account_id,
                account=account,
                stage=stage,
                probability=probability,
                source=source,
                product=product,
                created_at=created,
                expected_close=expected_close,
                closed_at=closed_at,
                qualified_at=qualified_at,
                lost_reason=lost_reason,
                external_id=external_id,
            )
            deal_id = tx.insert("deals", values)
            tx.history(deal_id, None, values["stage"], created)
            return deal_id

    def move_deal(
        self,
        deal_id: int,
        stage: str,
        *,
        at: int | None = None,
        reason: str | None = None,
        probability: float | None = None,
        from_stage: str | None = None,
    ) -> None:
        """Move a deal to another stage (won, lost with a reason, or an open stage), with its stage history.

        ``from_stage``: the stage the deal must still be in (as a form showed it), checked in the transaction."""
        when = self.check_done(at if at is not None else int(self.clock()), "stage date")
        with self.write(f"move deal to {stage}") as tx:
            deal = tx.row("deals", deal_id)
            if deal["voided_at"] is not None:
                raise ValidationError(f"deal {deal_id} is voided; restore it first")
            if from_stage is not None and deal["stage"] != from_stage:
                raise ValidationError(f"deal #{deal_id} was moved meanwhile (now {deal['stage']}): reopen it")
            target = tx.stage(stage)
            if target["name"] == deal["stage"]:
                raise ValidationError(f"deal {deal_id} is already {stage}")
            changes: dict[str, Any] = {
                "stage": target["name"],
                "probability": target["probability"] if probability is None else check_prob(probability),
                "updated_at": int(self.clock()),
            }
            if target["name"] == "lost":
                changes["lost_reason"] = check_text(reason, "lost reason", required=True, max_len=500)
            else:
                changes["lost_reason"] = None
            if target["is_open"]:
                changes["closed_at"] = None
            else:
                if when < deal["created_at"]:
                    raise ValidationError("a deal cannot close before it was created")
                changes["closed_at"] = when
            # A deal is qualified the first time it leaves `lead` for anything but `lost`.
            if deal["qualified_at"] is None and target["name"] not in ("lead", "lost"):
                changes["qualified_at"] = when
            tx.update("deals", deal_id, changes)
            tx.history(deal_id, deal["stage"], target["name"], when)

    def edit_deal(self, deal_id: int, *, expect: dict[str, Any] | None = None, **changes: Any) -> None:
        """Change a deal's fields (not its stage: use move_deal). The audit row keeps the old values.

        ``expect``: column values the deal must still have (as a form showed them), checked in the write's
        transaction; when another user changed one since, nothing is written and the refusal says what changed."""
        allowed = {
            "title",
            "amount",
            "account_id",
            "rep_id",
            "probability",
            "source",
            "product",
            "expected_close",
            "external_id",
        }
        if unknown := set(changes) - allowed:
            raise ValidationError(f"cannot edit {', '.join(sorted(unknown))} of a deal")
        if not changes:
            raise ValidationError("nothing to change: name a field of the deal to edit")
        if "title" in changes:
            changes["title"] = check_text(changes["title"], "title", required=True, max_len=500)
        if "amount" in changes:
            changes["amount"] = check_amount(changes["amount"])
        if "probability" in changes:
            changes["probability"] = check_prob(changes["probability"])
        if "expected_close" in changes:
            changes["expected_close"] = check_ts(changes["expected_close"], "expected close")
        with self.write("edit deal") as tx:
            deal = tx.row("deals", deal_id)
            if deal["voided_at"] is not None:
                raise ValidationError(f"deal {deal_id} is voided; restore it first")
            for column, seen in (expect or {}).items():
                if deal[column] != seen:
                    what = f"now {deal['stage']}" if column == "stage" else column.removesuffix("_id")
                    raise ValidationError(f"deal #{deal_id} was changed meanwhile ({what}): reopen it")
            if "rep_id" in changes:
                tx.row("reps", changes["rep_id"])
            if changes.get("account_id") is not None:
                tx.row("accounts", changes["account_id"])
            tx.update("deals", deal_id, changes | {"updated_at": int(self.clock())})

    def log_activity(
        self,
        *,
        kind: str,
        rep_id: int,
        deal_id: int | None = None,
        account_id: int | None = None,
        outcome: str = "",
        duration_s: int | None = None,
        at: int | None = None,
        note: str = "",
        follow_up_at: int | None = None,
        external_id: str | None = None,
    ) -> int:
        """Log a call, email, meeting, LinkedIn touch or note; returns its id. Touches the deal's idle clock."""
        if kind not in ACTIVITY_KINDS:
            raise ValidationError(f"unknown activity kind {kind!r} (kinds: {', '.join(ACTIVITY_KINDS)})")
        if duration_s is not None and not 0 <= duration_s <= 86_400:
            raise ValidationError("duration must be between 0 and 24 hours")
        when = self.check_done(at if at is not None else int(self.clock()), "activity date")
        values = {
            "kind": kind,
            "rep_id": rep_id,
            "deal_id": deal_id,
            "account_id": account_id,
            "outcome": check_outcome(kind, outcome),
            "duration_s": duration_s,
            "at": when,
            "note": check_text(note, "note", max_len=100_000),
            "follow_up_at": check_ts(follow_up_at, "follow-up date"),
            "created_at": int(self.clock()),
            "external_id": (external_id or None),
        }
        with self.write(f"log {kind}") as tx:
            if not tx.one("SELECT 1 FROM reps WHERE id = ?", (rep_id,)):
                raise NotFoundError(f"no rep with id {rep_id}")
            if deal_id is not None:
                deal = tx.row("deals", deal_id)
                if account_id is None:
                    values["account_id"] = deal["account_id"]
                tx.conn.execute(
                    "UPDATE deals SET updated_at = max(updated_at, ?) WHERE id = ?",
                    (values["created_at"], deal_id),
                )
            elif account_id is not None:
                tx.row("accounts", account_id)
            return tx.insert("activities", values)

    def complete_follow_up(self, activity_id: int, *, at: int | None = None) -> None:
        """Mark an activity's follow-up done (at ``at``, default now)."""
        with self.write("complete follow-up") as tx:
            row = tx.row("activities", activity_id)
            if row["follow_up_at"] is None:
                raise ValidationError(f"activity {activity_id} has no follow-up")
            tx.update("activities", activity_id, {"follow_up_done_at": int(at or self.clock())})

    def edit_activity(self, activity_id: int, **changes: Any) -> None:
        """Change an activity's outcome, duration, time, note, follow-up, deal, account or kind."""
        allowed = {"outcome", "duration_s", "at", "note", "follow_up_at", "deal_id", "account_id", "kind"}
        if unknown := set(changes) - allowed:
            raise ValidationError(f"cannot edit {', '.join(sorted(unknown))} of an activity")
        if "kind" in changes and changes["kind"] not in ACTIVITY_KINDS:
            raise ValidationError(f"unknown activity kind {changes['kind']!r}")
        if "at" in changes:
            changes["at"] = self.check_done(changes["at"], "activity date")
        if "follow_up_at" in changes:
            changes["follow_up_at"] = check_ts(changes["follow_up_at"], "follow-up date")
        with self.write("edit activity") as tx:
            row = tx.row("activities", activity_id)
            if "kind" in changes or "outcome" in changes:
                # The outcome must be one of the kind's, whichever of the two changes (a call turned email keeps
                # no "voicemail").
                outcome = check_outcome(changes.get("kind", row["kind"]), changes.get("outcome", row["outcome"]))
                if "outcome" in changes or outcome != row["outcome"]:
                    changes["outcome"] = outcome
            tx.update("activities", activity_id, changes)

    def void(self, table: str, row_id: int, *, reason: str) -> None:
        """Void a deal or an activity: kept, left out of KPIs, restorable."""
        if table not in ("deals", "activities"):
            raise ValidationError(f"only deals and activities can be voided, not {table}")
        why = check_text(reason, "void reason", required=True, max_len=500)
        with self.write(f"void {table[:-1] if table == 'deals' else 'activity'}") as tx:
            row = tx.row(table, row_id)
            if row["voided_at"] is not None:
                raise ValidationError(f"{row_name(table, row_id)} is already voided")
            tx.update(table, row_id, {"voided_at": int(self.clock()), "void_reason": why})

    def restore(self, table: str, row_id: int) -> None:
        """Undo a void."""
        if table not in ("deals", "activities"):
            raise ValidationError(f"only deals and activities can be restored, not {table}")
        with self.write("restore") as tx:
            row = tx.row(table, row_id)
            if row["voided_at"] is None:
                raise ValidationError(f"{row_name(table, row_id)} is not voided")
            tx.update(table, row_id, {"voided_at": None, "void_reason": None})

    def set_cost(self, *, month: str, category: str, amount: int, channel: str = "") -> int:
        """Set (insert or replace) a monthly cost entry; returns its id."""
        if category not in COST_CATEGORIES:
            raise ValidationError(f"cost category must be marketing or sales, not {category!r}")
        values = {
            "month": check_month(month),
            "category": category,
            "channel": check_text(channel, "channel", max_len=100),
            "amount": check_amount(amount),
        }
        with self.write("set cost") as tx:
            existing = tx.one(
                "SELECT id FROM costs WHERE month = ? AND category = ? AND channel = ?",
                (values["month"], category, values["channel"]),
            )
            if existing:
                tx.update("costs", existing[0], {"amount": values["amount"]})
                return existing[0]
            return tx.insert("costs", values)

    def set_quota(self, *, month: str, amount: int, rep_id: int | None = None, team: str | None = None) -> int:
        """Set a monthly quota for one rep or one team; returns its id."""
        if (rep_id is None) == (team is None):
            raise ValidationError("a quota is for one rep or one team")
        values = {
            "month": check_month(month),
            "amount": check_amount(amount),
            "rep_id": rep_id,
            "team": check_text(team, "team", required=True) if team is not None else None,
        }
        with self.write("set quota") as tx:
            if rep_id is not None:
                tx.row("reps", rep_id)
                existing = tx.one("SELECT id FROM quotas WHERE rep_id = ? AND month = ?", (rep_id, values["month"]))
            else:
                existing = tx.one(
                    "SELECT id FROM quotas WHERE team = ? AND month = ?", (values["team"], values["month"])
                )
            if existing:
                tx.update("quotas", existing[0], {"amount": values["amount"]})
                return existing[0]
            return tx.insert("quotas", values)

    def undo_last(self, *, user: str | None = None) -> AuditEntry:
        """Undo the user's latest action that is not itself an undo or already undone; the undo is audited too."""
        who = user or self.user
        # The login's own actions, whether audited as itself or as "login as Rep" (a manager's --as).
        login = who.split(" as ", 1)[0]
        with self.write("undo") as tx:
            rows = tx.conn.execute(
                "SELECT * FROM audit_log WHERE (unix_user = ? OR substr(unix_user, 1, length(?) + 4) = ? || ' as ')"
                " AND undone_by IS NULL AND action NOT LIKE 'undo%' AND action != 'set meta' ORDER BY id DESC LIMIT 20",
                (login, login, login),
            ).fetchall()
            if not rows:
                raise ValidationError("nothing to undo")
            # One action may have written several audit rows (one batch): undo them together, newest first.
            group = tx.conn.execute(
                "SELECT * FROM audit_log WHERE batch = ? ORDER BY id DESC", (rows[0]["batch"],)
            ).fetchall()
            _refuse_if_changed_since(tx, group)
            for entry in group:
                tx.revert(entry)
            undo_id = tx.audit(
                "audit_log",
                group[0]["id"],
                None,
                {"undid": [e["id"] for e in group]},
                action=f"undo {group[0]['action']}",
            )
            tx.conn.execute(
                f"UPDATE audit_log SET undone_by = ? WHERE id IN ({','.join('?' * len(group))})",
                (undo_id, *[e["id"] for e in group]),
            )
        return self.audit(limit=1, user=who)[0]

    def log_activity_for_account(
        self,
        *,
        kind: str,
        rep_id: int,
        account: str,
        deal_id: int | None = None,
        outcome: str = "",
        duration_s: int | None = None,
        at: int | None = None,
        note: str = "",
        follow_up_at: int | None = None,
    ) -> int:
        """Log an activity on the account of that name, creating the account in the same transaction if unknown."""
        if kind not in ACTIVITY_KINDS:
            raise ValidationError(f"unknown activity kind {kind!r} (kinds: {', '.join(ACTIVITY_KINDS)})")
        if duration_s is not None and not 0 <= duration_s <= 86_400:
            raise ValidationError("duration must be between 0 and 24 hours")
        values = {
            "kind": kind,
            "rep_id": rep_id,
            "deal_id": deal_id,
            "outcome": check_outcome(kind, outcome),
            "duration_s": duration_s,
            "at": self.check_done(at if at is not None else int(self.clock()), "activity date"),
            "note": check_text(note, "note", max_len=100_000),
            "follow_up_at": check_ts(follow_up_at, "follow-up date"),
            "created_at": int(self.clock()),
        }
        with self.write(f"log {kind}") as tx:
            if not tx.one("SELECT 1 FROM reps WHERE id = ?", (rep_id,)):
                raise NotFoundError(f"no rep with id {rep_id}")
            values["account_id"] = tx.account(account)
            if deal_id is not None:
                tx.row("deals", deal_id)
                tx.conn.execute(
                    "UPDATE deals SET updated_at = max(updated_at, ?) WHERE id = ?", (values["created_at"], deal_id)
                )
            return tx.insert("activities", values)


def _refuse_if_changed_since(tx: Transaction, group: list[Any]) -> None:
    """Refuse an undo when a later action, by anyone, changed a row the undone action wrote.

    Putting the old values back would silently erase that later work (a colleague's win turned back into a lead).
    A later action that was itself undone, and the rows an undo writes, leave the row as the undone action left it.
    """
    for entry in group:
        if entry["row_id"] is None:
            continue
        later = tx.one(
            "SELECT unix_user, action FROM audit_log WHERE id > ? AND table_name = ? AND row_id = ?"
            " AND batch != ? AND undone_by IS NULL AND action NOT LIKE 'undo%' ORDER BY id DESC LIMIT 1",
            (entry["id"], entry["table_name"], entry["row_id"], entry["batch"]),
        )
        if later is not None:
            action = later["action"]
            what = (
                f"moved to {action.removeprefix('move deal to ')}"
                if action.startswith("move deal to ")
                else (f"changed ({action})")
            )
            raise ValidationError(
                f"{_record_name(entry['table_name'], entry['row_id'])} was {what} by {later['unix_user']} since;"
                " undo refused"
            )


def _record_name(table: str, row_id: int) -> str:
    if table in ("deals", "activities"):
        return row_name(table, row_id)
    return f"{table.removesuffix('s').replace('_', ' ')} #{row_id}"

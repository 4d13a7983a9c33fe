"""The store's reads of its own records: reps, accounts, deals, activities, stages, costs, quotas, the audit log.

A mixin of :class:`~cockpit.core.store.Store`: each method runs its query in one short read transaction and
returns the frozen records of :mod:`cockpit.core.store.records`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cockpit.core.errors import NotFoundError, ValidationError
from cockpit.core.names import did_you_mean
from cockpit.core.store.connection import StoreConnection
from cockpit.core.store.records import (
    ACTIVITY_KINDS,
    Account,
    Activity,
    AuditEntry,
    Cost,
    Deal,
    Quota,
    Rep,
    Stage,
    activity_from_row,
    audit_from_row,
    deal_from_row,
    rep_from_row,
)
from cockpit.core.store.validation import check_month
from cockpit.core.text import fold

#: Every account name as text (one stored as bytes too), ordered by the stored value as completion offers them (an
#: alias of the column's own name would order by the text instead).
_ACCOUNT_NAMES = "SELECT CAST(name AS TEXT) AS account_name FROM accounts ORDER BY name COLLATE NOCASE"

_DEAL_SELECT = """
SELECT d.id, d.external_id, d.title, d.account_id, a.name AS account, d.rep_id, r.name AS rep, d.amount,
       d.stage, d.probability, d.source, d.product, d.created_at, d.qualified_at, d.expected_close,
       d.closed_at, d.lost_reason, d.updated_at, d.voided_at
FROM deals d JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id
"""

_ACTIVITY_SELECT = """
SELECT x.id, x.kind, x.rep_id, r.name AS rep, x.deal_id, d.title AS deal, x.account_id, a.name AS account,
       x.outcome, x.duration_s, x.at, x.note, x.follow_up_at, x.follow_up_done_at, x.voided_at
FROM activities x JOIN reps r ON r.id = x.rep_id
LEFT JOIN deals d ON d.id = x.deal_id
LEFT JOIN accounts a ON a.id = COALESCE(x.account_id, d.account_id)
"""

#: The orders Store.deals() accepts, and the SQL of each (a fixed set: nothing from a caller reaches the SQL).
_DEAL_ORDERS = {"updated": "d.updated_at ASC, d.id ASC", "id": "d.id ASC", "newest": "d.id DESC"}


class Reads(StoreConnection):
    """Typed reads of single records and short lists; the screens' larger reads are the package's functions."""

    def meta(self, key: str, default: str | None = None) -> str | None:
        """The value stored under ``key`` in ``meta``, or ``default``."""
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    @property
    def is_demo(self) -> bool:
        """Whether the database was written by ``cockpit demo``."""
        return self.meta("demo") == "1"

    def stages(self) -> list[Stage]:
        """The pipeline stages in order."""
        rows = self.query("SELECT name, position, probability, is_open FROM stages ORDER BY position")
        return [Stage(r["name"], r["position"], r["probability"], bool(r["is_open"])) for r in rows]

    def stage_probability(self, stage: str) -> float:
        """The default win probability of ``stage``; ValidationError naming the stages when unknown."""
        rows = self.query("SELECT probability FROM stages WHERE name = ?", (stage,))
        if not rows:
            names = ", ".join(s.name for s in self.stages())
            raise ValidationError(f"unknown stage {stage!r} (stages: {names})")
        return rows[0]["probability"]

    def reps(self, *, team: str | None = None, active_only: bool = False) -> list[Rep]:
        """Reps by name, of one team (case-insensitive) and/or active only."""
        sql = "SELECT * FROM reps WHERE 1=1"
        params: list[Any] = []
        if team:
            sql += " AND team = ? COLLATE NOCASE"
            params.append(team)
        if active_only:
            sql += " AND active = 1"
        return [rep_from_row(r) for r in self.query(sql + " ORDER BY name", params)]

    def teams(self) -> list[str]:
        """The teams reps belong to, alphabetically."""
        return [r[0] for r in self.query("SELECT DISTINCT team FROM reps WHERE team != '' ORDER BY team")]

    def rep(self, rep_id: int) -> Rep:
        """The rep of that id; NotFoundError when there is none."""
        rows = self.query("SELECT * FROM reps WHERE id = ?", (rep_id,))
        if not rows:
            raise NotFoundError(f"no rep with id {rep_id}")
        return rep_from_row(rows[0])

    def rep_by_name(self, name: str) -> Rep:
        """Find a rep by name or Unix login; the name as people type it (``zoe muller`` finds Zoë Müller).

        NotFoundError ends with "did you mean …" for a near miss; ValidationError when the folded name is several
        reps' (Zoe and Zoë both stored) and none is spelled exactly so."""
        wanted = name.strip()
        rows = self.query(
            "SELECT * FROM reps WHERE name = ? COLLATE NOCASE OR unix_login = ? ORDER BY name = ? DESC",
            (wanted, wanted, wanted),
        )
        if not rows:
            rows = self._folded("SELECT * FROM reps", "reps", wanted)
        if not rows:
            raise NotFoundError(f"no rep named {wanted!r}{self.name_hint('reps', wanted)}")
        return rep_from_row(rows[0])

    def _folded(self, select: str, table: str, name: str) -> list[Any]:
        """The rows of ``table`` whose name folds to ``name``'s: [] or one; ValidationError naming them when several."""
        rows = self.query(f"{select} WHERE fold(name) = ? ORDER BY name", (fold(name),)) if name else []
        if len(rows) > 1:  # ZOË beside Zoe and Zoë: equal but for case beyond ASCII (which NOCASE misses) wins
            rows = [r for r in rows if r["name"].casefold() == name.casefold()] or rows
        if len(rows) > 1:
            names = ", ".join(repr(r["name"]) for r in rows[:5])
            raise ValidationError(f"{name!r} matches several {table}: {names}; type the name exactly")
        return rows

    def name_hint(self, table: str, name: str) -> str:
        """``"; did you mean Ana Torres?"`` when a rep's or an account's name is near ``name``, else ``""``."""
        if table not in ("reps", "accounts"):
            raise ValueError(f"{table} rows have no name")
        return did_you_mean(name, [r[0] for r in self.query(f"SELECT name FROM {table}")])

    def rep_by_login(self, login: str) -> Rep | None:
        """The rep tied to that Unix login, or None."""
        rows = self.query("SELECT * FROM reps WHERE unix_login = ?", (login,))
        return rep_from_row(rows[0]) if rows else None

    def account(self, account_id: int) -> Account:
        """The account of that id; NotFoundError when there is none."""
        rows = self.query("SELECT id, name, segment, lead_source FROM accounts WHERE id = ?", (account_id,))
        if not rows:
            raise NotFoundError(f"no account with id {account_id}")
        return Account(**dict(rows[0]))

    def account_by_name(self, name: str) -> Account | None:
        """The account of that name as people type it (``krakow`` finds Kraków), or None (see :meth:`name_hint`).

        ValidationError when the folded name is several accounts' and none is spelled exactly so."""
        select = "SELECT id, name, segment, lead_source FROM accounts"
        rows = self.query(f"{select} WHERE name = ? COLLATE NOCASE", (name.strip(),))
        if not rows:
            rows = self._folded(select, "accounts", name.strip())
        return Account(**dict(rows[0])) if rows else None

    def deal(self, deal_id: int) -> Deal:
        """The deal of that id, voided or not; NotFoundError when there is none."""
        rows = self.query(_DEAL_SELECT + " WHERE d.id = ?", (deal_id,))
        if not rows:
            raise NotFoundError(f"no deal with id {deal_id}")
        return deal_from_row(rows[0])

    def deals(
        self,
        *,
        rep_id: int | None = None,
        stage: str | None = None,
        open_only: bool = False,
        account_id: int | None = None,
        order: str = "updated",
        limit: int = 100,
        offset: int = 0,
    ) -> list[Deal]:
        """Deals, not voided: by last change, oldest first (``order="updated"``, so the longest-idle come first),
        by id (``order="id"``), or newest first (``order="newest"``)."""
        if order not in _DEAL_ORDERS:
            raise ValueError(f"unknown deal order {order!r} (orders: {', '.join(_DEAL_ORDERS)})")
        sql = _DEAL_SELECT + " WHERE d.voided_at IS NULL"
        params: list[Any] = []
        if rep_id is not None:
            sql += " AND d.rep_id = ?"
            params.append(rep_id)
        if stage:
            sql += " AND d.stage = ?"
            params.append(stage)
        if open_only:
            sql += " AND d.stage NOT IN ('won', 'lost')"
        if account_id is not None:
            sql += " AND d.account_id = ?"
            params.append(account_id)
        sql += f" ORDER BY {_DEAL_ORDERS[order]} LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [deal_from_row(r) for r in self.query(sql, params)]

    def activity(self, activity_id: int) -> Activity:
        """The activity of that id, voided or not; NotFoundError when there is none."""
        rows = self.query(_ACTIVITY_SELECT + " WHERE x.id = ?", (activity_id,))
        if not rows:
            raise NotFoundError(f"no activity with id {activity_id}")
        return activity_from_row(rows[0])

    def activities(
        self,
        *,
        rep_id: int | None = None,
        deal_id: int | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Activity]:
        """Latest activities first, voided ones left out."""
        sql = _ACTIVITY_SELECT + " WHERE x.voided_at IS NULL"
        params: list[Any] = []
        if rep_id is not None:
            sql += " AND x.rep_id = ?"
            params.append(rep_id)
        if deal_id is not None:
            sql += " AND x.deal_id = ?"
            params.append(deal_id)
        if kind:
            sql += " AND x.kind = ?"
            params.append(kind)
        sql += " ORDER BY x.at DESC, x.id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [activity_from_row(r) for r in self.query(sql, params)]

    def follow_ups_due(self, *, until: int, rep_id: int | None = None, limit: int = 100) -> list[Activity]:
        """Open follow-ups due before ``until`` (overdue and today's), earliest first."""
        sql = (
            _ACTIVITY_SELECT
            + " WHERE x.follow_up_at IS NOT NULL AND x.follow_up_at < ? AND x.follow_up_done_at IS NULL"
            + " AND x.voided_at IS NULL"
        )
        params: list[Any] = [until]
        if rep_id is not None:
            sql += " AND x.rep_id = ?"
            params.append(rep_id)
        sql += " ORDER BY x.follow_up_at LIMIT ?"
        params.append(limit)
        return [activity_from_row(r) for r in self.query(sql, params)]

    def audit(self, *, limit: int = 50, user: str | None = None) -> list[AuditEntry]:
        """The latest audit rows first, of one Unix user or everyone's."""
        sql = "SELECT * FROM audit_log"
        params: list[Any] = []
        if user:
            sql += " WHERE unix_user = ?"
            params.append(user)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [audit_from_row(r) for r in self.query(sql, params)]

    def voided(self, *, limit: int = 20) -> list[tuple[str, int]]:
        """The latest voided deals and activities, as (table, id), most recently voided first."""
        rows = self.query(
            """SELECT 'deals', id, voided_at FROM deals WHERE voided_at IS NOT NULL
               UNION ALL SELECT 'activities', id, voided_at FROM activities WHERE voided_at IS NOT NULL
               ORDER BY 3 DESC, 2 DESC LIMIT ?""",
            (limit,),
        )
        return [(r[0], r[1]) for r in rows]

    def audit_entries(self, ids: Sequence[int]) -> list[AuditEntry]:
        """The audit rows of these ids, newest first (those that exist)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.query(f"SELECT * FROM audit_log WHERE id IN ({marks}) ORDER BY id DESC", list(ids))
        return [audit_from_row(r) for r in rows]

    def latest_activity_ts(self) -> int | None:
        """The latest recorded moment (a closed deal, a creation or an activity), to anchor an archive's report.

        The latest live activity is the latest of each kind's, each read from the end of its range of the covering
        activities_kind_at index (a kind is one of ACTIVITY_KINDS, the table's CHECK), and the latest close from the
        end of deals_open_at_end: max(at) over all activities visited every index entry (~100 ms at 200 reps), for
        the report's default period whenever the current month is empty. The latest creation is still a scan of a
        covering index of deals (a deal's creation may follow its close in imported data), ~10 ms at 200 reps."""
        kinds = " UNION ALL ".join("SELECT ? AS kind" for _ in ACTIVITY_KINDS)
        row = self.query(
            f"""SELECT max(m) FROM (
                 SELECT (SELECT x.at FROM activities x WHERE x.kind = k.kind AND x.voided_at IS NULL
                         ORDER BY x.at DESC LIMIT 1) AS m FROM ({kinds}) k
                 UNION ALL SELECT (SELECT closed_at FROM deals WHERE voided_at IS NULL AND closed_at IS NOT NULL
                                   ORDER BY closed_at DESC LIMIT 1)
                 UNION ALL SELECT max(created_at) FROM deals WHERE voided_at IS NULL)""",
            ACTIVITY_KINDS,
        )[0]
        return row[0]

    def open_deal_names(self) -> list[tuple[int, str, str | None, str, str]]:
        """(id, title, account, stage, rep) of each open deal not voided, by id: what quick entry and the forms match
        deal titles against. Read through the index of open deals (closed_at first), so it grows with the pipeline,
        not with the history (at the large benchmark size 4,300 open deals of 105,000)."""
        rows = self.query(
            "SELECT d.id, d.title, a.name, d.stage, r.name FROM deals d"
            " LEFT JOIN accounts a ON a.id = d.account_id LEFT JOIN reps r ON r.id = d.rep_id"
            " WHERE d.closed_at IS NULL AND d.stage NOT IN ('won', 'lost') AND d.voided_at IS NULL ORDER BY d.id"
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def account_names(self) -> list[str]:
        """Every account name exactly as stored, alphabetically (a name holding NUL too).

        Read as one JSON array, not a row per name: at the large size (87,800 accounts) a row object per name was
        175,000 objects for Python's collector to count, and 84 ms instead of ~30. Quick entry and the forms read
        :meth:`account_names_joined` instead."""
        (names,) = self.query(f"SELECT json_group_array(account_name) FROM ({_ACCOUNT_NAMES})")[0]
        return json.loads(names)

    def account_names_joined(self) -> str:
        """Every account name, in :meth:`account_names`' order, joined by NUL into one string ("" when none): what
        quick entry keeps (:class:`cockpit.core.names.Names`), read and compared with what it has at each opening
        without a string per name. A NUL stored in a name comes back as U+FFFD."""
        count, names = self.query(f"SELECT count(*), group_concat(account_name, char(0)) FROM ({_ACCOUNT_NAMES})")[0]
        names = names or ""
        if count and names.count("\x00") != count - 1:  # a name holds NUL itself: one by one, NUL made U+FFFD
            names = "\x00".join(name.replace("\x00", "\ufffd") for name in self.account_names())
        return names

    def costs(self, month_from: str, month_to: str | None = None) -> list[Cost]:
        """The cost entries of the months ``month_from``..``month_to`` (inclusive; one month when no end)."""
        first = check_month(month_from)
        last = check_month(month_to) if month_to is not None else first
        rows = self.query(
            "SELECT id, month, category, channel, amount FROM costs WHERE month >= ? AND month <= ?"
            " ORDER BY month, category, channel COLLATE NOCASE",
            (first, last),
        )
        return [Cost(**dict(r)) for r in rows]

    def quotas(self, month: str) -> list[Quota]:
        """The quotas of ``month``: teams first, then reps, each alphabetically."""
        rows = self.query(
            "SELECT q.id, q.month, q.rep_id, r.name AS rep, q.team, q.amount FROM quotas q"
            " LEFT JOIN reps r ON r.id = q.rep_id WHERE q.month = ?"
            " ORDER BY q.team IS NULL, coalesce(q.team, r.name) COLLATE NOCASE",
            (check_month(month),),
        )
        return [Quota(**dict(r)) for r in rows]

    def channel_names(self) -> list[str]:
        """Every channel named by a cost or a deal source, alphabetically (for completion in the cost form)."""
        rows = self.query(
            "SELECT channel FROM costs WHERE channel != '' UNION SELECT source FROM deals WHERE source != ''"
            " ORDER BY 1 COLLATE NOCASE"
        )
        return [r[0] for r in rows]

"""The read behind a deal's own page: the deal, its stage history, activities and notes, follow-ups, audit trail.

One read transaction, so the sections agree with each other (an activity in the list has its audit rows in the
trail). Money in minor units, times in epoch seconds; names and notes are returned as stored (the screen shows them
literally).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.core.store.reads import _ACTIVITY_SELECT, _DEAL_SELECT
from cockpit.core.store.records import Activity, AuditEntry, Deal, activity_from_row, audit_from_row, deal_from_row

if TYPE_CHECKING:
    from cockpit.core.store import Store

#: How many of a deal's activities and audit rows the page holds; it says how many more there are.
DEAL_ACTIVITIES = 20
DEAL_AUDIT = 20
#: Done follow-ups kept on the page (the latest); the open ones are all there (a rep must see every promise).
DEAL_DONE_FOLLOW_UPS = 5


@dataclass(frozen=True)
class StageStep:
    """One row of a deal's stage history: from (None for its first stage) to, when and by which Unix user."""

    id: int
    from_stage: str | None
    to_stage: str
    at: int
    by_user: str


@dataclass(frozen=True)
class DealDetail:
    """Everything a deal's page shows. (Named apart from :class:`~cockpit.core.store.pipeline.DealPage`, which is
    one page of a stage's deal list.)"""

    deal: Deal
    void_reason: str | None  # why it was voided (``deal.voided_at`` says when), None when it is live
    segment: str  # the account's, "" without an account
    team: str  # the owner's
    history: tuple[StageStep, ...]  # oldest first: the way the deal went
    activities: tuple[Activity, ...]  # live ones, newest first, at most DEAL_ACTIVITIES
    more_activities: int  # live activities beyond those
    open_follow_ups: tuple[Activity, ...]  # not done, earliest due first
    done_follow_ups: tuple[Activity, ...]  # the latest done first, at most DEAL_DONE_FOLLOW_UPS
    more_done_follow_ups: int
    audit: tuple[AuditEntry, ...]  # rows about the deal and its activities, newest first, at most DEAL_AUDIT
    more_audit: int

    @property
    def voided(self) -> bool:
        return self.deal.voided_at is not None


# Audit rows about the deal itself or one of its activities (voided ones too: their void is part of the story).
# Probes of the audit_rows index (the deal's rows, each activity's), not a scan of the whole trail: written as two
# lookups the planner cannot turn into a backwards scan of every row for the sake of ORDER BY id DESC LIMIT.
_AUDIT_IDS = """
SELECT id FROM audit_log WHERE table_name = 'deals' AND row_id = :deal
UNION ALL
SELECT id FROM audit_log WHERE table_name = 'activities' AND row_id IN (SELECT id FROM activities WHERE deal_id = :deal)
"""


def deal_detail(
    store: Store,
    deal_id: int,
    *,
    activities: int = DEAL_ACTIVITIES,
    audit: int = DEAL_AUDIT,
    done_follow_ups: int = DEAL_DONE_FOLLOW_UPS,
) -> DealDetail | None:
    """The page of deal ``deal_id`` (voided or not), or None when there is no such deal (a refresh must not fail
    because someone's deal page names a deal that another program deleted)."""
    with store.read() as conn:
        row = conn.execute(_DEAL_SELECT + " WHERE d.id = ?", (deal_id,)).fetchone()
        if row is None:
            return None
        deal = deal_from_row(row)
        extra = conn.execute(
            """SELECT d.void_reason, coalesce(a.segment, '') AS segment, r.team FROM deals d
               JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id WHERE d.id = ?""",
            (deal_id,),
        ).fetchone()
        history = conn.execute(
            "SELECT id, from_stage, to_stage, at, by_user FROM stage_history WHERE deal_id = ? ORDER BY at, id",
            (deal_id,),
        ).fetchall()
        live = " WHERE x.deal_id = ? AND x.voided_at IS NULL"
        recent = conn.execute(
            _ACTIVITY_SELECT + live + " ORDER BY x.at DESC, x.id DESC LIMIT ?", (deal_id, activities)
        ).fetchall()
        live_count = conn.execute(
            "SELECT count(*) FROM activities WHERE deal_id = ? AND voided_at IS NULL", (deal_id,)
        ).fetchone()[0]
        open_fu = conn.execute(
            _ACTIVITY_SELECT
            + live
            + " AND x.follow_up_at IS NOT NULL AND x.follow_up_done_at IS NULL ORDER BY x.follow_up_at, x.id",
            (deal_id,),
        ).fetchall()
        done_fu = conn.execute(
            _ACTIVITY_SELECT
            + live
            + " AND x.follow_up_done_at IS NOT NULL ORDER BY x.follow_up_done_at DESC, x.id DESC LIMIT ?",
            (deal_id, done_follow_ups),
        ).fetchall()
        done_count = conn.execute(
            "SELECT count(*) FROM activities WHERE deal_id = ? AND voided_at IS NULL AND follow_up_done_at IS NOT NULL",
            (deal_id,),
        ).fetchone()[0]
        trail = conn.execute(
            # CROSS JOIN keeps SQLite's join order: the few ids first, then each row by its id.
            f"SELECT a.* FROM ({_AUDIT_IDS}) AS x CROSS JOIN audit_log AS a ON a.id = x.id"
            " ORDER BY a.id DESC LIMIT :limit",
            {"deal": deal_id, "limit": audit},
        ).fetchall()
        trail_count = conn.execute(f"SELECT count(*) FROM ({_AUDIT_IDS})", {"deal": deal_id}).fetchone()[0]
    return DealDetail(
        deal=deal,
        void_reason=extra["void_reason"],
        segment=extra["segment"],
        team=extra["team"],
        history=tuple(StageStep(**dict(r)) for r in history),
        activities=tuple(activity_from_row(r) for r in recent),
        more_activities=max(0, live_count - len(recent)),
        open_follow_ups=tuple(activity_from_row(r) for r in open_fu),
        done_follow_ups=tuple(activity_from_row(r) for r in done_fu),
        more_done_follow_ups=max(0, done_count - len(done_fu)),
        audit=tuple(audit_from_row(r) for r in trail),
        more_audit=max(0, trail_count - len(trail)),
    )

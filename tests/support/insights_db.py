"""Hand-built databases for the insights tests (targets, analysis, report): every number is known in advance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cockpit.core.store import Store

DAY = 86_400


def ts(day: str, hour: int = 12) -> int:
    """Unix seconds of ``day`` (YYYY-MM-DD) at ``hour`` o'clock UTC."""
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, hour, tzinfo=dt.UTC).timestamp())


class Clock:
    """The store's injectable clock: set ``at`` before a write to fix its updated_at and audit time."""

    def __init__(self, at: int) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def open_store(path: Path, clock: Clock) -> Store:
    return Store(path, create=True, now=clock, user="tester")


def mix_db(path: Path) -> Store:
    """Channels and segments in October 2026 (UTC), all deals owned by Ana; Bo has none.

    Deals (amounts in dollars):
      d0 Referral, account Delta, won 2025-06-10, 5,000        (makes Delta an old customer)
      d1 LinkedIn, Alpha (SMB),   qualified Oct 1, won Oct 5,  10,000
      d2 "linkedin " Beta (SMB),  qualified Oct 2, won Oct 10, 20,000
      d3 Referral, Gamma (Ent.),  qualified Sep 1, won Oct 12, 60,000
      d4 Referral, Delta (Ent.),  qualified Oct 3, won Oct 20, 40,000
      d5 LinkedIn, no account,    qualified Oct 4, open in proposal, 7,000
      d6 Event, Alpha (SMB),      qualified Oct 6, lost Oct 25, 3,000
      d7 LinkedIn, Epsilon (SMB), qualified Nov 3, won Nov 10, 30,000
    Costs October: LinkedIn marketing 3,000 + linkedin sales 1,000; Referral 9,000; Webinar 2,000; untagged 5,000.
    Calls in October by Ana: 6 on d1, 2 on d2, 3 with no deal.
    Quotas: Ana 50,000 in October and 60,000 in November; Bo 20,000 in November.
    """
    clock = Clock(ts("2025-06-01"))
    store = open_store(path, clock)
    ana = store.add_rep("Ana", team="North")
    bo = store.add_rep("Bo", team="North")
    store.add_account("Alpha", segment="SMB", lead_source="LinkedIn")
    store.add_account("Beta", segment="SMB")
    store.add_account("Gamma", segment="Enterprise")
    store.add_account("Delta", segment="Enterprise")
    store.add_account("Epsilon", segment="SMB")

    def deal(title: str, source: str, account: str | None, qualified: str, amount: int) -> int:
        clock.at = ts(qualified)
        return store.add_deal(
            rep_id=ana,
            title=title,
            amount=amount * 100,
            account=account,
            stage="qualified",
            source=source,
            created_at=ts(qualified),
        )

    def move(deal_id: int, stage: str, day: str, reason: str | None = None) -> None:
        clock.at = ts(day)
        store.move_deal(deal_id, stage, at=ts(day), reason=reason)

    d0 = deal("d0", "Referral", "Delta", "2025-06-01", 5_000)
    move(d0, "won", "2025-06-10")
    d1 = deal("d1", "LinkedIn", "Alpha", "2026-10-01", 10_000)
    move(d1, "won", "2026-10-05")
    d2 = deal("d2", "linkedin ", "Beta", "2026-10-02", 20_000)
    move(d2, "won", "2026-10-10")
    d3 = deal("d3", "Referral", "Gamma", "2026-09-01", 60_000)
    move(d3, "won", "2026-10-12")
    d4 = deal("d4", "Referral", "Delta", "2026-10-03", 40_000)
    move(d4, "won", "2026-10-20")
    d5 = deal("d5", "LinkedIn", None, "2026-10-04", 7_000)
    move(d5, "proposal", "2026-10-09")
    d6 = deal("d6", "Event", "Alpha", "2026-10-06", 3_000)
    move(d6, "lost", "2026-10-25", reason="price")
    d7 = deal("d7", "LinkedIn", "Epsilon", "2026-11-03", 30_000)
    move(d7, "won", "2026-11-10")
    for i in range(6):
        store.log_activity(kind="call", rep_id=ana, deal_id=d1, at=ts("2026-10-02", 9 + i))
    for i in range(2):
        store.log_activity(kind="call", rep_id=ana, deal_id=d2, at=ts("2026-10-03", 9 + i))
    for i in range(3):
        store.log_activity(kind="call", rep_id=ana, at=ts("2026-10-07", 9 + i))
    store.set_cost(month="2026-10", category="marketing", channel="LinkedIn", amount=3_000_00)
    store.set_cost(month="2026-10", category="sales", channel="linkedin", amount=1_000_00)
    store.set_cost(month="2026-10", category="marketing", channel="Referral", amount=9_000_00)
    store.set_cost(month="2026-10", category="marketing", channel="Webinar", amount=2_000_00)
    store.set_cost(month="2026-10", category="sales", channel="", amount=5_000_00)
    store.set_quota(month="2026-10", amount=50_000_00, rep_id=ana)
    store.set_quota(month="2026-11", amount=60_000_00, rep_id=ana)
    store.set_quota(month="2026-11", amount=20_000_00, rep_id=bo)
    return store

"""The read behind a deal's page (cockpit.core.store.deal_page): one deal's facts, stage history, activities,
follow-ups and audit trail, on a real SQLite file written through the store's own actions.

Every expected value below is worked out from the writes in :func:`store`, audit row by audit row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit.core.store import Store
from cockpit.core.store.deal_page import StageStep, deal_detail

T0 = 1_772_442_000  # 2026-03-02 09:00 UTC
DAY = 86_400
NOW = T0 + 30 * DAY  # the store's clock: every moment below has happened


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Audit rows in order (ids): 1 rep Ana, 2 rep Bo, 3 account Acme, 4 deal #1, 5 its history, 6 deal #2, 7 its
    history, 8 deal #1 → qualified, 9 its history, 10 call a1 on #1, 11 call a2 on #2, 12 email a3 on #1 (follow-up
    open), 13 note a4 on #1, 14 its follow-up done, 15 meeting a5 on #1, 16 a5 voided, 17 deal #1 → won, 18 its
    history, 19 deal #2 voided."""
    s = Store(tmp_path_factory.mktemp("deal-page") / "d.db", create=True, user="tester", now=lambda: NOW)
    ana = s.add_rep("Ana", team="North")
    bo = s.add_rep("Bo", team="South")
    s.add_account("Acme", segment="SMB")
    one = s.add_deal(
        rep_id=ana,
        title="Acme renewal",
        account="Acme",
        amount=1_200_000,
        stage="lead",
        created_at=T0,
        expected_close=T0 + 60 * DAY,
    )
    two = s.add_deal(rep_id=bo, title="Other", amount=5_000, stage="lead", created_at=T0)
    s.move_deal(one, "qualified", at=T0 + DAY)
    s.log_activity(kind="call", rep_id=ana, deal_id=one, outcome="connected", at=T0 + 2 * DAY, note="[b]x\x1b[31m")
    s.log_activity(kind="call", rep_id=bo, deal_id=two, at=T0 + 2 * DAY)
    s.log_activity(kind="email", rep_id=ana, deal_id=one, at=T0 + 3 * DAY, note="v2", follow_up_at=T0 + 8 * DAY)
    s.log_activity(kind="note", rep_id=ana, deal_id=one, at=T0 + 4 * DAY, follow_up_at=T0 + 5 * DAY)
    s.complete_follow_up(4, at=T0 + 4 * DAY + 3600)
    s.log_activity(kind="meeting", rep_id=ana, deal_id=one, at=T0 + 5 * DAY)
    s.void("activities", 5, reason="logged twice")
    s.move_deal(one, "won", at=T0 + 6 * DAY)
    s.void("deals", two, reason="duplicate")
    yield s
    s.close()


def test_the_deal_and_its_owner_and_account(store: Store) -> None:
    page = deal_detail(store, 1)
    assert page is not None
    d = page.deal
    assert (d.id, d.title, d.amount, d.stage, d.rep, d.account) == (1, "Acme renewal", 1_200_000, "won", "Ana", "Acme")
    assert (page.team, page.segment) == ("North", "SMB")
    # Qualified when it left lead (day 1), closed when won (day 6), expected close as entered.
    assert (d.created_at, d.qualified_at, d.closed_at, d.expected_close) == (T0, T0 + DAY, T0 + 6 * DAY, T0 + 60 * DAY)
    assert not page.voided and page.void_reason is None


def test_stage_history_oldest_first(store: Store) -> None:
    page = deal_detail(store, 1)
    assert page is not None
    assert page.history == (
        StageStep(1, None, "lead", T0, "tester"),
        StageStep(3, "lead", "qualified", T0 + DAY, "tester"),
        StageStep(4, "qualified", "won", T0 + 6 * DAY, "tester"),
    )


def test_live_activities_newest_first_capped_with_the_rest_counted(store: Store) -> None:
    page = deal_detail(store, 1)
    assert page is not None
    # a5 is voided, a2 is another deal's: a4 (day 4), a3 (day 3), a1 (day 2). The note is as stored.
    assert [a.id for a in page.activities] == [4, 3, 1]
    assert page.activities[2].note == "[b]x\x1b[31m"
    assert page.more_activities == 0
    capped = deal_detail(store, 1, activities=2)
    assert capped is not None
    assert [a.id for a in capped.activities] == [4, 3]
    assert capped.more_activities == 1


def test_follow_ups_open_and_done(store: Store) -> None:
    page = deal_detail(store, 1)
    assert page is not None
    assert [a.id for a in page.open_follow_ups] == [3]
    assert page.open_follow_ups[0].follow_up_at == T0 + 8 * DAY
    assert [(a.id, a.follow_up_done_at) for a in page.done_follow_ups] == [(4, T0 + 4 * DAY + 3600)]
    assert page.more_done_follow_ups == 0


def test_audit_trail_of_the_deal_and_its_activities(store: Store) -> None:
    page = deal_detail(store, 1)
    assert page is not None
    # Deal #1's rows (4, 8, 17) and its activities' (a1: 10, a3: 12, a4: 13 and 14, a5: 15 and 16); not the stage
    # history's (shown above), nor deal #2's or its call's.
    assert [e.id for e in page.audit] == [17, 16, 15, 14, 13, 12, 10, 8, 4]
    assert page.more_audit == 0
    assert page.audit[1].action == "void activity"
    assert page.audit[0].new_values is not None and page.audit[0].new_values["stage"] == "won"
    capped = deal_detail(store, 1, audit=4)
    assert capped is not None
    assert [e.id for e in capped.audit] == [17, 16, 15, 14]
    assert capped.more_audit == 5


def test_a_voided_deal_says_so_and_a_missing_one_is_none(store: Store) -> None:
    page = deal_detail(store, 2)
    assert page is not None
    assert page.voided and page.deal.voided_at == NOW and page.void_reason == "duplicate"
    assert page.deal.account is None and page.segment == ""
    # Its call a2, and the void (19) in its trail: 19, 11, 6.
    assert [a.id for a in page.activities] == [2]
    assert [e.id for e in page.audit] == [19, 11, 6]
    assert deal_detail(store, 99) is None

"""Each kind of activity has its own outcomes (issue 19, part 5): the store's one list, checked on every write."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from cockpit.core.actions import ActivityEntry, apply, resolve_actor
from cockpit.core.demo import CALL_OUTCOMES, EMAIL_OUTCOMES, LINKEDIN_OUTCOMES, MEETING_OUTCOMES
from cockpit.core.errors import ValidationError
from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import ACTIVITY_KINDS, Store
from cockpit.core.store.records import ACTIVITY_OUTCOMES, OUTCOME_SYNONYMS
from cockpit.core.store.validation import check_outcome

NOW = pendulum.datetime(2026, 3, 31, 12, tz="UTC").int_timestamp
MAR = pendulum.datetime(2026, 3, 10, 9, tz="UTC").int_timestamp


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "o.db", create=True, user="tester", now=lambda: NOW)
    s.add_rep("Ann")
    s.add_account("Acme")
    yield s
    s.close()


def audit_rows(store: Store) -> int:
    return store.query("SELECT count(*) FROM audit_log")[0][0]


def test_one_list_names_the_outcomes_of_every_kind() -> None:
    assert set(ACTIVITY_OUTCOMES) == set(ACTIVITY_KINDS) == set(OUTCOME_SYNONYMS)
    assert ACTIVITY_OUTCOMES["email"] == ("sent", "replied", "bounced")
    assert ACTIVITY_OUTCOMES["meeting"] == ("held", "no-show", "rescheduled", "cancelled")
    assert ACTIVITY_OUTCOMES["call"] == (
        "connected",
        "voicemail",
        "no answer",
        "meeting booked",
        "not interested",
        "wrong number",
    )
    assert ACTIVITY_OUTCOMES["note"] == ()  # a note (a follow-up) records no outcome
    # Every synonym leads to an outcome of its own kind.
    for kind, synonyms in OUTCOME_SYNONYMS.items():
        assert set(synonyms.values()) <= set(ACTIVITY_OUTCOMES[kind]), kind


def test_every_outcome_the_demo_writes_is_one_of_its_kinds() -> None:
    for kind, weighted in (
        ("call", CALL_OUTCOMES),
        ("email", EMAIL_OUTCOMES),
        ("meeting", MEETING_OUTCOMES),
        ("linkedin", LINKEDIN_OUTCOMES),
    ):
        assert all(check_outcome(kind, outcome) == outcome for outcome, _ in weighted), kind


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        ("email", "Replied", "replied"),
        ("email", " sent ", "sent"),
        ("meeting", "No_Show", "no-show"),
        ("meeting", "no show", "no-show"),
        ("meeting", "Completed", "held"),
        ("meeting", "canceled", "cancelled"),
        ("call", "Left voicemail", "voicemail"),
        ("call", "Meeting-Booked", "meeting booked"),
        ("linkedin", "connection request", "connection request"),
        ("note", "", ""),
        ("email", None, ""),
    ],
)
def test_the_store_stores_the_kinds_own_spelling(store: Store, kind: str, given: str | None, stored: str) -> None:
    activity = store.log_activity(kind=kind, rep_id=1, account_id=1, at=MAR, outcome=given or "")
    assert store.activity(activity).outcome == stored


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("email", "connected", "unknown outcome 'connected' for an email (an email's outcomes: sent, replied, "
         "bounced)"),
        ("meeting", "voicemail", "unknown outcome 'voicemail' for a meeting (a meeting's outcomes: held, no-show, "
         "rescheduled, cancelled)"),
        ("call", "held", "unknown outcome 'held' for a call (a call's outcomes: connected, voicemail, no answer, "
         "meeting booked, not interested, wrong number)"),
        ("note", "sent", "unknown outcome 'sent' for a note (a note takes no outcome)"),
    ],
)  # fmt: skip
def test_an_outcome_of_another_kind_is_refused_and_nothing_is_written(
    store: Store, kind: str, given: str, message: str
) -> None:
    before = audit_rows(store)
    with pytest.raises(ValidationError) as caught:
        store.log_activity(kind=kind, rep_id=1, account_id=1, at=MAR, outcome=given)
    assert str(caught.value) == message
    with pytest.raises(ValidationError, match="unknown outcome"):
        store.log_activity_for_account(kind=kind, rep_id=1, account="Newco", at=MAR, outcome=given)
    assert audit_rows(store) == before
    assert store.account_by_name("Newco") is None


def test_actions_refuse_it_with_the_same_words(store: Store) -> None:
    actor = resolve_actor(store)
    before = audit_rows(store)
    with pytest.raises(ValidationError, match=r"^unknown outcome 'voicemail' for an email \(an email's outcomes"):
        apply(store, actor, ActivityEntry("email", account="Acme", outcome="voicemail", at=MAR, rep="Ann"))
    assert audit_rows(store) == before
    written = apply(store, actor, ActivityEntry("email", account="Acme", outcome="Bounced", at=MAR, rep="Ann"))
    assert store.activity(written).outcome == "bounced"


def test_an_edit_keeps_kind_and_outcome_together(store: Store) -> None:
    call = store.log_activity(kind="call", rep_id=1, account_id=1, at=MAR, outcome="voicemail")
    before = audit_rows(store)
    with pytest.raises(ValidationError, match="unknown outcome 'voicemail' for an email"):
        store.edit_activity(call, kind="email")  # an email never went to voicemail
    with pytest.raises(ValidationError, match="unknown outcome 'held' for a call"):
        store.edit_activity(call, outcome="held")
    assert audit_rows(store) == before
    store.edit_activity(call, kind="email", outcome="Sent")
    assert (store.activity(call).kind, store.activity(call).outcome) == ("email", "sent")
    store.edit_activity(call, note="only the note")  # an edit that leaves both alone checks neither
    quiet = store.log_activity(kind="call", rep_id=1, account_id=1, at=MAR)
    store.edit_activity(quiet, kind="meeting")  # no outcome: any kind takes it
    assert store.activity(quiet).kind == "meeting"


def test_the_call_kpis_count_calls_only(store: Store) -> None:
    deal = store.add_deal(rep_id=1, account_id=1, title="D", amount=100, stage="qualified", created_at=MAR)
    for hour, (kind, outcome) in enumerate(
        [
            ("call", "connected"),
            ("call", "meeting booked"),
            ("email", "replied"),
            ("email", "sent"),
            ("meeting", "held"),
            ("meeting", "no-show"),
        ]
    ):
        store.log_activity(kind=kind, rep_id=1, deal_id=deal, at=MAR + 3600 * (hour + 1), outcome=outcome)
    team = dashboard(store, parse_period("2026-03", tz="UTC")).team
    assert team["calls"] == 2  # two calls logged in March; the emails and meetings are not calls
    assert team["calls_per_opportunity"] == 2.0  # both on the one deal

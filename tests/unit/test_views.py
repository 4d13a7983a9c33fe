"""views.py: pipeline by stage, idle deals, search and My day on the seeded database (numbers worked by hand)."""

from __future__ import annotations

from pathlib import Path

from cockpit.core.store import Store
from cockpit.core.views import PAGE_SIZE, DealPage, StageSummary, my_day, pipeline_with_deals, search
from tests.support import FROZEN_NOW, ts

NOW = FROZEN_NOW.int_timestamp


def pipeline_summary(store: Store, *, team: str | None = None) -> tuple[StageSummary, ...]:
    """The pipeline pane's stage summary open now (the read also pages each stage's deals)."""
    return pipeline_with_deals(store, now_ts=NOW, stale_days=14, team=team)[0].stages


def stage_deals(
    store: Store, stage: str, *, now_ts: int, stale_days: int, limit: int = PAGE_SIZE, offset: int = 0
) -> DealPage:
    """One stage's page of deals, as the pipeline pane reads it."""
    pages = pipeline_with_deals(store, now_ts=now_ts, stale_days=stale_days, limit=limit, offsets={stage: offset})[1]
    return next(page for page in pages if page.stage == stage)


def test_pipeline_summary_counts_values_and_weights(db_path: Path) -> None:
    with Store(db_path) as store:
        stages = {s.stage: s for s in pipeline_summary(store)}
        north = {s.stage: s for s in pipeline_summary(store, team="North")}
    assert list(stages) == ["lead", "qualified", "proposal", "negotiation"]
    # lead: Old lead $2,000 + Wonka bars $6,500 = $8,500, weighted at 10% = $850.
    assert (stages["lead"].count, stages["lead"].value, stages["lead"].weighted) == (2, 850_000, 85_000)
    # negotiation: one $9,000 deal at 75% = $6,750.
    assert (stages["negotiation"].count, stages["negotiation"].weighted) == (1, 675_000)
    # North holds only Ana's proposal and 김민준's negotiation deal.
    assert north["lead"].count == 0 and north["proposal"].value == 2_500_000


def test_stage_deals_longest_idle_first_and_stale(db_path: Path) -> None:
    with Store(db_path) as store:
        page = stage_deals(store, "lead", now_ts=NOW, stale_days=14)
        paged = stage_deals(store, "lead", now_ts=NOW, stale_days=14, limit=1, offset=1)
    # Old lead: created Sep 5 00:00, never touched: Nov 18 10:00 - Sep 5 00:00 = 74 days 10 h -> 74 days, stale.
    # Wonka bars: created Nov 16 00:00 -> 2 days, fresh.
    assert [(d.title, d.idle_days, d.stale) for d in page.deals] == [("Old lead", 74, True), ("Wonka bars", 2, False)]
    assert page.total == 2
    assert [d.title for d in paged.deals] == ["Wonka bars"] and paged.total == 2


def test_a_call_resets_the_idle_clock(db_path: Path) -> None:
    with Store(db_path, now=lambda: ts(2026, 11, 18, 9)) as store:
        old = stage_deals(store, "lead", now_ts=NOW, stale_days=14).deals[0]
        store.log_activity(kind="call", rep_id=old.rep_id, deal_id=old.id, at=ts(2026, 11, 18, 9))
        titles = [(d.title, d.idle_days) for d in stage_deals(store, "lead", now_ts=NOW, stale_days=14).deals]
    assert titles == [("Wonka bars", 2), ("Old lead", 0)]


def test_search_finds_accounts_and_deals_and_escapes_like(db_path: Path) -> None:
    with Store(db_path) as store:
        hits = search(store, "acme")
        assert search(store, "%") == ()  # a literal percent sign, not a wildcard
        assert search(store, "  ") == ()
        clicky = search(store, "[@click")
    assert [(h.kind, h.title) for h in hits] == [("account", "Acme"), ("deal", "Acme add-on"), ("deal", "Acme renewal")]
    assert {h.kind for h in clicky} == {"account", "deal"}


def test_my_day_splits_overdue_and_today(db_path: Path) -> None:
    with Store(db_path) as store:
        ana = store.rep_by_name("Ana Lima")
        day = my_day(
            store,
            ana.id,
            day_start_ts=ts(2026, 11, 18),
            day_end_ts=ts(2026, 11, 19),
            now_ts=ts(2026, 11, 18, 10),
            stale_days=14,
        )
    assert [a.note for a in day.overdue] == ["send proposal v2"]
    assert [a.note for a in day.due_today] == ["call back Wayne CFO"]  # the Nov 25 one is not due yet
    assert [d.title for d in day.open_deals] == ["Wayne expansion"]
    # Last touched by her call of Nov 17 15:00: 19 hours before Nov 18 10:00, 0 whole days, not stale.
    assert (day.open_deals[0].idle_days, day.open_deals[0].stale) == (0, False)
    assert day.latest[0].outcome == "voicemail"  # Nov 17 15:00 is her latest activity

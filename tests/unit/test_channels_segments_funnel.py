"""Channels, segments (CAC, basket ÷ CAC) and the funnel (stage conversion, median days, stale deals) by hand."""

from __future__ import annotations

import pytest

from cockpit.core.analysis import channels, funnel, segments
from cockpit.core.periods import parse_period
from tests.support.insights_db import DAY, Clock, mix_db, open_store, ts

OCT = parse_period("2026-10", tz="UTC")


def by_name(rows):
    return {r.name.casefold(): r for r in rows}


def test_channels_with_cac_by_hand(tmp_path) -> None:
    rows = by_name(channels(mix_db(tmp_path / "t.db"), OCT))
    assert set(rows) == {"linkedin", "referral", "event", "webinar"}
    li = rows["linkedin"]
    # "LinkedIn" and "linkedin " are one channel. Opportunities qualified in October: d1, d2, d5 = 3, won d1, d2.
    assert (li.opportunities, li.opp_won, li.conversion_rate) == (3, 2, pytest.approx(2 / 3))
    # Won in October: 10,000 + 20,000 = 30,000 from 2 customers -> basket 15,000; both accounts are new.
    assert (li.won, li.revenue, li.customers, li.avg_basket, li.new_customers) == (2, 30_000_00, 2, 15_000_00, 2)
    # Costs tagged LinkedIn (3,000) and linkedin (1,000) = 4,000 over 2 new customers -> CAC 2,000; 15,000 / 2,000.
    assert (li.cost, li.cac, li.basket_to_cac) == (4_000_00, 2_000_00, pytest.approx(7.5))
    ref = rows["referral"]
    # d3 was qualified in September, so only d4 is an October opportunity (won: 1/1). Won in October: d3 and d4,
    # 60,000 + 40,000 = 100,000 from Gamma and Delta -> basket 50,000; Delta bought in 2025, so 1 new customer.
    assert (ref.opportunities, ref.conversion_rate, ref.won, ref.revenue) == (1, 1.0, 2, 100_000_00)
    assert (ref.avg_basket, ref.new_customers, ref.cost, ref.cac) == (50_000_00, 1, 9_000_00, 9_000_00)
    assert ref.basket_to_cac == pytest.approx(50_000 / 9_000)
    event = rows["event"]
    # One opportunity, lost: conversion 0, no revenue, no cost tagged -> CAC and basket/CAC unknown, never 0.
    assert (event.opportunities, event.conversion_rate, event.revenue, event.avg_basket) == (1, 0.0, 0, None)
    assert (event.cost, event.cac, event.basket_to_cac) == (0, None, None)
    webinar = rows["webinar"]
    # Money spent on a channel that brought nothing is still shown. The untagged 5,000 belongs to no channel.
    assert (webinar.opportunities, webinar.cost, webinar.cac) == (0, 2_000_00, None)
    # Sorted by revenue, highest first.
    assert [r.name.casefold() for r in channels(mix_db(tmp_path / "u.db"), OCT)][:2] == ["referral", "linkedin"]


def test_segments_by_hand(tmp_path) -> None:
    rows = by_name(segments(mix_db(tmp_path / "t.db"), OCT))
    assert set(rows) == {"smb", "enterprise", "(none)"}
    smb = rows["smb"]
    # Alpha and Beta: d1, d2, d6 qualified in October (2 won); revenue 30,000 from 2 new customers.
    assert (smb.opportunities, smb.won, smb.revenue, smb.customers, smb.new_customers) == (3, 2, 30_000_00, 2, 2)
    assert smb.cost is None and smb.cac is None
    ent = rows["enterprise"]
    assert (ent.opportunities, ent.won, ent.revenue, ent.avg_basket, ent.new_customers) == (
        1,
        2,
        100_000_00,
        50_000_00,
        1,
    )
    # d5 has no account.
    assert (rows["(none)"].opportunities, rows["(none)"].revenue) == (1, 0)


def test_team_filter(tmp_path) -> None:
    store = mix_db(tmp_path / "t.db")
    store.add_rep("Cat", team="South")
    # Every deal is Ana's (team North): South has no deals, only the company-wide channel costs.
    south = channels(store, OCT, team="South")
    assert {r.name.casefold() for r in south} == {"linkedin", "referral", "webinar"}
    assert all(r.opportunities == 0 and r.revenue == 0 and r.cac is None for r in south)
    assert channels(store, OCT, team="north") == channels(store, OCT)


def funnel_db(path):
    """Five deals moving through the stages around October 2026 (UTC); dates in the test."""
    clock = Clock(ts("2026-09-01"))
    store = open_store(path, clock)
    ana = store.add_rep("Ana")
    bo = store.add_rep("Bo")

    def add(rep: int, day: str, amount: int) -> int:
        clock.at = ts(day)
        return store.add_deal(rep_id=rep, title=f"deal {day}", amount=amount, stage="lead", created_at=ts(day))

    def move(deal: int, stage: str, day: str) -> None:
        clock.at = ts(day)
        store.move_deal(deal, stage, at=ts(day), reason="price" if stage == "lost" else None)

    f1 = add(ana, "2026-10-01", 100)
    move(f1, "qualified", "2026-10-03")
    move(f1, "proposal", "2026-10-08")
    move(f1, "won", "2026-10-20")
    f2 = add(ana, "2026-10-02", 200)
    move(f2, "qualified", "2026-10-06")
    move(f2, "lost", "2026-10-10")
    f3 = add(bo, "2026-10-05", 300)
    move(f3, "lost", "2026-10-11")
    f4 = add(bo, "2026-09-20", 400)
    move(f4, "qualified", "2026-09-25")
    move(f4, "negotiation", "2026-10-15")
    add(bo, "2026-11-02", 500)  # f5: after the period; open, idle since 2 Nov
    add(ana, "2026-11-15", 600)  # f6: open, recent
    return store, ana, bo


def test_funnel_by_hand(tmp_path) -> None:
    store, ana, bo = funnel_db(tmp_path / "f.db")
    now = ts("2026-11-20")
    f = funnel(store, OCT, now=now, stale_days=14)
    team = {s.stage: s for s in f.team}
    assert [s.stage for s in f.team] == ["lead", "qualified", "proposal", "negotiation"]
    assert team["negotiation"].next_stage == "won"
    # Lead in October: f1 (1-3 Oct), f2 (2-6), f3 (5-11); f4 left lead in September. f1 and f2 moved on, f3 was
    # lost from lead: 2/3. Days in lead for stays ended in October: 2, 4, 6 -> median 4.
    lead = team["lead"]
    assert (lead.deals, lead.advanced, lead.conversion) == (3, 2, pytest.approx(2 / 3))
    assert (lead.median_days, lead.exits) == (4.0, 3)
    # Qualified in October: f1 (3-8), f2 (6-10), f4 (25 Sep - 15 Oct). f1 went to proposal, f4 skipped to
    # negotiation (a later stage counts), f2 was lost: 2/3. Days: 5, 4, 20 -> median 5.
    q = team["qualified"]
    assert (q.deals, q.advanced, q.median_days) == (3, 2, 5.0)
    # Proposal: f1 only (8-20 Oct), won: 1/1 after 12 days.
    p = team["proposal"]
    assert (p.deals, p.advanced, p.conversion, p.median_days) == (1, 1, 1.0, 12.0)
    # Negotiation: f4 entered on 15 Oct and is still there: 0/1, no finished stay, no median.
    n = team["negotiation"]
    assert (n.deals, n.advanced, n.conversion, n.median_days, n.exits) == (1, 0, 0.0, None, 0)
    # Per rep. Ana's leads f1, f2 both advanced; median of 2 and 4 days = 3. Her qualified: f1 on, f2 lost: 1/2,
    # median of 5 and 4 = 4.5. Bo's lead f3 was lost after 6 days; his qualified f4 advanced after 20.
    ana_steps = {s.stage: s for s in f.reps[ana][1]}
    bo_steps = {s.stage: s for s in f.reps[bo][1]}
    assert (ana_steps["lead"].advanced, ana_steps["lead"].deals, ana_steps["lead"].median_days) == (2, 2, 3.0)
    assert (ana_steps["qualified"].conversion, ana_steps["qualified"].median_days) == (0.5, 4.5)
    assert (bo_steps["lead"].conversion, bo_steps["lead"].median_days) == (0.0, 6.0)
    assert (bo_steps["qualified"].conversion, bo_steps["qualified"].median_days) == (1.0, 20.0)
    # Stale (idle over 14 days before 20 Nov, i.e. last touched before 6 Nov): Bo's f4 (15 Oct, 36 days) and
    # f5 (2 Nov, 18 days) = 400 + 500; Ana's f6 (15 Nov) is fresh and her others are closed.
    assert [(s.rep, s.deals, s.amount, s.oldest_days) for s in f.stale] == [("Bo", 2, 900, 36)]
    assert f.to_json("USD")["stale"] == [{"rep": "Bo", "deals": 2, "amount": 9.0, "oldest_days": 36}]


def test_voided_deals_leave_the_funnel(tmp_path) -> None:
    store, _ana, _bo = funnel_db(tmp_path / "f.db")
    f3 = store.query("SELECT id FROM deals WHERE title = 'deal 2026-10-05'")[0][0]
    store.void("deals", f3, reason="duplicate")
    lead = funnel(store, OCT, now=ts("2026-11-20") + DAY).team[0]
    # Without f3: f1 and f2 in lead, both advanced; days 2 and 4 -> median 3.
    assert (lead.deals, lead.advanced, lead.median_days) == (2, 2, 3.0)

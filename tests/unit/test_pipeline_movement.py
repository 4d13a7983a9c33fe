"""Pipeline movement and slipped deals (issue 23): a waterfall worked out by hand that adds up to the cent."""

from __future__ import annotations

from pathlib import Path

import pendulum

from cockpit.core.movement import STEPS, movement, slipped_deals
from cockpit.core.periods import parse_period
from cockpit.core.store import Store

TZ = "UTC"
NOV = parse_period("2026-11", tz=TZ)


def ts(text: str) -> int:
    return int(pendulum.parse(text, tz=TZ).timestamp())


def test_waterfall_by_hand_adds_up_to_the_cent(tmp_path: Path) -> None:
    clock = [ts("2026-10-10")]
    store = Store(tmp_path / "m.db", create=True, user="tester", now=lambda: clock[0])
    ana, bo = store.add_rep("Ana"), store.add_rep("Bo")
    # Open on 1 November: four of Ana's deals, $100.01 + $200.02 + $300.03 + $400.04 = $1,000.10.
    a, b, c, d = (
        store.add_deal(
            rep_id=ana,
            title=t,
            amount=amt,
            stage="proposal",
            created_at=ts("2026-10-05"),
            expected_close=ts("2026-11-20"),
        )
        for t, amt in (("a", 10_001), ("b", 20_002), ("c", 30_003), ("d", 40_004))
    )
    clock[0] = ts("2026-11-10")
    store.move_deal(a, "won", at=ts("2026-11-05"))  # − won $100.01
    store.move_deal(b, "lost", at=ts("2026-11-06"), reason="price")  # − lost $200.02
    store.edit_deal(c, amount=35_000)  # + $49.97 amount change
    store.void("deals", d, reason="duplicate")  # − voided $400.04
    store.add_deal(rep_id=bo, title="e", amount=12_345, created_at=ts("2026-11-08"))  # + created $123.45
    f = store.add_deal(rep_id=bo, title="f", amount=5_000, created_at=ts("2026-11-08"))  # created and won: in, out
    store.move_deal(f, "won", at=ts("2026-11-09"))
    store.edit_deal(c, rep_id=bo)  # Ana → Bo: "other" in the reps' waterfalls, nothing for the team
    fall = movement(store, NOV, ts("2026-11-10")).team
    got = {k: (v.value, v.count) for k, v in fall.steps.items()}
    assert (fall.start.value, fall.start.count) == (100_010, 4)
    assert got == {
        "created": (12_345 + 5_000, 2),
        "amount_changes": (4_997, 0),
        "won": (-10_001 - 5_000, -2),
        "lost": (-20_002, -1),
        "voided": (-40_004, -1),
        "other": (0, 0),
    }
    # Open at the end: c at $350.00 and e at $123.45.
    assert (fall.end.value, fall.end.count) == (35_000 + 12_345, 2)
    reps = movement(store, NOV, ts("2026-11-10")).reps
    assert reps[ana].steps["other"].value == -30_003 and reps[ana].end.value == 0
    assert reps[bo].steps["other"].value == 30_003 and reps[bo].end.value == 35_000 + 12_345
    for w in (fall, *reps.values()):
        assert w.start.value + sum(w.steps[k].value for k in STEPS) == w.end.value
        assert w.start.count + sum(w.steps[k].count for k in STEPS) == w.end.count


def test_slipped_overdue_and_moved_out(tmp_path: Path) -> None:
    clock = [ts("2026-11-02")]
    store = Store(tmp_path / "s.db", create=True, user="tester", now=lambda: clock[0])
    ana = store.add_rep("Ana [b]")
    late = store.add_deal(rep_id=ana, title="late", amount=100, expected_close=ts("2026-11-05"))
    moved = store.add_deal(rep_id=ana, title="moved", amount=200, expected_close=ts("2026-11-20"))
    store.add_deal(rep_id=ana, title="fine", amount=300, expected_close=ts("2026-11-28"))
    clock[0] = ts("2026-11-12")
    store.edit_deal(moved, expected_close=ts("2026-12-10"))  # out of November by 20 days
    got = slipped_deals(store, NOV, ts("2026-11-15"))
    assert [(s.deal_id, s.reason, s.days, s.rep) for s in got] == [
        (moved, "moved out", 20, "Ana [b]"),
        (late, "overdue", 10, "Ana [b]"),
    ]
    assert got[1].to_json("USD")["expected_close"] == "2026-11-05"

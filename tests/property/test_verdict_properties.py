"""Property tests of the verdict (hypothesis, and many seeds of generated teams).

* The parts of the decomposition add up to the total change to the cent, on any months (zeros included), and every
  factor's rep parts add up to the factor.
* Pure noise around a steady mean (Poisson opportunities, binomial wins, log-normal deal amounts): no cause is
  claimed in at least 95% of the seeds, for 3, 7 and 200 reps.
* The same noise with every rep's opportunities down 40% in November: team-wide volume is found in most seeds (the
  guard against noise does not make the verdict blind).
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.verdict import FACTORS, Counts, apportion, compute_verdict, decompose
from tests.support.verdict_teams import MONTHS, Month, build, noisy_month, noisy_team

pytestmark = pytest.mark.slow

counts = st.builds(
    Counts,
    st.integers(0, 60),
    st.integers(0, 30),
    st.integers(0, 500_000_00),
).filter(lambda c: (c.won == 0) == (c.revenue == 0) or c.won > 0)
months = st.builds(
    lambda o, w, r: Month(o, min(w, o), r if min(w, o) else 0),
    st.integers(0, 40),
    st.integers(0, 20),
    st.integers(0, 200_000_00),
)


@settings(max_examples=300, deadline=None)
@given(counts, counts)
def test_the_three_parts_add_up_to_the_change(base: Counts, now: Counts) -> None:
    parts = decompose(base, now)
    assert all(math.isfinite(p) for p in parts)
    assert sum(parts) == pytest.approx(now.revenue - base.revenue, abs=1e-6 * (1 + abs(base.revenue) + now.revenue))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9), max_size=30), st.integers(-3, 3))
def test_apportion_adds_up_exactly(values: list[float], slack: int) -> None:
    total = round(sum(values)) + (slack if values else 0)
    out = apportion(values, total)
    assert sum(out) == total and len(out) == len(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(months, min_size=len(MONTHS), max_size=len(MONTHS)), min_size=1, max_size=5))
def test_a_verdicts_amounts_add_up_to_the_cent(team: list[list[Month]]) -> None:
    per = {f"Rep {i}": m for i, m in enumerate(team)}
    dash, tgt = build(per)
    v = compute_verdict(dash, tgt)
    assert v is not None
    if not any(m.opportunities or m.won or m.revenue for months in team for m in months[:-1]):
        # No earlier month with data: nothing to compare with, no factor.
        assert v.baseline is None and v.factors == () and v.change == 0
        return
    assert v.baseline is not None and v.actual is not None
    assert v.change == v.actual - v.baseline
    assert sum(f.amount for f in v.factors) == v.change
    assert {f.factor for f in v.factors} == set(FACTORS)
    for f in v.factors:
        assert sum(r.amount for r in f.reps) == f.amount
        assert f.spread in ("team", "individual", "none")
        assert (f.lever is None) == (f.spread == "none")
        assert f.share is None or math.isfinite(f.share)
    for rep_id in (r.rep_id for r in dash.reps):
        mine = compute_verdict(dash, tgt, rep_id=rep_id)
        assert mine is not None and sum(f.amount for f in mine.factors) == mine.change


@pytest.mark.parametrize(("reps", "seeds"), [(3, 200), (7, 200), (200, 20)])
def test_pure_noise_claims_no_cause_in_95_percent_of_seeds(reps: int, seeds: int) -> None:
    quiet = 0
    for seed in range(seeds):
        v = compute_verdict(*build(noisy_team(random.Random(1000 * reps + seed), reps)))
        assert v is not None
        if all(f.spread == "none" for f in v.factors):
            quiet += 1
    assert quiet >= 0.95 * seeds


def test_a_real_drop_is_found_through_the_noise() -> None:
    """Seven reps with 40 opportunities a month (noisy), November drawn at 60% of that: team-wide volume."""
    found = 0
    for seed in range(50):
        rng = random.Random(seed)
        per = noisy_team(rng, 7, opportunities=(40, 40))
        for name, series in per.items():
            size = series[0].revenue // max(series[0].won, 1) or 5_000_00
            per[name] = [*series[:-1], noisy_month(rng, 24, 0.3, size)]
        v = compute_verdict(*build(per))
        assert v is not None
        volume = v.factor("volume")
        assert volume is not None
        found += volume.spread == "team"
    assert found >= 45

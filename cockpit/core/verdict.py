"""The verdict: is this period's shortfall (or lead) the team's or one rep's, and which lever moves it?

Built from what every refresh already holds, the :class:`~cockpit.core.kpi.Dashboard` (the period's rows and the
trend of every KPI over the same kind of period) and the pace of :mod:`cockpit.core.targets`, so it costs no SQL.
Method (docs/INSIGHTS.md, "verdict"):

1. **Gap**: against the quota when the scope has one, else against its **baseline**, the median revenue of the
   trailing window the plan uses (the 3 periods of the same kind before this one; the period holding the median, or
   the mean of the two middle ones). Periods before the scope's first data are not history (:func:`first_data`):
   with none left there is nothing to compare with, with fewer than the window no cause is named. A period still
   running is judged at its pace: its totals are projected to the full period (÷ share of business days elapsed; a
   factor of 1 once no business day is left, still "projected" until the period is over).
2. **Decomposition**: revenue = opportunities × conversion × average deal, with conversion = deals won in the period
   ÷ opportunities qualified in the period (a ratio, not a share: above 1 when deals qualified earlier close now),
   and deal = revenue ÷ won deals, so the product is the revenue exactly.
   (The KPI strip's conversion is the period's cohort: the share of its opportunities won so far, near 0 while they
   are young. Won ÷ opportunities of the same period counts wins as they come, from any cohort, so a running period
   reads the same as a finished one.) The change from the baseline is split with the **Shapley** value (each
   factor's marginal effect averaged over the 6 orders in which the three can change): exact, symmetric, and defined
   when a factor is 0, where the log (LMDI) split needs a substitute for log 0. Each rep is split on their own
   numbers and the team's factor is the sum of its reps' parts, so every rep's part is theirs; amounts are rounded to
   whole minor units that add up exactly.
3. **Who**: each rep's factor now against their own trailing window (3 periods of data rather than the one baseline
   period), by a test on the counts (opportunities and won deals as Poisson events, the average deal by its log
   ratio), scaled by the dispersion the past periods show, at a Bonferroni threshold over the reps and factors
   (family error :data:`FAMILY_ERROR`). A factor that moved for the team without the reps that stand out (a test rep
   by rep, stratified, so that a change in the mix of reps is not read as a change of the factor), and for most
   measurable reps, is **team-wide**; one carried by a few reps while the others held is **individual**; anything
   within normal variation is **none** ("no clear cause"). A claim also needs the amount to go the same way.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cockpit.core.kpi import Dashboard
from cockpit.core.parse import format_money
from cockpit.core.periods import Period, PeriodKind
from cockpit.core.report import percent, to_major
from cockpit.core.targets import DEFAULT_WINDOW, Pace, Targets
from cockpit.core.text import clean

FACTORS: tuple[str, ...] = ("volume", "conversion", "deal_size")
SPREADS: tuple[str, ...] = ("team", "individual", "none")

#: The chance, per verdict, of claiming a cause where there is only noise: half for the team's three tests, half for
#: the reps' (three per rep), each half split evenly over its tests (Bonferroni).
FAMILY_ERROR = 0.02
#: No claim below this many standard deviations, however few the tests.
MIN_Z = 2.5
#: A team-wide move must change the factor by at least this much (relative), a rep's by MIN_REP_SHIFT.
MIN_TEAM_SHIFT = 0.10
MIN_REP_SHIFT = 0.20
#: Team-wide needs at least this many measurable reps, and more than half of them moving the same way.
MIN_TEAM_REPS = 3
#: Small-sample guards: a rep's volume is measured on ≥ 5 opportunities (now or in the baseline), conversion on ≥ 5
#: opportunities on both sides, the average deal on ≥ 3 won deals on both sides.
MIN_OPPORTUNITIES = 5
MIN_WON = 3
#: The dispersion (variance of the test statistic under "no change") is never taken below the sampling noise of the
#: counts (1) nor, for deal sizes, below a coefficient of variation of 0.5 (0.25); with fewer than
#: MIN_DISPERSION_SAMPLES past values, the floor is used (1 for deal sizes: deals vary as much as their mean).
DISPERSION_FLOOR = {"volume": 1.0, "conversion": 1.0, "deal_size": 0.25}
DISPERSION_DEFAULT = {"volume": 1.0, "conversion": 1.0, "deal_size": 1.0}
MIN_DISPERSION_SAMPLES = 8
MIN_TEAM_DISPERSION_SAMPLES = 5

_WORDS = {"volume": "volume", "conversion": "conversion", "deal_size": "deal size"}
_METRICS = {"volume": "opportunities", "conversion": "won per opportunity", "deal_size": "the average deal"}
#: The lever each factor points at, team-wide (strategy) or individual (coaching).
LEVERS: dict[tuple[str, str], str] = {
    ("volume", "team"): "lead flow; talk to marketing",
    ("conversion", "team"): "offer, pricing or lead quality",
    ("deal_size", "team"): "pricing, offer or segment",
    ("volume", "individual"): "coaching on prospecting",
    ("conversion", "individual"): "coaching on selling skills",
    ("deal_size", "individual"): "coaching on discounts and deal mix",
}
#: Reasons a factor names no cause (:attr:`Factor.reason`).
FEW_REPS = "few_reps"
SHORT_HISTORY = "short_history"
OTHERS = "(others)"  # reps in scope with history but no row in the dashboard (inactive, no recent data)
_MAD_NORMAL = 0.6745  # median |z| of a standard normal


# ------------------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class RepPart:
    """One rep's part of a factor's change. Money in minor units; ``value``/``baseline`` are the factor's value now
    (projected while the period runs) and in the baseline: opportunities, won per opportunity, or average deal."""

    rep_id: int | None  # None: the reps without a row (:data:`OTHERS`)
    rep: str
    amount: int
    value: float | None
    baseline: float | None
    named: bool = False  # the message names this rep


@dataclass(frozen=True)
class Factor:
    """One factor of revenue = opportunities × conversion × average deal: its part of the change and who moved it."""

    factor: str  # "volume" | "conversion" | "deal_size"
    amount: int  # minor units, signed: negative took revenue away
    share: float | None  # amount ÷ the change against the baseline (None when that change is 0)
    spread: str  # "team" | "individual" | "none"
    reps: tuple[RepPart, ...]  # every rep's part, the largest in the factor's direction first
    lever: str | None
    message: str
    value: float | None  # the scope's factor now and in the baseline
    baseline: float | None
    moved: int = 0  # measurable reps whose factor moved in the factor's direction
    measured: int = 0  # measurable reps
    #: Why no cause is named although the factor may have moved: :data:`FEW_REPS` (every measurable rep moved, but
    #: too few of them to tell team-wide from individual) or :data:`SHORT_HISTORY` (fewer earlier periods with data
    #: than the window); None otherwise.
    reason: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The verdict on one scope (the team, a team filter or one rep) for one period. Money in minor units."""

    scope: str  # "team", "team:NAME" (a team filter) or "rep:NAME"
    period: str
    basis: str  # "quota" | "baseline"
    target: int
    actual: int | None  # the revenue, projected to the period's end while it runs (None: too early to say)
    gap: int | None  # actual − target: negative when short (None: too early to say)
    gap_share: float | None  # gap ÷ target
    projected: bool  # the period is still running
    baseline: int | None  # the median revenue of the trailing window (None: no history)
    change: int  # actual − baseline: what the factors split (0 without history)
    window: str  # the trailing window's label: the earlier periods with data it holds
    factors: tuple[Factor, ...]  # claimed causes first, each group by money
    message: str  # one short paragraph (the insights screen, the report)
    rep_id: int | None = None
    line: str = ""  # the gist in one line (the team cockpit, My day): gap · causes
    causes: tuple[str, ...] = ()  # the line's causes, by money: "conversion −$56k (Ana Torres)"
    history: int = 0  # earlier periods with data in the trailing window (the baseline's pool)

    def factor(self, name: str) -> Factor | None:
        return next((f for f in self.factors if f.factor == name), None)

    def short_lines(self) -> list[str]:
        """:attr:`line`, then ever shorter forms of it (the last causes replaced by "+N more"), for a screen that
        picks the longest one that fits its width."""
        if len(self.causes) < 2:
            return [self.line]
        head = self.line.partition(" · ")[0]  # the head is money and words: never " · " (a name may hold one)
        out = [self.line]
        for kept in range(len(self.causes) - 1, 0, -1):
            out.append(f"{head} · {', '.join(self.causes[:kept])}, +{len(self.causes) - kept} more")
        return out

    def to_json(self, currency: str) -> dict[str, Any]:
        return verdict_json(self, currency)


def verdict_json(verdict: Verdict, currency: str) -> dict[str, Any]:
    """The report's ``"verdict"`` (docs/INSIGHTS.md): money in major units, shares rounded to 6 decimals."""

    def value(factor: str, v: float | None) -> float | int | None:
        if v is None:
            return None
        if factor == "deal_size":
            return to_major(v, currency)
        if factor == "volume":
            return round(float(v), 1)
        return round(v, 6)

    return {
        "scope": verdict.scope,
        "period": verdict.period,
        "basis": verdict.basis,
        "target": to_major(verdict.target, currency),
        "actual": None if verdict.actual is None else to_major(verdict.actual, currency),
        "gap": None if verdict.gap is None else to_major(verdict.gap, currency),
        "gap_share": _round(verdict.gap_share),
        "projected": verdict.projected,
        "factors": [
            {
                "factor": f.factor,
                "amount": to_major(f.amount, currency),
                "share": _round(f.share),
                "spread": f.spread,
                "reps": [
                    {
                        "rep": r.rep,
                        "amount": to_major(r.amount, currency),
                        "value": value(f.factor, r.value),
                        "baseline": value(f.factor, r.baseline),
                    }
                    for r in f.reps
                ],
                "lever": f.lever,
                "message": f.message,
            }
            for f in verdict.factors
        ],
        "message": verdict.message,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


# ------------------------------------------------------------------------------------------------ arithmetic


class Counts(NamedTuple):
    """The additive numbers the factors are made of: opportunities, won deals, revenue (minor units).

    A named tuple, not a dataclass: a verdict adds some ten thousand of them at 200 reps. ``+`` adds them."""

    opportunities: float
    won: float
    revenue: float

    def __add__(self, other: Counts) -> Counts:  # type: ignore[override]
        return Counts(self.opportunities + other.opportunities, self.won + other.won, self.revenue + other.revenue)

    def scaled(self, k: float) -> Counts:
        return Counts(self.opportunities * k, self.won * k, self.revenue * k)


ZERO = Counts(0, 0, 0)


def factor_value(factor: str, c: Counts) -> float | None:
    """The factor of ``c``: opportunities, won ÷ opportunities, or revenue ÷ won (None where undefined)."""
    if factor == "volume":
        return c.opportunities
    if factor == "conversion":
        return c.won / c.opportunities if c.opportunities else None
    return c.revenue / c.won if c.won else None


def shapley3(x0: float, y0: float, z0: float, x1: float, y1: float, z1: float) -> tuple[float, float, float]:
    """The Shapley split of x·y·z going from (x0, y0, z0) to (x1, y1, z1): the three parts add up to
    x1·y1·z1 − x0·y0·z0 (each factor's marginal effect averaged over the 6 orders of change)."""
    ex = (x1 - x0) * ((y0 * z0 + y1 * z1) / 3 + (y0 * z1 + y1 * z0) / 6)
    ey = (y1 - y0) * ((x0 * z0 + x1 * z1) / 3 + (x0 * z1 + x1 * z0) / 6)
    ez = (z1 - z0) * ((x0 * y0 + x1 * y1) / 3 + (x0 * y1 + x1 * y0) / 6)
    return ex, ey, ez


def decompose(base: Counts, now: Counts) -> tuple[float, float, float]:
    """(volume, conversion, deal size) parts of ``now.revenue − base.revenue``; they add up to it exactly.

    Fallbacks where a factor is undefined (no NaN, ever):

    * no won deal on one side: its average deal is the other side's (the deal size did not change; with no win on
      either side the revenue is 0 on both and every part is 0);
    * no opportunity and no win on one side: its conversion is the other side's, so the whole change is volume
      (a rep who joined or left);
    * won deals without any opportunity on one side (deals qualified in earlier periods): conversion is undefined,
      revenue is split as won deals × average deal and the won deals' part counts as volume.
    """
    s0, s1 = factor_value("deal_size", base), factor_value("deal_size", now)
    if s0 is None and s1 is None:
        s0 = s1 = 0.0
    elif s0 is None:
        s0 = s1
    elif s1 is None:
        s1 = s0
    assert s0 is not None and s1 is not None
    o0, o1 = base.opportunities, now.opportunities
    w0, w1 = base.won, now.won
    if (o0 == 0 and w0 > 0) or (o1 == 0 and w1 > 0):
        volume = (w1 - w0) * (s0 + s1) / 2
        size = (s1 - s0) * (w0 + w1) / 2
        return volume, 0.0, size
    c0, c1 = factor_value("conversion", base), factor_value("conversion", now)
    if c0 is None and c1 is None:
        return 0.0, 0.0, 0.0  # no opportunity and no win on either side
    c0 = c1 if c0 is None else c0
    c1 = c0 if c1 is None else c1
    assert c0 is not None and c1 is not None
    return shapley3(o0, c0, s0, o1, c1, s1)


def apportion(values: Sequence[float], total: int) -> list[int]:
    """Whole numbers close to ``values`` that add up to ``total`` exactly (largest remainder)."""
    base = [math.floor(v) for v in values]
    missing = total - sum(base)
    if not values:
        return []
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - base[i]), i))
    if missing < 0:
        order = order[::-1]
    step = 1 if missing >= 0 else -1
    for k in range(abs(missing)):
        base[order[k % len(order)]] += step
    return base


# -------------------------------------------------------------------------------------------------- the tests


def _z(factor: str, now: Counts, ref: Counts, exposure: float, g: float = 1.0) -> float | None:
    """How far ``now`` (observed over ``exposure`` periods) is from the reference ``ref`` (the trailing window's
    totals, over its own number of periods, folded into ``exposure`` as now's share: elapsed ÷ window) moved by the
    ratio ``g``, in standard deviations of the counts' sampling noise; None when the sample is too small to say.

    Opportunities: given both counts, those of now are binomial with now's share of the exposure (Poisson counts).
    Conversion: won deals likewise, with the opportunities as exposure (wins need not come from the period's own
    opportunities, so they are counted as Poisson events, not as a binomial share). Average deal: the log ratio over
    √(1/won + 1/won), in units of the deal sizes' coefficient of variation (the dispersion rescales it)."""
    if factor == "volume":
        if max(now.opportunities, ref.opportunities) < MIN_OPPORTUNITIES:
            return None
        e = exposure * g
        return _binomial_z(now.opportunities, now.opportunities + ref.opportunities, e / (1 + e))
    if factor == "conversion":
        if now.opportunities < MIN_OPPORTUNITIES or ref.opportunities < MIN_OPPORTUNITIES:
            return None
        e = now.opportunities * g
        return _binomial_z(now.won, now.won + ref.won, e / (e + ref.opportunities))
    if now.won < MIN_WON or ref.won < MIN_WON:
        return None
    s1, s0 = now.revenue / now.won, ref.revenue / ref.won
    if s1 <= 0 or s0 <= 0:
        return None
    return (math.log(s1 / s0) - math.log(g)) / math.sqrt(1 / now.won + 1 / ref.won)


def _binomial_z(k: float, n: float, q: float) -> float:
    """The signed root of the likelihood-ratio statistic of ``k`` successes in ``n`` at probability ``q``: a z that
    stays honest in the skewed tail of small counts, where (k − nq) ÷ √(nq(1 − q)) claims too much."""
    if n <= 0 or q <= 0 or q >= 1:
        return 0.0
    k = min(max(k, 0.0), n)
    expected = n * q
    deviance = _xlogy(k, expected) + _xlogy(n - k, n - expected)
    return math.copysign(math.sqrt(max(2 * deviance, 0.0)), k - expected)


def _xlogy(x: float, m: float) -> float:
    return x * math.log(x / m) if x > 0 else 0.0


def _group_z(factor: str, pairs: Sequence[tuple[Counts, Counts]], exposure: float) -> tuple[float | None, float]:
    """The test of a group (the team, or the team without the reps that stand out), rep by rep (stratified) so that
    a shift in the mix of reps is not read as a change of the factor, the way the decomposition splits it: each rep
    on their own numbers. Returns (z before dispersion, the group's ratio now ÷ window per period, from the same
    strata). ``pairs``: (now observed, window totals) per rep; ``exposure``: now's share of the window's.

    Opportunities add up, so their test is the one of the totals. Conversion: the stratified score test of the
    won deals (Mantel-Haenszel rate ratio). Average deal: the inverse-variance mean of the reps' log ratios."""
    if factor == "volume":
        now, ref = _sum(p[0] for p in pairs), _sum(p[1] for p in pairs)
        z = _z(factor, now, ref, exposure)
        ratio = now.opportunities / exposure / ref.opportunities if exposure and ref.opportunities else math.nan
        return z, ratio
    if factor == "conversion":
        score = variance = top = bottom = 0.0
        opps_now = opps_ref = 0.0
        for now, ref in pairs:
            if now.opportunities <= 0 or ref.opportunities <= 0:
                continue
            opps_now, opps_ref = opps_now + now.opportunities, opps_ref + ref.opportunities
            n = now.opportunities + ref.opportunities
            q = now.opportunities / n
            t = now.won + ref.won
            score += now.won - t * q
            variance += t * q * (1 - q)
            top += now.won * ref.opportunities / n
            bottom += ref.won * now.opportunities / n
        if opps_now < MIN_OPPORTUNITIES or opps_ref < MIN_OPPORTUNITIES:
            return None, math.nan
        z = score / math.sqrt(variance) if variance > 0 else 0.0
        return z, (top / bottom if bottom else math.nan)
    weight = weighted = won_now = won_ref = 0.0
    for now, ref in pairs:
        if now.won < 1 or ref.won < 1 or now.revenue <= 0 or ref.revenue <= 0:
            continue
        w = 1 / (1 / now.won + 1 / ref.won)
        weight += w
        weighted += w * math.log((now.revenue / now.won) / (ref.revenue / ref.won))
        won_now, won_ref = won_now + now.won, won_ref + ref.won
    if won_now < MIN_WON or won_ref < MIN_WON or not weight:
        return None, math.nan
    return weighted / math.sqrt(weight), math.exp(weighted / weight)


def _dispersion(z0: list[float], minimum: int) -> float | None:
    """The variance of a statistic under "no change", from its past values: (median |z| ÷ 0.6745)², robust to the
    few past periods that did change."""
    if len(z0) < minimum:
        return None
    scale = statistics.median(abs(z) for z in z0) / _MAD_NORMAL
    return scale * scale


def critical_z(tests: int, error: float = FAMILY_ERROR / 2) -> float:
    """The |z| a claim needs among ``tests`` two-sided tests sharing the chance ``error`` of a false claim."""
    return max(MIN_Z, statistics.NormalDist().inv_cdf(1 - error / (2 * max(tests, 1))))


# ---------------------------------------------------------------------------------------------------- the units


@dataclass(frozen=True)
class _Unit:
    rep_id: int | None
    name: str
    active: bool  # an active rep with role rep: may be named and counts in "k of n reps"
    series: tuple[Counts, ...]  # one per trend period


def _series(trend: Mapping[str, Sequence[Any]]) -> tuple[Counts, ...]:
    return tuple(
        Counts(o or 0, w or 0, r or 0)
        for o, w, r in zip(trend["opportunities"], trend["won"], trend["revenue"], strict=True)
    )


def first_data(series: Sequence[Counts]) -> int | None:
    """The index of the first period with an opportunity qualified, a deal won or revenue (None: none has).

    The periods before it are not history: the scope had no data yet (a database that starts in November reads
    October as "no data", not as a month that sold $0). Calls, costs, quotas and the open pipeline do not count: a
    period holding only those (the days before the first deal was qualified) has no revenue to compare with."""
    return next((i for i, c in enumerate(series) if c.opportunities or c.won or c.revenue), None)


def _units(dash: Dashboard) -> tuple[tuple[_Unit, ...], tuple[Counts, ...]]:
    """The dashboard's reps as units, plus :data:`OTHERS` (team − listed reps) when not 0; and the team's series."""
    team = _series(dash.team_trend)
    units = [
        _Unit(row.rep_id, row.rep or "", bool(row.values.get("reps")), _series(dash.rep_trends[row.rep_id]))
        for row in dash.reps
        if row.rep_id is not None and row.rep_id in dash.rep_trends
    ]
    rest = []
    for i, total in enumerate(team):
        listed = _sum(u.series[i] for u in units)
        rest.append(Counts(*(a - b for a, b in zip(total, listed, strict=True))))
    if any(c != ZERO for c in rest):
        units.append(_Unit(None, OTHERS, False, tuple(rest)))
    return tuple(units), team


def _median_periods(revenues: Sequence[float], indexes: Sequence[int]) -> list[int]:
    """The period(s) holding the median revenue among ``indexes``: the middle one, or the two middle ones."""
    ordered = sorted(indexes, key=lambda i: (revenues[i], i))
    n = len(ordered)
    if n == 0:
        return []
    return [ordered[n // 2]] if n % 2 else [ordered[n // 2 - 1], ordered[n // 2]]


def _mean(series: Sequence[Counts], indexes: Sequence[int]) -> Counts:
    return _total(series, indexes).scaled(1 / len(indexes)) if indexes else ZERO


def _total(series: Sequence[Counts], indexes: Sequence[int]) -> Counts:
    return _sum(series[i] for i in indexes)


# ------------------------------------------------------------------------------------------------- the analysis


@dataclass
class _Move:
    """One unit's factor: its part of the change, its value now and in the baseline, and its test."""

    unit: _Unit
    amount: float
    value: float | None  # now, projected
    baseline: float | None  # in the baseline period(s)
    rel: float | None  # relative change against the trailing window (the test's reference)
    z: float | None  # the test against no change, dispersion applied; None: not measurable


@dataclass
class _Finding:
    spread: str
    direction: int  # -1, 0, 1
    named: list[_Move]
    moved: int
    measured: int
    moves: list[_Move]
    value: float | None
    baseline: float | None
    reason: str | None = None  # why none although it moved (:data:`FEW_REPS`)


def _rel(now: float | None, base: float | None) -> float | None:
    if now is None or base is None or base == 0:
        return None
    return now / base - 1


def _sign(x: float | None) -> int:
    return 0 if not x else (1 if x > 0 else -1)


class _Analysis:
    """The three factors over a set of units (a team, a team filter, or one rep) for the dashboard's period.

    Two references: the **baseline** (the period(s) holding the scope's median revenue in the trailing window) that
    the amounts are measured from, and the **window** (the trailing window's totals) the tests compare with: three
    periods of data, not one, and the plan's own rates. A claim needs both to agree on the direction."""

    def __init__(
        self,
        units: Sequence[_Unit],
        scope: Sequence[Counts],
        cur: int,
        window: int,
        progress: float,
        phi_rep: dict[str, float] | None = None,
    ) -> None:
        self.units, self.scope, self.cur, self.progress = list(units), list(scope), cur, progress
        # The trailing window, without the periods before the scope's first data (they are not history).
        start = first_data(scope[:cur])
        hist = list(range(max(start, cur - window), cur)) if start is not None else []
        self.window_periods = hist
        #: Fewer earlier periods than the window: a baseline, but too little history to name a cause.
        self.short = len(hist) < window
        self.first = {id(u): first_data(u.series[:cur]) for u in self.units}
        self.base_periods = _median_periods([c.revenue for c in scope], hist)
        self.base = {id(u): _mean(u.series, self.base_periods) for u in self.units}
        self.ref = {id(u): _total(u.series, hist) for u in self.units}
        self.scope_base = _mean(scope, self.base_periods)
        self.now = {id(u): u.series[cur] for u in self.units}
        # Now's exposure against the window's: the share of the period elapsed over the window's periods.
        self.exposure = progress / len(hist) if hist else 0.0
        active = sum(1 for u in self.units if u.active)
        self.crit_rep = critical_z(3 * active)
        self.crit_team = critical_z(3)
        self.phi_rep: dict[str, float] = {}
        self.phi_team: dict[str, float] = {}
        self._parts: dict[int, tuple[float, float, float]] | None = None
        self._findings: dict[str, _Finding] = {}
        if phi_rep is None:
            # Only the past periods count: a refresh after a write in this period finds them computed.
            past = tuple((u.active, u.series[:cur]) for u in self.units if u.rep_id is not None)
            rep_phi, team_phi = _dispersions(past, window)
            self.phi_rep, self.phi_team = dict(rep_phi), dict(team_phi)
        else:
            # A rep's own analysis: the dispersion of the whole team's history, more of it than one rep's.
            self.phi_rep, self.phi_team = dict(phi_rep), dict(phi_rep)

    def projected(self, c: Counts) -> Counts:
        return c.scaled(1 / self.progress) if self.progress < 1 else c

    def measurable(self, u: _Unit) -> bool:
        """``u`` can be tested against its own window: the scope has a full window of history and ``u``'s data
        started by its first period (a rep who joined since has no usual to stand out from; :data:`OTHERS` follows
        the scope)."""
        if self.short:
            return False
        first = self.first[id(u)]
        return u.rep_id is None or (first is not None and first <= self.window_periods[0])

    def parts(self) -> dict[int, tuple[float, float, float]]:
        if self._parts is None:
            self._parts = {id(u): decompose(self.base[id(u)], self.projected(self.now[id(u)])) for u in self.units}
        return self._parts

    def factor_finding(self, f: str) -> _Finding:
        """:meth:`finding` on each unit's own part of factor ``f``, computed once: the team's verdict and every
        rep's own (which compares the rep with the team's finding) share it."""
        if f not in self._findings:
            k = FACTORS.index(f)
            parts = self.parts()
            self._findings[f] = self.finding(f, {id(u): parts[id(u)][k] for u in self.units})
        return self._findings[f]

    def _rel_window(self, f: str, now: Counts, ref: Counts, g: float = 1.0) -> float | None:
        per_period = ref.scaled(1 / len(self.window_periods)) if self.window_periods else ZERO
        rel = _rel(factor_value(f, self.projected(now)), factor_value(f, per_period))
        return None if rel is None else (1 + rel) / g - 1

    def z_group(self, f: str, units: Sequence[_Unit]) -> tuple[float | None, float | None]:
        """The z (team dispersion) and the relative change against the window of factor ``f`` over ``units``,
        rep by rep (:func:`_group_z`; the reps without a row, :data:`OTHERS`, are no rep to stratify by)."""
        pairs = [
            (self.now[id(u)], self.ref[id(u)])
            for u in units
            if (u.rep_id is not None or len(units) == 1) and self.measurable(u)
        ]
        z, ratio = _group_z(f, pairs, self.exposure)
        rel = None if math.isnan(ratio) else ratio - 1
        return (None if z is None else z / math.sqrt(self.phi_team[f])), rel

    def move(self, u: _Unit, f: str, amount: float, g: float = 1.0) -> _Move:
        now, ref = self.now[id(u)], self.ref[id(u)]
        z = _z(f, now, ref, self.exposure, g) if u.active and self.measurable(u) else None
        return _Move(
            unit=u,
            amount=amount,
            value=factor_value(f, self.projected(now)),
            baseline=factor_value(f, self.base[id(u)]),
            rel=self._rel_window(f, now, ref, g),
            z=None if z is None else z / math.sqrt(self.phi_rep[f]),
        )

    def standing_out(self, moves: Sequence[_Move], crit: float) -> list[_Move]:
        """The measurable reps beyond ``crit`` and :data:`MIN_REP_SHIFT`, whose part of the change agrees."""
        return [
            m
            for m in moves
            if m.z is not None
            and m.rel is not None
            and abs(m.z) >= crit
            and abs(m.rel) >= MIN_REP_SHIFT
            and _sign(m.amount) == _sign(m.rel)
        ]

    def finding(self, f: str, amounts: dict[int, float]) -> _Finding:
        """Team-wide, individual or none, for factor ``f`` (see the module's docstring)."""
        moves = [self.move(u, f, amounts[id(u)]) for u in self.units]
        measurable = [m for m in moves if m.z is not None and m.rel is not None]
        flagged = self.standing_out(measurable, self.crit_rep)
        flagged_ids = {id(m) for m in flagged}
        rest = [m.unit for m in moves if id(m) not in flagged_ids]
        z_rest, rel_rest = self.z_group(f, rest)
        total = sum(amounts.values())
        scope_value = factor_value(f, self.projected(_sum(self.now.values())))
        scope_base = factor_value(f, _sum(self.base.values()))
        found = _Finding("none", 0, [], 0, len(measurable), moves, scope_value, scope_base)
        rest_moved = (
            z_rest is not None
            and abs(z_rest) >= self.crit_team
            and abs(rel_rest or 0) >= MIN_TEAM_SHIFT
            and _sign(total) == _sign(rel_rest)
        )
        if rest_moved:
            direction = _sign(rel_rest)
            moved = [m for m in measurable if _sign(m.rel) == direction]
            found.direction, found.moved = direction, len(moved)
            if len(measurable) < MIN_TEAM_REPS:
                # Too few reps to tell a team's move from a few reps' (nobody measurable is known to have held).
                found.reason = FEW_REPS
            elif 2 * len(moved) > len(measurable):
                found.spread = "team"
                # Who stands out beyond the team's common move (the median rep's ratio).
                g = statistics.median(1 + (m.rel or 0) for m in measurable)
                if g > 0:
                    beyond = [self.move(m.unit, f, m.amount, g) for m in measurable]
                    found.named = [m for m in self.standing_out(beyond, self.crit_rep) if _sign(m.rel) == direction]
            else:
                # Real, but not most reps: carried by those who stand out, else by the largest parts.
                found.spread = "individual"
                found.named = [m for m in flagged if _sign(m.rel) == direction] or _top(moves, direction)
        elif flagged:
            direction = _sign(sum(m.amount for m in flagged))
            same = [m for m in flagged if _sign(m.rel) == direction]
            if direction and same:
                found.direction = direction
                found.moved = sum(1 for m in measurable if _sign(m.rel) == direction)
                if len(same) < len(measurable):
                    # Carried by a few reps while the others held: individual.
                    found.spread, found.named = "individual", same
                elif len(measurable) >= MIN_TEAM_REPS:
                    # Every measurable rep stands out the same way: nobody held, it is the team's.
                    found.spread = "team"
                else:
                    found.reason = FEW_REPS
        found.named.sort(key=lambda m: (-abs(m.amount), m.unit.name.casefold()))
        return found


@functools.lru_cache(maxsize=8)
def _dispersions(
    past: tuple[tuple[bool, tuple[Counts, ...]], ...], window: int
) -> tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
    """The dispersion of each factor's statistic, the reps' and the team's, over the past periods that have a full
    window of data before them (a rep counts from their own first data on, as in the judged period's tests).
    ``past``: each rep's (active, series before the judged period). Pure, so cached: at 200 reps this is most of a
    verdict's cost, and it stays the same from one refresh to the next."""
    rep_z: dict[str, list[float]] = {f: [] for f in FACTORS}
    team_z: dict[str, list[float]] = {f: [] for f in FACTORS}
    cur = len(past[0][1]) if past else 0
    firsts = [first_data(series) for _active, series in past]
    for t in range(window, cur):
        pairs = [
            (active, series[t], _total(series, range(t - window, t)))
            for (active, series), first in zip(past, firsts, strict=True)
            if first is not None and first <= t - window
        ]
        if not pairs:
            continue
        for f in FACTORS:
            for active, now, ref in pairs:
                if active:
                    z = _z(f, now, ref, 1 / window)
                    if z is not None:
                        rep_z[f].append(z)
            z, _ratio = _group_z(f, [(now, ref) for _active, now, ref in pairs], 1 / window)
            if z is not None:
                team_z[f].append(z)
    phi_rep: dict[str, float] = {}
    phi_team: dict[str, float] = {}
    for f in FACTORS:
        own = _dispersion(rep_z[f], MIN_DISPERSION_SAMPLES)
        rep_phi = max(DISPERSION_FLOOR[f], own) if own is not None else DISPERSION_DEFAULT[f]
        phi_rep[f] = rep_phi
        team = _dispersion(team_z[f], MIN_TEAM_DISPERSION_SAMPLES)
        phi_team[f] = max(rep_phi, team) if team is not None else rep_phi
    return tuple(phi_rep.items()), tuple(phi_team.items())


def _sum(counts: Iterable[Counts]) -> Counts:
    """``counts`` added in order, as ``+`` adds them (the same numbers), without a tuple at each step: the
    dispersions add some ten thousand of them at 200 reps."""
    opportunities: float = 0
    won: float = 0
    revenue: float = 0
    for c in counts:
        opportunities += c[0]
        won += c[1]
        revenue += c[2]
    return Counts(opportunities, won, revenue)


def _top(moves: Sequence[_Move], direction: int, most: int = 3) -> list[_Move]:
    """The reps carrying a move nobody carries alone: the largest parts in its direction, up to ``most``."""
    chosen = sorted(
        (m for m in moves if m.unit.active and _sign(m.amount) == direction),
        key=lambda m: (-abs(m.amount), m.unit.name.casefold()),
    )
    return chosen[:most]


# ---------------------------------------------------------------------------------------------------- verdict


def compute_verdict(
    dash: Dashboard,
    tgt: Targets,
    *,
    rep_id: int | None = None,
    currency: str = "USD",
    window: int = DEFAULT_WINDOW,
) -> Verdict | None:
    """The verdict on ``dash``'s period for its team (or team filter), or for the rep ``rep_id``.

    ``tgt`` gives the quota and how much of the period has passed (its pace). None when the rep has no row. The
    baseline needs ``window`` periods before this one in the dashboard's trend (the app's and the report's 12 hold
    them; a shorter trend gives a baseline over the periods it has), and the dispersion the periods before those."""
    if rep_id is None:
        return team_and_rep_verdicts(dash, tgt, currency=currency, window=window)[0]
    return team_and_rep_verdicts(dash, tgt, rep_id, team=False, currency=currency, window=window)[1]


def team_and_rep_verdicts(
    dash: Dashboard,
    tgt: Targets,
    rep_id: int | None = None,
    *,
    team: bool = True,
    currency: str = "USD",
    window: int = DEFAULT_WINDOW,
) -> tuple[Verdict | None, Verdict | None]:
    """The team's verdict (None with ``team=False``) and the rep ``rep_id``'s own (None without a rep, or when the
    rep has no row), as :func:`compute_verdict` gives them, for the cost of about one: a rep's verdict is read against
    the team's analysis (its dispersions and findings), which both share. The team cockpit with My day open needs
    both at every refresh."""
    team_pace = tgt.team_pace
    units, team_series = _units(dash)
    cur = len(dash.periods) - 1
    analyses: dict[float, _Analysis] = {}

    def progress_of(pace: Pace) -> tuple[float, float]:
        # The share of business days elapsed: 1 when the period is over, and also while it still runs with no
        # business day left (its last one has passed, or it has none): the projection factor is then 1.
        progress = 1.0 if pace.complete or pace.days_total == 0 else pace.days_elapsed / pace.days_total
        # Before the first business day nothing is projected nor split (the verdict says it is too early); the
        # analyses below then only give the baseline, which does not depend on the progress.
        return progress, progress if progress > 0 else 1.0

    def team_analysis(working: float) -> _Analysis:
        if working not in analyses:
            analyses[working] = _Analysis(units, team_series, cur, window, working)
        return analyses[working]

    team_verdict = None
    if team:
        progress, working = progress_of(team_pace)
        scope = "team" if not dash.team_filter else f"team:{dash.team_filter}"
        whole = team_analysis(working)
        team_verdict = _build(dash, team_pace, whole, whole, None, scope, progress, currency, window)
    pace = tgt.rep_pace.get(rep_id) if rep_id is not None else None
    found = next((u for u in units if u.rep_id == rep_id), None) if pace is not None else None
    if pace is None or found is None:
        return team_verdict, None
    progress, working = progress_of(pace)
    whole = team_analysis(working)
    # The rep's own verdict judges the rep even when not counted among the team's active reps (a manager's row).
    mine = _Unit(found.rep_id, found.name, True, found.series)
    analysis = _Analysis([mine], mine.series, cur, window, working, phi_rep=whole.phi_rep)
    return team_verdict, _build(dash, pace, analysis, whole, mine, f"rep:{mine.name}", progress, currency, window)


def _build(
    dash: Dashboard,
    pace: Pace,
    analysis: _Analysis,
    team: _Analysis,
    rep: _Unit | None,
    scope: str,
    progress: float,
    currency: str,
    window: int,
) -> Verdict:
    period = dash.period
    projected = not pace.complete  # the period is still running (judged at its pace, even with no day left)
    too_early = projected and progress <= 0
    observed = analysis.scope[analysis.cur].revenue
    actual = round(observed / progress) if projected and progress > 0 else round(observed)
    history = len(analysis.window_periods)  # earlier periods with data; 0: nothing to compare with
    baseline = _half_up(analysis.scope_base.revenue) if history else None
    basis = "quota" if pace.quota > 0 else "baseline"
    target = pace.quota if basis == "quota" else (baseline or 0)
    gap = actual - target
    gap_share = gap / target if target else None
    window_label = _window_label(dash, analysis)
    name = _period_name(period)
    change = actual - baseline if baseline is not None else 0
    money = _money_fn(currency)

    factors: tuple[Factor, ...] = ()
    if too_early:
        message = f"No business day of {name} has passed yet: too early for a verdict."
    else:
        if history:
            factors = _factors(analysis, team, rep, change, currency, projected)
        message = _message(
            name, period, basis, gap, gap_share, baseline, change, projected, factors, rep, money, history, window
        )
    line, causes = _line(period, basis, gap, gap_share, baseline, projected, too_early, factors, rep, money)
    return Verdict(
        scope=scope,
        period=period.label,
        basis=basis,
        target=target,
        # Before the first business day there is nothing to project from: no revenue, gap or share is claimed.
        actual=None if too_early else actual,
        gap=None if too_early else gap,
        gap_share=None if too_early else gap_share,
        projected=projected,
        baseline=baseline,
        change=change,
        window=window_label,
        factors=factors,
        message=message,
        rep_id=rep.rep_id if rep else None,
        line=line,
        causes=causes,
        history=history,
    )


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _window_label(dash: Dashboard, analysis: _Analysis) -> str:
    if not analysis.window_periods:
        return ""
    start, end = dash.periods[analysis.window_periods[0]], dash.periods[analysis.window_periods[-1]]
    return start.label if start == end else f"{start.label}..{end.label}"


def _factors(
    analysis: _Analysis, team: _Analysis, rep: _Unit | None, change: int, currency: str, running: bool
) -> tuple[Factor, ...]:
    parts = analysis.parts()
    units = analysis.units
    totals = apportion([sum(parts[id(u)][k] for u in units) for k in range(3)], change)
    money = _money_fn(currency)
    out = []
    for k, f in enumerate(FACTORS):
        floats = {id(u): parts[id(u)][k] for u in units}
        if rep is None:
            found = analysis.factor_finding(f)
        else:
            found = _rep_finding(analysis, team, rep, f, floats)
        cents = apportion([floats[id(u)] for u in units], totals[k])
        named = {id(m.unit) for m in found.named}
        direction = found.direction or _sign(totals[k])
        reps = sorted(
            (
                RepPart(
                    rep_id=m.unit.rep_id,
                    rep=m.unit.name,
                    amount=cents[i],
                    value=m.value,
                    baseline=m.baseline,
                    named=id(m.unit) in named,
                )
                for i, m in enumerate(found.moves)
            ),
            key=lambda r: (-(r.amount * (direction or 1)), r.rep.casefold()),
        )
        lever = LEVERS.get((f, found.spread))
        team_median = _team_median(team, f)
        reason = SHORT_HISTORY if analysis.short else found.reason
        text = _factor_message(f, totals[k], found, lever, rep is not None, team_median, money, running, reason)
        out.append(
            Factor(
                factor=f,
                amount=totals[k],
                share=totals[k] / change + 0.0 if change else None,  # + 0.0: no -0.0 in JSON
                spread=found.spread,
                reps=tuple(reps),
                lever=lever,
                message=text,
                value=found.value,
                baseline=found.baseline,
                moved=found.moved,
                measured=found.measured,
                reason=reason,
            )
        )
    out.sort(key=lambda f: (f.spread == "none", f.reason is None, -abs(f.amount), FACTORS.index(f.factor)))
    return tuple(out)


def _rep_finding(analysis: _Analysis, team: _Analysis, rep: _Unit, f: str, amounts: dict[int, float]) -> _Finding:
    """One rep's factor. When the team moved team-wide and the rep went the same way (by :data:`MIN_TEAM_SHIFT`), the
    rep followed the team: team-wide, the team's lever (no test of the rep alone needed: the move is established).
    Otherwise individual when the rep stands out against their own window (three tests: Bonferroni over the
    factors), else none."""
    m = analysis.move(rep, f, amounts[id(rep)])
    finding = _Finding("none", 0, [], 0, 0, [m], m.value, m.baseline)
    if m.z is None or m.rel is None:
        return finding
    finding.measured = 1
    team_found = team.factor_finding(f)
    direction = _sign(m.rel)
    if (
        team_found.spread == "team"
        and team_found.direction == direction
        and abs(m.rel) >= MIN_TEAM_SHIFT
        and _sign(m.amount) == direction
    ):
        finding.spread = "team"
    elif analysis.standing_out([m], analysis.crit_rep):
        if team_found.reason == FEW_REPS and team_found.direction == direction:
            # The rep's few colleagues moved the same way: not the rep's own cause, nor known to be the team's.
            finding.reason, finding.direction = FEW_REPS, direction
            return finding
        finding.spread = "individual"
    else:
        return finding
    finding.direction, finding.named, finding.moved = direction, [m], 1
    return finding


def _team_median(team: _Analysis, f: str) -> float | None:
    """The median of the measurable active reps' factor ``f`` now, from the moves the team's finding already
    holds (a move's value and test do not depend on its amount)."""
    values = [
        m.value for m in team.factor_finding(f).moves if m.unit.active and m.z is not None and m.value is not None
    ]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------------------------------- wording


def _money_fn(currency: str):  # noqa: ANN202 - a small closure
    def money(minor: float) -> str:
        return format_money(abs(round(minor)), currency, compact=True)

    return money


def _period_name(period: Period) -> str:
    if period.kind is PeriodKind.MONTH:
        return period.first_day.format("MMMM")
    return period.label


def _kind_word(period: Period) -> str:
    return {"fy": "fiscal year", "custom": "period"}.get(period.kind.value, period.kind.value)


def _show(f: str, value: float | None, money) -> str:  # noqa: ANN001
    if value is None:
        return "—"
    if f == "volume":
        return f"{value:,.0f}"
    if f == "conversion":
        # Wins per opportunity of the period, not a share: it passes 1 when deals qualified earlier close now.
        return f"{value:,.2f}"
    return money(value)


def _detail(f: str, m: _Move, team_median: float | None, money) -> str:  # noqa: ANN001
    label = {"volume": "opportunities", "conversion": "won per opportunity", "deal_size": "average deal"}[f]
    text = f"{label} {_show(f, m.value, money)} vs {_show(f, m.baseline, money)} usually"
    if team_median is not None:
        text += f", team median {_show(f, team_median, money)}"
    return text


def _factor_message(
    f: str,
    amount: int,
    found: _Finding,
    lever: str | None,
    rep_scope: bool,
    team_median: float | None,
    money,  # noqa: ANN001
    running: bool = False,
    reason: str | None = None,
) -> str:
    word = _WORDS[f]
    if reason == SHORT_HISTORY:
        return f"{word.capitalize()} {_signed(amount, money)} (too little history to name a cause)."
    down = amount < 0 or (amount == 0 and found.direction < 0)
    head = f"{money(amount)} is {word}" if down else f"{word.capitalize()} added {money(amount)}"
    if reason == FEW_REPS:
        if rep_scope:
            detail = _detail(f, found.moves[0], team_median, money)
            return f"{head} ({detail}; too few reps to tell team-wide from individual)."
        verb = "fell" if found.direction < 0 else "rose"
        return (
            f"{head}: {_METRICS[f]} {verb} for {found.moved} of {found.measured} reps,"
            " too few to tell team-wide from individual."
        )
    if found.spread == "none":
        if running and f == "conversion":
            # Say which conversion was judged: not the period's young cohort (the KPI strip's), which is still open.
            return "Conversion held (within normal variation; won per opportunity of the period, not its young cohort)."
        return f"{word.capitalize()} held (within normal variation)."
    if rep_scope:
        m = found.named[0]
        detail = _detail(f, m, team_median, money)
        if found.spread == "team":
            advice = lever if down else "find out what changed and keep it"
            return f"{head}, as for most of the team ({detail}: {advice})."
        advice = lever if down else "keep it up"
        return f"{head} ({detail}: {advice})."
    if found.spread == "team":
        verb = "fell" if found.direction < 0 else "rose"
        text = f"{head}: {_METRICS[f]} {verb} for {found.moved} of {found.measured} reps"
        if found.named:
            text += f", most of all {_names(found.named)}"
        advice = lever if down else "find out what changed and keep it"
        return f"{text} (team-wide: {advice})."
    first, *others = found.named
    share = sum(m.amount for m in found.named) / amount if amount else 0.0
    qualifier = "almost all" if share >= 0.8 else "mostly" if share >= 0.5 else "partly"
    advice = (lever or "coaching") if down else "ask what works"
    detail = _detail(f, first, team_median, money)
    if not others:
        return f"{head}, {qualifier} {first.unit.name} ({detail}: {advice})."
    rest = others[0].unit.name if len(others) == 1 else f"{len(others)} others"
    return f"{head}, {qualifier} {first.unit.name} ({detail}) and {rest}: {advice}."


def _signed(amount: float, money) -> str:  # noqa: ANN001
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return f"{sign}{money(amount)}"


def _largest(factors: Sequence[Factor], money) -> str:  # noqa: ANN001
    """ " (the largest part: volume, −$12k)", or "" when every part is 0."""
    largest = max(factors, key=lambda f: (abs(f.amount), -FACTORS.index(f.factor)), default=None)
    if largest is None or not largest.amount:
        return ""
    return f" (the largest part: {_WORDS[largest.factor]}, {_signed(largest.amount, money)})"


def _names(moves: Sequence[_Move]) -> str:
    if len(moves) == 1:
        return moves[0].unit.name
    if len(moves) == 2:
        return f"{moves[0].unit.name} and {moves[1].unit.name}"
    return f"{moves[0].unit.name} and {len(moves) - 1} others"


def _message(
    name: str,
    period: Period,
    basis: str,
    gap: int,
    gap_share: float | None,
    baseline: int | None,
    change: int,
    projected: bool,
    factors: Sequence[Factor],
    rep: _Unit | None,
    money,  # noqa: ANN001
    history: int,
    window: int,
) -> str:
    pace = " at this pace" if projected else ""
    kind = _kind_word(period)
    share = f" ({percent(abs(gap_share))})" if gap_share is not None else ""
    if basis == "quota":
        if gap < 0:
            head = f"{name} is {money(gap)}{share} short of quota{pace}"
        elif gap > 0:
            head = f"{name} is {money(gap)}{share} above quota{pace}"
        else:
            head = f"{name} is on quota{pace}"
        if baseline is not None:
            if change:
                head += f", {money(change)} {'below' if change < 0 else 'above'} a usual {kind}"
            else:
                head += f", level with a usual {kind}"
    elif baseline is None:
        head = f"{name}: {money(gap)} sold{pace}; no quota and no earlier {kind} to compare with"
    elif gap:
        head = f"{name} is {money(gap)}{share} {'below' if gap < 0 else 'above'} a usual {kind}{pace}"
    else:
        head = f"{name} is level with a usual {kind}{pace}"
    if rep is not None:
        head = f"{rep.name}: {head}"
    sentences = [head + "."]
    if baseline is None:
        if basis == "quota":
            sentences.append(f"No earlier {kind} to compare with.")
        return " ".join(sentences)
    if history < window:
        # Fewer earlier periods with data than the window: a baseline to measure from, but not what "usual" is.
        kinds = kind if history == 1 else f"{kind}s"
        tail = _largest(factors, money)
        sentences.append(f"Only {history} earlier {kinds}: too little history to name a cause{tail}.")
        return " ".join(sentences)
    claimed = [f for f in factors if f.spread != "none"]
    undecided = [f for f in factors if f.spread == "none" and f.reason is not None]
    held = [f for f in factors if f.spread == "none" and f.reason is None]
    sentences += [f.message for f in claimed + undecided]
    if not claimed and not undecided and not any(f.amount for f in factors):
        sentences.append("Volume, conversion and deal size held.")
    elif not claimed and not undecided:
        tail = _largest(factors, money)
        sentences.append(f"No clear cause: volume, conversion and deal size moved within normal variation{tail}.")
    elif held:
        words = [_WORDS[f.factor] for f in sorted(held, key=lambda f: FACTORS.index(f.factor))]
        listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
        sentences.append(f"{listed.capitalize()} held.")
    return " ".join(sentences)


def _line(
    period: Period,
    basis: str,
    gap: int,
    gap_share: float | None,
    baseline: int | None,
    projected: bool,
    too_early: bool,
    factors: Sequence[Factor],
    rep: _Unit | None,
    money,  # noqa: ANN001
) -> tuple[str, tuple[str, ...]]:
    """The verdict in one line: "$124k (62%) short of quota · conversion −$56k (Ana Torres), volume −$48k
    (team-wide)"; a rep's own: "(own)" or "(like the team)". And its causes (a name cut to 24 cells: one long name
    must not push the others off a screen's line)."""
    if too_early:
        return "too early for a verdict", ()
    pace = " at this pace" if projected else ""
    share = f" ({percent(abs(gap_share))})" if gap_share is not None else ""
    kind = _kind_word(period)
    if basis == "quota":
        side = "short of" if gap < 0 else "above"
        head = f"{money(gap)}{share} {side} quota{pace}" if gap else f"on quota{pace}"
    elif baseline is None:
        return f"{money(gap)} sold{pace}; nothing to compare with", ()
    elif gap:
        head = f"{money(gap)}{share} {'below' if gap < 0 else 'above'} a usual {kind}{pace}"
    else:
        head = f"level with a usual {kind}{pace}"
    if baseline is None:  # against a quota, with no earlier period: nothing judged, so nothing "held"
        return f"{head} · nothing to compare with", ()
    if any(f.reason == SHORT_HISTORY for f in factors):
        return f"{head} · too little history", ()
    causes = []
    for f in factors:
        if f.reason == FEW_REPS:
            causes.append(f"{_WORDS[f.factor]} {_signed(f.amount, money)} (too few reps to tell)")
            continue
        if f.spread == "none":
            continue
        sign = "+" if f.amount > 0 else "−" if f.amount < 0 else ""
        if rep is not None:
            who = "like the team" if f.spread == "team" else "own"
        elif f.spread == "team":
            who = "team-wide"
        else:
            names = [r.rep for r in f.reps if r.named]
            first = clean(names[0], max_len=24) if names else ""
            who = first + (f" +{len(names) - 1}" if len(names) > 1 else "") if names else "a few reps"
        causes.append(f"{_WORDS[f.factor]} {sign}{money(f.amount)} ({who})")
    held = not any(f.amount for f in factors)
    return f"{head} · {', '.join(causes) if causes else 'held' if held else 'no clear cause'}", tuple(causes)

"""Diagnosis: is a shortfall the team's (offer, strategy, lead quality) or one rep's (coaching)?

For each KPI of :data:`DIAGNOSED_KPIS` and the dashboard's period, three comparisons (method in docs/INSIGHTS.md):

1. **Team-wide**: the team's median over reps against the median of its own previous ``history`` periods' medians.
   Flagged when it moved by at least :data:`TEAM_SHIFT` (20 %) relative AND most reps (more than half of those
   measurable) moved the same way against their own history.
2. **Rep vs team**: robust z = (x − median) / (1.4826 · MAD) over the reps measurable this period; when the MAD is 0
   the mean absolute deviation × 1.2533 stands in (both estimate the standard deviation for normal data). Flagged at
   |z| ≥ :data:`Z_THRESHOLD` (2.5), with at least :data:`MIN_REPS` measurable reps and a rep at least
   :data:`MIN_RELATIVE` (20 %) away from the median, so that a tight team does not turn tiny gaps into "outliers".
3. **Rep vs own history**: the same 20 % relative move against the rep's own median of its previous periods, with a
   z of at least 2.5 against that history; skipped where the team moved the same way (the team signal says it).

A rep is measurable for a KPI only with a minimum sample (:data:`MIN_SAMPLE`): rates on a handful of deals are noise.
Every signal carries a signed ``score`` on one scale (2.5 = just at the threshold); team and history scores are
2.5 × relative change ÷ 20 %.

Lines must not contradict each other, so: a team-wide move needs :data:`MIN_TEAM_REPS` reps comparable with their
own history (one rep is that rep, not the team); a rep's revenue is not compared with the team's (it measures the
size of a territory; attainment compares reps fairly); and beside a team-wide move, a rep on the other side of the
team is listed only if the rep held against it (their own history did not follow the team), and says so.

Each signal also carries its **money impact** (:func:`impact`): the relative move applied to the scope's usual revenue.
Problems (moves for the worse) come first, the costliest first, then strengths, the most valuable first; signals
without a money effect of their own (activity: calls, calls per opportunity) follow within each group by strength.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass

from cockpit.core.kpi import KPI_LABELS, LOWER_IS_BETTER, MONEY_KPIS, Dashboard, median
from cockpit.core.report import display_value, json_value

DIAGNOSED_KPIS: tuple[str, ...] = (
    "win_rate",
    "conversion_rate",
    "avg_basket",
    "calls_per_opportunity",
    "calls",
    "opportunities",
    "revenue",
    "avg_deal_size",
    "attainment",
)
DEFAULT_HISTORY = 4
Z_THRESHOLD = 2.5
TEAM_SHIFT = 0.20
MIN_RELATIVE = 0.20
MIN_REPS = 4
MIN_TEAM_REPS = 3  # reps comparable with their own history before a move can be called team-wide
MIN_HISTORY = 3  # previous periods with a measurable value needed before comparing against a history

# Minimum sample for a rep's value to count, read from that period's KPI values.
MIN_SAMPLE: dict[str, tuple[str, int]] = {
    "win_rate": ("closed", 3),  # won + lost
    "conversion_rate": ("opportunities", 5),
    "avg_basket": ("customers", 3),
    "avg_deal_size": ("won", 3),
    "calls_per_opportunity": ("calls", 10),
}

#: Totals that grow through the period: projected to the full period before comparing with history.
PROJECTED = frozenset({"calls", "opportunities", "revenue", "attainment"})
#: Cohort rates that need time to mature: not compared with history before the period ends.
IMMATURE = frozenset({"conversion_rate"})
#: KPIs compared between reps only as rates: a rep's revenue against the team's measures the territory's size.
NOT_BETWEEN_REPS = frozenset({"revenue"})
#: KPIs whose move scales revenue in proportion (the others, activity, have no money impact of their own).
MONEY_LINKED = frozenset(
    {"revenue", "attainment", "opportunities", "win_rate", "conversion_rate", "avg_basket", "avg_deal_size"}
)

_MAD_SCALE = 1.4826
_MEAN_AD_SCALE = 1.2533


@dataclass(frozen=True)
class Signal:
    """One finding: a KPI that moved team-wide, or a rep far from the team or from their own history."""

    kpi: str
    scope: str  # "team" | "rep"
    rep: str | None
    direction: str  # "up" | "down"
    value: float
    baseline: float
    score: float
    message: str
    rep_id: int | None = None
    against: str = "team"  # "history" (team median or rep vs own past) | "team" (rep vs the team)
    impact: int = 0  # money in minor units the move is worth (negative: revenue lost); 0 for activity KPIs
    worse: bool = False  # a move for the worse (a problem), else for the better (a strength)

    def to_json(self, currency: str) -> dict[str, object]:

        return {
            "kpi": self.kpi,
            "scope": self.scope,
            "rep": self.rep,
            "direction": self.direction,
            "value": json_value(self.kpi, self.value, currency),
            "baseline": json_value(self.kpi, self.baseline, currency),
            "score": round(self.score, 2),
            "message": self.message,
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def robust_z(x: float, values: Sequence[float], *, floor: float = 0.0) -> float:
    """(x − median) / (1.4826 · MAD); with MAD 0, 1.2533 · mean absolute deviation; 0 when all values agree.

    ``floor`` is the smallest spread allowed: the sampling noise of ``x`` itself (see :func:`noise`)."""
    if not values:
        return 0.0
    return z_against(x, robust_spread(values), floor=floor)


def robust_spread(values: Sequence[float]) -> tuple[float, float]:
    """(median, spread) of non-empty ``values``: the spread is 1.4826 · MAD, or with MAD 0, 1.2533 · mean absolute
    deviation (0 when all values agree). Worked out once when many values are scored against the same ones (every
    rep against the team): per score, the two medians made the diagnosis quadratic in the number of reps."""
    mid = statistics.median(values)
    deviations = [abs(v - mid) for v in values]
    scale = _MAD_SCALE * statistics.median(deviations)
    if scale == 0:
        scale = _MEAN_AD_SCALE * statistics.fmean(deviations)
    return mid, scale


def z_against(x: float, spread: tuple[float, float], *, floor: float = 0.0) -> float:
    """:func:`robust_z` of ``x`` against a :func:`robust_spread`, the spread no smaller than ``floor``."""
    mid, scale = spread
    scale = max(scale, floor)
    if scale == 0:
        return 0.0
    return (x - mid) / scale


def noise(kpi: str, baseline: float, values: dict[str, float | int | None]) -> float:
    """The sampling error of a rep's value when the truth is ``baseline``: a rate on n deals cannot be read more
    finely than sqrt(p(1 − p) / n) (binomial), a count than sqrt(count) (Poisson). 0 for other KPIs."""
    if kpi in ("win_rate", "conversion_rate"):
        n = (values.get("won") or 0) + (values.get("lost") or 0) if kpi == "win_rate" else values.get("opportunities")
        if not n:
            return 0.0
        p = min(max(baseline, 0.05), 0.95)
        return math.sqrt(p * (1 - p) / n)
    if kpi in ("calls", "opportunities"):
        return math.sqrt(max(baseline, 0.0))
    return 0.0


def _measurable(kpi: str, values: dict[str, float | int | None]) -> float | None:
    """The KPI value when the rep was active and the sample is large enough, else None."""
    value = values.get(kpi)
    if value is None or not values.get("reps"):
        return None
    if kpi in MIN_SAMPLE:
        measure, minimum = MIN_SAMPLE[kpi]
        size = (values.get("won") or 0) + (values.get("lost") or 0) if measure == "closed" else values.get(measure)
        if (size or 0) < minimum:
            return None
    return float(value)


def impact(kpi: str, value: float, baseline: float, usual_revenue: float | None) -> int:
    """What a signal's move is worth in money: its relative change applied to the scope's usual revenue (the
    median of its past periods), e.g. a win rate down from 40 % to 30 % on a usual $100k is −$25k. 0 for KPIs that
    do not scale revenue (calls, calls per opportunity) or without a baseline or a usual revenue."""
    if kpi not in MONEY_LINKED or not baseline or not usual_revenue:
        return 0
    return round(usual_revenue * (value - baseline) / abs(baseline))


def _relative(value: float, baseline: float) -> float | None:
    return (value - baseline) / abs(baseline) if baseline else None


def _kind_word(dash: Dashboard, n: int) -> str:
    kind = dash.period.kind.value
    word = {"fy": "fiscal year", "custom": "period"}.get(kind, kind)
    return f"the last {n} {word}s" if n != 1 else f"the last {word}"


def diagnose(
    dash: Dashboard,
    *,
    currency: str = "USD",
    kpis: Sequence[str] = DIAGNOSED_KPIS,
    history: int = DEFAULT_HISTORY,
    progress: float = 1.0,
    mature: bool = True,
    team_wide: Collection[str] | None = None,
) -> list[Signal]:
    """The signals for ``dash.period``, problems then strengths, each by money (:func:`_strength`). ``dash`` needs a
    trend of at least history + 1 periods.

    ``team_wide``: the KPIs on which a team-wide line may be given (default: all). For the others, spoken for
    elsewhere (the verdict speaks for revenue, conversion and deal size), the team's move is still worked out, so that
    reps who merely moved with it are not listed one by one, but no line mentions it.

    ``progress`` is the share of the period elapsed (business days; 1.0 for a past period). Before the period ends,
    totals (calls, opportunities, revenue, attainment) are projected to the full period (÷ progress) for the
    comparisons against history. Conversion is compared with history only when ``mature`` (the caller says the
    period's cohort has had time to close, e.g. a full period has passed since it ended): a cohort qualified days
    ago has not had time to be won. Comparisons between reps within the period need neither.
    """

    def show(kpi: str, value: float) -> str:
        return display_value(kpi, round(value) if kpi in MONEY_KPIS else value, currency)

    n_periods = len(dash.periods)
    past = range(max(0, n_periods - 1 - history), n_periods - 1)  # indexes of the previous periods in the trends
    reps = [r for r in dash.reps if r.rep_id is not None]

    def rep_values(rep_id: int, i: int) -> dict[str, float | int | None]:
        trend = dash.rep_trends[rep_id]
        return {k: series[i] for k, series in trend.items()}

    # Each rep's KPI values in each past period, built once for every KPI below.
    past_rows = {r.rep_id: [rep_values(r.rep_id, i) for i in past] for r in reps}

    def usual_revenue(series: Sequence[float | int | None], current: float | int | None) -> float | None:
        """The median revenue of the past periods; without any, this period's (projected while it runs)."""
        seen = [series[i] for i in past if series[i] is not None]
        if seen:
            return float(statistics.median(seen))
        if current is None:
            return None
        return float(current) / progress if 0 < progress < 1 else float(current)

    team_usual = usual_revenue(dash.team_trend["revenue"], dash.team["revenue"])
    rep_usual = {r.rep_id: usual_revenue(dash.rep_trends[r.rep_id]["revenue"], r["revenue"]) for r in reps}

    signals: list[Signal] = []
    for kpi in kpis:
        label = KPI_LABELS[kpi]
        lower_better = kpi in LOWER_IS_BETTER

        def worse(direction: str, lower_better: bool = lower_better) -> bool:
            return (direction == "up") == lower_better

        now_values = {r.rep_id: _measurable(kpi, r.values) for r in reps}
        current = {rid: v for rid, v in now_values.items() if v is not None}
        # The same values as they compare with complete past periods (projected while the period runs).
        scale = 1 / progress if kpi in PROJECTED and 0 < progress < 1 else 1.0
        projected = {rid: v * scale for rid, v in current.items()}
        compare_history = kpi not in IMMATURE or (mature and progress >= 1)
        measured = {r.rep_id: [_measurable(kpi, row) for row in past_rows[r.rep_id]] for r in reps}
        past_values = {rid: [v for v in seen if v is not None] for rid, seen in measured.items()}
        team_past = [median(measured[r.rep_id][j] for r in reps) for j in range(len(past))]
        team_past = [v for v in team_past if v is not None]

        # How each measurable rep moved against their own history (the "most reps moved" test and signal 3).
        own_moves: dict[int, tuple[float, float]] = {}
        for rid, value in projected.items():
            if compare_history and len(past_values[rid]) >= MIN_HISTORY:
                own_moves[rid] = (value, statistics.median(past_values[rid]))

        pace_word = " at this pace" if scale != 1.0 else ""
        spoken = team_wide is None or kpi in team_wide  # whether lines may refer to the team's move on this KPI

        # 1. Team-wide shift.
        team_direction: str | None = None
        team_now = median(current.values())
        team_projected = median(projected.values())
        if compare_history and team_projected is not None and len(team_past) >= MIN_HISTORY:
            baseline = statistics.median(team_past)
            rel = _relative(team_projected, baseline)
            if rel is not None and abs(rel) >= TEAM_SHIFT:
                direction = "up" if rel > 0 else "down"
                same = sum(1 for v, b in own_moves.values() if (v > b if direction == "up" else v < b))
                if len(own_moves) >= MIN_TEAM_REPS and same * 2 > len(own_moves):
                    team_direction = direction
                if team_direction is not None and spoken:
                    verb = "rose" if direction == "up" else "fell"
                    advice = (
                        "look at the offer, the pricing or lead quality"
                        if worse(direction)
                        else "find out what changed and keep it"
                    )
                    signals.append(
                        Signal(
                            kpi=kpi,
                            scope="team",
                            rep=None,
                            direction=direction,
                            value=team_projected,
                            baseline=baseline,
                            score=Z_THRESHOLD * rel / TEAM_SHIFT,
                            impact=impact(kpi, team_projected, baseline, team_usual),
                            worse=worse(direction),
                            message=(
                                f"{label} {verb} team-wide: median {show(kpi, team_projected)}{pace_word}"
                                f" vs {show(kpi, baseline)}"
                                f" over {_kind_word(dash, len(team_past))} ({same} of {len(own_moves)} reps moved"
                                f" the same way) — {advice}"
                            ),
                            against="history",
                        )
                    )

        # 2. Each rep against the team's distribution this period.
        flagged: set[int] = set()
        if len(current) >= MIN_REPS and team_now is not None and kpi not in NOT_BETWEEN_REPS:
            spread = robust_spread(list(current.values()))
            for r in reps:
                value = current.get(r.rep_id)
                if value is None:
                    continue
                z = z_against(value, spread, floor=noise(kpi, team_now, r.values))
                far = abs(value - team_now) >= MIN_RELATIVE * abs(team_now) if team_now else value != 0
                if abs(z) < Z_THRESHOLD or not far:
                    continue
                flagged.add(r.rep_id)
                direction = "up" if value > team_now else "down"
                others = [v for rid, v in current.items() if rid != r.rep_id]
                side = "above" if direction == "up" else "below"
                if all((value > o) if direction == "up" else (value < o) for o in others):
                    where = f"{side} every other rep"
                else:
                    where = f"far {side} the team (robust z {z:+.1f})"
                if team_direction is not None and direction != team_direction:
                    # Beside "fell team-wide", "far above the team" is news only if the rep held against the move.
                    if r.rep_id not in own_moves or _followed(own_moves[r.rep_id], team_direction):
                        continue
                    if spoken:
                        where += f", holding while the team {'fell' if team_direction == 'down' else 'rose'}"
                advice = f"talk to {r.rep}" if worse(direction) else f"ask {r.rep} what works"
                history_note = ""
                if r.rep_id in own_moves:
                    _v, own = own_moves[r.rep_id]
                    history_note = f"; own usual {show(kpi, own)}"
                signals.append(
                    Signal(
                        kpi=kpi,
                        scope="rep",
                        rep=r.rep,
                        direction=direction,
                        value=value,
                        baseline=team_now,
                        score=z,
                        impact=impact(kpi, value, team_now, rep_usual.get(r.rep_id)),
                        worse=worse(direction),
                        message=(
                            f"{label}: {r.rep} {show(kpi, value)} vs team median {show(kpi, team_now)} — {where}"
                            f"{history_note}; {advice}"
                        ),
                        rep_id=r.rep_id,
                        against="team",
                    )
                )

        # 3. Each rep against their own history (not already flagged, not explained by a team-wide move).
        team_note = ""
        if spoken:
            team_note = ", while the team held" if team_direction is None else ", against the team's move"
        for r in reps:
            if r.rep_id in flagged or r.rep_id not in own_moves:
                continue
            value, own = own_moves[r.rep_id]
            rel = _relative(value, own)
            if rel is None or abs(rel) < MIN_RELATIVE:
                continue
            direction = "up" if rel > 0 else "down"
            if direction == team_direction:
                continue
            floor = noise(kpi, own, r.values)
            if abs(robust_z(value, past_values[r.rep_id], floor=floor)) < Z_THRESHOLD:
                continue
            verb = "up" if direction == "up" else "down"
            advice = f"talk to {r.rep}" if worse(direction) else "worth a look at what changed"
            signals.append(
                Signal(
                    kpi=kpi,
                    scope="rep",
                    rep=r.rep,
                    direction=direction,
                    value=value,
                    baseline=own,
                    score=Z_THRESHOLD * rel / MIN_RELATIVE,
                    impact=impact(kpi, value, own, rep_usual.get(r.rep_id)),
                    worse=worse(direction),
                    message=(
                        f"{label}: {r.rep} {verb} to {show(kpi, value)}{pace_word} from a usual {show(kpi, own)}"
                        f" over {_kind_word(dash, len(past_values[r.rep_id]))}{team_note} — {advice}"
                    ),
                    rep_id=r.rep_id,
                    against="history",
                )
            )
    signals.sort(key=_strength)
    return _dedupe(signals)


def _dedupe(signals: list[Signal]) -> list[Signal]:
    """Drop a signal that repeats another's numbers (avg deal = avg basket when every customer bought once)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for s in signals:
        key = (s.scope, s.rep_id, s.direction, round(s.value, 6), round(s.baseline, 6), s.kpi in MONEY_KPIS)
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
    return out


def _followed(move: tuple[float, float], direction: str) -> bool:
    """Whether a rep's (value, own usual) moved the team's way by at least :data:`MIN_RELATIVE`."""
    value, own = move
    rel = _relative(value, own)
    return rel is not None and abs(rel) >= MIN_RELATIVE and (rel > 0) == (direction == "up")


def _strength(signal: Signal) -> tuple[bool, int, float, str, str]:
    """Problems first, the costliest first; then strengths, the most valuable first; by score where money ties."""
    money = signal.impact if signal.worse else -signal.impact
    return (not signal.worse, money, -abs(signal.score), signal.kpi, signal.rep or "")

"""What moved in a period's pipeline: the waterfall from open at the start to open at the end, and the slipped deals.

Waterfall (money and count, the team's or the team filter's and each rep's): open at the start + created − won −
lost − voided ± amount changes ± other = open at the end, to the cent, because every line is read from the same two
rebuilt states of each deal (:func:`cockpit.core.store.forecasting.deals_between`): as it stood at the period's start
and at its end. A deal open at the start counts its amount then; one that leaves counts its amount at the end; the
difference is its amount change. A deal created in the period enters at its amount at the end. "Other" is what
entered or left otherwise: reopened after a close, restored after a void, moved to or from another rep (in a rep's
waterfall), or in a stage no longer configured.

Slipped deals: deals open now whose expected close has passed, and deals whose expected close was moved from inside
the period to after it during the period (the audit trail), each with its owner and by how many days it slipped.

Core module: no Textual. Money in minor units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pendulum

from cockpit.core.periods import Period
from cockpit.core.report import to_major
from cockpit.core.store import Store
from cockpit.core.store.forecasting import DealEnd, close_moves, deals_between, open_deal_rows

#: The waterfall's steps between the two totals, in order.
STEPS = ("created", "amount_changes", "won", "lost", "voided", "other")
_DAY = 86_400


@dataclass(frozen=True)
class Step:
    """One line of the waterfall: money (signed, minor units) and deals (signed)."""

    value: int = 0
    count: int = 0

    def __add__(self, other: Step) -> Step:
        return Step(self.value + other.value, self.count + other.count)

    def to_json(self, currency: str) -> dict[str, object]:
        return {"value": to_major(self.value, currency), "count": self.count}


@dataclass(frozen=True)
class Waterfall:
    """Open at the start, the steps, open at the end: ``start + Σ steps == end``, value and count."""

    start: Step
    steps: Mapping[str, Step]
    end: Step

    def to_json(self, currency: str) -> dict[str, object]:
        return {
            "open_start": self.start.to_json(currency),
            **{name: self.steps.get(name, Step()).to_json(currency) for name in STEPS},
            "open_end": self.end.to_json(currency),
        }


@dataclass(frozen=True)
class Movement:
    """The period's waterfall for the team (or team filter) and for each rep with a deal in it."""

    period: str
    team: Waterfall
    reps: Mapping[int, Waterfall]


def _exit(d: DealEnd) -> str:
    if d.voided:
        return "voided"
    if d.stage in ("won", "lost"):
        return d.stage
    return "other"


def waterfalls(at_start: list[DealEnd], at_end: list[DealEnd], start_ts: int) -> tuple[Waterfall, dict[int, Waterfall]]:
    """The team's and each rep's waterfall from the deals as they stood at the start (open ones) and at the end."""
    # Each line's [money, deals] summed in place, made Steps once at the end: a new Step per deal and line (two or
    # three per deal, each a frozen dataclass) was most of the waterfall's 70 ms at 200 reps.
    team: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    reps: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    began = {d.id: d for d in at_start}
    ended = {d.id: d for d in at_end}

    def add(rep_id: int, line: str, value: int, count: int, *, team_too: bool = True) -> None:
        cell = reps[rep_id][line]
        cell[0] += value
        cell[1] += count
        if team_too:
            cell = team[line]
            cell[0] += value
            cell[1] += count

    for d in at_start:
        add(d.rep_id, "start", d.amount, 1)
    for d in at_end:
        before = began.get(d.id)
        now_open = d.is_open and not d.voided
        if before is None and not now_open:
            created = d.created_at >= start_ts and not d.voided
            if created and d.stage in ("won", "lost"):
                # Created and closed within the period: in and out again, shown on both lines.
                add(d.rep_id, "created", d.amount, 1)
                add(d.rep_id, d.stage, -d.amount, -1)
            continue
        if before is None:  # entered: new, or reopened, restored, or in a stage not configured before
            add(d.rep_id, "created" if d.created_at >= start_ts else "other", d.amount, 1)
        elif before.rep_id != d.rep_id:
            # Moved to another rep: out of one rep's waterfall and into the other's; the team sees an amount change.
            add(before.rep_id, "other", -before.amount, -1, team_too=False)
            add(d.rep_id, "other", before.amount, 1, team_too=False)
            before = DealEnd(before.id, d.rep_id, before.stage, True, False, before.amount, before.created_at)
        if before is not None and d.amount != before.amount:
            add(d.rep_id, "amount_changes", d.amount - before.amount, 0)
        if now_open:
            add(d.rep_id, "end", d.amount, 1)
        elif before is not None or d.created_at >= start_ts:
            add(d.rep_id, _exit(d), -d.amount, -1)
    for deal_id, d in began.items():
        if deal_id not in ended:  # not a candidate at the end any more (cannot happen with the store's rules)
            add(d.rep_id, "other", -d.amount, -1)

    def fall(lines: Mapping[str, list[int]]) -> Waterfall:
        steps = {name: Step(*lines[name]) if name in lines else Step() for name in ("start", *STEPS, "end")}
        return Waterfall(steps["start"], {k: steps[k] for k in STEPS}, steps["end"])

    return fall(team), {rep_id: fall(lines) for rep_id, lines in reps.items()}


def movement(store: Store, period: Period, now_ts: int, *, team: str | None = None) -> Movement:
    """The waterfall of ``period`` (to now while it runs) for the team filter (or everyone) and each rep."""
    end = min(period.end_ts, max(now_ts + 1, period.start_ts))
    at_start, at_end = deals_between(store, period.start_ts, end, team=team)
    team_fall, reps = waterfalls(at_start, at_end, period.start_ts)
    return Movement(period.label, team_fall, reps)


@dataclass(frozen=True)
class Slipped:
    """An open deal that slipped: its expected close passed, or was moved out of the period during it."""

    deal_id: int
    title: str
    rep_id: int
    rep: str
    stage: str
    amount: int
    expected_close: int | None
    reason: str  # "overdue" | "moved out"
    days: int  # by how much it slipped: days overdue, or days the close was moved
    expected_day: str | None = None  # the expected close as a local date (YYYY-MM-DD)

    def to_json(self, currency: str) -> dict[str, object]:
        return {
            "deal_id": self.deal_id,
            "title": self.title,
            "rep": self.rep,
            "stage": self.stage,
            "amount": to_major(self.amount, currency),
            "expected_close": self.expected_day,
            "reason": self.reason,
            "days": self.days,
        }


def slipped_deals(store: Store, period: Period, now_ts: int, *, team: str | None = None) -> tuple[Slipped, ...]:
    """Open deals whose expected close has passed (by now), and deals whose expected close was moved during the
    period from inside it to after its end; most days first. A deal both overdue and moved out is listed once, as
    moved out (the move is the news)."""
    until = min(period.end_ts, now_ts + 1)
    moved: dict[int, int] = {}
    for move in close_moves(store, period.start_ts, until):
        inside = move.old is not None and period.start_ts <= move.old < period.end_ts
        if inside and move.new is not None and move.new >= period.end_ts:
            moved[move.deal_id] = moved.get(move.deal_id, 0) + (move.new - move.old)
    rows = open_deal_rows(store, list(moved), overdue_before=now_ts, team=team)
    zone = period.start.timezone
    out = []
    for r in rows:
        if r.id in moved:
            how, days = "moved out", moved[r.id] // _DAY
        elif r.expected_close is not None and r.expected_close < now_ts:
            how, days = "overdue", (now_ts - r.expected_close) // _DAY
        else:
            continue
        out.append(
            Slipped(
                r.id, r.title, r.rep_id, r.rep, r.stage, r.amount, r.expected_close, how, days,
                _day(r.expected_close, zone),
            )
        )  # fmt: skip
    out.sort(key=lambda s: (-s.days, s.deal_id))
    return tuple(out)


def _day(ts: int | None, zone: pendulum.Timezone | pendulum.FixedTimezone | None) -> str | None:
    return None if ts is None else pendulum.from_timestamp(ts, tz=zone).to_date_string()

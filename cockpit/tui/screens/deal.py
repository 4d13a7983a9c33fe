"""A deal's own page: its facts, stage history, follow-ups, activities with their notes and audit trail.

Opened by Enter on a deal (the pipeline, a drill-down, My day, search). The page is read in the app's refresh worker
(``Request.deal_id`` → ``Snapshot.deal``) and drawn from the snapshot, so it follows every write, this user's or a
colleague's. The logging keys act on this deal: the app's ``selected_deal_id`` is the page's deal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pendulum
from rich.table import Table as RichTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Static

from cockpit.core.parse import format_money
from cockpit.core.quick import row_ref
from cockpit.core.store import Activity, AuditEntry
from cockpit.core.store.deal_page import DealDetail
from cockpit.core.text import clean, plural
from cockpit.tui.screens.common import when
from cockpit.tui.screens.following import FollowingScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.widgets.footer import KeysFooter
from cockpit.tui.widgets.repaint import show_text

if TYPE_CHECKING:
    from cockpit.core.snapshot import Snapshot
    from cockpit.tui.app import CockpitApp

#: The keys that act on the deal, said on the page (the app's bindings, hidden from a one-line footer).
KEYS_HINT = "a advance · w won · l lost · E edit · f follow-up · c call · x void · o owner"
#: Notes are stored whole (up to 100,000 characters); the page shows this many cells of each.
NOTE_CELLS = 400
#: Audit values: columns holding times (shown as dates), money, and columns that say nothing to a reader.
_TIME_COLUMNS = {
    "at",
    "created_at",
    "qualified_at",
    "expected_close",
    "closed_at",
    "voided_at",
    "follow_up_at",
    "follow_up_done_at",
}
_HIDDEN_COLUMNS = {"updated_at"}


def day(ts: int | None, tz: str | None) -> str:
    """``2026-11-18`` in the configured zone, ``—`` for no date."""
    if ts is None:
        return "—"
    return pendulum.from_timestamp(ts, tz=tz or pendulum.local_timezone()).format("YYYY-MM-DD")


class DealScreen(FollowingScreen):
    """One deal in full; Esc or q goes back to where it was opened from, o opens its owner's drill-down."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="deal.back"),
        Binding("q", "back", "Back", id="deal.back_q", show=False),
        Binding("o", "owner", "Owner", id="deal.owner", tooltip="Open the deal owner's drill-down"),
    ]

    #: What the keys acting on a selection say on this page (the page's deal is always selected).
    SELECT_IN: ClassVar[dict[str, str]] = {
        "a follow-up": "follow-ups are marked done from My day or the drill-down",
    }

    def __init__(self, deal_id: int) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.detail: DealDetail | None = None
        """What the page shows (None while loading, or when the deal is gone)."""

    @property
    def cockpit(self) -> CockpitApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(icon="◧")
        yield Static("Loading…", id="deal-status", classes="status")
        yield Static("", id="deal-banner", classes="banner")
        with VerticalScroll(id="deal-body"):
            with Horizontal(id="deal-top"):
                yield Static(id="deal-facts", classes="deal-box")
                yield Static(id="deal-history", classes="deal-box")
            yield Static(id="deal-followups", classes="deal-box")
            yield Static(id="deal-activities", classes="deal-box")
            yield Static(id="deal-audit", classes="deal-box")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#deal-banner").display = False
        for widget_id, title in (
            ("deal-facts", "Deal"),
            ("deal-history", "Stage history"),
            ("deal-followups", "Follow-ups"),
            ("deal-activities", "Activities"),
            ("deal-audit", "Audit trail"),
        ):
            self.query_one(f"#{widget_id}").border_title = title
        self.query_one("#deal-body").focus()  # ↑ ↓ PgUp PgDn scroll the page
        self.follow("snapshot", self.show_snapshot)

    def show_snapshot(self, snapshot: Snapshot | None) -> None:
        """Render the app's snapshot (whenever it changes)."""
        if snapshot is None or snapshot.deal_id != self.deal_id:
            return  # the snapshot with this deal is still loading
        detail = snapshot.deal
        self.detail = detail
        status = self.query_one("#deal-status", Static)
        if detail is None:
            status.update(Text(f"Deal #{self.deal_id} no longer exists. Esc goes back.", style="bold"))
            return
        app = self.cockpit
        tz, currency = app.settings.timezone, app.currency
        now_ts = int(app.clock.timestamp())
        d = detail.deal
        head = Text()  # two lines, never wrapped (cockpit.tcss)
        head.append(f"Deal #{d.id} · {clean(d.title, max_len=60)}", style="bold")
        if d.account and not d.title.startswith(d.account):  # "Acme — Renewal" names its account already
            head.append(f" · {clean(d.account, max_len=40)}")
        head.append(f" · {clean(d.stage)} · {format_money(d.amount, currency)} · {clean(d.rep, max_len=30)}")
        head.append(f"\n{KEYS_HINT}", style="italic")
        status.update(head)
        banner = self.query_one("#deal-banner", Static)
        banner.display = detail.voided
        if detail.voided:
            banner.update(
                Text(
                    f"VOIDED {when(d.voided_at, tz)}: {clean(detail.void_reason, max_len=80)}"
                    " · left out of every KPI · X restores it"
                )
            )
        show_text(self.query_one("#deal-facts", Static), facts(detail, currency, tz))
        show_text(self.query_one("#deal-history", Static), history(detail, tz))
        show_text(self.query_one("#deal-followups", Static), follow_ups(detail, tz, now_ts))
        show_text(self.query_one("#deal-activities", Static), activities(detail, tz))
        shown = len(detail.activities)
        title = "Activities, newest first"
        if detail.more_activities:
            title += f" · {shown} of {shown + detail.more_activities:,}"
        self.query_one("#deal-activities").border_title = title
        show_text(self.query_one("#deal-audit", Static), audit_trail(detail, currency, tz))

    def action_back(self) -> None:
        self.dismiss()
        self.cockpit.deal_page_closed()

    def action_owner(self) -> None:
        """The owner's drill-down: back to it when the page was opened from it, else opened over the page."""
        if self.detail is None:
            return
        rep_id = self.detail.deal.rep_id
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if isinstance(below, RepScreen) and below.rep_id == rep_id:
            self.action_back()  # a second drill-down of the same rep on top would only duplicate it
        else:
            self.cockpit.open_rep(rep_id)


# ------------------------------------------------------------------------------------------------ sections


def facts(detail: DealDetail, currency: str, tz: str | None) -> RichTable:
    """Amount, stage, owner, account, dates, source and product in two label/value pairs a row."""
    d = detail.deal
    grid = RichTable.grid(padding=(0, 1), expand=True)
    for _ in range(2):
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
    owner = clean(d.rep) + (f" ({clean(detail.team)})" if detail.team else "")
    account = clean(d.account) if d.account else "—"
    if d.account and detail.segment:
        account += f" ({clean(detail.segment)})"
    pairs = [
        ("Amount", f"{format_money(d.amount, currency)} {currency}"),
        ("Stage", f"{clean(d.stage)} · {d.probability:.0%}"),
        ("Owner", owner),
        ("Account", account),
        ("Created", day(d.created_at, tz)),
        ("Qualified", day(d.qualified_at, tz)),
        ("Expected", day(d.expected_close, tz)),
        ("Closed", day(d.closed_at, tz)),
        ("Source", clean(d.source) or "—"),
        ("Product", clean(d.product) or "—"),
    ]
    if d.lost_reason:
        pairs.append(("Lost", clean(d.lost_reason, max_len=200)))
    if d.external_id:
        pairs.append(("External", clean(d.external_id, max_len=60)))
    for i in range(0, len(pairs), 2):
        row = [Text(pairs[i][0]), Text(pairs[i][1])]
        row += [Text(pairs[i + 1][0]), Text(pairs[i + 1][1])] if i + 1 < len(pairs) else [Text(""), Text("")]
        grid.add_row(*row)
    return grid


def history(detail: DealDetail, tz: str | None) -> Text:
    """Each stage move, oldest first, with the days spent in the stage it left (who moved it: the audit trail)."""
    text = Text()
    previous: int | None = None
    for i, step in enumerate(detail.history):
        if i:
            text.append("\n")
        text.append(f"{when(step.at, tz)}  ")
        if step.from_stage is None:
            text.append(f"→ {clean(step.to_stage)}", style="bold")
        else:
            text.append(f"{clean(step.from_stage)} → ")
            text.append(clean(step.to_stage), style="bold")
        if previous is not None:
            text.append(f" after {plural(max(0, step.at - previous) // 86_400, 'day')}", style="dim")
        previous = step.at
    if not detail.history:
        text.append("no stage history", style="italic")
    return text


def follow_ups(detail: DealDetail, tz: str | None, now_ts: int) -> Text:
    """The open follow-ups (earliest due first, OVERDUE when past), then the latest done."""
    text = Text()
    lines = 0
    for a in detail.open_follow_ups:
        text.append("\n" if lines else "")
        overdue = a.follow_up_at is not None and a.follow_up_at < now_ts
        text.append("OVERDUE " if overdue else "due ", style="bold" if overdue else "")
        text.append(f"{when(a.follow_up_at, tz)}  {a.kind} {row_ref('activities', a.id)} · {clean(a.rep)}")
        if a.note:
            text.append(f"  {clean(a.note, max_len=120)}")
        lines += 1
    for a in detail.done_follow_ups:
        text.append("\n" if lines else "")
        text.append(f"done {when(a.follow_up_done_at, tz)}  {a.kind} {row_ref('activities', a.id)}", style="dim")
        if a.note:
            text.append(f"  {clean(a.note, max_len=120)}", style="dim")
        lines += 1
    if detail.more_done_follow_ups:
        text.append(f"\n… {plural(detail.more_done_follow_ups, 'earlier one')} done", style="italic")
    if not lines:
        text.append("no follow-ups (f schedules one)", style="italic")
    return text


def _activity_head(a: Activity, tz: str | None) -> Text:
    line = Text()
    line.append(f"{when(a.at, tz)}  ")
    line.append(a.kind, style="bold")
    details = [clean(a.outcome)] if a.outcome else []
    if a.duration_s:
        details.append(f"{max(1, round(a.duration_s / 60))}m")
    details.append(clean(a.rep, max_len=30))
    line.append(f" {' · '.join(details)}  ")
    line.append(row_ref("activities", a.id), style="dim")
    return line


def activities(detail: DealDetail, tz: str | None) -> Text:
    """The live activities, newest first, each with its note (shown literally, cut at NOTE_CELLS cells)."""
    text = Text()
    for i, a in enumerate(detail.activities):
        if i:
            text.append("\n")
        text.append_text(_activity_head(a, tz))
        if a.note:
            text.append(f"\n  {clean(a.note, max_len=NOTE_CELLS)}")
    if detail.more_activities:
        text.append(f"\n… {plural(detail.more_activities, 'older activity', 'older activities')}", style="italic")
    if not detail.activities:
        text.append("no activities yet (c logs a call)", style="italic")
    return text


def _value(column: str, value: Any, currency: str, tz: str | None) -> str:
    if value is None:
        return "—"
    if column in _TIME_COLUMNS and isinstance(value, int):
        return when(value, tz)
    if column == "amount" and isinstance(value, int):
        return format_money(value, currency)
    if column == "probability" and isinstance(value, int | float):
        return f"{value:.0%}"
    return clean(str(value), max_len=40)


def _change(entry: AuditEntry, currency: str, tz: str | None) -> str:
    """What one audit row changed: ``stage qualified → won, probability 30% → 100%``; added; removed."""
    if entry.old_values is None:
        return "added"
    if entry.new_values is None:
        return "removed"
    parts = []
    for column, new in entry.new_values.items():
        if column in _HIDDEN_COLUMNS:
            continue
        old = entry.old_values.get(column)
        if old == new:  # a stage move writes every column it may touch; say only what moved
            continue
        before, after = _value(column, old, currency, tz), _value(column, new, currency, tz)
        parts.append(f"{clean(column).replace('_', ' ')} {before} → {after}")
    return ", ".join(parts) or "touched"


def audit_trail(detail: DealDetail, currency: str, tz: str | None) -> Text:
    """Who changed the deal or its activities, how, newest first; an undone row says so."""
    text = Text()
    for i, e in enumerate(detail.audit):
        if i:
            text.append("\n")
        what = "deal" if e.table_name == "deals" else row_ref("activities", e.row_id or 0)
        text.append(f"{when(e.at, tz)}  {clean(e.unix_user, max_len=20)}  ", style="dim")
        text.append(clean(e.action, max_len=40), style="bold")
        text.append(f"  {what}: {_change(e, currency, tz)}")
        if e.undone_by is not None:
            text.append("  (undone)", style="italic")
    if detail.more_audit:
        text.append(f"\n… {plural(detail.more_audit, 'older change')}", style="italic")
    if not detail.audit:
        text.append("no audited change", style="italic")
    return text

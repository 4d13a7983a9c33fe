"""Monthly costs and quotas in the TUI: the cost and quota forms and the screen that lists a month's entries.

:class:`CostForm` and :class:`QuotaForm` are :class:`~cockpit.tui.screens.forms.EntryForm` subclasses, so they behave
exactly like the logging forms: inline messages beside the fields, nothing written on invalid input, Enter saves,
Esc cancels, a refused write (a rep, a busy database) is shown in the form with every typed value kept. Editing an
entry pre-fills it and locks what identifies it (month, category and channel; month and holder): the store keeps one
cost per (month, category, channel) and one quota per (rep or team, month), so only the amount can change.

:class:`CostsQuotasScreen` shows one month (``[``/``]`` move it): costs and quotas in two tables, read in a thread
worker, re-read after each save. Names from the database are shown literally (``Text(clean(...))``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pendulum
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets.data_table import RowDoesNotExist

from cockpit.core.actions import Actor, SetCost, SetQuota, apply
from cockpit.core.config import Settings
from cockpit.core.errors import one_line
from cockpit.core.importing import parse_month
from cockpit.core.kpi import dashboard, ratio
from cockpit.core.parse import format_money, parse_money
from cockpit.core.periods import parse_period
from cockpit.core.report import percent
from cockpit.core.store import COST_CATEGORIES, Cost, Quota, Store
from cockpit.core.text import clean, lookalike
from cockpit.tui.screens.following import FollowingScreen
from cockpit.tui.screens.forms import EntryForm, FieldError, FuzzySuggester
from cockpit.tui.widgets.footer import KeysFooter
from cockpit.tui.widgets.table import Table

__all__ = ["CostForm", "CostsQuotasScreen", "MoneyView", "QuotaForm", "QuotaLine", "read_money_view", "shift_month"]

E = TypeVar("E", SetCost, SetQuota)
Holder = tuple[str, str]  # ("rep", name) or ("team", name): a rep and a team may share a name


def shift_month(month: str, months: int) -> str:
    """``YYYY-MM`` moved by ``months`` (negative: back)."""
    year, mon = (int(part) for part in month.split("-"))
    return pendulum.date(year, mon, 1).add(months=months).format("YYYY-MM")


def month_label(month: str) -> str:
    """``November 2026`` for ``2026-11``."""
    year, mon = (int(part) for part in month.split("-"))
    return pendulum.date(year, mon, 1).format("MMMM YYYY")


def _locked(parts: Iterable[Widget], locked: bool) -> ComposeResult:
    """The widgets of a field, its input disabled when ``locked`` (the key of an entry being edited)."""
    for widget in parts:
        if locked and isinstance(widget, Input | Select):
            widget.disabled = True
        yield widget


class _MoneyForm(EntryForm[E], Generic[E]):
    """What the cost and quota forms share: a month field and an amount field in the configured currency."""

    def money(self, text: str) -> int:
        return parse_money(text, currency=self.currency)

    def month_field(self, value: str, *, locked: bool) -> ComposeResult:
        parts = self.text_input(
            "month", "Month", value=value, placeholder="2026-11", parse=parse_month, required="a month is required"
        )
        yield from _locked(parts, locked)

    def amount_field(self, amount: int | None) -> ComposeResult:
        yield from self.text_input(
            "amount",
            f"Amount ({self.currency})",
            value=format_money(amount, self.currency) if amount is not None else "",
            placeholder="12,500, 1.5k, $12,400.00",
            parse=self.money,
            required="an amount is required",
        )

    def field_changed(self, name: str, value: str) -> None:
        if name == "month" and value.strip():
            month = parse_month(value)  # valid: the validator passed
            if month != value.strip():
                self.set_message("month", f"→ {month}", hint=True)


class CostForm(_MoneyForm[SetCost]):
    """Add a monthly cost (marketing or sales, by channel), or change the amount of an existing one."""

    def __init__(self, *, month: str, channels: Sequence[str] = (), cost: Cost | None = None, **kwargs: Any) -> None:
        title = (
            f"Edit cost: {cost.month} · {cost.category} · {cost.channel or '(no channel)'}" if cost else "Add a cost"
        )
        super().__init__(clean(title), **kwargs)
        self.month = cost.month if cost else month
        self.channels = channels
        self.cost = cost
        self.channel_suggester = FuzzySuggester()
        self.channel_suggester.names = channels
        self._questioned: str | None = None  # a channel like an existing one, asked about once: Enter again saves it

    def fields(self) -> ComposeResult:
        editing = self.cost is not None
        yield from self.month_field(self.month, locked=editing)
        category = self.cost.category if self.cost else COST_CATEGORIES[0]
        select = Select([(c, c) for c in COST_CATEGORIES], allow_blank=False, value=category)
        yield from _locked(self.field("category", "Category", select), editing)
        parts = self.text_input(
            "channel",
            "Channel (optional)",
            value=clean(self.cost.channel) if self.cost else "",
            placeholder="Google Ads, events, referral…",
            suggester=self.channel_suggester,
        )
        yield from _locked(parts, editing)
        yield from self.amount_field(self.cost.amount if self.cost else None)

    def build(self) -> SetCost:
        amount = self.parsed("amount", self.money, required="an amount is required")
        if self.cost is not None:
            return SetCost(self.cost.month, self.cost.category, amount, channel=self.cost.channel)
        month = self.parsed("month", parse_month, required="a month is required")
        channel = " ".join(self.value("channel").split())
        # The same channel typed in another case is the same channel: keep the spelling already stored.
        channel = next((c for c in self.channels if c.casefold() == channel.casefold()), channel)
        # One spelling away from a known channel (accents, a plural s) would split its cost, and its CAC, in two:
        # asked once; Enter again with the same text saves the new channel, anything else keeps the form.
        similar = lookalike(channel, self.channels)
        if similar is not None and self._questioned != channel:
            self._questioned = channel
            self.show_error(f"Enter again saves {clean(channel)!r} as a new channel", hint=True)
            raise FieldError("channel", f"{clean(channel)!r} looks like existing {clean(similar)!r}: a new channel?")
        return SetCost(month, self.selected("category"), amount, channel=channel)


class QuotaForm(_MoneyForm[SetQuota]):
    """Set a rep's or a team's quota for a month, or change an existing one."""

    def __init__(
        self,
        *,
        month: str,
        reps: Sequence[str] = (),
        teams: Sequence[str] = (),
        quota: Quota | None = None,
        rep: str | None = None,
        **kwargs: Any,
    ) -> None:
        title = f"Edit quota: {quota.month} · {quota.holder}" if quota else "Set a quota"
        super().__init__(clean(title), **kwargs)
        self.month = quota.month if quota else month
        self.reps = reps
        self.teams = teams
        self.quota = quota
        self.rep = rep  # the rep chosen beforehand (a row of the month's reps without a quota)

    def fields(self) -> ComposeResult:
        editing = self.quota is not None
        yield from self.month_field(self.month, locked=editing)
        options: list[tuple[Text, Holder]] = [(Text(clean(name)), ("rep", name)) for name in self.reps]
        options += [(Text(f"Team {clean(name)}"), ("team", name)) for name in self.teams]
        current: Holder | None = None
        if self.quota is not None:
            current = ("rep", self.quota.rep) if self.quota.rep is not None else ("team", self.quota.team or "")
            if current not in [value for _, value in options]:
                options.append((Text(clean(self.quota.holder)), current))
        elif self.rep is not None and ("rep", self.rep) in [value for _, value in options]:
            current = ("rep", self.rep)
        select: Select[Holder] = Select(
            options,
            prompt="(choose a rep or a team)",
            allow_blank=current is None or self.quota is None,
            value=current if current is not None else Select.NULL,
        )
        yield from _locked(self.field("holder", "Rep or team", select), editing)
        yield from self.amount_field(self.quota.amount if self.quota else None)

    def build(self) -> SetQuota:
        if self.quota is not None:
            month, holder = self.quota.month, self.selected("holder")
        else:
            month = self.parsed("month", parse_month, required="a month is required")
            holder = self.selected("holder")
            if holder is None:
                raise FieldError("holder", "choose a rep or a team")
        amount = self.parsed("amount", self.money, required="an amount is required")
        kind, name = holder
        return SetQuota(month, amount, rep=name if kind == "rep" else None, team=name if kind == "team" else None)


# ------------------------------------------------------------------------------------------------ the screen


@dataclass(frozen=True)
class QuotaLine:
    """A quota with the month's revenue of its rep or team (money in minor units)."""

    quota: Quota
    revenue: int
    attainment: float | None


@dataclass(frozen=True)
class MoneyView:
    """What the costs and quotas screen shows for one month, read in one go by a worker."""

    month: str
    costs: tuple[Cost, ...]
    quotas: tuple[QuotaLine, ...]
    reps: tuple[str, ...]
    teams: tuple[str, ...]
    channels: tuple[str, ...]
    sellers: tuple[str, ...] = ()  # the active reps with role rep: who a month without quotas lists to fill in

    @property
    def total_cost(self) -> int:
        return sum(c.amount for c in self.costs)


def read_money_view(store: Store, month: str, *, tz: str | None = None) -> MoneyView:
    """The month's costs and quotas, each quota with its holder's revenue for the month, and the names to offer."""
    board = dashboard(store, parse_period(month, tz=tz), trend=2)
    by_rep = {row.rep_id: int(row["revenue"] or 0) for row in board.reps}
    by_team: dict[str, int] = {}
    for row in board.reps:
        team = (row.team or "").casefold()
        by_team[team] = by_team.get(team, 0) + int(row["revenue"] or 0)
    lines = []
    for quota in store.quotas(month):
        revenue = (
            by_rep.get(quota.rep_id, 0) if quota.rep_id is not None else by_team.get((quota.team or "").casefold(), 0)
        )
        lines.append(QuotaLine(quota, revenue, ratio(revenue, quota.amount)))
    active = store.reps(active_only=True)
    return MoneyView(
        month=month,
        costs=tuple(store.costs(month)),
        quotas=tuple(lines),
        reps=tuple(r.name for r in active),
        teams=tuple(store.teams()),
        channels=tuple(store.channel_names()),
        sellers=tuple(r.name for r in active if r.role == "rep"),
    )


def _money_cell(amount: int, currency: str) -> Text:
    return Text(format_money(amount, currency), justify="right")


#: "[ ] Month" in the footer: one entry for the two keys.
MONTH_KEYS = Binding.Group("Month")


class CostsQuotasScreen(FollowingScreen):
    """One month's costs and quotas; managers add and edit them here (``k`` cost, ``o`` quota, Enter edits)."""

    BINDINGS = [
        Binding("left_square_bracket", "move_month(-1)", "Prev month", id="money.previous_month", group=MONTH_KEYS),
        Binding("right_square_bracket", "move_month(1)", "Next month", id="money.next_month", group=MONTH_KEYS),
        Binding("k", "add_cost", "Add cost", id="money.add_cost", tooltip="Add a monthly cost"),
        Binding("o", "set_quota", "Set quota", id="money.set_quota", tooltip="Set a rep's or a team's quota"),
        Binding("escape", "app.pop_screen", "Back", id="money.back"),
        # Still working here, out of this screen's footer (whole at 80 columns): the keys of other work.
        Binding("i", "app.insights", "Insights", show=False),
        Binding("c", "app.log_call", "Call", show=False),
        Binding("colon", "app.quick_entry", "Quick entry", show=False),
    ]
    DEFAULT_CSS = """
    CostsQuotasScreen .section-title { text-style: bold; padding: 1 1 0 1; }
    CostsQuotasScreen .section-note { color: $text-muted; padding: 0 1; }
    CostsQuotasScreen DataTable { height: auto; max-height: 16; margin: 0 1; }
    """

    def __init__(
        self,
        *,
        store: Store,
        actor: Actor,
        settings: Settings,
        month: str,
        now: pendulum.DateTime | None = None,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.settings = settings
        self.month = month
        self.now = now
        self.on_saved = on_saved  # the App reloads its panes: CAC and attainment change with these entries
        self.view: MoneyView | None = None
        self._select_after_load: tuple[str, int] | None = None

    @property
    def currency(self) -> str:
        return self.settings.currency

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", id="money-title", classes="section-title")
            yield Static("Costs", classes="section-title")
            yield Table(id="money-costs", zebra_stripes=True, cursor_type="row")
            yield Static("", id="money-total", classes="section-note")
            yield Static("Quotas", classes="section-title")
            yield Table(id="money-quotas", zebra_stripes=True, cursor_type="row")
            yield Static(
                "k add a cost · o set a quota · Enter edit the selected row · [ ] month · Esc back",
                classes="section-note",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#money-costs", Table).add_columns("Category", "Channel", "Amount")
        self.query_one("#money-quotas", Table).add_columns("Rep or team", "Quota", "Revenue", "Attainment")
        self.load()
        # In the cockpit, a new snapshot means the database changed: read the month again (no-op on other apps).
        self.follow("snapshot", self.show_snapshot, init=False)

    # ---- reading

    def load(self) -> None:
        """Re-read the month's entries (in a worker); the tables update when it posts the view."""
        self.query_one("#money-title", Static).update(Text(f"Costs and quotas · {month_label(self.month)}"))
        self._read(self.month)

    @work(thread=True, exclusive=True, group="money-read")
    def _read(self, month: str) -> None:
        try:
            view = read_money_view(self.store, month, tz=self.settings.timezone)
        except Exception as exc:  # busy, locked, or a bug (logged): one line; the screen stays
            self.app.call_from_thread(self.app.notify, one_line(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show, view)

    def show_snapshot(self, snapshot: object) -> None:
        """The app's snapshot changed, so did the database (a colleague's write, an undo): read the month's entries
        and revenue again."""
        self.load()

    def show(self, view: MoneyView) -> None:
        """Render a month's view (ignored when the month moved on while it was read)."""
        if view.month != self.month:
            return
        self.view = view
        costs = self.query_one("#money-costs", Table)
        with costs.refilling():  # a colleague's write re-reads the month: the cursor stays on its entry
            for cost in view.costs:
                costs.add_row(
                    Text(cost.category),
                    Text(clean(cost.channel, max_len=40) or "—"),
                    _money_cell(cost.amount, self.currency),
                    key=f"cost:{cost.id}",
                )
        total = f"Total {format_money(view.total_cost, self.currency)}" if view.costs else "No costs this month"
        self.query_one("#money-total", Static).update(Text(total))
        quotas = self.query_one("#money-quotas", Table)
        with quotas.refilling():
            for line in view.quotas:
                q = line.quota
                who = clean(q.rep, max_len=40) if q.rep is not None else f"Team {clean(q.team, max_len=34)}"
                shown = "—" if line.attainment is None else percent(line.attainment)
                quotas.add_row(
                    Text(who),
                    _money_cell(q.amount, self.currency),
                    _money_cell(line.revenue, self.currency),
                    Text(shown, justify="right"),
                    key=f"quota:{q.id}",
                )
            if not view.quotas:
                # A month without quotas: its reps, each a row to fill in (Enter sets that rep's quota), rather
                # than an empty table that leaves the manager to recall who needs one.
                for index, name in enumerate(view.sellers):
                    quotas.add_row(
                        Text(clean(name, max_len=40)),
                        Text("to fill in", style="italic", justify="right"),
                        Text(""),
                        Text(""),
                        key=f"fill:{index}",
                    )
        if self._select_after_load is not None:
            table_id, row_id = self._select_after_load
            self._select_after_load = None
            table = self.query_one(table_id, Table)
            prefix = "cost" if table_id == "#money-costs" else "quota"
            try:
                table.move_cursor(row=table.get_row_index(f"{prefix}:{row_id}"))
            except RowDoesNotExist:  # a worker for another month won the race: nothing to select
                return
            table.focus()

    # ---- actions

    def action_move_month(self, step: int) -> None:
        """Show the previous (-1) or next (1) month."""
        self.month = shift_month(self.month, step)
        self.load()

    def _form_kwargs(self) -> dict[str, Any]:
        return {
            "save": lambda entry: apply(self.store, self.actor, entry),
            "now": self.now,
            "tz": self.settings.timezone,
            "currency": self.currency,
        }

    def _open(self, form: EntryForm[Any], table_id: str) -> None:
        def done(entry: SetCost | SetQuota | None) -> None:
            if entry is None or form.saved_id is None:
                return
            self._select_after_load = (table_id, form.saved_id)
            if entry.month != self.month:  # saved for another month: show that month
                self.month = entry.month
            self.load()
            if self.on_saved is not None:
                self.on_saved()
            self.app.notify(self._saved_message(entry), markup=False)

        self.app.push_screen(form, callback=done)

    def _saved_message(self, entry: SetCost | SetQuota) -> str:
        amount = format_money(entry.amount, self.currency)
        if isinstance(entry, SetCost):
            channel = f" · {clean(entry.channel)}" if entry.channel else ""
            return f"Cost saved: {entry.month} · {entry.category}{channel} · {amount}"
        holder = clean(entry.rep) if entry.rep else f"team {clean(entry.team)}"
        return f"Quota saved: {entry.month} · {holder} · {amount}"

    def action_add_cost(self) -> None:
        """Add a cost for the month shown."""
        channels = self.view.channels if self.view else ()
        self._open(CostForm(month=self.month, channels=channels, **self._form_kwargs()), "#money-costs")

    def action_set_quota(self) -> None:
        """Set a quota for the month shown."""
        reps, teams = (self.view.reps, self.view.teams) if self.view else ((), ())
        self._open(QuotaForm(month=self.month, reps=reps, teams=teams, **self._form_kwargs()), "#money-quotas")

    @on(DataTable.RowSelected)
    def _edit_row(self, event: DataTable.RowSelected) -> None:
        if self.view is None or event.row_key.value is None:
            return
        kind, _, row_id = event.row_key.value.partition(":")
        if kind == "cost":
            cost = next(c for c in self.view.costs if c.id == int(row_id))
            form: EntryForm[Any] = CostForm(
                month=self.month, channels=self.view.channels, cost=cost, **self._form_kwargs()
            )
            self._open(form, "#money-costs")
        elif kind == "fill":
            name = self.view.sellers[int(row_id)]
            form = QuotaForm(
                month=self.month, reps=self.view.reps, teams=self.view.teams, rep=name, **self._form_kwargs()
            )
            self._open(form, "#money-quotas")
        elif kind == "quota":
            line = next(q for q in self.view.quotas if q.quota.id == int(row_id))
            form = QuotaForm(
                month=self.month, reps=self.view.reps, teams=self.view.teams, quota=line.quota, **self._form_kwargs()
            )
            self._open(form, "#money-quotas")

"""The period-kind chooser: week, month, quarter, year, fiscal year, or a custom range of two dates."""

from __future__ import annotations

import pendulum
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from cockpit.core.config import Settings
from cockpit.core.errors import PeriodError
from cockpit.core.periods import Period, parse_period, period_containing
from cockpit.tui.widgets.steady_input import SteadyInput

KINDS: tuple[tuple[str, str], ...] = (
    ("week", "Week"),
    ("month", "Month"),
    ("quarter", "Quarter"),
    ("year", "Year"),
    ("fy", "Fiscal year"),
    ("custom", "Custom range…"),
)


class PeriodScreen(ModalScreen[Period | None]):
    """Choose the kind of period; the new period contains the first day of the current one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="period_cancel")]

    def __init__(self, current: Period, settings: Settings, now: pendulum.DateTime) -> None:
        super().__init__()
        self.current = current
        self.settings = settings
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Period kind (now {self.current.label})")
            yield OptionList(*(Option(Text(label), id=kind) for kind, label in KINDS), id="period-kinds")
            # Labelled fields with the format as placeholder: a placeholder that looks like a date was taken for a
            # value typed already. Enter in From goes to To, Enter in To applies; tab and shift+tab move as usual.
            with Horizontal(id="custom-range"):
                yield Label("From", classes="field-label")
                yield SteadyInput(self.current.first_day.to_date_string(), placeholder="YYYY-MM-DD", id="from")
                yield Label("To", classes="field-label")
                yield SteadyInput(self.current.last_day.to_date_string(), placeholder="YYYY-MM-DD", id="to")
            yield Label("", id="period-error")

    def on_mount(self) -> None:
        self.query_one("#custom-range").display = False
        options = self.query_one(OptionList)
        options.highlighted = next(i for i, (k, _) in enumerate(KINDS) if k == self.current.kind.value)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind = event.option.id or "month"
        if kind == "custom":
            self.query_one("#custom-range").display = True
            self.query_one("#from", Input).focus()
            return
        self.dismiss(
            period_containing(
                kind,
                self.current.start,
                tz=self.settings.timezone,
                fiscal_start_month=self.settings.fiscal_year_start,
            )
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "from":
            self.query_one("#to", Input).focus()
            return
        spec = f"{self.query_one('#from', Input).value.strip()}..{self.query_one('#to', Input).value.strip()}"
        try:
            period = parse_period(
                spec, now=self.now, tz=self.settings.timezone, fiscal_start_month=self.settings.fiscal_year_start
            )
        except PeriodError as exc:
            self.query_one("#period-error", Label).update(Text(str(exc)))
            return
        self.dismiss(period)

    def action_cancel(self) -> None:
        self.dismiss(None)

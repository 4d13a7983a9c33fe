"""Widgets for the insights pane: the verdict, the pace-and-plan summary and the lists of diagnosis signals.

All render data they are given (computed in the app's worker) as literal ``rich.text.Text``: rep names and
messages come from other people's data and must never be read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from cockpit.core.diagnosis import Signal
from cockpit.core.parse import format_money
from cockpit.core.report import percent
from cockpit.core.targets import Pace, Plan
from cockpit.core.text import clean, plural
from cockpit.core.verdict import Verdict
from cockpit.tui.widgets.repaint import show_text

#: What the diagnosis says when it found nothing at all.
NO_SIGNAL = "No strong signal: nothing stands out from the team or its history."


def _share(value: float | None) -> str:
    return "—" if value is None else percent(value)


class PacePlan(Static):
    """Quota, attainment and pace of one scope, and the plan that closes the gap. Embeddable in any screen."""

    DEFAULT_CSS = """
    PacePlan {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        pace: Pace | None = None,
        plan: Plan | None = None,
        *,
        label: str = "Team",
        currency: str = "USD",
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.pace_data, self.plan_data, self.label, self.currency = pace, plan, label, currency

    def on_mount(self) -> None:
        self.update(self.summary())

    def show(
        self, pace: Pace | None, plan: Plan | None, *, label: str | None = None, currency: str | None = None
    ) -> None:
        """Show another scope's (or a refreshed) pace and plan."""
        self.pace_data, self.plan_data = pace, plan
        if label is not None:
            self.label = label
        if currency is not None:
            self.currency = currency
        show_text(self, self.summary())

    def summary(self) -> Text:
        """The widget's content: two lines of literal text."""
        text = Text()
        text.append(clean(self.label, max_len=30), style="bold")
        pace = self.pace_data
        if pace is None:
            text.append(" — no data yet", style="dim")
            return text
        if not pace.quota:
            text.append(f" — {format_money(pace.revenue, self.currency, compact=True)} sold, no quota set")
        else:
            text.append(
                f" — {format_money(pace.revenue, self.currency, compact=True)} of"
                f" {format_money(pace.quota, self.currency, compact=True)} ({_share(pace.attainment)})"
            )
            text.append(", pace ")
            text.append(_share(pace.pace), style="bold")
            if pace.pace is not None and not pace.complete:
                text.append(" (behind)" if pace.pace < 1 else " (on track)")
        days = "period complete" if pace.complete else f"{plural(pace.days_remaining, 'business day')} left"
        text.append(f" · {days}", style="dim")
        if self.plan_data is not None and pace.quota:
            text.append("\n")
            text.append(clean(self.plan_data.message))
        return text


class VerdictView(Static):
    """The verdict in one short paragraph: the gap first (bold), then its causes ranked by money."""

    DEFAULT_CSS = """
    VerdictView {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
    }
    """

    def __init__(
        self,
        verdict: Verdict | None = None,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.verdict = verdict

    def on_mount(self) -> None:
        self.update(self.paragraph())

    def show(self, verdict: Verdict | None) -> None:
        self.verdict = verdict
        show_text(self, self.paragraph())

    def paragraph(self) -> Text:
        text = Text()
        if self.verdict is None:
            text.append("No verdict yet.", style="dim")
            return text
        message = clean(self.verdict.message)
        head, sep, rest = message.partition(". ")
        text.append(head + sep.rstrip(), style="bold")
        if rest:
            text.append(" " + rest)
        return text


class DiagnosisList(Static):
    """Diagnosis signals in the order given (problems or strengths, by money): team-wide ones marked "TEAM", a rep's
    marked "REP"."""

    DEFAULT_CSS = """
    DiagnosisList {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        signals: Sequence[Signal] = (),
        *,
        limit: int = 12,
        empty: str = NO_SIGNAL,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.signals, self.limit, self.empty = tuple(signals), limit, empty

    def on_mount(self) -> None:
        self.update(self.lines())

    def show(self, signals: Sequence[Signal], *, empty: str | None = None) -> None:
        self.signals = tuple(signals)
        if empty is not None:
            self.empty = empty
        show_text(self, self.lines())

    def lines(self) -> Text:
        text = Text()
        if not self.signals:
            text.append(self.empty, style="dim")
            return text
        for i, signal in enumerate(self.signals[: self.limit]):
            if i:
                text.append("\n")
            tag = "TEAM" if signal.scope == "team" else "REP "
            text.append(f"{tag} ", style="bold reverse" if signal.scope == "team" else "bold")
            arrow = "▲" if signal.direction == "up" else "▼"
            text.append(f"{arrow} ")
            text.append(clean(signal.message))
        if len(self.signals) > self.limit:
            text.append(f"\n… and {len(self.signals) - self.limit} weaker signals", style="dim")
        return text

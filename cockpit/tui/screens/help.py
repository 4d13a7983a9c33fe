"""The help screen: every key binding of the app and its screens, from their declarations."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.core.quick import QUICK_ENTRY_HELP
from cockpit.core.views import PAGE_SIZE, REP_DEALS_PAGE
from cockpit.tui.screens.dashboard import DashboardScreen
from cockpit.tui.screens.deal import DealScreen
from cockpit.tui.screens.rep import RepScreen
from cockpit.tui.widgets.scorecard import REPS_PAGE, Scorecards

# One paragraph and one line: the help box wraps them to its width (line breaks in the source broke them mid-line).
PANES_HELP = (
    "Panes: KPI tiles (value, ▲/▼ change vs the previous period, sparkline of 12 periods) · Scorecards (one row per"
    " rep and a team total; Conv coh: conversion of the period's opportunities, Closed: how many of them are"
    " closed, Conv prev: the last closed window's) · Pipeline (the stage totals as at the period's end, as the"
    " report counts them; below, the highlighted stage's deals open now, idlest first, STALE when idle too long)"
    " · Trend (the selected KPI over 12 periods; a rep's trend shows the team median too)."
    "\nNumbers equal `cockpit report` for the same period and team."
)


def key_display(keys: str) -> str:
    """Keys as typed, not as Textual names them: ``:`` and ``$`` for ``colon`` and ``dollar_sign``."""
    return " ".join("enter" if key == "enter" else format_key(key) for key in keys.split(","))


def binding_rows(bindings: list[Binding], seen: set[str]) -> list[tuple[str, str]]:
    rows = []
    for b in bindings:
        if not isinstance(b, Binding) or b.description == "" or b.action in seen:
            continue
        seen.add(b.action)
        rows.append((b.key_display or key_display(b.key), b.description))
    return rows


class HelpScreen(ModalScreen[None]):
    """Keys and panes; Esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help_close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        seen: set[str] = set()
        sections = [
            # The app's own bindings (the cockpit's, whichever app opened this screen).
            ("Everywhere", binding_rows(list(type(self.app).BINDINGS), seen) + [("ctrl+p", "Command palette")]),
            ("Team cockpit", binding_rows(DashboardScreen.BINDINGS, seen)),
            (
                "Scorecards",
                binding_rows(Scorecards.BINDINGS, seen)
                + [
                    ("enter", "Open the rep's drill-down"),
                    ("enter", f'On "↓ N more" / "↑ N before": the next / previous {REPS_PAGE} reps'),
                ],
            ),
            ("KPI tiles", [("← →", "Choose the KPI the trend shows")]),
            (
                "Pipeline",
                [
                    ("← →", "Choose a stage (one column each)"),
                    ("↑ ↓", "Choose a deal"),
                    ("enter", "Open the deal's page"),
                    ("enter", f'On "… N more" / "↑ N before": the next / previous {PAGE_SIZE} deals'),
                ],
            ),
            (
                "Drill-down, My day",
                binding_rows(RepScreen.BINDINGS, seen)
                + [
                    ("enter", "On a deal: open the deal's page (search too: enter on a deal)"),
                    ("enter", f'On "… N more" / "↑ N before": the next / previous {REP_DEALS_PAGE} deals'),
                ],
            ),
            (
                "Deal page",
                binding_rows(DealScreen.BINDINGS, seen)
                + [
                    ("esc q", "Back to where the page was opened from"),
                    ("a w l E f", "Advance, won, lost, edit, follow-up: on this deal"),
                    ("c e m x", "Log a call, an email, a meeting on it; void it (X restores)"),
                ],
            ),
        ]
        text = Text()
        text.append("cockpit: keys\n\n", style="bold")
        for title, rows in sections:
            text.append(f"{title}\n", style="bold underline")
            for key, description in rows:
                text.append(f"  {key:<12}", style="bold")
                text.append(f"{description}\n")
            text.append("\n")
        quick_title, _, grammar = QUICK_ENTRY_HELP.partition("\n")
        text.append(f"{quick_title}\n", style="bold underline")
        text.append(grammar)
        text.append("\n")
        text.append(PANES_HELP)
        with VerticalScroll(id="help-body"):
            yield Static(text, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)

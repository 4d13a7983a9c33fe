"""The scorecard column chooser: every column the scorecards can show, ticked when shown, in priority order."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from cockpit.core.preferences import ScorecardColumn, ordered


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    """Tick the scorecard columns to show (space or Enter); ctrl+s applies, Esc leaves them as they were.

    Listed most important first: when the pane is too narrow for every ticked column, the last ones are left out."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="columns.apply"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
    ]

    def __init__(self, columns: Sequence[ScorecardColumn], chosen: Sequence[str]) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.chosen = frozenset(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="columns-dialog"):
            yield Label("Scorecard columns, most important first")
            yield SelectionList[str](
                *(
                    # Text: a label is never read as markup; the header is what the table shows.
                    Selection(Text(f"{column.header:<10} {column.label}"), column.key, column.key in self.chosen)
                    for column in self.columns
                ),
                id="columns-list",
            )
            yield Label("space/enter: show or hide · ctrl+s: apply · esc: cancel", classes="dialog-hint")
            yield Label("", id="columns-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        selected = ordered(self.query_one(SelectionList).selected)
        if not selected:
            self.query_one("#columns-error", Label).update("Choose at least one column.")
            return
        self.dismiss(selected)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The team filter chooser."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cockpit.core.text import clean

ALL = "\x00all"


class TeamScreen(ModalScreen[str | None]):
    """Pick a team, or every team; returns the team name, "" for every team, None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="team_cancel")]

    def __init__(self, teams: tuple[str, ...], current: str | None) -> None:
        super().__init__()
        self.teams = teams
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("All teams"), id=ALL)]
        options += [Option(Text(clean(t)), id=f"t{i}") for i, t in enumerate(self.teams)]
        with Vertical(classes="dialog"):
            yield Label("Team filter")
            yield OptionList(*options, id="team-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.teams:
            options.highlighted = self.teams.index(self.current) + 1
        else:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ALL
        self.dismiss("" if option_id == ALL else self.teams[int(option_id[1:])])

    def action_cancel(self) -> None:
        self.dismiss(None)

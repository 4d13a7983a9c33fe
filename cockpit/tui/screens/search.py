"""Search deals and accounts as you type; the query runs in a thread worker."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from cockpit.core.store import Store
from cockpit.core.text import clean
from cockpit.core.views import SearchHit, search
from cockpit.tui.widgets.steady_input import SteadyInput


class SearchScreen(ModalScreen[SearchHit | None]):
    """Type to search; ↓ to the results, Enter opens a deal's page, Esc closes."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="search_cancel"),
        Binding("down", "results", "Results", show=False),
    ]

    class Found(Message):
        def __init__(self, text: str, hits: tuple[SearchHit, ...]) -> None:
            self.text = text
            self.hits = hits
            super().__init__()

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.hits: tuple[SearchHit, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="search-dialog"):
            yield Label("Search deals and accounts")
            yield SteadyInput(placeholder="name, title or account…", id="search-input")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str) -> None:
        try:
            hits = search(self.store, text, limit=30)
        except Exception:  # a failed search shows no results; it must never take the app down
            hits = ()
        if not get_current_worker().is_cancelled:
            self.post_message(self.Found(text, hits))

    def on_search_screen_found(self, message: Found) -> None:
        if message.text != self.query_one(Input).value:
            return
        self.hits = message.hits
        options = self.query_one(OptionList)
        options.clear_options()
        for i, hit in enumerate(self.hits):
            line = Text()
            line.append(f"{hit.kind:<8}", style="bold")
            line.append(clean(hit.title, max_len=40))
            line.append(f"  {clean(hit.detail, max_len=50)}", style="dim")
            options.add_option(Option(line, id=str(i)))
        if not self.hits and message.text.strip():
            options.add_option(Option(Text("no match"), disabled=True))

    def on_input_submitted(self) -> None:
        self.action_results()

    def action_results(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.hits[int(event.option.id)])

    def action_cancel(self) -> None:
        self.dismiss(None)

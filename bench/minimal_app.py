"""The yardstick for the first-frame ratio: a minimal Textual app with a Header, a DataTable and a Footer."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class MinimalApp(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Rep", "Revenue", "Won", "Win rate")
        for i in range(30):
            table.add_row(f"rep {i:02d}", f"{i * 1000:,}", str(i), f"{i % 100}%")
        table.add_row("READY", "", "", "")


if __name__ == "__main__":
    MinimalApp().run()

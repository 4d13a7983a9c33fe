"""Pieces the rep drill-down and My day share: the KPI comparison lines and the activity list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pendulum
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Static

from cockpit.core.kpi import KPI_LABELS, Dashboard, median
from cockpit.core.parse import format_money
from cockpit.core.report import cohort_values, display_value
from cockpit.core.store import Activity
from cockpit.core.text import clean
from cockpit.core.views import Cohorts, IdleDeal, window_short
from cockpit.tui.screens.following import FollowingScreen
from cockpit.tui.widgets.fitted import Cut
from cockpit.tui.widgets.kpi_tile import change_text
from cockpit.tui.widgets.line_table import Column, LineTable, cells_of, fitted_lines
from cockpit.tui.widgets.repaint import show_text

if TYPE_CHECKING:
    from cockpit.tui.app import CockpitApp


class OneRepScreen(FollowingScreen):
    """A screen about one rep (the drill-down, My day); Esc goes back."""

    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    def __init__(self, rep_id: int) -> None:
        super().__init__()
        self.rep_id = rep_id

    @property
    def cockpit(self) -> CockpitApp:
        return self.app  # type: ignore[return-value]


#: The KPIs a rep is compared on, against the team median.
REP_KPIS: tuple[str, ...] = (
    "revenue",
    "quota",
    "attainment",
    "won",
    "opportunities",
    "win_rate",
    "conversion_rate",
    "calls",
    "calls_per_opportunity",
    "avg_basket",
    "pipeline_value",
)
#: Rows after the cohort conversion: how much of the cohort is closed, and the last closed window's conversion.
COHORT_ROWS: tuple[str, ...] = ("cohort_maturity", "window_conversion_rate")


def quiet_hover(root: Widget) -> None:
    """Stop the tables under ``root`` repainting themselves whole on every mouse motion.

    Each DataTable cell carries style metadata, which Rich gives its own link id; with ``auto_links`` on, Textual
    repaints the whole widget whenever the link id under the pointer changes, i.e. on every move to another cell
    (about 7 KB per motion event over the scorecards at 120 columns, sent across SSH). Our tables hold no links,
    so turning it off loses nothing: the hover row is still highlighted by repainting just that row.
    """
    for table in root.query(DataTable):
        table.auto_links = False


def right(text: str, style: str = "") -> Text:
    return Text(text, justify="right", style=style)


class CompareLines(VerticalScroll, can_focus=True):
    """A rep's KPIs beside the team median and the change against the previous period: a header line and one line a
    KPI, each a Static, in columns as wide as their widest cell.

    Lines, not a DataTable: the box has nothing to select, and Textual 8.2.8's ``DataTable.update_cell`` repaints
    the whole table, so one call logged (the Calls value and its median changed) sent the whole box, ~6 KB at
    120×40, to every cockpit showing it. A line whose text is unchanged is not touched; a changed one repaints its
    own row (:func:`~cockpit.tui.widgets.repaint.show_text`). Only other rows (the cohort rows coming or going) or
    other column widths redraw every line."""

    DEFAULT_CSS = """
    CompareLines { height: auto; background: $surface; }
    CompareLines > .compare-line { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    CompareLines > .compare-header { text-style: bold; background: $panel; }
    """
    COLUMNS = (
        Column("kpi", "KPI"),
        Column("rep", "Rep", True),
        Column("median", "Median", True),
        Column("prev", "vs prev", True),
    )

    #: In a box too narrow for every column the KPI names are cut ("Opportu…"), down to 6 cells; numbers never.
    CUTS = (Cut(minimum=6, rank=0), None, None, None)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._keys: tuple[str, ...] = ()
        self._kpi_rows: list[tuple[str, tuple[Text, ...]]] = []  # (KPI, cells) of each line under the header
        self._widths: list[int] = []  # each column's width as drawn

    def show(self, dash: Dashboard, rep_id: int, currency: str, cohorts: Cohorts | None = None) -> None:
        """The rep's KPIs; with ``cohorts``, under the cohort conversion, how much of the cohort is closed and the
        conversion of the last closed window (a young cohort's low conversion is not a bad one)."""
        self._kpi_rows = [(key, tuple(cells)) for key, cells in self._rows(dash, rep_id, currency, cohorts)]
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """The lines at this width: every column as wide as its widest cell; in a box too narrow for them all the
        KPI names are cut first (the numbers and their change stay whole)."""
        keys = tuple(key for key, _ in self._kpi_rows)
        width = self.scrollable_content_region.width
        header, texts, self._widths = fitted_lines(self.COLUMNS, [c for _, c in self._kpi_rows], self.CUTS, width)
        lines = [header, *texts]
        shown = list(self.query(".compare-line").results(Static))
        if keys == self._keys and len(shown) == len(lines):
            for static, text in zip(shown, lines, strict=True):
                show_text(static, text)
            return
        self._keys = keys
        with self.app.batch_update():
            for static in shown:
                static.remove()
            self.mount_all(
                Static(text, classes="compare-line compare-header" if i == 0 else "compare-line")
                for i, text in enumerate(lines)
            )

    def row(self, key: str) -> tuple[str, ...]:
        """The cells of KPI ``key``'s line as drawn (read back from its line): label, the rep's value, the median,
        the change."""
        lines = [line for line in self.query(".compare-line").results(Static) if not line.has_class("compare-header")]
        return cells_of(str(lines[self._keys.index(key)].content), self._widths)

    def rows(self) -> dict[str, tuple[str, ...]]:
        """Every KPI line's cells (:meth:`row`), in the order shown."""
        return {key: self.row(key) for key in self._keys}

    def _rows(
        self, dash: Dashboard, rep_id: int, currency: str, cohorts: Cohorts | None
    ) -> Iterator[tuple[str, list[Text]]]:
        row = dash.rep_row(rep_id)
        prev = dash.previous_reps.get(rep_id)
        for kpi in REP_KPIS:
            value = row.values[kpi] if row else None
            before = prev.values[kpi] if prev else None
            label = "Conv (cohort)" if kpi == "conversion_rate" and cohorts is not None else KPI_LABELS[kpi]
            yield (
                kpi,
                [
                    Text(label),
                    right(display_value(kpi, value, currency), "bold"),
                    right(display_value(kpi, dash.median(kpi), currency)),
                    right(change_text(kpi, value, before, currency)),
                ],
            )
            if kpi == "conversion_rate" and cohorts is not None:
                yield from self._cohort_rows(dash, rep_id, currency, cohorts)

    def _cohort_rows(
        self, dash: Dashboard, rep_id: int, currency: str, cohorts: Cohorts
    ) -> Iterator[tuple[str, list[Text]]]:
        mine = cohort_values(cohorts.reps.get(rep_id))
        counted = [cohort_values(cohorts.reps.get(r.rep_id)) for r in dash.reps if r.values["reps"]]
        labels = {"cohort_maturity": "Cohort closed", "window_conversion_rate": f"Conv {window_short(dash.period)}"}
        for key in COHORT_ROWS:
            yield (
                key,
                [
                    Text(labels[key]),
                    right(display_value(key, mine[key], currency), "bold"),
                    right(display_value(key, median(v[key] for v in counted), currency)),
                    right(""),  # not compared with the previous period: an older cohort had longer to close
                ],
            )


def when(ts: int | None, tz: str | None) -> str:
    if ts is None:
        return ""
    moment = pendulum.from_timestamp(ts, tz=tz or pendulum.local_timezone())
    return moment.format("YYYY-MM-DD HH:mm")


class ActivityTable(LineTable):
    """Activities, newest first; notes shown literally and truncated (stored whole), cut to the box's width: the
    note first, then the account or deal, then the outcome. Lines (see
    :class:`~cockpit.tui.widgets.line_table.LineTable`): a new activity on top rewrites the lines it shifts, once."""

    COLUMNS = (
        Column("when", "When"),
        Column("kind", "Kind"),
        Column("outcome", "Outcome"),  # short, before the names a half-width box cuts off
        Column("what", "About"),  # the account or deal: a short header leaves the note room
        Column("note", "Note"),
    )
    CUTS = (None, None, Cut(9, 3), Cut(16, 2), Cut(6, 1))
    #: A follow-up's note is what to do ("send proposal v2"): the account or deal is cut first, the note last. It
    #: has no outcome column: the outcome is of the activity it came from, and a half-width box needs the room.
    FOLLOW_UP_COLUMNS = (Column("when", "Due"), Column("kind", "Kind"), Column("what", "About"), Column("note", "Note"))
    FOLLOW_UP_CUTS = (None, None, Cut(12, 1), Cut(20, 2))

    def __init__(self, *, follow_up: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.follow_up = follow_up
        if follow_up:
            self.COLUMNS, self.CUTS = self.FOLLOW_UP_COLUMNS, self.FOLLOW_UP_CUTS

    def show(self, activities: tuple[Activity, ...], tz: str | None, *, empty: str = "nothing") -> None:
        rows: list[tuple[str | None, list[Text]]] = []
        for a in activities:
            what = a.deal or a.account or ""
            if a.deal and a.account and not a.deal.startswith(a.account):  # "Acme — Renewal" names its account
                what = f"{a.account}: {a.deal}"
            outcome = [] if self.follow_up else [Text(clean(a.outcome, max_len=16))]
            cells = [
                Text(when(a.follow_up_at if self.follow_up else a.at, tz)),
                Text(a.kind),
                *outcome,
                Text(clean(what, max_len=48)),
                Text(clean(a.note, max_len=60)),
            ]
            rows.append((str(a.id), cells))
        if not activities:
            rows.append((None, [Text(empty, style="italic"), *[Text("")] * (len(self.COLUMNS) - 1)]))
        self.fill(rows)


class OpenDealTable(LineTable):
    """A rep's open deals in stage order, with how long each sat idle (STALE past the configured days); the account,
    then the title, are cut to the box's width. Lines (see :class:`~cockpit.tui.widgets.line_table.LineTable`): a
    write that changes one deal (its stage, its idle days) repaints the lines whose text changed, not the box."""

    COLUMNS = (
        Column("stage", "Stage"),
        Column("idle", "Idle", right=True),
        Column("amount", "Amount", right=True),  # the numbers before the names a narrow box cuts off
        Column("deal", "Deal"),
        Column("account", "Account"),
    )
    CUTS = (Cut(8, 3), None, None, Cut(14, 2), Cut(8, 1))

    def show(self, deals: tuple[IdleDeal, ...], currency: str) -> None:
        rows: list[tuple[str | None, list[Text]]] = []
        for d in deals:
            idle = right(f"STALE {d.idle_days}d", "bold") if d.stale else right(f"{d.idle_days}d")
            cells = [
                Text(clean(d.stage)),
                idle,
                right(format_money(d.amount, currency, compact=True)),
                Text(clean(d.title, max_len=60)),
                Text(clean(d.account or "", max_len=40)),
            ]
            rows.append((str(d.id), cells))
        if not deals:
            rows.append((None, [Text("no open deals", style="italic"), Text(""), Text(""), Text(""), Text("")]))
        self.fill(rows)

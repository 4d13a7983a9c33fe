"""What one user chose to see: the scorecard columns, in a small JSON file of theirs (no Textual here).

The catalogue of scorecard columns is listed in priority order: the order they are offered in, shown in, and kept
in when the pane is too narrow for all of them (the most important first; see :func:`fit_columns`). The file holds
each acting rep's choice under their name, so two managers sharing one Unix account (a demo, a kiosk) keep theirs.
It is written with :func:`cockpit.core.dirs.replace_file` (never through a symlink, 0600) and read only when it is
this user's private file: anyone able to write it could choose what a manager sees.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit.core.dirs import is_own_private_file, replace_file, state_dir

__all__ = [
    "DEFAULT_COLUMNS",
    "SCORECARD_COLUMNS",
    "ScorecardColumn",
    "available_columns",
    "fit_columns",
    "load_columns",
    "ordered",
    "preferences_path",
    "save_columns",
]

#: Larger than any preference file we write: a bigger one is not ours and is not read into memory.
_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class ScorecardColumn:
    """One column the scorecards can show after the rep's name."""

    key: str  # the KPI (or the pace or cohort value) it shows
    header: str  # short: the table's header
    label: str  # the chooser's line: what the column means
    needs_rep_costs: bool = False  # only offered when costs are recorded per rep (see available_columns)


#: Every scorecard column, most important first.
SCORECARD_COLUMNS: tuple[ScorecardColumn, ...] = (
    ScorecardColumn("revenue", "Revenue", "Revenue"),
    ScorecardColumn("attainment", "Attain.", "Attainment (revenue / quota)"),
    ScorecardColumn("pace", "Pace", "Pace (attainment expected at the period's end)"),
    ScorecardColumn("won", "Won", "Deals won"),
    ScorecardColumn("lost", "Lost", "Deals lost"),
    ScorecardColumn("opportunities", "Opps", "Opportunities"),
    ScorecardColumn("win_rate", "Win %", "Win rate (won / closed)"),
    ScorecardColumn("conversion_rate", "Conv coh", "Conversion of the period's opportunities (cohort)"),
    ScorecardColumn("cohort_maturity", "Closed", "How much of the cohort is closed"),
    ScorecardColumn("window_conversion_rate", "Conv prev", "Conversion of the last closed window"),
    ScorecardColumn("calls", "Calls", "Calls"),
    ScorecardColumn("calls_per_rep", "Calls/rep", "Calls per rep"),
    ScorecardColumn("calls_per_opportunity", "Calls/opp", "Calls per opportunity"),
    ScorecardColumn("avg_basket", "Basket", "Average basket"),
    ScorecardColumn("revenue_per_rep", "Rev/rep", "Revenue per rep"),
    ScorecardColumn("pipeline_value", "Pipeline", "Open pipeline at the period's end"),
    ScorecardColumn("cac", "CAC", "Customer acquisition cost (costs per rep)", needs_rep_costs=True),
)
_BY_KEY = {column.key: column for column in SCORECARD_COLUMNS}

#: What a user who chose nothing sees: the scorecards as they were before columns could be chosen.
DEFAULT_COLUMNS: tuple[str, ...] = (
    "revenue",
    "attainment",
    "pace",
    "won",
    "opportunities",
    "win_rate",
    "conversion_rate",
    "cohort_maturity",
    "window_conversion_rate",
    "calls",
    "calls_per_opportunity",
    "avg_basket",
)


def available_columns(*, rep_costs: bool) -> tuple[ScorecardColumn, ...]:
    """The columns that can be offered: CAC only when costs are recorded per rep (``rep_costs``); costs kept per
    month and channel have no rep's share, so a rep's CAC column would be empty on every row."""
    return tuple(column for column in SCORECARD_COLUMNS if rep_costs or not column.needs_rep_costs)


def ordered(keys: Iterable[str]) -> tuple[str, ...]:
    """Known column keys, each once, in priority order (unknown ones, from a newer or older cockpit, dropped)."""
    wanted = set(keys)
    return tuple(column.key for column in SCORECARD_COLUMNS if column.key in wanted)


def fit_columns(chosen: Sequence[str], widths: Mapping[str, int], room: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``chosen`` columns (in priority order) that fit in ``room`` cells, and those left out.

    ``widths`` is each column's drawn width (padding included). Columns are kept most important first until one
    does not fit; the rest are left out, so a less important narrow column never shows while a more important one
    is hidden."""
    shown: list[str] = []
    used = 0
    for index, key in enumerate(chosen):
        width = widths.get(key, 0)
        if used + width > room:
            return tuple(shown), tuple(chosen[index:])
        shown.append(key)
        used += width
    return tuple(shown), ()


def preferences_path() -> Path:
    """This user's preference file (``COCKPIT_PREFERENCES`` overrides; it need not exist)."""
    override = os.environ.get("COCKPIT_PREFERENCES")
    if override:
        return Path(override)
    return state_dir() / "preferences.json"


def _read(path: Path) -> dict[str, object]:
    """The file's JSON object; {} when missing. ValueError (a one-line reason) when it is not ours or not valid."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as file:
        if not is_own_private_file(os.fstat(file.fileno())):
            raise ValueError("is not a private file of yours")
        data = file.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise ValueError("is too large")
    try:
        found = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("is not valid JSON") from None
    if not isinstance(found, dict):
        raise ValueError("is not a JSON object")
    return found


def load_columns(user: str, path: Path | None = None) -> tuple[tuple[str, ...], str | None]:
    """The columns ``user`` chose (the defaults if none), and a one-line notice when the file had to be ignored."""
    path = path or preferences_path()
    try:
        found = _read(path)
    except ValueError as reason:
        return DEFAULT_COLUMNS, f"Column choices ignored: {path} {reason}"
    users = found.get("scorecard_columns")
    choice = users.get(user) if isinstance(users, dict) else None
    if not isinstance(choice, list) or not all(isinstance(key, str) for key in choice):
        return DEFAULT_COLUMNS, None
    return ordered(choice), None


def save_columns(user: str, columns: Iterable[str], path: Path | None = None) -> None:
    """Remember ``columns`` for ``user``, keeping the other users' choices. OSError when it cannot be written; a
    file that could not be read is replaced (its choices were ignored anyway)."""
    path = path or preferences_path()
    try:
        found = _read(path)
    except ValueError:
        found = {}
    users = found.get("scorecard_columns")
    users = dict(users) if isinstance(users, dict) else {}
    users[user] = list(ordered(columns))
    found["scorecard_columns"] = users
    replace_file(path, (json.dumps(found, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))

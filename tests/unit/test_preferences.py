"""The scorecard column choice: the catalogue, fitting columns to a width, and the per-user file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cockpit.core.layout import fit_widths
from cockpit.core.preferences import (
    DEFAULT_COLUMNS,
    available_columns,
    fit_columns,
    load_columns,
    ordered,
    save_columns,
)


def test_cac_is_offered_only_with_costs_per_rep() -> None:
    assert "cac" not in [c.key for c in available_columns(rep_costs=False)]
    assert "cac" in [c.key for c in available_columns(rep_costs=True)]
    # The list is offered (CAC aside): revenue ... open pipeline.
    wanted = {"revenue", "attainment", "pace", "won", "lost", "opportunities", "win_rate", "conversion_rate", "calls",
              "calls_per_rep", "calls_per_opportunity", "avg_basket", "revenue_per_rep", "pipeline_value"}  # fmt: skip
    assert wanted <= {c.key for c in available_columns(rep_costs=False)}


def test_columns_keep_priority_order_whatever_the_order_chosen() -> None:
    assert ordered(["calls", "revenue", "nonsense", "calls"]) == ("revenue", "calls")


def test_fit_keeps_the_most_important_columns_and_stops_at_the_first_that_does_not_fit() -> None:
    widths = {"revenue": 10, "attainment": 9, "pace": 6, "won": 5}
    # 10 + 9 = 19 fit in 20; pace (6) would need 25; won (5) would fit in what is left but comes after pace.
    assert fit_columns(("revenue", "attainment", "pace", "won"), widths, 20) == (
        ("revenue", "attainment"),
        ("pace", "won"),
    )
    assert fit_columns(("revenue", "won"), widths, 15) == (("revenue", "won"), ())
    assert fit_columns(("revenue",), widths, 9) == ((), ("revenue",))


def test_fit_widths_cuts_the_least_useful_column_first_then_the_next() -> None:
    # natural 10 + 30 + 20 = 60 in 45: 15 too many. The account (index 2, cut first) goes to its minimum 8 (-12),
    # then the title (index 1) loses the last 3.
    assert fit_widths([10, 30, 20], [10, 12, 8], [2, 1], 45) == [10, 27, 8]
    # Nothing to cut when it fits.
    assert fit_widths([10, 30, 20], [10, 12, 8], [2, 1], 80) == [10, 30, 20]
    # Past the minimums (10 + 12 + 8 = 30 in 25): the same order again down to 3 cells, header widths respected.
    assert fit_widths([10, 30, 20], [10, 12, 8], [2, 1], 25, [4, 4, 7]) == [10, 8, 7]


def test_a_choice_is_remembered_per_user_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "preferences.json"
    assert load_columns("Maria", path) == (DEFAULT_COLUMNS, None)  # no file: the defaults, no notice
    save_columns("Maria", ["lost", "revenue"], path)
    save_columns("Ana", ["calls"], path)
    assert load_columns("Maria", path) == (("revenue", "lost"), None)
    assert load_columns("Ana", path) == (("calls",), None)
    assert load_columns("Someone else", path) == (DEFAULT_COLUMNS, None)
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_corrupt_file_is_ignored_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "preferences.json"
    path.write_text("{not json", encoding="utf-8")
    path.chmod(0o600)
    columns, notice = load_columns("Maria", path)
    assert columns == DEFAULT_COLUMNS
    assert notice is not None and "not valid JSON" in notice and "\n" not in notice
    save_columns("Maria", ["revenue"], path)  # replaced by a good one
    assert json.loads(path.read_text(encoding="utf-8")) == {"scorecard_columns": {"Maria": ["revenue"]}}


def test_a_file_others_can_write_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "preferences.json"
    path.write_text(json.dumps({"scorecard_columns": {"Maria": ["calls"]}}), encoding="utf-8")
    path.chmod(0o666)
    columns, notice = load_columns("Maria", path)
    assert columns == DEFAULT_COLUMNS
    assert notice is not None and "not a private file" in notice


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"scorecard_columns": {"Maria": ["calls"]}}), encoding="utf-8")
    target.chmod(0o600)
    link = tmp_path / "preferences.json"
    link.symlink_to(target)
    columns, notice = load_columns("Maria", link)
    assert columns == DEFAULT_COLUMNS and notice is not None

"""``cockpit`` alone is ``cockpit run``: its options work without naming the sub-command, and usage errors read
``cockpit: error: …`` once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main
from cockpit.tui.app import CockpitApp
from tests.support.forms_db import NOW, TZ, make_db


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_NOW", NOW.to_iso8601_string())
    path = tmp_path / "c.db"
    make_db(path, logins=False).close()
    return path


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What each app `cockpit` would have opened: who acts and the mouse setting (no terminal is taken)."""
    seen: list[dict[str, Any]] = []

    def fake_run(self: CockpitApp, *, mouse: bool = True, **kwargs: Any) -> None:
        seen.append({"rep": self.acting_rep.name if self.acting_rep else None, "mouse": mouse})

    monkeypatch.setattr(CockpitApp, "run", fake_run)
    return seen


@pytest.mark.parametrize(
    "argv",
    [
        ["--as", "Bob"],  # as README writes it
        ["run", "--as", "Bob"],
        ["--as", "Bob", "run"],  # before the sub-command, not overwritten by run's unset option
    ],
    ids=["default", "run", "before-run"],
)
def test_as_names_the_acting_rep_with_or_without_run(
    db: Path, opened: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    assert main([*argv, "--db", str(db)] if argv[-1] != "run" else ["--db", str(db), *argv]) == 0
    assert opened == [{"rep": "Bob", "mouse": True}]


def test_mouse_flags_work_without_run(db: Path, opened: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    assert main(["--no-mouse", "--db", str(db)]) == 0
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    assert main(["--mouse", "--db", str(db)]) == 0
    assert [o["mouse"] for o in opened] == [False, True]


def test_an_unknown_rep_is_the_cockpits_error_not_argparses(
    db: Path, opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--as", "Nobody Here", "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cockpit: error: ") and "Nobody Here" in err and "invalid choice" not in err
    assert opened == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["report", "--bogus"], "cockpit: error: unrecognized arguments: --bogus"),
        (["--bogus"], "cockpit: error: unrecognized arguments: --bogus"),
        (["log", "call", "--duration"], "cockpit: error: log: argument --duration: expected one argument"),
    ],
)
def test_usage_errors_say_cockpit_error_once(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == expected
    assert err.count("cockpit:") == 1

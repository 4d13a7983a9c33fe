"""Shell completion: ``cockpit completion SHELL`` prints the shell code; Tab completes commands, options and the
names of reps, teams, accounts and stages, read from the database without creating or changing any file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import argcomplete.finders
import argcomplete.io
import pytest

from cockpit.cli import completion, main
from cockpit.cli.commands import build_parser
from cockpit.core.store import Store
from cockpit.core.store.peek import names_for_completion
from tests.support import ROOT
from tests.support.forms_db import make_db


class Done(Exception):
    """argcomplete ends the process after printing; the tests end the completion with this instead."""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("COCKPIT_DB", raising=False)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "c.db"
    make_db(path).close()  # reps Alice, Bob, Maria (team East); accounts Acme Corp, Acme Labs, Globex
    return path


def complete(line: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What Tab offers at the end of ``line``, as bash asks for it."""
    monkeypatch.setenv("_ARGCOMPLETE", "1")
    monkeypatch.setenv("_ARGCOMPLETE_SHELL", "bash")
    monkeypatch.setenv("COMP_LINE", line)
    monkeypatch.setenv("COMP_POINT", str(len(line)))
    # argcomplete writes its debug output to file descriptor 9, which in pytest is one of pytest's own files.
    monkeypatch.setattr(argcomplete.finders.CompletionFinder, "_init_debug_stream", lambda self: None)
    monkeypatch.setattr(argcomplete.io, "debug_stream", io.StringIO())
    out = io.StringIO()

    def stop(code: int = 0) -> None:
        raise Done(code)

    with pytest.raises(Done):
        completion.autocomplete(build_parser(), output_stream=out, exit_method=stop)
    # argcomplete separates completions with a vertical tab, escapes spaces for bash, and ends a lone completion
    # with the space that bash then types after it.
    return [c.rstrip(" ").replace("\\ ", " ") for c in out.getvalue().split("\v") if c]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_commands_and_options(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert complete("cockpit de", monkeypatch) == ["demo", "deal"]
    assert complete("cockpit deal m", monkeypatch) == ["move"]
    assert "--new-account" in complete("cockpit deal add --", monkeypatch)
    assert complete("cockpit report --format m", monkeypatch) == ["markdown"]


def test_names_of_reps_teams_accounts_and_stages(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(db.parent)
    assert set(before) == {"c.db"}  # no -wal or -shm: nobody has the database open
    assert complete(f"cockpit log call --db {db} --rep ", monkeypatch) == ["Alice", "Bob", "Maria"]
    assert complete(f"cockpit --db {db} report --team ", monkeypatch) == ["East"]  # --db before the sub-command
    assert complete(f"cockpit deal add --db {db} --account Acme", monkeypatch) == ["Acme Corp", "Acme Labs"]
    assert complete(f"cockpit deal move 1 --db {db} ne", monkeypatch) == ["negotiation"]
    assert complete(f"cockpit deal move 1 won --db {db} --as M", monkeypatch) == ["Maria"]
    # Reading the names left the folder as it was: no side file made, the database not touched.
    assert snapshot(db.parent) == before


def test_a_database_in_use_is_read_through_its_side_files_and_nothing_is_added(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(db) as store:  # open: its -wal and -shm are there, and the new rep is in the -wal only
        store.add_rep("Zed", team="West")
        before = snapshot(db.parent)
        assert complete(f"cockpit report --db {db} --rep Z", monkeypatch) == ["Zed"]
        assert set(snapshot(db.parent)) == set(before)


def test_no_database_no_names_and_nothing_created(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No --db, no $COCKPIT_DB, no config: the default is the demo database, which completion never generates.
    assert complete("cockpit log call --rep ", monkeypatch) == []
    assert not (tmp_path / "xdg_data_home").exists()
    missing = tmp_path / "nowhere.db"
    assert complete(f"cockpit log call --db {missing} --rep ", monkeypatch) == []
    assert not missing.exists()
    assert names_for_completion(ROOT / "README.md", "reps") == []  # not a database


def test_a_hostile_name_cannot_reach_the_terminal(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db) as store:
        store.add_rep("Eve\x1b]0;pwned\x07", team="East")
    # The whole escape sequence (ESC ] ... BEL, which would retitle the terminal) goes, not only its control bytes.
    assert complete(f"cockpit report --db {db} --rep Ev", monkeypatch) == ["Eve"]


@pytest.mark.parametrize(
    ("shell", "marker"), [("bash", "complete -o nospace"), ("zsh", "compdef"), ("fish", "complete")]
)
def test_completion_prints_the_shell_code(shell: str, marker: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    out = capsys.readouterr().out
    assert marker in out and "cockpit" in out


def test_the_installed_command_answers_the_shell(db: Path, tmp_path: Path) -> None:
    # The real entry point, as the shell code runs it: cockpit.cli.main hands the request to argcomplete.
    answer = tmp_path / "answer"
    line = f"cockpit report --db {db} --rep B"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    env.update(_ARGCOMPLETE="1", _ARGCOMPLETE_SHELL="bash", COMP_LINE=line, COMP_POINT=str(len(line)),
               _ARGCOMPLETE_STDOUT_FILENAME=str(answer), PYTHONPATH=str(ROOT))  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "cockpit"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert answer.read_text() == "Bob "  # the one completion, and the space bash types after it

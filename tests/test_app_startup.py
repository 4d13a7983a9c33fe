"""What the team cockpit's start imports: only what its first frame needs (each module is start-up time).

In a fresh interpreter, because this test session has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import cockpit.cli, cockpit.app, cockpit.screens.dashboard, cockpit.commands.run
cockpit.cli.build_parser(("run",))
print(json.dumps(sorted(sys.modules)))
"""

#: Loaded when first used: a logging form or quick entry, My day (a rep's start), the insights, the typed entries
#: and their writes, the chart library.
LATER = (
    "cockpit.commands.report",  # the other sub-commands' parsers: `cockpit` builds only `run`'s
    "cockpit.commands.importcmd",
    "dateutil.parser._parser",  # pendulum's fallback parser (cockpit.lazy_imports)
    "hashlib",  # the KPI cache's hashes, and the config file's reader
    "tomllib",
    "csv",
    "cockpit.quick",
    "cockpit.screens.forms",
    "cockpit.screens.myday",
    "cockpit.insights",
    "cockpit.actions",
    "plotext",
)


def test_the_team_cockpit_start_leaves_forms_my_day_and_plotext_unloaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(done.stdout))
    assert "cockpit.widgets.kpi_tile" in loaded  # the probe sees what the dashboard imports
    assert [name for name in LATER if name in loaded] == []


async def test_the_first_snapshot_is_applied_before_the_screens_mount(make_cockpit) -> None:
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        # on_mount waited for the read started by make_app and applied it: no worker hop, no empty first frame.
        assert app.snapshot is not None and app.refreshes == 1
        await pilot.pause()
        status = app.screen.query_one("#status").render()
        assert "Period 2026-11" in str(status) and "Loading" not in str(status)
        assert app.screen.has_class("-wide")


async def test_the_start_freezes_its_objects_and_the_end_gives_them_back(make_cockpit) -> None:
    """After the first data frame the objects alive are moved out of the collector's way (gc.freeze); when the app
    ends they are given back, so that a process running many apps (this suite) can free them."""
    import gc

    gc.unfreeze()
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.refreshes == 0:
            await pilot.pause(0.05)
        await pilot.pause()
        await pilot.pause()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


async def test_the_first_data_frame_turns_the_collector_back_on(make_cockpit) -> None:
    """`cockpit run` starts with the collector off (each collection during the start walked every long-lived
    object for nothing); the first data frame turns it back on, after its collect-and-freeze."""
    import gc

    gc.disable()
    try:
        app = make_cockpit()
        async with app.run_test(size=(120, 40)) as pilot:
            while app.refreshes == 0:
                await pilot.pause(0.05)
            for _ in range(5):
                await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()


def test_cockpit_run_turns_the_collector_back_on_when_the_start_fails(tmp_path: Path, capsys) -> None:
    import gc

    from cockpit.cli import main

    assert main(["run", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert gc.isenabled()


def test_each_sub_command_is_built_from_the_module_named_for_it() -> None:
    """cli.COMMAND_MODULES (what a command line builds) against what each module registers, and the full parser
    (help, errors) has every sub-command."""
    from cockpit import cli

    registered = {}
    for module in cli.COMMANDS:
        parser = cli.build_parser((module,))
        choices = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
        registered.update(dict.fromkeys(choices, module))
    assert registered == cli.COMMAND_MODULES
    full = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert sorted(full) == sorted(cli.COMMAND_MODULES)


def test_the_command_line_names_the_module_to_build() -> None:
    from cockpit.cli import command_module

    assert command_module([]) == "run"
    assert command_module(["--db", "x.db"]) == "run"
    assert command_module(["--db", "report"]) == "run"  # a database file named like a command
    assert command_module(["--db=report", "report", "--format", "json"]) == "report"
    assert command_module(["import", "deals", "f.csv"]) == "importcmd"
    assert command_module(["check"]) == "admin"
    assert command_module(["--help"]) is None
    assert command_module(["-h", "report"]) is None
    assert command_module(["bogus"]) is None  # the full parser lists the commands in its error
    assert command_module(["--bogus"]) is None


def test_the_cli_with_one_parser_still_reports_what_it_did_not_build(capsys) -> None:
    from cockpit.cli import main

    assert main(["bogus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'bogus'" in err and "'report'" in err and "'check'" in err
    assert main(["--db", "x.db", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_pendulum_loads_its_fallback_parser_on_first_use() -> None:
    """The deferred module is loaded by a caller that uses it (in a fresh interpreter: this session has it)."""
    probe = (
        "import sys, cockpit, pendulum\n"
        "before = 'dateutil.parser._parser' in sys.modules\n"
        "parsed = pendulum.parse('March 3 2024', strict=False).to_date_string()\n"
        "print(before, parsed, 'dateutil.parser._parser' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "2024-03-03", "True"]


def test_defer_leaves_imported_and_missing_modules_alone() -> None:
    from cockpit.lazy_imports import defer

    assert defer("json") is False  # imported already: the real module stays
    assert type(sys.modules["json"]).__name__ == "module"
    assert defer("cockpit_no_such_module") is False
    assert "cockpit_no_such_module" not in sys.modules


def test_cockpit_run_with_cockpit_now_gives_the_store_the_apps_clock(tmp_path: Path, monkeypatch) -> None:
    # With the clock set ahead (demos, snapshots), the forms' "now" is the app's: the store must stamp and check
    # writes against the same clock, or a call logged "now" is refused as lying ahead of the real time.
    from cockpit.app import CockpitApp
    from cockpit.cli import main
    from cockpit.store import Store

    Store(tmp_path / "c.db", create=True).close()
    monkeypatch.setenv("COCKPIT_NOW", "2031-05-04T10:00:00")
    monkeypatch.setenv("COCKPIT_TZ", "UTC")
    monkeypatch.setenv("COCKPIT_CACHE_DIR", str(tmp_path / "cache"))
    seen = {}

    def fake_run(app: CockpitApp, **kwargs: object) -> None:
        seen["store"], seen["app"] = app.store.clock(), app.clock().timestamp()

    monkeypatch.setattr(CockpitApp, "run", fake_run)
    assert main(["run", "--db", str(tmp_path / "c.db")]) == 0
    assert abs(seen["store"] - seen["app"]) < 2 and seen["app"] > 1_935_000_000  # 2031, not today

"""The first read of `cockpit run`, made by a child process forked before Textual is imported.

Real processes (os.fork), real pipes and a real SQLite file: the snapshot the child sends is the one the parent
would have read, a failing child leaves the app to read (and report) on its own, a commit made after the child's
read is shown by the first poll, and no child is left behind.
"""

from __future__ import annotations

import _thread
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cockpit.core.actions import resolve_actor
from cockpit.core.config import Settings
from cockpit.core.snapshot import FirstReadFailed, ForkedFirstRead, build_snapshot, can_fork, first_request
from cockpit.core.store import Store
from tests.support import FROZEN_NOW, TZ

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the forked first read needs os.fork")


def child_gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped: not our child any more
    return False


def test_the_child_sends_the_snapshot_the_parent_would_read(demo_settings: Settings) -> None:
    first = ForkedFirstRead(demo_settings, FROZEN_NOW, None)
    snapshot = first.result()
    store = Store(demo_settings.db_path, readonly=True)
    try:
        request = first_request(resolve_actor(store, None))
        assert first.request == request
        expected = build_snapshot(store, demo_settings, request, FROZEN_NOW)
    finally:
        store.close()
    assert snapshot == expected  # every KPI, trend, pipeline page and target, through pickle and the pipe
    assert snapshot.dashboard.team.values["calls"] > 0
    assert child_gone(first._pid)


def test_a_failing_child_gives_one_line_and_no_request(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all\n")
    settings = Settings(db_path=junk, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    first = ForkedFirstRead(settings, FROZEN_NOW, None)
    assert first.wait(30)
    assert first.request is None  # the app compares requests: None never matches, so it reads afresh
    with pytest.raises(FirstReadFailed) as failed:
        first.result()
    assert "StoreError" in str(failed.value) and "not a SQLite database" in str(failed.value)
    assert "\n" not in str(failed.value)
    assert child_gone(first._pid)


async def test_the_app_reads_itself_when_the_child_failed(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cockpit.core.snapshot
    from cockpit.tui.app import make_app

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("child exploded")

    # Patched in this process before the fork: only the child's read (cockpit.core.snapshot's name) fails; the app's
    # refresh worker calls cockpit.tui.app's.
    monkeypatch.setattr(cockpit.core.snapshot, "build_snapshot", broken)
    first = ForkedFirstRead(demo_settings, FROZEN_NOW, None)
    assert first.wait(30) and first.request is None
    store = Store(demo_settings.db_path, user="tester")
    try:
        app = make_app(store, settings=demo_settings, now=lambda: FROZEN_NOW, first_read=first)
        async with app.run_test(size=(120, 40)) as pilot:
            while app.snapshot is None:
                await pilot.pause(0.05)
            assert app.snapshot.dashboard.team.values["calls"] > 0
            assert [n.message for n in app._notifications] == []  # the child's failure is not the user's business
    finally:
        store.close()


async def test_a_commit_after_the_childs_read_is_shown_by_the_first_poll(demo_settings: Settings) -> None:
    from cockpit.tui.app import make_app

    first = ForkedFirstRead(demo_settings, FROZEN_NOW, None)
    assert first.wait(30) and first.request is not None
    calls_read = first.result().dashboard.team.values["calls"]
    # Another process logs a call after the child read and before the app opens its connection: the app's own
    # PRAGMA data_version baseline cannot see it, the recheck must.
    other = Store(demo_settings.db_path, user="someone-else")
    rep = other.reps(active_only=True)[0]
    other.log_activity(kind="call", rep_id=rep.id, at=FROZEN_NOW.subtract(hours=1).int_timestamp, note="meanwhile")
    other.close()
    store = Store(demo_settings.db_path, user="tester")
    try:
        app = make_app(store, settings=demo_settings, now=lambda: FROZEN_NOW, first_read=first)
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.snapshot is not None and app.snapshot.dashboard.team.values["calls"] == calls_read
            for _ in range(60):  # the first poll comes after POLL_SECONDS (0.5 s)
                if app.snapshot.dashboard.team.values["calls"] == calls_read + 1:
                    break
                await pilot.pause(0.05)
            assert app.snapshot.dashboard.team.values["calls"] == calls_read + 1
            assert app.refreshes == 2
    finally:
        store.close()


async def test_the_recheck_of_an_unchanged_database_repaints_nothing(demo_settings: Settings) -> None:
    from cockpit.tui.app import make_app

    first = ForkedFirstRead(demo_settings, FROZEN_NOW, None)
    store = Store(demo_settings.db_path, user="tester")
    try:
        app = make_app(store, settings=demo_settings, now=lambda: FROZEN_NOW, first_read=first)
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.refreshes == 1
            await pilot.pause(1.2)  # two polls: the recheck (an equal snapshot, dropped) and a plain one
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.refreshes == 1
            assert app._recheck is False
    finally:
        store.close()


def test_no_fork_with_a_thread_running_or_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCKPIT_FIRST_READ", raising=False)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not can_fork()  # forking a threaded process could copy a lock another thread holds
    finally:
        stop.set()
        worker.join()
    # A thread started with the low-level _thread module (as the first read's receiver is) counts too, though
    # threading.active_count() does not see it.
    stop.clear()
    done = threading.Event()
    _thread.start_new_thread(lambda: (stop.wait(), done.set()), ())
    try:
        assert not can_fork()
    finally:
        stop.set()
        done.wait(5)
    monkeypatch.setenv("COCKPIT_FIRST_READ", "thread")
    assert not can_fork()


PROBE = """
import json, os, sys
import cockpit.core.snapshot as snapshot
init = snapshot.ForkedFirstRead.__init__
def probe(self, *args, **kwargs):
    textual_loaded = any(name == "textual" or name.startswith("textual.") for name in sys.modules)
    init(self, *args, **kwargs)
    snap = self.result()
    print(json.dumps({"textual": textual_loaded, "period": snap.dashboard.period.label}), flush=True)
    os._exit(0)
snapshot.ForkedFirstRead.__init__ = probe
from cockpit.cli import main
main(["--db", sys.argv[1]])
"""


def test_cockpit_run_forks_before_textual_is_imported(demo_settings: Settings) -> None:
    env = {**os.environ, "COCKPIT_NOW": "2026-11-27T15:00:00", "COCKPIT_TZ": "UTC"}
    env.pop("COCKPIT_FIRST_READ", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(demo_settings.db_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == {"textual": False, "period": "2026-11"}

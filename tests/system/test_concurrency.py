"""Many processes writing one database while another builds the dashboard: nothing lost, nothing refused."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pendulum

from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
WRITERS = 8
CALLS_EACH = 300
MARCH_1 = 1772323200  # 2026-03-01 00:00 UTC
MARCH_15 = 1773576000


def writer(path: str, rep_id: int, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    """Log CALLS_EACH calls for one rep, one store action each; report how many failed and why."""
    errors: list[str] = []
    with Store(path, user=f"rep{rep_id}") as store:
        start.wait()
        for i in range(CALLS_EACH):
            try:
                # Spread over March (one call every ~17 min per rep): all inside the dashboard's period.
                store.log_activity(kind="call", rep_id=rep_id, at=MARCH_1 + i * 1000 + rep_id, note=f"call {i}")
            except Exception as exc:  # counted, not raised: the test asserts there are none
                errors.append(f"{type(exc).__name__}: {exc}")
    out.put(("writer", rep_id, errors))


def refresher(path: str, start: multiprocessing.synchronize.Event, stop: multiprocessing.synchronize.Event,
              out: multiprocessing.Queue) -> None:  # fmt: skip
    """Build the March dashboard in a loop, as an open cockpit does after each commit, until told to stop."""
    errors: list[str] = []
    builds = 0
    period = parse_period("2026-03", now=pendulum.datetime(2026, 3, 20, tz="UTC"), tz="UTC")
    with Store(path, readonly=True) as store:
        start.wait()
        while not stop.is_set():
            try:
                dash = dashboard(store, period, trend=3)
                assert dash.team["calls"] is not None
                builds += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
    out.put(("refresher", builds, errors))


def test_eight_writers_and_a_refreshing_dashboard(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    with Store(path, create=True, now=lambda: MARCH_15) as store:
        reps = [store.add_rep(f"Rep {n}", team="North") for n in range(WRITERS)]
    ctx = multiprocessing.get_context("spawn")
    start, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(str(path), rep, start, out)) for rep in reps]
    watcher = ctx.Process(target=refresher, args=(str(path), start, stop, out))
    for proc in [*procs, watcher]:
        proc.start()
    started = time.monotonic()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    elapsed = time.monotonic() - started
    stop.set()
    results.append(out.get(timeout=60))
    for proc in [*procs, watcher]:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    errors = [e for _, _, errs in results for e in errs]
    assert errors == []
    assert elapsed < 45, f"2,400 writes took {elapsed:.1f} s"
    refreshes = next(n for kind, n, _ in results if kind == "refresher")
    assert refreshes > 0
    with Store(path, readonly=True) as store:
        # 8 writers x 300 calls = 2,400 rows, each rep exactly its 300.
        per_rep = store.query("SELECT rep_id, count(*) FROM activities WHERE kind = 'call' GROUP BY rep_id")
        assert {r[0]: r[1] for r in per_rep} == {rep: CALLS_EACH for rep in reps}
        recount = store.query(
            "SELECT count(*) FROM activities WHERE kind = 'call' AND at >= ? AND at < ?", (MARCH_1, 1775001600)
        )[0][0]
        assert recount == WRITERS * CALLS_EACH == 2400
        # Every call has its audit row (one action, one transaction).
        assert store.query("SELECT count(*) FROM audit_log WHERE table_name = 'activities'")[0][0] == 2400
        period = parse_period("2026-03", now=pendulum.datetime(2026, 3, 20, tz="UTC"), tz="UTC")
        dash = dashboard(store, period, trend=3)
        assert dash.team["calls"] == recount
        assert [row["calls"] for row in dash.reps] == [CALLS_EACH] * WRITERS
    integrity = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchall()
    assert integrity == [("ok",)]


def test_a_deferred_read_then_write_elsewhere_does_not_fail_our_writes(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    with Store(path, create=True, now=lambda: MARCH_15) as store:
        rep = store.add_rep("Ann")
        other = sqlite3.connect(path, isolation_level=None, timeout=5, check_same_thread=False)
        other.execute("BEGIN")  # deferred: it reads first
        other.execute("SELECT count(*) FROM activities").fetchone()
        store.log_activity(kind="call", rep_id=rep, at=MARCH_15)  # our write goes through beside the reader
        # The other connection's snapshot is now stale: its upgrade to a writer fails at once (SQLITE_BUSY_SNAPSHOT)
        # despite its 5 s timeout. That is its problem; it is why every store write uses BEGIN IMMEDIATE.
        began = time.monotonic()
        try:
            other.execute("UPDATE reps SET team = 'x'")
            raise AssertionError("a stale deferred transaction was allowed to write")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc) or "busy" in str(exc)
        assert time.monotonic() - began < 1
        other.execute("ROLLBACK")

        # Another writer holding the lock for a moment only delays us: BEGIN IMMEDIATE waits, then succeeds.
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
        release.start()
        began = time.monotonic()
        store.log_activity(kind="call", rep_id=rep, at=MARCH_15 + 60)
        assert time.monotonic() - began >= 0.4
        release.join()
        other.close()
        assert store.query("SELECT count(*) FROM activities")[0][0] == 2


WRITE_ONE_CALL = """
import sys
from cockpit.core.store import Store
with Store(sys.argv[1], user="other") as store:
    store.log_activity(kind="call", rep_id=1, at=1773576000, note="from another process")
"""


def test_data_version_changes_when_another_process_commits(tmp_path: Path) -> None:
    path = tmp_path / "team.db"
    with Store(path, create=True, now=lambda: MARCH_15) as store:
        store.add_rep("Ann")
        first = store.data_version()
        assert store.data_version() == first  # nothing happened: the poll is stable
        store.log_activity(kind="call", rep_id=1, at=MARCH_15)
        assert store.data_version() == first  # our own commits do not count: we know about them
        subprocess.run(
            [sys.executable, "-c", WRITE_ONE_CALL, str(path)],
            check=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            timeout=60,
        )
        assert store.data_version() != first
        assert [a.note for a in store.activities()][0] == "from another process"

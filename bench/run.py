"""The benchmark of issue 6, in one command: ``python -m bench.run [--sizes S,M,L] [--runs 5] [--quick]``.

It copies the sample (S) and builds M and L with ``cockpit demo`` (cached under bench/out/, upgraded to the current
schema), then measures, as medians of ``--runs`` runs in one process so that ratios are fair (``--quick``: S only,
one run, 5 s idle):

1. first frame in a 120×40 pseudo-terminal, cockpit vs a minimal Textual app (Header, DataTable, Footer);
2. the dashboard snapshot (every KPI for the team and every rep with 12-period trends), cold (a fresh Store) and
   warm (the same Store, KPI cache filled), vs the plain GROUP BY
   queries a hand-written script would run over unindexed copies of the tables; and the forecast (issue 23) as the
   cockpit's tile, the insights screen and ``cockpit report`` ask for it, the same four ways;
3. log a call → panes updated (p95), in-process through the real app;
4. idle bytes written in 60 s, and bytes of one live refresh after another process commits;
5. bytes written per mouse-motion event over the scorecards;
6. peak RSS of one cockpit;
7. eight concurrent writer processes: commits per second, p99 latency, lock errors.

Results are printed and written to bench/out/results.json; docs/PERFORMANCE.md records them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import multiprocessing
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pendulum

from cockpit.core.forecast import forecasts
from cockpit.core.forecast_cache import forecast_cache_for
from cockpit.core.periods import Period

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
END = "2026-11-27"
NOW = "2026-11-27T15:00:00"
TZ = "UTC"
SIZES = {"S": None, "M": (50, 24), "L": (200, 24), "XL": (400, 36)}


def database(size: str) -> Path:
    """The database of a size, under bench/out/ and at the current schema.

    S is a copy of the committed sample (so the benchmark never upgrades or writes the committed file); M and L are
    generated once with ``cockpit demo`` and cached. A database at an older schema version is opened writable once
    so that the store upgrades it (a read-only Store refuses a database that needs an upgrade).
    """
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{size}.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        tmp.unlink(missing_ok=True)
        start = time.perf_counter()
        if size == "S":
            shutil.copy(ROOT / "sample.db", tmp)
        else:
            reps, months = SIZES[size]
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cockpit",
                    "demo",
                    str(tmp),
                    "--reps",
                    str(reps),
                    "--months",
                    str(months),
                    "--seed",
                    "7",
                    "--end",
                    END,
                    "--tz",
                    TZ,
                ],
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        print(f"  built {size} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        tmp.rename(path)
    upgrade(path)
    return path


def upgrade(path: Path) -> None:
    """Bring a database to the current schema (a no-op when it already is)."""
    from cockpit.core.store import SCHEMA_VERSION, Store

    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        start = time.perf_counter()
        Store(path, user="bench").close()
        took = time.perf_counter() - start
        print(f"  upgraded {path.name} v{version} -> v{SCHEMA_VERSION} in {took:.1f} s", file=sys.stderr)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


# ------------------------------------------------------------------------------------------- 2. snapshot


def bench_snapshot(db: Path, runs: int) -> dict:
    """The dashboard snapshot (month, 12-period trends, team and every rep), four ways, and the naive script.

    - First build: a fresh Store with no cache file (the cache folder turned off), so every bucket is queried: what
      the very first start on a database pays, or a start after a bulk import threw the cache away.
    - New process: a fresh Store whose cache file was saved by an earlier one (what each later cockpit start pays).
    - New process after a write: the same, after another process logged one call this month (the file is one write
      behind: the audit-log check drops this month, which is queried again).
    - Warm: the same Store again; the audit-log check finds nothing changed (what a refresh pays when nothing in the
      shown buckets changed).
    """
    from cockpit.core.kpi import dashboard
    from cockpit.core.kpi_cache import cache_for
    from cockpit.core.periods import period_containing
    from cockpit.core.store import Store

    period = period_containing("month", pendulum.parse(NOW, tz=TZ), tz=TZ)

    def timed(store: Store) -> float:
        start = time.perf_counter()
        dashboard(store, period, trend=12)
        took = time.perf_counter() - start
        cache_for(store).save(store)
        store.close()
        return took

    work = OUT / f"snap-{db.stem}.db"
    shutil.copy(db, work)
    first, loaded, after_write, warm = [], [], [], []
    saved = os.environ.get("COCKPIT_CACHE_DIR")
    for _ in range(runs):
        os.environ["COCKPIT_CACHE_DIR"] = ""
        first.append(timed(Store(work, readonly=True)))
        os.environ["COCKPIT_CACHE_DIR"] = saved or ""
        timed(Store(work, readonly=True))  # leaves the cache file up to date
        loaded.append(timed(Store(work, readonly=True)))
        writer = Store(work, user="bench")
        writer.log_activity(kind="call", rep_id=writer.reps(active_only=True)[0].id, at=_now_ts(), note="bench")
        writer.close()
        after_write.append(timed(Store(work, readonly=True)))
    store = Store(work, readonly=True)
    dashboard(store, period, trend=12)
    for _ in range(runs):
        start = time.perf_counter()
        dashboard(store, period, trend=12)
        warm.append(time.perf_counter() - start)
    store.close()
    forecast = bench_forecast(work, period, runs)
    remove_db(work)
    naive_db = OUT / f"naive-{db.stem}.db"
    if not naive_db.exists():
        tmp = naive_db.with_suffix(".tmp.db")
        shutil.copy(db, tmp)
        conn = sqlite3.connect(tmp)
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall():
            conn.execute(f"DROP INDEX {name}")
        conn.execute("VACUUM")
        conn.close()
        tmp.rename(naive_db)
    conn = sqlite3.connect(naive_db)
    from cockpit.core.periods import last_n

    periods = last_n(period, 12)
    naive = []
    for _ in range(runs):
        start = time.perf_counter()
        naive_dashboard(conn, periods)
        naive.append(time.perf_counter() - start)
    conn.close()
    return {
        "first_build_ms": median_ms(first),
        "new_process_ms": median_ms(loaded),
        "new_process_after_write_ms": median_ms(after_write),
        "warm_ms": median_ms(warm),
        "forecast": forecast,
        "naive_ms": median_ms(naive),
        "first_build_ratio": round(statistics.median(first) / statistics.median(naive), 3),
        "new_process_ratio": round(statistics.median(loaded) / statistics.median(naive), 3),
        "warm_ratio": round(statistics.median(warm) / statistics.median(naive), 3),
    }


def p90_ms(samples: list[float]) -> float:
    """The 90th percentile (nearest rank): one slow run in ten is the machine; more is the code."""
    ordered = sorted(samples)
    return round(ordered[max(0, -(-9 * len(ordered) // 10) - 1)] * 1000, 1)


def bench_forecast(work: Path, period: Period, runs: int) -> dict:
    """Issue 23: ``forecasts()`` as its callers make it, each of the four ways of :func:`bench_snapshot`.

    - ``ui``: the cockpit's forecast tile (the team and one rep, no track record; the app's ``_load_forecast``);
    - ``insights``: the same with the track record, as the insights screen asks;
    - ``report``: ``cockpit report``, the team and every rep, with the track record.
    First: no cache file, so the history is learned, the ranges simulated and the backtest run. New process: a fresh
    Store, the file saved by an earlier one of the same call. After a write: another Store logged a call this month.
    Warm: the same Store again.
    """
    from cockpit.core.store import Store

    now_ts = _now_ts()
    with Store(work, readonly=True) as store:
        rep_ids = [r.id for r in store.reps(active_only=True)]
    calls = {
        "ui": {"rep_quotas": {rep_ids[0]: 0}, "with_backtest": False},
        "insights": {"rep_quotas": {rep_ids[0]: 0}, "with_backtest": True},
        "report": {"rep_quotas": dict.fromkeys(rep_ids, 0), "with_backtest": True},
    }

    def once(store: Store, kwargs: dict) -> float:
        start = time.perf_counter()
        forecasts(store, period, now_ts, **kwargs)
        return time.perf_counter() - start

    def timed(kwargs: dict) -> float:
        store = Store(work, readonly=True)
        took = once(store, kwargs)
        forecast_cache_for(store).flush()
        store.close()
        return took

    saved = os.environ.get("COCKPIT_CACHE_DIR")
    out = {}
    for name, kwargs in calls.items():
        first, loaded, after_write = [], [], []
        for _ in range(runs):
            os.environ["COCKPIT_CACHE_DIR"] = ""
            first.append(timed(kwargs))
            os.environ["COCKPIT_CACHE_DIR"] = saved or ""
            timed(kwargs)  # leaves the cache file up to date
            loaded.append(timed(kwargs))
            writer = Store(work, user="bench")
            writer.log_activity(kind="call", rep_id=rep_ids[0], at=now_ts, note="bench")
            writer.close()
            after_write.append(timed(kwargs))
        store = Store(work, readonly=True)
        once(store, kwargs)
        warm = [once(store, kwargs) for _ in range(runs)]
        store.close()
        ways = {"first": first, "new_process": loaded, "after_write": after_write, "warm": warm}
        out[name] = {
            f"{way}_{stat.__name__[:-3]}_ms": stat(times) for way, times in ways.items() for stat in (median_ms, p90_ms)
        }
    return out


def _now_ts() -> int:
    return int(pendulum.parse(NOW, tz=TZ).timestamp())


def naive_dashboard(conn: sqlite3.Connection, periods: list) -> None:
    """What a hand-written script does for the same numbers: per period, one GROUP BY per measure, no index."""
    for p in periods:
        s, e = p.start_ts, p.end_ts
        q = conn.execute
        q(
            "SELECT rep_id, count(*), sum(amount), count(DISTINCT account_id) FROM deals WHERE stage='won' AND "
            "closed_at >= ? AND closed_at < ? AND voided_at IS NULL GROUP BY rep_id",
            (s, e),
        ).fetchall()
        q(
            "SELECT count(DISTINCT account_id) FROM deals WHERE stage='won' AND closed_at >= ? AND closed_at < ?",
            (s, e),
        ).fetchall()
        q(
            "SELECT rep_id, count(*) FROM deals WHERE stage='lost' AND closed_at >= ? AND closed_at < ? "
            "GROUP BY rep_id",
            (s, e),
        ).fetchall()
        q(
            "SELECT rep_id, count(*), sum(stage='won') FROM deals WHERE qualified_at >= ? AND qualified_at < ? "
            "GROUP BY rep_id",
            (s, e),
        ).fetchall()
        q(
            "SELECT rep_id, count(*) FROM (SELECT account_id, min(closed_at) AS f, rep_id FROM deals WHERE "
            "stage='won' GROUP BY account_id) WHERE f >= ? AND f < ? GROUP BY rep_id",
            (s, e),
        ).fetchall()
        q(
            "SELECT rep_id, count(*), count(deal_id), count(DISTINCT deal_id) FROM activities WHERE kind='call' AND "
            "at >= ? AND at < ? GROUP BY rep_id",
            (s, e),
        ).fetchall()
        q("SELECT count(DISTINCT deal_id) FROM activities WHERE kind='call' AND at >= ? AND at < ?", (s, e)).fetchall()
        q(
            "SELECT d.rep_id, count(a.id) FROM deals d JOIN activities a ON a.deal_id = d.id AND a.kind='call' "
            "WHERE d.stage='won' AND d.closed_at >= ? AND d.closed_at < ? GROUP BY d.rep_id",
            (s, e),
        ).fetchall()
        q(
            "SELECT rep_id, sum(amount), sum(amount * probability) FROM deals WHERE created_at < ? AND "
            "(closed_at IS NULL OR closed_at >= ?) GROUP BY rep_id",
            (e, e),
        ).fetchall()
        months = p.months()
        q(f"SELECT sum(amount) FROM costs WHERE month IN ({','.join('?' * len(months))})", months).fetchall()
        q("SELECT rep_id, sum(amount) FROM quotas GROUP BY rep_id").fetchall()


# ------------------------------------------------------------------------------------------- 7. writers


def _writer(db: str, n: int, index: int, ready, go, queue) -> None:  # noqa: ANN001
    """One writer process: open the store, wait for the others, then log ``n`` calls (every other one on a deal)."""
    from cockpit.core.store import Store

    store = Store(db, user=f"writer{index}")
    reps = store.reps(active_only=True)
    rep_id = reps[index % len(reps)].id
    deal = store.query("SELECT id FROM deals WHERE rep_id = ? ORDER BY id LIMIT 1", (rep_id,))
    deal_id = deal[0]["id"] if deal else None
    latencies, errors = [], []
    ready.release()
    go.wait()
    began = time.monotonic()
    for i in range(n):
        start = time.perf_counter()
        try:
            store.log_activity(
                kind="call", rep_id=rep_id, deal_id=deal_id if i % 2 else None, note=f"bench {i}", at=int(time.time())
            )
            latencies.append(time.perf_counter() - start)
        except Exception as exc:  # counted and reported: a lock error here is what the benchmark looks for
            errors.append(f"{type(exc).__name__}: {exc}")
    queue.put((latencies, errors, began, time.monotonic()))
    store.close()


def bench_writers(db: Path, processes: int = 8, per_process: int = 300) -> dict:
    """``processes`` writer processes logging calls at once into a copy of ``db``: commits/s, p99, errors.

    Each process opens its store before the start signal, so interpreter start-up is not counted; the rate is all
    commits over the span from the first writer's start to the last one's end (CLOCK_MONOTONIC is system-wide).
    """
    work = OUT / f"writers-{db.stem}.db"
    shutil.copy(db, work)
    ctx = multiprocessing.get_context("spawn")
    queue, ready, go = ctx.Queue(), ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(work), per_process, i, ready, go, queue)) for i in range(processes)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    go.set()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    with sqlite3.connect(work) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    remove_db(work)
    latencies = sorted(x for lat, _, _, _ in results for x in lat)
    errors = [e for _, errs, _, _ in results for e in errs]
    span = max(r[3] for r in results) - min(r[2] for r in results)
    out = {
        "processes": processes,
        "commits": len(latencies),
        "commits_per_s": round(len(latencies) / span),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[max(0, -(-len(latencies) * 99 // 100) - 1)] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "errors": len(errors),
        "integrity": integrity,
    }
    if errors:
        out["first_errors"] = sorted(set(errors))[:5]
    return out


# ---------------------------------------------------------------------------------- 1, 4, 5, 6: terminal


def cockpit_argv(db: Path) -> list[str]:
    return [sys.executable, "-m", "cockpit", "--db", str(db)]


def cockpit_env(**extra: str | None) -> dict[str, str | None]:
    """A frozen clock, UTC, and no user config file (bench/out/none.toml does not exist)."""
    return {"COCKPIT_NOW": NOW, "COCKPIT_TZ": TZ, "COCKPIT_CONFIG": str(OUT / "none.toml"), **extra}


def cockpit_ready(screen: str) -> bool:
    """The first full screen of data: the scorecards' team total row is drawn.

    The app draws it in the same call that fills every pane; it is the table's first row, pinned, so it is on screen
    whatever the number of reps.
    """
    from cockpit.tui.app import READY_MARKER

    return READY_MARKER in screen


def mouse_bytes_per_event(app, events: int = 40) -> int:  # noqa: ANN001
    """Bytes written per SGR-1006 mouse-motion report (no button) moved over the scorecards' rows (rows 9-14)."""
    app.send(b"\x1b[<35;20;10M")
    app.settle(0.3)
    before = app.total_bytes
    for i in range(events):
        app.send(f"\x1b[<35;{10 + i};{9 + i % 6}M".encode())
        app.pump(0.03)
    app.settle(0.5)
    return round((app.total_bytes - before) / events)


def bench_terminal(db: Path, runs: int, *, idle_seconds: float) -> dict:
    import compileall

    from bench.ptyrun import PtyApp

    # As installed (pip byte-compiles a package when it installs it, as it did Textual's): with
    # PYTHONDONTWRITEBYTECODE set, a source checkout would otherwise compile its modules again at every start.
    compileall.compile_dir(str(ROOT / "cockpit"), quiet=1)
    first, minimal, rss, no_cache = [], [], [], []
    # A first start writes the database's KPI cache file; the timed starts below are later starts, which read it.
    with PtyApp(cockpit_argv(db), env=cockpit_env()) as app:
        app.wait_for(cockpit_ready, timeout=120)
        app.settle(0.5)
        app.quit()  # as a user quits: the KPI cache file is written
    for _ in range(runs):
        with PtyApp([sys.executable, str(ROOT / "bench" / "minimal_app.py")]) as app:
            minimal.append(app.wait_for(lambda s: "READY" in s))
        with PtyApp(cockpit_argv(db), env=cockpit_env()) as app:
            first.append(app.wait_for(cockpit_ready, timeout=120))
            app.settle(0.5)
            rss.append(app.rss_peak_kb())
        # And a start with no cache file at all (the very first start on a database, or after a bulk import).
        with PtyApp(cockpit_argv(db), env=cockpit_env(COCKPIT_CACHE_DIR="")) as app:
            no_cache.append(app.wait_for(cockpit_ready, timeout=120))
            app.settle(0.5)
            rss.append(app.rss_peak_kb())
    out = {
        "first_frame_ms": median_ms(first),
        "minimal_ms": median_ms(minimal),
        "ratio": round(statistics.median(first) / statistics.median(minimal), 2),
        "first_frame_no_cache_ms": median_ms(no_cache),
        "ratio_no_cache": round(statistics.median(no_cache) / statistics.median(minimal), 2),
        "first_frame_all_ms": [round(x * 1000) for x in first],
        "minimal_all_ms": [round(x * 1000) for x in minimal],
    }
    work = OUT / f"live-{db.stem}.db"
    shutil.copy(db, work)
    with PtyApp(cockpit_argv(work), env=cockpit_env()) as app:
        app.wait_for(cockpit_ready, timeout=120)
        app.settle(1.0)
        out["idle_bytes"] = app.bytes_during(idle_seconds)
        out["idle_seconds"] = idle_seconds
        from cockpit.core.store import Store

        other = Store(work, user="someone-else")
        rep_id = other.reps(active_only=True)[0].id
        other.log_activity(kind="call", rep_id=rep_id, note="live refresh", at=int(pendulum.parse(NOW).timestamp()))
        other.close()
        out["live_refresh_bytes"] = app.bytes_during(3.0)
        out["mouse_bytes_per_event"] = mouse_bytes_per_event(app)
        rss.append(app.rss_peak_kb())
    # The same with SSH_CONNECTION set, for the record (the app may turn mouse reporting off over SSH).
    with PtyApp(cockpit_argv(work), env=cockpit_env(SSH_CONNECTION="10.0.0.1 50000 10.0.0.2 22")) as app:
        app.wait_for(cockpit_ready, timeout=120)
        app.settle(1.0)
        out["mouse_bytes_per_event_ssh"] = mouse_bytes_per_event(app)
    remove_db(work)
    out["rss_mb"] = round(max(rss) / 1024, 1)
    return out


# ------------------------------------------------------------------------------------ 3. log → panes


def bench_log_to_panes(db: Path, runs: int) -> dict:
    """Log a call, then time until the app has applied the new snapshot and repainted (in-process, real app).

    The write and ``refresh_data()`` are what the logging form does on submit. The bench waits on a watcher of the
    app's ``snapshot`` reactive (set only when a new, different snapshot is applied, after the panes' ``show()``),
    then pauses once more so the panes' repaint is included. (Polling ``app.refreshes`` with ``pilot.pause()``,
    as an earlier version did, kept the UI thread busy and slowed the refresh worker it was timing.)
    """
    import asyncio

    from cockpit.core.config import load_settings
    from cockpit.core.store import Store
    from cockpit.tui.app import make_app

    work = OUT / f"log-{db.stem}.db"
    shutil.copy(db, work)
    settings = load_settings(str(work), env={"COCKPIT_TZ": TZ}, config_file=OUT / "none.toml")
    store = Store(work, user="bench")
    rep_id = store.reps(active_only=True)[0].id
    at = int(pendulum.parse(NOW, tz=TZ).timestamp())
    moment = pendulum.parse(NOW, tz=TZ)
    samples: list[float] = []
    failures: list[str] = []

    async def scenario() -> None:
        app = make_app(store, settings=settings, now=lambda: moment)
        async with app.run_test(size=(120, 40)) as pilot:
            # Woken by the app's own reactive: the callback runs right after the app's watch_snapshot (which calls
            # every pane's show()), so no polling loop competes with the refresh worker for the GIL.
            applied = asyncio.Event()
            app.watch(app, "snapshot", lambda _snapshot: applied.set(), init=False)
            while app.refreshes == 0:
                await asyncio.wait_for(applied.wait(), timeout=120)
                applied.clear()
            await pilot.pause()
            for i in range(max(runs, 20)):
                applied.clear()
                start = time.perf_counter()
                store.log_activity(kind="call", rep_id=rep_id, note=f"bench {i}", at=at)
                app.refresh_data()
                try:
                    await asyncio.wait_for(applied.wait(), timeout=30)
                except TimeoutError:
                    failures.append("no new snapshot applied within 30 s")
                    continue
                await pilot.pause()  # the repaint of what the panes changed
                samples.append(time.perf_counter() - start)

    asyncio.run(scenario())
    store.close()
    remove_db(work)
    samples.sort()
    out = {
        "samples": len(samples),
        "p95_ms": round(samples[max(0, -(-len(samples) * 95 // 100) - 1)] * 1000, 1) if samples else None,
        "median_ms": median_ms(samples) if samples else None,
    }
    if failures:
        out["failures"] = failures
    return out


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": pendulum.now().to_date_string(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "textual": importlib.metadata.version("textual"),
        "platform": platform.platform(),
    }


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L", help="comma list of S, M, L (default: all)")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing; the median is reported (default 5)")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="idle window in seconds (default 60)")
    parser.add_argument("--only", help="comma list of: snapshot,terminal,log,writers (default: all)")
    parser.add_argument("--quick", action="store_true", help="smoke run: size S, one run, 5 s idle")
    parser.add_argument("--output", type=Path, default=OUT / "results.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.idle_seconds = "S", 1, 5.0
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r} (sizes: {', '.join(SIZES)})")
    parts = {"snapshot", "terminal", "log", "writers"}
    only = {p.strip() for p in args.only.split(",")} if args.only else parts
    if only - parts:
        parser.error(f"unknown part {sorted(only - parts)[0]!r} (parts: {', '.join(sorted(parts))})")
    OUT.mkdir(parents=True, exist_ok=True)
    # The cockpit processes and Stores of the benchmark keep their KPI cache files here, emptied at each run.
    cache = OUT / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["COCKPIT_CACHE_DIR"] = str(cache)
    started = time.perf_counter()
    results: dict = {
        "machine": machine(),
        "args": {"sizes": sizes, "runs": args.runs, "idle_seconds": args.idle_seconds, "parts": sorted(only)},
        "load_average_start": load_average(),
        "sizes": {},
    }
    for size in sizes:
        db = database(size)
        with sqlite3.connect(db) as conn:
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM reps), (SELECT count(*) FROM deals), (SELECT count(*) FROM activities),"
                " (SELECT user_version FROM pragma_user_version)"
            ).fetchone()
        conn.close()
        row: dict = {
            "db": str(db.relative_to(ROOT)),
            "reps": counts[0],
            "deals": counts[1],
            "activities": counts[2],
            "schema": counts[3],
            "bytes": db.stat().st_size,
        }
        print(f"{size}: {row}", file=sys.stderr)
        steps = (
            ("snapshot", "snapshot", lambda db=db: bench_snapshot(db, args.runs)),
            ("terminal", "terminal", lambda db=db: bench_terminal(db, args.runs, idle_seconds=args.idle_seconds)),
            ("log", "log_call", lambda db=db: bench_log_to_panes(db, args.runs)),
            ("writers", "writers", lambda db=db: bench_writers(db)),
        )
        for part, key, run in steps:
            if part in only:
                row[key] = run()
                row[key]["load_average"] = load_average()
                print(f"  {key} {row[key]}", file=sys.stderr)
        results["sizes"][size] = row
        args.output.write_text(json.dumps(results, indent=2) + "\n")  # what is done so far survives a failure
    results["load_average_end"] = load_average()
    results["elapsed_s"] = round(time.perf_counter() - started)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

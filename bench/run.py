"""The benchmark of issue 6, in one command: ``python -m bench.run [--sizes S,M,L] [--runs 5]``.

It builds the databases with ``cockpit demo`` (cached under bench/out/), then measures, as medians of ``--runs``
runs in one process so that ratios are fair:

1. first frame in a 120×40 pseudo-terminal, cockpit vs a minimal Textual app (Header, DataTable, Footer);
2. the dashboard snapshot (every KPI for the team and every rep with 12-period trends) vs the plain GROUP BY
   queries a hand-written script would run over unindexed copies of the tables;
3. log a call → panes updated (p95), in-process through the real app;
4. idle bytes written in 60 s, and bytes of one live refresh after another process commits;
5. bytes written per mouse-motion event over the scorecards;
6. peak RSS of one cockpit;
7. eight concurrent writer processes: commits per second, p99 latency, lock errors.

Results are printed and written to bench/out/results.json; docs/PERFORMANCE.md records them.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
END = "2026-11-27"
NOW = "2026-11-27T15:00:00"
TZ = "UTC"
SIZES = {"S": None, "M": (50, 24), "L": (200, 24)}


def database(size: str) -> Path:
    """The database of a size: S is the committed sample, M and L are generated once and cached."""
    if size == "S":
        return ROOT / "sample.db"
    reps, months = SIZES[size]
    path = OUT / f"{size}.db"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.db")
        tmp.unlink(missing_ok=True)
        start = time.perf_counter()
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
        )
        print(f"  built {size} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        tmp.rename(path)
    return path


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


# ------------------------------------------------------------------------------------------- 2. snapshot


def bench_snapshot(db: Path, runs: int) -> dict:
    from cockpit.kpi import dashboard
    from cockpit.periods import period_containing
    from cockpit.store import Store

    store = Store(db, readonly=True)
    period = period_containing("month", pendulum.parse(NOW, tz=TZ), tz=TZ)
    ours = []
    for _ in range(runs):
        start = time.perf_counter()
        dashboard(store, period, trend=12)
        ours.append(time.perf_counter() - start)
    store.close()
    naive_db = OUT / f"naive-{db.stem}.db"
    if not naive_db.exists():
        shutil.copy(db, naive_db)
        conn = sqlite3.connect(naive_db)
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"):
            conn.execute(f"DROP INDEX {name}")
        conn.execute("VACUUM")
        conn.close()
    conn = sqlite3.connect(naive_db)
    periods = [period]
    for _ in range(11):
        periods.insert(0, periods[0].previous())
    naive = []
    for _ in range(runs):
        start = time.perf_counter()
        naive_dashboard(conn, periods)
        naive.append(time.perf_counter() - start)
    conn.close()
    return {
        "snapshot_ms": median_ms(ours),
        "naive_ms": median_ms(naive),
        "ratio": round(statistics.median(ours) / statistics.median(naive), 3),
    }


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
        q("SELECT sum(amount) FROM costs WHERE month IN (?)", (p.months()[0] if p.months() else "",)).fetchall()
        q("SELECT rep_id, sum(amount) FROM quotas GROUP BY rep_id").fetchall()


# ------------------------------------------------------------------------------------------- 7. writers


def _writer(db: str, n: int, queue) -> None:  # noqa: ANN001
    from cockpit.store import Store

    store = Store(db, user=f"w{os.getpid()}")
    rep_id = store.reps()[0].id
    latencies, errors = [], 0
    for i in range(n):
        start = time.perf_counter()
        try:
            store.log_activity(kind="call", rep_id=rep_id, note=f"bench {i}", at=int(time.time()))
        except Exception:
            errors += 1
        latencies.append(time.perf_counter() - start)
    queue.put((latencies, errors))


def bench_writers(db: Path, processes: int = 8, per_process: int = 300) -> dict:
    work = OUT / f"writers-{db.stem}.db"
    shutil.copy(db, work)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(work), per_process, queue)) for _ in range(processes)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    work.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    return {
        "commits_per_s": round(len(latencies) / elapsed),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "errors": errors,
    }


# ---------------------------------------------------------------------------------- 1, 4, 5, 6: terminal


def cockpit_argv(db: Path) -> list[str]:
    return [sys.executable, "-m", "cockpit", "--db", str(db)]


def cockpit_env() -> dict[str, str]:
    return {"COCKPIT_NOW": NOW, "COCKPIT_TZ": TZ, "COCKPIT_CONFIG": str(OUT / "none.toml")}


def cockpit_ready(screen: str) -> bool:
    """The first full screen of data: the scorecards' team total row is drawn."""
    from cockpit.app import READY_MARKER

    return READY_MARKER in screen


def bench_terminal(db: Path, runs: int, *, idle_seconds: float) -> dict:
    from bench.ptyrun import PtyApp

    first, minimal, rss = [], [], []
    for _ in range(runs):
        with PtyApp([sys.executable, str(ROOT / "bench" / "minimal_app.py")]) as app:
            minimal.append(app.wait_for(lambda s: "READY" in s))
        with PtyApp(cockpit_argv(db), env=cockpit_env()) as app:
            first.append(app.wait_for(cockpit_ready, timeout=120))
            app.settle(0.5)
            rss.append(app.rss_peak_kb())
    out = {
        "first_frame_ms": median_ms(first),
        "minimal_ms": median_ms(minimal),
        "ratio": round(statistics.median(first) / statistics.median(minimal), 2),
        "rss_mb": round(max(rss) / 1024, 1),
    }
    work = OUT / f"live-{db.stem}.db"
    shutil.copy(db, work)
    with PtyApp(cockpit_argv(work), env=cockpit_env()) as app:
        app.wait_for(cockpit_ready, timeout=120)
        app.settle(1.0)
        out["idle_bytes"] = app.bytes_during(idle_seconds)
        out["idle_seconds"] = idle_seconds
        from cockpit.store import Store

        other = Store(work, user="someone-else")
        rep_id = other.reps()[0].id
        other.log_activity(kind="call", rep_id=rep_id, note="live refresh", at=int(pendulum.parse(NOW).timestamp()))
        other.close()
        out["live_refresh_bytes"] = app.bytes_during(2.0)
        # Mouse motion over the scorecards (SGR 1006 reports), after moving there once.
        app.send(b"\x1b[<35;20;30M")
        app.settle(0.3)
        before = app.total_bytes
        events = 40
        for i in range(events):
            app.send(f"\x1b[<35;{10 + i};{28 + i % 4}M".encode())
            app.pump(0.03)
        app.settle(0.5)
        out["mouse_bytes_per_event"] = round((app.total_bytes - before) / events)
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    return out


# ------------------------------------------------------------------------------------ 3. log → panes


def bench_log_to_panes(db: Path, runs: int) -> dict:
    import asyncio

    from cockpit.app import make_app

    from cockpit.config import load_settings
    from cockpit.store import Store

    work = OUT / f"log-{db.stem}.db"
    shutil.copy(db, work)
    settings = load_settings(str(work), env={"COCKPIT_TZ": TZ})
    store = Store(work)
    rep_id = store.reps(active_only=True)[0].id
    samples: list[float] = []

    async def scenario() -> None:
        app = make_app(store, settings=settings, now=pendulum.parse(NOW, tz=TZ))
        async with app.run_test(size=(120, 40)) as pilot:
            await app.wait_for_snapshot()
            for i in range(max(runs, 20)):
                start = time.perf_counter()
                store.log_activity(
                    kind="call", rep_id=rep_id, note=f"bench {i}", at=int(pendulum.parse(NOW).timestamp())
                )
                app.refresh_data()
                await app.wait_for_snapshot()
                await pilot.pause()
                samples.append(time.perf_counter() - start)

    asyncio.run(scenario())
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    samples.sort()
    return {"p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 1), "median_ms": median_ms(samples)}


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
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--only", help="comma list of: terminal,snapshot,log,writers")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else {"terminal", "snapshot", "log", "writers"}
    results: dict = {"machine": machine(), "sizes": {}}
    for size in args.sizes.split(","):
        db = database(size)
        counts = (
            sqlite3.connect(db)
            .execute(
                "SELECT (SELECT count(*) FROM reps), (SELECT count(*) FROM deals), (SELECT count(*) FROM activities)"
            )
            .fetchone()
        )
        row: dict = {
            "db": str(db.relative_to(ROOT)),
            "reps": counts[0],
            "deals": counts[1],
            "activities": counts[2],
            "bytes": db.stat().st_size,
        }
        print(f"{size}: {row}", file=sys.stderr)
        if "snapshot" in only:
            row["snapshot"] = bench_snapshot(db, args.runs)
            print(f"  snapshot {row['snapshot']}", file=sys.stderr)
        if "terminal" in only:
            row["terminal"] = bench_terminal(db, args.runs, idle_seconds=args.idle_seconds)
            print(f"  terminal {row['terminal']}", file=sys.stderr)
        if "log" in only:
            row["log_call"] = bench_log_to_panes(db, args.runs)
            print(f"  log {row['log_call']}", file=sys.stderr)
        if "writers" in only:
            row["writers"] = bench_writers(db)
            print(f"  writers {row['writers']}", file=sys.stderr)
        results["sizes"][size] = row
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How what users feel grows with the history: ``python -m bench.growth --sizes S,M,L,XL --rounds 5``.

Issue 24 asks for one table: for each size (S the sample; M 50 reps × 24 months; L 200 × 24; XL 400 × 36, built once
by ``bench.run.database``, which commits the KPI buckets with the data as every write does), a user's first start on
a database nobody has opened since it was built (no cache file of their own) and a later one by another user (the
team cockpit's first frame with data, in a 120×40 pty), ``cockpit report --format json`` (a new process, output
piped, as a script runs it; then again, as the script's next run finds it), a rep's quick-entry call until the new
Calls value is drawn and a colleague's call until it is (both on My day, ``bench.keys``), the bytes of that
colleague's live refresh, and the peak RSS of the rep's cockpit. Each round visits the sizes in a shuffled order, so
the load of this shared machine falls on all alike; the load is kept before and after each round. Medians (and the
slowest sample) over the rounds; results in bench/out/growth.json.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.keys import one_write, pick, start_app
from bench.ptyrun import PtyApp
from bench.run import NOW, OUT, ROOT, SIZES, TZ, cockpit_argv, cockpit_env, cockpit_ready, database


def start_ms(db: Path, cache: Path | None) -> float:
    """Milliseconds to the team cockpit's first frame with data; ``cache`` None: no cache folder (for the forecast's
    file; the KPI buckets are in the database)."""
    env = cockpit_env(COCKPIT_CACHE_DIR=str(cache) if cache is not None else "")
    with PtyApp(cockpit_argv(db), env=env) as app:
        took = app.wait_for(cockpit_ready, timeout=300)
        app.settle(0.3)
        app.quit()
    return round(took * 1000, 1)


def report_ms(db: Path, cache: Path) -> tuple[float, int]:
    """Milliseconds of ``cockpit report --format json`` in a new process, piped; and the bytes it printed."""
    argv = [sys.executable, "-m", "cockpit", "report", "--db", str(db), "--format", "json"]
    env = {**os.environ, "COCKPIT_NOW": NOW, "COCKPIT_TZ": TZ, "COCKPIT_CACHE_DIR": str(cache)}
    env["COCKPIT_CONFIG"] = str(OUT / "none.toml")
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=600)
    took = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"cockpit report failed: {done.stderr.decode()[-500:]}")
    return round(took * 1000, 1), len(done.stdout)


def one_round(size: str, db: Path, tmp: Path, number: int) -> dict:
    """One sample of every figure at ``size``, on a copy of its database."""
    work = tmp / f"{size}-{number}.db"
    shutil.copy(db, work)
    cache = tmp / f"cache-{size}-{number}"
    cache.mkdir()
    # The generator commits the KPI buckets with its data, as every write does: a user's first start finds them
    # in the database and has no cache file of its own (the forecast's).
    stored = sqlite3.connect(work).execute("SELECT count(*) FROM kpi_buckets").fetchone()[0]
    if not stored:
        raise RuntimeError(f"{db} holds no KPI bucket: build it again with bench.run.database")
    row: dict = {"first_start_ms": start_ms(work, cache)}
    row["later_start_ms"] = start_ms(work, tmp / f"cache-{size}-{number}-other")  # another user: own cache folder
    row["report_ms"], row["report_bytes"] = report_ms(work, cache)
    # The same user's next report (a script run again): the forecast's history, track record and ranges from the
    # cache file the first one saved; no write in between.
    row["report_again_ms"], _ = report_ms(work, cache)
    target = pick(size, work)
    app = start_app(target, cache)
    try:
        quick = one_write(app, target, "quick", number, quiet=0.8)
        colleague = one_write(app, target, "colleague", number, quiet=0.8)
        row["rss_mb"] = round(app.rss_peak_kb() / 1024, 1)
    finally:
        app.quit()
        app.close()
    row["quick_ms"] = quick["numbers_ms"]
    row["quick_bytes"] = quick["bytes"]
    row["colleague_ms"] = colleague["numbers_ms"]
    row["colleague_bytes"] = colleague["bytes"]
    work.unlink()
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L,XL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--output", type=Path, default=OUT / "growth.json")
    args = parser.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in sizes if s not in SIZES]:
        parser.error(f"unknown size {unknown[0]!r} (sizes: {', '.join(SIZES)})")
    compileall.compile_dir(str(ROOT / "cockpit"), quiet=1)  # as installed (see bench.run)
    dbs = {size: database(size) for size in sizes}
    rng = random.Random(args.seed)
    samples: dict[str, list[dict]] = {size: [] for size in sizes}
    loads = []
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        for number in range(args.rounds):
            before = os.getloadavg()[0]
            for size in rng.sample(sizes, len(sizes)):
                samples[size].append(one_round(size, dbs[size], Path(tmp), number))
                print(f"round {number + 1} {size}: {samples[size][-1]}", file=sys.stderr)
            loads.append([round(before, 2), round(os.getloadavg()[0], 2)])
    result: dict = {"rounds": args.rounds, "load": loads, "sizes": {}}
    for size, rows in samples.items():
        figures = {key: [r[key] for r in rows] for key in rows[0]}
        result["sizes"][size] = {key: {"median": statistics.median(v), "max": max(v)} for key, v in figures.items()}
        result["sizes"][size]["samples"] = rows
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    keys = list(samples[sizes[0]][0])
    print("size " + "".join(f"{k:>16}" for k in keys))
    for size in sizes:
        print(f"{size:<5}" + "".join(f"{result['sizes'][size][k]['median']:>16}" for k in keys))
    print(f"load per round: {loads}; JSON: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

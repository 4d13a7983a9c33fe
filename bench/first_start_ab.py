"""A user's first start and a later one, this checkout against another: ``python -m bench.first_start_ab --other
PATH --sizes L,XL --rounds 8``.

Issue 24: before the KPI buckets were kept in the database, a user's first start on a database counted every
bucket (no cache file of theirs yet), and only their later starts read a file. Now any cockpit's buckets serve every
user. Each round, for each size, each variant in a shuffled order starts the team cockpit twice on a fresh copy of
the database (120×40 pty, first frame with data): "first" on a database nobody has opened since it was built, then
"later", with the same cache folder for a checkout from before schema 6 (its per-user file) and a new, empty one
for this checkout (another user: the buckets come from the database). A checkout before schema 6 gets a copy with
the kpi_buckets table and its triggers dropped and ``user_version`` 5; with ``--same-schema`` (two checkouts of the
same schema, an A/B of a change) both start on copies of the same database. Each variant runs from its own checkout
(``PYTHONPATH``, run from a folder holding no ``cockpit`` package). Results in bench/out/first_start_ab.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from bench.ptyrun import PtyApp
from bench.run import OUT, ROOT, cockpit_env, cockpit_ready, database


def start_ms(db: Path, cache: Path, checkout: Path) -> float:
    """Milliseconds to the team cockpit's first frame with data, run from ``checkout``."""
    env = cockpit_env(COCKPIT_CACHE_DIR=str(cache), PYTHONPATH=str(checkout))
    with PtyApp([sys.executable, "-m", "cockpit", "--db", str(db)], env=env) as app:
        took = app.wait_for(cockpit_ready, timeout=300)
        app.settle(0.3)
        app.quit()
    return round(took * 1000, 1)


def schema_5_copy(src: Path, dst: Path) -> None:
    """A copy as the code before schema 6 expects it: no kpi_buckets table or triggers, user_version 5."""
    shutil.copy(src, dst)
    conn = sqlite3.connect(dst)
    names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'kpi_buckets_%'")
    for (name,) in names.fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("DROP TABLE IF EXISTS kpi_buckets")
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_start_ab", description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="a checkout from before schema 6 (git worktree)")
    parser.add_argument(
        "--same-schema", action="store_true", help="the other checkout reads this one's databases as they are"
    )
    parser.add_argument("--sizes", default="L,XL")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=OUT / "first_start_ab.json")
    args = parser.parse_args(argv)
    args.output = args.output.resolve()  # the runs below change the working folder
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    variants = {"before": args.other.resolve(), "now": ROOT}
    rng = random.Random(args.seed)
    samples: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-first-") as folder:
        tmp = Path(folder)
        sources = {size: database(size) for size in sizes}
        old = {size: tmp / f"{size}-v5.db" for size in sizes}
        for size in sizes:
            if args.same_schema:
                old[size] = sources[size]
            else:
                schema_5_copy(sources[size], old[size])
        os.chdir(tmp)  # `python -m` puts the working folder first on sys.path: it must hold no cockpit package
        for number in range(args.rounds):
            load = os.getloadavg()[0]
            for size in sizes:
                for variant in rng.sample(list(variants), len(variants)):
                    db = tmp / f"{variant}-{size}-{number}.db"
                    shutil.copy(old[size] if variant == "before" else sources[size], db)
                    cache = tmp / f"cache-{variant}-{size}-{number}"
                    first = start_ms(db, cache, variants[variant])
                    other_user = cache if variant == "before" else tmp / f"cache-other-{size}-{number}"
                    later = start_ms(db, other_user, variants[variant])
                    row = {"first_ms": first, "later_ms": later, "load": round(load, 2)}
                    samples.setdefault(f"{size} {variant}", []).append(row)
                    print(f"round {number + 1} {size} {variant}: {row}", file=sys.stderr)
                    db.unlink()
    result = {
        key: {name: statistics.median(r[name] for r in rows) for name in ("first_ms", "later_ms")} | {"samples": rows}
        for key, rows in samples.items()
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    for key, figures in result.items():
        print(f"{key}: first {figures['first_ms']} ms, later {figures['later_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

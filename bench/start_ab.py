"""First frame of several ways to start, interleaved: ``python -m bench.start_ab --size L --rounds 15``.

Each variant (label, argv, cwd, env) starts in a real 120x40 pty; its time runs from spawn until the screen shows its
ready text (cockpit: the scorecards' "Team total" row; the minimal Textual app: its READY row). Each variant starts
once untimed first and quits as a user does (ctrl+q), which writes its KPI cache file in its own cache folder, kept
across rounds: the timed starts are later starts. Each round starts every variant once, in a shuffled order, so that
what the load on this shared machine does falls on all alike; the 1-minute load average is kept before and after
each round. Reported per variant: median, p90, min, the ratio of medians to ``--reference``, and the per-round
difference to ``--base`` (median, p10, p90; pairs from one round, so a change of load cancels out).

The ``baseline*`` variants run the code before the clean-up of issue 18: ``git worktree add /work/baseline e1f1802``.
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
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from bench.ptyrun import PtyApp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
NAMES = ("baseline", "baseline-nofork", "baseline-nocompiled", "baseline-none", "main", "minimal")
# The old code's compiled-code cache is installed only by cockpit/start.py, which `python -m cockpit` runs; calling
# cockpit.cli.main directly skips it. COCKPIT_FIRST_READ=thread turns the old forked first read off.
VIA_CLI = "import sys; from cockpit.cli import main; sys.exit(main(['--db', {db!r}]))"


@dataclass
class Variant:
    label: str
    argv: list[str]
    cwd: Path
    env: dict[str, str | None]
    ready: str = "Team total"
    times: list[float | None] = field(default_factory=list)


def variants(names: list[str], python: str, baseline: Path, db: Path, work: Path) -> list[Variant]:
    """Each cockpit variant gets its own cache folder under ``work``, and each tree its own copy of ``db`` (a schema
    upgrade by one tree's code must not change what the other reads)."""
    made = [Variant("minimal", [python, str(ROOT / "bench" / "minimal_app.py")], ROOT, {}, "READY")]
    for name in names:
        tree = baseline if name.startswith("baseline") else ROOT
        copy = work / f"{tree.name}-{db.name}"
        if name == "minimal":
            continue
        if not copy.exists():
            shutil.copy(db, copy)
        (cache := work / f"cache-{name}").mkdir()
        via_cli = name in ("baseline-nocompiled", "baseline-none")
        argv = [python, "-c", VIA_CLI.format(db=str(copy))] if via_cli else [python, "-m", "cockpit", "--db", str(copy)]
        env: dict[str, str | None] = {
            "PYTHONPATH": str(tree),
            "COCKPIT_NOW": "2026-11-27T15:00:00",
            "COCKPIT_TZ": "UTC",
            "COCKPIT_CONFIG": str(work / "none.toml"),  # does not exist: no user config
            "COCKPIT_CACHE_DIR": str(cache),
            "COCKPIT_FIRST_READ": "thread" if name in ("baseline-nofork", "baseline-none") else None,
            "TERM": "xterm-256color",
        }
        made.append(Variant(name, argv, tree, env))
    return [v for v in made if v.label in names]


def start(variant: Variant, timeout: float) -> float:
    """Seconds from spawn to the ready text. Then the program quits with ctrl+q as a user's does: what it saves at
    exit (KPI cache, compiled code) is saved, and nothing it does after its first frame loads the next start."""
    here = Path.cwd()
    os.chdir(variant.cwd)  # the child of PtyApp inherits the working directory
    try:
        with PtyApp(variant.argv, env=variant.env) as app:
            took = app.wait_for(lambda screen: variant.ready in screen, timeout=timeout)
            app.settle(0.3, timeout=5.0)
            app.quit()
            return took
    finally:
        os.chdir(here)


def summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in seconds)
    deciles = statistics.quantiles(ms, n=10, method="inclusive") if len(ms) > 1 else ms * 9
    values = {"median": statistics.median(ms), "p10": deciles[0], "p90": deciles[8], "min": ms[0]}
    return {**{key: round(value, 1) for key, value in values.items()}, "n": len(ms)}


def table(runs: list[Variant], reference: str, base: str) -> dict[str, dict]:
    by_label = {v.label: v for v in runs}
    rows = {}
    for variant in runs:
        good = [t for t in variant.times if t is not None]
        row: dict = {**(summary(good) if good else {}), "failed": len(variant.times) - len(good)}
        row["all_ms"] = [None if t is None else round(t * 1000, 1) for t in variant.times]
        row.update(argv=variant.argv, cwd=str(variant.cwd), env={k: v for k, v in variant.env.items() if v})
        ref = [t for t in by_label[reference].times if t is not None] if reference in by_label else []
        if good and ref:
            row["ratio_to_" + reference] = round(statistics.median(good) / statistics.median(ref), 2)
        if base in by_label and variant.label != base:
            pairs = zip(variant.times, by_label[base].times, strict=True)
            if diffs := [a - b for a, b in pairs if a is not None and b is not None]:
                row["minus_" + base] = summary(diffs)
        rows[variant.label] = row
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.start_ab", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="L", help="database bench/out/SIZE.db (default L); --db overrides")
    parser.add_argument("--db", type=Path, help="database file")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--variants", default=",".join(NAMES), help=f"comma list of {', '.join(NAMES)}")
    parser.add_argument("--reference", default="minimal", help="ratios are of medians to this variant's")
    parser.add_argument("--base", default="baseline", help="per-round differences are to this variant")
    parser.add_argument("--baseline", type=Path, default=Path("/work/baseline"), help="worktree of the old code")
    parser.add_argument("--python", default=sys.executable, help="interpreter of every variant")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a start may take")
    parser.add_argument("--seed", type=int, default=18, help="of the shuffled orders")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/out/start_ab-SIZE.json)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    if unknown := [n for n in names if n not in NAMES]:
        parser.error(f"unknown variant {unknown[0]!r} (variants: {', '.join(NAMES)})")
    db = (args.db or OUT / f"{args.size}.db").resolve()
    output = args.output or OUT / f"start_ab-{args.size}.json"
    trees = {args.baseline if n.startswith("baseline") else ROOT for n in names if n != "minimal"}
    for tree in trees:  # byte-compiled as pip install does (with PYTHONDONTWRITEBYTECODE each start would compile)
        compileall.compile_dir(str(tree / "cockpit"), quiet=1)
    with sqlite3.connect(db) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM reps), (SELECT count(*) FROM deals)").fetchone()
    conn.close()
    machine = f"{os.cpu_count()} cores, python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}"
    result: dict = {"args": vars(args), "reps": counts[0], "deals": counts[1], "load_start": os.getloadavg()}
    result["machine"] = f"{machine}, textual {version('textual')}, pyte {version('pyte')}"
    result["commits"] = {
        str(t): subprocess.check_output(["git", "-C", str(t), "rev-parse", "--short", "HEAD"], text=True).strip()
        for t in trees
    }
    result.update(dropped={}, order=[], load_rounds=[])
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="start_ab-") as tmp:
        runs = variants(names, args.python, args.baseline, db, Path(tmp))
        for variant in list(runs):  # the untimed first start; a variant that does not start is left out
            try:
                start(variant, args.timeout)
            except (TimeoutError, OSError) as exc:
                result["dropped"][variant.label] = " ".join(str(exc).split())[-400:]
                runs.remove(variant)
                print(f"{variant.label}: left out, it did not start", file=sys.stderr)
        caches = {v.label: Path(c) for v in runs if (c := v.env.get("COCKPIT_CACHE_DIR"))}
        result["cache_files"] = {
            label: sorted(str(p.relative_to(c)) for p in c.rglob("*")) for label, c in caches.items()
        }
        for number in range(args.rounds):
            order = rng.sample(runs, len(runs))
            before = os.getloadavg()[0]
            for variant in order:
                try:
                    variant.times.append(start(variant, args.timeout))
                except (TimeoutError, OSError):
                    variant.times.append(None)
            after = os.getloadavg()[0]
            result["order"].append([v.label for v in order])
            result["load_rounds"].append([round(before, 2), round(after, 2)])
            done = ", ".join(f"{v.label} {1000 * t:.0f}" for v in runs if (t := v.times[-1]) is not None)
            print(f"round {number + 1}/{args.rounds} load {before:.2f}->{after:.2f}: {done}", file=sys.stderr)
    result["load_end"] = os.getloadavg()
    result["variants"] = rows = table(runs, args.reference, args.base)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"{'variant':<22}{'median':>8}{'p90':>8}{'min':>8}{'ratio':>7}   minus {args.base}: median (p10..p90)")
    for label, row in rows.items():
        diff = row.get("minus_" + args.base)
        gap = f"{diff['median']:+.0f} ({diff['p10']:+.0f}..{diff['p90']:+.0f})" if diff else ""
        if "median" in row:
            ratio = row.get("ratio_to_" + args.reference, float("nan"))
            print(f"{label:<22}{row['median']:>8.0f}{row['p90']:>8.0f}{row['min']:>8.0f}{ratio:>7.2f}   {gap}")
    print(f"load {result['load_start'][0]:.2f} -> {result['load_end'][0]:.2f}; JSON: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Keypress to numbers through the real UI: ``python -m bench.keys --sizes S,L --rounds 15``.

Issue 24 asks for what a rep feels, not what the store does in-process. For each size one cockpit runs in a real
120x40 pty (``bench/ptyrun.py``: every byte counted and fed to a pyte screen) as a rep of the database (``--as``),
on a copy of ``bench/out/SIZE.db``, with the bench's frozen clock. It opens on the rep's My day, whose "My KPIs"
pane shows the rep's Calls for the month: every kind of write below adds one call for that rep, so that cell must go
from N to N+1, and the time is taken when the bytes that draw N+1 have been read.

Kinds of write, each timed from the keypress (or the commit) that makes it:

- ``quick``: ``:`` then ``call "ACCOUNT" connected 5m "NOTE"`` typed; once the preview says it will write ("→ ..."),
  Enter. Timed from Enter until the prompt is gone (``close``) and until the new Calls value is drawn (``numbers``).
- ``quick_deal``: the same on one of the rep's open deals, ``call #ID connected 5m "NOTE"`` (the deal's pipeline
  row, its idle days and the deal rollups change too).
- ``quick_typed``: ``quick``'s line typed a key at a time at a fast typist's pace (12 keys a second), each key timed
  until the line drawn shows it (``echo_ms``: the prompt parses the line against the account names at every key,
  which a line sent at once skips); then Enter, timed as ``quick``.
- ``form``: ``c`` opens the call form; the account typed (until the form has its catalog of names); ctrl+s.
  Timed from ctrl+s. Not in the default kinds (a save took 7-30 s at L when they were chosen; 150-170 ms p50 on
  2026-12-07).
- ``colleague``: another user's Store in this process commits a call for the rep (what ``cockpit log call`` does,
  without its process start); timed from the commit's return until the new value is drawn. The app learns of it by
  polling ``PRAGMA data_version`` every 0.2 s (0.5 s before 8c769f5), so up to 0.2 s of the time is the poll.

Bytes: everything the app writes from the key (or commit) until it has been quiet for ``--quiet`` seconds (longer
than the poll, so a second refresh would be counted too). The toast of the app's own writes ("Call logged") is
removed by Textual after 5 s; the bytes of that removal are counted apart (``toast_gone_bytes``).

Rounds: each round visits the sizes in a shuffled order and, in each, the kinds in a shuffled order, so that what the
load of this shared 2-core machine does falls on all alike; the 1-minute load average is kept before and after each
round. ``--inprocess`` adds the in-process figure of ``bench.run`` ("log a call -> panes": ``store.log_activity`` +
``refresh_data()`` under ``run_test``) as a second line per size.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import re
import select
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pendulum

from bench.ptyrun import PtyApp
from cockpit.core.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
NOW, TZ = "2026-11-27T15:00:00", "UTC"
KINDS = (
    "quick",
    "quick_deal",
    "quick_typed",
    "form",
    "colleague",
    "colleague_cli",
    "colleague_move",
    "colleague_win",
    "colleague_void",
)
DEFAULT_KINDS = ("quick", "quick_deal", "colleague")  # "form" at L: see PERFORMANCE.md (seconds on the UI thread)
# The rep's own Calls row of "My KPIs" (not "Calls/opp"): "│ Calls   87   87   ▼4".
CALLS_ROW = re.compile(r"│ Calls\s+([\d,]+)\s")


@dataclass
class Target:
    """Who the cockpit runs as at one size, and what the writes name."""

    size: str
    db: Path
    rep_id: int
    rep: str
    account: str
    deal_id: int
    samples: dict[str, list[dict]] = field(default_factory=dict)


def pick(size: str, db: Path) -> Target:
    """The active rep with the most open deals (so My day shows a full pipeline), an account whose name short of its
    last letter is in no other account's name (the quick line and the form's field match it alone), and one of the
    rep's open deals."""
    conn = sqlite3.connect(db)
    try:
        rep_id, rep = conn.execute(
            "SELECT r.id, r.name FROM reps r JOIN deals d ON d.rep_id = r.id AND d.stage NOT IN ('won', 'lost')"
            " AND d.voided_at IS NULL WHERE r.active GROUP BY r.id ORDER BY count(*) DESC, r.id LIMIT 1"
        ).fetchone()
        names = [n for (n,) in conn.execute("SELECT name FROM accounts ORDER BY id")]
        folded = [n.casefold() for n in names]
        # The first that qualifies (checking every name is quadratic: minutes at L).
        alone = (n for n in names if n.isascii() and '"' not in n and sum(n[:-1].casefold() in f for f in folded) == 1)
        account = next(alone)
        (deal_id,) = conn.execute(
            "SELECT id FROM deals WHERE rep_id = ? AND stage NOT IN ('won', 'lost') AND voided_at IS NULL"
            " ORDER BY id LIMIT 1",
            (rep_id,),
        ).fetchone()
    finally:
        conn.close()
    return Target(size, db, rep_id, rep, account, deal_id)


def calls(screen: str) -> int | None:
    found = CALLS_ROW.search(screen)
    return int(found.group(1).replace(",", "")) if found else None


def since(app: PtyApp, start: float, predicate: Callable[[str], bool], timeout: float, gap: float = 0.004) -> float:
    """Milliseconds from ``start`` (perf_counter) until the screen matches at the end of a burst of output."""
    return until(app, start, {"it": predicate}, timeout, gap)["it"]


def until(
    app: PtyApp, start: float, predicates: dict[str, Callable[[str], bool]], timeout: float, gap: float = 0.004
) -> dict[str, float]:
    """Milliseconds from ``start`` (perf_counter) until each predicate first holds at the end of a burst of output.

    Textual writes a frame in one write, but a frame larger than the pty's buffer reaches the reader in pieces, and
    pyte shows a half-drawn frame in between (Textual's synchronized-output markers are off: pyte does not answer
    their query). So the screen is judged only once the program has written nothing for ``gap`` seconds, and the
    time is that of the last byte before the pause. Several predicates are judged on the same bursts, so that the
    order in which they come true does not matter (the prompt may close before or after the numbers are drawn).
    """
    deadline = time.perf_counter() + timeout
    last = start
    times: dict[str, float] = {}
    while time.perf_counter() < deadline:
        batch = []
        while time.perf_counter() < deadline and select.select([app.fd], [], [], gap)[0]:
            try:
                data = os.read(app.fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            last = time.perf_counter()
            batch.append(data)
        if batch:
            chunk = b"".join(batch)
            app.total_bytes += len(chunk)
            app.stream.feed(chunk)
        screen = app.text()
        for name, predicate in predicates.items():
            if name not in times and predicate(screen):
                times[name] = round((last - start) * 1000, 1)
        if len(times) == len(predicates):
            return times
        if not batch:
            select.select([app.fd], [], [], max(0.0, deadline - time.perf_counter()))
    raise TimeoutError(f"screen never matched ({sorted(set(predicates) - set(times))}); last screen:\n{app.text()}")


#: A fast typist's pace: 12 keys a second (~145 words a minute).
KEY_GAP = 1 / 12


def prompt_shows(screen: str, typed: str) -> bool:
    """Whether the prompt's row (drawn "▊  call ...") begins with ``typed``."""
    return any(row.startswith("▊") and row[1:].lstrip().startswith(typed) for row in screen.splitlines())


def type_keys(app: PtyApp, line: str) -> list[float]:
    """Type ``line`` into the open prompt a key at a time, at a fast typist's pace; for each key but a space, the
    milliseconds until the prompt's row shows it. A space is not timed: the row's padding already reads as one. The
    prompt re-parses the line against its names at every key."""
    echoes = []
    for i, char in enumerate(line):
        typed = line[: i + 1]
        start = time.perf_counter()
        app.send(char.encode())
        if char != " ":
            echoes.append(since(app, start, lambda s, typed=typed: prompt_shows(s, typed), timeout=10))
        time.sleep(max(0.0, KEY_GAP - (time.perf_counter() - start)))
    return echoes


def one_write(app: PtyApp, target: Target, kind: str, number: int, quiet: float) -> dict:
    """Make one write of ``kind`` and time it; the screen is settled before and after."""
    before = calls(app.text())
    if before is None:
        raise RuntimeError(f"no Calls row on screen:\n{app.text()}")
    note = f"bench {target.size} {kind} {number}"
    result: dict = {"kind": kind, "calls_before": before}
    if kind in ("quick", "quick_deal", "quick_typed"):
        about = f"#{target.deal_id}" if kind == "quick_deal" else f'"{target.account}"'
        line = f'call {about} connected 5m "{note}"'
        app.send(b":")
        app.wait_for(lambda s: "Type an action" in s, timeout=30)
        if kind == "quick_typed":
            result["echo_ms"] = type_keys(app, line)
        else:
            app.send(line.encode())
        # Enter only once the prompt has parsed the whole line against its catalog: the preview says what it writes.
        app.wait_for(lambda s: note in s and any(r.lstrip().startswith("→ ") for r in s.splitlines()), timeout=30)
        app.settle(0.2)
        gone = f'5m "{note}"'
        key = b"\r"
    elif kind == "form":
        app.send(b"c")
        app.wait_for(lambda s: "Log a call" in s, timeout=30)
        app.settle(0.2)
        # Typed short of its last letter, the field shows "→ Exact Name" once the form's catalog of names has loaded.
        # Saved earlier, the form loads the catalog on the UI thread (2.5 s at L: every deal), which a person typing
        # the rest of the form would not wait for; so, as a person still typing, a letter is typed and erased again
        # until the hint shows, and only then ctrl+s.
        typed = target.account[:-1]
        app.send(typed[:-1].encode())
        hint = f"→ {target.account}"
        opened = time.perf_counter()
        for tries in range(1, 21):
            app.send(typed[-1].encode())
            try:
                since(app, time.perf_counter(), lambda s: hint in s, timeout=0.5)
                result["hint_after_ms"] = round((time.perf_counter() - opened) * 1000)
                result["hint_tries"] = tries
                break
            except TimeoutError:
                app.send(b"\x7f")  # backspace
        app.settle(0.3)
        gone = "Log a call"
        key = b"\x13"  # ctrl+s
    mark = app.total_bytes
    start = time.perf_counter()
    screen_before = app.text()
    drawn = {"numbers": lambda s: calls(s) == before + 1}  # every kind but these three adds one call
    if kind == "colleague_void":
        drawn = {"numbers": lambda s: calls(s) == before - 1}
    elif kind in ("colleague_move", "colleague_win"):
        drawn = {"numbers": lambda s: s != screen_before}
    if kind in ("colleague_move", "colleague_win", "colleague_void"):
        start = colleague_change(target, kind)
    elif kind == "colleague":
        other = Store(target.db, user="bench-colleague")
        try:
            other.log_activity(kind="call", rep_id=target.rep_id, note=note, at=int(pendulum.parse(NOW).timestamp()))
        finally:
            other.close()
        start = time.perf_counter()  # the commit has returned: from here the app may see it
    elif kind == "colleague_cli":
        argv = [sys.executable, "-m", "cockpit", "log", "call", "--db", str(target.db), "--rep", target.rep]
        argv += ["--account", target.account, "--outcome", "connected", "--note", note]
        env = {**os.environ, "COCKPIT_NOW": NOW, "COCKPIT_TZ": TZ, "COCKPIT_CONFIG": "/nonexistent/none.toml"}
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"cockpit log call failed: {done.stderr.strip()}")
        result["cli_ms"] = round((time.perf_counter() - start) * 1000, 1)
        start = time.perf_counter()  # the process has exited: its commit is done
    if not kind.startswith("colleague"):
        app.send(key)
        drawn["close"] = lambda s: gone not in s
    try:
        for name, ms in until(app, start, drawn, timeout=30 if kind != "colleague_move" else 3).items():
            result[f"{name}_ms"] = ms
    except TimeoutError:
        if kind != "colleague_move":
            raise
        result["numbers_ms"] = None  # the moved deal is below the fold and no number shown depends on its stage
    app.settle(quiet, timeout=15)
    result["bytes"] = app.total_bytes - mark
    # The app's own writes show a toast ("Call logged (#id)") that Textual removes after 5 s; its removal repaints
    # what it covered, counted apart (and waited for, so it does not fall into the next write's count).
    if "logged (#" in app.text():
        mark = app.total_bytes
        since(app, time.perf_counter(), lambda s: "logged (#" not in s, timeout=30)
        app.settle(quiet, timeout=15)
        result["toast_gone_bytes"] = app.total_bytes - mark
    return result


def colleague_change(target: Target, kind: str) -> float:
    """Another user's move, win or void for the target rep; returns perf_counter once the commit has returned."""
    other = Store(target.db, user="bench-colleague")
    try:
        at = int(pendulum.parse(NOW).timestamp())
        if kind == "colleague_void":
            (call_id,) = other.query(
                "SELECT id FROM activities WHERE rep_id = ? AND kind = 'call' AND voided_at IS NULL"
                " ORDER BY at DESC, id DESC LIMIT 1",
                (target.rep_id,),
            )[0]
            other.void("activities", call_id, reason="bench")
        else:
            deal_id, stage = other.query(
                "SELECT id, stage FROM deals WHERE rep_id = ? AND stage NOT IN ('won', 'lost') AND voided_at IS NULL"
                " ORDER BY id LIMIT 1",
                (target.rep_id,),
            )[0]
            to = "won" if kind == "colleague_win" else ("qualified" if stage == "proposal" else "proposal")
            other.move_deal(deal_id, to, at=at)
    finally:
        other.close()
    return time.perf_counter()


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]  # nearest rank, as bench.run
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "max": ordered[-1], "n": len(ordered)}


def start_app(target: Target, cache: Path, root: Path = ROOT) -> PtyApp:
    """The cockpit of the checkout at ``root`` (this one by default) on ``target``'s database, on My day."""
    env: dict[str, str | None] = {
        "COCKPIT_NOW": NOW,
        "COCKPIT_TZ": TZ,
        "COCKPIT_CONFIG": str(cache / "none.toml"),  # does not exist: no user config
        "COCKPIT_CACHE_DIR": str(cache),
    }
    argv = [sys.executable, "-m", "cockpit", "--db", str(target.db), "--as", target.rep]
    here = Path.cwd()
    os.chdir(root)  # python -m cockpit imports the package of the working directory first
    try:
        app = PtyApp(argv, env=env)
    finally:
        os.chdir(here)
    app.wait_for(lambda s: calls(s) is not None and "My open deals" in s, timeout=180)
    app.settle(1.0, timeout=30)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.keys", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,L", help="comma list of bench/out/SIZE.db (default S,L)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--kinds", default=",".join(DEFAULT_KINDS), help=f"comma list of {', '.join(KINDS)}")
    parser.add_argument("--quiet", type=float, default=0.8, help="seconds of silence that end a write's bytes")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--inprocess", action="store_true", help="also run bench.run's in-process log -> panes")
    parser.add_argument("--output", type=Path, default=OUT / "keys.json")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also run the cockpit of another checkout (e.g. a git worktree of the commit before), interleaved with"
        " this one in every round; repeatable",
    )
    args = parser.parse_args(argv)
    variants = {"": ROOT} | {v.split("=", 1)[0]: Path(v.split("=", 1)[1]).resolve() for v in args.variant}
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if unknown := [k for k in kinds if k not in KINDS]:
        parser.error(f"unknown kind {unknown[0]!r} (kinds: {', '.join(KINDS)})")
    for root in variants.values():
        compileall.compile_dir(str(root / "cockpit"), quiet=1)  # as installed (see bench.run)
    result: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "load_start": os.getloadavg()}
    result.update(cores=os.cpu_count(), python=sys.version.split()[0], sqlite=sqlite3.sqlite_version)
    result.update(rounds=[], sizes={})
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as tmp:
        targets, apps = {}, {}
        # A slot is a size run by one variant: "L" for this checkout, "L/before" for a --variant named "before".
        slots = [f"{size}/{name}" if name else size for size in sizes for name in variants]
        for slot in slots:  # never write the bench's databases: each slot runs on a copy
            size, _, name = slot.partition("/")
            work = Path(tmp) / f"{slot.replace('/', '-')}.db"
            # A variant at an older schema cannot write this checkout's database: it brings its own when it has one.
            own = variants[name] / "bench" / "out" / f"{size}.db"
            shutil.copy(own if name and own.exists() else OUT / f"{size}.db", work)
            # The colleague's writes go through this checkout's Store, which would upgrade an older database under
            # the variant's running cockpit (that cockpit then counts every KPI again at each refresh).
            conn = sqlite3.connect(work)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.close()
            if version < SCHEMA_VERSION and any(kind.startswith("colleague") for kind in kinds):
                parser.error(f"{slot}'s database is at schema {version}: run it with --kinds quick,quick_deal,form")
            (cache := Path(tmp) / f"cache-{slot.replace('/', '-')}").mkdir()
            targets[slot] = target = pick(size, work)
            target.samples = {k: [] for k in kinds}
            apps[slot] = start_app(target, cache, variants[name])
            print(f"{slot}: as {target.rep}, account {target.account!r}, deal #{target.deal_id}", file=sys.stderr)
        try:
            for number in range(args.rounds):
                before = os.getloadavg()[0]
                order = rng.sample(slots, len(slots))
                done = []
                for slot in order:
                    for kind in rng.sample(kinds, len(kinds)):
                        sample = one_write(apps[slot], targets[slot], kind, number, args.quiet)
                        targets[slot].samples[kind].append(sample)
                        done.append(f"{slot}/{kind} {sample['numbers_ms'] or 0:.0f}")
                after = os.getloadavg()[0]
                result["rounds"].append({"order": order, "load": [round(before, 2), round(after, 2)]})
                print(
                    f"round {number + 1}/{args.rounds} load {before:.2f}->{after:.2f}: {', '.join(done)}",
                    file=sys.stderr,
                )
        finally:
            for slot, app in apps.items():
                result["sizes"].setdefault(slot, {})["rss_mb"] = round(app.rss_peak_kb() / 1024, 1)
                app.quit()
                app.close()
        for slot, target in targets.items():
            row = result["sizes"][slot]
            row.update(rep=target.rep, account=target.account, deal_id=target.deal_id)
            for kind, samples in target.samples.items():
                row[kind] = {
                    "numbers_ms": summary([s["numbers_ms"] for s in samples if s["numbers_ms"] is not None]),
                    "close_ms": summary([s["close_ms"] for s in samples if "close_ms" in s]),
                    "bytes": summary([s["bytes"] for s in samples]),
                    "toast_gone_bytes": summary([s["toast_gone_bytes"] for s in samples if "toast_gone_bytes" in s]),
                    "echo_ms": summary([ms for s in samples for ms in s.get("echo_ms", ())]),
                    "samples": samples,
                }
    if args.inprocess:
        from bench import run

        os.environ["COCKPIT_CACHE_DIR"] = str(OUT / "cache")
        for size in sizes:
            result["sizes"][size]["inprocess"] = run.bench_log_to_panes(OUT / f"{size}.db", 20)
            result["sizes"][size]["inprocess"]["load"] = os.getloadavg()[0]
    result["load_end"] = os.getloadavg()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    head = f"{'numbers p50':>12}{'p95':>8}{'close p50':>10}{'p95':>8}{'bytes p50':>10}{'max':>8}"
    print(f"{'size':<12}{'kind':<12}{head}")
    for slot in slots:
        row = result["sizes"][slot]
        for kind in kinds:
            n, c, b = row[kind]["numbers_ms"], row[kind]["close_ms"], row[kind]["bytes"]
            close = f"{c['p50']:>10.0f}{c['p95']:>8.0f}" if c else f"{'':>18}"
            drawn = f"{n['p50']:>12.0f}{n['p95']:>8.0f}" if n else f"{'-':>12}{'-':>8}"
            echo = row[kind]["echo_ms"]
            keys = f"  a key drawn p50 {echo['p50']:.0f} p95 {echo['p95']:.0f} ms" if echo else ""
            print(f"{slot:<12}{kind:<12}{drawn}{close}{b['p50']:>10.0f}{b['max']:>8.0f}{keys}")
        if "inprocess" in row:
            ip = row["inprocess"]
            print(f"{slot:<12}{'in-process':<12}{ip['median_ms']:>12.0f}{ip['p95_ms']:>8.0f}")
    rss = ", ".join(f"{size} {row['rss_mb']} MB" for size, row in result["sizes"].items())
    print(f"load {result['load_start'][0]:.2f} -> {result['load_end'][0]:.2f}; peak RSS {rss}; JSON: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

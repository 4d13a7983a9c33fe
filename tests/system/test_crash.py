"""A writer killed with SIGKILL at random moments: the database stays sound, no action is half-written, and the
KPI buckets stored in the database (the writer's dashboards store them; its writes' triggers delete them) always equal a
recount."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from tests.support.kpi_buckets import recount

ROUNDS = 50
MARCH_15 = 1773576000
MARCH = parse_period("2026-03", tz="UTC")
# Deals created in January, February or March: their moves reach back, so the dashboards after them count (and store)
# several buckets, and kills land in those saves too.
CREATED = (MARCH_15 - 59 * 86_400, MARCH_15 - 28 * 86_400, MARCH_15)
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")


def crash_writer(path: str, acks: str, seed: int) -> None:
    """Write deals, stage moves and calls without end; after each commit, append what was acknowledged."""
    rng = random.Random(seed)
    fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    store = Store(path, user="crash")
    rep = 1
    while True:
        deal = store.add_deal(
            rep_id=rep, title=f"deal {seed}", amount=rng.randrange(1, 10**6), account=f"acct {rng.randrange(50)}",
            stage=rng.choice(OPEN_STAGES[:2]), created_at=rng.choice(CREATED),
        )  # fmt: skip
        os.write(fd, f"deal {deal}\n".encode())
        for _ in range(rng.randrange(1, 3)):
            target = rng.choice(["won", "lost", *OPEN_STAGES[2:]])
            if store.deal(deal).stage == target or store.deal(deal).stage in ("won", "lost"):
                break
            store.move_deal(deal, target, at=MARCH_15 + 60, reason="price" if target == "lost" else None)
            os.write(fd, f"move {deal} {target}\n".encode())
        call = store.log_activity(kind="call", rep_id=rep, deal_id=deal, at=MARCH_15 + 120, note="x" * 300)
        os.write(fd, f"call {call}\n".encode())
        if rng.random() < 0.3:
            dashboard(store, MARCH, trend=3)  # computes and stores the buckets the writes since deleted


def acknowledged(acks: Path) -> list[list[str]]:
    # A line cut short by the kill was never acknowledged as a whole: only complete lines count.
    text = acks.read_text() if acks.exists() else ""
    return [line.split() for line in text.split("\n")[:-1]]


def verify(path: Path, acks: Path) -> tuple[int, int]:
    """(acknowledged writes, stored KPI buckets), once every check passed."""
    # A fresh connection replays the WAL, as the next cockpit to open it would.
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        deals = {r[0]: r[1] for r in conn.execute("SELECT id, stage FROM deals")}
        history = conn.execute("SELECT id, deal_id, to_stage FROM stage_history ORDER BY id").fetchall()
        calls = {r[0] for r in conn.execute("SELECT id FROM activities")}
        audited = {(r[0], r[1]): r[2] for r in conn.execute("SELECT table_name, row_id, action FROM audit_log")}
        moves = dict(
            conn.execute(
                "SELECT row_id, count(*) FROM audit_log WHERE table_name = 'deals' AND action LIKE 'move deal%'"
                " GROUP BY row_id"
            ).fetchall()
        )
        by_deal: dict[int, list[str]] = {}
        for _, deal_id, to_stage in history:
            by_deal.setdefault(deal_id, []).append(to_stage)
        # Every acknowledged write is there.
        lines = acknowledged(acks)
        for line in lines:
            if line[0] == "deal":
                assert int(line[1]) in deals, line
            elif line[0] == "move":
                assert line[2] in by_deal.get(int(line[1]), []), line
            else:
                assert int(line[1]) in calls, line
        # No action is half-written: each deal with its first history row and both audit rows, each move with its
        # history row and audit rows, each call with its audit row; and no audit row without its row.
        for deal_id, stage in deals.items():
            rows = by_deal.get(deal_id, [])
            assert ("deals", deal_id) in audited
            assert len(rows) == 1 + moves.get(deal_id, 0)
            assert rows[-1] == stage
        for history_id, deal_id, _ in history:
            assert ("stage_history", history_id) in audited and deal_id in deals
        for call in calls:
            assert ("activities", call) in audited
        for (table, row_id), _action in audited.items():
            if table == "deals":
                assert row_id in deals
            elif table == "activities":
                assert row_id in calls
        # The stored KPI buckets: each equal to a recount, whatever the kill interrupted (a write, a save).
        buckets = recount(path)
        assert buckets.triggers_intact and buckets.wrong == []
        return len(lines), buckets.stored
    finally:
        conn.close()


def test_sigkill_at_random_moments_never_half_writes(tmp_path: Path) -> None:
    path, acks = tmp_path / "team.db", tmp_path / "acks.txt"
    with Store(path, create=True, now=lambda: MARCH_15) as store:
        store.add_rep("Ann")
    # fork: a child starts in milliseconds, so 50 kills fit in a few seconds; the parent holds no connection.
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(20261120)
    counts, stored = [], []
    for round_ in range(ROUNDS):
        child = ctx.Process(target=crash_writer, args=(str(path), str(acks), round_))
        child.start()
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL  # killed mid-work, never finished or crashed on its own
        written, buckets = verify(path, acks)
        counts.append(written)
        stored.append(buckets)
    assert counts[-1] > 200, "the writer hardly wrote anything before being killed"
    assert sum(1 for n in stored if n) >= ROUNDS // 4, "buckets were hardly ever stored: nothing was checked"
    assert sum(1 for a, b in zip([0, *counts], counts, strict=False) if b > a) >= ROUNDS // 2

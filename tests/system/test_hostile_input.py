"""Broken and hostile input: each gives a clear one-line message and leaves the database exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cockpit.core.errors import BusyError, ReadOnlyError, StoreError, ValidationError
from cockpit.core.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent.parent
MARCH_15 = 1773576000  # 2026-03-15 12:00 UTC: inside the 2026-03 period the reports below ask for
HOSTILE = ["[bold]x", "[@click=app.quit]", "\x1b]52;c;SGVsbG8=\x07clip", "\x1b[2Jwipe"]


def cli(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """Run the real ``cockpit`` command in a clean environment (no config, state and data under ``tmp``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        COCKPIT_CONFIG=str(tmp / "no-config.toml"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_DATA_HOME=str(tmp / "data"),
        COCKPIT_NOW="2026-03-20T12:00:00",
        COCKPIT_TZ="UTC",
    )
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, env=env, timeout=60, cwd=tmp
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def content(path: Path) -> str:
    """A hash of every row (through a read-only connection), to show nothing was written."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    with Store(path, create=True, now=lambda: MARCH_15) as store:
        rep = store.add_rep("Ann", team="North")
        store.add_deal(rep_id=rep, title="Boat", amount=100_00, account="Acme", created_at=MARCH_15)
        store.log_activity(kind="call", rep_id=rep, at=MARCH_15)
    return path


# ---------------------------------------------------------------------------------------------- broken files


def test_missing_file_offers_init(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    line = assert_one_line_error(cli("report", "--db", str(missing), tmp=tmp_path), "cockpit init", str(missing))
    assert line.startswith("cockpit: error: no database at")
    assert not missing.exists()


def test_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("name,amount\nAnn,100\n" * 50)
    before = file_bytes(path)
    assert_one_line_error(cli("report", "--db", str(path), tmp=tmp_path), "is not a SQLite database")
    assert file_bytes(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("notes")) == ["notes.db"]


def test_valid_header_with_garbage_pages(tmp_path: Path, db: Path) -> None:
    # Keep SQLite's 100-byte header, fill every page after it with random bytes.
    data = db.read_bytes()
    garbage = data[:100] + random.Random(5).randbytes(len(data) - 100)
    db.write_bytes(garbage)
    assert_one_line_error(cli("report", "--db", str(db), tmp=tmp_path), str(db))
    assert file_bytes(db) == garbage
    with pytest.raises(StoreError, match="is damaged|not a SQLite database, or it is damaged"):
        Store(db)
    assert file_bytes(db) == garbage


def test_damaged_table_page_is_a_one_line_error_on_read(db: Path) -> None:
    with Store(db) as store:
        rep = store.rep_by_name("Ann").id
        for i in range(200):  # enough rows that the activities table has pages of its own
            store.log_activity(kind="email", rep_id=rep, at=MARCH_15 + i, note=f"note {i} " * 20)
        root = store.query("SELECT rootpage FROM sqlite_master WHERE name = 'activities'")[0][0]
        page_size = store.query("PRAGMA page_size")[0][0]
    data = bytearray(db.read_bytes())
    data[(root - 1) * page_size : root * page_size] = random.Random(9).randbytes(page_size)
    db.write_bytes(bytes(data))
    before = file_bytes(db)
    with (
        Store(db, readonly=True) as store,
        pytest.raises(StoreError, match="is damaged .*cockpit check"),
        store.read() as conn,
    ):
        conn.execute("SELECT count(*), sum(length(note)) FROM activities").fetchall()
    assert file_bytes(db) == before


def test_database_from_a_newer_cockpit_opens_read_only(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = content(db)
    with Store(db) as store:
        assert store.readonly
        assert f"newer cockpit (schema 99 > {SCHEMA_VERSION})" in (store.readonly_reason or "")
        assert [r.name for r in store.reps()] == ["Ann"]  # still readable
        with pytest.raises(ReadOnlyError, match="newer cockpit"):
            store.log_activity(kind="call", rep_id=1, at=MARCH_15)
    assert content(db) == before


# ------------------------------------------------------------------------------------- read-only, as another user


# As root every file is writable whatever its mode, so there the immutable attribute (chattr +i) stands in for
# a missing write permission; for anyone else, chmod does it.
@contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a file read-only for us")
        for path in paths:
            if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
                pytest.skip("running as root on a filesystem without chattr +i")
        try:
            yield
        finally:
            for path in paths:
                subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


def try_to_write(path: Path) -> dict:
    out: dict = {}
    with Store(path) as store:
        out["readonly"] = store.readonly
        out["reason"] = store.readonly_reason
        out["reps"] = [r.name for r in store.reps()]
        with pytest.raises(ReadOnlyError) as caught:
            store.log_activity(kind="call", rep_id=1, at=MARCH_15)
        out["error"] = str(caught.value)
    return out


def test_read_only_file_opens_read_only_and_refuses_writes(db: Path) -> None:
    before = file_bytes(db)
    with unwritable(db):
        out = try_to_write(db)
    assert out["readonly"] is True
    assert out["reason"] == f"{db} is read-only for you"
    assert out["reps"] == ["Ann"]
    assert out["error"] == f"cannot write: {db} is read-only for you"
    assert file_bytes(db) == before


def test_read_only_folder_opens_read_only_and_refuses_writes(db: Path) -> None:
    before = file_bytes(db)
    with unwritable(db.parent):
        out = try_to_write(db)
        # No -wal/-shm could be created beside it: SQLite reads the file as immutable, and the banner says so.
        assert sorted(p.name for p in db.parent.iterdir()) == ["team.db"]
    assert out["readonly"] is True
    assert out["reason"] == f"folder {db.parent} is not writable for you; others' changes show after a restart"
    assert out["reps"] == ["Ann"]
    assert out["error"] == f"cannot write: {out['reason']}"
    assert file_bytes(db) == before


def test_side_files_we_cannot_write_open_read_only(db: Path) -> None:
    # Another member's SQLite left -wal/-shm we cannot write (no setgid folder, umask 022): writing would fail.
    keeper = Store(db)  # keeps the -wal and -shm files in place, as another user's open cockpit would
    wal, shm = db.with_name("team.db-wal"), db.with_name("team.db-shm")
    try:
        with unwritable(wal, shm):
            out = try_to_write(db)
    finally:
        keeper.close()
    assert out["readonly"] is True
    assert out["reason"] == f"{wal} is not writable for you (run: cockpit check {db})"
    assert out["error"] == f"cannot write: {out['reason']}"


# ---------------------------------------------------------------------------------------------- write failures


def test_locked_past_the_retries_is_busy_and_writes_nothing(db: Path) -> None:
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
    try:
        with Store(db) as store:
            store.conn.execute("PRAGMA busy_timeout = 50")  # 5 s a try would make this test take 20 s
            before = content(db)
            started = time.monotonic()
            with pytest.raises(BusyError, match="stayed locked by other writers; nothing was written"):
                store.log_activity(kind="call", rep_id=1, at=MARCH_15, note="typed in the form")
            # Four tries with jittered pauses of 0.05-0.25 s x 1, 2, 3 in between: at least 0.3 s.
            assert time.monotonic() - started >= 0.3
            assert not store.conn.in_transaction
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert content(db) == before


def test_full_disk_is_one_line_and_nothing_half_written(db: Path) -> None:
    with Store(db, now=lambda: MARCH_15) as store:
        pages = store.query("PRAGMA page_count")[0][0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills after two more pages
        for i in range(200):  # each deal writes an account, a deal, its history and four audit rows
            before = content(db)
            try:
                store.add_deal(rep_id=1, title=f"Deal {i} " + "t" * 400, amount=5, account=f"Account {i} " + "a" * 150)
            except StoreError as exc:
                assert str(exc) == f"cannot write to {db}: the disk is full; nothing was written"
                break
        else:
            pytest.fail("the disk never filled up")
        assert content(db) == before  # the failed action left no account, deal, history or audit row
        assert not store.conn.in_transaction
        store.conn.execute(f"PRAGMA max_page_count = {pages * 100}")  # space freed: the same write succeeds
        store.add_deal(rep_id=1, title="After", amount=5, account="After account")
        assert store.deals(limit=1000)[-1].title == "After"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s: s.add_deal(rep_id=1, title="Neg", amount=-1), "amount must not be negative"),
        (lambda s: s.add_deal(rep_id=1, title="Huge", amount=10**20), "absurdly large"),
        (lambda s: s.add_deal(rep_id=1, title="Float", amount=1.5), "whole number of minor units"),
        (lambda s: s.add_deal(rep_id=1, title="Old", amount=1, created_at=-86_400), "between 1970 and 2100"),
        (lambda s: s.add_deal(rep_id=1, title="Far", amount=1, created_at=4_200_000_000), "between 1970 and 2100"),
        (lambda s: s.log_activity(kind="call", rep_id=1, at=-1), "between 1970 and 2100"),
        (lambda s: s.add_deal(rep_id=1, title="   ", amount=1), "title must not be empty"),
        (lambda s: s.add_rep(""), "rep name must not be empty"),
        (lambda s: s.add_account(" \t"), "account name must not be empty"),
        (lambda s: s.set_cost(month="2026-03", category="sales", amount=-5), "must not be negative"),
        (lambda s: s.log_activity(kind="call", rep_id=1, at=MARCH_15, duration_s=10**9), "between 0 and 24 hours"),
    ],
    ids=["negative", "astronomical", "fraction", "before-1970", "after-2100", "activity-1969", "empty-title",
         "empty-rep", "empty-account", "negative-cost", "absurd-duration"],
)  # fmt: skip
def test_absurd_values_are_refused_with_the_reason(db: Path, action, message: str) -> None:
    before = content(db)
    with Store(db, now=lambda: MARCH_15) as store, pytest.raises(ValidationError, match=message):
        action(store)
    assert content(db) == before


def test_very_long_text_is_stored_whole(db: Path) -> None:
    note = "".join(random.Random(3).choice("abc 한글 ✓\n") for _ in range(100_000))
    with Store(db, now=lambda: MARCH_15) as store:
        activity = store.log_activity(kind="note", rep_id=1, at=MARCH_15, note=note)
        assert store.activity(activity).note == note.strip()
        before = content(db)
        with pytest.raises(ValidationError, match="note is longer than 100000 characters"):
            store.log_activity(kind="note", rep_id=1, at=MARCH_15, note="x" * 100_001)
    assert content(db) == before


# --------------------------------------------------------------------------------------------- hostile text


def test_markup_and_escapes_are_stored_verbatim_and_inert_in_every_report_format(tmp_path: Path) -> None:
    path = tmp_path / "hostile.db"
    with Store(path, create=True, now=lambda: MARCH_15) as store:
        for i, name in enumerate(HOSTILE):
            rep = store.add_rep(name, team=HOSTILE[(i + 1) % 4])
            deal = store.add_deal(rep_id=rep, title=name, amount=100, account=f"{name} account", created_at=MARCH_15)
            store.log_activity(kind="call", rep_id=rep, deal_id=deal, at=MARCH_15, note=name)
        # Stored exactly as typed, escape bytes and all.
        assert sorted(r.name for r in store.reps()) == sorted(HOSTILE)
        assert sorted(d.title for d in store.deals()) == sorted(HOSTILE)
        assert sorted(a.note for a in store.activities()) == sorted(HOSTILE)
    for fmt in ("table", "markdown", "csv", "json"):
        result = cli("report", "--db", str(path), "--period", "2026-03", "--format", fmt, tmp=tmp_path)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "\x1b" not in out and "\x07" not in out, fmt  # no escape can reach the terminal
        assert "\x9b" not in out and "\x9d" not in out, fmt
        if fmt == "markdown":  # shown as typed: Markdown's brackets escaped, so not read as a link
            assert r"\[bold\]x" in out and r"\[@click=app.quit\]" in out, fmt
            assert "clip" in out and "wipe" in out, fmt
        elif fmt != "json":
            assert "[bold]x" in out and "[@click=app.quit]" in out, fmt  # shown literally
            assert "clip" in out and "wipe" in out, fmt  # what follows the escape survives
        else:  # JSON carries the names exactly, with the control characters \u-escaped
            names = {row["rep"] for row in json.loads(out)["reps"]}
            assert set(HOSTILE) <= names

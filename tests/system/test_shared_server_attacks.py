"""The attacks of issue 20 on a shared server, each kept as a test: a group member plants symlinks, FIFOs and
forged files, sets $LOGNAME, fills the disk, kills a first start.

Where the test runs as root (as here and in CI) it makes throwaway users and a group, and runs the member's side
as that user; otherwise those tests are skipped. A FIFO hung the old code forever, so what might block runs in a
child process with a time limit.
"""

from __future__ import annotations

import contextlib
import grp
import io
import json
import os
import pwd
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.cli.common import ensure_demo_database
from cockpit.core.config import Settings
from cockpit.core.errors import ReadOnlyError, StoreError
from cockpit.core.forecast import forecasts
from cockpit.core.forecast_cache import cache_file as forecast_cache_file
from cockpit.core.forecast_cache import forecast_cache_for
from cockpit.core.periods import parse_period
from cockpit.core.shared import check_database, init_database
from cockpit.core.store import Store
from tests.support import ROOT

GROUP, MEMBER, MANAGER = "ckt20team", "ckt20ann", "ckt20mia"
VICTIM_TEXT = "export PATH=/usr/bin  # root's shell start-up\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def team() -> Iterator[dict[str, int]]:
    """A throwaway group with two members: {"gid", MEMBER uid, MANAGER uid}. Skipped unless root with useradd."""
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("groupadd") is None:
        pytest.skip("needs root and useradd/groupadd to make throwaway users")
    made: list[tuple[str, str]] = []
    try:
        if subprocess.run(["groupadd", GROUP], capture_output=True).returncode not in (0, 9):
            pytest.skip("groupadd failed")
        made.append(("groupdel", GROUP))
        for user in (MEMBER, MANAGER):
            done = subprocess.run(["useradd", "-M", "-N", "-g", GROUP, "-s", "/bin/false", user], capture_output=True)
            if done.returncode not in (0, 9):
                pytest.skip(f"useradd failed: {done.stderr!r}")
            made.insert(0, ("userdel", user))
        yield {"gid": grp.getgrnam(GROUP).gr_gid, **{u: pwd.getpwnam(u).pw_uid for u in (MEMBER, MANAGER)}}
    finally:
        for command, name in made:
            subprocess.run([command, name], capture_output=True)


@pytest.fixture
def shared_folder(team: dict[str, int]) -> Iterator[Path]:
    """/tmp/x/sales: a 2770 folder of the team group, inside a folder everyone can traverse (pytest's tmp_path is
    root's alone)."""
    base = Path(tempfile.mkdtemp(prefix="ck20-"))
    base.chmod(0o755)
    folder = base / "sales"
    folder.mkdir()
    os.chown(folder, 0, team["gid"])
    folder.chmod(0o2770)
    try:
        yield folder
    finally:
        shutil.rmtree(base, ignore_errors=True)


def as_user(user: str, action: Callable[[], object], *, env: dict[str, str] | None = None) -> object:
    """Run ``action`` as ``user`` (real and effective uid, its group only) in a forked child; what it returned.

    Forked rather than a new interpreter: the virtualenv's Python may sit in root's home, which others cannot
    enter. The child drops root for good before running anything."""
    entry = pwd.getpwnam(user)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read_end)
            os.setgroups([entry.pw_gid])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            os.environ.update({"HOME": "/nonexistent", "COCKPIT_CACHE_DIR": "", **(env or {})})
            with contextlib.redirect_stdout(io.StringIO()):
                result = action()
            os.write(write_end, json.dumps({"result": result}).encode())
            code = 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(write_end, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    out = json.loads(data)
    assert "error" not in out, out["error"]
    return out["result"]


def in_child(code: str, timeout: float = 20) -> dict:
    """Run ``code`` in a fresh interpreter as ourselves, failing (not hanging) if it blocks."""
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"blocked for {timeout} s (a FIFO read forever?)")
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_team_db(folder: Path) -> Path:
    db = init_database(folder / "cockpit.db", group=GROUP)
    with Store(db, user="root") as store:
        store.add_rep("Ann", unix_login=MEMBER)
        store.add_rep("Mia", unix_login=MANAGER, role="manager")
        store.add_rep("Cy")  # a colleague with no login
        store.add_deal(rep_id=3, title="Cy's big one", amount=1_000_000, stage="proposal")
    return db


# ------------------------------------------------------------------------ 1. init never follows a plant


@pytest.mark.parametrize("planted", ["", "-wal", "-shm", "-journal"])
def test_init_refuses_a_symlink_a_member_planted(shared_folder: Path, tmp_path: Path, planted: str) -> None:
    victim = tmp_path / "root.bashrc"  # root's file, 0600
    victim.write_text(VICTIM_TEXT)
    victim.chmod(0o600)
    db = shared_folder / "cockpit.db"
    link = f"{db}{planted}"
    tmp_path.chmod(0o755)  # the member may name the victim's path, not read it
    as_user(MEMBER, lambda: os.symlink(victim, link))

    with pytest.raises(StoreError, match="is a symbolic link: remove it"):
        init_database(db, group=GROUP)

    assert mode(victim) == 0o600 and victim.stat().st_gid == 0  # not handed to the group
    assert victim.read_text() == VICTIM_TEXT
    assert sorted(p.name for p in shared_folder.iterdir()) == [Path(link).name]


def test_init_refuses_a_fifo_beside_the_database(tmp_path: Path) -> None:
    db = tmp_path / "team" / "cockpit.db"
    db.parent.mkdir()
    os.mkfifo(f"{db}-wal")
    with pytest.raises(StoreError, match="is a named pipe"):
        init_database(db)
    assert not db.exists()


# ------------------------------------------------------------------- 2. check lstats, never hands a target over


def test_check_reports_symlinks_and_suggests_no_command_on_them(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root only")
    secret.chmod(0o600)
    db = init_database(tmp_path / "team" / "cockpit.db")
    for suffix in ("-wal", "-shm"):
        os.symlink(secret, f"{db}{suffix}")
    report = check_database(db)
    assert report.problems == [
        f"{db}{suffix} is a symbolic link: remove it; do not chmod it (SQLite would write through it)"
        for suffix in ("-wal", "-shm")
    ]
    assert not any(str(secret) in problem for problem in report.problems)
    assert mode(secret) == 0o600 and secret.read_text() == "root only"  # nothing opened it read-write either

    link = tmp_path / "team" / "link.db"
    os.symlink(secret, link)
    assert check_database(link).problems == [
        f"{link} is a symbolic link: remove it; do not chmod it (check the real file's path)"
    ]


def test_check_flags_world_writable_files_and_folders(tmp_path: Path) -> None:
    db = init_database(tmp_path / "team" / "cockpit.db")
    db.chmod(0o666)
    db.parent.chmod(0o2777)
    problems = check_database(db).problems
    assert f"{db} is writable by everyone, not only its group (fix: chmod o-w {db})" in problems
    assert any(p.startswith(f"folder {db.parent} is writable by everyone") for p in problems)
    assert len(problems) == 2


def test_fifo_and_dev_null_are_refused_at_once_everywhere(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    side = tmp_path / "good.db"
    Store(side, create=True).close()
    os.mkfifo(f"{side}-shm")
    code = f"""
import json
from cockpit.cli import main
from cockpit.core.shared import check_database
from cockpit.core.store import Store
out = {{}}
for name, path in (("fifo", {str(fifo)!r}), ("null", "/dev/null"), ("side", {str(side)!r})):
    try:
        Store(path).close(); out[name] = "opened"
    except Exception as exc:
        out[name] = str(exc)
    out[name + " check"] = check_database(path).problems
    out[name + " report"] = main(["report", "--db", path])
    out[name + " log"] = main(["log", "call", "--db", path, "--rep", "Ann"])
print(json.dumps(out))
"""
    out = in_child(code)
    assert out["fifo"] == f"{fifo} is a named pipe (FIFO), not a regular file: a cockpit database is an ordinary file"
    assert out["null"] == "/dev/null is a device, not a regular file: a cockpit database is an ordinary file"
    assert out["side"].startswith(f"{side}-shm is not a regular file: remove it; do not chmod it")
    assert out["fifo check"] == [f"{out['fifo']}: remove it; do not chmod it"]
    assert out["side check"] == [f"{side}-shm is a named pipe (FIFO), not a regular file: a cockpit database is an "
                                 "ordinary file: remove it; do not chmod it"]  # fmt: skip
    assert [out[f"{n} {c}"] for n in ("fifo", "null", "side") for c in ("report", "log")] == [2] * 6


# ------------------------------------------------------------------ 3. identity from the uid, never $LOGNAME


def test_logname_of_a_manager_does_not_make_a_rep_one(shared_folder: Path) -> None:
    db = make_team_db(shared_folder)
    rc = as_user(MEMBER, lambda: main(["deal", "move", "1", "lost", "--reason", "x", "--db", str(db)]),
                 env={"LOGNAME": MANAGER, "USER": MANAGER})  # fmt: skip
    assert rc == 2  # Ann is a rep: Cy's deal is not hers to move
    with Store(db, readonly=True) as store:
        assert store.deal(1).stage == "proposal"
        assert {e.unix_user for e in store.audit(limit=50)} == {"root"}  # only the set-up above


def test_a_manager_acting_as_a_rep_is_audited_as_both(shared_folder: Path) -> None:
    db = make_team_db(shared_folder)
    rc = as_user(
        MANAGER, lambda: main(["deal", "move", "1", "won", "--as", "Cy", "--db", str(db)]), env={"LOGNAME": "root"}
    )
    assert rc == 0
    with Store(db, readonly=True) as store:
        assert store.deal(1).stage == "won"
        assert store.audit(limit=1)[0].unix_user == f"{MANAGER} as Cy"


# ---------------------------------------------------------------- 5. a forged forecast cache file is ignored
# (The KPI buckets live in the database itself, where every member's write keeps them true: tests/unit/
# test_kpi_buckets_shared.py. The forecast's cache is a per-user file, and its history is also kept in the database,
# judged by the audit rows written since and recomputed by cockpit check: tests/system/
# test_forecast_kept_across_processes.py.)

_MARCH = parse_period("2026-03", tz="UTC")
_NOW = 1_773_000_000  # 2026-03-08


def _forecast_kept(db: Path) -> bool:
    """Whether a new Store's forecast cache started from the cache file (anything loaded)."""
    with Store(db, readonly=True) as store:
        cache = forecast_cache_for(store)
        with store.read() as conn:
            cache.sync(conn)
        return bool(cache.entries)


def _forecast_saved(db: Path) -> None:
    with Store(db) as store:
        rep = store.rep_by_name("Ann").id
        forecasts(store, _MARCH, _NOW, rep_quotas={rep: 0})
        forecast_cache_for(store).flush()


def test_a_cache_file_others_could_write_is_not_read(tmp_path: Path, team: dict[str, int]) -> None:
    db = tmp_path / "team.db"
    with Store(db, create=True) as store:
        store.add_rep("Ann")
    _forecast_saved(db)
    file = forecast_cache_file(db)
    assert mode(file) == 0o600 and mode(file.parent) == 0o700
    assert _forecast_kept(db)  # our own private file: trusted
    for forge in (lambda: file.chmod(0o664), lambda: os.chown(file, team[MEMBER], -1)):
        forge()  # a member could have written it: whatever it says is ignored, the forecast is computed
        assert not _forecast_kept(db)
        file.chmod(0o600)
        os.chown(file, 0, -1)


def test_a_cache_folder_that_is_a_symlink_is_not_used(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    with Store(db, create=True) as store:
        store.add_rep("Ann")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o777)
    elsewhere.chmod(0o777)
    folder = forecast_cache_file(db).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        shutil.rmtree(folder)
    folder.symlink_to(elsewhere)
    _forecast_saved(db)
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    folder.unlink()


# ------------------------------------------------------------------------------ 6. errors.log is private


def test_error_log_is_private(tmp_path: Path) -> None:
    code = f"""
import json, os
os.umask(0o022)
os.environ["XDG_STATE_HOME"] = {str(tmp_path / "state")!r}
from cockpit.core.errors import log_internal_error
path = log_internal_error(RuntimeError("note: confidential"))
print(json.dumps({{"path": str(path)}}))
"""
    path = Path(in_child(code)["path"])
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
    assert "RuntimeError: note: confidential" in path.read_text()


# ----------------------------------------------------------------- 8. writability is decided by trying


def test_a_writable_database_in_a_folder_we_cannot_write_is_written(tmp_path: Path, team: dict[str, int]) -> None:
    # The old pre-check said "folder not writable": but while another member has it open, the -wal and -shm exist
    # and are writable, and so is the database.
    base = Path(tempfile.mkdtemp(prefix="ck20-"))
    try:
        base.chmod(0o755)  # root's folder, not writable by the member
        db = base / "team.db"
        Store(db, create=True).close()
        keeper = Store(db)
        try:
            for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                path.chmod(0o666)

            def write() -> dict:
                with Store(db) as store:
                    out = {"readonly": store.readonly, "reason": store.readonly_reason}
                    store.add_rep("Written by the member")
                return out

            assert as_user(MEMBER, write) == {"readonly": False, "reason": None}
            assert [r.name for r in keeper.reps()] == ["Written by the member"]
        finally:
            keeper.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_vanished_side_files_leave_a_database_writable(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    Store(db, create=True).close()
    os.symlink(tmp_path / "gone", f"{db}-x")  # unrelated: nothing but the database itself is in the folder
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    with Store(db) as store:
        assert store.readonly is False
        store.add_rep("Ann")


# ------------------------------------------------------------------- 9. a killed first start leaves no empty db


def test_a_first_start_killed_while_generating_leaves_no_database(tmp_path: Path) -> None:
    path = tmp_path / "data" / "demo.db"
    path.parent.mkdir()
    code = f"""
import os, signal
from cockpit.core.demo import generate
generate({str(path)!r}, reps=1, months=1, progress=lambda msg: os.kill(os.getpid(), signal.SIGKILL))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert not path.exists()  # only a hidden temporary file may be left
    ensure_demo_database(Settings(db_path=path, db_source="demo"))  # the next start generates it
    with Store(path, readonly=True) as store:
        assert store.is_demo and store.reps()


def test_an_empty_demo_database_left_by_an_older_cockpit_is_generated_again(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    path.touch()
    ensure_demo_database(Settings(db_path=path, db_source="demo"))
    with Store(path, readonly=True) as store:
        assert store.is_demo


# ------------------------------------------------------------------------- 10. read-only opens quote the path


@pytest.mark.parametrize("name", ["sales#2026.db", "sales?mode=rw.db", "sales%20x.db", "my sales.db", "Müller ✓.db"])
def test_a_read_only_open_reads_the_named_file(tmp_path: Path, name: str) -> None:
    for path, rep in (
        (tmp_path / "sales", "Neighbour"),
        (tmp_path / "sales x.db", "Neighbour"),
        (tmp_path / name, "Own"),
    ):
        if not path.exists():
            with Store(path, create=True) as store:
                store.add_rep(rep)
    before = sorted(p.name for p in tmp_path.iterdir())
    with Store(tmp_path / name, readonly=True) as store:
        assert [r.name for r in store.reps()] == ["Own"]
    made = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(name))  # its -wal/-shm aside
    assert made == [p for p in before if not p.startswith(name)]  # no stray file made, no neighbour opened
    assert check_database(tmp_path / name).problems[:0] == []  # check reads the same file
    assert main(["report", "--db", str(tmp_path / name), "--format", "json"]) == 0


# ------------------------------------------------------------------------------- 11. a full disk still reads


@contextlib.contextmanager
def full_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    point = tmp_path / "small"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=True)


def fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as out:
        while True:
            out.write(b"x" * 65536)
            out.flush()
    with contextlib.suppress(OSError), open(folder / "filler2", "wb") as out:
        while True:
            out.write(b"x")
            out.flush()


@pytest.mark.parametrize("shm", ["no -shm", "stale -shm"])
def test_a_full_disk_reads_and_refuses_writes_in_one_line(tmp_path: Path, shm: str) -> None:
    with full_disk(tmp_path) as folder:
        db = folder / "team.db"
        with Store(db, create=True) as store:
            store.add_rep("Ann")
        if shm == "stale -shm":
            Path(f"{db}-shm").write_bytes(bytes(32768))
        fill(folder)
        with Store(db) as store:
            assert [r.name for r in store.reps()] == ["Ann"]
            with pytest.raises(StoreError) as caught:
                store.add_rep("Bob")
        assert str(caught.value) == f"cannot write to {db}: the disk is full; nothing was written"
        with Store(db, readonly=True) as store:
            assert [r.name for r in store.reps()] == ["Ann"]


# ----------------------------------------------------------------- 12. only init, demo and import create one


def test_a_write_command_on_an_empty_or_foreign_file_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    foreign = tmp_path / "notes.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    blank = tmp_path / "blank.db"  # a SQLite file with no table at all
    sqlite3.connect(blank).execute("PRAGMA user_version = 0").connection.close()
    for path in (empty, foreign, blank):
        before = path.read_bytes()
        assert (
            main(["deal", "add", "--db", str(path), "--rep", "Ann", "--account", "A", "--title", "T", "--amount", "5"])
            == 2
        )
        with pytest.raises(StoreError):
            Store(path)
        assert path.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(path.name)) == [path.name]


def test_read_only_store_refuses_to_write_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    Store(db, create=True).close()
    with Store(db, readonly=True) as store, pytest.raises(ReadOnlyError, match="cannot write: opened read-only"):
        store.add_rep("Ann")

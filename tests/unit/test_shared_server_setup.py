"""``cockpit init`` and ``cockpit check``: the shared-server set-up and its report."""

from __future__ import annotations

import grp
import os
import random
import sqlite3
import stat
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.core.errors import StoreError
from cockpit.core.shared import check_database, filesystem_type, init_database
from cockpit.core.store import SCHEMA_VERSION, Store

# A trimmed /proc/self/mountinfo: the root on ext4, /srv/nfs over NFSv4, a share with a space in its name on CIFS.
MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 27 0:45 / /srv/nfs rw,relatime shared:20 - nfs4 files:/export rw,vers=4.2
41 40 0:46 / /srv/nfs/local rw,relatime shared:21 - ext4 /dev/vdb rw
42 27 0:47 / /mnt/team\\040share rw,relatime - cifs //nas/team rw
"""


def primary_group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def shared_db(tmp_path: Path) -> Path:
    return init_database(tmp_path / "sales" / "cockpit.db", group=primary_group())


# ------------------------------------------------------------------------------------------------------ init


def test_init_makes_a_group_writable_setgid_set_up(shared_db: Path) -> None:
    folder = shared_db.parent
    assert mode(shared_db) == 0o660
    assert mode(folder) & 0o2070 == 0o2070  # setgid, group rwx
    assert shared_db.stat().st_gid == folder.stat().st_gid == os.getgid()
    with Store(shared_db) as store:  # an empty cockpit database, ready to write
        assert store.readonly is False
        assert store.reps() == []
        assert [s.name for s in store.stages()][-2:] == ["won", "lost"]
        store.add_rep("Ann")
        # SQLite gives the side files the database's mode; the setgid folder gives them its group.
        for suffix in ("-wal", "-shm"):
            side = shared_db.with_name(shared_db.name + suffix)
            assert mode(side) == 0o660 and side.stat().st_gid == os.getgid()


def test_init_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "team" / "c.db"
    assert main(["init", str(path), "--group", primary_group()]) == 0
    assert capsys.readouterr().out.startswith(f"created {path}")
    assert mode(path) == 0o660


def test_init_refuses_an_existing_database(shared_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = shared_db.read_bytes()
    assert main(["init", str(shared_db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"cockpit: error: {shared_db} already exists and is not empty (see: cockpit check {shared_db})"
    assert shared_db.read_bytes() == before


def test_init_unknown_group_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "team" / "c.db"
    assert main(["init", str(path), "--group", "no-such-group-xyz"]) == 2
    assert capsys.readouterr().err.strip() == "cockpit: error: no group named 'no-such-group-xyz' on this machine"
    assert not path.parent.exists()


def test_init_needs_the_parent_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder .*missing does not exist"):
        init_database(tmp_path / "missing" / "team" / "c.db")


def test_init_refuses_an_empty_file_it_did_not_make(tmp_path: Path) -> None:
    # An empty file may be a member's plant: init neither writes into it nor changes its mode.
    folder = tmp_path / "team"
    folder.mkdir(mode=0o770)
    os.chmod(folder, 0o2770)
    path = folder / "c.db"
    path.touch(mode=0o600)
    with pytest.raises(StoreError, match="already exists \\(empty\\): remove it first"):
        init_database(path, group=primary_group())
    assert mode(path) == 0o600 and path.stat().st_size == 0


# ----------------------------------------------------------------------------------------------------- check


def test_check_a_good_database(shared_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = check_database(shared_db, mountinfo=MOUNTINFO)
    assert report.problems == []
    facts = dict(report.facts)
    assert facts["integrity"] == "ok"
    assert facts["journal mode"] == "wal"
    assert facts["schema version"] == f"{SCHEMA_VERSION} (this cockpit: {SCHEMA_VERSION})"
    assert facts["filesystem"] == "ext4"
    assert main(["check", str(shared_db)]) == 0
    out = capsys.readouterr()
    assert "integrity: ok" in out.out and "all good" in out.out
    assert out.err == ""


def test_check_reports_dropped_counting_triggers_and_an_open_puts_them_back(shared_db: Path) -> None:
    conn = sqlite3.connect(shared_db)
    conn.execute("DROP TRIGGER kpi_changes_deals_update")
    count = conn.execute("SELECT n FROM kpi_changes").fetchone()[0]
    conn.close()
    report = check_database(shared_db, mountinfo=MOUNTINFO)
    assert (
        dict(report.facts)["change count triggers"] == "17 of 18"
    )  # 5 tables × 3 events, and 3 on deal_calls (schema 8)
    assert any("counting triggers are missing" in p for p in report.problems)
    Store(shared_db).close()  # a writable open restores the trigger and moves the count (caches start over)
    conn = sqlite3.connect(shared_db)
    assert conn.execute("SELECT n FROM kpi_changes").fetchone()[0] == count + 1
    conn.close()
    report = check_database(shared_db, mountinfo=MOUNTINFO)
    assert dict(report.facts)["change count triggers"] == "18 of 18"
    assert report.problems == []


def test_check_reports_the_wal_size(shared_db: Path) -> None:
    with Store(shared_db) as store:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep the pages in the WAL while we look
        store.add_rep("Ann")
        size = shared_db.with_name("cockpit.db-wal").stat().st_size
        assert size > 0
        facts = dict(check_database(shared_db, mountinfo=MOUNTINFO).facts)
    assert facts["WAL size"].endswith(("bytes", "KiB"))
    assert facts["WAL size"] != "no WAL file"


def test_check_lists_group_permission_problems(shared_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = shared_db.parent
    shared_db.chmod(0o640)  # the group can read but not write
    folder.chmod(0o755)  # neither group-writable nor setgid
    # Nothing in these permissions says "shared" any more: the team says so (cockpit check --shared).
    report = check_database(shared_db, mountinfo=MOUNTINFO, shared=True)
    assert report.problems == [
        f"{shared_db} is not readable and writable by its group (fix: chmod g+rw {shared_db})",
        f"folder {folder} is not writable by its group, so other members cannot create the -wal and -shm files "
        f"(fix: chmod g+rwx {folder})",
        f"folder {folder} is not setgid, so -wal and -shm files take their creator's own group "
        f"(fix: chmod g+s {folder})",
    ]
    assert main(["check", "--shared", str(shared_db)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("cockpit: problem: ") for line in err)


def test_check_flags_side_files_the_group_cannot_write(shared_db: Path) -> None:
    keeper = Store(shared_db)  # an open cockpit keeps its -wal and -shm
    try:
        wal = shared_db.with_name("cockpit.db-wal")
        wal.chmod(0o644)  # as a member's umask 022 would have left it without SQLite's care
        report = check_database(shared_db, mountinfo=MOUNTINFO)
    finally:
        keeper.close()
    assert report.problems == [f"{wal} is not writable by its group (fix: chmod g+rw {wal})"]


def test_check_refuses_network_filesystems(shared_db: Path) -> None:
    fake = MOUNTINFO.replace(" / / rw", f" / {shared_db.parent} rw").replace("- ext4 /dev/vda", "- nfs4 nas:/x")
    report = check_database(shared_db, mountinfo=fake)
    assert dict(report.facts)["filesystem"] == "nfs4"
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{shared_db} is on nfs4: SQLite's WAL locking needs shared memory on one")


def test_filesystem_type_picks_the_deepest_mount() -> None:
    assert filesystem_type("/home/ann/c.db", mountinfo=MOUNTINFO) == "ext4"
    assert filesystem_type("/srv/nfs/team/c.db", mountinfo=MOUNTINFO) == "nfs4"
    assert filesystem_type("/srv/nfs/local/c.db", mountinfo=MOUNTINFO) == "ext4"
    assert filesystem_type("/srv/nfsx/c.db", mountinfo=MOUNTINFO) == "ext4"  # a prefix is not a parent
    assert filesystem_type("/mnt/team share/c.db", mountinfo=MOUNTINFO) == "cifs"
    assert filesystem_type("/x", mountinfo="garbage\n") is None


def test_check_finds_damage(shared_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(shared_db) as store:
        rep = store.add_rep("Ann")
        for i in range(300):
            store.log_activity(kind="email", rep_id=rep, at=1_773_576_000 + i, note=f"note {i} " * 20)
        root = store.query("SELECT rootpage FROM sqlite_master WHERE name = 'activities'")[0][0]
        page_size = store.query("PRAGMA page_size")[0][0]
    data = bytearray(shared_db.read_bytes())
    data[(root - 1) * page_size : root * page_size] = random.Random(1).randbytes(page_size)
    shared_db.write_bytes(bytes(data))
    report = check_database(shared_db, mountinfo=MOUNTINFO)
    assert dict(report.facts)["integrity"] == "DAMAGED"
    assert len(report.problems) == 1 and report.problems[0].startswith("integrity check failed: ")
    assert main(["check", str(shared_db)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_check_missing_and_foreign_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.db"
    assert check_database(missing).problems == [f"no database at {missing} (create one with: cockpit init {missing})"]
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert check_database(text).problems[-1] == f"{text} is not a SQLite database"


# ------------------------------------------------------------------------------------- one person's database


def test_a_database_only_its_owner_writes_is_judged_as_one_persons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo database or a file in one's home: the group checks do not apply (they made `check` exit 2)."""
    folder = tmp_path / "home"
    folder.mkdir(mode=0o700)
    db = folder / "mine.db"
    Store(db, create=True).close()
    db.chmod(0o644)
    report = check_database(db, mountinfo=MOUNTINFO)
    assert (report.shared, report.problems) == (False, [])
    assert dict(report.facts)["kind"] == "one person's: only its owner writes it"
    assert main(["check", str(db)]) == 0
    out = capsys.readouterr()
    assert "kind: one person's" in out.out and "all good for one person" in out.out and out.err == ""


def test_a_world_writable_folder_is_no_groups_but_must_be_sticky(tmp_path: Path) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir()
    db = folder / "mine.db"
    Store(db, create=True).close()
    db.chmod(0o644)
    folder.chmod(0o1777)  # as /tmp: everyone may write, nobody may replace another's file
    assert (check_database(db, mountinfo=MOUNTINFO).shared, check_database(db, mountinfo=MOUNTINFO).problems) == (
        False,
        [],
    )
    folder.chmod(0o777)  # no sticky bit: anyone may replace the database
    report = check_database(db, mountinfo=MOUNTINFO)
    assert report.problems == [
        f"folder {folder} is writable by everyone: anyone could replace the database or plant files beside it "
        f"(fix: chmod o-w {folder})"
    ]
    folder.chmod(0o700)


def test_a_group_set_up_is_judged_as_shared_unless_told_otherwise(shared_db: Path) -> None:
    report = check_database(shared_db, mountinfo=MOUNTINFO)
    assert report.shared and dict(report.facts)["kind"] == f"shared by group {primary_group()}"
    shared_db.chmod(0o644)  # someone took the group's write away
    shared_db.parent.chmod(0o700)
    report = check_database(shared_db, mountinfo=MOUNTINFO, shared=True)
    assert dict(report.facts)["kind"] == f"shared by group {primary_group()} (as asked)"
    assert any("not readable and writable by its group" in p for p in report.problems)
    report = check_database(shared_db, mountinfo=MOUNTINFO, shared=False)
    assert (report.shared, report.problems) == (False, [])

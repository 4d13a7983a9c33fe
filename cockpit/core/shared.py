"""Setting up and checking a database that a team shares on one server.

SQLite in WAL mode works for many users on one machine when three things hold: the file lives on a local
filesystem (WAL locking needs shared memory that only one host can provide, so NFS, CIFS/SMB and the like are
refused), every member of the group can write the file *and* its folder (SQLite creates the ``-wal`` and ``-shm``
files beside the database), and those side files end up in the same group, which a setgid folder guarantees.
:func:`init_database` creates such a set-up; :func:`check_database` reports on one.
"""

from __future__ import annotations

import grp
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.core.errors import StoreError
from cockpit.core.forecast_check import check_kept
from cockpit.core.forecast_check import repair as repair_kept
from cockpit.core.kpi_check import BucketCheck, recount_stored
from cockpit.core.kpi_check import repair as repair_buckets
from cockpit.core.store import CHANGE_TRIGGERS, SCHEMA_VERSION, Store
from cockpit.core.store.connection import SQLITE_HEADER, not_regular, read_header
from cockpit.core.store.inspection import inspect_database

__all__ = ["CheckReport", "NETWORK_FILESYSTEMS", "check_database", "filesystem_type", "init_database"]

FILE_MODE = 0o660
DIR_BITS = stat.S_ISGID | stat.S_IRWXG  # g+rwxs
MOUNTINFO = "/proc/self/mountinfo"

# Filesystems where SQLite's WAL mode is unsafe: its locks and its shared-memory index live on one host only.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "fuse.sshfs",
        "sshfs",
        "fuse.rclone",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "fuse.ceph",
        "lustre",
        "gpfs",
    }
)


def _group_id(group: str | None, folder: Path) -> int:
    """The group id to share with: --group by name or number, else the folder's group, else our primary group."""
    if group is None:
        return folder.stat().st_gid if folder.exists() else os.getgid()
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        if group.isdigit():
            return int(group)
        raise StoreError(f"no group named {group!r} on this machine") from None


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def _refuse_planted(db: Path) -> None:
    # In a group-writable folder any member can leave a file, or a symlink to someone else's file, where the
    # database or its side files will be: whatever is there was not made by this init, so it is refused, never
    # opened, chmodded or given to the group.
    for path in (db, *(db.with_name(db.name + suffix) for suffix in SIDE_SUFFIXES)):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            raise StoreError(f"{path} is a symbolic link: remove it (init creates the file itself; never chmod it)")
        if (reason := not_regular(path, st.st_mode)) is not None:
            raise StoreError(f"{reason}; remove it first")
        if path == db and st.st_size > 0:
            raise StoreError(f"{db} already exists and is not empty (see: cockpit check {db})")
        if path == db:
            raise StoreError(f"{db} already exists (empty): remove it first; init creates the file itself")
        raise StoreError(f"{path} is left from an earlier database: remove it first")


def _make_folder(folder: Path, gid: int) -> None:
    # A folder made here is given to the group, g+rwxs; one that exists is only checked (init changes only what it
    # creates, so it never hands a folder someone else set up to a group).
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        st = folder.stat()
        if not stat.S_ISDIR(st.st_mode):
            raise StoreError(f"{folder} is not a folder") from None
        if st.st_gid != gid or st.st_mode & DIR_BITS != DIR_BITS:
            name = _group_name(gid)
            raise StoreError(
                f"folder {folder} is not group {name}'s, group-writable and setgid; init changes only what it "
                f"creates (its owner or root runs: chgrp {name} {folder} && chmod g+rwxs {folder})"
            ) from None
        return
    except PermissionError:
        raise StoreError(f"cannot create folder {folder}: permission denied") from None
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if os.fstat(fd).st_gid != gid:
            os.fchown(fd, -1, gid)
        os.fchmod(fd, 0o770 | stat.S_ISGID)
    except PermissionError:
        raise StoreError(f"cannot give folder {folder} to group {_group_name(gid)}: permission denied") from None
    finally:
        os.close(fd)


def init_database(path: str | os.PathLike[str], *, group: str | None = None) -> Path:
    """Create an empty cockpit database at ``path`` that every member of ``group`` can write; return its path.

    A missing folder (its parent must exist) is created group-owned, group-writable and setgid (2770), so the
    ``-wal``/``-shm`` files another member's SQLite creates belong to the group too; an existing folder must
    already be so. The file is mode 0660. Anything already at ``path`` or at its ``-wal``/``-shm``/``-journal``
    is refused (a symlink a member planted there would hand its target to the group). Without ``group``, the
    folder's group is used.
    """
    db = Path(path).expanduser().absolute()
    folder = db.parent
    if db.is_dir() and not db.is_symlink():
        raise StoreError(f"{db} is a directory; give the path of the database file to create")
    _refuse_planted(db)
    if not folder.parent.exists():
        raise StoreError(f"cannot create {db}: folder {folder.parent} does not exist")
    gid = _group_id(group, folder)
    if os.geteuid() != 0 and gid not in (os.getgid(), *os.getgroups()):
        raise StoreError(f"you are not a member of group {_group_name(gid)}; log in again after joining it")
    kind = filesystem_type(folder if folder.exists() else folder.parent)
    if kind in NETWORK_FILESYSTEMS:
        raise StoreError(f"{folder} is on {kind}: {_NETWORK_REASON}")
    _make_folder(folder, gid)
    # The schema is written in a private folder (0700, ours) and linked into place: nobody can swap the file
    # between its creation and SQLite's open, and link() never replaces nor follows what is at the name.
    private = Path(tempfile.mkdtemp(prefix=f".{db.name}-init-", dir=folder))
    fresh = private / db.name
    try:
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, FILE_MODE)  # exactly 0660, whatever the umask
            if os.fstat(fd).st_gid != gid:
                os.fchown(fd, -1, gid)
        except PermissionError:
            raise StoreError(f"cannot give {db} to group {_group_name(gid)}: permission denied") from None
        finally:
            os.close(fd)
        Store(fresh, create=True).close()  # the schema, in WAL mode (a property of the file from now on)
        try:
            os.link(fresh, db)
        except FileExistsError:
            raise StoreError(f"{db} appeared while init ran; nothing was changed (see: cockpit check {db})") from None
        except PermissionError:
            raise StoreError(f"cannot create {db}: permission denied") from None
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return db


# ------------------------------------------------------------------------------------------------ checking

_NETWORK_REASON = (
    "SQLite's WAL locking needs shared memory on one host, which network filesystems do not provide; "
    "put the database on a local disk of the server everyone logs in to"
)


def _unescape_mount(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040 ...).
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def filesystem_type(path: str | os.PathLike[str], *, mountinfo: str | None = None) -> str | None:
    """The type of the filesystem holding ``path`` ("ext4", "nfs4", ...), from the Linux mount table.

    ``mountinfo`` is the table's text (default: read /proc/self/mountinfo); None when it cannot be told.
    """
    if mountinfo is None:
        try:
            mountinfo = Path(MOUNTINFO).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split():
            continue
        point = _unescape_mount(fields[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        # The longest mount point that contains the path wins; later lines (mounted on top) win ties.
        if inside and len(point) >= len(best):
            best, best_type = point, right.split()[0]
    return best_type


@dataclass
class CheckReport:
    """What ``cockpit check`` found: facts to show, and problems (empty when all is well)."""

    path: Path
    facts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    shared: bool = False  # judged as a database a group shares (else as one person's)

    @property
    def ok(self) -> bool:
        return not self.problems


def _side_files(db: Path) -> tuple[list[tuple[Path, os.stat_result]], list[str]]:
    """The ``-wal``/``-shm``/``-journal`` files beside ``db`` that are regular files, and the problems of the ones
    that are not (a symlink a member planted: a "fix" run on it would change its target)."""
    regular, problems = [], []
    for suffix in SIDE_SUFFIXES:
        side = db.with_name(db.name + suffix)
        try:
            st = os.lstat(side)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            problems.append(f"{side} is a symbolic link: remove it; do not chmod it (SQLite would write through it)")
        elif (reason := not_regular(side, st.st_mode)) is not None:
            problems.append(f"{reason}: remove it; do not chmod it")
        else:
            regular.append((side, st))
    return regular, problems


def _permission_problems(
    db: Path, fst: os.stat_result, folder: Path, sides: list[tuple[Path, os.stat_result]]
) -> list[str]:
    # Every "fix:" names a file lstat() showed to be a regular file (or the real folder), never a symlink.
    problems = []
    dst = folder.stat()
    if not fst.st_mode & stat.S_IWGRP or not fst.st_mode & stat.S_IRGRP:
        problems.append(f"{db} is not readable and writable by its group (fix: chmod g+rw {db})")
    if fst.st_mode & stat.S_IWOTH:
        problems.append(f"{db} is writable by everyone, not only its group (fix: chmod o-w {db})")
    if not dst.st_mode & stat.S_IWGRP or not dst.st_mode & stat.S_IXGRP:
        problems.append(
            f"folder {folder} is not writable by its group, so other members cannot create the -wal and -shm "
            f"files (fix: chmod g+rwx {folder})"
        )
    if dst.st_mode & stat.S_IWOTH:
        problems.append(
            f"folder {folder} is writable by everyone: anyone could replace the database or plant files beside it "
            f"(fix: chmod o-w {folder})"
        )
    if not dst.st_mode & stat.S_ISGID:
        problems.append(
            f"folder {folder} is not setgid, so -wal and -shm files take their creator's own group "
            f"(fix: chmod g+s {folder})"
        )
    if fst.st_gid != dst.st_gid:
        problems.append(
            f"{db} belongs to group {_group_name(fst.st_gid)} but its folder to {_group_name(dst.st_gid)} "
            f"(fix: chgrp {_group_name(dst.st_gid)} {db})"
        )
    for side, sst in sides:
        if not sst.st_mode & stat.S_IWGRP:
            problems.append(f"{side} is not writable by its group (fix: chmod g+rw {side})")
        if sst.st_mode & stat.S_IWOTH:
            problems.append(f"{side} is writable by everyone, not only its group (fix: chmod o-w {side})")
        if sst.st_gid != fst.st_gid:
            problems.append(
                f"{side} belongs to group {_group_name(sst.st_gid)}, not {_group_name(fst.st_gid)} "
                f"(fix: chgrp {_group_name(fst.st_gid)} {side})"
            )
    return problems


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def is_shared_setup(fst: os.stat_result, dst: os.stat_result) -> bool:
    """Whether a database file (``fst``) in its folder (``dst``) is set up for a group: the file is group-writable,
    or the folder is setgid or writable by its group (not by everyone, as /tmp is: that is no group's). A file only
    its owner writes, in such a folder or one only its owner writes (the demo database, a file in one's home), is
    one person's."""
    folder_for_group = dst.st_mode & stat.S_IWGRP and not dst.st_mode & stat.S_IWOTH
    return bool(fst.st_mode & stat.S_IWGRP or folder_for_group or dst.st_mode & stat.S_ISGID)


def _personal_problems(db: Path, fst: os.stat_result, folder: Path) -> list[str]:
    """What puts one person's database at risk: others may write it, or plant or replace files beside it."""
    problems = []
    dst = folder.stat()
    if fst.st_mode & stat.S_IWOTH:
        problems.append(f"{db} is writable by everyone (fix: chmod o-w {db})")
    if dst.st_mode & stat.S_IWOTH and not dst.st_mode & stat.S_ISVTX:
        problems.append(
            f"folder {folder} is writable by everyone: anyone could replace the database or plant files beside it "
            f"(fix: chmod o-w {folder})"
        )
    return problems


def check_database(
    path: str | os.PathLike[str],
    *,
    mountinfo: str | None = None,
    quick: bool = False,
    shared: bool | None = None,
    repair: bool = False,
) -> CheckReport:
    """Check the database at ``path``; nothing is written to it unless ``repair``, which deletes the stored KPI
    buckets that differ from a recount (derived data: cockpits count them again).

    ``shared`` says how to judge its permissions: True for a database a Unix group shares (every member must be
    able to write the file, its folder and the -wal/-shm files), False for one person's, None to tell from the
    permissions themselves (:func:`is_shared_setup`); the report's "kind" fact says which was used.
    ``mountinfo`` replaces the text of /proc/self/mountinfo (for tests); ``quick`` runs ``quick_check`` instead
    of the full ``integrity_check``.
    """
    db = Path(path).expanduser().absolute()
    report = CheckReport(db)
    # lstat, never stat: a symlink planted at the database's name must be reported, not followed (a "fix" on
    # it, run by root, handed its target to the group).
    try:
        fst = os.lstat(db)
    except FileNotFoundError:
        report.problems.append(f"no database at {db} (create one with: cockpit init {db})")
        return report
    if stat.S_ISDIR(fst.st_mode):
        report.problems.append(f"{db} is a directory, not a database")
        return report
    if stat.S_ISLNK(fst.st_mode):
        report.problems.append(f"{db} is a symbolic link: remove it; do not chmod it (check the real file's path)")
        return report
    if (reason := not_regular(db, fst.st_mode)) is not None:
        report.problems.append(f"{reason}: remove it; do not chmod it")
        return report
    sides, side_problems = _side_files(db)
    if side_problems:
        report.problems.extend(side_problems)
        return report  # SQLite would open them: nothing more is read

    kind = filesystem_type(db, mountinfo=mountinfo)
    report.facts.append(("filesystem", kind or "unknown"))
    if kind in NETWORK_FILESYSTEMS:
        report.problems.append(f"{db} is on {kind}: {_NETWORK_REASON}")

    folder = Path(os.path.realpath(db.parent))
    dst = folder.stat()
    report.shared = is_shared_setup(fst, dst) if shared is None else shared
    told = "" if shared is None else " (as asked)"
    if report.shared:
        report.facts.append(("kind", f"shared by group {_group_name(fst.st_gid)}{told}"))
        report.problems.extend(_permission_problems(db, fst, folder, sides))
    else:
        report.facts.append(("kind", f"one person's: only its owner writes it{told}"))
        report.problems.extend(_personal_problems(db, fst, folder))
    report.facts.append(
        (
            "permissions",
            f"{stat.filemode(fst.st_mode)} group {_group_name(fst.st_gid)}, folder "
            f"{stat.filemode(dst.st_mode)} group {_group_name(dst.st_gid)}",
        )
    )

    try:
        header = read_header(db) or b""
    except StoreError as exc:
        report.problems.append(str(exc))
        return report
    if header[:16] != SQLITE_HEADER:
        report.problems.append(f"{db} is empty" if not header else f"{db} is not a SQLite database")
        return report

    wal = db.with_name(db.name + "-wal")
    report.facts.append(("WAL size", _size(wal.stat().st_size) if wal.exists() else "no WAL file"))
    try:
        found = inspect_database(db, quick=quick, also=recount_stored)
    except StoreError as exc:
        report.problems.append(str(exc))
        return report
    mode, version = found.journal_mode, found.user_version
    report.facts.append(("journal mode", mode))
    if mode.lower() != "wal":
        report.problems.append(f"journal mode is {mode}, not wal (opening it once with cockpit fixes that)")
    report.facts.append(("schema version", f"{version} (this cockpit: {SCHEMA_VERSION})"))
    if version == 0:
        report.problems.append(f"{db} has no cockpit schema")
    elif version > SCHEMA_VERSION:
        report.problems.append(f"{db} was written by a newer cockpit (schema {version}); this one can only read it")
    elif found.change_triggers is not None:
        report.facts.append(("change count triggers", f"{found.change_triggers} of {CHANGE_TRIGGERS}"))
        if found.change_triggers != CHANGE_TRIGGERS:
            report.problems.append(
                "counting triggers are missing (the schema was changed by hand): cockpits recompute every KPI"
                " on each refresh until someone with write access opens it once, which puts them back"
            )
    results = list(found.integrity)
    report.facts.append(("integrity", "ok" if results == ["ok"] else "DAMAGED"))
    if results != ["ok"]:
        shown = "; ".join(results[:3]) + (f" (and {len(results) - 3} more)" if len(results) > 3 else "")
        report.problems.append(f"integrity check failed: {shown}")
    else:
        _check_kpi_buckets(db, report, found.also, repair=repair)
        if version == SCHEMA_VERSION:
            _check_forecast_kept(db, report, repair=repair)
    return report


def _check_forecast_kept(db: Path, report: CheckReport, *, repair: bool) -> None:
    """The forecast history kept in the database against a recomputation of each entry still in use
    (cockpit/core/forecast_check.py). Read as check reads the rest: read-only, leaving no -wal or -shm behind."""
    try:
        with Store(db, readonly=True, side_files=False) as store:
            found = check_kept(store)
    except StoreError as exc:
        report.problems.append(str(exc))
        return
    if found.wrong and repair:
        found.repaired = _repaired(db, report, lambda store: repair_kept(store, found))
    wrong = len(found.wrong)
    _found(
        report,
        "forecast history",
        wrong,
        found.repaired,
        ok=f"{found.stored} kept, the {found.current} in use equal to a recomputation" if found.stored else "none kept",
        mended=f"{found.stored} kept, {wrong} differed from a recomputation or were not a cockpit's: deleted",
        problem=f"{wrong} of {found.stored} kept forecast entries differ from a recomputation or are not as a cockpit"
        " keeps them (fix: cockpit check --repair, which deletes them; cockpits compute them again)",
    )


def _check_kpi_buckets(db: Path, report: CheckReport, found: BucketCheck | None, *, repair: bool) -> None:
    """The KPI buckets stored in the database against a recount of each (cockpit/core/kpi_check.py)."""
    if found is None:
        return
    if not found.triggers_intact:
        report.problems.append(
            "the triggers that keep the stored KPI buckets true were changed by hand: cockpits ignore the stored"
            " buckets until someone with write access opens it once, which puts them back and deletes the buckets"
        )
    wrong, calls = len(found.wrong), len(found.deal_calls_wrong)
    if (wrong or calls) and repair:
        found.repaired = _repaired(db, report, lambda store: repair_buckets(store, found))
    _found(
        report,
        "calls per deal",
        calls,
        found.repaired,
        ok="deal_calls equals the live calls",
        mended=f"{_deals(calls)} differed from the live calls: rebuilt",
        problem=f"deal_calls differs from the live calls for {_deals(calls)} (edited by hand; calls to win reads it;"
        " fix: cockpit check --repair, which rebuilds it from the calls)",
    )
    _found(
        report,
        "KPI buckets",
        wrong,
        found.repaired,
        ok=f"{found.stored} stored, all equal to a recount",
        mended=f"{found.stored} stored, {wrong} differed from a recount: deleted",
        problem=f"{wrong} of {found.stored} stored KPI buckets differ from a recount (fix: cockpit check --repair,"
        " which deletes them; cockpits count them again)",
    )


def _repaired(db: Path, report: CheckReport, work: Callable[[Store], bool]) -> bool:
    """Run one repair (a write of derived data) on the database; a problem in ``report`` when it changed nothing."""
    try:
        with Store(db) as store:
            if work(store):
                return True
            why = store.readonly_reason if store.readonly else "another write held the database"
    except StoreError as exc:
        why = str(exc)
    report.problems.append(f"--repair changed nothing: {why}; try again")
    return False


def _found(report: CheckReport, name: str, wrong: int, repaired: bool, *, ok: str, mended: str, problem: str) -> None:
    """One recount's line: a fact when nothing differed or it was mended, else a problem."""
    if not wrong:
        report.facts.append((name, ok))
    elif repaired:
        report.facts.append((name, mended))
    else:
        report.problems.append(problem)


def _deals(n: int) -> str:
    return f"{n} deal" if n == 1 else f"{n} deals"

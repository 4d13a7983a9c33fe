"""Where the cockpit keeps its files: this user's directories of the platform (``platformdirs``);
``COCKPIT_CONFIG`` and ``COCKPIT_CACHE_DIR`` override two of them. How a private folder is made and a file of this
user's is trusted, and how a cache file is replaced."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "cockpit"


def config_path() -> Path:
    """The TOML config file's path (it need not exist)."""
    override = os.environ.get("COCKPIT_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    """Where the default demo database is generated."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    """Where the error log goes."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def cache_dir() -> Path | None:
    """Where the cache files go (the forecast's; ``COCKPIT_CACHE_DIR`` overrides; set to an empty string, no cache
    files)."""
    override = os.environ.get("COCKPIT_CACHE_DIR")
    if override is not None:
        return Path(override) if override.strip() else None
    return Path(platformdirs.user_cache_dir(APP_NAME))


def default_demo_db() -> Path:
    """The path of the demo database used when no database is named."""
    return data_dir() / "demo.db"


def private_dir(folder: Path) -> Path:
    """Make ``folder`` (mode 0700) if missing and return it; OSError unless it is a real folder (not a symlink) of
    this user that nobody else can write. One of ours left looser by an older cockpit is closed to 0700; a folder
    anyone may write to (sticky or world-writable, like /tmp) is refused, never changed.

    What the cockpit keeps for one user (KPI caches, its error log) goes in such a folder: in a folder others can
    write (``COCKPIT_CACHE_DIR`` on a shared disk), a member could plant a file that the user's cockpit trusts."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)  # never follows a symlink at the name: that is an existing entry, checked below
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            raise PermissionError(f"{folder} belongs to another user")
        mode = stat.S_IMODE(st.st_mode)
        if mode & (stat.S_ISVTX | stat.S_IWOTH):
            # /tmp, or a folder shared on purpose: never ours to close (run as root, closing /tmp would lock every
            # other user out of it), and no place for a file others must not replace.
            raise PermissionError(f"{folder} is a folder anyone can write to: no private file is kept there")
        if mode & 0o077:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return folder


def is_own_private_file(st: os.stat_result) -> bool:
    """Whether a file (its ``fstat``) is a regular file of this user that nobody else can write: the only kind a
    cache is read from, since anyone who can write it can make the cockpit show them false numbers."""
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder (made private if missing, see
    :func:`private_dir`), readable by this user only (0600), renamed over it: a reader sees the old file or the new
    one, never part of one. Raises OSError (also when the folder is not this user's alone)."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

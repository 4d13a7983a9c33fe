"""A user's private cache files (the forecast cache keeps one per database): where they live, reading one safely, and
pruning the folder.

A file is read only if this user alone could have written it: a member's forged file in a shared cache folder would
show the user false numbers. A file is touched when it is read; a save prunes the files nobody has read or written for
``STALE_FILE_DAYS`` (databases deleted, moved or no longer opened) and temporary files a crashed save left behind, so
the folder does not grow with every database a user ever opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

from cockpit.core.dirs import cache_dir, is_own_private_file, private_dir

#: A cache file nobody has read or written for this long is deleted at the next save (of any database).
STALE_FILE_DAYS = 30
#: A temporary file of a save this old was left by a save that never finished (a save takes milliseconds).
STALE_TEMP_S = 3600
_CACHE_NAME = re.compile(r"[0-9a-f]{24}\.json")  # cache_file()'s names; nothing else in the folder is touched


def flush_cache(cache: Any) -> None:
    """Call ``cache.save()`` if ``cache.unsaved``, under ``cache.lock``. At exit a refresh thread may still hold the
    lock for a moment: never hang the exit waiting for it."""
    if not cache.lock.acquire(timeout=2.0):
        return
    try:
        if cache.unsaved:
            cache.save()
    finally:
        cache.lock.release()


def read_own_file(path: Path) -> bytes:
    """The bytes of a cache file this user alone could have written; OSError for any other (a member's forged file
    in a shared cache folder would show the user false numbers), a symlink, or a FIFO."""
    private_dir(path.parent)  # ours alone, not writable by others: nobody could have swapped the file in it
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not is_own_private_file(os.fstat(fd)):
            raise PermissionError(f"{path} is not this user's own private file")
        return handle.read()


def prune_folder(folder: Path, *, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete the cache files of ``folder`` not read or written for ``STALE_FILE_DAYS`` and the temporary files of
    saves older than ``STALE_TEMP_S``, except ``keep``; other files are left alone. Returns what was deleted."""
    now = time.time() if now is None else now
    deleted: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return deleted
    for name in names:
        if _CACHE_NAME.fullmatch(name):
            limit = STALE_FILE_DAYS * 86_400
        elif name.startswith(".") and name.endswith(".tmp") and _CACHE_NAME.fullmatch(name[1:].split("-", 1)[0]):
            limit = STALE_TEMP_S
        else:
            continue
        path = folder / name
        if keep is not None and path == keep:
            continue
        with contextlib.suppress(OSError):  # gone meanwhile (another process pruned it), or not ours to delete
            if now - path.stat().st_mtime > limit:
                path.unlink()
                deleted.append(path)
    return deleted


def cache_file(db_path: str | os.PathLike[str], kind: str) -> Path | None:
    """The ``kind`` cache file of the database at ``db_path`` (one per database path, in the user's cache folder)."""
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256(str(Path(db_path).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return folder / kind / f"{name}.json"

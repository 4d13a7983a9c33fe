"""The user's private cache files (cockpit/core/cache_files.py; the forecast cache keeps one per database): the folder
is pruned of files nobody used for a month and of temporary files a crashed save left behind."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.core.cache_files import prune_folder

DAY = 86_400

OLD = 31 * DAY  # older than cache_files.STALE_FILE_DAYS (30 days)


def _aged(path: Path, seconds: float, now: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("{}", encoding="utf-8")
    os.utime(path, (now - seconds, now - seconds))
    return path


def test_prune_deletes_only_old_cache_files_and_stale_temporary_files(tmp_path: Path) -> None:
    now = 2_000_000_000.0
    name = "0123456789abcdef01234567.json"
    old_cache = _aged(tmp_path / name, OLD, now)
    recent_cache = _aged(tmp_path / "89abcdef0123456789abcdef.json", 29 * DAY, now)
    old_temp = _aged(tmp_path / f".{name}-k3j4h5.tmp", 2 * 3600, now)  # a save that died two hours ago
    fresh_temp = _aged(tmp_path / f".{name}-a1b2c3.tmp", 60, now)  # a save under way
    others = [
        _aged(tmp_path / "notes.json", OLD, now),  # not a name cache_file() makes
        _aged(tmp_path / "0123456789ABCDEF01234567.json", OLD, now),
        _aged(tmp_path / ".notes.txt-x.tmp", OLD, now),
        _aged(tmp_path / "README", OLD, now),
    ]
    kept = _aged(tmp_path / "fedcba9876543210fedcba98.json", OLD, now)

    deleted = prune_folder(tmp_path, keep=kept, now=now)

    assert sorted(deleted) == sorted([old_cache, old_temp])
    assert not old_cache.exists() and not old_temp.exists()
    assert all(p.exists() for p in [recent_cache, fresh_temp, kept, *others])
    assert prune_folder(tmp_path / "missing", now=now) == []

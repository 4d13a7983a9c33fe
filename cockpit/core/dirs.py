"""Where the cockpit keeps its files: this user's directories of the platform (``platformdirs``);
``COCKPIT_CONFIG`` and ``COCKPIT_CACHE_DIR`` override two of them. And how a cache file is replaced."""

from __future__ import annotations

import contextlib
import os
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
    """Where the KPI cache files and the compiled-code file go (``COCKPIT_CACHE_DIR`` overrides; set to an empty
    string, no cache files)."""
    override = os.environ.get("COCKPIT_CACHE_DIR")
    if override is not None:
        return Path(override) if override.strip() else None
    return Path(platformdirs.user_cache_dir(APP_NAME))


def default_demo_db() -> Path:
    """The path of the demo database used when no database is named."""
    return data_dir() / "demo.db"


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder (made if missing), readable by this user
    only (0600), renamed over it: a reader sees the old file or the new one, never part of one. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

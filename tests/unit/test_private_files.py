"""A user's private files (caches, preferences, the error log) are written only into a folder of their own."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cockpit.core.dirs import replace_file


def test_a_file_in_a_folder_of_ours_closes_that_folder_and_is_0600(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o775)
    folder.chmod(0o775)  # left looser by an older cockpit or a umask of 002
    replace_file(folder / "prefs.json", b"{}")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "prefs.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o1777, 0o777, 0o1733])
def test_a_folder_anyone_may_write_is_refused_and_left_as_it_was(tmp_path: Path, mode: int) -> None:
    # Pointed at /tmp (a preferences or cache path in it), the cockpit once closed /tmp to 0700 when run as root.
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(PermissionError, match="anyone can write"):
        replace_file(shared / "prefs.json", b"{}")
    assert stat.S_IMODE(os.stat(shared).st_mode) == mode
    assert list(shared.iterdir()) == []

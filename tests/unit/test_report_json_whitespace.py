"""`cockpit report --format json`: indented at a terminal, compact in a pipe, the same data either way (issue 24).

A script reads the report through a pipe: there it is one line without spaces between tokens (the json module's C
encoder writes it; the indented text needs the pure-Python one, ~60 ms at 200 reps). A person at a terminal gets it
indented. Both parse to the same object. The terminal is a real pseudo-terminal (``pty``), as a user's would be.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.core.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
MARCH_10 = 1_773_144_000  # 2026-03-10T12:00:00Z


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("json-whitespace")
    db = folder / "one.db"
    with Store(db, create=True, now=lambda: MARCH_10 + 86_400) as s:
        rep = s.add_rep("Åsa Öberg", team="Nord")  # not ASCII: written as is, not as \u escapes, in both forms
        deal = s.add_deal(rep_id=rep, title="t", amount=123_400, account="Acme", stage="qualified", created_at=MARCH_10)
        s.move_deal(deal, "won", at=MARCH_10 + 3_600)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    environ.update(
        COCKPIT_DB=str(db),
        COCKPIT_NOW="2026-03-20T10:00:00",
        COCKPIT_TZ="UTC",
        COCKPIT_CONFIG=str(folder / "no-config.toml"),
        COCKPIT_CACHE_DIR="",
        XDG_DATA_HOME=str(folder / "data"),
        XDG_STATE_HOME=str(folder / "state"),
        PYTHONPATH=str(ROOT),
    )
    return environ


def _report_through_a_pipe(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "report", "--period", "2026-03", "--format", "json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _report_at_a_terminal(env: dict[str, str]) -> str:
    main, child = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "report", "--period", "2026-03", "--format", "json"],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=child,
            stderr=subprocess.PIPE,
        )
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child's end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    finally:
        os.close(main)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # the terminal turns each \n into \r\n


def test_piped_json_is_one_compact_line(env: dict[str, str]) -> None:
    text = _report_through_a_pipe(env)
    assert text.endswith("}\n") and text.count("\n") == 1, text[:200]
    data = json.loads(text)
    # Compact means no whitespace between tokens: the text is exactly the compact encoding of what it holds.
    assert text == json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert "Åsa Öberg" in text


def test_json_at_a_terminal_is_indented_and_holds_the_same_data(env: dict[str, str]) -> None:
    shown = _report_at_a_terminal(env)
    assert shown.startswith('{\n  "period": {\n    "label": "2026-03",'), shown[:200]
    assert "Åsa Öberg" in shown
    assert json.loads(shown) == json.loads(_report_through_a_pipe(env))
    # The person's copy holds the rep and the deal's money in major units, as a script's does.
    rows = json.loads(shown)["reps"]
    assert [(r["rep"], r["team"], r["revenue"], r["won"]) for r in rows] == [("Åsa Öberg", "Nord", 1234.0, 1)]

"""Store.account_names: every account's name, alphabetically without case, exactly as stored (quick entry and the
forms match typed names against them; they are read as one JSON array, see its docstring)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cockpit.core.store import Store

NOW = 1_773_576_000  # 2026-03-15

# Names as an import or a hand edit leaves them: quotes, a backslash, JSON-looking text, accents, an emoji, spaces.
NAMES = [
    'Zeta "Quoted" Ltd',
    "back\\slash & Co",
    '["not", "json"]',
    "émile SA",
    "Ünal",
    "alpha",
    "Beta 🚀",
    "  padded  ",
]


def test_every_name_comes_back_as_stored_in_case_blind_order(tmp_path: Path) -> None:
    path = tmp_path / "names.db"
    with Store(path, create=True, now=lambda: NOW) as store:
        conn = sqlite3.connect(path)
        conn.executemany("INSERT INTO accounts (name, created_at) VALUES (?, 0)", [(n,) for n in NAMES])
        # Hand edits the column's type does not stop: a number and bytes; both come back as text.
        conn.execute("INSERT INTO accounts (name, created_at) VALUES (42, 0)")
        conn.execute("INSERT INTO accounts (name, created_at) VALUES (CAST('Bytes Inc' AS BLOB), 0)")
        conn.execute("INSERT INTO accounts (name, created_at) VALUES (X'FF41', 0)")  # bytes that are not UTF-8
        conn.commit()
        conn.close()
        names = store.account_names()
    # By hand: the column's text affinity stores 42 as text; bytes sort after all text; text by its UTF-8 bytes with
    # only A-Z folded (NOCASE): ' ' < '4' < '[' < 'a' < "ba" < "be" < 'z' < 'Ü' (C3 9C) < 'é' (C3 A9).
    assert names == [
        "  padded  ",
        "42",
        '["not", "json"]',
        "alpha",
        "back\\slash & Co",
        "Beta 🚀",
        'Zeta "Quoted" Ltd',
        "Ünal",
        "émile SA",
        "Bytes Inc",
        "\ufffdA",  # the byte that is not UTF-8 replaced, the read not failed
    ]
    assert all(type(n) is str for n in names)


def test_no_accounts_is_an_empty_list(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.db", create=True, now=lambda: NOW) as store:
        assert store.account_names() == []

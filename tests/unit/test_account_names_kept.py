"""The account names a form or quick entry matches against are folded once and kept while they stay the same.

Folding 87,800 names takes ~0.15 s at the large benchmark size: each opening of quick entry reads the names again
(another user may have added one) and keeps the folded ones it has when the names read are the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cockpit.core.names import Names
from cockpit.core.quick import Catalog, match_name
from cockpit.core.store import Store
from tests.support.forms_db import make_db


def test_the_same_names_read_again_keep_their_folded_index(tmp_path: Path) -> None:
    store = make_db(tmp_path / "n.db")
    try:
        first = Catalog.from_store(store)
        assert isinstance(first.accounts, Names) and len(first.accounts) > 0
        again = Catalog.from_store(store, known=first.accounts)
        assert again.accounts is first.accounts
        fresh = Catalog.from_store(store)
        assert fresh.accounts is not first.accounts and fresh.accounts == first.accounts
    finally:
        store.close()


def test_an_account_added_or_renamed_elsewhere_is_read_and_matched(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    store = make_db(path)
    other = Store(path, user="bob")
    try:
        first = Catalog.from_store(store)
        other.add_account("Zürich Ölwerke AG")
        added = Catalog.from_store(store, known=first.accounts)
        assert added.accounts is not first.accounts
        assert match_name("zurich olwerke", added.accounts, "accounts") == "Zürich Ölwerke AG"
        # Renamed by hand in the sqlite3 shell: the same count of names, one spelled otherwise.
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE accounts SET name = 'Zürich Ölwerke SA' WHERE name = 'Zürich Ölwerke AG'")
        renamed = Catalog.from_store(store, known=added.accounts)
        assert renamed.accounts is not added.accounts and len(renamed.accounts) == len(added.accounts)
        assert match_name("zurich olwerke", renamed.accounts, "accounts") == "Zürich Ölwerke SA"
    finally:
        other.close()
        store.close()


def test_the_names_as_one_string_are_the_names_in_their_order(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    store = make_db(path)
    try:
        # Stored as bytes by another program: ordered by the stored value in both reads, not by its text.
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO accounts (name, created_at) VALUES (CAST('Bytes Inc' AS BLOB), 0)")
        assert store.account_names_joined().split("\x00") == store.account_names()
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO accounts (name, created_at) VALUES ('Null' || char(0) || 'Byte', 0)")
        joined = store.account_names_joined()
        expected = [n.replace("\x00", "\ufffd") for n in store.account_names()]
        assert joined.split("\x00") == expected and "Null\ufffdByte" in expected and "Bytes Inc" in expected
        assert list(Names.from_joined(joined)) == expected
    finally:
        store.close()


def test_no_account_is_no_name(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.db", user="alice", create=True)
    try:
        assert store.account_names_joined() == ""
        catalog = Catalog.from_store(store)
        assert len(catalog.accounts) == 0 and match_name("acme", catalog.accounts, "accounts") is None
    finally:
        store.close()

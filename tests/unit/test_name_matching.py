"""Names as people type them: folding (no case, no accents, every script), "did you mean", the store's lookups,
search, quick entry's matching, the import's refusal of look-alike names and the command line's --rep."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.core.errors import NotFoundError, ValidationError
from cockpit.core.importing import SimilarNames, import_file
from cockpit.core.names import NEAREST_ALL_UP_TO, did_you_mean
from cockpit.core.quick import AmbiguousName, match_name
from cockpit.core.store import Store
from cockpit.core.text import fold, lookalike
from cockpit.core.views import search
from tests.support.names_db import make_names_db


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_names_db(tmp_path / "names.db")
    yield s
    s.close()


def count(store: Store, table: str) -> int:
    return store.query(f"SELECT count(*) FROM {table}")[0][0]


# ---------------------------------------------------------------------------------------------- folding


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Zoë  Müller", "zoe muller"),  # accents dropped, spaces collapsed
        ("KRAKÓW", "krakow"),
        ("Søren Ødegaard", "soren odegaard"),  # letters whose accent is no combining mark
        ("François Lefèvre", "francois lefevre"),
        ("Straße", "strasse"),
        ("박지훈", "박지훈"),  # Hangul survives NFKD (jamo) whole
        ("ＡＣＭＥ", "acme"),  # full-width letters
        ("İSTANBUL", "istanbul"),  # the dot casefold adds to İ is dropped too
    ],
)
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_is_stable(text: str) -> None:
    # Folding a folded name changes nothing: lookups compare fold(typed) with fold(stored) in SQL and in Python.
    once = fold(text)
    assert fold(once) == once


def test_fold_keeps_distinct_names_of_other_scripts_apart() -> None:
    assert fold("박지훈") != fold("박지운")  # one syllable differs
    assert fold("が") != fold("か")  # a Japanese voicing mark spells another sound, not an accent


def test_did_you_mean_names_a_near_miss_only() -> None:
    names = ["Ana Torres", "Zoë Müller"]
    assert did_you_mean("Ana Toress", names) == "; did you mean Ana Torres?"
    assert did_you_mean("zoe mueller", names) == "; did you mean Zoë Müller?"
    assert did_you_mean("Bob", names) == ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Google Ad", "Google Ads"),  # a plural s
        ("Évents", "events"),  # accents, then a plural s the other way
        ("google ads", None),  # equal but for case: the same channel, nothing to ask
        ("Referral", None),
        ("", None),
    ],
)
def test_lookalike_channel(typed: str, expected: str | None) -> None:
    assert lookalike(typed, ["Google Ads", "events", "LinkedIn"]) == expected


# ---------------------------------------------------------------------------------------------- quick entry


def test_match_name_without_case_or_accents() -> None:
    accounts = ["Kraków Foods", "Acme Corp", "Acme Labs", "서울 Trading"]
    assert match_name("krakow", accounts, "accounts") == "Kraków Foods"
    assert match_name("서울", accounts, "accounts") == "서울 Trading"
    assert match_name("zoe muller", ["Zoë Müller", "Ana Torres"], "reps") == "Zoë Müller"
    # Both spellings stored: the one typed exactly (or but for case) wins over the one folding equal.
    assert match_name("ZOË", ["Zoe", "Zoë"], "reps") == "Zoë"
    assert match_name("zoe", ["Zoe", "Zoë"], "reps") == "Zoe"
    assert match_name("globex", accounts, "accounts") is None


def test_match_name_ambiguous_carries_every_candidate() -> None:
    with pytest.raises(AmbiguousName) as caught:
        match_name("acme", ["Kraków Foods", "Acme Corp", "Acme Labs"], "accounts")
    assert caught.value.candidates == ("Acme Corp", "Acme Labs")
    assert str(caught.value) == "'acme' matches several accounts: Acme Corp, Acme Labs"


# ---------------------------------------------------------------------------------------------- the store


def test_store_finds_reps_and_accounts_as_typed(store: Store) -> None:
    assert store.rep_by_name("zoe muller").id == 2
    assert store.rep_by_name("  SOREN ODEGAARD ").id == 4
    assert store.rep_by_name("박지훈").id == 3
    assert store.account_by_name("krakow foods").id == 1
    assert store.account_by_name("서울 trading").id == 4
    assert store.account_by_name("Globex") is None


def test_store_not_found_says_did_you_mean_in_one_line(store: Store) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.rep_by_name("Ana Toress")
    assert str(caught.value) == "no rep named 'Ana Toress'; did you mean Ana Torres?"
    assert store.name_hint("accounts", "Krakow Fods") == "; did you mean Kraków Foods?"


def test_store_refuses_a_folded_name_two_reps_share(store: Store) -> None:
    store.add_rep("Zoe Muller", team="Nord")  # id 5: the same name without its accents
    assert store.rep_by_name("Zoe Muller").id == 5  # spelled exactly: that one
    assert store.rep_by_name("ZOË MÜLLER").id == 2  # equal but for case (beyond ASCII): that one
    with pytest.raises(ValidationError, match="matches several reps"):
        store.rep_by_name("zoe müller")  # as much one as the other


def test_search_without_case_or_accents(store: Store) -> None:
    hits = search(store, "krakow")
    assert [(h.kind, h.title) for h in hits] == [("account", "Kraków Foods"), ("deal", "Kraków renewal")]
    assert [h.title for h in search(store, "서울")] == ["서울 Trading"]
    assert [h.title for h in search(store, "100%")] == []  # % matches itself, not everything


# ---------------------------------------------------------------------------------------------- imports


def deals_csv(tmp_path: Path, rep: str, account: str) -> Path:
    path = tmp_path / "deals.csv"
    path.write_text(f"title,rep,account,amount,created\nPilot,{rep},{account},1000,2026-10-01\n", encoding="utf-8")
    return path


def test_import_case_variant_is_the_stored_rep(store: Store, tmp_path: Path) -> None:
    result = import_file(store, "deals", deals_csv(tmp_path, "ana torres", "KRAKÓW FOODS"), tz="UTC")
    assert (result.created, result.new_reps, result.new_accounts, result.similar) == (1, [], [], [])
    assert store.query("SELECT rep_id, account_id FROM deals WHERE title = 'Pilot'")[0][:] == (1, 1)


def test_import_dry_run_lists_look_alike_names(store: Store, tmp_path: Path) -> None:
    path = deals_csv(tmp_path, "Zoe Muller", "Krakow Foods")
    result = import_file(store, "deals", path, tz="UTC", dry_run=True)
    assert result.similar == [
        "would create rep 'Zoe Muller', which differs from existing 'Zoë Müller' only by case or accents",
        "would create account 'Krakow Foods', which differs from existing 'Kraków Foods' only by case or accents",
    ]
    assert "the import refuses these unless --allow-similar-names" in result.summary()
    assert (count(store, "reps"), count(store, "deals")) == (4, 1)


def test_import_refuses_look_alike_names_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = deals_csv(tmp_path, "Zoe Muller", "Acme Corp")
    audit = count(store, "audit_log")
    with pytest.raises(SimilarNames) as caught:
        import_file(store, "deals", path, tz="UTC")
    assert str(caught.value).startswith(
        "would create rep 'Zoe Muller', which differs from existing 'Zoë Müller' only by case or accents; nothing"
    )
    assert (count(store, "reps"), count(store, "deals"), count(store, "audit_log")) == (4, 1, audit)
    result = import_file(store, "deals", path, tz="UTC", allow_similar_names=True)
    assert (result.created, result.new_reps) == (1, ["Zoe Muller"])
    assert count(store, "reps") == 5


def test_import_refuses_two_spellings_new_in_one_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    path.write_text("name,team\nLéa Roux,Sud\nLea Roux,Sud\n", encoding="utf-8")
    with pytest.raises(SimilarNames, match="'Lea Roux', which differs from existing 'Léa Roux'"):
        import_file(store, "reps", path)
    assert count(store, "reps") == 4


# ---------------------------------------------------------------------------------------------- command line


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", "UTC")
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-18T10:00:00+00:00")
    path = tmp_path / "cli.db"
    make_names_db(path).close()  # no login mapped: whoever runs the CLI may act as any rep
    return path


def test_cli_rep_and_account_as_typed(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["log", "call", "--db", str(cli_db), "--rep", "zoe muller", "--account", "krakow foods"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    with Store(cli_db) as store:
        assert store.query(f"SELECT rep_id, account_id FROM activities WHERE id = {int(out)}")[0][:] == (2, 1)


def test_cli_rep_near_miss_is_one_line(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["log", "call", "--db", str(cli_db), "--rep", "Ana Toress", "--account", "Acme Corp"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == "cockpit: error: no rep named 'Ana Toress'; did you mean Ana Torres?\n"
    with Store(cli_db) as store:
        assert count(store, "activities") == 0


def test_cli_import_refuses_then_allows(cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = deals_csv(tmp_path, "Zoe Muller", "Acme Corp")
    assert main(["import", "deals", str(path), "--db", str(cli_db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--allow-similar-names" in err
    assert main(["import", "deals", str(path), "--db", str(cli_db), "--allow-similar-names"]) == 0
    with Store(cli_db) as store:
        assert count(store, "reps") == 5


def test_a_hint_among_many_names_is_looked_for_among_those_that_begin_alike() -> None:
    # 3,000 accounts (past NEAREST_ALL_UP_TO): a typo after the first two letters is still found, in a few ms; one on
    # the first letters is not looked for (it was ~0.4 s a key over 88,000 accounts).
    names = tuple(f"Account {i:04d} Holdings" for i in range(3000)) + ("Krakow Bakery",)
    assert len(names) > NEAREST_ALL_UP_TO
    assert did_you_mean("krakow bakerry", names) == "; did you mean Krakow Bakery?"
    assert did_you_mean("krokow bakery", names) == "; did you mean Krakow Bakery?"
    assert did_you_mean("rkakow bakery", names) == ""  # the first two letters swapped: not among "rk…"
    assert did_you_mean("rkakow bakery", names[-1:]) == "; did you mean Krakow Bakery?"  # a team's few names: all

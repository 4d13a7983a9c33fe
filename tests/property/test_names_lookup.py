"""cockpit/core/names.py: the folded-names string finds what folding each name and comparing one by one finds.

The expected answers are computed here the plain way (fold each name, compare), independently of the string of
all folded names and the bisection that turns a position back into a name. The one rule the index adds: NUL (which
separates the folded names in the string) is compared as U+FFFD, in names and queries alike.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.names import Names, nearest
from cockpit.core.quick import AmbiguousName, match_name
from cockpit.core.text import fold

pytestmark = pytest.mark.slow

# Letters people type, accented ones, a few from other scripts, spaces of several kinds, and the separator itself.
LETTERS = "abcAB çÉéøØ İıß 김박 \t\u00a0\u0301\x00-&"
name = st.text(alphabet=LETTERS, max_size=12)
names_list = st.lists(name, max_size=25)


def folded_as_looked_up(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def query_for(names: list[str]) -> st.SearchStrategy[str]:
    """A query: a piece of one of the names (so that something is found), or any text."""
    pieces = [n[i:j] for n in names for i in range(len(n)) for j in range(i + 1, len(n) + 1)][:200]
    return st.sampled_from(pieces) | name if pieces else name


@settings(max_examples=300, deadline=None)
@given(st.data(), names_list)
def test_equal_starting_and_containing_find_what_a_loop_over_folded_names_finds(data, names: list[str]) -> None:
    index = Names(names)
    query = fold(data.draw(query_for(names)))
    key = folded_as_looked_up(query)
    folded = [folded_as_looked_up(fold(n)) for n in names]
    assert list(index) == names and len(index) == len(names)
    assert [index.key(i) for i in range(len(names))] == folded
    if not key:
        assert index.equal(query) == index.starting(query) == index.containing(query) == []
        return
    assert index.equal(query) == [n for n, f in zip(names, folded, strict=True) if f == key]
    assert index.starting(query) == [n for n, f in zip(names, folded, strict=True) if f.startswith(key)]
    assert index.containing(query) == [n for n, f in zip(names, folded, strict=True) if key in f]
    prefix = key[:2]
    expected: dict[str, str] = {}
    for n, f in zip(names, folded, strict=True):
        if f.startswith(prefix):
            expected.setdefault(f, n)
    assert index.first_by_key(query[:2]) == expected


def matched(query: str, names: list[str]) -> object:
    """match_name's rule the plain way: spelled so, equal but for case, then the only equal folded, prefix or
    substring match; several is ambiguous."""
    wanted = " ".join(query.split())
    q = folded_as_looked_up(fold(wanted))
    if not q:
        return None
    for n in names:
        if n == wanted:
            return n
    for n in names:
        if n.casefold() == wanted.casefold():
            return n
    for test in (lambda f: f == q, lambda f: f.startswith(q), lambda f: q in f):
        found = [n for n in names if test(folded_as_looked_up(fold(n)))]
        if len(found) == 1:
            return found[0]
        if found:
            return ("ambiguous", found)
    return None


@settings(max_examples=300, deadline=None)
@given(st.data(), names_list)
def test_match_name_through_the_index_is_the_rule_spelled_out(data, names: list[str]) -> None:
    query = data.draw(query_for(names))
    expected = matched(query, names)
    for given_as in (names, Names(names)):
        try:
            got: object = match_name(query, given_as, "accounts")
        except AmbiguousName as exc:
            got = ("ambiguous", list(exc.candidates))
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.data(), names_list)
def test_nearest_is_the_same_from_a_list_and_from_the_index(data, names: list[str]) -> None:
    query = data.draw(query_for(names))
    assert nearest(query, Names(names)) == nearest(query, list(names))


def test_many_names_folded_in_chunks_keep_their_places() -> None:
    # More names than one chunk of folding (4,096): every key in its place across the chunks' seams.
    names = [f"Çompañía {n} Ørsted" if n % 3 else f"acme {n}" for n in range(9_000)]
    index = Names(names)
    assert [index.key(i) for i in range(len(names))] == [fold(n) for n in names]
    assert index.containing("4095") == [n for n in names if "4095" in fold(n)]
    assert index.equal("acme 4095") == ["acme 4095"] and index.starting("compania 8999") == [names[8999]]


@settings(max_examples=300, deadline=None)
@given(st.data(), names_list)
def test_names_read_as_one_string_are_the_names_and_find_the_same(data, names: list[str]) -> None:
    # As the store gives them: one string, NUL between two names (a NUL inside a name arrives as U+FFFD).
    stored = [n.replace("\x00", "\ufffd") for n in names]
    text = "\x00".join(stored)
    if stored == [""]:
        stored = []  # "" holds no name (an empty name is not an account)
    index = Names.from_joined(text)
    assert list(index) == stored and len(index) == len(stored)
    assert [index[i] for i in range(-len(stored), len(stored))] == stored + stored
    assert index.same_joined(text) and Names(stored).same_joined(text)
    assert not index.same_joined(text + "x") and not index.same_joined("x" + text)
    query = fold(data.draw(query_for(stored)))
    as_list = Names(stored)
    assert index.containing(query) == as_list.containing(query)
    assert index.starting(query) == as_list.starting(query) and index.equal(query) == as_list.equal(query)

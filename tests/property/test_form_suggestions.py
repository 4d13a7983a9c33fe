"""The forms' completion (FuzzySuggester) offers what a scan of every name would.

The expected suggestion is worked out here by sorting every (casefolded, name) and (folded, name) pair and taking
the first that begins with what was typed and is longer than it: the rule the suggester had when it kept those
sorted lists, which it no longer does (it looks the folded prefix up in the names' one folded string). One rule
is new: nothing typed but spaces is completed by nothing (it offered a name beginning with spaces)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.names import Names
from cockpit.core.text import fold
from cockpit.tui.screens.forms import FuzzySuggester

pytestmark = pytest.mark.slow

LETTERS = "abcAB çÉéøØ İıß 김박-&"
names_list = st.lists(st.text(alphabet=LETTERS, max_size=10), max_size=20)


def expected(value: str, names: list[str]) -> str | None:
    typed = value.casefold()
    if not fold(value):  # nothing typed but spaces: nothing to complete
        return None
    for key, name in sorted((n.casefold(), n) for n in names):
        if key.startswith(typed) and len(name) > len(value):
            return value + name[len(value) :]
    for key, name in sorted((fold(n), n) for n in names):
        if fold(value) and key.startswith(fold(value)) and len(name) > len(value):
            return name
    return None


@settings(max_examples=300, deadline=None)
@given(st.data(), names_list)
def test_the_suggestion_is_the_first_longer_name_that_begins_as_typed(data, names: list[str]) -> None:
    prefixes = [n[:i] for n in names for i in range(1, len(n) + 1)]
    value = data.draw(st.sampled_from(prefixes) if prefixes else st.text(alphabet=LETTERS, max_size=4))
    for given_as in (names, Names(names)):
        suggester = FuzzySuggester()
        suggester.names = given_as
        assert asyncio.run(suggester.get_suggestion(value)) == expected(value, names)

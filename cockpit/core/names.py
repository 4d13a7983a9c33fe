"""A list of names folded once for the look-ups people make as they type (quick entry, the forms, "did you mean").

At the large benchmark size quick entry matches what is typed against 87,800 account names at every key. Kept as
a tuple of (name, folded name) pairs in a cache keyed by the names, the look-ups held ~22 MB (a second copy of the
names, a pair and a folded string per name, a dict of them for "did you mean", and fold's own cache filled by
them) and a substring look-up was a Python loop over every pair: ~40 ms of the UI thread per key.

:class:`Names` keeps the folded forms as one string, NUL before each and after the last (:class:`Joined`), and the
names so too when the store hands them over as one string: an equal, prefix or substring look-up is ``str.find``
over that string (~1-3 ms at that size) and a position is turned back into a name by bisecting where each begins.
It is built in the worker that reads the names (~0.15 s of folding at that size), and a caller that reads the same
names again keeps the one it has (:meth:`Names.same_joined`).

Core module: no Textual.
"""

from __future__ import annotations

import difflib
import functools
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, islice
from typing import overload

from cockpit.core.text import clean, fold, fold_uncached

#: Names folded at a time when building the string of them all.
_CHUNK = 4096

#: Between two folded names in the string of all of them.
SEP = "\x00"


def _inert(key: str) -> str:
    """``key`` with SEP as U+FFFD: a name (or a query) holding NUL is looked up as if it held the replacement
    character, so that it cannot match across two names."""
    return key.replace(SEP, "\ufffd")


class Joined(Sequence[str]):
    """Strings kept as one string, SEP before each and after the last, and where each begins: a list of tens of
    thousands of names without a Python string per name (87,800 account names: 4.3 MB instead of 7.7)."""

    __slots__ = ("starts", "text")

    def __init__(self, text: str, starts: array) -> None:
        self.text, self.starts = text, starts  # string i is text[starts[i] : starts[i + 1] - 1]

    @classmethod
    def of(cls, strings: Iterable[str]) -> Joined:
        """``strings`` (SEP in them as U+FFFD), joined a few thousand at a time: a string per item exists for one
        chunk only."""
        starts = array("i", [1])
        chunks = [SEP]
        items = iter(strings)
        while chunk := [_inert(item) for item in islice(items, _CHUNK)]:
            starts.extend(accumulate((len(item) + 1 for item in chunk), initial=starts[-1]))
            starts.pop(-len(chunk) - 1)  # the chunk's first start is the previous chunk's end, already there
            chunks.append("".join(item + SEP for item in chunk))
        return cls("".join(chunks), starts)

    @classmethod
    def split(cls, text: str) -> Joined:
        """The strings of ``text``, one SEP between each two (none before the first or after the last); "" holds
        none."""
        starts = array("i", [1])
        if not text:
            return cls(SEP, starts)
        whole = SEP + text + SEP
        find, at = whole.find, whole.find(SEP, 1)
        while at != -1:
            starts.append(at + 1)
            at = find(SEP, at + 1)
        return cls(whole, starts)

    def holds(self, text: str) -> bool:
        """Whether ``text`` (as :meth:`split` takes it) holds these strings, compared without a copy."""
        if not text:
            return len(self) == 0
        return len(self.text) == len(text) + 2 and self.text.startswith(text, 1)

    def __len__(self) -> int:
        return len(self.starts) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.text[self.starts[index] : self.starts[index + 1] - 1]


class Names(Sequence[str]):
    """``names`` in their order, with :func:`~cockpit.core.text.fold` of each for look-ups.

    The folded names are one string, each between two SEP (:class:`Joined`): an equal, prefix or substring
    look-up is ``str.find`` over it."""

    __slots__ = ("_keys", "_names")

    def __init__(self, names: Iterable[str]) -> None:
        self._names: Sequence[str] = names if isinstance(names, Joined) else tuple(names)
        self._keys = Joined.of(fold_uncached(name) for name in self._names)

    @classmethod
    def from_joined(cls, text: str) -> Names:
        """The names of ``text``, one SEP between each two (the store's :meth:`account_names_joined`), kept as
        that one string."""
        return cls(Joined.split(text))

    def same_joined(self, text: str) -> bool:
        """Whether ``text`` (as :meth:`from_joined` takes it) holds these names, in this order."""
        if isinstance(self._names, Joined):
            return self._names.holds(text)
        return list(Joined.split(text)) == list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Names | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._names))

    def __repr__(self) -> str:
        return f"Names({len(self._names)} names)"

    def key(self, index: int) -> str:
        """The folded form of name ``index``."""
        return self._keys[index]

    def equal(self, key: str) -> list[str]:
        """The names whose folded form is ``key``, in order."""
        return [self._names[i] for i in self._found(SEP + _inert(key) + SEP, 1)] if key else []

    def starting(self, key: str) -> list[str]:
        """The names whose folded form begins with ``key``, in order."""
        return [self._names[i] for i in self._found(SEP + _inert(key), 1)] if key else []

    def containing(self, key: str) -> list[str]:
        """The names whose folded form holds ``key``, in order."""
        return [self._names[i] for i in self._found(_inert(key), 0)] if key else []

    def starting_pairs(self, key: str) -> list[tuple[str, str]]:
        """(folded form, name) of the names whose folded form begins with ``key``, in order."""
        return [(self._keys[i], self._names[i]) for i in self._found(SEP + _inert(key), 1)] if key else []

    def _found(self, needle: str, offset: int) -> Iterator[int]:
        """The index of each name whose folded form holds ``needle`` (found ``offset`` before where its key is),
        once each and in order."""
        find, starts = self._keys.text.find, self._keys.starts
        at = find(needle)
        while at != -1:
            index = bisect_right(starts, at + offset) - 1
            yield index
            at = find(needle, starts[index + 1] - offset)  # on from the next name: each name once

    def first_by_key(self, prefix: str = "") -> dict[str, str]:
        """Each distinct folded form (those beginning with ``prefix``, or all) → the first name folding so."""
        out: dict[str, str] = {}
        indexes = range(len(self._names)) if not prefix else self._found(SEP + _inert(prefix), 1)
        for i in indexes:
            out.setdefault(self.key(i), self._names[i])
        return out


def names_of(names: Sequence[str]) -> Names:
    """``names`` as :class:`Names` (a short list, the reps or stages or a form's deals, is folded once per list)."""
    if isinstance(names, Names):
        return names
    return _names_of(tuple(names))


@functools.lru_cache(maxsize=8)
def _names_of(names: tuple[str, ...]) -> Names:
    return Names(names)


#: Up to this many names "did you mean" compares the query with each; past it, with those of the same first two
#: letters.
NEAREST_ALL_UP_TO = 2000


def nearest(query: str, names: Sequence[str], *, limit: int = 1) -> list[str]:
    """The names closest to ``query`` (folded, difflib's ratio of at least 0.75), closest first; [] when none is near.

    A near miss is a typo or a dropped letter (``Ana Toress``, ``acme crop``), not any name sharing a few letters."""
    wanted = fold(query)
    if not wanted:
        return []
    known = names_of(names)
    # Compared with every name, a hint over 88,000 accounts took ~0.4 s at each key typed: past a team's size, only
    # the names that begin as the query does (a typo seldom falls on the first two letters).
    by_key = known.first_by_key() if len(known) <= NEAREST_ALL_UP_TO else known.first_by_key(wanted[:2])
    close = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=0.75)
    return [by_key[key] for key in close]


def did_you_mean(query: str, names: Sequence[str]) -> str:
    """``"; did you mean Ana Torres?"`` for a near miss of one of ``names``, else ``""``: to end a not-found error."""
    found = nearest(query, names)
    return f"; did you mean {clean(found[0], max_len=60)}?" if found else ""

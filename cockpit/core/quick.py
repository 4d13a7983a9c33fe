"""The quick-entry grammar: one typed line such as ``call acme connected 12m "asked for pricing" follow-up fri``.

:func:`parse_quick` turns a line into a :class:`QuickAction` (a typed entry of :mod:`cockpit.core.actions` plus a
one-line preview) or raises :class:`ParseError` saying what is wrong. It reads names from a :class:`Catalog`
loaded once from the store, so it is pure and cheap enough to run on every keystroke. Core module: no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pendulum

from cockpit.core.actions import (
    ACTIVITY_OUTCOMES,
    ActivityEntry,
    DealEntry,
    Entry,
    FollowUp,
    Restore,
    StageMove,
    Undo,
    Void,
    check_outcome,
    find_outcome,
)
from cockpit.core.config import DEFAULT_STAGES
from cockpit.core.errors import CockpitError, NotFoundError, ParseError
from cockpit.core.names import Names, did_you_mean, names_of
from cockpit.core.parse import format_duration, format_money, parse_duration, parse_money, parse_when
from cockpit.core.store import Store, lies_ahead
from cockpit.core.text import clean, fold

__all__ = [
    "QUICK_ENTRY_HELP",
    "AmbiguousName",
    "Catalog",
    "DealRef",
    "QuickAction",
    "UnknownDeal",
    "look_up_deal",
    "match_name",
    "parse_quick",
    "parse_row_ref",
    "row_ref",
]

QUICK_ENTRY_HELP = """\
Quick entry (press : and type one line, Enter writes it)

  call ACCOUNT [OUTCOME] [DURATION] ["NOTE"] [at WHEN]
       [follow-up WHEN] [by REP]   (email, meeting: the same)
  deal ACCOUNT "TITLE" AMOUNT [STAGE] [source SRC]
       [close WHEN] [by REP]
  won DEAL      lost DEAL "REASON"     move DEAL STAGE ["REASON"]
  advance DEAL  follow-up DEAL WHEN ["NOTE"]    undo
  void DEAL|aID "REASON"               restore #ID|aID

  ACCOUNT  a name or part of one (acme -> Acme Corp); quote names
           with spaces; an unknown name creates the account
  DEAL     #1042, 1042, or part of the title (a call: #1042)
  aID      an activity by its id: a1234 (restore takes ids)
  OUTCOME  the kind's own. call: connected, voicemail (vm), no
           answer (na), meeting booked (booked), not interested,
           wrong number; email: sent, replied, bounced; meeting:
           held, no-show, rescheduled, cancelled
  DURATION 5m, 1h30, 90s, 1:30:00    AMOUNT 24k, 12,500, $12,400
  WHEN     today, yesterday 14:00, fri, next monday, +3d
  by NAME  log for another rep (managers only)

  call acme connected 12m "asked for pricing" follow-up fri
  email acme replied "wants a quote"   meeting #1042 held 45m
"""

_KIND_WORDS = {
    "call": "call",
    "called": "call",
    "email": "email",
    "mail": "email",
    "emailed": "email",
    "meeting": "meeting",
    "meet": "meeting",
    "mtg": "meeting",
}
# The kinds whose outcomes a word may name: a word naming another kind's outcome ("email acme connected") is told
# which outcomes the line's kind has, rather than "unexpected".
_OUTCOME_KINDS = tuple(ACTIVITY_OUTCOMES)
_FOLLOW_UP_WORDS = ("follow-up", "followup", "follow", "fu")
_DEAL_ID = re.compile(r"#?(\d+)")
_ROW_REF = re.compile(r"(?:(a)|d?#?)(\d+)", re.IGNORECASE)
_VERBS = "call, email, meeting, deal, won, lost, move, advance, follow-up, void, restore or undo"
_TOKEN = re.compile(r"\"([^\"]*)(\"|$)|'([^']*)('|$)|(\S+)")


@dataclass(frozen=True)
class DealRef:
    """What quick entry needs to know of a deal."""

    id: int
    title: str
    account: str | None
    stage: str
    rep: str

    def label(self) -> str:
        where = f" ({clean(self.account)})" if self.account else ""
        return f"#{self.id} {clean(self.title)}{where}"


@dataclass(frozen=True)
class Catalog:
    """Names quick entry and form completion match against, read from the store in one go.

    From the store (:meth:`from_store`) ``deals`` holds the open deals only, so the catalog grows with the pipeline,
    not with the history (every deal ever took 2.5-6 s and ~150 MB at the large benchmark size): deal titles match
    open deals, and any other deal is named by its id. Such a deal is looked up when named (:class:`UnknownDeal`,
    :meth:`with_deal`), in the caller's worker; ``missing`` remembers the ids no live deal has.
    """

    accounts: Sequence[str] = ()  # Names when read from the store: tens of thousands, looked up at every key
    deals: tuple[DealRef, ...] = ()
    stages: tuple[str, ...] = tuple(name for name, _ in DEFAULT_STAGES)  # pipeline order, won and lost last
    reps: tuple[str, ...] = ()
    open_only: bool = False  # True: ``deals`` holds the open deals (and those looked up), not every deal
    missing: frozenset[int] = frozenset()

    @classmethod
    def from_store(cls, store: Store, known: Names | None = None) -> Catalog:
        """Read from ``store``; the ``known`` account names are kept when they are the same (they are folded
        once, and at the large size folding them takes ~0.15 s). The names come as one string and stay one
        (:class:`~cockpit.core.names.Names`): 87,800 of them are 4.3 MB so, 7.7 MB as a string each."""
        names = store.account_names_joined()
        return cls(
            accounts=known if known is not None and known.same_joined(names) else Names.from_joined(names),
            deals=tuple(DealRef(*row) for row in store.open_deal_names()),
            stages=tuple(s.name for s in store.stages()),
            reps=tuple(r.name for r in store.reps(active_only=True)),
            open_only=True,
        )

    def find(self, deal_id: int) -> DealRef | None:
        """The deal of that id if the catalog holds it."""
        return next((ref for ref in self.deals if ref.id == deal_id), None)

    def deal(self, deal_id: int) -> DealRef:
        """The deal of that id; ParseError when there is none, UnknownDeal when it must be looked up first."""
        ref = self.find(deal_id)
        if ref is not None:
            return ref
        if self.open_only and deal_id not in self.missing:
            raise UnknownDeal(deal_id)
        raise ParseError(f"no deal #{deal_id}")

    def no_title_match(self, text: str, where: str = "") -> str:
        """``no open deal matches 'x'`` (``no deal`` when the catalog holds every deal); ``where`` follows "deal"."""
        return f"no {'open ' if self.open_only else ''}deal{where} matches {text!r}"

    def with_deal(self, deal_id: int, ref: DealRef | None) -> Catalog:
        """This catalog knowing deal ``deal_id`` as looked up: ``ref``, or None when no live deal has that id."""
        if ref is None:
            return replace(self, missing=self.missing | {deal_id})
        return replace(self, deals=(*self.deals, ref))


class UnknownDeal(ParseError):
    """A deal named by id that the catalog does not hold (it holds the open deals): look it up (:func:`look_up_deal`,
    in a worker), add it (:meth:`Catalog.with_deal`) and parse again."""

    def __init__(self, deal_id: int) -> None:
        super().__init__(f"looking up deal #{deal_id}…")
        self.deal_id = deal_id


def look_up_deal(store: Store, deal_id: int) -> DealRef | None:
    """The live (not voided) deal of that id as quick entry shows it, None when there is none."""
    try:
        deal = store.deal(deal_id)
    except NotFoundError:
        return None
    if deal.voided_at is not None:
        return None
    return DealRef(deal.id, deal.title, deal.account, deal.stage, deal.rep)


@dataclass(frozen=True)
class QuickAction:
    """A parsed quick-entry line: the entry to write and a one-line preview of it."""

    entry: Entry
    preview: str
    new_account: bool = False

    def describe(self) -> str:
        """One line saying what Enter will write, e.g. ``Call · Acme Corp · connected · 12m · follow-up Fri 4 Dec``."""
        return self.preview


def parse_row_ref(text: str) -> tuple[str, int]:
    """A deal or an activity named by id: ``#1042``, ``1042`` or ``d1042`` is a deal, ``a1234`` an activity.

    Returns the table ("deals" or "activities") and the id; ParseError for anything else.
    """
    m = _ROW_REF.fullmatch(text.strip())
    if m is None:
        raise ParseError(f"cannot read {text.strip()!r}: type #1042 for a deal or a1234 for an activity")
    return ("activities" if m.group(1) else "deals"), int(m.group(2))


def row_ref(table: str, row_id: int) -> str:
    """How the UI names a deal or an activity by id: ``#1042`` or ``a1234`` (what :func:`parse_row_ref` reads)."""
    return f"a{row_id}" if table == "activities" else f"#{row_id}"


class AmbiguousName(ParseError):
    """``query`` matches several names: ``candidates`` (all of them, in the catalog's order) to choose from.

    ``span`` is where the name stands in the typed line (start, end), when a quick-entry line named it: choosing a
    candidate replaces that part of the line."""

    def __init__(self, query: str, candidates: Sequence[str], what: str, span: tuple[int, int] | None = None) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        self.what = what
        self.span = span
        shown = ", ".join(clean(n, max_len=40) for n in self.candidates[:5])
        if len(self.candidates) > 5:
            shown += ", …"
        super().__init__(f"{query!r} matches several {what}: {shown}")


def match_name(query: str, names: Sequence[str], what: str) -> str | None:
    """The one name ``query`` means, compared as people type names (:func:`~cockpit.core.text.fold`: no case, no
    accents; ``krakow`` is Kraków): the name spelled exactly so, else equal but for case, else the only one folding
    equal, else the only prefix match, else the only substring match.

    None when nothing matches (:func:`~cockpit.core.names.did_you_mean` names a near miss); AmbiguousName (a
    ParseError) naming the candidates when several do.
    """
    wanted = " ".join(query.split())
    q = fold(wanted)
    if not q:
        return None
    known = names_of(names)
    # A name spelled so, or so but for case, folds to q too: those are among the names folding equal.
    equal = known.equal(q)
    for name in equal:
        if name == wanted:
            return name
    lower = wanted.casefold()
    for name in equal:
        if name.casefold() == lower:
            return name
    for found in (equal, known.starting(q), known.containing(q)):
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousName(query, found, what)
    return None


# ------------------------------------------------------------------------------------------------- parsing


@dataclass
class _Tok:
    text: str
    quoted: bool
    span: tuple[int, int] = (0, 0)  # where it stands in the line, quotes included


def _tokens(text: str) -> list[_Tok]:
    # An unclosed quote runs to the end of the line, so the preview can show a note while it is being typed.
    out = []
    for m in _TOKEN.finditer(text):
        if m.group(5) is not None:
            out.append(_Tok(m.group(5), False, m.span()))
        else:
            out.append(_Tok(m.group(1) if m.group(1) is not None else m.group(3), True, m.span()))
    return out


class _Parser:
    def __init__(self, text: str, catalog: Catalog, now: pendulum.DateTime, tz: str | None, currency: str) -> None:
        self.tokens = _tokens(text)
        self.catalog = catalog
        self.now = now
        self.tz = tz
        self.currency = currency
        self.i = 0
        self.account_hint = ""  # "; did you mean Acme Corp?" when the account typed is new but near a known one

    # --- token helpers

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise ParseError(f"missing {what}")
        self.i += 1
        return tok

    def when(self, what: str) -> pendulum.DateTime:
        """The longest run of 1-3 unquoted tokens that reads as a date/time (``next monday 10:00``)."""
        last_error: ParseError | None = None
        for n in (3, 2, 1):
            chunk = self.tokens[self.i : self.i + n]
            if len(chunk) < n or any(t.quoted for t in chunk):
                continue
            try:
                moment = parse_when(" ".join(t.text for t in chunk), now=self.now, tz=self.tz)
            except ParseError as exc:
                last_error = exc
                continue
            self.i += n
            return moment
        if last_error is None:
            raise ParseError(f"missing {what} (e.g. fri, +3d, 2026-11-27 14:00)")
        raise ParseError(f"{what}: {last_error}")

    def done_when(self) -> pendulum.DateTime:
        """When something was done (``at`` of an activity or a stage move): refused in the preview when ahead."""
        moment = self.when("date")
        if lies_ahead(moment.int_timestamp, self.now.int_timestamp):
            raise ParseError("date is in the future: log it once it has happened (or plan a follow-up)")
        return moment

    def deal(self) -> DealRef:
        tok = self.take("deal (#1042 or part of its title)")
        if not tok.quoted and (m := _DEAL_ID.fullmatch(tok.text)):
            return self.catalog.deal(int(m.group(1)))
        titles = [d.title for d in self.catalog.deals]
        title = match_name(tok.text, titles, "deals")
        if title is None:
            hint = did_you_mean(tok.text, titles) or (
                "; titles match open deals: name another by its #id" if self.catalog.open_only else ""
            )
            raise ParseError(self.catalog.no_title_match(tok.text) + hint)
        found = [d for d in self.catalog.deals if d.title == title]
        if len(found) > 1:
            raise ParseError(f"{tok.text!r} matches several deals: " + ", ".join(f"#{d.id}" for d in found[:5]))
        return found[0]

    def account(self) -> tuple[str, bool]:
        """The account the next tokens name, and whether it is new.

        Unquoted names may span words (``call acme corp connected``): the longest run of up to four words that
        matches an account wins. A name that matches nothing is a new account (its first word, or the quoted text).
        A name several accounts match raises AmbiguousName with the longest such run's candidates and place in the
        line, so that the prompt can offer them.
        """
        first = self.take("account")
        if first.quoted:
            try:
                found = match_name(first.text, self.catalog.accounts, "accounts")
            except AmbiguousName as exc:
                raise AmbiguousName(exc.query, exc.candidates, exc.what, first.span) from None
            return (found, False) if found else self._new_account(" ".join(first.text.split()))
        start = self.i - 1
        ambiguous: AmbiguousName | None = None
        for n in range(min(4, len(self.tokens) - start), 0, -1):
            chunk = self.tokens[start : start + n]
            if any(t.quoted for t in chunk):
                continue
            try:
                found = match_name(" ".join(t.text for t in chunk), self.catalog.accounts, "accounts")
            except AmbiguousName as exc:
                # Several accounts match the longer text: fewer words may name one; if not, the longest is offered.
                span = (chunk[0].span[0], chunk[-1].span[1])
                ambiguous = ambiguous or AmbiguousName(exc.query, exc.candidates, exc.what, span)
                continue
            if found:
                self.i = start + n
                return found, False
        if ambiguous is not None:
            raise ambiguous
        return self._new_account(first.text)

    def _new_account(self, name: str) -> tuple[str, bool]:
        self.account_hint = did_you_mean(name, self.catalog.accounts)
        return name, True

    def rep(self) -> str:
        tok = self.take("rep name after 'by'")
        name = match_name(tok.text, self.catalog.reps, "reps")
        if name is None:
            raise ParseError(f"no rep matches {tok.text!r}{did_you_mean(tok.text, self.catalog.reps)}")
        return name

    def stage(self, tok: _Tok) -> str | None:
        return None if tok.quoted else match_name(tok.text, self.catalog.stages, "stages")

    # --- formatting

    def day(self, moment: pendulum.DateTime) -> str:
        local = moment.in_timezone(self.now.timezone) if self.now.timezone else moment
        text = local.format("ddd D MMM")
        if local.year != self.now.year:
            text += f" {local.year}"
        if (local.hour, local.minute) != (0, 0):
            text += local.format(" HH:mm")
        return text

    # --- the verbs

    def parse(self) -> QuickAction:
        if not self.tokens:
            raise ParseError(f"type an action: {_VERBS}")
        verb = self.take("action").text.casefold()
        if verb in _KIND_WORDS:
            return self.activity(_KIND_WORDS[verb])
        handlers = {
            "deal": self.new_deal,
            "new": self.new_deal,
            "won": lambda: self.move("won"),
            "win": lambda: self.move("won"),
            "lost": lambda: self.move("lost"),
            "lose": lambda: self.move("lost"),
            "move": lambda: self.move(None),
            "stage": lambda: self.move(None),
            "advance": self.advance,
            "next": self.advance,
            "undo": self.undo,
            "void": self.void,
            "delete": self.void,
            "restore": self.restore,
            "unvoid": self.restore,
        }
        if verb in _FOLLOW_UP_WORDS:
            return self.follow_up()
        if verb not in handlers:
            raise ParseError(f"unknown action {verb!r}: expected {_VERBS}")
        return handlers[verb]()

    def activity(self, kind: str) -> QuickAction:
        target = self.take("account (or #deal)")
        account: str | None = None
        deal: DealRef | None = None
        new_account = False
        if not target.quoted and (m := _DEAL_ID.fullmatch(target.text)):
            deal = self.catalog.deal(int(m.group(1)))
        else:
            self.i -= 1
            account, new_account = self.account()
        outcome = ""
        duration: int | None = None
        note = ""
        at: pendulum.DateTime | None = None
        follow_up: pendulum.DateTime | None = None
        rep: str | None = None
        while (tok := self.peek()) is not None:
            self.i += 1
            word = tok.text.casefold()
            if tok.quoted:
                if note:
                    raise ParseError("two notes: put the whole note in one pair of quotes")
                note = tok.text
            elif word in _FOLLOW_UP_WORDS:
                follow_up = self.when("follow-up date")
            elif word in ("at", "on", "when"):
                at = self.done_when()
            elif word == "by":
                rep = self.rep()
            elif (said := self._outcome_words(word)) is not None:
                try:
                    found = check_outcome(kind, said)
                except CockpitError as exc:
                    raise ParseError(str(exc)) from None
                outcome = self._set_once(outcome, found, "outcome")
            elif deal is None and (m := re.fullmatch(r"#(\d+)", word)):
                deal = self.catalog.deal(int(m.group(1)))
            elif word[0].isdigit():
                if re.fullmatch(r"\d+", word):
                    raise ParseError(f"{tok.text!r}: give a duration a unit, e.g. {tok.text}m")
                if duration is not None:
                    raise ParseError("two durations")
                duration = parse_duration(tok.text)
            else:
                raise ParseError(f"unexpected {tok.text!r} (notes go in quotes)")
        parts = [kind.capitalize()]
        if deal is not None:
            parts.append(deal.label())
            if account is not None and deal.account and deal.account != account:
                raise ParseError(f"deal #{deal.id} is on {deal.account!r}, not {account!r}")
            account = None  # the deal names the account
        if account is not None:
            parts.append(clean(account) + (f" (new account{self.account_hint})" if new_account else ""))
        if outcome:
            parts.append(outcome)
        if duration is not None:
            parts.append(format_duration(duration))
        if at is not None:
            parts.append(f"at {self.day(at)}")
        if note:
            parts.append(f"“{clean(note, max_len=40)}”")
        if follow_up is not None:
            parts.append(f"follow-up {self.day(follow_up)}")
        if rep:
            parts.append(f"by {clean(rep)}")
        entry = ActivityEntry(
            kind=kind,
            account=account,
            deal_id=deal.id if deal else None,
            outcome=outcome,
            duration_s=duration,
            at=int((at or self.now).timestamp()),
            note=note,
            follow_up_at=int(follow_up.timestamp()) if follow_up else None,
            create_account=new_account,
            rep=rep,
        )
        return QuickAction(entry, " · ".join(parts), new_account=new_account)

    def _outcome_words(self, word: str) -> str | None:
        """The outcome ``word`` names, with the word after it when the two do (``no answer``), for any kind; the
        second word is taken. None when they name no outcome of any kind."""
        nxt = self.peek()
        if nxt is not None and not nxt.quoted:
            pair = f"{word} {nxt.text.casefold()}"
            if _names_an_outcome(pair):
                self.i += 1
                return pair
        return word if _names_an_outcome(word) else None

    @staticmethod
    def _set_once(current: str, value: str, what: str) -> str:
        if current:
            raise ParseError(f"two {what}s: {current!r} and {value!r}")
        return value

    def new_deal(self) -> QuickAction:
        account, new_account = self.account()
        title: str | None = None
        amount: int | None = None
        stage: str | None = None
        source = ""
        close: pendulum.DateTime | None = None
        rep: str | None = None
        while (tok := self.peek()) is not None:
            self.i += 1
            word = tok.text.casefold()
            if tok.quoted:
                if title is not None:
                    raise ParseError("two titles: put the whole title in one pair of quotes")
                title = tok.text
            elif word == "source":
                source = self.take("source after 'source'").text
            elif word in ("close", "closes", "closing"):
                close = self.when("close date")
            elif word == "by":
                rep = self.rep()
            elif amount is None and re.match(r"[\d$€£¥₩₹]", word):
                amount = parse_money(tok.text, currency=self.currency)
            elif stage is None and (found := self.stage(tok)) is not None:
                stage = found
            else:
                raise ParseError(f"unexpected {tok.text!r} (the title goes in quotes)")
        if not title or not title.strip():
            raise ParseError('a deal needs a title in quotes, e.g. deal acme "Renewal 2027" 24k')
        if amount is None:
            raise ParseError("a deal needs an amount, e.g. 24k")
        parts = [
            "New deal",
            clean(account) + (f" (new account{self.account_hint})" if new_account else ""),
            f"“{clean(title, max_len=40)}”",
            format_money(amount, self.currency),
            stage or self.catalog.stages[0],
        ]
        if source:
            parts.append(f"source {clean(source)}")
        if close is not None:
            parts.append(f"close {self.day(close)}")
        if rep:
            parts.append(f"by {clean(rep)}")
        entry = DealEntry(
            account=account,
            title=title.strip(),
            amount=amount,
            stage=stage,
            source=source,
            expected_close=int(close.timestamp()) if close else None,
            rep=rep,
        )
        return QuickAction(entry, " · ".join(parts), new_account=new_account)

    def move(self, stage: str | None) -> QuickAction:
        deal = self.deal()
        reason: str | None = None
        at: pendulum.DateTime | None = None
        while (tok := self.peek()) is not None:
            self.i += 1
            if tok.quoted:
                if reason is not None:
                    raise ParseError("two reasons: put the whole reason in one pair of quotes")
                reason = tok.text
            elif tok.text.casefold() in ("at", "on"):
                at = self.done_when()
            elif stage is None and (found := self.stage(tok)) is not None:
                stage = found
            else:
                raise ParseError(f"unexpected {tok.text!r} (a reason goes in quotes)")
        if stage is None:
            raise ParseError(f"missing stage ({', '.join(self.catalog.stages)})")
        if stage == deal.stage:
            raise ParseError(f"deal #{deal.id} is already {stage}")
        if stage == "lost" and not (reason or "").strip():
            raise ParseError('a lost deal needs a reason in quotes, e.g. lost 1042 "went with competitor"')
        label = {"won": "Won", "lost": "Lost"}.get(stage, "Move")
        parts = [label, deal.label(), f"{deal.stage} → {stage}"]
        if reason:
            parts.append(f"“{clean(reason, max_len=40)}”")
        if at is not None:
            parts.append(f"at {self.day(at)}")
        at_ts = int((at or self.now).timestamp())
        entry = StageMove(deal.id, stage, reason=reason, at=at_ts, from_stage=deal.stage)
        return QuickAction(entry, " · ".join(parts))

    def advance(self) -> QuickAction:
        deal = self.deal()
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        stages = list(self.catalog.stages)
        open_stages = [s for s in stages if s not in ("won", "lost")]
        if deal.stage not in open_stages:
            raise ParseError(f"deal #{deal.id} is {deal.stage}: it cannot advance")
        position = open_stages.index(deal.stage)
        target = open_stages[position + 1] if position + 1 < len(open_stages) else "won"
        entry = StageMove(deal.id, target, at=int(self.now.timestamp()), from_stage=deal.stage)
        return QuickAction(entry, f"Advance · {deal.label()} · {deal.stage} → {target}")

    def follow_up(self) -> QuickAction:
        deal = self.deal()
        when = self.when("follow-up date")
        note = ""
        while (tok := self.peek()) is not None:
            self.i += 1
            if not tok.quoted or note:
                raise ParseError(f"unexpected {tok.text!r} (a note goes in quotes)")
            note = tok.text
        parts = ["Follow-up", deal.label(), self.day(when)]
        if note:
            parts.append(f"“{clean(note, max_len=40)}”")
        return QuickAction(FollowUp(deal.id, int(when.timestamp()), note), " · ".join(parts))

    def void(self) -> QuickAction:
        target = self.peek()
        if target is not None and not target.quoted and re.fullmatch(r"a\d+", target.text, re.IGNORECASE):
            self.i += 1
            table, row_id = parse_row_ref(target.text)
            label = f"activity {row_ref(table, row_id)}"
        else:
            deal = self.deal()
            table, row_id, label = "deals", deal.id, f"deal {deal.label()}"
        reason = ""
        while (tok := self.peek()) is not None:
            self.i += 1
            if not tok.quoted or reason:
                raise ParseError(f"unexpected {tok.text!r} (the reason goes in one pair of quotes)")
            reason = tok.text
        if not reason.strip():
            raise ParseError('a void needs a reason in quotes, e.g. void 1042 "duplicate"')
        return QuickAction(Void(table, row_id, reason.strip()), f"Void · {label} · “{clean(reason, max_len=40)}”")

    def restore(self) -> QuickAction:
        # Ids only: voided rows are not in the catalog, so a title cannot name them.
        tok = self.take("what to restore (#1042 for a deal, a1234 for an activity)")
        table, row_id = parse_row_ref(tok.text)
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        what = "activity" if table == "activities" else "deal"
        return QuickAction(Restore(table, row_id), f"Restore · {what} {row_ref(table, row_id)}")

    def undo(self) -> QuickAction:
        if self.peek() is not None:
            raise ParseError("undo takes nothing after it")
        return QuickAction(Undo(), "Undo your last action")


def _names_an_outcome(text: str) -> bool:
    return any(find_outcome(kind, text) is not None for kind in _OUTCOME_KINDS)


def parse_quick(
    text: str,
    *,
    store_lookup: Catalog,
    now: pendulum.DateTime,
    tz: str | None = None,
    currency: str = "USD",
) -> QuickAction:
    """Read one quick-entry line (see :data:`QUICK_ENTRY_HELP`); ParseError says what is wrong."""
    return _Parser(text, store_lookup, now, tz, currency).parse()

"""Quick entry's catalog holds the open deals only: titles match open deals; any other deal is named by its id and
looked up when named (cockpit.core.quick: Catalog.open_only, UnknownDeal, look_up_deal, Catalog.with_deal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.actions import ActivityEntry, StageMove
from cockpit.core.errors import ParseError
from cockpit.core.quick import Catalog, DealRef, QuickAction, UnknownDeal, look_up_deal, parse_quick
from cockpit.core.store import Store
from tests.support.forms_db import NOW, NOW_TS, TZ, make_db


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The forms database (open deals 1 "Renewal 2027" and 2 "Pilot"), plus deal 3 "Old contract" won on Globex and
    deal 4 "Scrapped" voided."""
    store = make_db(tmp_path / "c.db")
    won = store.add_deal(rep_id=1, account="Globex", title="Old contract", amount=900_000, stage="proposal")
    store.move_deal(won, "won", at=NOW_TS)
    scrapped = store.add_deal(rep_id=1, account="Globex", title="Scrapped", amount=100, stage="lead")
    store.void("deals", scrapped, reason="duplicate")
    return store


def parse(text: str, catalog: Catalog) -> QuickAction:
    return parse_quick(text, store_lookup=catalog, now=NOW, tz=TZ, currency="USD")


def test_the_catalog_holds_the_open_deals_only(store: Store) -> None:
    catalog = Catalog.from_store(store)
    assert catalog.open_only
    assert [(d.id, d.title, d.stage) for d in catalog.deals] == [(1, "Renewal 2027", "proposal"), (2, "Pilot", "lead")]


def test_a_closed_deal_by_title_says_to_name_it_by_id(store: Store) -> None:
    with pytest.raises(ParseError) as info:
        parse('won "old contract"', Catalog.from_store(store))
    assert str(info.value) == "no open deal matches 'old contract'; titles match open deals: name another by its #id"


def test_a_closed_deal_by_id_is_looked_up_then_written_with_its_title(store: Store) -> None:
    catalog = Catalog.from_store(store)
    with pytest.raises(UnknownDeal) as info:
        parse('call #3 connected "thanks for the order"', catalog)
    assert info.value.deal_id == 3
    ref = look_up_deal(store, 3)
    assert ref == DealRef(3, "Old contract", "Globex", "won", "Alice")
    action = parse('call #3 connected "thanks for the order"', catalog.with_deal(3, ref))
    assert isinstance(action.entry, ActivityEntry) and action.entry.deal_id == 3
    assert "#3 Old contract (Globex)" in action.describe()
    reopened = parse("move #3 proposal", catalog.with_deal(3, ref))
    assert reopened.entry == StageMove(3, "proposal", at=NOW_TS, from_stage="won")


@pytest.mark.parametrize("deal_id", [4, 99])  # voided, never existed
def test_a_voided_or_unknown_id_is_no_deal_once_looked_up(store: Store, deal_id: int) -> None:
    ref = look_up_deal(store, deal_id)
    assert ref is None
    with pytest.raises(ParseError) as info:
        parse(f"won #{deal_id}", Catalog.from_store(store).with_deal(deal_id, ref))
    assert str(info.value) == f"no deal #{deal_id}" and not isinstance(info.value, UnknownDeal)

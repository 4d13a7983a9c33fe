"""A small database of names with accents and in other scripts, for the name-matching tests (unit and Pilot)."""

from __future__ import annotations

from pathlib import Path

import pendulum

from cockpit.core.store import Store

NOW = int(pendulum.datetime(2026, 11, 18, 10, tz="UTC").timestamp())


def make_names_db(path: Path) -> Store:
    """Reps Ana Torres (id 1), Zoë Müller (2), 박지훈 (3), Søren Ødegaard (4); accounts Kraków Foods (1), Acme Corp (2),
    Acme Labs (3), 서울 Trading (4); one deal "Kraków renewal" of Ana on Kraków Foods."""
    store = Store(path, create=True, user="tester", now=lambda: NOW)
    for name in ("Ana Torres", "Zoë Müller", "박지훈", "Søren Ødegaard"):
        store.add_rep(name, team="Nord")
    for name in ("Kraków Foods", "Acme Corp", "Acme Labs", "서울 Trading"):
        store.add_account(name)
    store.add_deal(rep_id=1, account="Kraków Foods", title="Kraków renewal", amount=100_000, stage="lead")
    return store

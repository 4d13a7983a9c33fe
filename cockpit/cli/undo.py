"""``cockpit undo``: undo your (the Unix user's) last action; the undo is audited too."""

from __future__ import annotations

import argparse

from cockpit.cli.common import add_db_option, open_stamped
from cockpit.core.actions import Undo, apply, resolve_actor
from cockpit.core.text import clean


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("undo", help="undo your last action (prints the undo's audit id)")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_stamped(args) as store:
        undo_id = apply(store, resolve_actor(store), Undo())
        print(f"{undo_id} {clean(store.audit(limit=1, user=store.user)[0].action)}")
    return 0

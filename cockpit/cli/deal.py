"""``cockpit deal add|move|void|restore``: deals from the command line; each prints the id of the row written."""

from __future__ import annotations

import argparse

from cockpit.cli.common import add_db_option, now_for, open_stamped, open_store, settings_for
from cockpit.core.actions import DealEntry, Restore, StageMove, Void, apply, resolve_actor
from cockpit.core.clock import Clock
from cockpit.core.errors import ParseError
from cockpit.core.parse import parse_id, parse_money, parse_when


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deal", help="add, move, void or restore a deal")
    verbs = p.add_subparsers(dest="deal_command", metavar="ACTION", required=True, parser_class=type(p))

    add = verbs.add_parser("add", help="add a deal; prints its id")
    add_db_option(add)
    add.add_argument("--rep", required=True, metavar="NAME", help="the owner (a rep adds only their own deals)")
    add.add_argument("--account", required=True, metavar="NAME", help="created when no account has that name")
    add.add_argument("--title", required=True, metavar="T")
    add.add_argument("--amount", required=True, metavar="A", help="24k, 12,500, $12,400.00")
    add.add_argument("--stage", metavar="S", help="default: the first stage")
    add.add_argument("--source", metavar="SRC", default="")
    add.add_argument("--expected-close", metavar="WHEN")
    add.set_defaults(func=run_add)

    move = verbs.add_parser("move", help="move a deal to a stage (lost needs --reason)")
    add_db_option(move)
    move.add_argument("id", type=deal_id)
    move.add_argument("stage")
    move.add_argument("--reason", metavar="TEXT")
    move.add_argument("--at", metavar="WHEN", help="when (default now)")
    _add_as(move)
    move.set_defaults(func=run_move)

    void = verbs.add_parser("void", help="void a deal (kept, left out of KPIs, restorable)")
    add_db_option(void)
    void.add_argument("id", type=deal_id)
    void.add_argument("--reason", required=True, metavar="TEXT")
    _add_as(void)
    void.set_defaults(func=run_void)

    restore = verbs.add_parser("restore", help="restore a voided deal")
    add_db_option(restore)
    restore.add_argument("id", type=deal_id)
    _add_as(restore)
    restore.set_defaults(func=run_restore)


def deal_id(text: str) -> int:
    """argparse type of a deal id: a number SQLite can hold, else a usage error that names it."""
    try:
        return parse_id(text, "deal id")
    except ParseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_as(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="as_rep", metavar="NAME", help="act as this rep (default: your Unix login)")


def run_add(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    amount = parse_money(args.amount, currency=settings.currency)
    close = parse_when(args.expected_close, now=now, tz=settings.timezone) if args.expected_close else None
    with open_store(settings, clock=Clock.frozen_at(now)) as store:
        actor = resolve_actor(store, args.rep)
        entry = DealEntry(
            account=args.account,
            title=args.title,
            amount=amount,
            stage=args.stage,
            source=args.source,
            expected_close=int(close.timestamp()) if close else None,
            rep=args.rep,
        )
        print(apply(store, actor, entry))
    return 0


def run_move(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    at = parse_when(args.at, now=now, tz=settings.timezone) if args.at else now
    with open_store(settings, clock=Clock.frozen_at(now)) as store:
        actor = resolve_actor(store, args.as_rep)
        print(apply(store, actor, StageMove(args.id, args.stage, reason=args.reason, at=int(at.timestamp()))))
    return 0


def run_void(args: argparse.Namespace) -> int:
    with open_stamped(args) as store:
        print(apply(store, resolve_actor(store, args.as_rep), Void("deals", args.id, args.reason)))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    with open_stamped(args) as store:
        print(apply(store, resolve_actor(store, args.as_rep), Restore("deals", args.id)))
    return 0

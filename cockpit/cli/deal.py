"""``cockpit deal add|move|void|restore``: deals from the command line.

``add``, ``void`` and ``restore`` print the id of the row written, for scripts; ``move`` says what it did in a
sentence, or gives the moved deal's record with ``--format json``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import pendulum

from cockpit.cli.common import (
    account_to_create,
    add_db_option,
    now_for,
    open_stamped,
    open_store,
    rep_or_own,
    say_created,
    settings_for,
)
from cockpit.cli.completion import completes
from cockpit.core.actions import DealEntry, Restore, StageMove, Void, apply, check, resolve_actor
from cockpit.core.clock import Clock
from cockpit.core.errors import ParseError, ValidationError
from cockpit.core.parse import format_money, parse_id, parse_money, parse_when
from cockpit.core.report import to_major
from cockpit.core.store import Deal
from cockpit.core.text import clean, inert_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deal", help="add, move, void or restore a deal")
    verbs = p.add_subparsers(dest="deal_command", metavar="ACTION", required=True, parser_class=type(p))

    add = verbs.add_parser("add", help="add a deal; prints its id")
    add_db_option(add)
    rep_help = "the owner (default: the rep of your Unix login; a rep adds only their own deals)"
    completes("reps", add.add_argument("--rep", metavar="NAME", help=rep_help))
    account_help = "the account (case and accents need not match)"
    completes("accounts", add.add_argument("--account", required=True, metavar="NAME", help=account_help))
    add.add_argument("--new-account", action="store_true", help="create the account when no account has that name")
    add.add_argument("--title", required=True, metavar="T")
    add.add_argument("--amount", required=True, metavar="A", help="24k, 12,500, $12,400.00")
    completes("stages", add.add_argument("--stage", metavar="S", help="default: the first stage"))
    add.add_argument("--source", metavar="SRC", default="")
    add.add_argument("--expected-close", metavar="WHEN")
    add.set_defaults(func=run_add)

    move = verbs.add_parser("move", help="move a deal to a stage (lost needs --reason); says what it did")
    add_db_option(move)
    move.add_argument("id", type=deal_id)
    completes("stages", move.add_argument("stage"))
    move.add_argument("--reason", metavar="TEXT")
    move.add_argument("--at", metavar="WHEN", help="when (default now)")
    move.add_argument("--force", action="store_true", help="move a won deal to lost (it undoes the win)")
    move.add_argument(
        "--format", choices=("text", "json"), default="text", help="a sentence (default), or the deal's record"
    )
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
    completes(
        "reps", p.add_argument("--as", dest="as_rep", metavar="NAME", help="act as this rep (default: your Unix login)")
    )


def run_add(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    amount = parse_money(args.amount, currency=settings.currency)
    close = parse_when(args.expected_close, now=now, tz=settings.timezone) if args.expected_close else None
    with open_store(settings, clock=Clock.frozen_at(now)) as store:
        rep = rep_or_own(store, args.rep, "whose deal it is")
        actor = resolve_actor(store, rep)
        created = account_to_create(store, args.account, create=args.new_account)
        entry = DealEntry(
            account=args.account,
            title=args.title,
            amount=amount,
            stage=args.stage,
            source=args.source,
            expected_close=int(close.timestamp()) if close else None,
            rep=rep,
        )
        print(apply(store, actor, entry))
        say_created(created)
    return 0


def run_move(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    at = parse_when(args.at, now=now, tz=settings.timezone) if args.at else now
    with open_store(settings, clock=Clock.frozen_at(now)) as store:
        actor = resolve_actor(store, args.as_rep)
        before = store.deal(args.id)
        # from_stage: should someone move the deal between this read and the write, the store refuses the move
        # rather than apply it to a stage nobody looked at (the --force below was given for a won deal).
        move = StageMove(args.id, args.stage, reason=args.reason, at=int(at.timestamp()), from_stage=before.stage)
        check(store, actor, move)  # "not your deal" before "add --force": there is nothing to force
        if before.stage == "won" and args.stage.strip().lower() == "lost" and not args.force:
            raise ValidationError(f"deal #{before.id} is won: moving it to lost undoes the win; add --force to do it")
        apply(store, actor, move)
        after = store.deal(args.id)
    if args.format == "json":
        record = deal_record(after, from_stage=before.stage, moved_at=at, currency=settings.currency)
        print(inert_json(json.dumps(record, ensure_ascii=False, indent=2)))
    else:
        print(clean(move_sentence(after, before.stage, at=at if args.at else None, currency=settings.currency)))
    return 0


def move_sentence(deal: Deal, from_stage: str, *, at: pendulum.DateTime | None, currency: str) -> str:
    """What ``deal move`` did, for people: ``Moved deal #12 "Renewal" (Acme, Ana Torres, $24,000.00) from proposal to
    lost: went with competitor.`` ``at`` is said when the move was dated (--at), not done now."""
    whose = ", ".join(part for part in (deal.account, deal.rep, format_money(deal.amount, currency)) if part)
    when = f" on {at.format('YYYY-MM-DD HH:mm')}" if at is not None else ""
    reason = f": {deal.lost_reason}" if deal.stage == "lost" and deal.lost_reason else ""
    return f'Moved deal #{deal.id} "{deal.title}" ({whose}) from {from_stage} to {deal.stage}{when}{reason}.'


def deal_record(deal: Deal, *, from_stage: str, moved_at: pendulum.DateTime, currency: str) -> dict[str, Any]:
    """The moved deal as ``deal move --format json`` gives it: money in major units (as ``cockpit report``), times
    as ISO 8601 in the configured zone."""
    tz = moved_at.timezone

    def when(ts: int | None) -> str | None:
        return None if ts is None else pendulum.from_timestamp(ts, tz=tz).to_iso8601_string()

    return {
        "id": deal.id,
        "title": deal.title,
        "account": deal.account,
        "rep": deal.rep,
        "amount": to_major(deal.amount, currency),
        "currency": currency,
        "from_stage": from_stage,
        "stage": deal.stage,
        "moved_at": moved_at.to_iso8601_string(),
        "probability": deal.probability,
        "lost_reason": deal.lost_reason,
        "source": deal.source,
        "created_at": when(deal.created_at),
        "expected_close": when(deal.expected_close),
        "closed_at": when(deal.closed_at),
    }


def run_void(args: argparse.Namespace) -> int:
    with open_stamped(args) as store:
        print(apply(store, resolve_actor(store, args.as_rep), Void("deals", args.id, args.reason)))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    with open_stamped(args) as store:
        print(apply(store, resolve_actor(store, args.as_rep), Restore("deals", args.id)))
    return 0

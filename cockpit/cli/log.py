"""``cockpit log call|email|meeting``: log an activity from the command line; prints the new activity's id."""

from __future__ import annotations

import argparse

from cockpit.cli.common import (
    account_to_create,
    add_db_option,
    now_for,
    open_store,
    rep_or_own,
    say_created,
    settings_for,
)
from cockpit.cli.completion import completes
from cockpit.cli.deal import deal_id
from cockpit.core.actions import (
    ACTIVITY_OUTCOMES,
    LOGGABLE_KINDS,
    ActivityEntry,
    apply,
    find_outcome,
    kind_phrase,
    resolve_actor,
)
from cockpit.core.clock import Clock
from cockpit.core.errors import ParseError
from cockpit.core.parse import parse_duration, parse_when
from cockpit.core.text import clean


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="log a call, email or meeting")
    p.add_argument("kind", choices=LOGGABLE_KINDS)
    add_db_option(p)
    rep_help = "who did it (default: the rep of your Unix login; a rep logs only as themselves)"
    completes("reps", p.add_argument("--rep", metavar="NAME", help=rep_help))
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--deal", type=deal_id, metavar="ID", help="the deal it was about")
    account = target.add_argument("--account", metavar="NAME", help="the account (case and accents need not match)")
    completes("accounts", account)
    p.add_argument("--new-account", action="store_true", help="create the account when no account has that name")
    said = "; ".join(f"{kind}: {', '.join(ACTIVITY_OUTCOMES[kind])}" for kind in LOGGABLE_KINDS)
    p.add_argument("--outcome", metavar="O", help=f"the kind's own ({said})")
    p.add_argument("--duration", metavar="D", help="5m, 1h30, 90s, 1:30:00")
    p.add_argument("--at", metavar="WHEN", help="when it happened (default now): 2026-11-27 14:00, yesterday 14:00")
    p.add_argument("--note", metavar="TEXT", default="")
    p.add_argument("--follow-up", metavar="WHEN", help="schedule a follow-up: fri, +3d, next monday 10:00")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    outcome = ""
    if args.outcome and args.outcome.strip():
        found = find_outcome(args.kind, args.outcome)
        if found is None:
            shown = clean(args.outcome.strip(), max_len=40)
            said = ", ".join(ACTIVITY_OUTCOMES[args.kind])
            raise ParseError(f"--outcome {shown!r}: {kind_phrase(args.kind)}'s outcomes are {said}")
        outcome = found
    # Everything is parsed before the database is opened for writing: bad input writes nothing.
    duration = parse_duration(args.duration) if args.duration else None
    at = parse_when(args.at, now=now, tz=settings.timezone) if args.at else now
    follow_up = parse_when(args.follow_up, now=now, tz=settings.timezone) if args.follow_up else None
    with open_store(settings, clock=Clock.frozen_at(now)) as store:
        rep = rep_or_own(store, args.rep, "who did it")
        actor = resolve_actor(store, rep)
        created = account_to_create(store, args.account, create=args.new_account)
        entry = ActivityEntry(
            kind=args.kind,
            account=args.account,
            deal_id=args.deal,
            outcome=outcome,
            duration_s=duration,
            at=int(at.timestamp()),
            note=args.note,
            follow_up_at=int(follow_up.timestamp()) if follow_up else None,
            create_account=args.new_account,
            rep=rep,
        )
        print(apply(store, actor, entry))
        say_created(created)
    return 0

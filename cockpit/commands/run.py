"""``cockpit [run]``: open the cockpit screen."""

from __future__ import annotations

import argparse

from cockpit.cli import add_db_option, now_for, settings_for
from cockpit.commands.common import open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="open the cockpit (the default command)")
    add_db_option(p)
    p.add_argument("--as", dest="as_rep", metavar="NAME", help="act as this rep (default: your Unix login)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    try:
        from cockpit.app import make_app
    except ImportError:  # until the screen exists, the default command prints the report
        from cockpit.commands import report

        args.period = args.date_from = args.date_to = args.team = args.rep = None
        args.format, args.trend = "table", 12
        return report.run(args)
    store = open_store(settings)
    app = make_app(store, settings=settings, now=now, as_rep=args.as_rep)
    app.run()
    return 0

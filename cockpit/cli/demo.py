"""``cockpit demo PATH``: write deterministic demo data."""

from __future__ import annotations

import argparse
import sys

import pendulum

from cockpit.core.config import load_settings
from cockpit.core.demo import generate
from cockpit.core.errors import ParseError
from cockpit.core.text import clean


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write a deterministic demo database")
    p.add_argument("path", help="new database file")
    p.add_argument("--reps", type=int, default=8)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--end", help="last day of the data (YYYY-MM-DD, default today)")
    p.add_argument("--tz", help="time zone of the data (default: the configured or the system's)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    end = None
    if args.end:
        try:
            end = pendulum.parse(args.end).date()
        except Exception:
            raise ParseError(f"--end {args.end!r} is not a date (YYYY-MM-DD)") from None
    if args.reps < 1 or args.months < 1:
        raise ParseError("--reps and --months must be at least 1")
    summary = generate(
        args.path,
        reps=args.reps,
        months=args.months,
        seed=args.seed,
        end=end,
        tz=args.tz or settings.timezone,
        progress=lambda msg: print(clean(msg), file=sys.stderr) if sys.stderr.isatty() else None,
    )
    print(f"wrote {clean(args.path)}: {clean(summary)}")
    return 0

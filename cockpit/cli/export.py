"""``cockpit export KIND FILE``: write deals, activities, reps, costs or quotas as CSV that import reads back."""

from __future__ import annotations

import argparse

from cockpit.cli.common import add_db_option, open_store, settings_for
from cockpit.core.exporting import export
from cockpit.core.presets import IMPORT_KINDS
from cockpit.core.text import clean


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export deals, activities, reps, costs or quotas to a CSV file")
    p.add_argument("kind", choices=IMPORT_KINDS)
    p.add_argument("file", help="CSV file to write (replaced if it exists)")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    with open_store(settings, readonly=True) as store:
        count = export(store, args.kind, args.file, currency=settings.currency, tz=settings.timezone)
    print(f"wrote {count} {args.kind} rows to {clean(args.file)}")
    return 0

"""``cockpit init PATH`` and ``cockpit check [PATH]``: set up and check a database a team shares on one server."""

from __future__ import annotations

import argparse
import sys

from cockpit.cli.common import EXIT_USER_ERROR, add_db_option, settings_for
from cockpit.core.shared import check_database, init_database
from cockpit.core.text import clean


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create an empty database that a Unix group can share")
    p.add_argument("path", help="the database file to create (its folder is made group-writable and setgid)")
    p.add_argument("--group", help="the Unix group that may write it (default: the folder's group)")
    p.set_defaults(func=run_init)

    c = sub.add_parser("check", help="check a shared database: integrity, schema, filesystem and permissions")
    c.add_argument("path", nargs="?", help="the database file (default: the configured database)")
    add_db_option(c)
    c.add_argument("--quick", action="store_true", help="run quick_check instead of the full integrity_check")
    c.add_argument(
        "--repair",
        action="store_true",
        help="rebuild deal_calls from the calls if it was edited by hand, and delete the stored KPI buckets that"
        " differ from a recount (cockpits count them again)",
    )
    c.add_argument(
        "--shared",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="judge it as a database a group shares (--shared) or as one person's (--no-shared); default: as its "
        "permissions say (group-writable file or folder, or a setgid folder: shared)",
    )
    c.set_defaults(func=run_check)


def run_init(args: argparse.Namespace) -> int:
    db = init_database(args.path, group=args.group)
    print(clean(f"created {db}: group members can now run: cockpit --db {db}"))
    return 0


def run_check(args: argparse.Namespace) -> int:
    path = args.path or settings_for(args).db_path
    report = check_database(path, quick=args.quick, shared=args.shared, repair=args.repair)
    print(clean(str(report.path)))
    for name, value in report.facts:
        print(f"  {name}: {clean(value)}")
    for problem in report.problems:
        print(f"cockpit: problem: {clean(problem)}", file=sys.stderr)
    if report.problems:
        return EXIT_USER_ERROR
    if report.shared:
        print("  all good: every member of the group can write it")
    else:
        print("  all good for one person (to share it with a team: cockpit init, or check it with --shared)")
    return 0

"""``cockpit import KIND FILE``: read a CSV export of another CRM or a spreadsheet into the database."""

from __future__ import annotations

import argparse
import sys

from cockpit.cli.common import EXIT_USER_ERROR, add_db_option, now_for, settings_for
from cockpit.core.errors import CockpitError
from cockpit.core.importing import ImportFailed, import_file, parse_assignments
from cockpit.core.presets import IMPORT_KINDS, PRESETS
from cockpit.core.snapshot import count_opening_view
from cockpit.core.store import Store
from cockpit.core.text import clean, inert


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import deals, reps, activities, costs or quotas from a CSV file")
    p.add_argument("kind", choices=IMPORT_KINDS)
    p.add_argument("file", help="CSV file (UTF-8 with or without BOM; comma, semicolon or tab)")
    add_db_option(p)
    p.add_argument("--preset", choices=sorted(PRESETS), help="the CRM whose standard export this is")
    p.add_argument(
        "--map", action="append", default=[], metavar="FIELD=COLUMN", help="read FIELD from COLUMN (repeatable)"
    )
    p.add_argument(
        "--stage-map", action="append", default=[], metavar="THEIRS=OURS", help="their stage name is our stage"
    )
    p.add_argument(
        "--lost-from-lead",
        action="store_true",
        help="deals: lost deals with no qualified date or history never left lead (not opportunities); by default"
        " a closed deal, won or lost, was qualified when created",
    )
    p.add_argument(
        "--outcome-map",
        action="append",
        default=[],
        metavar="THEIRS=OURS",
        help="activities: their outcome is our outcome (e.g. 'Left live message=voicemail')",
    )
    p.add_argument("--date-format", metavar="FMT", help="strptime format (%%d.%%m.%%Y) or dmy / mdy")
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help="the file's encoding when it is not UTF-8 (cp1252, latin-1, utf-16...); a file with no UTF-8 in it at"
        " all is read as cp1252",
    )
    p.add_argument(
        "--allow-similar-names",
        action="store_true",
        help="create reps and accounts whose names differ from others only by accents (Zoe Muller beside Zoë Müller);"
        " by default the import refuses them",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be created and updated; write nothing")
    p.add_argument("--skip-bad", action="store_true", help="import the readable rows and list the others")
    p.set_defaults(func=run)


class _ProgressBar:
    """A one-line bar on stderr, redrawn at most every percent."""

    def __init__(self) -> None:
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self.shown:
            return
        self.shown = percent
        filled = percent * 30 // 100
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (30 - filled)}] {percent:3d}% {done}/{total} rows")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)  # a bad $COCKPIT_NOW is refused before anything is written
    mapping = parse_assignments(args.map, "--map")
    stage_map = parse_assignments(args.stage_map, "--stage-map")
    outcome_map = parse_assignments(args.outcome_map, "--outcome-map")
    if args.lost_from_lead and args.kind != "deals":
        raise CockpitError(f"--lost-from-lead is about deals, not {args.kind}")
    if outcome_map and args.kind != "activities":
        raise CockpitError(f"--outcome-map is about activities, not {args.kind}")
    if settings.is_demo_default:
        raise CockpitError("name the database to import into: --db PATH (or $COCKPIT_DB, or db in the config file)")
    # Importing is how a team starts: a named database that does not exist yet is created (and removed again
    # when the import fails or is a dry run, so that "nothing written" holds for the file system too).
    path = settings.db_path
    existed = path.exists()
    result = None
    try:
        with Store(path, create=True, stages=settings.stages) as store:
            result = import_file(
                store,
                args.kind,
                args.file,
                preset=args.preset,
                mapping=mapping,
                stage_map=stage_map,
                date_format=args.date_format,
                dry_run=args.dry_run,
                skip_bad=args.skip_bad,
                progress=_ProgressBar() if sys.stderr.isatty() else None,
                currency=settings.currency,
                tz=settings.timezone,
                encoding=args.encoding,
                lost_from_lead=args.lost_from_lead,
                outcome_map=outcome_map,
                allow_similar_names=args.allow_similar_names,
            )
            if not args.dry_run:
                # The KPIs the first start will show, counted now and stored in the file: that start (anyone's)
                # reads them instead of counting the whole imported history.
                count_opening_view(store, settings, now)
    except ImportFailed as exc:
        for error in exc.errors:
            print(f"{clean(args.file)}: {clean(str(error))}", file=sys.stderr)
        n = len(exc.errors)
        print(
            f"cockpit: error: {n} row{'s' if n != 1 else ''} cannot be read; nothing was imported "
            "(fix them, or --skip-bad to import the others)",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    finally:
        if not existed and (result is None or args.dry_run):
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
    # Rep and account names and skipped cells come from the file: printed inert.
    print(inert(result.summary()))
    return 0

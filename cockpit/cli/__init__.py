"""The ``cockpit`` command line: one sub-command a module under ``cockpit.cli``.

Every user-facing failure is a one-line message on stderr with exit code 2; an unexpected failure is logged with
its traceback to the state directory and reported in one line that says where. No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

import pendulum

from cockpit.core.config import Settings, load_settings
from cockpit.core.errors import CockpitError, ParseError, log_internal_error

# Sub-command modules, in the order --help lists them. Each has register(subparsers).
COMMANDS = ("run", "report", "demo", "log", "deal", "undo", "importcmd", "export", "admin")

#: The module that registers each sub-command name (a test checks it against what the modules register), so that
#: a command line naming one builds and imports only that one's parser (the other eight cost ~5 ms of each start).
COMMAND_MODULES = {
    "run": "run",
    "report": "report",
    "demo": "demo",
    "log": "log",
    "deal": "deal",
    "undo": "undo",
    "import": "importcmd",
    "export": "export",
    "init": "admin",
    "check": "admin",
}

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is our one-line error with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CockpitError(f"{self.prog}: {message}")


def build_parser(modules: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The parser with the sub-commands of ``modules`` (all of them by default)."""
    parser = _Parser(prog="cockpit", description="A terminal sales cockpit over a shared SQLite database.")
    parser.add_argument("--db", help="database file (default: $COCKPIT_DB, the config file, or the demo database)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in modules:
        importlib.import_module(f"cockpit.cli.{name}").register(sub)
    return parser


def command_module(argv: Sequence[str]) -> str | None:
    """The module of the sub-command ``argv`` names (``run`` when it names none), or None when only the full
    parser can answer: help asked before the sub-command, or a word that is not a sub-command (its error lists
    them)."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help"):
            return None
        if word == "--db":
            next(words, None)  # its value, whatever it looks like
        elif word.startswith("--db="):
            continue
        elif word.startswith("-") and word != "-":
            return None  # an option the top level does not have: the full parser reports it
        else:
            return COMMAND_MODULES.get(word)
    return "run"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db PATH`` on a sub-command (it may also come before the sub-command)."""
    parser.add_argument("--db", dest="sub_db", metavar="PATH", help="database file")


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings with the --db flag given before or after the sub-command."""
    return load_settings(getattr(args, "sub_db", None) or getattr(args, "db", None))


def now_for(settings: Settings) -> pendulum.DateTime:
    """The clock: $COCKPIT_NOW (ISO date-time, for tests and snapshots) or the real time, in the configured zone."""
    frozen = os.environ.get("COCKPIT_NOW")
    tz = settings.timezone or pendulum.local_timezone()
    if frozen:
        try:
            return pendulum.parse(frozen, tz=tz)  # type: ignore[return-value]
        except Exception:
            raise ParseError(f"COCKPIT_NOW={frozen!r} is not an ISO date-time") from None
    return pendulum.now(tz)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cockpit`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        module = command_module(argv)
        parser = build_parser(COMMANDS if module is None else (module,))
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args([*argv, "run"])
        return int(args.func(args) or 0)
    except CockpitError as exc:
        print(f"cockpit: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: never a traceback on the user's terminal
        where = log_internal_error(exc)
        detail = f"details in {where}" if where else "and the error log could not be written"
        print(f"cockpit: internal error: {type(exc).__name__}: {exc} ({detail})", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

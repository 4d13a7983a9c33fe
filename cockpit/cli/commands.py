"""The ``cockpit`` command line: the parser of every sub-command, and the entry point.

Every user-facing failure is a one-line message on stderr with exit code 2; an unexpected failure is logged with
its traceback to the state directory and reported in one line that says where. No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cockpit.cli import admin, completion, deal, demo, export, importcmd, log, report, run, undo
from cockpit.cli.common import EXIT_INTERNAL, EXIT_USER_ERROR
from cockpit.core.charset import for_terminal
from cockpit.core.errors import CockpitError, log_internal_error
from cockpit.core.text import clean

#: The sub-command modules, in the order --help lists them; each has ``register(subparsers)``.
COMMANDS = (run, report, demo, log, deal, undo, importcmd, export, admin, completion)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is our one-line error with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # main() prints "cockpit: error: ..."; a sub-command's parser names itself ("cockpit report: ...").
        prefix = self.prog.removeprefix("cockpit").strip()
        raise CockpitError(f"{prefix}: {message}" if prefix else message)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``cockpit`` command and all its sub-commands."""
    parser = _Parser(prog="cockpit", description="A terminal sales cockpit over a shared SQLite database.")
    parser.add_argument("--db", help="database file (default: $COCKPIT_DB, the config file, or the demo database)")
    # `cockpit` alone opens the cockpit: its options work without naming `run`.
    run.add_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cockpit`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        completion.autocomplete(parser)  # only when the shell asks for Tab completions: prints them and exits
        args = parser.parse_args(argv)
        if args.command is None:
            return run.run(args)
        return int(args.func(args) or 0)
    except CockpitError as exc:
        # Messages quote what was typed or stored: escape sequences in them must not reach the terminal.
        print(for_terminal(f"cockpit: error: {clean(str(exc))}"), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: never a traceback on the user's terminal
        where = log_internal_error(exc)
        detail = f"details in {where}" if where else "and the error log could not be written"
        line = f"cockpit: internal error: {type(exc).__name__}: {clean(str(exc))} ({clean(detail)})"
        print(for_terminal(line), file=sys.stderr)
        return EXIT_INTERNAL

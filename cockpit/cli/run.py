"""``cockpit [run]``: open the cockpit screen."""

from __future__ import annotations

import argparse
import os

from cockpit.cli.common import add_db_option, ensure_demo_database, now_for, open_store, settings_for
from cockpit.cli.completion import completes
from cockpit.core.clock import Clock

MOUSE_HELP = (
    "turn the terminal's mouse reporting on or off. Default: on, except over SSH ($SSH_CONNECTION set), where "
    "every mouse movement would make the cockpit send a repaint across the network"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="open the cockpit (the default command)")
    add_db_option(p)
    add_options(p)
    p.set_defaults(func=run)


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of the cockpit screen. ``cockpit`` alone runs it, so the top-level parser has them too
    (``cockpit --as NAME``, as README writes it). Unset, they stay out of the namespace (``argparse.SUPPRESS``):
    an option given before ``run`` is not overwritten by ``run``'s unset one."""
    as_rep = parser.add_argument(
        "--as",
        dest="as_rep",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="act as this rep (default: your Unix login)",
    )
    completes("reps", as_rep)
    parser.add_argument("--mouse", action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help=MOUSE_HELP)


def mouse_wanted(flag: bool | None, env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """--mouse / --no-mouse when given; otherwise on, except in an SSH session."""
    if flag is not None:
        return flag
    return not env.get("SSH_CONNECTION")


def run(args: argparse.Namespace) -> int:
    """Open the cockpit screen with the options of ``cockpit [run]``."""
    settings = settings_for(args)
    start = now_for(settings)  # $COCKPIT_NOW (tests, snapshots; checked here) or the real time
    # One clock for the app, its forms and the store's stamps: from $COCKPIT_NOW it runs on from that moment (a
    # form's "now" would otherwise be refused by the store as the future of the real time).
    clock = Clock.running_from(start) if os.environ.get("COCKPIT_NOW") else Clock.real(settings.timezone)
    ensure_demo_database(settings)
    store = open_store(settings, clock=clock)
    # The terminal UI is loaded by the one command that opens it: report, log, import and the others are what
    # scripts and cron jobs run, and they never load Textual (tests/unit/test_layers.py).
    from cockpit.tui.app import make_app

    app = make_app(store, settings=settings, now=clock, as_rep=getattr(args, "as_rep", None))
    app.run(mouse=mouse_wanted(getattr(args, "mouse", None)))
    if app.crashed is not None:
        # The terminal is restored by now: cli.main logs the traceback and prints one line.
        raise app.crashed
    return 0

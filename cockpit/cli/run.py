"""``cockpit [run]``: open the cockpit screen."""

from __future__ import annotations

import argparse
import gc
import os

import pendulum

from cockpit.cli.common import add_db_option, now_for, settings_for
from cockpit.cli.common import ensure_demo_database, open_store
from cockpit.core.config import Settings
from cockpit.core.snapshot import ForkedFirstRead, can_fork

MOUSE_HELP = (
    "turn the terminal's mouse reporting on or off. Default: on, except over SSH ($SSH_CONNECTION set), where "
    "every mouse movement would make the cockpit send a repaint across the network"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="open the cockpit (the default command)")
    add_db_option(p)
    p.add_argument("--as", dest="as_rep", metavar="NAME", help="act as this rep (default: your Unix login)")
    p.add_argument("--mouse", action=argparse.BooleanOptionalAction, default=None, help=MOUSE_HELP)
    p.set_defaults(func=run)


def mouse_wanted(flag: bool | None, env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """--mouse / --no-mouse when given; otherwise on, except in an SSH session."""
    if flag is not None:
        return flag
    return not env.get("SSH_CONNECTION")


def run(args: argparse.Namespace) -> int:
    # No garbage collection until the first data frame is painted (the app collects, freezes and turns it back on
    # then, or START_GC_PAUSE after it mounted at the latest): the start makes long-lived objects (modules, widgets,
    # the first snapshot), and each automatic collection walked all of them for nothing (~25 ms of the first frame
    # at S). Back on in any case when this returns or raises.
    gc.disable()
    try:
        settings = settings_for(args)
        now = now_for(settings)
        ensure_demo_database(settings)
        first_read = start_first_read(settings, now, args.as_rep)
        from cockpit.tui.app import make_app  # here, not at the top: `cockpit report` and friends never load Textual

        store = open_store(settings)
        app = make_app(store, settings=settings, now=now, as_rep=args.as_rep, first_read=first_read)
        if os.environ.get("COCKPIT_NOW"):
            # The store stamps writes and refuses what lies ahead of its clock: the app's, as the CLI's commands
            # set theirs (log.open_at), or a form's "now" would be refused as the future of the real time.
            store.clock = lambda: app.clock().timestamp()
        app.run(mouse=mouse_wanted(getattr(args, "mouse", None)))
    finally:
        gc.enable()
    if app.crashed is not None:
        # The terminal is restored by now: cli.main logs the traceback and prints one line.
        raise app.crashed
    return 0


def start_first_read(settings: Settings, now: pendulum.DateTime, as_rep: str | None) -> ForkedFirstRead | None:
    """Start the first read in a forked child, before Textual is imported: its queries then run on another core
    while this process imports Textual and builds the app (at L, ~70 ms sooner to the first frame; see
    docs/PERFORMANCE.md). None where fork is not available: the app then reads in a thread."""
    if not can_fork():
        return None
    try:
        return ForkedFirstRead(settings, now, as_rep)
    except OSError:  # no process or pipe left (ulimit): read in a thread instead
        return None

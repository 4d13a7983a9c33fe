"""Shell completion: ``cockpit completion bash|zsh|fish`` prints the code that a shell's start-up file evaluates;
from then on Tab completes commands, options, and the names of reps, teams, accounts and stages.

argcomplete does the work: it reads our argparse parser, so a new option completes with no code here. It is
imported only when the shell asks for completions (``$_ARGCOMPLETE`` set) or for the script: every other run of
``cockpit`` starts without it. Names are read by :func:`~cockpit.core.store.peek.names_for_completion`, which
changes nothing on disk.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from cockpit.core.config import load_settings
from cockpit.core.store.peek import names_for_completion
from cockpit.core.text import clean

SHELLS = ("bash", "zsh", "fish")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "completion",
        help="print the shell code for Tab completion",
        description='Tab completion for cockpit: add  eval "$(cockpit completion bash)"  to ~/.bashrc (zsh: '
        'eval "$(cockpit completion zsh)" in ~/.zshrc after compinit; fish: cockpit completion fish | source).',
    )
    p.add_argument("shell", choices=SHELLS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import argcomplete

    print(argcomplete.shellcode(["cockpit"], shell=args.shell), end="")
    return 0


class NameCompleter:
    """argcomplete's completer of one kind of name, from the database the command line names so far (``--db``
    before or after the sub-command), else the configured one. Never the demo database generated on first use:
    where it does not exist yet there is nothing to complete."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
        try:
            db = getattr(parsed_args, "sub_db", None) or getattr(parsed_args, "db", None)
            names = names_for_completion(load_settings(db).db_path, self.kind, prefix)
        except Exception:  # a bad config file, an odd path: no names rather than an error in the typed line
            return []
        # A name is typed into the user's shell: nothing in it may act on the terminal.
        return [clean(name) for name in names]


def completes(kind: str, action: argparse.Action) -> argparse.Action:
    """Give ``action`` (an option taking a name) the completer of ``kind``: reps, teams, accounts or stages."""
    action.completer = NameCompleter(kind)  # type: ignore[attr-defined]  # argcomplete reads this attribute
    return action


def autocomplete(parser: argparse.ArgumentParser, **options: Callable[..., Any] | Any) -> None:
    """When the shell asks for completions, print them and end the process (argcomplete's protocol); otherwise
    return at once. ``options`` go to ``argcomplete.autocomplete`` (tests pass an output stream and an exit)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    argcomplete.autocomplete(parser, **options)

"""The ``cockpit`` console script: the compiled-code cache first (so that the modules the command imports find
their dataclasses' code already compiled), then the command line."""

from __future__ import annotations

from cockpit import compiled_code


def main() -> int:
    """Entry point of the ``cockpit`` command and of ``python -m cockpit``."""
    compiled_code.install()
    try:
        from cockpit.cli import main as cli_main

        return cli_main()
    finally:
        compiled_code.save()  # what was compiled after the first frame's save (screens opened later, other commands)

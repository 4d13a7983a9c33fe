"""The ``cockpit`` command line: :func:`main` (in ``commands``) and one module per sub-command.

The sub-command modules share the ``--db`` option, the settings and the clock through ``cockpit.cli.common``.
"""

from cockpit.cli.commands import main

__all__ = ["main"]

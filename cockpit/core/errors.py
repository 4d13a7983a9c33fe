"""Exceptions whose message is a one-line error for the user, and the log of the unexpected ones."""

from __future__ import annotations

import os
import stat
import sys
import traceback
from pathlib import Path

import pendulum

from cockpit.core.dirs import private_dir, state_dir


class CockpitError(Exception):
    """Base: a user-facing one-line error."""


class PeriodError(CockpitError, ValueError):
    """A period specification that cannot be read."""


class ParseError(CockpitError, ValueError):
    """A typed value (money, duration, date) that cannot be read.

    The message names the value, why it was refused and every accepted form, for a command line. ``reason`` and
    ``accepted`` keep the parts, so that a form can say it beside the field in one line (:meth:`brief`)."""

    def __init__(self, message: str, *, reason: str | None = None, accepted: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.accepted = accepted

    def brief(self, width: int) -> str:
        """The refusal in at most ``width`` characters, for a form where the typed value is just above: why, and
        as many of the accepted forms as fit (cut at a comma, with an ellipsis)."""
        message = str(self)
        if self.accepted is None or len(message) <= width:
            return message if len(message) <= width else message[: width - 1] + "…"
        what, _, examples = self.accepted.partition(" such as ")
        if examples:  # "a date/time such as today, fri, ..." -> "not a date/time: e.g. today, fri, ..."
            head = f"{self.reason or 'not ' + what}: e.g. "
            text = head + examples
        else:
            head = f"{self.reason or 'not understood'}: expected "
            text = head + self.accepted
        if len(text) <= width:
            return text
        cut = text[: width - 3]
        comma = cut.rfind(", ", len(head))  # between examples; "12,500" is one example
        if comma > 0:
            return cut[:comma] + ", …"
        # Not one whole example fits after a long reason: the reason alone, never half an example.
        reason = head.removesuffix(": e.g. ").removesuffix(": expected ")
        return reason if len(reason) <= width else reason[: width - 1] + "…"


class ConfigError(CockpitError):
    """The config file or a setting is wrong."""


class StoreError(CockpitError):
    """The database cannot be opened or used."""


class ValidationError(CockpitError, ValueError):
    """A write was refused because its input is wrong; nothing was written."""


class NotFoundError(CockpitError, LookupError):
    """A rep, account, deal or row that does not exist."""


class PermissionDenied(CockpitError):
    """The acting user may not do this (role or read-only database)."""


class BusyError(StoreError):
    """The database stayed locked by other writers past every retry."""


class ReadOnlyError(StoreError):
    """The database is open read-only; nothing can be written."""


def bug_line(exc: BaseException) -> str:
    """A bug met in a worker, for the screen: ``Type: message (details in <log>)``, its traceback logged
    (:func:`log_internal_error`). The screen shows one line and the app runs on; no traceback reaches the user."""
    where = log_internal_error(exc)
    detail = f"details in {where}" if where else "the error log could not be written"
    return f"{type(exc).__name__}: {exc} ({detail})"


def one_line(exc: BaseException) -> str:
    """What the screen says of an error a worker met: a :class:`CockpitError`'s own line (busy, locked, refused);
    anything else is a bug, logged (:func:`bug_line`)."""
    return str(exc) if isinstance(exc, CockpitError) else bug_line(exc)


def log_internal_error(exc: BaseException) -> Path | None:
    """Append the traceback to the error log in the user's state directory; return its path.

    The log holds command lines (a confidential note typed in one): the folder is this user's alone (0700) and
    the file 0600, never followed through a symlink."""
    try:
        path = private_dir(state_dir()) / "errors.log"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
                os.fchmod(fd, 0o600)  # left readable by an older cockpit
            handle.write(f"--- {pendulum.now().to_iso8601_string()} cockpit {' '.join(sys.argv[1:])}\n")
            handle.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None

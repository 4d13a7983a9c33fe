"""Exception classes for cockpit.

Every error meant for a person (CLI stderr line, inline form message) derives from CockpitError and carries a
one-line message, so callers can catch one class and show ``str(exc)`` without a traceback.
"""


class CockpitError(Exception):
    """Base: a user-facing one-line error."""


class PeriodError(CockpitError, ValueError):
    """A period spec, time zone or period argument that cannot be understood."""


class ParseError(CockpitError, ValueError):
    """A user-typed value (money, duration, date, percent) that cannot be understood."""

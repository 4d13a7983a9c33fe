"""Exceptions whose message is a one-line error for the user."""


class CockpitError(Exception):
    """Base: a user-facing one-line error."""


class PeriodError(CockpitError, ValueError):
    """A period specification that cannot be read."""


class ParseError(CockpitError, ValueError):
    """A typed value (money, duration, date) that cannot be read."""


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

"""The cockpit's one clock: the app, its forms and the store all ask it what time it is.

A clock reads the real time, runs on from a start moment (``$COCKPIT_NOW``: "today" still moves on in an app left
open overnight), or stands still (tests and snapshots). Every reading is timezone-aware.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pendulum

__all__ = ["Clock"]


class Clock:
    """What time it is, as a pendulum DateTime (:meth:`now`) or a Unix timestamp (:meth:`timestamp`).

    Build one with :meth:`real`, :meth:`running_from` or :meth:`frozen_at`; :meth:`of` turns what ``make_app``
    accepts (a moment, a function returning one, a Clock, or None) into a Clock.
    """

    def __init__(self, read: Callable[[], pendulum.DateTime]) -> None:
        self._read = read

    @classmethod
    def real(cls, tz: str | pendulum.Timezone | None = None) -> Clock:
        """The real time in ``tz`` (the local zone when None)."""
        zone = pendulum.timezone(tz) if isinstance(tz, str) else tz or pendulum.local_timezone()
        return cls(lambda: pendulum.now(zone))

    @classmethod
    def running_from(cls, start: pendulum.DateTime) -> Clock:
        """``start`` now, then on with real time (whole seconds, in ``start``'s zone)."""
        started = time.monotonic()
        return cls(lambda: start.add(seconds=int(time.monotonic() - started)))

    @classmethod
    def frozen_at(cls, moment: pendulum.DateTime) -> Clock:
        """Always ``moment``."""
        return cls(lambda: moment)

    @classmethod
    def of(
        cls,
        now: Clock | pendulum.DateTime | Callable[[], pendulum.DateTime] | None,
        tz: str | pendulum.Timezone | None = None,
    ) -> Clock:
        """A Clock from a Clock (itself), a moment (a clock running from it), a function returning the time (asked
        at each reading), or None (the real time in ``tz``)."""
        if isinstance(now, Clock):
            return now
        if now is None:
            return cls.real(tz)
        if isinstance(now, pendulum.DateTime):
            return cls.running_from(now)
        return cls(now)

    def now(self) -> pendulum.DateTime:
        """The current moment, timezone-aware."""
        moment = self._read()
        if moment.tzinfo is None:
            raise ValueError(f"the clock read a naive moment: {moment}")
        return moment

    def timestamp(self) -> float:
        """The current moment as a Unix timestamp (what the store stamps writes with)."""
        return self.now().timestamp()

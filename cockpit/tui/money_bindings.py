"""Costs and quotas for the cockpit App: the binding that opens their screen and a mixin with its action.

The App mixes in :class:`MoneyActions`, lists :data:`MONEY_BINDINGS` in its ``BINDINGS`` and satisfies
:class:`MoneyHost` (the same store, actor, settings, clock, ``refresh_data`` and ``notify`` as
:class:`cockpit.tui.logging_bindings.LoggingHost`). Costs and quotas are manager-only: a rep pressing the key is told so
and no screen opens (the store write is refused for reps as well, by :func:`cockpit.core.actions.apply`).
"""

from __future__ import annotations

from typing import Any, Protocol

import pendulum
from textual.binding import Binding

from cockpit.core.actor import Actor
from cockpit.core.clock import Clock
from cockpit.core.config import Settings
from cockpit.core.periods import Period, period_containing
from cockpit.core.store import Store
from cockpit.tui.logging_bindings import logging_disabled
from cockpit.tui.screens.money import CostsQuotasScreen

__all__ = ["MONEY_BINDINGS", "MoneyActions", "MoneyHost"]

MONEY_BINDINGS: list[Binding] = [
    Binding(
        "dollar_sign",
        "costs_quotas",
        "Costs & quotas",
        id="money.costs_quotas",
        tooltip="Enter and edit monthly costs and quotas (managers)",
        show=False,
    ),
]


def viewed_month(period: Period | None, now: pendulum.DateTime, *, tz: str | None) -> str:
    """The month the costs and quotas screen opens on: this month while the period viewed holds today, else the
    viewed period's first month (a manager looking at March fixes March's quotas, not today's month's)."""
    if period is None or period.contains(now.int_timestamp):
        return period_containing("month", now, tz=tz).months()[0]
    return period.first_day.format("YYYY-MM")


class MoneyHost(Protocol):
    """What the App provides to :class:`MoneyActions`."""

    store: Store
    actor: Actor
    settings: Settings
    clock: Clock  # what "now" is for the month shown and the forms (frozen in tests and snapshots)

    def refresh_data(self) -> None:
        """Reload what the panes show (after a write)."""

    def notify(self, message: str, **kwargs: Any) -> None:
        """Show a notification."""


class MoneyActions:
    """The costs-and-quotas action of the App (see :class:`MoneyHost` for what ``self`` must provide)."""

    def action_costs_quotas(self: Any) -> None:
        """Open the month's costs and quotas (managers only)."""
        if not self.actor.is_manager:
            # One line in a notification: who you are is in the header and the sub-title already.
            self.notify("Costs and quotas are for managers", severity="warning", markup=False)
            return
        if logging_disabled(self):
            return
        now = self.clock.now()
        month = viewed_month(getattr(self, "period", None), now, tz=self.settings.timezone)
        screen = CostsQuotasScreen(
            store=self.store,
            actor=self.actor,
            settings=self.settings,
            month=month,
            now=now,
            on_saved=self.refresh_data,
        )
        self.push_screen(screen)

"""The one door to the database: schema, migrations, typed reads and one function per write action.

Every write action runs in one ``BEGIN IMMEDIATE`` transaction that also writes its audit row, so an action is
either wholly in the database or not at all. Reads run in short transactions that end before the call returns: an
open reader would stop WAL checkpoints on a shared server. No module outside this package runs SQL.

Times are stored as Unix epoch seconds (UTC); money as integer minor units (cents, or won for KRW).

- :mod:`.schema` the DDL, ``SCHEMA_VERSION``, migrations and the row-change triggers;
- :mod:`.records` the frozen records reads return, and the vocabularies (kinds, outcomes, cost categories);
- :mod:`.validation` the checks of what callers hand the store;
- :mod:`.connection` opening, pragmas, read/write transactions, retries, error mapping, read-only detection;
- :mod:`.transaction` the audited inserts and updates a write action works through;
- :mod:`.reads`, :mod:`.writes` the :class:`Store` methods; :mod:`.pipeline`, :mod:`.deal_page`, :mod:`.mix`,
  :mod:`.funnel`, :mod:`.bulk`, :mod:`.inspection` the larger reads and writes of the screens, reports, import, demo
  and checks.
"""

from __future__ import annotations

from cockpit.core.store.connection import (
    BUSY_TIMEOUT_MS,
    WRITE_RETRIES,
    StoreConnection,
    current_unix_user,
)
from cockpit.core.store.records import (
    ACTIVITY_KINDS,
    COST_CATEGORIES,
    LOGGABLE_KINDS,
    OUTCOMES,
    ROLES,
    Account,
    Activity,
    AuditEntry,
    Cost,
    Deal,
    Quota,
    Rep,
    Stage,
)
from cockpit.core.store.schema import (
    CHANGE_TRIGGERS,
    SCHEMA_V1,
    SCHEMA_VERSION,
    change_trigger_count,
    run_script,
)
from cockpit.core.store.transaction import Transaction
from cockpit.core.store.validation import FUTURE_SLACK_S, MAX_AMOUNT, MAX_TS, MIN_TS, lies_ahead
from cockpit.core.store.writes import Writes


class Store(Writes):
    """A cockpit database: its reads (:class:`~.reads.Reads`) and write actions (:class:`~.writes.Writes`) over one
    connection (:class:`~.connection.StoreConnection`).

    One ``sqlite3`` connection guarded by a lock, so UI worker threads may share it; each process has its own
    Store. ``now`` is the clock (epoch seconds) used for audit and created/updated times, injectable for tests.
    """


__all__ = [
    "ACTIVITY_KINDS",
    "BUSY_TIMEOUT_MS",
    "CHANGE_TRIGGERS",
    "COST_CATEGORIES",
    "FUTURE_SLACK_S",
    "LOGGABLE_KINDS",
    "MAX_AMOUNT",
    "MAX_TS",
    "MIN_TS",
    "OUTCOMES",
    "ROLES",
    "SCHEMA_V1",
    "SCHEMA_VERSION",
    "WRITE_RETRIES",
    "Account",
    "Activity",
    "AuditEntry",
    "Cost",
    "Deal",
    "Quota",
    "Rep",
    "Stage",
    "Store",
    "StoreConnection",
    "Transaction",
    "change_trigger_count",
    "current_unix_user",
    "lies_ahead",
    "run_script",
]

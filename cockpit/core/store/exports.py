"""The rows an export writes, streamed as dicts through sqlite-utils (``cockpit export``).

sqlite-utils' ``Database.query`` yields each row as a dict keyed by column name, which is what the export's CSV
writer wants; it is imported here, by the one module that needs it, so that the interface's start never loads it.
Plugins are not run: a shared server's members must not make each other run code through an installed plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from cockpit.core.store import Store

#: One query per export kind (and the deals' stage history), each in the order the export writes it.
EXPORT_QUERIES: dict[str, str] = {
    # Every live deal's stage history in the order KPIs read it (time, then entry): one query, not one per deal.
    "deal_history": """SELECT h.deal_id, h.to_stage, h.at FROM stage_history h JOIN deals d ON d.id = h.deal_id
        WHERE d.voided_at IS NULL ORDER BY h.deal_id, h.at, h.id""",
    "deals": """SELECT d.*, r.name AS rep, r.team AS team, a.name AS account, a.segment AS segment
        FROM deals d JOIN reps r ON r.id = d.rep_id LEFT JOIN accounts a ON a.id = d.account_id
        WHERE d.voided_at IS NULL ORDER BY d.id""",
    # A voided deal is not exported, so an activity on one keeps its account but loses the link.
    "activities": """SELECT x.*, r.name AS rep, d.id AS live_deal, d.external_id AS deal_ext, a.name AS account
        FROM activities x JOIN reps r ON r.id = x.rep_id
        LEFT JOIN deals d ON d.id = x.deal_id AND d.voided_at IS NULL
        LEFT JOIN accounts a ON a.id = x.account_id WHERE x.voided_at IS NULL ORDER BY x.id""",
    "reps": "SELECT * FROM reps ORDER BY id",
    "costs": "SELECT * FROM costs ORDER BY month, category, channel",
    "quotas": "SELECT q.*, r.name AS rep FROM quotas q LEFT JOIN reps r ON r.id = q.rep_id ORDER BY q.month, q.id",
}


def export_rows(store: Store, what: str) -> Iterator[dict[str, Any]]:
    """The rows of ``what`` (a key of :data:`EXPORT_QUERIES`), one dict each, read in one read transaction."""
    sql = EXPORT_QUERIES[what]
    with store.read() as conn:
        db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
        yield from db.query(sql)

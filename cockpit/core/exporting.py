"""CSV exports of deals, activities, reps, costs and quotas, in the import's own format.

Headers are the import field names (:data:`cockpit.core.importing.FIELDS`), money is in major units, moments are ISO
8601 with their UTC offset, so ``cockpit import`` reads an export back unchanged. Cells are cleaned of escape
sequences and control characters, and a cell a spreadsheet would run as a formula (``= + - @``) gets a leading
``'``, which the importer removes again. Each deal carries its stage ``history`` (:func:`format_history`), so the
pipeline of past periods reads back the same. Voided deals and activities are left out, as they are from every KPI:
a voided row would come back live in another database (the export has no void column), and change its KPIs.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum

from cockpit.core.errors import CockpitError
from cockpit.core.importing import FIELDS, KINDS, format_history
from cockpit.core.parse import currency_digits, format_duration
from cockpit.core.periods import local_tz
from cockpit.core.store import Store
from cockpit.core.store.exports import export_rows
from cockpit.core.text import clean

__all__ = ["export", "rows"]

#: Deals without an external id are exported with this prefix and their id, so activities can name them.
LOCAL_ID_PREFIX = "cockpit-"

_GUARDED = ("=", "+", "-", "@")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        # Keep line breaks inside notes (csv quotes them); drop every other control character and escape.
        value = "\n".join(clean(part) for part in value.replace("\r\n", "\n").split("\n"))
        if value[:1] in _GUARDED:
            return "'" + value
    return value


def _money(minor: int | None, digits: int) -> str:
    if minor is None:
        return ""
    return f"{Decimal(minor).scaleb(-digits):f}"


def _moment(ts: int | None, zone: pendulum.Timezone) -> str:
    if ts is None:
        return ""
    return pendulum.from_timestamp(ts, tz=zone).isoformat()


def _deal_ref(external_id: str | None, deal_id: int | None) -> str:
    if deal_id is None:
        return ""
    return external_id or f"{LOCAL_ID_PREFIX}{deal_id}"


def rows(store: Store, kind: str, *, currency: str = "USD", tz: str | None = None) -> Iterator[dict[str, Any]]:
    """The rows of an export of ``kind``, as dicts keyed by the import field names (values not yet guarded)."""
    if kind not in KINDS:
        raise CockpitError(f"cannot export {kind!r}: expected one of {', '.join(KINDS)}")
    digits = currency_digits(currency)
    zone = local_tz(tz)
    if kind == "deals":
        history: dict[int, list[tuple[str, int]]] = {}
        for h in export_rows(store, "deal_history"):
            history.setdefault(h["deal_id"], []).append((h["to_stage"], h["at"]))
        for d in export_rows(store, "deals"):
            yield {
                "external_id": _deal_ref(d["external_id"], d["id"]),
                "title": d["title"],
                "rep": d["rep"],
                "team": d["team"],
                "account": d["account"],
                "segment": d["segment"],
                "product": d["product"],
                "stage": d["stage"],
                "status": "",
                "amount": _money(d["amount"], digits),
                "probability": repr(d["probability"]),
                "source": d["source"],
                "created": _moment(d["created_at"], zone),
                "qualified": _moment(d["qualified_at"], zone),
                "expected_close": _moment(d["expected_close"], zone),
                "closed": _moment(d["closed_at"], zone),
                "lost_reason": d["lost_reason"],
                "history": format_history(history.pop(d["id"], ())),
            }
    elif kind == "activities":
        for x in export_rows(store, "activities"):
            yield {
                "external_id": x["external_id"],
                "kind": x["kind"],
                "rep": x["rep"],
                "deal": _deal_ref(x["deal_ext"], x["live_deal"]),
                "account": x["account"],
                "outcome": x["outcome"],
                # "12m", not 720: a bare number reads back as minutes.
                "duration": format_duration(x["duration_s"]) if x["duration_s"] is not None else "",
                "at": _moment(x["at"], zone),
                "note": x["note"],
            }
    elif kind == "reps":
        for r in export_rows(store, "reps"):
            yield {
                "name": r["name"],
                "team": r["team"],
                "region": r["region"],
                "unix_login": r["unix_login"],
                "role": r["role"],
                "active": "yes" if r["active"] else "no",
            }
    elif kind == "costs":
        for c in export_rows(store, "costs"):
            yield {
                "month": c["month"],
                "category": c["category"],
                "channel": c["channel"],
                "amount": _money(c["amount"], digits),
            }
    else:
        for q in export_rows(store, "quotas"):
            yield {"rep": q["rep"], "team": q["team"], "month": q["month"], "amount": _money(q["amount"], digits)}


def export(store: Store, kind: str, path: str | Path, *, currency: str = "USD", tz: str | None = None) -> int:
    """Write the export of ``kind`` to ``path`` (UTF-8, comma-separated); returns the number of rows."""
    fields = list(FIELDS[kind]) if kind in FIELDS else []
    if kind == "deals":
        fields.remove("status")  # an import-only field: our stage already says won or lost
    count = 0
    target = Path(path)
    data = rows(store, kind, currency=currency, tz=tz)
    try:
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            for row in data:
                writer.writerow([_cell(row[f]) for f in fields])
                count += 1
    except OSError as exc:
        raise CockpitError(f"cannot write {target}: {exc.strerror or exc}") from None
    return count

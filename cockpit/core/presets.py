"""Column and stage names of the standard CSV exports of Pipedrive, HubSpot, Salesforce and Zoho.

A preset maps each of our import fields to the header(s) the CRM writes for it; when several headers are listed
for one field, the first non-blank cell among them gives the value (Pipedrive writes a won deal's close date in
``Won time`` and a lost one's in ``Lost time``). Stage names are matched case-insensitively; what a preset does not
know is matched against our own stage names, and ``--stage-map`` overrides both.

Where a CRM's stage sits between two of ours, the preset picks the earlier one: an open deal counts as an
opportunity (``qualified``) only once the CRM says it was qualified, not while it is being qualified. A closed deal,
won or lost, reached the pipeline: it is an opportunity in each of these CRMs, and the import reads it so (see
``cockpit.core.importing._qualified_at`` and ``--lost-from-lead``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cockpit.core.errors import CockpitError

#: What can be imported and exported, in the order the commands list them.
IMPORT_KINDS = ("deals", "reps", "activities", "costs", "quotas")

__all__ = ["PRESETS", "Preset", "preset"]


@dataclass(frozen=True)
class Preset:
    """The headers (per import kind, per field) and stage names of one CRM's exports."""

    name: str
    columns: dict[str, dict[str, tuple[str, ...]]]
    stages: dict[str, str] = field(default_factory=dict)


_PIPEDRIVE = Preset(
    name="pipedrive",
    columns={
        "deals": {
            "external_id": ("Deal - ID",),
            "title": ("Deal - Title",),
            "rep": ("Deal - Owner",),
            "account": ("Deal - Organization", "Deal - Contact person"),
            "product": ("Deal - Product name", "Deal - Products"),
            "stage": ("Deal - Stage",),
            "status": ("Deal - Status",),
            "amount": ("Deal - Value",),
            "probability": ("Deal - Probability",),
            "source": ("Deal - Source", "Deal - Source channel", "Deal - Source origin"),
            "created": ("Deal - Deal created",),
            "expected_close": ("Deal - Expected close date",),
            "closed": ("Deal - Won time", "Deal - Lost time", "Deal - Deal closed on", "Deal - Close time"),
            "lost_reason": ("Deal - Lost reason",),
        },
        "activities": {
            "external_id": ("Activity - ID",),
            "kind": ("Activity - Type",),
            "rep": ("Activity - Assigned to user", "Activity - Owner"),
            "deal": ("Activity - Deal",),
            "account": ("Activity - Organization",),
            "duration": ("Activity - Duration",),
            "at": ("Activity - Marked as done time", "Activity - Due date"),
            "note": ("Activity - Note", "Activity - Subject"),
        },
        "reps": {"name": ("Name",), "active": ("Active", "Is active")},
    },
    stages={
        "lead in": "lead",
        "qualified": "qualified",
        "contact made": "qualified",
        "demo scheduled": "qualified",
        "needs defined": "qualified",
        "proposal made": "proposal",
        "negotiations started": "negotiation",
    },
)

_HUBSPOT = Preset(
    name="hubspot",
    columns={
        "deals": {
            "external_id": ("Record ID", "Deal ID"),
            "title": ("Deal Name",),
            "rep": ("Deal owner", "Deal Owner"),
            "team": ("HubSpot Team",),
            "account": ("Associated Company", "Associated Company (Primary)", "Company name"),
            "segment": ("Deal Type",),
            "stage": ("Deal Stage",),
            "amount": ("Amount", "Amount in company currency"),
            "probability": ("Deal probability", "Deal Probability"),
            "source": ("Original Source Type", "Original Source", "Original Traffic Source"),
            "created": ("Create Date",),
            # One column: the close date of closed deals, the expected close of open ones.
            "expected_close": ("Close Date",),
            "closed": ("Close Date",),
            "lost_reason": ("Closed Lost Reason",),
        },
        "activities": {
            "external_id": ("Record ID", "Activity ID"),
            "kind": ("Activity type", "Activity Type", "Engagement type"),
            "rep": ("Activity assigned to", "Assigned to", "Owner"),
            "deal": ("Associated Deal", "Associated Deals"),
            "account": ("Associated Company",),
            "outcome": ("Call outcome", "Outcome"),
            "duration": ("Call duration", "Duration"),
            "at": ("Activity date", "Create date", "Create Date"),
            "note": ("Notes", "Body preview", "Call notes"),
        },
    },
    stages={
        "appointmentscheduled": "lead",
        "appointment scheduled": "lead",
        "qualifiedtobuy": "qualified",
        "qualified to buy": "qualified",
        "presentationscheduled": "proposal",
        "presentation scheduled": "proposal",
        "decisionmakerboughtin": "proposal",
        "decision maker bought-in": "proposal",
        "decision maker bought in": "proposal",
        "contractsent": "negotiation",
        "contract sent": "negotiation",
        "closedwon": "won",
        "closed won": "won",
        "closedlost": "lost",
        "closed lost": "lost",
    },
)

_SALESFORCE = Preset(
    name="salesforce",
    columns={
        "deals": {
            "external_id": ("Opportunity ID", "Opportunity Id"),
            "title": ("Opportunity Name",),
            "rep": ("Opportunity Owner", "Owner Name"),
            "team": ("Owner Role",),
            "account": ("Account Name",),
            "segment": ("Type", "Industry"),
            "product": ("Product Name",),
            "stage": ("Stage",),
            "amount": ("Amount",),
            "probability": ("Probability (%)", "Probability"),
            "source": ("Lead Source",),
            "created": ("Created Date",),
            "expected_close": ("Close Date",),
            "closed": ("Close Date",),
            "lost_reason": ("Loss Reason", "Closed Lost Reason"),
        },
        "activities": {
            "external_id": ("Activity ID", "Task ID"),
            "kind": ("Task Subtype", "Activity Type", "Type"),
            "rep": ("Assigned", "Assigned To"),
            "deal": ("Opportunity", "Related To"),
            "account": ("Company / Account", "Account Name"),
            "outcome": ("Call Result",),
            "duration": ("Call Duration",),
            "at": ("Date", "Due Date", "Created Date"),
            "note": ("Comments", "Subject"),
        },
        "reps": {
            "name": ("Full Name", "Name"),
            "team": ("Role",),
            "region": ("Division", "Department"),
            "unix_login": ("Alias",),
            "active": ("Active",),
        },
    },
    stages={
        "prospecting": "lead",
        "qualification": "lead",
        "needs analysis": "qualified",
        "value proposition": "qualified",
        "id. decision makers": "proposal",
        "perception analysis": "proposal",
        "proposal/price quote": "proposal",
        "negotiation/review": "negotiation",
        "closed won": "won",
        "closed lost": "lost",
    },
)

_ZOHO = Preset(
    name="zoho",
    columns={
        "deals": {
            "external_id": ("Record Id", "Record ID"),
            "title": ("Deal Name",),
            "rep": ("Deal Owner",),
            "account": ("Account Name",),
            "segment": ("Type",),
            "stage": ("Stage",),
            "amount": ("Amount",),
            "probability": ("Probability (%)", "Probability"),
            "source": ("Lead Source",),
            "created": ("Created Time",),
            "expected_close": ("Closing Date",),
            "closed": ("Closing Date",),
            "lost_reason": ("Reason For Loss", "Reason for Loss"),
        },
        "activities": {
            "external_id": ("Record Id",),
            "rep": ("Call Owner", "Activity Owner", "Owner"),
            "deal": ("Related To", "What Id"),
            "kind": ("Activity Type", "Call Type"),
            "outcome": ("Call Result",),
            "duration": ("Call Duration",),
            "at": ("Call Start Time", "Start Date Time", "Created Time"),
            "note": ("Description", "Subject"),
        },
        "reps": {"name": ("Full Name", "User Name"), "role": ("Profile",), "team": ("Role",)},
    },
    stages={
        "qualification": "lead",
        "needs analysis": "qualified",
        "value proposition": "qualified",
        "identify decision makers": "proposal",
        "id. decision makers": "proposal",
        "proposal/price quote": "proposal",
        "negotiation/review": "negotiation",
        "closed won": "won",
        "closed lost": "lost",
        "closed-lost to competition": "lost",
        "closed lost to competition": "lost",
    },
)

PRESETS: dict[str, Preset] = {p.name: p for p in (_PIPEDRIVE, _HUBSPOT, _SALESFORCE, _ZOHO)}


def preset(name: str) -> Preset:
    """The preset of that name (case-insensitive)."""
    found = PRESETS.get(name.strip().lower())
    if found is None:
        raise CockpitError(f"unknown preset {name!r} (presets: {', '.join(PRESETS)})")
    return found

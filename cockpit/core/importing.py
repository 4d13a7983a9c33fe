"""CSV imports of deals, reps, activities, costs and quotas from other CRMs and spreadsheets.

Reading is tolerant of layout (UTF-8 with or without BOM; ``,``/``;``/tab delimiters; headers compared after
normalising case, spaces, dashes and underscores; blank rows and unnamed columns skipped; values through
:mod:`cockpit.core.parse`) but not of bytes: one that is not UTF-8 is refused with its place unless ``encoding``
names the file's, and cp1252 is read only from a file with no UTF-8 in it at all. Writing is strict: the whole file
goes in ONE write transaction, with one summary audit row and then one audit row per row written, so an import is
all-or-nothing and each change is on record; the importer needs the rights the forms ask for. A row that cannot be
read is reported with its line, column and reason and, unless ``skip_bad``, nothing is written. Re-importing a
file changes nothing: rows are matched on their external id, or else on a natural key (see :data:`NATURAL_KEYS`). A
deals row may carry its stage ``history`` (our export's own column, see :func:`format_history`), which is written as
is instead of a history synthesized from the row. A closed deal, won or lost, is an opportunity (qualified when
created) unless the file or ``--lost-from-lead`` says it was lost from lead; a deal without a title is named by its
account, product or external id. An activity's outcome is one of its kind's (email: sent, replied, bounced...).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit.core.actor import Actor, resolve_actor
from cockpit.core.errors import CockpitError, PermissionDenied
from cockpit.core.parse import MONTH_NUMBERS, parse_date, parse_duration, parse_money, parse_percent
from cockpit.core.presets import IMPORT_KINDS, Preset
from cockpit.core.presets import preset as find_preset
from cockpit.core.store import ACTIVITY_KINDS, COST_CATEGORIES, MAX_TS, MIN_TS, Store
from cockpit.core.store.bulk import BulkWriter
from cockpit.core.store.records import ACTIVITY_OUTCOMES
from cockpit.core.store.transaction import Transaction
from cockpit.core.store.validation import (
    check_amount,
    check_month,
    check_outcome,
    check_prob,
    check_text,
    check_ts,
    find_outcome,
    rep_values,
)
from cockpit.core.text import fold

__all__ = [
    "FIELDS",
    "KINDS",
    "NATURAL_KEYS",
    "ImportFailed",
    "ImportResult",
    "RowError",
    "SimilarNames",
    "Table",
    "format_history",
    "import_file",
    "normalize_header",
    "parse_assignments",
    "parse_history",
    "parse_month",
    "read_csv",
]

KINDS = IMPORT_KINDS

FIELDS: dict[str, tuple[str, ...]] = {
    "deals": (
        "external_id",
        "title",
        "rep",
        "team",
        "account",
        "segment",
        "product",
        "stage",
        "status",
        "amount",
        "probability",
        "source",
        "created",
        "qualified",
        "expected_close",
        "closed",
        "lost_reason",
        "history",
    ),
    "reps": ("name", "team", "region", "unix_login", "role", "active"),
    "activities": ("external_id", "kind", "rep", "deal", "account", "outcome", "duration", "at", "note"),
    "costs": ("month", "category", "channel", "amount"),
    "quotas": ("rep", "team", "month", "amount"),
}

# Fields without which no row of the kind can be read; checked against the columns before any row.
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # A deal is named by its title, else its account, product or external id (see _deal_title).
    "deals": (("title", "account", "product", "external_id"), ("rep",), ("created",)),
    "reps": (("name",),),
    "activities": (("kind",), ("rep",), ("at",)),
    "costs": (("month",), ("category",), ("amount",)),
    "quotas": (("rep", "team"), ("month",), ("amount",)),
}

#: How a row without an external id finds the row it updates (documented in docs/IMPORT.md).
NATURAL_KEYS: dict[str, str] = {
    "deals": "title + account + rep + created (case-insensitive names)",
    "activities": "kind + rep + at + deal",
    "reps": "name (case-insensitive)",
    "costs": "month + category + channel",
    "quotas": "rep or team + month",
}

# Headers that obviously name a field (after normalize_header), tried when no preset or --map names it.
_OBVIOUS: dict[str, dict[str, tuple[str, ...]]] = {
    "deals": {
        "external_id": ("external id", "deal id", "record id", "opportunity id", "id"),
        "title": ("title", "deal title", "deal name", "deal", "opportunity name", "opportunity", "name", "subject"),
        "rep": ("rep", "owner", "deal owner", "sales rep", "salesperson", "opportunity owner", "assigned to"),
        "team": ("team", "sales team"),
        "account": (
            "account",
            "account name",
            "company",
            "company name",
            "customer",
            "organization",
            "organisation",
            "client",
        ),
        "segment": ("segment", "customer segment"),
        "product": ("product", "product name"),
        "stage": ("stage", "deal stage", "sales stage", "pipeline stage"),
        "status": ("status", "deal status"),
        "amount": ("amount", "value", "deal value", "deal size", "deal amount"),
        "probability": ("probability", "probability (%)", "win probability"),
        "source": ("source", "lead source", "sales channel", "channel"),
        "created": ("created", "created date", "create date", "created at", "created time", "creation date"),
        "qualified": ("qualified", "qualified date", "qualified at"),
        "expected_close": (
            "expected close",
            "expected close date",
            "close date/expected close date",
            "expected closing date",
            "close date",
            "closing date",
        ),
        "closed": (
            "closed",
            "closed date",
            "closed at",
            "close date",
            "closing date",
            "close date/expected close date",
        ),
        "lost_reason": ("lost reason", "loss reason", "reason lost", "reason for loss"),
    },
    "reps": {
        "name": ("name", "rep", "full name", "rep name", "user", "owner"),
        "team": ("team", "sales team"),
        "region": ("region", "territory"),
        "unix_login": ("unix login", "login", "username", "user name"),
        "role": ("role",),
        "active": ("active", "is active"),
    },
    "activities": {
        "external_id": ("external id", "activity id", "id"),
        "kind": ("kind", "type", "activity type", "activity"),
        "rep": ("rep", "owner", "assigned to", "user", "activity owner"),
        "deal": ("deal", "deal title", "deal name", "opportunity", "related to"),
        "account": ("account", "account name", "company", "organization", "organisation", "customer"),
        "outcome": ("outcome", "result", "call result"),
        "duration": ("duration", "call duration"),
        "at": ("at", "date", "when", "activity date", "due date", "timestamp", "date/time"),
        "note": ("note", "notes", "comment", "comments", "description"),
    },
    "costs": {
        "month": ("month", "period"),
        "category": ("category", "type"),
        "channel": ("channel", "source"),
        "amount": ("amount", "cost", "spend", "value"),
    },
    "quotas": {
        "rep": ("rep", "owner", "name"),
        "team": ("team",),
        "month": ("month", "period"),
        "amount": ("amount", "quota", "target"),
    },
}

# Stage names every import understands besides our own (a preset or --stage-map adds more).
_COMMON_STAGES = {"closed won": "won", "closed-won": "won", "closed lost": "lost", "closed-lost": "lost"}

_KIND_NAMES = {
    **dict.fromkeys(("call", "calls", "phone", "phone call", "call log", "logged call"), "call"),
    **dict.fromkeys(("email", "e-mail", "mail", "emails", "logged email"), "email"),
    **dict.fromkeys(("meeting", "meetings", "lunch", "demo", "visit", "appointment"), "meeting"),
    **dict.fromkeys(("linkedin", "linkedin message", "inmail", "linked in"), "linkedin"),
    **dict.fromkeys(("note", "notes", "comment"), "note"),
}
_TRUE = {"1", "yes", "y", "true", "t", "active", "x", "on"}
_FALSE = {"0", "no", "n", "false", "f", "inactive", "off", "disabled", ""}
_ROLES = {"rep": "rep", "sales rep": "rep", "manager": "manager", "sales manager": "manager", "admin": "manager"}

_PROGRESS_EVERY = 1000


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Table:
    """A CSV file as read: its header row, and each non-blank data row with the line it starts on."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


def normalize_header(text: str) -> str:
    """``Deal – Title`` → ``deal-title``: case, spaces, en/em dashes and underscores do not matter."""
    s = text.replace("\ufeff", "").strip().casefold()
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    s = s.replace("_", " ")
    s = re.sub(r"\s+", " ", s)
    return re.sub(r"\s*([-/:])\s*", r"\1", s).strip()


# A well-formed UTF-8 sequence of two to four bytes: a file with one is a UTF-8 file, whatever else it holds.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _bad_byte(data: bytes, offset: int, encoding: str) -> CockpitError:
    """The refusal of a byte that does not decode: its line (1-based) and byte offset (0-based, in the file)."""
    line = data.count(b"\n", 0, offset) + 1
    return CockpitError(
        f"line {line}, byte {offset}: 0x{data[offset]:02X} is not valid {encoding}; nothing was imported"
        " (save the file as UTF-8, or name its encoding with --encoding)"
    )


def _decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """``data`` as text and the encoding read: UTF-8 (a BOM dropped), or ``encoding`` when one is named.

    A byte that is not UTF-8 is refused with its place, never guessed around: one stray byte in a UTF-8 file read
    as cp1252 would turn every "ü" into "Ã¼" and report success. Only a file without a single well-formed multi-byte
    UTF-8 sequence (a spreadsheet saved as "CSV" on Windows) is read as cp1252, and the summary says so."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise CockpitError(f"--encoding {encoding!r}: no such encoding") from None
        try:
            return data.decode("utf-8-sig" if name == "utf-8" else name), name
        except UnicodeDecodeError as exc:
            raise _bad_byte(data, exc.start, encoding) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        if data.startswith(codecs.BOM_UTF8) or _UTF8_MULTIBYTE.search(data):
            raise _bad_byte(data, first_bad, "UTF-8") from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:  # one of the five bytes cp1252 leaves undefined: no encoding we may guess
        raise _bad_byte(data, exc.start, "UTF-8 or cp1252") from None


def _sniff(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    header = lines[0]
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        found = ""
    # The sniffer guesses from consistency alone; a delimiter the header row does not contain is a wrong guess.
    if found and found in header:
        return found
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: str | Path, *, encoding: str | None = None) -> Table:
    """Read a CSV export: UTF-8 unless ``encoding`` names another (see :func:`_decode`), delimiter detected, blank
    rows dropped, line numbers kept."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise CockpitError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        text, encoding = _decode(data, encoding)
    except CockpitError as exc:
        raise CockpitError(f"{file}: {exc}") from None
    text = text.replace("\x00", "")
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            line = previous_end + 1  # a quoted cell may span lines: report the line the row starts on
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = cells
            else:
                rows.append((line, cells))
    except csv.Error as exc:
        raise CockpitError(f"{file}: line {reader.line_num}: not valid CSV ({exc})") from None
    if headers is None:
        raise CockpitError(f"{file} is empty: no header row")
    return Table(headers=headers, rows=rows, encoding=encoding, delimiter=delimiter)


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RowError:
    """Why one row of the file cannot be imported."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportFailed(CockpitError):
    """Rows could not be read; nothing was written. ``errors`` lists each one."""

    def __init__(self, errors: Sequence[RowError], path: str = "") -> None:
        self.errors = list(errors)
        n = len(self.errors)
        first = f" (first: {self.errors[0]})" if self.errors else ""
        super().__init__(
            f"{path + ': ' if path else ''}{n} row{'s' if n != 1 else ''} cannot be read{first}; "
            "nothing was imported (--skip-bad imports the others)"
        )


class SimilarNames(CockpitError):
    """The import would create reps or accounts whose names differ from others only by case or accents (Zoe Muller
    beside Zoë Müller): refused, nothing written, unless the caller allows them (``--allow-similar-names``)."""

    def __init__(self, similar: Sequence[str]) -> None:
        self.similar = list(similar)
        more = f" (and {len(self.similar) - 1} more)" if len(self.similar) > 1 else ""
        super().__init__(
            f"{self.similar[0]}{more}; nothing was imported: fix the names in the file, or pass"
            " --allow-similar-names to create them (--dry-run lists them all)"
        )


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)
    new_reps: list[str] = field(default_factory=list)
    new_accounts: list[str] = field(default_factory=list)
    #: Deals whose stored stage history a ``history`` cell replaced (created deals not counted).
    history_replaced: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False
    #: The encoding the file was read in (see :func:`read_csv`).
    encoding: str = "utf-8"
    #: Reps and accounts the import creates whose names fold equal to another's (see :class:`SimilarNames`).
    similar: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for people: counts, then the new reps and accounts."""
        verb = "would import" if self.dry_run else "imported"
        lines = [
            f"{verb} {self.rows} {self.kind} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        ]
        if self.encoding == "cp1252":
            lines.append("read as cp1252: the file has no valid UTF-8 (name another with --encoding)")
        else:
            lines.append(f"read as {self.encoding}")
        if self.new_reps:
            lines.append(f"new reps ({len(self.new_reps)}): {', '.join(self.new_reps)}")
        if self.new_accounts:
            shown = self.new_accounts[:20]
            more = f", … {len(self.new_accounts) - len(shown)} more" if len(self.new_accounts) > len(shown) else ""
            lines.append(f"new accounts ({len(self.new_accounts)}): {', '.join(shown)}{more}")
        if self.history_replaced:
            lines.append(f"stage history replaced for {self.history_replaced} deals")
        if self.ignored_columns:
            lines.append(f"ignored columns: {', '.join(self.ignored_columns)}")
        lines.extend(self.similar)
        if self.similar and self.dry_run:
            lines.append("the import refuses these unless --allow-similar-names (or fix the names in the file)")
        lines.extend(f"skipped {e}" for e in self.skipped)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- mapping


def parse_assignments(items: Sequence[str] | None, option: str) -> list[tuple[str, str]]:
    """``["title=Deal Name", ...]`` → ``[("title", "Deal Name"), ...]``; the right side may contain spaces."""
    out = []
    for item in items or ():
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise CockpitError(f"{option} {item!r}: expected NAME=VALUE")
        out.append((left.strip(), right.strip()))
    return out


def resolve_columns(
    kind: str,
    headers: Sequence[str],
    *,
    preset: Preset | None = None,
    mapping: Sequence[tuple[str, str]] = (),
) -> dict[str, list[int]]:
    """Which column indexes feed each field: --map first, then the preset, then obvious headers."""
    fields = FIELDS[kind]
    index: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = normalize_header(header)
        if key and not key.startswith("unnamed:"):
            index.setdefault(key, i)
    named = ", ".join(repr(h) for h in headers if normalize_header(h))
    columns: dict[str, list[int]] = {}
    for field_name, column in mapping:
        if field_name not in fields:
            raise CockpitError(
                f"--map {field_name}={column}: {kind} have no field {field_name!r} ({', '.join(fields)})"
            )
        found = index.get(normalize_header(column))
        if found is None:
            raise CockpitError(f"--map {field_name}={column}: the file has no column {column!r} (columns: {named})")
        columns.setdefault(field_name, []).append(found)
    sources = [preset.columns.get(kind, {})] if preset else []
    sources.append(_OBVIOUS[kind])
    for field_name in fields:
        if field_name in columns:
            continue
        for source in sources:
            hits = [index[k] for k in (normalize_header(h) for h in source.get(field_name, ())) if k in index]
            if hits:
                columns[field_name] = list(dict.fromkeys(hits))
                break
        else:
            if field_name in index:
                columns[field_name] = [index[field_name]]
    for group in _REQUIRED[kind]:
        if not any(f in columns for f in group):
            names = " or ".join(group)
            raise CockpitError(
                f"no column for {names} among {named}; name it with --map {group[0]}=COLUMN or choose a --preset"
            )
    return columns


# ---------------------------------------------------------------------------------------------- parsing


class _CellError(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


_FORMULA_GUARD = re.compile(r"'(?=[=+\-@])")


class _Row:
    """One data row seen through the field → columns mapping."""

    __slots__ = ("cells", "ctx", "line")

    def __init__(self, ctx: _Context, line: int, cells: list[str]) -> None:
        self.ctx, self.line, self.cells = ctx, line, cells

    def text(self, name: str) -> str:
        for i in self.ctx.columns.get(name, ()):
            if i < len(self.cells):
                value = self.cells[i].strip()
                if value:
                    # Undo the quote our own export puts before a cell that a spreadsheet would take as a formula.
                    return value[1:] if _FORMULA_GUARD.match(value) else value
        return ""

    def column(self, name: str) -> str | None:
        """The header of the column that gave ``name`` (the first non-blank one), for error messages."""
        idx = self.ctx.columns.get(name, ())
        for i in idx:
            if i < len(self.cells) and self.cells[i].strip():
                return self.ctx.headers[i]
        return self.ctx.headers[idx[0]] if idx else None

    def value(self, name: str, parse: Callable[[str], Any], *, required: bool = False) -> Any:
        raw = self.text(name)
        if not raw:
            if required:
                raise _CellError(self.column(name), f"{name.replace('_', ' ')} is empty")
            return None
        try:
            return parse(raw)
        except CockpitError as exc:
            raise _CellError(self.column(name), str(exc)) from None

    def check(self, name: str, check: Callable[[], Any]) -> Any:
        """Run a store validation, blaming the column of ``name`` when it fails."""
        try:
            return check()
        except CockpitError as exc:
            raise _CellError(self.column(name), str(exc)) from None


@dataclass
class _Context:
    store: Store
    kind: str
    headers: list[str]
    columns: dict[str, list[int]]
    tx: Transaction
    out: BulkWriter
    result: ImportResult
    actor: Actor
    currency: str
    tz: str | None
    date_format: str | None
    stage_names: dict[str, str]
    stages: dict[str, Any]
    #: --lost-from-lead: lost deals without a qualified date or history never left the first stage.
    lost_from_lead: bool = False
    #: --outcome-map: their outcome (normalised as a header is) → ours.
    outcome_names: dict[str, str] = field(default_factory=dict)
    #: --allow-similar-names: create reps and accounts whose names differ from others only by accents.
    allow_similar: bool = False
    dates: dict[str, int] = field(default_factory=dict)
    reps: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    #: Per table, each name folded (:func:`~cockpit.core.text.fold`) → the first name stored or created with it.
    folded: dict[str, dict[str, str]] = field(default_factory=dict)

    def ts(self, text: str) -> int:
        # Exports repeat the same few hundred dates thousands of times: parse each once.
        found = self.dates.get(text)
        if found is None:
            moment = parse_date(text, tz=self.tz, date_format=self.date_format)
            found = self.dates[text] = int(moment.timestamp())
        return found

    def money(self, text: str) -> int:
        return parse_money(text, currency=self.currency)

    def stage(self, text: str) -> str:
        key = " ".join(text.casefold().split())
        found = self.stage_names.get(key)
        if found is None:
            ours = ", ".join(self.stages)
            raise CockpitError(f"unknown stage {text!r} (ours: {ours}; map it with --stage-map {text!r}=STAGE)")
        return found

    def outcome(self, kind: str, text: str) -> str:
        """Their outcome as ours for an activity of ``kind``: --outcome-map first, then our names and synonyms."""
        ours = self.outcome_names.get(normalize_header(text), text)
        try:
            return check_outcome(kind, ours)
        except CockpitError as exc:
            if not ACTIVITY_OUTCOMES.get(kind):
                raise
            raise CockpitError(f"{exc}; or map it with --outcome-map {text!r}=OUTCOME") from None

    def own_rep(self, row: _Row, name: str, what: str) -> None:
        """Refuse a row a rep may not write: one for another rep (a manager may write for anyone)."""
        if self.actor.is_manager:
            return
        assert self.actor.rep is not None  # import_file refuses an unmapped rep before any row
        if self.reps.get(name.casefold()) != self.actor.rep.id:
            raise _CellError(
                row.column("rep"), f"a rep imports only their own {what}: you are {self.actor.label!r}, not {name!r}"
            )

    def own_row(self, row: _Row, current: Any, what: str) -> None:
        """Refuse the update of a deal or activity of another rep (matched by its external id or natural key)."""
        if self.actor.is_manager:
            return
        assert self.actor.rep is not None
        if current["rep_id"] != self.actor.rep.id:
            raise _CellError(
                row.column("external_id") or row.column("rep"),
                f"{what} #{current['id']} belongs to another rep: only a manager may change it",
            )

    def load_names(self) -> None:
        self.reps = self.out.ids_by_name("reps")
        self.accounts = self.out.ids_by_name("accounts")
        for table in ("reps", "accounts"):
            names = self.folded.setdefault(table, {})
            for row in self.out.rows(table):
                names.setdefault(fold(row["name"]), row["name"])

    def creating(self, table: str, name: str) -> None:
        """Note a rep or account about to be created whose name differs from another only by case or accents.

        Names equal but for case already are the same rep or account (imports have always matched them so); a
        name that folds equal is probably the same one typed on another keyboard (Zoe Muller for Zoë Müller):
        created beside it, it would split the rep's numbers, so :func:`import_file` refuses it by default."""
        names = self.folded.setdefault(table, {})
        key = fold(name)
        other = names.get(key)
        if other is None:
            names[key] = name
            return
        what = "rep" if table == "reps" else "account"
        verb = "would create" if self.result.dry_run or not self.allow_similar else "created"
        note = f"{verb} {what} {name!r}, which differs from existing {other!r} only by case or accents"
        if note not in self.result.similar:
            self.result.similar.append(note)

    def rep_id(self, row: _Row, name: str, team: str = "") -> int:
        found = self.reps.get(name.casefold())
        if found is not None:
            return found
        values = row.check("rep", lambda: rep_values(name, team, "", None, "rep", True))
        values["created_at"] = self.tx.at
        self.creating("reps", values["name"])
        rep_id = self.out.insert("reps", values)
        self.reps[name.casefold()] = rep_id
        self.result.new_reps.append(values["name"])
        return rep_id

    def account_id(self, row: _Row, name: str, *, segment: str = "", source: str = "") -> int:
        found = self.accounts.get(name.casefold())
        if found is not None:
            return found
        clean = row.check("account", lambda: check_text(name, "account name", required=True, max_len=200))
        seg = row.check("segment", lambda: check_text(segment, "segment", max_len=100))
        src = row.check("source", lambda: check_text(source, "lead source", max_len=100))
        self.creating("accounts", clean)
        account_id = self.out.insert(
            "accounts", {"name": clean, "segment": seg, "lead_source": src, "created_at": self.tx.at}
        )
        self.accounts[name.casefold()] = account_id
        self.result.new_accounts.append(clean)
        return account_id


def parse_month(text: str) -> str:
    """``2026-01``, ``2026/1``, ``01/2026``, ``Jan 2026``, ``January 2026`` or any date → ``2026-01``."""
    s = " ".join(text.strip().casefold().split())
    year = month = None
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})", s):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{4})", s):
        year, month = int(m.group(2)), int(m.group(1))
    elif (m := re.fullmatch(r"([a-z]{3,9})\.?[ -]?(\d{4})", s)) and m.group(1) in MONTH_NUMBERS:  # parse's month names
        year, month = int(m.group(2)), MONTH_NUMBERS[m.group(1)]
    if year is None:
        try:
            moment = parse_date(text)
        except CockpitError:
            raise CockpitError(f"cannot read month {text!r}: expected 2026-01, 01/2026 or Jan 2026") from None
        year, month = moment.year, moment.month
    return check_month(f"{year:04d}-{month:02d}")


# One step of a history cell: `stage@2026-01-03T10:00:00Z`. The moment must say its offset, so that a history
# reads the same whatever --date-format or time zone the import runs with.
_HISTORY_STEP = re.compile(r"(?P<stage>[^@]+)@(?P<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2}))")
HISTORY_SEPARATOR = ">"


def format_history(steps: Iterable[tuple[str, int]]) -> str:
    """``[("lead", t0), ("won", t1)]`` → ``lead@2026-01-03T10:00:00Z>won@2026-02-01T16:00:00Z`` (UTC, whole seconds).

    The steps are a deal's stage-history rows in order (``to_stage``, ``at``); each row's ``from_stage`` is the step
    before it (none for the first), so it is not written.
    """
    return HISTORY_SEPARATOR.join(
        f"{stage}@{datetime.fromtimestamp(at, UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}" for stage, at in steps
    )


def parse_history(text: str, stages: Iterable[str], *, stage: str, created: int) -> list[tuple[str, int]]:
    """Read a :func:`format_history` cell back, checked: known stages, times never going back, the first at or
    after ``created``, the last one ``stage`` (the deal's current stage). Raises CockpitError saying which step."""
    known = {s.casefold(): s for s in stages}
    steps: list[tuple[str, int]] = []
    for n, part in enumerate(text.split(HISTORY_SEPARATOR), start=1):
        m = _HISTORY_STEP.fullmatch(part.strip())
        if m is None:
            raise CockpitError(f"history step {n} {part.strip()!r}: expected STAGE@YYYY-MM-DDTHH:MM:SSZ")
        name = known.get(m["stage"].strip().casefold())
        if name is None:
            raise CockpitError(
                f"history step {n}: unknown stage {m['stage'].strip()!r} (ours: {', '.join(known.values())})"
            )
        try:
            at = int(datetime.fromisoformat(m["at"]).timestamp())
        except ValueError:
            raise CockpitError(f"history step {n}: {m['at']!r} is not a valid moment") from None
        if not MIN_TS <= at < MAX_TS:
            raise CockpitError(f"history step {n}: {m['at']!r} is outside 1970-2100")
        if steps and at < steps[-1][1]:
            raise CockpitError(f"history step {n} ({name}) is earlier than step {n - 1} ({steps[-1][0]})")
        if steps and name == steps[-1][0]:
            raise CockpitError(f"history step {n} moves the deal to {name}, where step {n - 1} left it")
        steps.append((name, at))
    if steps[0][1] < created:
        raise CockpitError(f"history step 1 ({steps[0][0]}) is before the deal was created")
    if steps[-1][0] != stage:
        raise CockpitError(f"history ends in {steps[-1][0]}, but the deal's stage is {stage}")
    return steps


def _bool(text: str) -> bool:
    s = text.strip().casefold()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CockpitError(f"cannot read {text!r}: expected yes/no, true/false or 1/0")


def _kind(text: str) -> str:
    s = " ".join(text.casefold().replace("_", " ").split())
    found = _KIND_NAMES.get(s)
    if found is None:
        raise CockpitError(f"unknown activity kind {text!r} (kinds: {', '.join(ACTIVITY_KINDS)})")
    return found


def _role(text: str) -> str:
    found = _ROLES.get(" ".join(text.casefold().split()))
    if found is None:
        raise CockpitError(f"unknown role {text!r}: expected rep or manager")
    return found


def _category(text: str) -> str:
    s = text.strip().casefold()
    for category in COST_CATEGORIES:
        if s == category or s.startswith(category):
            return category
    raise CockpitError(f"cost category {text!r} must be marketing or sales")


# ---------------------------------------------------------------------------------------------- importing


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


def import_file(
    store: Store,
    kind: str,
    path: str | Path,
    *,
    preset: str | Preset | None = None,
    mapping: Sequence[tuple[str, str]] = (),
    stage_map: Sequence[tuple[str, str]] = (),
    date_format: str | None = None,
    dry_run: bool = False,
    skip_bad: bool = False,
    progress: Callable[[int, int], None] | None = None,
    currency: str = "USD",
    tz: str | None = None,
    encoding: str | None = None,
    actor: Actor | None = None,
    lost_from_lead: bool = False,
    outcome_map: Sequence[tuple[str, str]] = (),
    allow_similar_names: bool = False,
) -> ImportResult:
    """Import one CSV file of ``kind`` (deals, reps, activities, costs, quotas) in one transaction.

    ``mapping`` pairs (field, column) come first, then the preset's headers, then obvious headers; a field may be
    mapped to several columns (the first non-blank cell wins) and a column may feed several fields.
    ``stage_map`` pairs (their stage, our stage) come before the preset's stage names. Raises
    :class:`ImportFailed` (nothing written) when a row cannot be read, unless ``skip_bad``.

    ``actor`` (default: the store's user, as :func:`~cockpit.core.actor.resolve_actor` sees them) must have the
    rights the forms ask for: reps, roles, costs and quotas are a manager's; a rep imports deals and activities of
    their own only, and changes no deal or activity of another rep. ``encoding`` names the file's when it is not
    UTF-8 (see :func:`read_csv`). Each row written is audited, after one summary row of the whole import.

    Deals: a closed deal (won or lost) with no qualified date and no history counts as qualified at its created
    date, unless ``lost_from_lead`` says the file's lost deals never left the first stage (see
    :func:`_qualified_at`). Activities: an outcome must be one of its kind's (``ACTIVITY_OUTCOMES``, their usual
    synonyms); ``outcome_map`` pairs (their outcome, ours) come first.

    Names: a rep or an account named as a stored one but for case is that one. A new one whose name differs from
    another (stored, or new in the file) only by accents (``Zoe Muller`` beside ``Zoë Müller``) is listed in
    ``result.similar``; unless ``allow_similar_names``, the import then raises :class:`SimilarNames` and writes
    nothing (a dry run lists them and returns).
    """
    if kind not in KINDS:
        raise CockpitError(f"cannot import {kind!r}: expected one of {', '.join(KINDS)}")
    who = actor if actor is not None else resolve_actor(store)
    if not who.is_manager:
        if kind in ("reps", "costs", "quotas"):
            raise PermissionDenied(f"only a manager may import {kind}; you are {who.label!r} (a rep)")
        if who.rep is None:
            raise PermissionDenied(
                f"your login {who.unix_user!r} is not mapped to a rep: only a manager may import {kind} for others"
            )
    chosen = find_preset(preset) if isinstance(preset, str) else preset
    table = read_csv(path, encoding=encoding)
    columns = resolve_columns(kind, table.headers, preset=chosen, mapping=mapping)
    used = {i for idx in columns.values() for i in idx}
    result = ImportResult(kind=kind, dry_run=dry_run, encoding=table.encoding)
    result.columns = {f: [table.headers[i] for i in idx] for f, idx in columns.items()}
    result.ignored_columns = [h for i, h in enumerate(table.headers) if i not in used and normalize_header(h)]
    stages = {s.name: s for s in store.stages()}
    stage_names = {name: name for name in stages}
    stage_names.update({k: v for k, v in _COMMON_STAGES.items() if v in stages})
    if chosen:
        stage_names.update({k: v for k, v in chosen.stages.items() if v in stages})
    for theirs, ours in stage_map:
        target = ours.strip().lower()
        if target not in stages:
            raise CockpitError(f"--stage-map {theirs}={ours}: no stage {ours!r} (ours: {', '.join(stages)})")
        stage_names[" ".join(theirs.casefold().split())] = target
    outcome_names: dict[str, str] = {}
    for theirs, ours in outcome_map:
        found = next((o for k in ACTIVITY_OUTCOMES if (o := find_outcome(k, ours)) is not None), None)
        if found is None:
            every = sorted({o for names in ACTIVITY_OUTCOMES.values() for o in names})
            raise CockpitError(f"--outcome-map {theirs}={ours}: no outcome {ours!r} (ours: {', '.join(every)})")
        outcome_names[normalize_header(theirs)] = ours
    handler = _HANDLERS[kind]
    try:
        with store.write(f"import {kind}") as tx:
            ctx = _Context(
                store=store,
                kind=kind,
                headers=table.headers,
                columns=columns,
                tx=tx,
                out=BulkWriter(tx, audited=True),
                result=result,
                actor=who,
                currency=currency,
                tz=tz,
                date_format=date_format,
                stage_names=stage_names,
                stages=stages,
                lost_from_lead=lost_from_lead,
                outcome_names=outcome_names,
                allow_similar=allow_similar_names,
            )
            ctx.load_names()
            handler(ctx, table, skip_bad, progress)
            if result.skipped and not skip_bad:
                raise ImportFailed(result.skipped, str(path))
            if result.similar and not allow_similar_names and not dry_run:
                raise SimilarNames(result.similar)
            # One summary audit row per import that changed something; a re-import that changes nothing leaves
            # every table as it was, audit log included.
            if result.created or result.updated or result.new_reps or result.new_accounts:
                tx.audit(
                    kind,
                    None,
                    None,
                    {
                        "file": Path(path).name,
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "skipped": len(result.skipped),
                        "new_reps": result.new_reps,
                        "new_accounts": len(result.new_accounts),
                    }
                    | ({"history_replaced": result.history_replaced} if kind == "deals" else {}),
                )
                # After the summary, in its batch: the KPI cache meets the summary first and starts over at once.
                ctx.out.write_audit()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _rows(
    ctx: _Context,
    table: Table,
    progress: Callable[[int, int], None] | None,
    handle: Callable[[_Row], str],
    skip_bad: bool,
) -> None:
    """Run ``handle`` on every data row, counting what it returns and collecting row errors."""
    total = len(table.rows)
    result = ctx.result
    named = [i for i, h in enumerate(table.headers) if normalize_header(h)]
    out = ctx.out
    for done, (line, cells) in enumerate(table.rows, start=1):
        if progress and done % _PROGRESS_EVERY == 0:
            progress(done, total)
        # Cells under unnamed columns (a trailing "$") do not make a row.
        if not any(i < len(cells) and cells[i].strip() for i in named):
            continue
        result.rows += 1
        # With --skip-bad, a savepoint per row so that a row failing half-way leaves no trace; without it any
        # error rolls the whole import back, so the savepoints would only cost time.
        if skip_bad:
            out.begin_row()
        try:
            outcome = handle(_Row(ctx, line, cells))
        except _CellError as exc:
            if skip_bad:
                out.undo_row()
            result.skipped.append(RowError(line, exc.column, exc.reason))
            continue
        if skip_bad:
            out.keep_row()
        setattr(result, outcome, getattr(result, outcome) + 1)
    if progress:
        progress(total, total)


def _changes(current: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if current[k] != v}


def _update(ctx: _Context, table: str, row_id: int, changes: dict[str, Any], current: Any) -> None:
    """Change a row, auditing the values ``current`` (the row as it stood) had."""
    ctx.out.update(table, row_id, changes, {k: current[k] for k in changes})


def _insert(ctx: _Context, table: str, values: dict[str, Any]) -> int:
    return ctx.out.insert(table, values)


# --- deals

#: What names a deal, in order: its title, else its account (a spreadsheet of customers), its product, its id.
_TITLE_FIELDS = ("title", "account", "product", "external_id")


def _deal_title(row: _Row) -> str:
    """The deal's title: the first of title, account, product and external id the row fills. A row with none of
    them is refused (an export without a title column still imports: the customer or product names each deal)."""
    for name in _TITLE_FIELDS:
        if text := row.text(name):
            return text
    where = next((row.column(name) for name in _TITLE_FIELDS if row.column(name)), None)
    raise _CellError(where, "nothing names the deal: its title, account, product and external id are all empty")


def _qualified_at(
    steps: list[tuple[str, int]] | None, stage: str, created: int, first_stage: str, *, lost_from_lead: bool
) -> int | None:
    """When a deal the file gives no qualified date for became an opportunity (None: it never did).

    With a history, the store's own rule: the first time it entered a stage other than the first one and `lost`.
    Without one, a row whose own stage is the first one (`lead`) is not qualified yet, and every other row, won and
    lost alike, was qualified when created: in Pipedrive, HubSpot, Salesforce and Zoho a deal that reached the
    pipeline is an opportunity whether it was won or lost. Only ``lost_from_lead`` (``--lost-from-lead``, or a
    qualified column left empty for a lost deal) says a lost deal never left lead."""
    if steps is not None:
        return next((at for name, at in steps if name not in (first_stage, "lost")), None)
    if stage == first_stage or lost_from_lead:
        return None
    return created


def _import_deals(ctx: _Context, table: Table, skip_bad: bool, progress: Any) -> None:
    out = ctx.out
    mapped = set(ctx.columns)
    by_ext: dict[str, Any] = {}
    by_key: dict[tuple[str, str, str, int], Any] = {}
    for d in out.deals_with_names():
        if d["external_id"]:
            by_ext[d["external_id"]] = d
        by_key[
            (d["title"].casefold(), (d["account_name"] or "").casefold(), d["rep_name"].casefold(), d["created_at"])
        ] = d
    positions = sorted(ctx.stages.values(), key=lambda s: s.position)
    first_stage = positions[0].name
    same_close_column = ctx.columns.get("closed") == ctx.columns.get("expected_close")
    # Stage-history rows to write, per deal, (from_stage, to_stage, at) in order; inserted in one batch at the end.
    pending: dict[int, list[tuple[str | None, str, int]]] = {}
    # With a history column: each deal's whole history as it stands (stored, then as this import changes it), to
    # tell an unchanged history from a changed one.
    known: dict[int, list[tuple[str, int]]] = {}
    if "history" in mapped:
        for deal_id, to_stage, at in out.stage_steps():
            known.setdefault(deal_id, []).append((to_stage, at))
    stage_names = list(ctx.stages)
    user = ctx.store.user
    # Each stored deal's history as it stands, read once when a re-import first needs it (see follow_qualified).
    stored: dict[int, list[tuple[str, int]]] | None = known if "history" in mapped else None

    def stored_steps(deal_id: int) -> list[tuple[str, int]]:
        nonlocal stored
        if stored is None:
            stored = {}
            for step_deal, to_stage, at in out.stage_steps():
                stored.setdefault(step_deal, []).append((to_stage, at))
        return stored.get(deal_id, [])

    def closed_history(qualified: int | None, stage: str, created: int, closed: int) -> list[tuple[str, int]]:
        """The history of a closed deal the file gives none for, as if entered by hand: created in `qualified`
        (when it was an opportunity) or in the first stage, then won or lost at its close date."""
        start = "qualified" if qualified is not None and "qualified" in ctx.stages else first_stage
        return [(start, created), (stage, closed)]

    def add_history(deal_id: int, steps: list[tuple[str, int]], before: str | None = None) -> None:
        """Queue ``steps`` after the deal's last stage ``before`` (None: they are its whole history)."""
        rows = pending.setdefault(deal_id, [])
        for to_stage, at in steps:
            rows.append((before, to_stage, at))
            before = to_stage
        if "history" in mapped:
            known.setdefault(deal_id, []).extend(steps)

    def handle(row: _Row) -> str:
        account = row.text("account")
        title = _deal_title(row)
        named_by = next(name for name in _TITLE_FIELDS if row.text(name) == title)
        title = row.check(named_by, lambda: check_text(title, "title", required=True, max_len=500))
        rep = row.value("rep", str, required=True)
        status = row.text("status").casefold()
        if status in ("won", "lost"):
            stage = status
        elif status not in ("", "open"):
            raise _CellError(row.column("status"), f"status {status!r} is not open, won or lost")
        elif "stage" in mapped:
            stage = row.value("stage", ctx.stage, required=True)
        else:
            stage = first_stage
        target = ctx.stages[stage]
        amount = row.value("amount", ctx.money) or 0
        amount = row.check("amount", lambda: check_amount(amount))
        created = row.value("created", ctx.ts, required=True)
        closed = row.value("closed", ctx.ts)
        expected = row.value("expected_close", ctx.ts)
        qualified = row.value("qualified", ctx.ts)
        probability = row.value("probability", parse_percent)
        if target.is_open:
            closed = None
        else:
            if closed is None:
                raise _CellError(row.column("closed"), f"a {stage} deal needs a close date")
            if closed < created:
                raise _CellError(row.column("closed"), "a deal cannot close before it was created")
            if same_close_column:
                expected = None  # the column held the close date, not an expectation
            probability = None  # closed deals take their stage's probability, as a deal moved by hand does
        steps = None
        if row.text("history"):
            steps = row.value("history", lambda text: parse_history(text, stage_names, stage=stage, created=created))
        lost_from_lead = stage == "lost" and steps is None and (ctx.lost_from_lead or "qualified" in mapped)
        if qualified is None:
            qualified = _qualified_at(steps, stage, created, first_stage, lost_from_lead=lost_from_lead)
        ext = row.text("external_id") or None
        key = (title.casefold(), account.casefold(), rep.casefold(), created)
        current = by_ext.get(ext) if ext else None
        if current is None:
            current = by_key.get(key)
            if current is not None and current["external_id"] not in (None, ext):
                current = None  # same natural key, but the file says it is another deal
        values: dict[str, Any] = {
            "external_id": ext,
            "title": title,
            "amount": amount,
            "stage": stage,
            "probability": target.probability if probability is None else check_prob(probability),
            "source": row.check("source", lambda: check_text(row.text("source"), "source", max_len=100)),
            "product": row.check("product", lambda: check_text(row.text("product"), "product", max_len=200)),
            "created_at": row.check("created", lambda: ctx.store.check_done(created, "created date")),
            "qualified_at": row.check("qualified", lambda: ctx.store.check_done(qualified, "qualified date")),
            "expected_close": row.check("expected_close", lambda: check_ts(expected, "expected close")),
            "closed_at": row.check("closed", lambda: ctx.store.check_done(closed, "close date")),
            "lost_reason": (
                row.check("lost_reason", lambda: check_text(row.text("lost_reason"), "lost reason")) or "unknown"
            )
            if stage == "lost"
            else None,
        }
        ctx.own_rep(row, rep, "deals")
        if current is not None:
            ctx.own_row(row, current, "deal")
        values["rep_id"] = ctx.rep_id(row, rep, row.text("team"))
        values["account_id"] = (
            ctx.account_id(row, account, segment=row.text("segment"), source=row.text("source")) if account else None
        )
        if current is None:
            values["updated_at"] = ctx.tx.at
            deal_id = _insert(ctx, "deals", values)
            if steps is not None:
                add_history(deal_id, steps)
            # Else history as if entered by hand: created in the first (or qualified) stage, closed at its close date.
            elif target.is_open:
                add_history(deal_id, [(stage, created)])
            else:
                add_history(deal_id, closed_history(qualified, stage, created, closed))
            row_key = {**values, "id": deal_id}
            if ext:
                by_ext[ext] = row_key
            by_key[key] = row_key
            return "created"
        # Fields the file does not have keep their stored values.
        for name, column in (("source", "source"), ("product", "product"), ("expected_close", "expected_close")):
            if name not in mapped:
                values.pop(column)
        if ext is None:
            values.pop("external_id")
        # A stored qualified date stays unless the file says when (or that) the deal was qualified: a qualified
        # column, a history cell, or --lost-from-lead for a lost deal. A stored "never qualified" of a deal the
        # file reads as an opportunity (a lost deal an earlier import left in lead) takes the file's reading.
        if not ("qualified" in mapped or steps is not None or lost_from_lead) and current["qualified_at"] is not None:
            values.pop("qualified_at")
        if "probability" not in mapped and current["stage"] == stage:
            values.pop("probability")
        changes = _changes(current, values)
        deal_id = current["id"]
        new_history = steps is not None and known.get(deal_id, []) != steps
        if not changes and not new_history:
            return "unchanged"
        _update(ctx, "deals", deal_id, changes | {"updated_at": ctx.tx.at}, current)
        if new_history:
            # The file's history replaces the stored one whole (rows already written and rows still pending).
            out.delete_stage_history(deal_id)
            pending.pop(deal_id, None)
            known[deal_id] = []
            add_history(deal_id, steps)
            ctx.result.history_replaced += 1
        elif "stage" in changes and steps is None:
            add_history(deal_id, [(stage, closed or ctx.tx.at)], current["stage"])
        elif "qualified_at" in changes and steps is None and not target.is_open and deal_id not in pending:
            follow_qualified(deal_id, current["qualified_at"], values["qualified_at"], stage, created, closed)
        return "updated"

    def follow_qualified(
        deal_id: int, before: int | None, after: int | None, stage: str, created: int, closed: int
    ) -> None:
        """A closed deal the file now reads as (not) an opportunity: when its stored history is the one an import
        synthesizes for the other reading, it is replaced by the one for this reading, so that the stages a past
        period's pipeline reads agree with the opportunity count."""
        if (before is None) == (after is None):
            return
        if stored_steps(deal_id) != closed_history(before, stage, created, closed):
            return  # a history of its own (moved by hand, or from a history cell): left as it is
        out.delete_stage_history(deal_id)
        add_history(deal_id, closed_history(after, stage, created, closed))
        ctx.result.history_replaced += 1

    _rows(ctx, table, progress, handle, skip_bad)
    out.insert_many(
        "stage_history",
        ("deal_id", "from_stage", "to_stage", "at", "by_user"),
        ((deal_id, *step, user) for deal_id, steps in pending.items() for step in steps),
    )


# --- reps


def _import_reps(ctx: _Context, table: Table, skip_bad: bool, progress: Any) -> None:
    mapped = set(ctx.columns)
    existing = {r["name"].casefold(): r for r in ctx.out.rows("reps")}
    logins = {r["unix_login"]: r["name"] for r in existing.values() if r["unix_login"]}

    def handle(row: _Row) -> str:
        name = row.value("name", str, required=True)
        current = existing.get(name.casefold())
        base = dict(current) if current else {"team": "", "region": "", "unix_login": None, "role": "rep", "active": 1}
        given = {
            "team": row.text("team") if "team" in mapped else base["team"],
            "region": row.text("region") if "region" in mapped else base["region"],
            "unix_login": (row.text("unix_login") or None) if "unix_login" in mapped else base["unix_login"],
            "role": (row.value("role", _role) or "rep") if "role" in mapped else base["role"],
            "active": row.value("active", _bool) if "active" in mapped and row.text("active") else bool(base["active"]),
        }
        values = row.check(
            "name",
            lambda: rep_values(
                current["name"] if current else name,
                given["team"],
                given["region"],
                given["unix_login"],
                given["role"],
                given["active"],
            ),
        )
        login = values["unix_login"]
        if login and logins.get(login, name).casefold() != name.casefold():
            raise _CellError(row.column("unix_login"), f"unix login {login!r} already belongs to {logins[login]!r}")
        if current is None:
            values["created_at"] = ctx.tx.at
            ctx.creating("reps", values["name"])
            values["id"] = _insert(ctx, "reps", values)
            existing[name.casefold()] = values
            ctx.reps[name.casefold()] = values["id"]
            if login:
                logins[login] = name
            return "created"
        changes = _changes(current, values)
        if not changes:
            return "unchanged"
        _update(ctx, "reps", current["id"], changes, current)
        existing[name.casefold()] = dict(current) | changes
        if login:
            logins[login] = name
        return "updated"

    _rows(ctx, table, progress, handle, skip_bad)


# --- activities


def _import_activities(ctx: _Context, table: Table, skip_bad: bool, progress: Any) -> None:
    mapped = set(ctx.columns)
    by_ext: dict[str, Any] = {}
    by_key: dict[tuple[str, int, int, int | None], Any] = {}
    for x in ctx.out.rows("activities"):
        if x["external_id"]:
            by_ext[x["external_id"]] = x
        by_key[(x["kind"], x["rep_id"], x["at"], x["deal_id"])] = x
    deal_ext: dict[str, tuple[int, int | None]] = {}
    deal_title: dict[str, list[tuple[int, int | None]]] = {}
    for d in ctx.out.live_deals():
        if d["external_id"]:
            deal_ext[d["external_id"]] = (d["id"], d["account_id"])
        deal_title.setdefault(d["title"].casefold(), []).append((d["id"], d["account_id"]))

    def find_deal(text: str) -> tuple[int, int | None]:
        if text in deal_ext:
            return deal_ext[text]
        found = deal_title.get(text.casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise CockpitError(f"{len(found)} deals are titled {text!r}; give the deal's external id instead")
        raise CockpitError(f"no deal with external id or title {text!r}")

    def handle(row: _Row) -> str:
        kind = row.value("kind", _kind, required=True)
        rep = row.value("rep", str, required=True)
        at = row.value("at", ctx.ts, required=True)
        deal = row.value("deal", find_deal)
        duration = row.value("duration", parse_duration)
        values: dict[str, Any] = {
            "external_id": row.text("external_id") or None,
            "kind": kind,
            "at": row.check("at", lambda: ctx.store.check_done(at, "activity date")),
            "deal_id": deal[0] if deal else None,
            "outcome": row.value("outcome", lambda text: ctx.outcome(kind, text)) or "",
            "duration_s": duration,
            "note": row.check("note", lambda: check_text(row.text("note"), "note", max_len=100_000)),
        }
        ctx.own_rep(row, rep, "activities")
        values["rep_id"] = ctx.rep_id(row, rep)
        account = row.text("account")
        values["account_id"] = ctx.account_id(row, account) if account else (deal[1] if deal else None)
        ext = values["external_id"]
        key = (kind, values["rep_id"], values["at"], values["deal_id"])
        current = by_ext.get(ext) if ext else None
        if current is None:
            current = by_key.get(key)
            if current is not None and current["external_id"] not in (None, ext):
                current = None
        if current is None:
            values["created_at"] = ctx.tx.at
            values["id"] = _insert(ctx, "activities", values)
            if ext:
                by_ext[ext] = values
            by_key[key] = values
            return "created"
        for name, column in (("outcome", "outcome"), ("duration", "duration_s"), ("note", "note")):
            if name not in mapped:
                values.pop(column)
        if ext is None:
            values.pop("external_id")
        ctx.own_row(row, current, "activity")
        changes = _changes(current, values)
        if not changes:
            return "unchanged"
        _update(ctx, "activities", current["id"], changes, current)
        return "updated"

    _rows(ctx, table, progress, handle, skip_bad)


# --- costs and quotas


def _import_costs(ctx: _Context, table: Table, skip_bad: bool, progress: Any) -> None:
    existing = {(r["month"], r["category"], r["channel"]): r for r in ctx.out.rows("costs")}

    def handle(row: _Row) -> str:
        month = row.value("month", parse_month, required=True)
        category = row.value("category", _category, required=True)
        channel = row.check("channel", lambda: check_text(row.text("channel"), "channel", max_len=100))
        amount = row.value("amount", ctx.money, required=True)
        amount = row.check("amount", lambda: check_amount(amount))
        values = {"month": month, "category": category, "channel": channel, "amount": amount}
        return _upsert_amount(ctx, "costs", existing, (month, category, channel), values)

    _rows(ctx, table, progress, handle, skip_bad)


def _upsert_amount(
    ctx: _Context, table: str, existing: dict[Any, Any], key: tuple[Any, ...], values: dict[str, Any]
) -> str:
    """Insert a monthly amount (cost or quota) under its natural key, or update the amount of the one there."""
    current = existing.get(key)
    if current is None:
        values["id"] = _insert(ctx, table, values)
        existing[key] = values
        return "created"
    if current["amount"] == values["amount"]:
        return "unchanged"
    _update(ctx, table, current["id"], {"amount": values["amount"]}, current)
    existing[key] = dict(current) | {"amount": values["amount"]}
    return "updated"


def _import_quotas(ctx: _Context, table: Table, skip_bad: bool, progress: Any) -> None:
    existing = {(r["rep_id"], r["team"], r["month"]): r for r in ctx.out.rows("quotas")}

    def handle(row: _Row) -> str:
        rep, team = row.text("rep"), row.text("team")
        if bool(rep) == bool(team):
            where = row.column("rep") or row.column("team")
            raise _CellError(where, "a quota is for one rep or one team: fill exactly one of rep and team")
        month = row.value("month", parse_month, required=True)
        amount = row.value("amount", ctx.money, required=True)
        amount = row.check("amount", lambda: check_amount(amount))
        rep_id = ctx.rep_id(row, rep) if rep else None
        team_name = row.check("team", lambda: check_text(team, "team", max_len=100)) if team else None
        values = {"rep_id": rep_id, "team": team_name, "month": month, "amount": amount}
        return _upsert_amount(ctx, "quotas", existing, (rep_id, team_name, month), values)

    _rows(ctx, table, progress, handle, skip_bad)


_HANDLERS: dict[str, Callable[[_Context, Table, bool, Any], None]] = {
    "deals": _import_deals,
    "reps": _import_reps,
    "activities": _import_activities,
    "costs": _import_costs,
    "quotas": _import_quotas,
}

"""Deterministic demo data: a sales team's year (or more) of deals, calls, costs and quotas.

``generate()`` writes a new database that looks like a real team's: teams and regions, reps with Korean and
accented names, accounts with segments and lead sources, deals that move lead → qualified → proposal →
negotiation → won/lost with plausible win rates and cycle lengths, activities with outcomes and follow-ups,
monthly costs and quotas. One rep converts clearly worse than the others (for the diagnosis view), one has left.

Everything comes from one ``random.Random(seed)`` and from the simulated calendar, never from the wall clock, so
the same arguments give the same rows. Rows are bulk-inserted in one transaction, month by month, because the
benchmark database (200 reps × 24 months) holds more than a million activities.
"""

from __future__ import annotations

import bisect
import json
import os
import random
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cockpit.core.errors import ValidationError
from cockpit.core.forecast import keep_forecast_history
from cockpit.core.periods import period_containing
from cockpit.core.snapshot import count_view
from cockpit.core.store import Store
from cockpit.core.store.bulk import BulkWriter

MAX_REPS = 500  # the name pools give about a thousand distinct people; 500 leaves room for uniqueness
MAX_MONTHS = 240

# The columns of the rows the generator builds as tuples, in their order.
REP_COLUMNS = ("id", "name", "team", "region", "unix_login", "role", "active", "created_at")
ACCOUNT_COLUMNS = ("id", "name", "segment", "lead_source", "created_at")
DEAL_COLUMNS = (
    "id",
    "external_id",
    "title",
    "account_id",
    "rep_id",
    "amount",
    "stage",
    "probability",
    "source",
    "product",
    "created_at",
    "qualified_at",
    "expected_close",
    "closed_at",
    "lost_reason",
    "updated_at",
)
HISTORY_COLUMNS = ("deal_id", "from_stage", "to_stage", "at", "by_user")
ACTIVITY_COLUMNS = (
    "kind",
    "rep_id",
    "deal_id",
    "account_id",
    "outcome",
    "duration_s",
    "at",
    "note",
    "follow_up_at",
    "follow_up_done_at",
    "created_at",
)

# ---------------------------------------------------------------------------------------------- the cast

TEAMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("North", ("Nordics", "Benelux", "UK & Ireland")),
    ("South", ("Iberia", "Italy", "France")),
    ("Enterprise", ("EMEA", "APAC", "Americas")),
    ("SMB", ("Inside sales",)),
)
SEGMENTS = ("SMB", "Mid-market", "Enterprise")
# Which segments each team sells to, and how many deals a rep of that team opens relative to the average.
TEAM_SEGMENTS = {
    "North": (0.50, 0.38, 0.12),
    "South": (0.55, 0.35, 0.10),
    "Enterprise": (0.0, 0.25, 0.75),
    "SMB": (0.85, 0.15, 0.0),
}
TEAM_DEAL_RATE = {"North": 1.0, "South": 1.0, "Enterprise": 0.6, "SMB": 1.35}

CHANNELS = ("LinkedIn", "email", "inbound", "referral", "event")
CHANNEL_WEIGHTS = (0.28, 0.20, 0.27, 0.12, 0.13)
CHANNEL_QUALIFY = {"LinkedIn": 0.9, "email": 0.8, "inbound": 1.15, "referral": 1.3, "event": 1.0}
CHANNEL_WIN = {"LinkedIn": 0.95, "email": 0.85, "inbound": 1.05, "referral": 1.3, "event": 1.0}
SEGMENT_WIN = {"SMB": 1.05, "Mid-market": 1.0, "Enterprise": 0.88}

# Deal sizes in major units: log-uniform between the bounds, rounded to `step`.
AMOUNTS = {"SMB": (2_000, 10_000, 100), "Mid-market": (10_000, 40_000, 500), "Enterprise": (30_000, 200_000, 1_000)}
PRODUCTS = {
    "SMB": ("Starter plan", "Pro plan", "Onboarding package"),
    "Mid-market": ("Pro plan", "Business plan", "Analytics add-on", "Integration services"),
    "Enterprise": ("Enterprise platform", "Enterprise support", "Data warehouse connector", "Professional services"),
}

# Managers come first so that no rep is given their name or login.
MANAGERS = (("Maria Keller", "mgr"), ("박지훈", "jihoon"))
# The first reps are always these, so a small database shows Korean and accented names side by side.
CURATED_REPS = (
    ("Ana Torres", "ana"),
    ("김민준", "minjun"),
    ("José Álvarez", "jose"),
    ("Zoë Müller", "zoe"),
    ("Liam O'Brien", "liam"),
    ("이서연", "seoyeon"),
    ("François Lefèvre", "francois"),
    ("Søren Ødegaard", "soren"),
    ("Priya Raman", "priya"),
    ("최하은", "haeun"),
    ("Łukasz Wróbel", "lukasz"),
    ("Chloé Dubois", "chloe"),
)
FIRST_NAMES = (
    "Emma", "Lucas", "Inès", "Mateo", "Léa", "Noah", "Sofía", "Björn", "Jürgen", "Aoife", "Tomás", "Maja",
    "Øystein", "Élodie", "Hugo", "Nina", "Omar", "Fatima", "Raj", "Grace", "Daniel", "Olivia", "Mikael", "Renée",
    "Ngozi", "Kenji", "Marta", "Paweł", "Astrid", "Joël",
)  # fmt: skip
LAST_NAMES = (
    "García", "Schmidt", "Nowak", "Rossi", "Dubois", "Larsen", "Novák", "Kowalski", "Fernández", "Weiß", "Jensen",
    "Costa", "Moreau", "Bauer", "Nakamura", "Okafor", "Singh", "Murphy", "Silva", "Berg", "Horváth", "Yılmaz",
    "Papadopoulos", "Lindqvist", "Åberg", "Dvořák", "Nieminen", "Fontaine", "Ricci", "Brennan",
)  # fmt: skip
KOREAN_SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오")
KOREAN_GIVEN = (
    ("민준", "minjun"), ("서연", "seoyeon"), ("지훈", "jihoon"), ("하은", "haeun"), ("도윤", "doyun"),
    ("서준", "seojun"), ("지우", "jiwoo"), ("예준", "yejun"), ("수아", "sua"), ("하준", "hajun"), ("지민", "jimin"),
    ("유진", "yujin"), ("현우", "hyunwoo"), ("소연", "soyeon"), ("은지", "eunji"),
)  # fmt: skip

ACCOUNT_PREFIXES = (
    "Nordwind", "Blue Harbor", "Aurora", "Kestrel", "Granite", "Silverline", "Redwood", "Brightpath", "Cobalt",
    "Evergreen", "Lumen", "Northstar", "Orion", "Pinecrest", "Quantum", "Riverside", "Summit", "Tidewater", "Vertex",
    "Westbrook", "Alpine", "Beacon", "Cedar", "Delta", "Ember", "Falcon", "Horizon", "Ironbridge", "Juniper",
    "Keystone", "Lakeside", "Meridian", "Nimbus", "Oakridge", "Pioneer", "Sable", "Trident", "Vanguard", "Willow",
    "Zenith", "Hanbit", "Mirae", "Daehan", "Haneul", "Élan", "Øresund", "Løvstad", "Großmann", "Señorío", "Açores",
    "Bärenfels", "Crème", "Côte", "Fjällräv", "Kraków", "Málaga", "Zürich", "Ostrava", "Tromsø", "Besançon",
)  # fmt: skip
ACCOUNT_CORES = (
    "Logistics", "Foods", "Robotics", "Analytics", "Dental", "Freight", "Textiles", "Pharma", "Energy", "Solar",
    "Media", "Labs", "Foundry", "Marine", "Health", "Finance", "Insurance", "Retail", "Systems", "Software", "Motors",
    "Aerospace", "Brewing", "Coffee", "Furniture", "Packaging", "Print", "Security", "Telecom", "Travel", "Hotels",
    "Clinics", "Farms", "Metals", "Plastics", "Chemicals", "Consulting", "Legal", "Architects", "Studios",
)  # fmt: skip
ACCOUNT_SUFFIXES = (
    "", " Inc.", " Ltd", " GmbH", " SA", " AB", " BV", " SAS", " S.L.", " AS", " Co.", " Group", " & Co", " Oy",
    " SpA", " KK",
)  # fmt: skip
KOREAN_ACCOUNT_PREFIXES = ("한빛", "미래", "새벽", "하늘", "바다", "대한", "누리", "푸른")
KOREAN_ACCOUNT_CORES = ("테크", "물산", "소프트", "바이오", "건설", "전자", "식품", "로지스")
CITIES = (
    "Lyon", "Malmö", "São Paulo", "Kraków", "Zürich", "Göteborg", "Busan", "Seoul", "Porto", "Gdańsk", "Tromsø",
    "Sevilla", "Köln", "Genève", "Aarhus", "Bergen", "Incheon", "Daegu", "Nantes", "Bilbao",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------- the process

OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
NEXT_STAGE = {"lead": "qualified", "qualified": "proposal", "proposal": "negotiation", "negotiation": "won"}
# Chance of moving on from each stage (before rep, channel and segment effects); the product of the last three
# with the dark-deal losses gives roughly 30 % of qualified deals won.
ADVANCE = {"lead": 0.57, "qualified": 0.76, "proposal": 0.72, "negotiation": 0.69}
DWELL_DAYS = {"lead": 6.0, "qualified": 10.0, "proposal": 14.0, "negotiation": 10.0}
SEGMENT_DWELL = {"SMB": 0.7, "Mid-market": 1.0, "Enterprise": 1.8}
# A deal "goes dark" in a stage: the buyer stops answering, the rep stops calling, the deal sits (stale).
DARK = {"lead": 0.05, "qualified": 0.07, "proposal": 0.08, "negotiation": 0.07}
LOST_REASONS = {
    "lead": (("no budget", 35), ("timing", 30), ("no decision", 35)),
    "qualified": (("no budget", 25), ("timing", 25), ("no decision", 20), ("went with competitor", 15), ("price", 15)),
    "proposal": (("price", 35), ("went with competitor", 30), ("no budget", 10), ("timing", 10), ("no decision", 15)),
    "negotiation": (("price", 40), ("went with competitor", 35), ("timing", 10), ("no decision", 15)),
    "dark": (("no decision", 80), ("timing", 20)),
}
# Expected touches per stage visited; won deals get more (the calls are part of why they were won).
TOUCHES = {"lead": 2.2, "qualified": 3.6, "proposal": 4.0, "negotiation": 4.4}
SEGMENT_TOUCHES = {"SMB": 0.85, "Mid-market": 1.0, "Enterprise": 1.5}
WON_TOUCH_BONUS = 1.6
PROSPECTING_TOUCHES = 1.7  # account-only touches before a new account's first deal
KIND_MIX = {
    "lead": (("call", 55), ("email", 20), ("linkedin", 20), ("note", 5)),
    "qualified": (("call", 50), ("email", 22), ("meeting", 13), ("linkedin", 8), ("note", 7)),
    "proposal": (("call", 45), ("email", 25), ("meeting", 18), ("linkedin", 4), ("note", 8)),
    "negotiation": (("call", 48), ("email", 24), ("meeting", 18), ("linkedin", 2), ("note", 8)),
    "prospect": (("call", 50), ("email", 20), ("linkedin", 27), ("note", 3)),
    "checkin": (("call", 50), ("meeting", 25), ("email", 20), ("note", 5)),
}
CALL_OUTCOMES = (("connected", 38), ("voicemail", 25), ("no answer", 27), ("meeting booked", 10))
PROSPECT_CALL_OUTCOMES = (("connected", 25), ("voicemail", 30), ("no answer", 35), ("meeting booked", 10))
EMAIL_OUTCOMES = (("sent", 70), ("replied", 30))
MEETING_OUTCOMES = (("held", 85), ("rescheduled", 10), ("no-show", 5))
LINKEDIN_OUTCOMES = (("message sent", 50), ("connection request", 25), ("replied", 25))
NOTES = (
    "Asked for a case study in their industry",
    "Champion is the head of operations",
    "Budget review next quarter",
    "Wants a security questionnaire",
    "Comparing us with two other vendors",
    "Decision maker joins the next call",
    "Procurement needs three quotes",
    "Trial users are happy",
    "Legal reviewing the contract",
    "Send pricing for 50 seats",
)
# Chance that an activity with that outcome sets a follow-up.
FOLLOW_UP = {
    "connected": 0.15,
    "meeting booked": 0.3,
    "replied": 0.2,
    "held": 0.4,
    "rescheduled": 0.5,
    "sent": 0.05,
}

DAY_OPEN = 8 * 3600 + 1800  # activities between 08:30 and 18:00 local time
DAY_SPAN = 9 * 3600 + 1800
MOVE_OPEN = 9 * 3600  # stage changes between 09:00 and 17:30
MOVE_SPAN = 8 * 3600 + 1800

# Monthly marketing spend per active rep, in major units, by channel; events are lumpy.
MARKETING_PER_REP = {"LinkedIn": 1_400, "email": 300, "inbound": 1_200, "referral": 250, "event": 1_000}
SALES_COST_PER_REP = 9_000
SALES_COST_PER_MANAGER = 13_000


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind ``generate`` wrote (reps includes managers)."""

    reps: int
    accounts: int
    deals: int
    activities: int
    costs: int
    quotas: int


# ---------------------------------------------------------------------------------------------- helpers


def _cumulative(pairs: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], list[float]]:
    """Values and normalised cumulative weights for bisect-based weighted choice (faster than rng.choices)."""
    total = float(sum(w for _, w in pairs))
    acc, cum = 0.0, []
    for _, weight in pairs:
        acc += weight / total
        cum.append(acc)
    cum[-1] = 1.0
    return tuple(v for v, _ in pairs), cum


def _ascii(text: str) -> str:
    """A login-friendly ASCII form of a Latin name (Zoë → zoe, Søren → soren, Łukasz → lukasz)."""
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "ı": "i"}))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _zone(tz: str | None) -> ZoneInfo | None:
    if tz is None:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {tz!r}") from None


class _Calendar:
    """Day boundaries of the simulated window in the chosen time zone.

    Days are indexed from the window's first day; a moment is (day index, seconds after local midnight), which
    keeps the time-zone arithmetic out of the hot loops: only ~1,000 midnights are ever converted.
    """

    def __init__(self, start: date, end: date, zone: ZoneInfo | None) -> None:
        self.start = start
        self.ndays = (end - start).days + 1
        # Beyond the window: follow-ups, planned stage changes and expected-close dates of open deals.
        self.ext = self.ndays + 400
        days = [start + timedelta(days=i) for i in range(self.ext + 1)]
        if zone is None:  # the system's time zone: a naive datetime's timestamp() is local time
            self.day_start = [int(datetime.combine(d, dtime()).timestamp()) for d in days]
        else:
            self.day_start = [int(datetime.combine(d, dtime(), tzinfo=zone).timestamp()) for d in days]
        self.end_ts = self.day_start[self.ndays]  # first moment after the window
        self.working = [i for i in range(self.ext) if days[i].weekday() < 5]
        self.wd_before = [0] * (self.ext + 1)  # working days strictly before day i
        count = 0
        for i in range(self.ext):
            self.wd_before[i] = count
            if days[i].weekday() < 5:
                count += 1
        self.wd_before[self.ext] = count
        # Calendar months touched by the window: (label, first day index, end day index, days in month).
        self.months: list[tuple[str, int, int, int]] = []
        self.month_of_day = [0] * self.ext
        i = 0
        while i < self.ndays:
            d = days[i]
            nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
            stop = min(self.ndays, (nxt - start).days)
            month_len = (nxt - date(d.year, d.month, 1)).days
            for j in range(i, stop):
                self.month_of_day[j] = len(self.months)
            self.months.append((f"{d.year:04d}-{d.month:02d}", i, stop, month_len))
            i = stop
        for j in range(self.ndays, self.ext):
            self.month_of_day[j] = len(self.months)  # never flushed: nothing is stored after the window

    def next_working(self, day: int) -> int:
        """The first working day on or after ``day`` (capped inside the extended calendar)."""
        if day >= self.ext:
            return self.ext - 1
        pos = self.wd_before[day]
        return self.working[pos] if pos < len(self.working) else self.ext - 1

    def add_working(self, day: int, n: int) -> int:
        pos = self.wd_before[min(day, self.ext)] + n
        return self.working[pos] if pos < len(self.working) else self.ext - 1


@dataclass
class _Rep:
    id: int
    name: str
    login: str
    team: str
    region: str
    skill: float  # multiplies the chance of winning a qualified deal
    pace: float  # multiplies how many deals the rep opens
    effort: float  # multiplies how many touches the rep logs
    target: float  # quota = usual revenue × target (attainment ≈ 1 / target)
    leave_day: int  # first day the rep is gone (the window's length when the rep stays)
    successor: int  # index of the rep who takes over open deals when this one leaves
    carry: float = 0.0  # fractional deals carried into the next month, so totals do not drift with rounding


def _people(rng: random.Random, n_reps: int) -> list[tuple[str, str]]:
    """Rep names and logins: the curated ones first, then a mix of Latin and Korean names, all unique."""
    used_names = {name.lower() for name, _ in MANAGERS}
    used_logins = {login for _, login in MANAGERS}
    people: list[tuple[str, str]] = []

    def take(name: str, login: str) -> bool:
        if name.lower() in used_names:
            return False
        base, n = login, 2
        while login in used_logins:
            login, n = f"{base}{n}", n + 1
        used_names.add(name.lower())
        used_logins.add(login)
        people.append((name, login))
        return True

    for name, login in CURATED_REPS[:n_reps]:
        take(name, login)
    while len(people) < n_reps:
        if rng.random() < 0.25:
            given, roman = KOREAN_GIVEN[int(rng.random() * len(KOREAN_GIVEN))]
            surname = KOREAN_SURNAMES[int(rng.random() * len(KOREAN_SURNAMES))]
            if take(surname + given, roman):
                continue
        first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
        last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
        take(f"{first} {last}", _ascii(first))
    return people


def _normalise(values: list[float]) -> list[float]:
    """Scale to a mean of exactly 1, so volumes depend on reps × months, not on the seed's luck."""
    mean = sum(values) / len(values)
    return [v / mean for v in values]


# ---------------------------------------------------------------------------------------------- generator


class _Generator:
    """Simulates the team month by month and streams rows into the open transaction."""

    def __init__(self, rng: random.Random, cal: _Calendar, n_reps: int, out: BulkWriter) -> None:
        self.rng = rng
        self.cal = cal
        self.out = out
        self.n_reps = n_reps
        self.counts = {"accounts": 0, "deals": 0, "activities": 0, "stage_history": 0}
        self.account_names: set[str] = set()
        self.next_account = 1
        self.next_deal = 1
        # Per-month buckets, flushed in month order once no later simulation can add to them.
        n_buckets = len(cal.months) + 1
        self.b_accounts: list[list[tuple]] = [[] for _ in range(n_buckets)]
        self.b_deals: list[list[tuple]] = [[] for _ in range(n_buckets)]
        self.b_history: list[list[tuple]] = [[] for _ in range(n_buckets)]
        self.b_activities: list[list[tuple]] = [[] for _ in range(n_buckets)]
        self.flushed = 0
        self.probability: dict[str, float] = {}
        self.n_managers = 1
        self.won_revenue = [[0] * len(cal.months) for _ in range(n_reps)]
        self.kinds = {k: _cumulative(v) for k, v in KIND_MIX.items()}
        self.lost = {k: _cumulative(v) for k, v in LOST_REASONS.items()}
        self.call_outcomes = _cumulative(CALL_OUTCOMES)
        self.prospect_call_outcomes = _cumulative(PROSPECT_CALL_OUTCOMES)
        self.email_outcomes = _cumulative(EMAIL_OUTCOMES)
        self.meeting_outcomes = _cumulative(MEETING_OUTCOMES)
        self.linkedin_outcomes = _cumulative(LINKEDIN_OUTCOMES)
        self.channels = _cumulative(tuple(zip(CHANNELS, CHANNEL_WEIGHTS, strict=True)))
        self.segment_mix = {t: _cumulative(tuple(zip(SEGMENTS, w, strict=True))) for t, w in TEAM_SEGMENTS.items()}

    def pick(self, table: tuple[tuple[str, ...], list[float]]) -> str:
        values, cum = table
        return values[bisect.bisect_right(cum, self.rng.random())]

    # ------------------------------------------------------------------------------------------ the cast

    def make_reps(self, people: list[tuple[str, str]], n_teams: int) -> tuple[list[_Rep], list[tuple]]:
        rng, cal = self.rng, self.cal
        teams = TEAMS[:n_teams]
        n = len(people)
        weak = min(3, n - 2) if n >= 2 else -1
        leaver = n - 1 if n >= 3 else -1
        skills = [0.8 + 0.4 * rng.random() for _ in range(n)]
        paces = _normalise([TEAM_DEAL_RATE[teams[i % n_teams][0]] * (0.85 + 0.3 * rng.random()) for i in range(n)])
        efforts = _normalise([0.85 + 0.3 * rng.random() for _ in range(n)])
        reps: list[_Rep] = []
        for i, (name, login) in enumerate(people):
            team, regions = teams[i % n_teams]
            reps.append(
                _Rep(
                    id=i + 1,
                    name=name,
                    login=login,
                    team=team,
                    region=regions[(i // n_teams) % len(regions)],
                    skill=0.35 if i == weak else skills[i],
                    pace=paces[i],
                    effort=efforts[i] * (1.15 if i == weak else 1.0),  # busy, but not converting
                    target=1.35 if i == weak else 0.85 + 0.45 * rng.random(),
                    leave_day=cal.next_working(int(cal.ndays * 0.65)) if i == leaver else cal.ndays,
                    successor=(i - n_teams) if i == leaver and i >= n_teams else 0,
                )
            )
        rows = []
        for rep in reps:
            hired = cal.day_start[0] - int(rng.random() * 700) * 86_400
            rows.append(
                (rep.id, rep.name, rep.team, rep.region, rep.login, "rep", int(rep.leave_day >= cal.ndays), hired)
            )
        self.n_managers = 2 if n_teams >= 3 else 1
        managers = MANAGERS[: self.n_managers]
        for j, (name, login) in enumerate(managers):
            team = "" if j == 0 else teams[-1][0]
            region = "HQ" if j == 0 else teams[-1][1][0]
            rows.append((n + j + 1, name, team, region, login, "manager", 1, cal.day_start[0] - 900 * 86_400))
        return reps, rows

    def new_account(self, segment: str, source: str, created: int, day: int) -> tuple[int, str]:
        rng = self.rng
        r = rng.random
        name = ""
        if r() < 0.06:
            name = KOREAN_ACCOUNT_PREFIXES[int(r() * 8)] + KOREAN_ACCOUNT_CORES[int(r() * 8)]
        for _ in range(3):
            if name and name.lower() not in self.account_names:
                break
            name = (
                ACCOUNT_PREFIXES[int(r() * len(ACCOUNT_PREFIXES))]
                + " "
                + ACCOUNT_CORES[int(r() * len(ACCOUNT_CORES))]
                + ACCOUNT_SUFFIXES[int(r() * len(ACCOUNT_SUFFIXES))]
            )
        if name.lower() in self.account_names:
            name = f"{name} ({CITIES[int(r() * len(CITIES))]})"
        base, n = name, 2
        while name.lower() in self.account_names:
            name, n = f"{base} {n}", n + 1
        self.account_names.add(name.lower())
        account_id = self.next_account
        self.next_account += 1
        self.b_accounts[self.cal.month_of_day[day]].append((account_id, name, segment, source, created))
        return account_id, name

    # ------------------------------------------------------------------------------------------ activities

    def activity(self, mix: str, rep: _Rep, deal_id: int | None, account_id: int | None, day: int, sec: int) -> int:
        """Append one activity to its month's bucket; returns its timestamp."""
        r = self.rng.random
        cal = self.cal
        at = cal.day_start[day] + sec
        kind = self.pick(self.kinds[mix])
        duration: int | None = None
        note = ""
        if kind == "call":
            outcome = self.pick(self.prospect_call_outcomes if mix == "prospect" else self.call_outcomes)
            if outcome == "connected":
                duration = 120 + int(r() * 1200)
                if r() < 0.2:
                    note = NOTES[int(r() * len(NOTES))]
            elif outcome == "voicemail":
                duration = 20 + int(r() * 55)
            elif outcome == "no answer":
                duration = 15 + int(r() * 25)
            else:
                duration = 300 + int(r() * 900)
        elif kind == "email":
            outcome = self.pick(self.email_outcomes)
        elif kind == "meeting":
            outcome = self.pick(self.meeting_outcomes)
            if outcome == "held":
                duration = (1800, 2700, 3600)[int(r() * 3)]
                if r() < 0.5:
                    note = NOTES[int(r() * len(NOTES))]
        elif kind == "linkedin":
            outcome = self.pick(self.linkedin_outcomes)
        else:
            outcome = ""
            note = NOTES[int(r() * len(NOTES))]
        follow_at = follow_done = None
        chance = FOLLOW_UP.get(outcome)
        if chance is not None and r() < chance:
            due_day = cal.add_working(day, 1 + int(r() * 5))
            follow_at = cal.day_start[due_day] + MOVE_OPEN + int(r() * (MOVE_SPAN - 1800))
            if follow_at < cal.end_ts:
                # Old follow-ups are nearly all done; the last days leave some open (today's and overdue).
                age = cal.ndays - 1 - due_day
                done_p = 0.5 if age < 3 else 0.85 if age < 14 else 0.995
                if r() < done_p:
                    done = follow_at + int(r() * 10_800)
                    follow_done = done if done < cal.end_ts else None
        self.b_activities[cal.month_of_day[day]].append(
            (kind, rep.id, deal_id, account_id, outcome, duration, at, note, follow_at, follow_done, at)
        )
        return at

    def touch_day(self, lo: int, hi: int) -> int:
        """A random working day in [lo, hi) (lo itself when the span holds none)."""
        cal = self.cal
        a, b = cal.wd_before[lo], cal.wd_before[hi]
        return cal.working[a + int(self.rng.random() * (b - a))] if b > a else lo

    # ------------------------------------------------------------------------------------------ deals

    def deal(
        self, reps: list[_Rep], ri: int, day: int, sec: int, customers: list[list[tuple[int, int, str, str, str]]]
    ) -> None:
        """Simulate one deal's whole life from its creation: stages, touches, close."""
        rng, cal = self.rng, self.cal
        r = rng.random
        rep = reps[ri]
        created = cal.day_start[day] + sec
        ndays = cal.ndays
        # Account: an existing customer (expansion), no account at all (rare), or a new one.
        expansion = False
        account_id: int | None
        mine = customers[ri]
        if mine and r() < 0.22:
            cand = mine[len(mine) - 1 - int(r() * min(40, len(mine)))]
            if cand[0] < created:
                expansion = True
                _, account_id, account_name, segment, source = cand
        if not expansion:
            segment = self.pick(self.segment_mix[rep.team])
            source = self.pick(self.channels)
            if r() < 0.005:
                account_id, account_name = None, ""
            else:
                # Prospecting touches on the new account before the deal opens (account-only activities).
                n = int(PROSPECTING_TOUCHES * rep.effort + r())
                touches = []
                for _ in range(n):
                    tday = self.touch_day(max(0, day - 14), day + 1)
                    tsec = DAY_OPEN + int(r() * DAY_SPAN)
                    if tday == day:
                        tsec = DAY_OPEN + int(r() * max(1, sec - DAY_OPEN))
                    touches.append((cal.day_start[tday] + tsec, tday, tsec))
                touches.sort()
                first = touches[0] if touches else (created, day, sec)
                account_id, account_name = self.new_account(segment, source, first[0], first[1])
                for _, tday, tsec in touches:
                    self.activity("prospect", rep, None, account_id, tday, tsec)
        lo, hi, step = AMOUNTS[segment]
        amount = int(round(lo * (hi / lo) ** r() / step) * step) * 100
        products = PRODUCTS[segment]
        product = products[int(r() * len(products))]
        if account_id is None:
            title = f"Inbound enquiry — {product}"
        else:
            title = f"{account_name} — {product}" + (" (expansion)" if expansion else "")

        # Stages.
        seg_dwell = SEGMENT_DWELL[segment]
        win_mult = (rep.skill * CHANNEL_WIN[source] * SEGMENT_WIN[segment] * (1.1 if expansion else 1.0)) ** (1 / 3)
        stage = "qualified" if r() < (0.6 if expansion else 0.25) else "lead"
        history = [(None, stage, day, sec)]
        intervals = []  # (stage, from day, from sec, planned next day, dark)
        cur_day, cur_sec = day, sec
        planned_cycle = sum(DWELL_DAYS[s] for s in OPEN_STAGES[OPEN_STAGES.index(stage) :]) * seg_dwell
        lost_reason = None
        while True:
            dark = r() < DARK[stage]
            if dark:
                dwell = (25 + 55 * r()) * (1.4 if segment == "Enterprise" else 1.0)
                advance = r() < 0.15
            else:
                if stage == "lead":
                    p = ADVANCE["lead"] * CHANNEL_QUALIFY[source] * rep.skill**0.25
                else:
                    p = ADVANCE[stage] * win_mult
                advance = r() < min(0.95, p)
                dwell = DWELL_DAYS[stage] * seg_dwell * (0.4 + 1.4 * r()) * (1.0 if advance else 0.75)
            nxt_day = cal.next_working(cur_day + max(1, int(dwell + 0.5)))
            intervals.append((stage, cur_day, cur_sec, nxt_day, dark))
            if nxt_day >= ndays:
                break  # still open when the window ends
            nxt_sec = MOVE_OPEN + int(r() * MOVE_SPAN)
            if advance:
                new = NEXT_STAGE[stage]
            else:
                new = "lost"
                reasons = self.lost["dark" if dark else stage]
                if rep.skill < 0.5 and r() < 0.3:
                    lost_reason = "price"  # the weak rep discounts late and still loses on price
                else:
                    lost_reason = self.pick(reasons)
            history.append((stage, new, nxt_day, nxt_sec))
            if new in ("won", "lost"):
                break
            stage, cur_day, cur_sec = new, nxt_day, nxt_sec
        final = history[-1][1]
        closed = final in ("won", "lost")
        close_day, close_sec = (history[-1][2], history[-1][3]) if closed else (ndays, 0)

        # Owner: a leaver's deals still open on the leaving day pass to the successor.
        leave = rep.leave_day
        heir = reps[rep.successor]
        owner = heir if leave < ndays and close_day >= leave else rep

        deal_id = self.next_deal
        self.next_deal += 1
        updated = created

        # Touches in each stage.
        touch_mult = SEGMENT_TOUCHES[segment] * rep.effort * (WON_TOUCH_BONUS if final == "won" else 1.0)
        for st, d_from, s_from, d_next, dark in intervals:
            d_to = min(d_next, ndays)
            if dark:
                d_to = min(d_to, d_from + 6)
                n = 1 + int(r() < 0.5)
            else:
                n = TOUCHES[st] * touch_mult
                if d_next > ndays:
                    n *= (ndays - d_from) / (d_next - d_from)
                n = int(n + r())
            for _ in range(n):
                tday = self.touch_day(d_from, max(d_to, d_from + 1))
                tsec = DAY_OPEN + int(r() * DAY_SPAN)
                if tday == d_from and tsec <= s_from:
                    tsec = s_from + 60 + int(r() * max(1, DAY_OPEN + DAY_SPAN - s_from))
                who = heir if tday >= leave else rep
                at = self.activity(st, who, deal_id, account_id, tday, tsec)
                if at > updated:
                    updated = at

        # Stage history (by the login of whoever owned the deal that day).
        month_of_day = cal.month_of_day
        qualified_at = None
        for frm, to, hday, hsec in history:
            at = cal.day_start[hday] + hsec
            if qualified_at is None and to not in ("lead", "lost"):
                qualified_at = at
            by = (heir if hday >= leave else rep).login
            self.b_history[month_of_day[hday]].append((deal_id, frm, to, at, by))
            if at > updated:
                updated = at
        closed_at = cal.day_start[close_day] + close_sec if closed else None

        if final == "won":
            # The signature, logged as a note; customers buy again and get check-in calls.
            who = heir if close_day >= leave else rep
            at = self.activity_note(who, deal_id, account_id, close_day, close_sec + 120, "Contract signed")
            updated = max(updated, at)
            self.won_revenue[who.id - 1][month_of_day[close_day]] += amount
            if account_id is not None:
                customers[owner.id - 1].append((closed_at, account_id, account_name, segment, source))
                if r() < 0.5:
                    cday = cal.next_working(close_day + 10 + int(r() * 50))
                    if cday < ndays:
                        self.activity(
                            "checkin",
                            heir if cday >= leave else rep,
                            None,
                            account_id,
                            cday,
                            DAY_OPEN + int(r() * DAY_SPAN),
                        )

        # Expected close: the plan made at creation; reps push overdue open deals into the coming weeks.
        plan_day = min(cal.ext - 1, day + int(planned_cycle * (0.8 + 0.4 * r()) + 0.5))
        if closed and plan_day >= ndays:
            plan_day = close_day
        elif not closed and plan_day < ndays and r() < 0.7:
            plan_day = min(cal.ext - 1, ndays + 7 + int(r() * 38))
        expected_close = cal.day_start[plan_day]

        self.b_deals[month_of_day[day]].append(
            (
                deal_id,
                f"CRM-{100_000 + deal_id}",
                title,
                account_id,
                owner.id,
                amount,
                final,
                self.probability[final],
                source,
                product,
                created,
                qualified_at,
                expected_close,
                closed_at,
                lost_reason if final == "lost" else None,
                updated,
            )
        )

    def activity_note(self, rep: _Rep, deal_id: int, account_id: int | None, day: int, sec: int, note: str) -> int:
        at = self.cal.day_start[day] + sec
        self.b_activities[self.cal.month_of_day[day]].append(
            ("note", rep.id, deal_id, account_id, "", None, at, note, None, None, at)
        )
        return at

    # ------------------------------------------------------------------------------------------ output

    def flush(self, upto: int) -> None:
        """Insert every bucket before month ``upto``, each table sorted by time, parents before children."""
        out = self.out
        for m in range(self.flushed, upto):
            accounts = sorted(self.b_accounts[m], key=lambda row: row[4])
            out.insert_many("accounts", ACCOUNT_COLUMNS, accounts)
            out.insert_many("deals", DEAL_COLUMNS, self.b_deals[m])
            history = sorted(self.b_history[m], key=lambda row: row[3])
            out.insert_many("stage_history", HISTORY_COLUMNS, history)
            activities = sorted(self.b_activities[m], key=lambda row: row[6])
            out.insert_many("activities", ACTIVITY_COLUMNS, activities)
            self.counts["accounts"] += len(accounts)
            self.counts["deals"] += len(self.b_deals[m])
            self.counts["stage_history"] += len(history)
            self.counts["activities"] += len(activities)
            self.b_accounts[m], self.b_deals[m], self.b_history[m], self.b_activities[m] = [], [], [], []
        self.flushed = max(self.flushed, upto)

    def check_all_flushed(self) -> None:
        # A row added to a month already written would be lost silently; fail loudly instead.
        for bucket in (self.b_accounts, self.b_deals, self.b_history, self.b_activities):
            if any(bucket):
                raise AssertionError("demo generator left rows unwritten")

    def run(
        self, n_teams: int, probability: dict[str, float], progress: Callable[[str], None] | None
    ) -> dict[str, int]:
        rng, cal = self.rng, self.cal
        r = rng.random
        self.probability = probability
        reps, rep_rows = self.make_reps(_people(rng, self.n_reps), n_teams)
        self.out.insert_many("reps", REP_COLUMNS, rep_rows)
        customers: list[list[tuple[int, int, str, str, str]]] = [[] for _ in reps]
        deals_per_working_day = 22 / 21.74  # ≈ 22 deals a rep-month
        for m, (label, first, stop, _) in enumerate(cal.months):
            starts = []
            for ri, rep in enumerate(reps):
                last = min(stop, rep.leave_day)
                if last <= first:
                    continue
                working = cal.wd_before[last] - cal.wd_before[first]
                rep.carry += deals_per_working_day * rep.pace * working
                n = int(rep.carry)
                rep.carry -= n
                for _ in range(n):
                    day = self.touch_day(first, last)
                    starts.append((cal.day_start[day] + MOVE_OPEN + int(r() * MOVE_SPAN), ri, day))
            starts.sort()
            for ts, ri, day in starts:
                self.deal(reps, ri, day, ts - cal.day_start[day], customers)
            # A deal opened in month m can add prospecting touches (and its account) to month m - 1 at most.
            self.flush(m)
            if progress is not None:
                progress(f"{label}: {len(starts):,} deals opened, {self.counts['activities']:,} activities written")
        self.flush(len(cal.months))
        self.check_all_flushed()
        costs = self.costs(reps)
        self.out.insert_many("costs", ("month", "category", "channel", "amount"), costs)
        quotas = self.quotas(reps)
        self.out.insert_many("quotas", ("rep_id", "month", "amount"), quotas)
        return {"reps": len(rep_rows), **self.counts, "costs": len(costs), "quotas": len(quotas)}

    def costs(self, reps: list[_Rep]) -> list[tuple[str, str, str, int]]:
        """Monthly marketing spend by channel and sales cost, for the days of each month inside the window."""
        r = self.rng.random
        rows = []
        n_managers = self.n_managers
        for label, first, stop, month_len in self.cal.months:
            share = (stop - first) / month_len
            active = sum(1 for rep in reps if rep.leave_day > first)
            for channel in CHANNELS:
                spend = MARKETING_PER_REP[channel] * active * share * (0.85 + 0.3 * r())
                if channel == "event":
                    spend *= 2.6 if r() < 0.25 else 0.45  # a trade show some months, little in between
                rows.append((label, "marketing", channel, int(round(spend)) * 100))
            sales = (SALES_COST_PER_REP * active + SALES_COST_PER_MANAGER * n_managers) * share * (0.97 + 0.06 * r())
            rows.append((label, "sales", "", int(round(sales)) * 100))
        return rows

    def quotas(self, reps: list[_Rep]) -> list[tuple[int, str, int]]:
        """Monthly quota per active rep: the rep's usual revenue × a personal target, lower while pipelines ramp up.

        Pipelines start empty at the window's first day, so the first months close little; their quotas follow
        the team's realised ramp so that attainment stays roughly 60-130 % throughout.
        """
        months = self.cal.months
        n = len(months)
        steady = [k for k in range(n) if min(3, n // 2) <= k < n - 1] or list(range(n))
        totals = [sum(rev[k] for rev in self.won_revenue) for k in range(n)]
        steady_total = sum(totals[k] for k in steady) / len(steady)
        rows = []
        team_bases: dict[str, list[float]] = {}
        bases = []
        for i, rep in enumerate(reps):
            mine = [k for k in steady if months[k][1] < rep.leave_day] or steady
            base = sum(self.won_revenue[i][k] for k in mine) / len(mine)
            bases.append(base)
            team_bases.setdefault(rep.team, []).append(base)
        for i, rep in enumerate(reps):
            base = bases[i] or (sum(team_bases[rep.team]) / len(team_bases[rep.team]))
            for k, (label, first, _stop, _len) in enumerate(months):
                if first >= rep.leave_day:
                    break
                ramp = 1.0
                if k < steady[0] and steady_total > 0:
                    ramp = min(1.0, max(0.2, totals[k] / steady_total))
                amount = base * rep.target * ramp
                rows.append((rep.id, label, int(round(amount / 100_000)) * 100_000))  # whole thousands
        return rows


# ---------------------------------------------------------------------------------------------- entry point


def _check_int(value: object, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError(f"{what} must be a whole number from {lo} to {hi}, not {value!r}")
    return value


def generate(
    path: str | Path,
    *,
    reps: int = 8,
    months: int = 12,
    seed: int = 7,
    end: date | None = None,
    tz: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write a new demo database at ``path`` covering ``months`` months that end on ``end`` (default today).

    ``reps`` counts sales reps; one or two managers come on top. ``tz`` is the time zone the working days are
    laid out in (default: the system's). The same arguments always give the same rows.
    """
    target = Path(path)
    reps = _check_int(reps, "reps", 1, MAX_REPS)
    months = _check_int(months, "months", 1, MAX_MONTHS)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be a whole number, not {seed!r}")
    zone = _zone(tz)
    if end is None:
        end = datetime.now(zone).date() if zone else date.today()
    elif isinstance(end, datetime):
        end = end.date()
    elif not isinstance(end, date):
        raise ValidationError(f"end must be a date, not {end!r}")
    if not 1990 <= end.year <= 2090:
        raise ValidationError(f"end {end.isoformat()} is outside 1990-2090")
    if target.exists() and (target.is_dir() or target.stat().st_size > 0):
        raise ValidationError(f"{target} already exists and is not empty; demo data goes into a new file")
    start = _months_before(end, months) + timedelta(days=1)
    cal = _Calendar(start, end, zone)
    generated_at = cal.day_start[cal.ndays - 1] + 19 * 3600  # the evening of `end`, after its last activity
    n_teams = max(2, min(len(TEAMS), (reps + 2) // 3))
    args = {"reps": reps, "months": months, "seed": seed, "end": end.isoformat(), "tz": tz}

    # Generated into a new file beside the target and renamed over it once complete: a run killed half-way (a
    # first start interrupted) leaves only a hidden temporary file, never an empty or partial database at the name.
    tmp = _new_temp_file(target)
    try:
        store = Store(tmp, create=True, user="demo", now=lambda: float(generated_at))
        try:
            probability = {s.name: s.probability for s in store.stages()}
            with store.write("generate demo") as tx:
                out = BulkWriter(tx)
                out.set_cache_size(65_536)  # 64 MiB: index pages stay hot during the bulk insert
                with tx.bulk():
                    gen = _Generator(random.Random(seed), cal, reps, out)
                    counts = gen.run(n_teams, probability, progress)
                out.insert_many(
                    "meta",
                    ("key", "value"),
                    [("demo", "1"), ("demo_args", json.dumps(args, sort_keys=True, ensure_ascii=False))],
                )
                summary = DemoSummary(**{k: counts[k] for k in DemoSummary.__dataclass_fields__})
                tx.audit(
                    "meta", None, None, {"generated": asdict(summary) | {"stage_history": counts["stage_history"]}}
                )
            if progress is not None:
                progress("counting the KPIs")
            # The KPI buckets of the year up to `end`, stored in the file as any cockpit stores what it counted
            # (cockpit/core/store/kpi_buckets.py), and the month's forecast history (forecast_kept.py): the first
            # start and the first report on the new database read them.
            month = period_containing("month", generated_at, tz=tz)
            count_view(store, month)
            keep_forecast_history(store, month, generated_at)
            if progress is not None:
                progress("analyzing")
            store.analyze_and_fold_wal()  # the file stands alone (sample.db is committed as one file)
        finally:
            store.close()  # the last connection: SQLite removes the (empty) -wal and -shm
        if target.exists() and target.stat().st_size > 0:  # written meanwhile by someone else: theirs stays
            raise ValidationError(f"{target} already exists and is not empty; demo data goes into a new file")
        os.replace(tmp, target)
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        raise
    return summary


def _new_temp_file(target: Path) -> Path:
    """A new empty file in ``target``'s folder (same filesystem, so it can be renamed over the target), created
    with the mode a new file gets (the umask applies), never through a symlink."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise ValidationError(f"cannot create a file in {target.parent}: {exc.strerror}") from None
        return tmp
    raise ValidationError(f"cannot create a temporary file in {target.parent}")  # pragma: no cover

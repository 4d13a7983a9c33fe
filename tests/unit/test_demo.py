"""Demo data: deterministic, nothing after the end date, schema invariants, realistic shape, refusals."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.core.demo import DemoSummary, generate
from cockpit.core.errors import ValidationError
from cockpit.core.store import Store

END = date(2025, 6, 18)  # a Wednesday
TZ = "Asia/Seoul"
END_TS = int(datetime(2025, 6, 19, tzinfo=ZoneInfo(TZ)).timestamp())  # first moment after END in Seoul
END_DAY_TS = END_TS - 86_400  # Seoul has no DST: the end day starts 24 h earlier
LOST_REASONS = {"price", "went with competitor", "no budget", "timing", "no decision"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def _dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in _tables(conn)}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    path = tmp_path_factory.mktemp("demo") / "small.db"
    return path, generate(path, reps=14, months=3, seed=11, end=END, tz=TZ)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    """The default size (the committed sample.db): 8 reps, 12 months."""
    path = tmp_path_factory.mktemp("demo") / "sample.db"
    return path, generate(path, end=END, tz=TZ)


# ---------------------------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_tables(small: tuple[Path, DemoSummary], tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    summary = generate(again, reps=14, months=3, seed=11, end=END, tz=TZ)
    assert summary == small[1]
    first, second = _dump(small[0]), _dump(again)
    assert set(first) >= {"reps", "accounts", "deals", "stage_history", "activities", "costs", "quotas", "meta"}
    # Every row the same, except each database's own random identity (meta db_id, which keeps KPI cache files apart).
    assert first["meta"] != second["meta"]
    for dump in (first, second):
        dump["meta"] = [row for row in dump["meta"] if row[0] != "db_id"]
    for table in first:
        assert first[table] == second[table], table


def test_another_seed_gives_other_data(small: tuple[Path, DemoSummary], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    generate(other, reps=14, months=3, seed=12, end=END, tz=TZ)
    first, second = _dump(small[0]), _dump(other)
    assert first["deals"] != second["deals"]
    assert first["activities"] != second["activities"]


def test_summary_counts_match_tables(small: tuple[Path, DemoSummary]) -> None:
    path, summary = small
    conn = _connect(path)
    for table in ("reps", "accounts", "deals", "activities", "costs", "quotas"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == getattr(summary, table), table
    # 14 reps make four teams (North, South, Enterprise, SMB), hence two managers on top.
    assert summary.reps == 16
    assert {r[0] for r in conn.execute("SELECT DISTINCT team FROM reps WHERE role = 'rep'")} == {
        "North",
        "South",
        "Enterprise",
        "SMB",
    }


# ---------------------------------------------------------------------------------------------- the end date


def test_nothing_after_end(small: tuple[Path, DemoSummary]) -> None:
    conn = _connect(small[0])
    latest = {
        "activities.at": "SELECT max(at) FROM activities",
        "activities.created_at": "SELECT max(created_at) FROM activities",
        "activities.follow_up_done_at": "SELECT max(follow_up_done_at) FROM activities",
        "deals.created_at": "SELECT max(created_at) FROM deals",
        "deals.qualified_at": "SELECT max(qualified_at) FROM deals",
        "deals.closed_at": "SELECT max(closed_at) FROM deals",
        "deals.updated_at": "SELECT max(updated_at) FROM deals",
        "closed deals' expected_close": "SELECT max(expected_close) FROM deals WHERE stage IN ('won', 'lost')",
        "stage_history.at": "SELECT max(at) FROM stage_history",
        "accounts.created_at": "SELECT max(created_at) FROM accounts",
        "reps.created_at": "SELECT max(created_at) FROM reps",
        "audit_log.at": "SELECT max(at) FROM audit_log",
    }
    for what, sql in latest.items():
        value = conn.execute(sql).fetchone()[0]
        assert value is not None and value < END_TS, what
    assert conn.execute("SELECT max(month) FROM costs").fetchone()[0] == "2025-06"
    assert conn.execute("SELECT max(month) FROM quotas").fetchone()[0] == "2025-06"
    # The data reaches the end day itself: it is "today" when end defaults to today.
    assert conn.execute("SELECT count(*) FROM activities WHERE at >= ?", (END_DAY_TS,)).fetchone()[0] > 0
    # Only follow-ups and open deals' expected closes may lie ahead.
    assert conn.execute("SELECT count(*) FROM activities WHERE follow_up_at >= ?", (END_TS,)).fetchone()[0] > 0
    ahead = conn.execute("SELECT DISTINCT stage FROM deals WHERE expected_close >= ?", (END_TS,)).fetchall()
    assert ahead and {r[0] for r in ahead} <= {"lead", "qualified", "proposal", "negotiation"}


def test_window_covers_the_months_before_end(small: tuple[Path, DemoSummary]) -> None:
    conn = _connect(small[0])
    # 3 months ending 2025-06-18 start on 2025-03-19 (Seoul); nothing dated (deals, history) before that.
    window_start = int(datetime(2025, 3, 19, tzinfo=ZoneInfo(TZ)).timestamp())
    assert conn.execute("SELECT min(created_at) FROM deals").fetchone()[0] >= window_start
    assert conn.execute("SELECT min(at) FROM stage_history").fetchone()[0] >= window_start
    first = conn.execute("SELECT min(at) FROM activities").fetchone()[0]
    assert window_start <= first < window_start + 7 * 86_400
    assert [r[0] for r in conn.execute("SELECT DISTINCT month FROM costs ORDER BY month")] == [
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
    ]


def test_working_hours_in_the_chosen_time_zone(small: tuple[Path, DemoSummary]) -> None:
    conn = _connect(small[0])
    seoul = ZoneInfo(TZ)
    for (at,) in conn.execute("SELECT at FROM activities WHERE id % 37 = 0"):
        local = datetime.fromtimestamp(at, seoul)
        assert local.weekday() < 5, local
        assert (local.hour, local.minute) >= (8, 30) and local.hour < 19, local


# ---------------------------------------------------------------------------------------------- invariants


def test_deal_invariants(sample: tuple[Path, DemoSummary]) -> None:
    conn = _connect(sample[0])
    probability = {r["name"]: r["probability"] for r in conn.execute("SELECT name, probability FROM stages")}
    history: dict[int, list[sqlite3.Row]] = {}
    for row in conn.execute("SELECT * FROM stage_history ORDER BY deal_id, at, id"):
        history.setdefault(row["deal_id"], []).append(row)
    deals = conn.execute("SELECT * FROM deals").fetchall()
    assert len(deals) == sample[1].deals
    lost_from_lead = 0
    for deal in deals:
        assert deal["amount"] >= 0
        assert deal["probability"] == probability[deal["stage"]]
        chain = history[deal["id"]]
        assert chain[0]["from_stage"] is None and chain[0]["at"] == deal["created_at"]
        for before, after in zip(chain, chain[1:], strict=False):
            assert after["from_stage"] == before["to_stage"]
            assert after["at"] > before["at"]
        assert chain[-1]["to_stage"] == deal["stage"]
        left_lead = [h["at"] for h in chain if h["to_stage"] not in ("lead", "lost")]
        assert deal["qualified_at"] == (left_lead[0] if left_lead else None)
        if deal["stage"] in ("won", "lost"):
            assert deal["closed_at"] == chain[-1]["at"] >= deal["created_at"]
        else:
            assert deal["closed_at"] is None
        if deal["stage"] == "lost":
            assert deal["lost_reason"] in LOST_REASONS
            lost_from_lead += deal["qualified_at"] is None
        else:
            assert deal["lost_reason"] is None
        assert deal["updated_at"] >= chain[-1]["at"]
    # Every deal that left lead is qualified, except those lost straight from lead, which exist.
    assert lost_from_lead > 0
    assert (
        conn.execute("SELECT count(*) FROM deals WHERE qualified_at IS NULL AND stage != 'lead'").fetchone()[0]
        == conn.execute(
            "SELECT count(*) FROM deals d WHERE stage = 'lost' AND NOT EXISTS"
            " (SELECT 1 FROM stage_history h WHERE h.deal_id = d.id AND h.to_stage NOT IN ('lead', 'lost'))"
        ).fetchone()[0]
    )


def test_schema_constraints_hold(sample: tuple[Path, DemoSummary]) -> None:
    conn = _connect(sample[0])
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The WAL was folded back: the file stands alone.
    assert not Path(f"{sample[0]}-wal").exists() or Path(f"{sample[0]}-wal").stat().st_size == 0
    # ANALYZE ran.
    assert conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0


def test_activities_are_linked_and_chronological(sample: tuple[Path, DemoSummary]) -> None:
    conn = _connect(sample[0])
    linked = dict(
        conn.execute(
            "SELECT CASE WHEN deal_id IS NOT NULL THEN 'deal' WHEN account_id IS NOT NULL THEN 'account'"
            " ELSE 'none' END, count(*) FROM activities GROUP BY 1"
        ).fetchall()
    )
    assert linked["deal"] > 3 * linked["account"] > 0  # most on a deal, some on an account only
    # A deal's activities take its account.
    mismatched = conn.execute(
        "SELECT count(*) FROM activities x JOIN deals d ON d.id = x.deal_id WHERE x.account_id IS NOT d.account_id"
    ).fetchone()[0]
    assert mismatched == 0
    # Rows were inserted in time order.
    out_of_order = conn.execute(
        "SELECT count(*) FROM activities a JOIN activities b ON b.id = a.id + 1 WHERE b.at < a.at"
    ).fetchone()[0]
    assert out_of_order == 0
    # No activity on a deal before the deal existed.
    early = conn.execute(
        "SELECT count(*) FROM activities x JOIN deals d ON d.id = x.deal_id WHERE x.at < d.created_at"
    ).fetchone()[0]
    assert early == 0


def test_people_and_demo_flag(sample: tuple[Path, DemoSummary]) -> None:
    path = sample[0]
    with Store(path, readonly=True) as store:
        assert store.is_demo
        assert json.loads(store.meta("demo_args") or "") == {
            "reps": 8,
            "months": 12,
            "seed": 7,
            "end": "2025-06-18",
            "tz": TZ,
        }
        people = store.reps()
        entry = store.audit(limit=5)
    names = [p.name for p in people]
    assert any(HANGUL.search(n) for n in names)
    assert {"José Álvarez", "Zoë Müller", "François Lefèvre", "Søren Ødegaard"} <= set(names)
    managers = [p for p in people if p.role == "manager"]
    assert 1 <= len(managers) <= 2 and "mgr" in {m.unix_login for m in managers}
    reps = [p for p in people if p.role == "rep"]
    assert len(reps) == 8 and all(p.unix_login for p in reps)
    assert [p.name for p in reps if not p.active] == ["Søren Ødegaard"]
    assert 2 <= len({p.team for p in reps}) <= 4 and all(p.region for p in reps)
    # One summary audit row, by the demo user, for the whole generation.
    assert len(entry) == 1 and entry[0].unix_user == "demo" and entry[0].action == "generate demo"
    generated = entry[0].new_values["generated"]
    assert {k: generated[k] for k in vars(sample[1])} == vars(sample[1]) and generated["stage_history"] > 0


# ---------------------------------------------------------------------------------------------- realism


def test_realistic_shape(sample: tuple[Path, DemoSummary]) -> None:
    conn = _connect(sample[0])
    one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
    # Win rate of qualified deals that closed: about 25-35 %.
    win = one(
        "SELECT 1.0 * sum(stage = 'won') / sum(stage IN ('won', 'lost')) FROM deals WHERE qualified_at IS NOT NULL"
    )
    assert 0.25 <= win <= 0.35
    # Per rep: one rep is clearly the weakest converter (under 60 % of the median rep's rate).
    rates = sorted(
        r[0]
        for r in conn.execute(
            "SELECT 1.0 * sum(stage = 'won') / sum(stage IN ('won', 'lost')) FROM deals"
            " WHERE qualified_at IS NOT NULL GROUP BY rep_id"
        )
    )
    assert rates[0] < 0.6 * rates[len(rates) // 2]
    # Every open stage has deals at the end, and some open deals have been idle for more than two weeks.
    open_stages = {r[0] for r in conn.execute("SELECT DISTINCT stage FROM deals WHERE closed_at IS NULL")}
    assert open_stages == {"lead", "qualified", "proposal", "negotiation"}
    assert one("SELECT count(*) FROM deals WHERE closed_at IS NULL AND updated_at < ?", END_TS - 14 * 86_400) >= 5
    # Sizes by segment, in cents.
    for segment, low, high in (("SMB", 2_000_00, 10_000_00), ("Enterprise", 30_000_00, 200_000_00)):
        lo, hi = conn.execute(
            "SELECT min(amount), max(amount) FROM deals d JOIN accounts a ON a.id = d.account_id WHERE a.segment = ?",
            (segment,),
        ).fetchone()
        assert low <= lo and hi <= high, segment
    assert {r[0] for r in conn.execute("SELECT DISTINCT lost_reason FROM deals WHERE stage = 'lost'")} == LOST_REASONS
    sources = {"LinkedIn", "email", "inbound", "referral", "event"}
    assert {r[0] for r in conn.execute("SELECT DISTINCT source FROM deals")} == sources
    assert {r[0] for r in conn.execute("SELECT DISTINCT lead_source FROM accounts")} == sources
    assert {r[0] for r in conn.execute("SELECT DISTINCT segment FROM accounts")} == {"SMB", "Mid-market", "Enterprise"}
    # Calls are the most common activity; won deals got more calls than lost ones.
    kinds = dict(conn.execute("SELECT kind, count(*) FROM activities GROUP BY kind").fetchall())
    assert set(kinds) == {"call", "email", "meeting", "linkedin", "note"}
    assert kinds["call"] == max(kinds.values())
    outcomes = {r[0] for r in conn.execute("SELECT DISTINCT outcome FROM activities WHERE kind = 'call'")}
    assert outcomes == {"connected", "voicemail", "no answer", "meeting booked"}
    calls = dict(
        conn.execute(
            "SELECT d.stage, 1.0 * count(x.id) / count(DISTINCT d.id) FROM deals d"
            " LEFT JOIN activities x ON x.deal_id = d.id AND x.kind = 'call' WHERE d.stage IN ('won', 'lost')"
            " GROUP BY d.stage"
        ).fetchall()
    )
    assert calls["won"] > 2 * calls["lost"]
    # Open follow-ups due today or overdue, a few.
    due = one("SELECT count(*) FROM activities WHERE follow_up_at < ? AND follow_up_done_at IS NULL", END_TS)
    assert 1 <= due <= 60
    # Volume: about 210 activities and 21 deals per rep-month (the leaver works about 65 % of the year).
    rep_months = (7 + 0.65) * 12
    assert 200 <= sample[1].activities / rep_months <= 260
    assert 20 <= sample[1].deals / rep_months <= 24


def test_costs_and_quotas(sample: tuple[Path, DemoSummary]) -> None:
    conn = _connect(sample[0])
    per_month = conn.execute(
        "SELECT month, group_concat(category || ':' || channel) FROM costs GROUP BY month ORDER BY month"
    ).fetchall()
    assert len(per_month) == 13  # 2024-06-19 .. 2025-06-18 touches 13 calendar months
    for _month, entries in per_month:
        assert set(entries.split(",")) == {
            "marketing:LinkedIn",
            "marketing:email",
            "marketing:inbound",
            "marketing:referral",
            "marketing:event",
            "sales:",
        }
    # Quotas: every active rep every month; managers none; the leaver (gone after about 65 % of the 365-day
    # window, day 237 = 2025-02-11) for the 9 months 2024-06 .. 2025-02.
    rows = conn.execute(
        "SELECT r.role, r.active, count(q.id), max(q.month) FROM reps r LEFT JOIN quotas q ON q.rep_id = r.id"
        " GROUP BY r.id"
    ).fetchall()
    for role, active, count, last in rows:
        if role == "manager":
            assert count == 0
        elif active:
            assert (count, last) == (13, "2025-06")
        else:
            assert (count, last) == (9, "2025-02")
    # Roughly achievable: over the year each rep made 60-130 % of their quota.
    for rep_id, attainment in conn.execute(
        "SELECT q.rep_id, 1.0 * (SELECT coalesce(sum(amount), 0) FROM deals d WHERE d.stage = 'won'"
        " AND d.rep_id = q.rep_id) / sum(q.amount) FROM quotas q GROUP BY q.rep_id"
    ):
        assert 0.6 <= attainment <= 1.3, rep_id


def test_the_leaver_hands_over(sample: tuple[Path, DemoSummary]) -> None:
    conn = _connect(sample[0])
    leaver = conn.execute("SELECT id, unix_login FROM reps WHERE active = 0").fetchone()
    gone = int(datetime(2025, 2, 11, tzinfo=ZoneInfo(TZ)).timestamp())
    assert conn.execute("SELECT max(at) FROM activities WHERE rep_id = ?", (leaver[0],)).fetchone()[0] < gone
    assert conn.execute("SELECT max(at) FROM stage_history WHERE by_user = ?", (leaver[1],)).fetchone()[0] < gone
    # Deals still open when the rep left went to a colleague: none stays open or closes later under the leaver.
    late = conn.execute(
        "SELECT count(*) FROM deals WHERE rep_id = ? AND (closed_at IS NULL OR closed_at >= ?)", (leaver[0], gone)
    ).fetchone()[0]
    assert late == 0


def test_sample_size_is_small_enough(sample: tuple[Path, DemoSummary]) -> None:
    assert sample[0].stat().st_size < 5 * 1024 * 1024


def test_system_time_zone_and_default_end(tmp_path: Path) -> None:
    path = tmp_path / "now.db"
    summary = generate(path, reps=1, months=1)
    assert summary.reps == 2 and summary.deals > 0
    conn = _connect(path)
    args = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'demo_args'").fetchone()[0])
    assert args["tz"] is None and args["end"] in {
        (date.today() + timedelta(days=d)).isoformat() for d in (-1, 0)
    }  # the test may straddle midnight


# ---------------------------------------------------------------------------------------------- refusals


def test_refuses_an_existing_non_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.db"
    path.write_bytes(b"precious")
    with pytest.raises(ValidationError, match="already exists"):
        generate(path, reps=2, months=1, end=END, tz=TZ)
    assert path.read_bytes() == b"precious"


def test_accepts_an_existing_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    assert generate(path, reps=2, months=1, end=END, tz=TZ).deals > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reps": 0}, "reps"),
        ({"months": 0}, "months"),
        ({"reps": True}, "reps"),
        ({"tz": "Mars/Olympus"}, "time zone"),
        ({"seed": "7"}, "seed"),
        ({"end": "2025-06-18"}, "end"),
    ],
)
def test_bad_arguments_change_nothing(tmp_path: Path, kwargs: dict, message: str) -> None:
    path = tmp_path / "bad.db"
    with pytest.raises(ValidationError, match=message):
        generate(path, **({"end": END, "tz": TZ} | kwargs))
    assert not path.exists()

"""The forecast's kept history (issue 23, cockpit/core/forecast_cache.py): a write into a past period reaches it, a
write of today's pipeline does not, another process reads the same from the cache file, another user from the
database (issue 24, cockpit/core/store/forecast_kept.py) while no write reaches it, and the counts made in SQL give
the backtest of every deal one by one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pendulum
import pytest

from cockpit.cli import main
from cockpit.core import forecast as F
from cockpit.core import forecast_cache
from cockpit.core.demo import generate
from cockpit.core.forecast_check import check_kept
from cockpit.core.forecast_check import repair as repair_kept
from cockpit.core.periods import Period, parse_period
from cockpit.core.store import Store

TZ = "UTC"
NOV = parse_period("2026-11", tz=TZ)
ROOT = Path(__file__).resolve().parent.parent.parent


def ts(text: str) -> int:
    return int(pendulum.parse(text, tz=TZ).timestamp())


NOW = ts("2026-11-16T10:00")


@pytest.fixture
def history(tmp_path: Path) -> tuple[Store, int, list[int], int]:
    """Ana's October: 12 proposals created on 1 October, all won on 25 October; her November: one proposal of
    $1,000 created on 10 November, expected on 25 November."""
    clock = [ts("2026-10-01")]
    store = Store(tmp_path / "c.db", create=True, user="tester", now=lambda: clock[0])
    ana = store.add_rep("Ana", team="East")
    october = [
        store.add_deal(rep_id=ana, title=f"oct {i}", amount=500, stage="proposal", created_at=ts("2026-10-01"))
        for i in range(12)
    ]
    clock[0] = ts("2026-10-26")
    for deal in october:
        store.move_deal(deal, "won", at=ts("2026-10-25"))
    clock[0] = ts("2026-11-10")
    now_deal = store.add_deal(
        rep_id=ana,
        title="nov",
        amount=100_000,
        stage="proposal",
        created_at=ts("2026-11-10"),
        expected_close=ts("2026-11-25"),
    )
    clock[0] = NOW
    return store, ana, october, now_deal


def _learned_entries(store: Store) -> dict:
    return {k: v for k, v in forecast_cache.forecast_cache_for(store).entries.items() if k[0] == "learn"}


def test_a_write_into_a_past_period_reaches_the_kept_history(history: tuple[Store, int, list[int], int]) -> None:
    store, ana, october, now_deal = history
    # Mid-November, the proposal is 6 days old (band 0); at mid-October the 12 were 15 days old (band 0), all won
    # by the month's end: chance 12/12, so $1,000 expected from Ana's own history.
    first = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    assert first.reps[ana].expected == 100_000 and first.reps[ana].basis.own == 1
    kept = _learned_entries(store)
    assert len(kept) == 1
    # Today's pipeline changes (an amount, a stage move today, a call): the history is not recomputed.
    store.edit_deal(now_deal, amount=200_000)
    store.move_deal(now_deal, "negotiation")
    store.move_deal(now_deal, "proposal")
    store.log_activity(kind="call", rep_id=ana, deal_id=now_deal)
    again = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    assert again.reps[ana].expected == 200_000
    assert _learned_entries(store) == kept
    assert next(iter(_learned_entries(store).values())) is next(iter(kept.values()))
    # One October win turned into a loss on 26 October, written today: 11 of 12 won, $2,000 × 11/12 = $1,833.33.
    store.move_deal(october[0], "lost", at=ts("2026-10-26"), reason="price")
    after = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    assert after.reps[ana].expected == round(200_000 * 11 / 12)
    assert _learned_entries(store) != kept


def test_the_kept_history_is_decoded_once_while_it_stays(history: tuple[Store, int, list[int], int]) -> None:
    store, ana, october, now_deal = history
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    cache = forecast_cache.forecast_cache_for(store)
    (key,) = _learned_entries(store)
    learned = cache.decoded[key][1]
    store.edit_deal(now_deal, amount=200_000)  # today's pipeline: the history stays, decoded as it was
    assert F.forecasts(store, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == 200_000
    assert cache.decoded[key][1] is learned
    # A write that reaches October: the entry is learned again under the same key, and what is used is the new one
    # (11 of 12 won: $2,000 × 11/12), not the decoded copy of the old.
    store.move_deal(october[0], "lost", at=ts("2026-10-26"), reason="price")
    assert F.forecasts(store, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == round(200_000 * 11 / 12)
    assert cache.decoded[key][1] is not learned


def test_an_unaudited_write_drops_the_kept_history(history: tuple[Store, int, list[int], int]) -> None:
    store, ana, october, _ = history
    assert F.forecasts(store, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == 100_000
    # Another program reopens an October win: no audit row, but kpi_changes counts the change.
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE deals SET stage = 'lost', closed_at = ? WHERE id = ?", (ts("2026-10-25"), october[0]))
    assert F.forecasts(store, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == round(100_000 * 11 / 12)


def test_a_new_process_reads_the_kept_history_from_the_file(history: tuple[Store, int, list[int], int]) -> None:
    store, ana, _, _ = history
    first = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    forecast_cache.forecast_cache_for(store).flush()  # what happens when the Store goes
    path = store.path
    store.close()
    other = Store(path, readonly=True)
    cache = forecast_cache.forecast_cache_for(other)
    with other.read() as conn:
        cache.sync(conn)
    assert {k[0] for k in cache.entries} == {"learn", "backtest"} and cache.ranges
    assert F.forecasts(other, NOV, NOW, rep_quotas={ana: 0}) == first
    other.close()


def test_counted_backtest_equals_the_deal_by_deal_one(tmp_path: Path) -> None:
    # The sample's year, with edits made afterwards (they must not change the past) and one backdated close.
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    clock = [ts("2026-11-28")]
    store = Store(db, user="tester", now=lambda: clock[0])
    open_ids = [r[0] for r in store.query("SELECT id FROM deals WHERE closed_at IS NULL ORDER BY id LIMIT 6")]
    reps = [r.id for r in store.reps()]
    store.edit_deal(open_ids[0], amount=123_456)
    store.edit_deal(open_ids[1], rep_id=reps[-1], expected_close=ts("2027-01-10"))
    store.void("deals", open_ids[2], reason="dup")
    store.move_deal(open_ids[3], "won", at=ts("2026-11-27"))
    for team in (None, "North"):
        run = F.backtest_inputs(store, NOV, team=team)
        tracks = F._tracks(store, NOV, team)
        assert len(tracks[None]) == F.BACKTEST
        for scope in (None, *reps):
            expected = [(p.period, p.forecast, p.actual) for p in F.backtest(run, scope)]
            got = [(p.period, p.forecast, p.actual) for p in tracks.get(scope, ())] or [
                (label, 0, 0) for label, _f, _a in expected
            ]
            assert [(a, c) for a, _b, c in got] == [(a, c) for a, _b, c in expected]
            assert all(abs(g[1] - e[1]) <= 1 for g, e in zip(got, expected, strict=True))  # float sums' order
    store.close()


# ------------------------------------------------------------------------------------- kept in the database (issue 24)


def _kept_rows(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM forecast_kept"))


def _another_user(path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, *, readonly: bool = True) -> Store:
    """A Store of another user: their own, empty, cache folder (no cache file of this database)."""
    monkeypatch.setenv("COCKPIT_CACHE_DIR", str(folder))
    return Store(path, readonly=readonly, user="other")


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The history's computations made from here on (learned, backtest), by name."""
    made: list[str] = []
    for name in ("_learn", "_tracks"):
        real = getattr(F, name)
        monkeypatch.setattr(F, name, lambda *a, _real=real, _name=name, **k: made.append(_name) or _real(*a, **k))
    return made


def _first_forecast_of_another_user(
    path: Path,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    rep: int | None,
    period: Period = NOV,
    now: int = NOW,
) -> tuple[F.Forecasts, list[str]]:
    """Another user's first forecast of ``period`` at ``now`` (read-only, their own empty cache folder), with
    ``rep``'s own when given, and the history computations it had to make."""
    made = _counting(monkeypatch)
    other = _another_user(path, folder, monkeypatch)
    try:
        return F.forecasts(other, period, now, rep_quotas={rep: 0} if rep is not None else None), made
    finally:
        other.close()


def test_another_user_reads_the_history_a_cockpit_kept_in_the_database(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, _, _ = history
    first = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    rows = _kept_rows(store.path)
    assert {key.split(",")[0] for key in rows} == {'["learn"', '["backtest"'}
    # Read-only, no cache file: the history comes from the database, nothing is learned or backtested again.
    got, made = _first_forecast_of_another_user(store.path, tmp_path / "other-cache", monkeypatch, ana)
    assert got == first
    assert made == []
    # And what was kept is what a computation from the rows gives (the hand-worked 12 of 12 won in October).
    assert first.reps[ana].expected == 100_000
    assert json.loads(rows[next(k for k in rows if k.startswith('["learn"'))]) == F._learned_to_json(
        F._learn(store, NOV, F._learning_share(NOV, NOW + 1)[0] / F._learning_share(NOV, NOW + 1)[1], None)
    )


def test_a_write_into_a_past_period_makes_another_user_compute_again(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, october, now_deal = history
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    kept = _kept_rows(store.path)
    # Today's pipeline changes: another user still reads the kept history.
    store.edit_deal(now_deal, amount=200_000)
    made = _counting(monkeypatch)
    other = _another_user(store.path, tmp_path / "b", monkeypatch)
    assert F.forecasts(other, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == 200_000
    assert made == []
    other.close()
    # An October win turned into a loss, written today, reaches it: a third user learns again (11 of 12 won) and,
    # writable, replaces the rows; a fourth reads the new ones.
    store.move_deal(october[0], "lost", at=ts("2026-10-26"), reason="price")
    third = _another_user(store.path, tmp_path / "c", monkeypatch, readonly=False)
    assert F.forecasts(third, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == round(200_000 * 11 / 12)
    assert sorted(made) == ["_learn", "_tracks"]
    third.close()
    assert _kept_rows(store.path).keys() == kept.keys() and _kept_rows(store.path) != kept
    made.clear()
    fourth = _another_user(store.path, tmp_path / "d", monkeypatch)
    assert F.forecasts(fourth, NOV, NOW, rep_quotas={ana: 0}).reps[ana].expected == round(200_000 * 11 / 12)
    assert made == []
    fourth.close()


def test_a_write_without_the_store_makes_the_kept_history_unused(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, october, _ = history
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    # Another program reopens an October win: no audit row, but kpi_changes counts the change.
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE deals SET stage = 'lost', closed_at = ? WHERE id = ?", (ts("2026-10-25"), october[0]))
    got, made = _first_forecast_of_another_user(store.path, tmp_path / "b", monkeypatch, ana)
    assert got.reps[ana].expected == round(100_000 * 11 / 12)
    assert sorted(made) == ["_learn", "_tracks"]


def test_a_kept_row_that_does_not_decode_is_computed_again(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, _, _ = history
    first = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    with sqlite3.connect(store.path) as conn:
        conn.execute('UPDATE forecast_kept SET value = \'{"cells": "no"}\' WHERE key LIKE \'["learn"%\'')
    got, made = _first_forecast_of_another_user(store.path, tmp_path / "b", monkeypatch, ana)
    assert got == first
    assert made == ["_learn"]


def test_a_read_only_user_keeps_nothing_in_the_database(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, _, _ = history
    path = store.path
    store.close()
    reader = _another_user(path, tmp_path / "b", monkeypatch)
    F.forecasts(reader, NOV, NOW, rep_quotas={ana: 0})
    reader.close()
    assert _kept_rows(path) == {}


def test_storing_the_history_refreshes_no_other_cockpit(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, _, _ = history
    watcher = _another_user(store.path, tmp_path / "b", monkeypatch)
    seen = watcher.changes_seen()
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    assert _kept_rows(store.path)
    # The commit moved data_version, but the count of changes users can see, which the poll compares, did not.
    assert watcher.changes_seen() == seen
    watcher.close()


def _kept_for(path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, period: str, now: str) -> list[str]:
    """The history computations another user's first forecast of ``period`` at ``now`` had to make."""
    return _first_forecast_of_another_user(path, folder, monkeypatch, None, parse_period(period, tz=TZ), ts(now))[1]


def test_the_demo_generator_keeps_the_forecast_history_of_its_last_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.db"
    generate(path, reps=3, months=6, seed=1, end=date(2026, 3, 31), tz=TZ)
    assert {key.split(",")[0] for key in _kept_rows(path)} == {'["learn"', '["backtest"'}
    # A cockpit opening that evening (the generator's clock: 19:00 on its last day) reads both.
    assert _kept_for(path, tmp_path / "b", monkeypatch, "2026-03", "2026-03-31T20:00") == []


def test_an_import_keeps_the_forecast_history_of_its_opening_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "deals.csv"
    source.write_text(
        "external_id,title,rep,stage,amount,created,closed\n"
        "1,Won in January,Ann,won,100,2026-01-05,2026-01-20\n"
        "2,Open proposal,Bo,proposal,400,2026-03-08,\n",
        encoding="utf-8",
    )
    path = tmp_path / "imported.db"
    monkeypatch.setenv("COCKPIT_NOW", "2026-03-20T12:00:00")
    monkeypatch.setenv("COCKPIT_TZ", TZ)
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "no-config.toml"))
    assert main(["import", "deals", str(source), "--db", str(path)]) == 0
    # Stored after the import's own summary row, which makes anything kept before it unused: these are read.
    assert {key.split(",")[0] for key in _kept_rows(path)} == {'["learn"', '["backtest"'}
    assert _kept_for(path, tmp_path / "b", monkeypatch, "2026-03", "2026-03-20T12:00") == []


def test_one_row_is_kept_per_kind_period_and_team(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, _, _ = history
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    F.forecasts(store, NOV, NOW, team="East", rep_quotas={ana: 0})
    # A day later the window is learned at the next day's point: its row replaces the day before's, of its team only.
    F.forecasts(store, NOV, NOW + 86_400, rep_quotas={ana: 0})
    keys = sorted((json.loads(k) for k in _kept_rows(store.path)), key=json.dumps)
    share = F._learning_share(NOV, NOW + 86_400 + 1)
    before = F._learning_share(NOV, NOW + 1)
    assert share != before
    month = F.period_text(NOV)
    assert keys == sorted(
        [
            ["backtest", NOV.start_ts, NOV.end_ts, month, F.BACKTEST, None],
            ["backtest", NOV.start_ts, NOV.end_ts, month, F.BACKTEST, "East"],
            ["learn", NOV.start_ts, NOV.end_ts, month, *share, None],
            ["learn", NOV.start_ts, NOV.end_ts, month, *before, "East"],
        ],
        key=json.dumps,
    )


def test_a_custom_range_with_a_month_s_edges_learns_its_own_history(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ana, _, _ = history
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    # 2026-11-01..2026-11-30 has November's edges, but the periods before it are the 30 days before each: not
    # October, so not November's history.
    custom = parse_period("2026-11-01..2026-11-30", tz=TZ)
    assert (custom.start_ts, custom.end_ts) == (NOV.start_ts, NOV.end_ts) and custom.previous() != NOV.previous()
    got, made = _first_forecast_of_another_user(store.path, tmp_path / "b", monkeypatch, ana, custom)
    assert sorted(made) == ["_learn", "_tracks"]
    # Learned from the 30 days before each of the three ranges before it, not from August to October.
    month = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    assert month.team.basis.window == "2026-08-01..2026-10-31"
    assert got.team.basis.window == "2026-08-03..2026-10-31"


_DEEP = "[" * 100_000 + "]" * 100_000
# Rows a member of the file's group could write in place of the learned window (the cells of the fixture: Ana's 12
# October proposals, all won); each must be ignored by every other user (their forecast computed, as if none were
# kept) and reported by cockpit check, whose --repair deletes it.
_FORGED = {
    "nested": ("value", _DEEP),
    # NaN where a text is read (the window learned from): a cockpit never writes NaN, and a window is text.
    "nan": ("value", '{"window":NaN,"periods":3,"cells":[],"new_won":[],"due_amount":[],"due_won":[]}'),
    # A sum past SQLite's integers: divided by the periods, it overflows a float.
    "huge": (
        "value",
        json.dumps(
            {"window": "w", "periods": 3, "cells": [], "new_won": [[1, 10**400]], "due_amount": [], "due_won": []}
        ),
    ),
    "won more than deals": ("value", None),
    "not json": ("value", "{"),
    "a bigger format": ("format", 2),
}


@pytest.mark.parametrize("what", _FORGED, ids=_FORGED.keys())
def test_a_forged_row_is_computed_over_and_reported_by_check(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    store, ana, _, _ = history
    first = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    column, value = _FORGED[what]
    with sqlite3.connect(store.path) as conn:
        if value is None:  # the kept cells with one more win than deals: a chance above 1
            (text,) = conn.execute("SELECT value FROM forecast_kept WHERE kind = 'learn'").fetchone()
            learned = json.loads(text)
            learned["cells"] = [[r, s, b, d, d + 1] for r, s, b, d, _w in learned["cells"]]
            value = json.dumps(learned)
        conn.execute(f"UPDATE forecast_kept SET {column} = ? WHERE kind = 'learn'", (value,))
    got, made = _first_forecast_of_another_user(store.path, tmp_path / "b", monkeypatch, ana)
    assert got == first
    assert made == ["_learn"]
    monkeypatch.undo()
    with Store(store.path, readonly=True, side_files=False) as reader:
        checked = check_kept(reader)
    if what == "a bigger format":
        assert checked.wrong == [] and checked.current == 1  # another version's row: it judges its own
        return
    assert len(checked.wrong) == 1 and checked.current == 1  # the backtest row is still true
    assert repair_kept(store, checked)
    assert [json.loads(k)[0] for k in _kept_rows(store.path)] == ["backtest"]


def _team_track(tracks: list) -> list:
    return next(points for scope, points in tracks if scope is None)


# Track records a member could write in place of the kept one: each must be computed over by every other user.
_FORGED_TRACKS = {
    "a period twice": lambda tracks: _team_track(tracks).append(list(_team_track(tracks)[-1])),
    "a rep's periods not the team's": lambda tracks: [points.pop() for scope, points in tracks if scope is not None],
    "money past SQLite's integers": lambda tracks: _team_track(tracks)[0].__setitem__(1, 10**400),
}


@pytest.mark.parametrize("what", _FORGED_TRACKS, ids=_FORGED_TRACKS.keys())
def test_a_forged_track_record_is_computed_over(
    history: tuple[Store, int, list[int], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    store, ana, _, _ = history
    first = F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    with sqlite3.connect(store.path) as conn:
        (text,) = conn.execute("SELECT value FROM forecast_kept WHERE kind = 'backtest'").fetchone()
        tracks = json.loads(text)
        assert len(tracks) == 2  # the team and Ana (October, the one period with history before it)
        _FORGED_TRACKS[what](tracks)
        conn.execute("UPDATE forecast_kept SET value = ? WHERE kind = 'backtest'", (json.dumps(tracks),))
    got, made = _first_forecast_of_another_user(store.path, tmp_path / "b", monkeypatch, ana)
    assert got == first
    assert made == ["_tracks"]


def test_check_reports_rows_that_are_not_a_cockpit_s(history: tuple[Store, int, list[int], int]) -> None:
    store, ana, _, _ = history
    F.forecasts(store, NOV, NOW, rep_quotas={ana: 0})
    month = F.period_text(NOV)
    zone = '["2026-11", "America", 1]'  # a time zone that is a folder of zones
    label = "SELECT seen_audit, seen_changes, fingerprint FROM forecast_kept WHERE kind = 'backtest'"
    with sqlite3.connect(store.path) as conn:
        seen = conn.execute(label).fetchone()
        bad = [
            ("learn", month, None, "notjson", "[]"),  # a key that is not JSON
            ("learn", month, None, json.dumps(["learn", "x", 0, month, 1, 1, None]), "[]"),  # not a time
            ("learn", month, None, json.dumps(["learn", NOV.start_ts, NOV.end_ts, month, 1, 0, None]), "[]"),  # 1/0
            ("learn", zone, None, json.dumps(["learn", NOV.start_ts, NOV.end_ts, zone, 1, 30, None]), "[]"),
            ("backtest", month, "East", json.dumps(["backtest", 1, 2, month, 6, "West"]), "[]"),  # team disagrees
        ]
        for kind, period, team, key, value in bad:
            conn.execute(
                "INSERT INTO forecast_kept (format, kind, period, team, key, value, seen_audit, seen_changes,"
                " fingerprint, saved_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (kind, period, team, key, value, *seen),
            )
    with Store(store.path, readonly=True, side_files=False) as reader:
        checked = check_kept(reader)
    assert len(checked.wrong) == len(bad) and checked.current == 2
    assert repair_kept(store, checked)
    assert sorted(json.loads(k)[0] for k in _kept_rows(store.path)) == ["backtest", "learn"]
    # A key that is not JSON does not stop the next save (nothing reads a key's JSON in SQL): a day later the learned
    # window's row is replaced by the new day's.
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "INSERT INTO forecast_kept (format, kind, period, team, key, value, seen_audit, seen_changes,"
            " fingerprint, saved_at) VALUES (1, 'learn', ?, NULL, 'notjson', '[]', 0, 0, '', 0)",
            (month,),
        )
    F.forecasts(store, NOV, NOW + 86_400, rep_quotas={ana: 0})
    learned = [json.loads(k) for k in _kept_rows(store.path) if k.startswith('["learn"')]
    assert learned == [["learn", NOV.start_ts, NOV.end_ts, month, *F._learning_share(NOV, NOW + 86_400 + 1), None]]

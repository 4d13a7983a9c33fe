"""The pipeline by stage at a period's end (issue 19 §2) and the maturity of a period's cohort (§4).

"Pipeline" means one thing everywhere: the deals open at the period's end, each in the stage it had then. The stage
summary must therefore equal the ``pipeline_value`` / ``weighted_pipeline`` KPIs for the same scope; the deal lists
under it stay "open now". Expected values are worked out by hand on a small database built here (UTC):

September 2026, end = 2026-10-01 00:00. Now = 2026-10-20 12:00. Stage probabilities: lead 0.1, qualified 0.25,
proposal 0.5, negotiation 0.75.

  deal  rep  amount  history                                                     at Sep end               now
  D1    Ana  1,000   lead Aug 20 -> proposal Sep 10 -> won Oct 5                 proposal  1,000 x 0.5    won
  D2    Ana  2,000   qualified Sep 5 -> negotiation Oct 3                        qualified 2,000 x 0.25   negotiation
  D3    Ana  3,000   qualified Sep 1 -> lost Sep 20                              closed                   lost
  D4    Ana  4,000   lead Oct 2                                                  not yet created          lead
  D5    Ana  5,000   proposal Sep 3, its own probability 0.8                     proposal  5,000 x 0.8    proposal
  D6    Bo   6,000   qualified Aug 1 -> won Sep 15 -> reopened negotiation Oct 10 won (closed)            negotiation
  D7    Bo   7,000   lead Sep 25, voided                                         voided                   voided
  D8    Bo   8,000   negotiation Aug 15                                          negotiation 8,000 x 0.75 negotiation
  D9    Ana  9,000   qualified Jul 10 -> won Aug 5                               closed                   won

Ana is in East, Bo in West.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

from cockpit.core.kpi import dashboard
from cockpit.core.periods import parse_period
from cockpit.core.store import Store
from cockpit.core.store.measures import PIPELINE_OPEN, Measure
from cockpit.core.store.pipeline import _regrouped, cohort_counts, pipeline_at
from cockpit.core.views import cohorts, pipeline_moment, pipeline_with_deals, rep_detail, window_short
from tests.support import ROOT

UTC = "UTC"


def at(month: int, day: int, hour: int = 12) -> int:
    return int(pendulum.datetime(2026, month, day, hour, tz=UTC).timestamp())


NOW = at(10, 20)
SEPTEMBER = parse_period("2026-09", tz=UTC)
SEP_END = SEPTEMBER.end_ts


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    clock = [at(7, 1)]
    s = Store(tmp_path / "p.db", create=True, user="tester", now=lambda: clock[0])

    def on(ts: int) -> int:
        clock[0] = ts
        return ts

    ana = s.add_rep("Ana", team="East")
    bo = s.add_rep("Bo", team="West")

    def deal(rep: int, title: str, dollars: int, stage: str, created: int, **kw: object) -> int:
        return s.add_deal(rep_id=rep, title=title, amount=dollars * 100, stage=stage, created_at=on(created), **kw)  # type: ignore[arg-type]

    def move(deal_id: int, stage: str, when: int, **kw: object) -> None:
        s.move_deal(deal_id, stage, at=on(when), **kw)  # type: ignore[arg-type]

    d9 = deal(ana, "D9", 9_000, "qualified", at(7, 10))
    d6 = deal(bo, "D6", 6_000, "qualified", at(8, 1))
    move(d9, "won", at(8, 5))
    deal(bo, "D8", 8_000, "negotiation", at(8, 15))
    d1 = deal(ana, "D1", 1_000, "lead", at(8, 20))
    d3 = deal(ana, "D3", 3_000, "qualified", at(9, 1))
    deal(ana, "D5", 5_000, "proposal", at(9, 3), probability=0.8)
    d2 = deal(ana, "D2", 2_000, "qualified", at(9, 5))
    move(d1, "proposal", at(9, 10))
    move(d6, "won", at(9, 15))
    move(d3, "lost", at(9, 20), reason="price")
    d7 = deal(bo, "D7", 7_000, "lead", at(9, 25))
    deal(ana, "D4", 4_000, "lead", at(10, 2))
    move(d2, "negotiation", at(10, 3))
    move(d1, "won", at(10, 5))
    move(d6, "negotiation", at(10, 10))
    on(at(10, 11))
    s.void("deals", d7, reason="duplicate")
    on(NOW)
    yield s
    s.close()


def by_stage(pipeline) -> dict[str, tuple[int, int, int]]:
    return {s.stage: (s.count, s.value, s.weighted) for s in pipeline.stages}


def test_the_pipeline_at_a_period_end_counts_each_deal_in_the_stage_it_had_then(store: Store) -> None:
    september = pipeline_at(store, SEP_END)
    # D1 was open in proposal (won only in October); D2 was still qualified (negotiation in October); D5 at its own
    # 0.8; D8 in negotiation. Not D3 (lost in September), D4 (created after), D6 (won then), D7 (voided), D9.
    assert by_stage(september) == {
        "lead": (0, 0, 0),
        "qualified": (1, 200_000, 50_000),  # D2: 2,000 x 0.25
        "proposal": (2, 600_000, 450_000),  # D1 1,000 x 0.5 + D5 5,000 x 0.8
        "negotiation": (1, 800_000, 600_000),  # D8 8,000 x 0.75
    }
    assert (september.count, september.value, september.weighted) == (4, 1_600_000, 1_100_000)
    # The same rule as the KPIs: the report's pipeline_value and weighted_pipeline for September.
    dash = dashboard(store, SEPTEMBER)
    assert (dash.team["pipeline_value"], dash.team["weighted_pipeline"]) == (1_600_000, 1_100_000)


def test_scopes_a_team_and_a_rep(store: Store) -> None:
    east = pipeline_at(store, SEP_END, team="east")  # teams compare case-insensitively, as the report's --team
    assert by_stage(east) == {
        "lead": (0, 0, 0),
        "qualified": (1, 200_000, 50_000),
        "proposal": (2, 600_000, 450_000),
        "negotiation": (0, 0, 0),
    }
    bo = store.rep_by_name("Bo").id
    assert by_stage(pipeline_at(store, SEP_END, rep_id=bo))["negotiation"] == (1, 800_000, 600_000)
    assert pipeline_at(store, SEP_END, rep_id=bo).value == 800_000


def test_open_now_is_the_pipeline_at_a_moment_after_every_change(store: Store) -> None:
    now = pipeline_at(store, NOW + 1)
    # D4 lead; D5 proposal; D2 (moved at the stage's 0.75), D6 (reopened) and D8 in negotiation.
    assert by_stage(now) == {
        "lead": (1, 400_000, 40_000),
        "qualified": (0, 0, 0),
        "proposal": (1, 500_000, 400_000),
        "negotiation": (3, 1_600_000, 1_200_000),
    }
    # The running period's end is ahead: its pipeline is the one open now.
    october = parse_period("2026-10", tz=UTC)
    assert by_stage(pipeline_at(store, october.end_ts)) == by_stage(now)


def test_the_deal_lists_stay_open_now_under_a_past_period_stage_table(store: Store) -> None:
    summary, pages = pipeline_with_deals(store, at_ts=SEP_END, now_ts=NOW, stale_days=14)
    assert by_stage(summary)["proposal"] == (2, 600_000, 450_000)
    lists = {p.stage: sorted(d.title for d in p.deals) for p in pages}
    totals = {p.stage: p.total for p in pages}
    # D1 (won since) is in September's proposal column, but not in the list a user acts on.
    assert lists == {"lead": ["D4"], "qualified": [], "proposal": ["D5"], "negotiation": ["D2", "D6", "D8"]}
    assert totals == {"lead": 1, "qualified": 0, "proposal": 1, "negotiation": 3}
    ana = store.rep_by_name("Ana").id
    detail = rep_detail(store, ana, at_ts=SEP_END, now_ts=NOW, stale_days=14)
    assert (detail.pipeline.count, detail.pipeline.value, detail.pipeline.weighted) == (3, 800_000, 500_000)
    assert sorted(d.title for d in detail.deals) == ["D2", "D4", "D5"] and detail.deals_total == 3


def test_the_words_for_the_moment() -> None:
    assert pipeline_moment(SEPTEMBER, NOW) == "at period end 2026-09-30"
    assert pipeline_moment(parse_period("2026-10", tz=UTC), NOW) == "open now"
    assert pipeline_moment(parse_period("2026-12", tz=UTC), NOW) == "open now"  # ahead: what is open now


def test_the_cohort_of_a_period_and_the_last_closed_window(store: Store) -> None:
    ana, bo = store.rep_by_name("Ana").id, store.rep_by_name("Bo").id
    team, reps = cohort_counts(store, SEPTEMBER.start_ts, SEPTEMBER.end_ts)
    # Qualified in September: D1 (left lead Sep 10; won now), D2 (open), D3 (lost), D5 (open) -- all Ana's.
    assert (team.opportunities, team.won, team.closed) == (4, 1, 2)
    assert set(reps) == {ana}
    found = cohorts(store, dashboard(store, SEPTEMBER))
    assert found.window.label == "2026-06-01..2026-08-31"
    assert (found.team.opportunities, found.team.closed, found.team.maturity) == (4, 2, 0.5)
    # The window June..August: D9 (Ana, won), D6 (Bo, reopened: not won), D8 (Bo, open) -> 1 of 3.
    assert found.team.window_conversion == pytest.approx(1 / 3)
    assert found.reps[ana].window_conversion == 1.0 and found.reps[ana].maturity == 0.5
    # Bo qualified nothing in September: no maturity; his window converted 0 of 2.
    assert found.reps[bo].maturity is None and found.reps[bo].window_conversion == 0.0


def test_the_opportunities_of_the_cohort_are_the_kpis(store: Store) -> None:
    for period in (SEPTEMBER, parse_period("2026-08", tz=UTC), parse_period("2026-Q3", tz=UTC)):
        dash = dashboard(store, period)
        team, reps = cohort_counts(store, period.start_ts, period.end_ts)
        assert team.opportunities == dash.team["opportunities"]
        assert {r: c.opportunities for r, c in reps.items()} == {
            r.rep_id: r["opportunities"] for r in dash.reps if r["opportunities"]
        }


def test_a_measure_rewritten_elsewhere_fails_loudly_instead_of_drifting() -> None:
    # The stage summary runs the KPI's own SQL with its SELECT list swapped: a text that is not there stops it.
    changed = Measure("pipeline_open", PIPELINE_OPEN.sql.replace("sum(d.amount),", "total(d.amount),"), {})
    with pytest.raises(RuntimeError, match="exactly once"):
        _regrouped(changed, ("SELECT b.i, d.rep_id, sum(d.amount),", "SELECT 1,"))


@pytest.mark.parametrize("spec", ["2026-W44", "2026-09", "2026-Q2", "2026-03-10..2026-05-20", "2025", "2026-11"])
def test_on_the_demo_data_every_stage_summary_adds_up_to_the_kpis(demo_db: Path, spec: str) -> None:
    """For every scope (everyone, each team, each rep) the stages add up to the report's pipeline figures."""
    period = parse_period(spec, tz="Europe/Paris")
    with Store(demo_db, readonly=True) as demo:  # the session's shared demo data: read only
        for team in (None, *demo.teams()):
            dash = dashboard(demo, period, team=team, trend=2)
            total = pipeline_at(demo, period.end_ts, team=team)
            assert (total.value, total.weighted) == (dash.team["pipeline_value"], dash.team["weighted_pipeline"])
            assert total.count == sum(s.count for s in total.stages) and total.value > 0
            for row in dash.reps:
                mine = pipeline_at(demo, period.end_ts, rep_id=row.rep_id)
                assert (mine.value, mine.weighted) == (row["pipeline_value"], row["weighted_pipeline"]), row.rep


def test_the_new_reads_probe_the_kpis_indexes(tmp_path: Path) -> None:
    """The stage summary and the cohort read run the KPI queries' shapes: on their covering indexes, no full scan."""
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    with Store(db) as sample:
        statements: list[str] = []
        sample.conn.set_trace_callback(statements.append)
        end = parse_period("2026-11", tz=UTC)
        pipeline_at(sample, end.end_ts)
        pipeline_at(sample, end.end_ts, team="North")
        pipeline_at(sample, end.end_ts, rep_id=1)
        cohort_counts(sample, end.start_ts, end.end_ts, team="North")
        sample.conn.set_trace_callback(None)
        ours = [s for s in statements if s.lstrip().startswith("WITH")]
        assert len(ours) == 7  # two queries per stage summary, one for the cohort
        plans = "\n".join(row[3] for sql in ours for row in sample.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert not re.search(r"^SCAN (deals|stage_history|d|h)\b", plans, re.M), plans
    for index in ("deals_open_at_end", "stage_history_at_end", "deals_qualified"):
        assert f"COVERING INDEX {index}" in plans, index


def test_the_window_in_a_few_cells() -> None:
    assert window_short(SEPTEMBER) == "3mo"
    assert window_short(parse_period("2026-W38", tz=UTC)) == "3wk"
    assert window_short(parse_period("2026-Q3", tz=UTC)) == "3q"
    assert window_short(parse_period("2026-09-01..2026-09-10", tz=UTC)) == "prev"

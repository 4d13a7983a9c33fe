"""``cockpit report``: the team row and one row per rep, for scripts and people."""

from __future__ import annotations

import argparse
import sys

from cockpit.cli.common import add_db_option, now_for, open_store, resolve_period, settings_for
from cockpit.core.diagnosis import DEFAULT_HISTORY
from cockpit.core.errors import NotFoundError
from cockpit.core.insights import insights_for
from cockpit.core.kpi import dashboard
from cockpit.core.report import FORMATS, anchor_note, build_report, render
from cockpit.core.text import clean, inert, inert_json
from cockpit.core.verdict import compute_verdict
from cockpit.core.views import cohorts, pipeline_at


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="print every KPI for the team and each rep")
    add_db_option(p)
    add_period_options(p)
    p.add_argument("--team", help="only this team")
    p.add_argument("--rep", help="only this rep's row (the team row stays)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--trend", type=int, default=12, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def add_period_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", help="2026-W47, 2026-11, 2026-Q3, 2026, FY2027, this-week, last-month, ytd, A..B")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day of a custom range (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of a custom range (YYYY-MM-DD)")


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = now_for(settings)
    with open_store(settings, readonly=True) as store:
        demo = store.is_demo
        period, anchored = resolve_period(store, settings, args, now)
        if args.team is not None:
            # The stored spelling (teams match case-insensitively, also beyond ASCII, which SQL's NOCASE does not).
            teams = {t.casefold(): t for t in store.teams()}
            if not args.team.strip() or args.team.casefold() not in teams:
                raise NotFoundError(f"no team named {args.team!r} (teams: {', '.join(store.teams()) or 'none'})")
            args.team = teams[args.team.casefold()]
        rep_name, rep_id = None, None
        if args.rep:
            rep = store.rep_by_name(args.rep)
            rep_name, rep_id = rep.name, rep.id
            if args.team and rep.team.casefold() != args.team.casefold():
                raise NotFoundError(f"rep {rep.name!r} is not in team {args.team!r}")
        # The diagnosis compares with the previous periods: the trend must reach back past its history.
        dash = dashboard(
            store,
            period,
            team=args.team,
            trend=max(DEFAULT_HISTORY + 1, args.trend),
            anchored=anchored,
            include_rep=rep_id,
            holidays=settings.holidays,
        )
        insights = insights_for(store, dash, settings, now)
        # The stage breakdown of pipeline_value / weighted_pipeline: the deals open at the period's end.
        pipeline = pipeline_at(store, period.end_ts, team=args.team)
        mine = pipeline_at(store, period.end_ts, rep_id=rep_id) if rep_id is not None else None
        cohort = cohorts(store, dash)
    # The team's verdict is in the insights; with --rep, the rep's own, read against the same targets (no SQL).
    verdict = insights.verdict
    if rep_id is not None:
        verdict = compute_verdict(dash, insights.targets, rep_id=rep_id, currency=settings.currency)
    report = build_report(
        dash,
        currency=settings.currency,
        rep=rep_name,
        insights=insights,
        demo=demo,
        pipeline=pipeline,
        rep_pipeline=mine,
        cohorts=cohort,
        verdict=verdict,
    )
    if anchored and args.format == "csv":
        print(f"cockpit: {clean(anchor_note(dash))}", file=sys.stderr)
    # Names and titles are other people's text: nothing in them may act on the terminal (JSON escapes them).
    text = render(report, args.format, currency=settings.currency)
    print(inert_json(text) if args.format == "json" else inert(text))
    return 0

"""``cockpit report``: the team row and one row per rep, for scripts and people."""

from __future__ import annotations

import argparse
import shutil
import sys

from cockpit.cli.common import add_db_option, now_for, open_store, resolve_period, settings_for
from cockpit.cli.completion import completes
from cockpit.core.charset import for_terminal
from cockpit.core.diagnosis import DEFAULT_HISTORY
from cockpit.core.errors import NotFoundError
from cockpit.core.forecast import forecasts
from cockpit.core.insights import insights_for
from cockpit.core.kpi import dashboard
from cockpit.core.movement import movement, slipped_deals
from cockpit.core.names import did_you_mean
from cockpit.core.report import FORMATS, anchor_note, build_report, render
from cockpit.core.text import clean, fold, inert, inert_json
from cockpit.core.verdict import compute_verdict
from cockpit.core.views import cohorts, pipeline_at


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="print every KPI for the team and each rep")
    add_db_option(p)
    add_period_options(p)
    completes("teams", p.add_argument("--team", help="only this team"))
    completes("reps", p.add_argument("--rep", help="only this rep's row (the team row stays)"))
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
            # The stored spelling (teams match as names do, without case or accents, which SQL's NOCASE does not).
            teams = {fold(t): t for t in store.teams()}
            if not args.team.strip() or fold(args.team) not in teams:
                hint = did_you_mean(args.team, teams.values())
                raise NotFoundError(f"no team named {args.team!r}{hint} (teams: {', '.join(store.teams()) or 'none'})")
            args.team = teams[fold(args.team)]
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
        # Issue 23: the forecast of the team and of every rep row shown, what moved, what slipped.
        now_ts = int(now.timestamp())
        quotas = {row.rep_id: row.values["quota"] or 0 for row in dash.reps if row.rep_id is not None}
        if rep_id is not None:
            quotas = {k: v for k, v in quotas.items() if k == rep_id}
        ahead = forecasts(
            store, period, now_ts, team=args.team, team_quota=dash.team.values["quota"] or 0, rep_quotas=quotas
        )
        moved = movement(store, period, now_ts, team=args.team)
        slipped = slipped_deals(store, period, now_ts, team=args.team)
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
        forecast=ahead,
        movement=moved,
        slipped=slipped,
    )
    if anchored and args.format == "csv":
        print(f"cockpit: {clean(anchor_note(dash))}", file=sys.stderr)
    # Names and titles are other people's text: nothing in them may act on the terminal (JSON escapes them).
    # The table fits the terminal (COLUMNS, else the terminal's size, else 80 when it is a pipe or a file).
    width = shutil.get_terminal_size().columns if args.format == "table" else None
    # JSON is indented for a person at a terminal and compact for a pipe or a file, as gh does (docs/KPIS.md).
    compact = not sys.stdout.isatty()
    text = render(report, args.format, currency=settings.currency, width=width, compact=compact)
    if args.format in ("table", "markdown"):
        text = for_terminal(text)  # issue 21: "—" as "-" where the locale is not UTF-8, columns kept
    print(inert_json(text) if args.format == "json" else inert(text))
    return 0

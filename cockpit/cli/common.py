"""What several sub-commands share: the --db option, settings and clock, opening the database, the period."""

from __future__ import annotations

import argparse
import os
import sys

import pendulum

from cockpit.core.clock import Clock
from cockpit.core.config import Settings, load_settings
from cockpit.core.demo import generate
from cockpit.core.errors import NotFoundError, ParseError, PeriodError, StoreError, ValidationError
from cockpit.core.kpi import default_period
from cockpit.core.periods import Period, parse_period
from cockpit.core.store import Store
from cockpit.core.text import clean

#: Exit codes: a user's mistake (one line on stderr), and an unexpected failure (logged).
EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db PATH`` on a sub-command (it may also come before the sub-command)."""
    parser.add_argument("--db", dest="sub_db", metavar="PATH", help="database file")


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings with the --db flag given before or after the sub-command."""
    return load_settings(getattr(args, "sub_db", None) or getattr(args, "db", None))


def now_for(settings: Settings) -> pendulum.DateTime:
    """The clock: $COCKPIT_NOW (ISO date-time, for tests and snapshots) or the real time, in the configured zone."""
    frozen = os.environ.get("COCKPIT_NOW")
    tz = settings.timezone or pendulum.local_timezone()
    if frozen:
        try:
            return pendulum.parse(frozen, tz=tz)  # type: ignore[return-value]
        except Exception:
            raise ParseError(f"COCKPIT_NOW={frozen!r} is not an ISO date-time") from None
    return pendulum.now(tz)


def ensure_demo_database(settings: Settings) -> None:
    """With no database named anywhere, generate the demo database in the user data directory once.

    :func:`~cockpit.core.demo.generate` renames a complete file into place, so a start killed while generating
    leaves no demo database and the next start generates it again. An empty one (left by an older cockpit killed
    at that moment) is generated again too, rather than opened as an empty cockpit forever."""
    path = settings.db_path
    if not settings.is_demo_default:
        return
    try:
        if path.stat().st_size > 0:
            return
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    generate(path, tz=settings.timezone)


def open_store(
    settings: Settings, *, readonly: bool = False, user: str | None = None, clock: Clock | None = None
) -> Store:
    """Open the database the settings name (generating the default demo database when needed); ``clock`` stamps
    what the store writes (a write command passes one standing at the moment it started)."""
    now = clock.timestamp if clock is not None else None
    ensure_demo_database(settings)
    try:
        return Store(settings.db_path, readonly=readonly, user=user, stages=settings.stages, now=now)
    except StoreError as exc:
        if not readonly or "needs a schema upgrade" not in str(exc):
            raise
    # A reader of an older database upgrades it once (a migration is the only write a report makes), then reads.
    Store(settings.db_path, user=user, stages=settings.stages, now=now).close()
    return Store(settings.db_path, readonly=True, user=user, stages=settings.stages, now=now)


def open_stamped(args: argparse.Namespace) -> Store:
    """The database of a write command whose only moment is now: what it writes carries the moment it started
    ($COCKPIT_NOW when set), as the other write commands stamp theirs."""
    settings = settings_for(args)
    return open_store(settings, clock=Clock.frozen_at(now_for(settings)))


def resolve_period(
    store: Store, settings: Settings, args: argparse.Namespace, now: pendulum.DateTime
) -> tuple[Period, bool]:
    """The period asked for by --period or --from/--to; by default this month, anchored on the latest data."""
    date_from, date_to = getattr(args, "date_from", None), getattr(args, "date_to", None)
    if args.period and (date_from or date_to):
        raise PeriodError("give either --period or --from/--to, not both")
    if date_from or date_to:
        if not (date_from and date_to):
            raise PeriodError("--from and --to go together")
        spec = f"{date_from}..{date_to}"
    else:
        spec = args.period
    if spec:
        return parse_period(spec, now=now, tz=settings.timezone, fiscal_start_month=settings.fiscal_year_start), False
    return default_period(store, "month", now=now, tz=settings.timezone, fiscal_year_start=settings.fiscal_year_start)


def rep_or_own(store: Store, rep: str | None, what: str) -> str:
    """``--rep`` as given, else the rep the Unix login maps to: the login of the process's real uid (the store's),
    never $USER or $LOGNAME, which anyone can set. ``what`` ends the error when no rep is mapped ("who did it")."""
    if rep is not None and rep.strip():
        return rep
    own = store.rep_by_login(store.login)
    if own is None:
        raise ValidationError(f"your Unix login {store.login!r} is not mapped to a rep: say {what} with --rep NAME")
    return own.name


def account_to_create(store: Store, name: str | None, *, create: bool) -> str | None:
    """The account name that ``log`` and ``deal add`` will create, or None when it exists (or none is named).

    Both commands create an account only with ``--new-account``: a typo in a name must be an error, not a second
    account beside the real one that its calls and deals then go to unseen."""
    if name is None or not name.strip() or store.account_by_name(name) is not None:
        return None
    if not create:
        hint = store.name_hint("accounts", name.strip())
        raise NotFoundError(f"no account named {name.strip()!r}{hint} (--new-account creates it)")
    return name.strip()


def say_created(account: str | None) -> None:
    """Say on stderr that an account was created (stdout holds only the new id, for scripts)."""
    if account is not None:
        print(f"cockpit: created account {clean(account)!r}", file=sys.stderr)

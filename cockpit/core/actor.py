"""Who is acting: the Unix login (or ``--as``) mapped to a rep, and whether they may act as a manager.

Apart from :mod:`cockpit.core.actions` (the typed entries and their writes, loaded when something is first logged), so
that a start of the cockpit needs only this.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.core.errors import PermissionDenied
from cockpit.core.store import Rep, Store


@dataclass(frozen=True)
class Actor:
    """The person acting: their rep (None when the login maps to no rep), Unix login and manager rights."""

    rep: Rep | None
    unix_user: str
    is_manager: bool

    @property
    def label(self) -> str:
        """How the UI names the actor: the rep's name, else the login."""
        return self.rep.name if self.rep else self.unix_user


def resolve_actor(store: Store, as_rep: str | None = None, *, unix_user: str | None = None) -> Actor:
    """The acting user: the Unix login (default: the store's, from the process's real uid) mapped to a rep, or
    ``as_rep`` (name or login) for a manager, or anyone on a database where no login is mapped.

    Acting as another rep is recorded: from then on the store's audit rows name both, "login as Rep Name", so the
    trail shows who really did it. Raises PermissionDenied when a rep asks to act as somebody else, NotFoundError
    for an unknown ``as_rep``.
    """
    login = unix_user or store.login
    store.user = login
    own = store.rep_by_login(login)
    managed = (own is not None or any(r.unix_login for r in store.reps())) and not store.is_demo
    if not managed:
        # Nobody has a login mapped: nobody can be told apart, so whoever opens the file runs it. A demo database
        # is there to be tried, so whoever opens it may do everything too.
        rep = store.rep_by_name(as_rep) if as_rep else None
        if rep is not None:
            store.user = _acting_as(login, rep)
        return Actor(rep=rep, unix_user=login, is_manager=True)
    is_manager = own is not None and own.role == "manager"
    if as_rep is None:
        return Actor(rep=own, unix_user=login, is_manager=is_manager)
    wanted = store.rep_by_name(as_rep)
    if own is None:
        raise PermissionDenied(
            f"your login {login!r} is not mapped to a rep, so you cannot act as {wanted.name!r}; "
            "ask a manager to set your Unix login on your rep"
        )
    if wanted.id != own.id and not is_manager:
        raise PermissionDenied(f"you are {own.name!r} (a rep): a rep logs only as themselves, not as {wanted.name!r}")
    if wanted.id != own.id:
        store.user = _acting_as(login, wanted)
    return Actor(rep=wanted, unix_user=login, is_manager=is_manager)


def _acting_as(login: str, rep: Rep) -> str:
    # What the audit log's unix_user column records for an action done with --as: the real login first.
    if rep.unix_login == login:
        return login
    return f"{login} as {rep.name}"

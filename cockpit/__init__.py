"""cockpit: a terminal sales cockpit over a local SQLite database."""

from cockpit.lazy_imports import defer_all

defer_all()  # before anything imports pendulum

"""cockpit: a terminal sales cockpit over a local SQLite database."""

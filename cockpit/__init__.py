"""cockpit: a terminal sales cockpit over a local SQLite database.

Layers, imports pointing down: ``cockpit.cli`` (the command line) and ``cockpit.tui`` (the Textual app) over
``cockpit.core`` (store, periods, KPIs, insights, import/export), which imports neither Textual nor Rich.
"""

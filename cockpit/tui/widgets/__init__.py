"""Cockpit widgets: one widget a module; each renders what it is given and never reads the database."""

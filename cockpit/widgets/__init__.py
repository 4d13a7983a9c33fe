"""Reusable Textual widgets of the cockpit."""

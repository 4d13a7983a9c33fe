"""The terminal UI: the Textual app, its screens, widgets and key-binding mixins."""

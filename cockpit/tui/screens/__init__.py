"""Cockpit screens: the team cockpit, the rep drill-down, My day, help, search and the choosers."""

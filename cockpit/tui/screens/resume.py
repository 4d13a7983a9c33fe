"""A screen's first resume keeps the styles its widgets were given when they mounted."""

from __future__ import annotations

from textual import events


class StyledAtMount:
    """Mixed into every cockpit screen, before Textual's Screen class.

    Textual restyles every widget of a screen each time it resumes. On the first resume, just after the screen was
    composed, every widget was styled when it mounted moments before (and any class or focus change since restyled
    what it touched): the team cockpit's 20 widgets cost ~5 ms of the first frame that way, and each form or screen
    opened paid the same for its own. Later resumes (back from another screen, perhaps after a theme change) restyle
    as usual. Textual calls the handlers of a message from the subclass up, so this runs before Screen's own.
    """

    _resumed_before = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False

"""The key bar under every screen: Textual's Footer, laid out again only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


class CoversKeyBar:
    """A widget drawn over the key bar while the focus is in it (the quick-entry line, docked at the bottom on a
    layer of its own): the keys its focus brings are not seen, so the bar is not laid out again for them."""


class KeysFooter(Footer):
    """Textual's ``Footer``, compact and without the command palette's key (whole at 80 columns; ctrl+p is in
    help), recomposed only when the keys it would show change.

    Textual 8.2.8 recomposes a screen's Footer whenever the screen's bindings may have changed: at each focus
    change, and each time a screen is pushed over it or taken off it. A recompose mounts every key again and lays
    the screen out, which repaints the whole terminal (~40 KB at 120×40): a Tab between panes, or the quick-entry
    line opening over My day, sent that for a key bar showing the same keys.

    While the focus is in a widget that covers the bar (:class:`CoversKeyBar`) the bar is left as it is: the keys
    that focus brings would be drawn under it, and once it closes and the focus is back, the bar already shows the
    keys it had (an opening and closing of the quick-entry line laid the bar out twice, ~2 KB at 120x40)."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)
        self._shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and covered(screen.focused):
            return  # drawn under what has the focus: the keys it brings are not seen
        keys = self.keys_of(screen)
        if keys == self._shown and screen is self.screen:
            return  # the same keys, drawn already
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:  # what Footer recomposes on
            self._shown = keys

    # WORKAROUND for Textual issue #6666 (open; still so in 8.2.8, tests/tui/test_footer_keys_released.py checks
    # it): Footer's compose binds each FooterKey's ``compact`` to the Footer's (data_bind), which keeps the key in
    # a list of watchers on the Footer; Textual prunes the closed ones only when ``compact`` is set again, which it
    # never is here. So every recompose kept the keys it removed, with their styles and caches: ~0.4 MB for each
    # opening and closing of the quick-entry line at the large size, for as long as the cockpit runs. After a
    # recompose, setting ``compact`` to its own value through the public ``mutate_reactive`` prunes them; the bar
    # is being redrawn by the recompose already, so it sends nothing more.
    async def recompose(self) -> None:
        await super().recompose()
        self.mutate_reactive(Footer.compact)

    def keys_of(self, screen: Screen) -> tuple[object, ...]:
        """What this bar draws of ``screen``'s bindings now, as Footer's compose reads them: each shown key (and
        the command palette's, when the bar shows it) with its action, label, group, whether it is enabled, its
        tooltip and how the app spells it."""
        palette = self.app.COMMAND_PALETTE_BINDING if self.show_command_palette else None
        return tuple(
            (key, b.action, b.description, b.group, enabled, tooltip, self.app.get_key_display(b))
            for key, (_node, b, enabled, tooltip) in screen.active_bindings.items()
            if b.show or key == palette
        )


def covered(focused: Widget | None) -> bool:
    """Whether ``focused`` is in a widget drawn over the key bar."""
    return focused is not None and any(isinstance(node, CoversKeyBar) for node in focused.ancestors_with_self)

"""The key bar at the foot of every screen: the screen's shown key bindings and the command palette's key.

It looks and acts like Textual's Footer (the same theme variables, a key runs when clicked, a disabled one rings the
bell, the palette key on the right) but is one widget drawing one line. The Footer mounts a widget for each key and
composes them again each time the bindings change: 12 of the dashboard's 30 widgets, ~9 ms of the first frame in
styling, layout and drawing, and three recompositions (each a repaint) as the focus and bindings settle after it.
This bar draws the keys in its first frame and repaints only when what it shows changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

#: The palette key's left edge (Textual's Footer draws it as a "vkey" border).
_EDGE = "▏"


@dataclass(frozen=True)
class Key:
    """One key shown: what to press, as shown, what it does, and whether it can run now."""

    key: str
    display: str
    description: str
    enabled: bool = True
    tooltip: str = ""

    @property
    def parts(self) -> tuple[str, str]:
        """The key and its description as drawn (Textual shows no binding without a description)."""
        return f" {self.display} ", f"{self.description} "

    @property
    def width(self) -> int:
        return sum(cell_len(part) for part in self.parts)


class KeyBar(Widget, can_focus=False):
    """The screen's key bindings on one line, and the command palette's key at its right end."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--hover", "keybar--edge"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--hover {
            background: $block-hover-background;
        }
        & > .keybar--edge {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._keys: tuple[Key, ...] | None = None  # None until first read from the screen's bindings
        self._palette: Key | None = None
        self._hover: int | None = None  # index into _keys, or -1 for the palette key
        self._line: Strip | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @property
    def keys(self) -> tuple[Key, ...]:
        """The keys shown, left to right (the palette key apart)."""
        if self._keys is None:
            self._read_keys()
        return self._keys or ()

    def _bindings_changed(self, screen: Screen) -> None:
        # As Textual's Footer: while the terminal is unfocused the focused widget's keys drop out; keep them shown.
        if screen.app.app_focus and self.is_attached and screen is self.screen and self._read_keys():
            self._redraw()

    def _read_keys(self) -> bool:
        """Read the screen's active bindings; whether what the bar shows changed."""
        shown: dict[str, Key] = {}  # the first binding of each action, as the Footer shows them
        palette: Key | None = None
        app = self.app
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = Key(binding.key, app.get_key_display(binding), binding.description, enabled, tooltip)
            elif binding.show and binding.action not in shown:
                display = app.get_key_display(binding)
                shown[binding.action] = Key(binding.key, display, binding.description, enabled, tooltip)
        keys = tuple(shown.values())
        changed = (keys, palette) != (self._keys, self._palette)
        self._keys, self._palette = keys, palette
        return changed

    def _redraw(self) -> None:
        self._line = None
        self.refresh()

    def notify_style_update(self) -> None:
        self._line = None  # theme or component styles changed
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        if y != 0:
            return Strip.blank(self.size.width, self.rich_style)
        if self._line is None or self._line.cell_length != self.size.width:
            self._line = self._draw(self.size.width)
        return self._line

    def _room(self, width: int) -> int:
        """Cells for the keys: all of them, less the palette key's when it is shown (it is not when it cannot fit)."""
        palette = self._palette
        if palette is None:
            return width
        room = width - (1 + cell_len(palette.display) + 1 + cell_len(palette.description) + 1)
        return room if room >= 0 else width

    def _draw(self, width: int) -> Strip:
        base = self.rich_style
        key_style = base + self.get_component_rich_style("keybar--key")
        description_style = base + self.get_component_rich_style("keybar--description")
        hover_style = base + self.get_component_rich_style("keybar--hover")
        segments: list[Segment] = []
        for index, key in enumerate(self.keys):
            over = hover_style if index == self._hover else None
            dim = Style(dim=True) if not key.enabled else None
            key_part, description_part = key.parts
            segments.append(Segment(key_part, _join(key_style, over, dim)))
            segments.append(Segment(description_part, _join(description_style, over, dim)))
        palette = self._palette
        room = self._room(width)
        line = Strip(segments).crop_extend(0, room, base)
        if palette is None or room == width:
            return line
        over = hover_style if self._hover == -1 else None
        dim = Style(dim=True) if not palette.enabled else None
        edge = base + self.get_component_rich_style("keybar--edge")
        tail = [
            Segment(_EDGE, edge),
            Segment(palette.display, _join(key_style, over, dim)),
            Segment(f" {palette.description}", _join(description_style, over, dim)),
            Segment(" ", _join(base, over, dim)),
        ]
        return Strip.join([line, Strip(tail)])

    def key_at(self, x: int) -> Key | None:
        """The key drawn at cell ``x``, if any."""
        return self._key_at_index(self._index_at(x))

    def _index_at(self, x: int) -> int | None:
        room = self._room(self.size.width)
        if room < self.size.width and x > room:
            return -1  # the palette key (its edge, at ``room``, is not part of it)
        start = 0
        for index, key in enumerate(self.keys):
            end = start + key.width
            if start <= x < min(end, room):
                return index
            start = end
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._index_at(event.x))

    def on_leave(self) -> None:
        self._set_hover(None)

    def _set_hover(self, index: int | None) -> None:
        if index == self._hover:
            return
        self._hover = index
        key = self._key_at_index(index)
        self.tooltip = (key.tooltip or key.description) if key is not None else None
        self._redraw()

    def _key_at_index(self, index: int | None) -> Key | None:
        if index is None:
            return None
        return self._palette if index == -1 else self.keys[index]

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()


def _join(style: Style, *more: Style | None) -> Style:
    for extra in more:
        if extra is not None:
            style += extra
    return style

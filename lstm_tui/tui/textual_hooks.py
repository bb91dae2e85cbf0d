"""Every use of Textual's private API, each behind a public-looking name (Textual >=8.2,<9).

The app's keystroke latency and its alt+digit keys rest on a few Textual internals. They live
here and nowhere else, and tests/tui/test_textual_hooks.py checks each against the installed
Textual, so an upgrade that changes one fails a test naming it instead of quietly making the app
slower or the keys dead. Each hook degrades to Textual's own behaviour where it can.
"""

from __future__ import annotations

from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

# keys -----------------------------------------------------------------------------------------
ALT_DIGIT_SEQUENCES = tuple(f"\x1b{digit}" for digit in "0123456789")
"""What a terminal without the kitty keyboard protocol sends for alt+0 … alt+9."""


def enable_alt_digits() -> None:
    """Make ESC+digit arrive as `alt+N` keys (idempotent; process-wide: call at the app's start).

    Terminals without the kitty keyboard protocol (tmux, SSH, xterm, iTerm with "Esc+") send
    alt+2 as ESC followed by "2". Textual's private key table maps exactly those ESC+digit pairs
    to the characters macOS types for Option+digit (¡ ™ £ ¢ ∞ § ¶ • ª º), a WezTerm-on-macOS
    convenience, so the picks could never be bound as alt+N, and binding the characters instead
    would take £ or ¡ from people who type them. Dropping those ten entries lets Textual's generic
    ESC-prefix rule report them as alt+digit; nothing else in the table is touched.
    """
    try:
        from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
    except ImportError:  # a Textual without that table parses ESC+digit as alt+digit already
        return
    for sequence in ALT_DIGIT_SEQUENCES:
        value = ANSI_SEQUENCES_KEYS.get(sequence)
        if isinstance(value, str) and len(value) == 1 and not value.isascii():
            del ANSI_SEQUENCES_KEYS[sequence]


# frames ---------------------------------------------------------------------------------------
def flush_repaints(*widgets: Widget) -> None:
    """Hand the widgets' pending repaints to their screen now rather than on their next idle.

    Textual sends a widget's repaint request to the screen from the widget's own idle handler
    (the private `Widget._check_refresh`), one task switch later. For a keystroke that meant the
    screen had often already painted a frame with only the text box changed, and the suggestions
    came a frame later: twice the work and up to two frame periods of delay. Flushing right after
    the prediction is shown puts the text box, the suggestions and the status line in one frame
    (benchmarks/tui_latency.py measures it). Without the hook the update takes the usual path.
    """
    for widget in widgets:
        flush = getattr(widget, "_check_refresh", None)
        if callable(flush):
            flush()


# the text box ---------------------------------------------------------------------------------
class TextAreaHooks(TextArea):
    """A TextArea whose private parts the text box builds on are reached through public names."""

    def _refresh_size(self) -> None:
        # TextArea's private hook after every edit, re-wrap and resize: see `track_text_extent`.
        self.track_text_extent()

    def track_text_extent(self) -> None:
        """Update `virtual_size` to the text's extent (TextArea's own way unless overridden).

        Called wherever TextArea recomputes its extent: after each edit, on loading a text, on
        re-wrapping (a resize) and when the soft-wrap setting changes.
        """
        TextArea._refresh_size(self)

    @property
    def text_theme(self) -> TextAreaTheme | None:
        """The TextAreaTheme that styles the text (None until TextArea has set one)."""
        return getattr(self, "_theme", None)

    @property
    def has_usable_cursor(self) -> bool:
        """False when the box is read-only with its cursor hidden (the cursor keys then scroll)."""
        return self._has_cursor

    def render_lines_keeping_theme(self, crop: Region) -> list[Strip]:
        """Render as TextArea does, minus its first step: copying the CSS into `text_theme`.

        TextArea's `render_lines` is that copy followed by ScrollView's; a subclass that keeps
        the theme current itself (after `notify_style_update` or a new theme) calls this.
        """
        return ScrollView.render_lines(self, crop)

    def refresh_scrollbars(self) -> None:
        """Show or hide the scrollbars for the current `virtual_size`."""
        self._refresh_scrollbars()

    def update_scrollbars(self, virtual_size: Size) -> None:
        """Resize the scrollbars to `virtual_size` and clamp the scroll offset, with no layout."""
        self._scroll_update(virtual_size)

    @property
    def wrapped_height(self) -> int:
        """Rows of the wrapped text: `wrapped_document.height`, in O(1) rather than O(lines).

        WrappedDocument's `height` sums every line's wrap offsets on each call, and the text box
        needs it for every row it paints (a 10 kB text: ~15 µs a call, twice a row). Its private
        row table (`_offset_to_line_info`) holds one entry per wrapped row, kept up to date by
        `wrap` and `wrap_range`; without it, Textual's own property.
        """
        rows = getattr(self.wrapped_document, "_offset_to_line_info", None)
        return self.wrapped_document.height if rows is None else len(rows)

    def wrapped_row(self, y: int) -> tuple[int, int] | None:
        """(document line, wrapped section of that line) shown on row `y` of the wrapped text.

        None below the text, or where Textual keeps no such table (the caller then renders the
        row Textual's way).
        """
        rows = getattr(self.wrapped_document, "_offset_to_line_info", None)
        if rows is None or not 0 <= y < len(rows):
            return None
        return rows[y]

    def wrapped_line_rows(self, line_index: int) -> range:
        """The rows of the wrapped text that show document line `line_index`.

        Read from WrappedDocument's private table (`_line_index_to_offsets`) in O(1); the public
        way (`location_to_offset` and `get_offsets`) splits the line into its wrapped sections
        first, and the text box asks several times a key.
        """
        wrapped = self.wrapped_document
        table = getattr(wrapped, "_line_index_to_offsets", None)
        if table is None:
            top = wrapped.location_to_offset((line_index, 0)).y
            return range(top, top + len(wrapped.get_offsets(line_index)) + 1)
        rows = table[line_index]
        return range(rows[0], rows[-1] + 1)

    def forget_rendered_lines(self) -> None:
        """Drop TextArea's cache of rendered rows, so the rows next repainted show styles that
        changed without an edit (inspect mode's colours as tokens get scored). TextArea clears
        it itself on every edit, re-wrap and style change; without the cache this is a no-op."""
        cache = getattr(self, "_line_cache", None)
        if cache is not None:
            cache.clear()

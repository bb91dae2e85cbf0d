"""The text box: a TextArea that shows the model's likely continuation as dimmed ghost text.

The ghost is drawn with TextArea's own `suggestion` rendering, but through `neutralise` (and ↵ for
a newline, so it stays on the cursor's row) so no control character reaches the terminal;
accepting it inserts the real text.
It is shown only when the cursor is at the end of a line, like a shell's autosuggestion.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, Selection, TextAreaTheme

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.tui.textual_hooks import TextAreaHooks

PICK_KEYS = tuple(f"alt+{n}" for n in range(1, 10))
PASTE_GAP = 0.01  # seconds: keys this close together come from one paste the terminal typed out, not from fingers
ROWS_KEPT = 1024
"""Rendered rows the box keeps across edits (many screens of them)."""


def ghost_display(text: str) -> str:
    """How ghost text is drawn, on one row: controls neutralised, a newline as ↵, a tab as ⇥."""
    return "↵".join(neutralise(line).replace("\t", "⇥") for line in text.split("\n"))


class GhostEditor(TextAreaHooks):
    """A multi-line editor with inline ghost text; Tab and alt+1…9 ask to accept suggestions."""

    BINDINGS = [
        Binding("tab", "pick(1)", "Accept", key_display="tab"),
        *(
            Binding(key, f"pick({n})", "Pick", key_display="alt+1…9", show=n == 2)
            for n, key in enumerate(PICK_KEYS, start=1)
        ),
        Binding("ctrl+f", "accept_ghost", "Ghost", key_display="^f/→"),
    ]

    ghost: reactive[str] = reactive("", repaint=False)
    """The continuation to offer (real text, set from above); drawn dimmed after the cursor."""

    # TextArea repaints every row of the box whenever the cursor moves or the suggestion
    # changes, so each keystroke re-rendered the whole box — most of a frame. These two are
    # redeclared without the automatic repaint; the watchers below and `edit` repaint only the
    # rows that changed (everything when rows shift or a selection is involved).
    selection: Reactive[Selection] = reactive(Selection(), init=False, always_update=True, repaint=False)
    suggestion: Reactive[str] = reactive("", repaint=False)

    class PickRequested(Message):
        """The user asked for suggestion number `rank` (1 = the top one)."""

        def __init__(self, rank: int) -> None:
            super().__init__()
            self.rank = rank
            """1-based rank of the suggestion to insert."""

    def __init__(self, text: str = "", **kwargs) -> None:
        kwargs.setdefault("soft_wrap", True)
        kwargs.setdefault("tab_behavior", "focus")
        super().__init__(text, **kwargs)
        self.set_reactive(TextArea.match_cursor_bracket, False)  # prose, not code (and no stale bracket highlight)
        self._blank_row: Strip | None = None
        self._styled_theme: object | None = None
        self._last_key_time = float("-inf")
        self._kept_rows: LRUCache[tuple, Strip] = LRUCache(ROWS_KEPT)
        self._kept_rows_context: tuple | None = None  # what every kept row was rendered under (None: keep none)
        self._scrollbars_sized_for: tuple | None = None  # (virtual size, container size) of the last scrollbar update

    def notify_style_update(self) -> None:
        self._blank_row = None
        self._styled_theme = None
        self._forget_kept_rows()
        super().notify_style_update()

    def _forget_kept_rows(self) -> None:
        self._kept_rows.clear()
        self._kept_rows_context = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """TextArea copies its CSS into its theme before every paint; do it once per style change.

        That copy looked up every component style again on every keystroke's frame. The styles
        it reads change only through `notify_style_update` (focus, app theme) or a new theme,
        which both make it run again here.
        """
        theme = self.text_theme
        if theme is None or not hasattr(theme, "apply_css"):
            self._forget_kept_rows()
            return super().render_lines(crop)
        if self._styled_theme is not theme:
            theme.apply_css(self)
            self.adjust_text_theme(theme)
            self._styled_theme = theme
        # everything a row's look depends on besides its own text and styles (see `render_line`);
        # the virtual width (the longest line) only without soft wrap: with it, it is always 0
        context = (theme, self.size, self.scrollable_content_region.width, self.virtual_size.width, self.scroll_offset.x,
                   self.soft_wrap, self.indent_width)
        if context != self._kept_rows_context:
            self._kept_rows.clear()
            self._kept_rows_context = context
            self._blank_row = None  # a new theme has a new background
        return self.render_lines_keeping_theme(crop)

    def adjust_text_theme(self, theme: TextAreaTheme) -> None:
        """A subclass's chance to change the styles just copied from CSS into `theme` (once per style change)."""

    def track_text_extent(self) -> None:
        """Track the text's extent without laying out the whole screen again.

        TextArea sets `virtual_size`, a layout reactive: every Enter (or a line that wraps) made
        Textual re-arrange every widget on the screen, most of a keystroke's time. The box's own
        size is fixed by its CSS, so only its scrollbars depend on the extent: lay out when one
        appears or disappears, otherwise just update them.
        """
        if self.soft_wrap:
            size = Size(0, self.overscrolled(self.wrapped_height))
        else:
            width, height = self.document.get_size(self.indent_width)
            size = Size(width + self.gutter_width + 1, height)
        shown = (self.show_horizontal_scrollbar, self.show_vertical_scrollbar)
        self.set_reactive(TextArea.virtual_size, size)
        self.refresh_scrollbars()
        if not self.is_mounted or (self.show_horizontal_scrollbar, self.show_vertical_scrollbar) != shown:
            self._scrollbars_sized_for = None
            self.refresh(layout=True)
        elif (size, self.container_size) != self._scrollbars_sized_for:
            # most keys leave the extent as it was: resizing the scrollbars would repaint them
            # (every row of the box's height) for nothing
            self.update_scrollbars(size)
            self._scrollbars_sized_for = (size, self.container_size)

    def overscrolled(self, rows: int) -> int:
        """The height to scroll over for a soft-wrapped text of `rows` rows: once it is taller
        than the box, half a box more, so the box can bring the cursor to its middle at the end
        of the text too (see `scroll_cursor_visible`)."""
        height = self.scrollable_content_region.height
        return rows + height // 2 if rows > height > 0 else rows

    def scroll_cursor_visible(self, center: bool = False, animate: bool = False) -> Offset:
        """Scroll the cursor into view; a cursor below the box comes to its middle (with soft wrap).

        Scrolling the box by a row repaints every row of it, the costliest frame there is
        (benchmarks/tui_latency.py: the slow keys were the Enters at the bottom of a full box).
        Brought to the middle, the cursor has half a box of blank rows to type into, each Enter
        repainting only its own rows, before the box scrolls again, as Emacs recenters.
        """
        if not center and self.soft_wrap and self.has_usable_cursor:
            row = self.wrapped_document.location_to_offset(self.cursor_location).y
            center = row >= self.scroll_offset.y + self.scrollable_content_region.height
        return super().scroll_cursor_visible(center=center, animate=animate)

    def render_line(self, y: int) -> Strip:
        """Rows below the end of the text are blank: hand out one cached strip for them. Rows
        of text are kept by what they show, across edits.

        Every edit repaints the whole box, and TextArea looks its style up again for each empty
        row below the text; with a short text that was most of a keystroke's frame. TextArea's
        own cache of rendered rows is emptied by every edit (and keyed by the selection in
        soft-wrap mode), so an Enter that scrolls a full box rendered every row again, each
        with its colour spans in inspect mode; kept by content, only the new rows are rendered.
        """
        document = self.document
        empty = document.line_count == 1 and not document[0]
        if empty and self.placeholder:
            return super().render_line(y)
        row = y + self.scroll_offset.y
        if row < self.wrapped_height:
            key = self._row_key(row)
            if key is None:
                return super().render_line(y)
            strip = self._kept_rows.get(key)
            if strip is None:
                strip = self._kept_rows[key] = super().render_line(y)
            return strip
        width = self.size.width
        if self._blank_row is None or self._blank_row.cell_length != width:
            theme = self.text_theme  # as TextArea's own blank rows use
            style = theme.base_style if theme and theme.base_style is not None else self.rich_style
            self._blank_row = Strip.blank(width, style)
        return self._blank_row

    def _row_key(self, row: int) -> tuple | None:
        """What decides the look of wrapped row `row` (None: a row that must be rendered afresh).

        Within one `_kept_rows_context`, a row that is not the cursor's and meets no selection,
        bracket match, syntax highlight or line number shows only its line's text, where that
        line wraps, which section of it the row holds, and `row_style_key`.
        """
        if self._kept_rows_context is None or self.show_line_numbers or self.language is not None:
            return None
        place = self.wrapped_row(row)
        if place is None:
            return None
        line_index, section = place
        selection = self.selection
        if line_index == selection.end[0]:  # the cursor, its row's highlight, the ghost text
            return None
        if not selection.is_empty and min(selection)[0] <= line_index <= max(selection)[0]:
            return None
        bracket = self.matching_bracket_location
        if bracket is not None and bracket[0] == line_index:
            return None
        # the wrap offsets too: a resize can paint rows before TextArea re-wraps to the new width
        wraps = tuple(self.wrapped_document.get_offsets(line_index))
        return self.document[line_index], wraps, section, self.row_style_key(line_index)

    def row_style_key(self, line_index: int) -> Hashable:
        """What, besides its text, decides the styles of a document line (a subclass's own
        colours; kept rows are looked up by it). None: TextArea's styles alone."""
        return None

    def on_key(self, event: events.Key) -> None:
        """alt+N carries the digit as its character: pick, and never insert the digit.

        Runs before TextArea's own key handler, which inserts printable characters;
        `prevent_default` keeps that one from running.

        A terminal without bracketed paste types a paste out as keys, a tab as the Tab key: one
        that follows the previous key within `PASTE_GAP` is part of the text, not "accept".
        """
        pasted = event.time - self._last_key_time < PASTE_GAP
        self._last_key_time = event.time
        if event.key == "tab" and pasted:
            event.stop()
            event.prevent_default()
            self.insert("\t")
            return
        if event.key in PICK_KEYS:
            event.stop()
            event.prevent_default()
            self.action_pick(PICK_KEYS.index(event.key) + 1)

    def action_pick(self, rank: int) -> None:
        """Ask the screen to insert suggestion `rank`."""
        self.post_message(self.PickRequested(rank))

    def at_line_end(self) -> bool:
        """True when nothing is selected and the cursor ends its line."""
        if not self.selection.is_empty:
            return False
        row, column = self.cursor_location
        return column == len(self.document.get_line(row))

    # repainting only what changed ---------------------------------------------------------
    def _repaint_line(self, line_index: int) -> None:
        """Mark the visual rows of one document line for repainting."""
        if not 0 <= line_index < self.document.line_count:
            return
        rows = self.wrapped_line_rows(line_index)
        self.refresh_lines(rows.start, len(rows))

    def watch_selection(self, previous: Selection, selection: Selection) -> None:
        if previous.is_empty and selection.is_empty:
            self._repaint_line(previous.end[0])  # the cursor and the cursor-line highlight move
            if selection.end[0] != previous.end[0]:
                self._repaint_line(selection.end[0])
        else:
            self.refresh()

    def watch_suggestion(self) -> None:
        self._repaint_line(self.cursor_location[0])

    def load_text(self, text: str) -> None:
        super().load_text(text)
        self.refresh()

    def undo(self) -> None:
        super().undo()
        self.refresh()

    def redo(self) -> None:
        super().redo()
        self.refresh()

    def _ghost_visible(self) -> bool:
        return bool(self.ghost) and self.at_line_end()

    def watch_ghost(self) -> None:
        self.update_suggestion()

    def update_suggestion(self) -> None:
        """TextArea's hook after each edit and cursor move: draw the ghost only at a line end."""
        self.suggestion = ghost_display(self.ghost) if self._ghost_visible() else ""

    def action_accept_ghost(self) -> None:
        """Insert the ghost text at the cursor."""
        if self._ghost_visible():
            ghost = self.ghost
            self.ghost = ""
            self.insert(ghost)

    def edit(self, edit: Edit) -> EditResult:
        """Keep the part of the ghost that typing matched; drop it on any other edit.

        Repaints the edited line; when lines were added, removed or re-wrapped into a different
        number of rows, every row from the edit down to the end of the longer of the old and new
        text (the rows above do not move, the rows below the text stay blank).

        TextArea scrolls the cursor into view when the edit moves it, before the text's new
        extent is known: an Enter on the box's last row left the cursor below the box until the
        next key. When the number of rows changed, it is scrolled into view again here.
        """
        if edit.text and self.ghost.startswith(edit.text):
            self.ghost = self.ghost[len(edit.text) :]
        else:
            self.ghost = ""
        rows_before = self.wrapped_height
        top_row, bottom_row = edit.top[0], edit.bottom[0]
        result = super().edit(edit)
        rows_after = self.wrapped_height
        if top_row != bottom_row or "\n" in edit.text or rows_after != rows_before:
            first = self.wrapped_line_rows(min(top_row, self.document.line_count - 1)).start
            self.refresh_lines(first, max(rows_before, rows_after) - first + 1)
            if rows_after != rows_before:
                self.scroll_cursor_visible()
        else:
            self._repaint_line(top_row)
        return result

    def action_cursor_right(self, select: bool = False) -> None:
        """At a line end with a ghost shown, accept it; otherwise move right as usual."""
        if not self.has_usable_cursor:
            self.scroll_right()
            return
        if not select and self._ghost_visible():
            self.action_accept_ghost()
            return
        self.suggestion = ""
        target = self.get_cursor_right_location() if select or self.selection.is_empty else max(*self.selection)
        self.move_cursor(target, select=select)

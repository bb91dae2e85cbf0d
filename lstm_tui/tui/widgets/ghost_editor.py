"""The text box: a TextArea that shows the model's likely continuation as dimmed ghost text.

The ghost is drawn with TextArea's own `suggestion` rendering, but through `neutralise` (and ↵ for
a newline, so it stays on the cursor's row) so no control character reaches the terminal;
accepting it inserts the real text.
It is shown only when the cursor is at the end of a line, like a shell's autosuggestion.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, Selection, TextAreaTheme

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.tui.textual_hooks import TextAreaHooks

PICK_KEYS = tuple(f"alt+{n}" for n in range(1, 10))
PASTE_GAP = 0.01  # seconds: keys this close together come from one paste the terminal typed out, not from fingers


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

    def notify_style_update(self) -> None:
        self._blank_row = None
        self._styled_theme = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        """TextArea copies its CSS into its theme before every paint; do it once per style change.

        That copy looked up every component style again on every keystroke's frame. The styles
        it reads change only through `notify_style_update` (focus, app theme) or a new theme,
        which both make it run again here.
        """
        theme = self.text_theme
        if theme is None or not hasattr(theme, "apply_css"):
            return super().render_lines(crop)
        if self._styled_theme is not theme:
            theme.apply_css(self)
            self.adjust_text_theme(theme)
            self._styled_theme = theme
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
            size = Size(0, self.wrapped_document.height)
        else:
            width, height = self.document.get_size(self.indent_width)
            size = Size(width + self.gutter_width + 1, height)
        shown = (self.show_horizontal_scrollbar, self.show_vertical_scrollbar)
        self.set_reactive(TextArea.virtual_size, size)
        self.refresh_scrollbars()
        if not self.is_mounted or (self.show_horizontal_scrollbar, self.show_vertical_scrollbar) != shown:
            self.refresh(layout=True)
        else:
            self.update_scrollbars(size)

    def render_line(self, y: int) -> Strip:
        """Rows below the end of the text are blank: hand out one cached strip for them.

        Every edit repaints the whole box, and TextArea looks its style up again for each empty
        row below the text; with a short text that was most of a keystroke's frame.
        """
        document = self.document
        empty = document.line_count == 1 and not document[0]
        if (empty and self.placeholder) or y + self.scroll_offset.y < self.wrapped_document.height:
            return super().render_line(y)
        width = self.size.width
        if self._blank_row is None or self._blank_row.cell_length != width:
            theme = self.text_theme  # as TextArea's own blank rows use
            style = theme.base_style if theme and theme.base_style is not None else self.rich_style
            self._blank_row = Strip.blank(width, style)
        return self._blank_row

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
        wrapped = self.wrapped_document
        top = wrapped.location_to_offset((line_index, 0)).y
        self.refresh_lines(top, max(1, len(wrapped.get_offsets(line_index)) + 1))

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
        """
        if edit.text and self.ghost.startswith(edit.text):
            self.ghost = self.ghost[len(edit.text) :]
        else:
            self.ghost = ""
        rows_before = self.wrapped_document.height
        top_row, bottom_row = edit.top[0], edit.bottom[0]
        result = super().edit(edit)
        rows_after = self.wrapped_document.height
        if top_row != bottom_row or "\n" in edit.text or rows_after != rows_before:
            first = self.wrapped_document.location_to_offset((min(top_row, self.document.line_count - 1), 0)).y
            self.refresh_lines(first, max(rows_before, rows_after) - first + 1)
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

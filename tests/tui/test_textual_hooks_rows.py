"""The text box's rendering shortcuts built on lstm_tui.tui.textual_hooks: rows kept by what they
show across edits, scrollbars resized only when the text's extent changes, and a cursor that
leaves the box at the bottom brought to its middle. Rows are checked against what TextArea
renders afresh, after the edits that move, re-wrap or restyle them.
"""

from __future__ import annotations

from rich.style import Style

from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from tests.tui.test_textual_hooks import SIZE, WRAPPING_TEXT, EditorApp, type_text

LINES = "".join(f"line {n}: some words to fill the row\n" for n in range(14)) + "the end"


def segments(strip) -> list[tuple[str, Style | None]]:
    return [(segment.text, segment.style) for segment in strip]


def rows(editor: GhostEditor) -> list[list[tuple[str, Style | None]]]:
    """Every row of the box as (text, style) segments: what the next frame would show."""
    return [segments(editor.render_line(y)) for y in range(editor.content_region.height)]


def fresh_rows(editor: GhostEditor) -> list[list[tuple[str, Style | None]]]:
    """The rows as TextArea itself renders them now: its own cache of rows emptied first, and the
    box's kept rows left alone (so the next edit still meets them)."""
    editor.forget_rendered_lines()
    return [segments(TextArea.render_line(editor, y)) for y in range(editor.content_region.height)]


def visible_text(editor: GhostEditor) -> list[str]:
    """The text each row of the box should show, from the document and its wrapping."""
    wrapped = editor.wrapped_document
    top = editor.scroll_offset.y
    shown = []
    for y in range(top, min(top + editor.content_region.height, wrapped.height)):
        line = wrapped.offset_to_location((0, y))[0]
        shown.append(wrapped.get_sections(line)[y - wrapped.location_to_offset((line, 0)).y])
    return shown


def cursor_row_in_box(editor: GhostEditor) -> int:
    """The box row the cursor is on (negative above the box, the box's height or more below it)."""
    return editor.wrapped_document.location_to_offset(editor.cursor_location).y - editor.scroll_offset.y


async def enter_until_the_box_scrolls(pilot, editor: GhostEditor):
    """Type numbered lines at the cursor until the box scrolls; the row above the cursor rendered
    before that last Enter, and the box row that shows the same line after it."""
    for number in range(3 * editor.content_region.height):
        top, above = editor.scroll_offset.y, cursor_row_in_box(editor) - 1
        kept = editor.render_line(above)
        await type_text(pilot, f"{number}\n")
        if editor.scroll_offset.y != top:
            return kept, above - (editor.scroll_offset.y - top)
    raise AssertionError("the box never scrolled")


async def test_kept_rows_show_what_a_fresh_render_shows_after_edits_that_move_and_rewrap_rows() -> None:
    editor = GhostEditor(LINES, id="editor")
    async with EditorApp(editor).run_test(size=SIZE) as pilot:
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.pause()
        assert editor.show_vertical_scrollbar  # the text is taller than the box: it scrolls
        width = editor.content_region.width
        kept, moved = await enter_until_the_box_scrolls(pilot, editor)
        assert editor.render_line(moved) is kept  # rendered once, shown again higher up
        assert rows(editor) == fresh_rows(editor)
        edits = (
            lambda: editor.insert(" and many more words" * 8, (editor.document.line_count - 3, 10)),  # a line above wraps: rows below move
            lambda: editor.move_cursor((editor.document.line_count - 6, 4)),  # the cursor's row changes
            lambda: editor.delete((editor.document.line_count - 5, 0), (editor.document.line_count - 3, 0)),
            lambda: setattr(editor, "selection", Selection((editor.document.line_count - 6, 0), (editor.document.line_count - 3, 2))),  # over kept rows
            lambda: editor.move_cursor(editor.document.end),
        )
        for edit in edits:
            edit()
            await pilot.pause()
            shown = rows(editor)
            assert ["".join(text for text, _ in row).rstrip() for row in shown[:len(visible_text(editor))]] == [
                text.rstrip() for text in visible_text(editor)]
            assert shown == fresh_rows(editor)
        await pilot.resize_terminal(50, 20)  # a narrower box: every line wraps again
        await pilot.pause()
        assert editor.content_region.width < width
        shown = rows(editor)
        texts = ["".join(text for text, _ in row).rstrip() for row in shown]
        expected = [text.rstrip() for text in visible_text(editor)]
        assert texts == expected + [""] * (len(texts) - len(expected))  # blank below the end of the text
        assert shown == fresh_rows(editor)
        editor.blur()  # the box's styles change with no edit
        await pilot.pause()
        assert rows(editor) == fresh_rows(editor)
        pilot.app.theme = "textual-light"  # the app's theme: the box's CSS colours change
        await pilot.pause()
        assert rows(editor) == fresh_rows(editor)
        editor.theme = "monokai"  # a theme of the box's own
        await pilot.pause()
        assert rows(editor) == fresh_rows(editor)
        editor.soft_wrap = False  # rows as wide as the longest line, scrolled sideways
        await pilot.pause()
        assert rows(editor) == fresh_rows(editor)
        widest = editor.virtual_size.width
        editor.move_cursor((editor.document.line_count - 1, 0))
        await pilot.pause()
        above = editor.document.line_count - 2
        editor.insert(" and now the longest line of all" * 10, (above, len(editor.document[above])))  # every row gets wider
        await pilot.pause()
        assert editor.virtual_size.width > widest and editor.scroll_offset.x == 0
        assert rows(editor) == fresh_rows(editor)
        editor.scroll_to(x=12, animate=False)  # scrolled sideways: every row shows other columns
        await pilot.pause()
        assert editor.scroll_offset.x == 12 and rows(editor) == fresh_rows(editor)


async def test_rows_with_line_numbers_or_highlighting_are_not_kept() -> None:
    """A row's line number (or a syntax highlight) is not part of its text: such rows are always
    rendered afresh."""
    editor = GhostEditor(LINES, id="editor", show_line_numbers=True)
    async with EditorApp(editor).run_test(size=SIZE) as pilot:
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.pause()
        await type_text(pilot, "\n")
        assert rows(editor) == fresh_rows(editor)
        editor.insert("a new first line\n", (0, 0))  # every line's number changes, not its text
        await pilot.pause()
        assert rows(editor) == fresh_rows(editor)
        numbers = ["".join(text for text, _ in row).split()[0] for row in rows(editor)[: editor.document.line_count - editor.scroll_offset.y]]
        first = editor.scroll_offset.y + 1
        assert numbers == [str(n) for n in range(first, first + len(numbers))]


async def test_scrollbars_repaint_only_when_the_extent_changes() -> None:
    """A key that leaves the text's extent as it was does not resize (and repaint) the scrollbar;
    an Enter, a deleted line or a resize does, and the scrollbar then matches the text."""
    editor = GhostEditor(WRAPPING_TEXT + "\n" + LINES, id="editor")
    async with EditorApp(editor).run_test(size=SIZE) as pilot:
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.pause()
        scrollbar = editor.vertical_scrollbar
        repaints = []
        original = scrollbar.refresh
        scrollbar.refresh = lambda *args, **kwargs: repaints.append(1) or original(*args, **kwargs)

        def matches() -> bool:
            return (scrollbar.window_virtual_size == editor.virtual_size.height == editor.overscrolled(editor.wrapped_document.height)
                    and scrollbar.window_size == editor.container_size.height - editor.scrollbar_size_horizontal)

        await type_text(pilot, "abc")
        assert repaints == [] and matches()
        for change in (lambda: type_text(pilot, "\n"), lambda: pilot.press("backspace"), lambda: pilot.press("backspace"),
                       lambda: pilot.resize_terminal(60, 20)):
            repaints.clear()
            await change()
            await pilot.pause()
            assert matches()
        assert repaints  # the resize
        repaints.clear()
        await type_text(pilot, "\n")
        assert repaints and matches()


async def test_typing_off_the_bottom_brings_the_cursor_to_the_middle_of_the_box() -> None:
    """An Enter (or a line that wraps) on the box's last row scrolls the cursor to the middle of
    the box, at once (TextArea scrolls before an edit's new extent is known, which left the
    cursor below the box until the next key), and the next Enters fill the blank half below
    without scrolling: half a box of keys that repaint a few rows, not the whole box."""
    editor = GhostEditor(LINES, id="editor")
    async with EditorApp(editor).run_test(size=SIZE) as pilot:
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.pause()
        height = editor.scrollable_content_region.height
        for wrapping in (False, True):
            while cursor_row_in_box(editor) < height - 1:  # to the box's last row, the box still
                top = editor.scroll_offset.y
                await type_text(pilot, "\n")
                assert editor.scroll_offset.y == top
            top = editor.scroll_offset.y
            await type_text(pilot, "word " * 17 if wrapping else "\n")  # a line that wraps onto the next row, or a new one
            assert editor.scroll_offset.y > top and abs(cursor_row_in_box(editor) - height // 2) <= 1
        for change in (editor.undo, editor.redo, lambda: editor.move_cursor((0, 0)), lambda: editor.move_cursor(editor.document.end)):
            change()
            await pilot.pause()
            assert 0 <= cursor_row_in_box(editor) < height

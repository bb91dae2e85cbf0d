"""Guards for lstm_tui.tui.textual_hooks: each private Textual part the app relies on still exists
and still behaves as the hook assumes. When a Textual upgrade fails one of these, re-read that part
of Textual and adapt the hook (or drop it): the app would otherwise get quietly slower, or the
alt+digit keys would stop working.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.message_pump import MessagePump
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Static, TextArea
from textual.widgets.text_area import TextAreaTheme

import lstm_tui.tui
from lstm_tui.tui.textual_hooks import ALT_DIGIT_SEQUENCES, TextAreaHooks, enable_alt_digits, flush_repaints
from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from tests.tui.conftest import type_text

SIZE = (80, 24)
TUI_ROOT = Path(lstm_tui.tui.__file__).parent
HOOKS_MODULE = TUI_ROOT / "textual_hooks.py"


class EditorApp(App):
    """One text box of fixed size, nothing else on the screen."""

    CSS = "#editor { height: 10; width: 1fr; border: round $primary; }"

    def __init__(self, editor: TextArea) -> None:
        super().__init__()
        self.editor = editor

    def compose(self) -> ComposeResult:
        yield self.editor


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def code_lines(function) -> list[str]:
    """The function's source without its docstring, comments or blank lines (to compare bodies)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return [ast.unparse(statement) for statement in body]


# keys: textual._ansi_sequences ----------------------------------------------------------------
def test_the_key_table_still_maps_escape_digit_to_macos_characters() -> None:
    """`enable_alt_digits` removes exactly these ten entries; a fresh process still has them."""
    script = textwrap.dedent(
        """
        from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
        from lstm_tui.tui.textual_hooks import ALT_DIGIT_SEQUENCES, enable_alt_digits
        before = dict(ANSI_SEQUENCES_KEYS)
        enable_alt_digits()
        removed = sorted(set(before) - set(ANSI_SEQUENCES_KEYS))
        assert all(isinstance(before.get(s), str) and len(before[s]) == 1 and not before[s].isascii() for s in ALT_DIGIT_SEQUENCES), [before.get(s) for s in ALT_DIGIT_SEQUENCES]
        assert removed == sorted(ALT_DIGIT_SEQUENCES), removed
        assert all(ANSI_SEQUENCES_KEYS[key] == value for key, value in before.items() if key not in removed)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_escape_digit_is_parsed_as_alt_digit() -> None:
    from textual._xterm_parser import XTermParser

    enable_alt_digits()
    parser = XTermParser()
    keys = [event.key for event in parser.feed("\x1b2") if hasattr(event, "key")]
    keys += [event.key for event in parser.feed("") if hasattr(event, "key")]
    assert "alt+2" in keys
    assert len(ALT_DIGIT_SEQUENCES) == 10


# frames: Widget._check_refresh ----------------------------------------------------------------
def test_widgets_still_hand_repaints_to_the_screen_from_check_refresh() -> None:
    assert callable(Widget._check_refresh) and parameters(Widget._check_refresh) == ["self"]
    assert "self._check_refresh()" in code_lines(Widget._on_idle)


async def test_flush_repaints_posts_the_update_at_once() -> None:
    from textual import messages

    app = EditorApp(Static("hello", id="editor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        static = app.editor
        posted = []
        screen = app.screen
        original = screen.post_message
        screen.post_message = lambda message: posted.append(message) or original(message)
        static.refresh()
        flush_repaints(static)
        screen.post_message = original
        assert any(isinstance(message, messages.Update) and message.widget is static for message in posted)


# the text box: TextArea._refresh_size ---------------------------------------------------------
def test_text_area_still_updates_its_extent_through_refresh_size() -> None:
    assert parameters(TextArea._refresh_size) == ["self"]
    # GhostEditor.track_text_extent redoes what TextArea's does (more cheaply): same steps
    assert code_lines(TextArea._refresh_size) == [
        "if self.soft_wrap:\n    self.virtual_size = Size(0, self.wrapped_document.height)\n"
        "else:\n    width, height = self.document.get_size(self.indent_width)\n"
        "    self.virtual_size = Size(width + self.gutter_width + 1, height)",
        "self._refresh_scrollbars()",
    ]


async def test_text_area_calls_refresh_size_on_edits_loads_and_resizes() -> None:
    calls: list[str] = []

    class Counting(TextAreaHooks):
        def track_text_extent(self) -> None:
            calls.append("extent")
            super().track_text_extent()

    app = EditorApp(Counting("", id="editor", soft_wrap=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for change in (lambda: app.editor.insert("hello\nworld"), lambda: app.editor.load_text("a\nb\nc")):
            calls.clear()
            change()
            await pilot.pause()
            assert calls
        assert app.editor.virtual_size.height == 3
        calls.clear()
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert calls  # the re-wrap on resize


async def test_ghost_editor_tracks_the_same_extent_as_text_area() -> None:
    """The same extent as TextArea's own `_refresh_size`, plus half a box once a soft-wrapped
    text is taller than the box (GhostEditor.overscrolled); the same scrollbars."""
    text = "ROMEO:\n" + "a long line that wraps around the box " * 4 + "\n\nJULIET:\nNay"
    for soft_wrap in (True, False):
        for more in ("", "more\n" * 12):
            sizes, box = [], 0
            for editor in (TextArea(text, id="editor", soft_wrap=soft_wrap), GhostEditor(text, id="editor", soft_wrap=soft_wrap)):
                async with EditorApp(editor).run_test(size=SIZE) as pilot:
                    await pilot.pause()
                    editor.insert(more)
                    await pilot.pause()
                    sizes.append((editor.virtual_size, editor.show_vertical_scrollbar, editor.show_horizontal_scrollbar))
                    box = editor.scrollable_content_region.height
            (plain, *scrollbars), (ghost, *ghost_scrollbars) = sizes
            extra = box // 2 if soft_wrap and plain.height > box else 0
            assert bool(extra) == bool(more and soft_wrap)
            assert ghost == Size(plain.width, plain.height + extra) and ghost_scrollbars == scrollbars, (soft_wrap, sizes)


async def test_typing_new_lines_lays_out_the_screen_only_when_a_scrollbar_comes() -> None:
    """A key repaints a few rows; the text box must not ask for a screen layout (a full
    re-arrangement of the screen, most of a keystroke's time) unless its scrollbar appears or goes.

    Guards the TextArea hook GhostEditor overrides (`_refresh_size`, as `track_text_extent`): if
    a Textual upgrade bypasses it, every Enter asks for a layout again and this fails before the
    latency benchmark would.
    """
    app = EditorApp(GhostEditor(id="editor"))
    async with app.run_test(size=SIZE) as pilot:
        editor = app.editor
        editor.focus()
        await pilot.pause()
        requests = []
        original = editor.refresh

        def recording(*regions, layout=False, **kwargs):
            if layout:
                requests.append(editor.show_vertical_scrollbar)
            return original(*regions, layout=layout, **kwargs)

        editor.refresh = recording
        await type_text(pilot, "ROMEO:\nI will\n\nJULIET:\nNay\n")
        assert requests == []
        await type_text(pilot, "x\n" * editor.content_region.height)  # the text outgrows the box…
        assert editor.show_vertical_scrollbar and 1 <= len(requests) <= 3 and all(requests)  # …the scrollbar comes


# the text box: Widget._refresh_scrollbars, Widget._scroll_update ------------------------------
async def test_scrollbar_hooks_show_and_size_the_scrollbars() -> None:
    """`_refresh_scrollbars` shows a scrollbar for a taller virtual size; `_scroll_update` sizes it."""
    assert parameters(Widget._refresh_scrollbars) == ["self"]
    assert parameters(Widget._scroll_update) == ["self", "virtual_size"]
    app = EditorApp(ScrollView(id="editor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.editor
        assert not view.show_vertical_scrollbar
        size = Size(0, 100)
        view.set_reactive(ScrollView.virtual_size, size)
        view._refresh_scrollbars()
        assert view.show_vertical_scrollbar
        view._scroll_update(size)
        assert view.vertical_scrollbar.window_virtual_size == 100


def test_text_area_hooks_call_the_scrollbar_hooks() -> None:
    calls = []

    class Recording:
        def _refresh_scrollbars(self) -> None:
            calls.append("refresh")

        def _scroll_update(self, virtual_size: Size) -> None:
            calls.append(virtual_size)

    TextAreaHooks.refresh_scrollbars(Recording())  # type: ignore[arg-type]
    TextAreaHooks.update_scrollbars(Recording(), Size(0, 7))  # type: ignore[arg-type]
    assert calls == ["refresh", Size(0, 7)]


# the text box: WrappedDocument._offset_to_line_info, WrappedDocument._line_index_to_offsets ----
WRAPPING_TEXT = "ROMEO:\n" + "a long line that wraps around the box " * 4 + "\n\n\tJULIET:\nNay"


class PublicOnly:
    """A WrappedDocument with its `_` names hidden: what the hooks fall back on."""

    def __init__(self, wrapped) -> None:
        self.inner = wrapped

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def wrapped_answers(editor: TextAreaHooks) -> tuple[int, list, list]:
    """The hooks' height, row of each wrapped row and rows of each line."""
    height = editor.wrapped_height
    return height, [editor.wrapped_row(y) for y in range(-1, height + 1)], [editor.wrapped_line_rows(line) for line in range(editor.document.line_count)]


def public_answers(editor: TextAreaHooks) -> tuple[int, list, list]:
    """The same from WrappedDocument's public methods."""
    wrapped = editor.wrapped_document
    rows, lines = [None], []
    for line in range(editor.document.line_count):
        top, count = wrapped.location_to_offset((line, 0)).y, len(wrapped.get_offsets(line)) + 1
        lines.append(range(top, top + count))
        rows += [(line, section) for section in range(count)]
    return wrapped.height, rows + [None], lines


async def test_wrapped_row_hooks_agree_with_the_wrapped_documents_public_answers() -> None:
    """`wrapped_height`, `wrapped_row` and `wrapped_line_rows` read WrappedDocument's row tables;
    they must say what its public methods say after edits that change the wrapping, a re-wrap on
    resize, and without soft wrap. Without the tables they fall back on the public methods."""
    editor = TextAreaHooks(WRAPPING_TEXT, id="editor", soft_wrap=True)
    async with EditorApp(editor).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(editor.wrapped_document._offset_to_line_info, list)
        assert isinstance(editor.wrapped_document._line_index_to_offsets, list)
        changes = (
            lambda: None,
            lambda: editor.insert("word " * 30, (1, 3)),  # one line wraps into more rows, the rows below move
            lambda: editor.insert("\n\n", (0, 2)),
            lambda: editor.delete((1, 0), (3, 0)),
            lambda: editor.load_text(WRAPPING_TEXT * 3),
        )
        for change in changes:
            change()
            await pilot.pause()
            assert wrapped_answers(editor) == public_answers(editor)
        assert public_answers(editor)[0] > editor.document.line_count  # it does wrap
        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        assert wrapped_answers(editor) == public_answers(editor)
        real = editor.wrapped_document
        editor.wrapped_document = PublicOnly(real)
        try:
            hidden = wrapped_answers(editor)
        finally:
            editor.wrapped_document = real
        height, rows, lines = public_answers(editor)
        assert hidden == (height, [None] * len(rows), lines)  # no row table: no rows (the box renders them Textual's way)
        editor.soft_wrap = False
        await pilot.pause()
        assert wrapped_answers(editor) == public_answers(editor)


def test_text_area_asks_the_wrapped_height_only_where_the_text_box_overrides() -> None:
    """TextArea reads `wrapped_document.height` (O(lines)) in `_refresh_size`, which the text box
    replaces with `track_text_extent`, and in `_render_line`, which it calls only for rows it has
    not kept: a new call site would make every keystroke slower again."""
    source = inspect.getsource(TextArea)
    assert source.count("wrapped_document.height") == 2
    assert "wrapped_document.height" in inspect.getsource(TextArea._refresh_size)
    assert "wrapped_document.height" in inspect.getsource(TextArea._render_line)


# the text box: TextArea._theme, TextArea.render_lines -----------------------------------------
async def test_text_area_theme_is_an_object_replaced_on_each_change() -> None:
    """GhostEditor copies the CSS into the theme once per theme object: a new theme must be a new object."""
    app = EditorApp(TextAreaHooks("text", id="editor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        editor = app.editor
        first = editor.text_theme
        assert isinstance(first, TextAreaTheme) and callable(first.apply_css) and hasattr(first, "base_style")
        editor.theme = "monokai"
        await pilot.pause()
        assert editor.text_theme is not first and editor.text_theme.name == "monokai"
    assert "notify_style_update" in TextArea.__dict__


def test_text_area_render_lines_is_the_theme_copy_then_scroll_view() -> None:
    """`render_lines_keeping_theme` skips TextArea.render_lines: that must hold nothing else."""
    assert code_lines(TextArea.render_lines) == [
        "theme = self._theme",
        "if theme:\n    theme.apply_css(self)",
        "return super().render_lines(crop)",
    ]
    assert TextArea.__mro__[1] is ScrollView


# the text box: TextArea._has_cursor ------------------------------------------------------------
def test_has_cursor_is_false_only_when_read_only_and_hidden() -> None:
    assert isinstance(inspect.getattr_static(TextArea, "_has_cursor"), property)
    for read_only, show_cursor in ((False, True), (False, False), (True, True), (True, False)):
        editor = TextAreaHooks("", read_only=read_only, show_cursor=show_cursor)
        assert editor.has_usable_cursor is not (read_only and not show_cursor)


# the text box's keys: a subclass's on_key runs before TextArea inserts -------------------------
async def test_alt_digit_picks_and_inserts_nothing() -> None:
    picks: list[int] = []

    class PickingApp(EditorApp):
        def on_ghost_editor_pick_requested(self, message: GhostEditor.PickRequested) -> None:
            picks.append(message.rank)

    app = PickingApp(GhostEditor(id="editor"))
    async with app.run_test(size=SIZE) as pilot:
        app.editor.focus()
        await pilot.pause()
        app.editor.post_message(events.Key("alt+2", "2"))
        await pilot.pause()
        app.editor.post_message(events.Key("a", "a"))
        await pilot.pause()
        assert picks == [2] and app.editor.text == "a"


# nothing else reaches into Textual's private parts ----------------------------------------------
def textual_private_names(base: type) -> set[str]:
    """`_`-prefixed names Textual's classes in `base`'s MRO define, and a bare instance's attributes."""
    names = {name for cls in base.__mro__ if cls.__module__.startswith("textual") for name in vars(cls)}
    for cls in base.__mro__:
        if cls.__module__.startswith("textual"):
            try:
                names |= set(vars(cls()))
            except Exception:  # needs arguments: its class attributes and its bases' still count
                continue
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def private_names_used(node: ast.AST, on_self: bool) -> set[str]:
    """`_` names a class defines or reads on `self` (on_self), or reads on anything else (not on_self).

    Strings count as read on self (`getattr(self, "_name")`).
    """
    names = set()
    for child in ast.walk(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and on_self:
            names.add(child.name)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and on_self:
            names.add(child.value)
        elif isinstance(child, ast.Attribute):
            is_self = isinstance(child.value, ast.Name) and child.value.id == "self"
            if is_self == on_self:
                names.add(child.attr)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def test_only_textual_hooks_uses_private_textual_names() -> None:
    """No widget, screen or app overrides, reads or clobbers a `_` name of its Textual base.

    The deliberate uses live in textual_hooks.py; elsewhere a clash is an accident waiting for an
    upgrade (a Textual release that adds `Widget._dirty` would silently share one of ours).
    """
    import importlib

    from textual.screen import Screen

    anywhere = set().union(*(textual_private_names(cls) for cls in (App, Screen, TextArea)))
    clashes = []
    for path in sorted(TUI_ROOT.rglob("*.py")):
        if path == HOOKS_MODULE:
            continue
        source = path.read_text(encoding="utf-8")
        assert "textual._" not in source, f"{path.name} imports a private Textual module"
        tree = ast.parse(source)
        strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        clashes += [f"{path.name}: {name}" for name in sorted((private_names_used(tree, on_self=False) | strings) & anywhere)]
        module = importlib.import_module(".".join(path.relative_to(TUI_ROOT.parent.parent).with_suffix("").parts))
        for node in ast.walk(tree):
            cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
            if isinstance(cls, type) and issubclass(cls, MessagePump):
                clashes += [f"{path.name}: {node.name}.{name}" for name in sorted(private_names_used(node, on_self=True) & textual_private_names(cls))]
    assert clashes == []


async def test_text_area_caches_rendered_rows_until_forget_rendered_lines() -> None:
    """TextArea keeps rendered rows in a cache keyed without their styles (`_line_cache`): a style
    that changes with no edit (inspect mode's colours as tokens get scored) shows only after
    `forget_rendered_lines`."""
    from rich.style import Style

    class Tinted(TextAreaHooks):
        tint = "red"

        def get_line(self, line_index: int):
            line = super().get_line(line_index)
            line.stylize(Style(color=self.tint))
            return line

    editor = Tinted("abc\ndef", id="editor")  # the cursor's row (0) has styles of its own: look at row 1
    async with EditorApp(editor).run_test(size=SIZE) as pilot:
        await pilot.pause()

        def first_colour() -> str:
            return next(segment for segment in editor.render_line(1) if segment.text.strip()).style.color.name

        assert first_colour() == "red"
        editor.tint = "blue"
        assert first_colour() == "red"  # the cached row
        editor.forget_rendered_lines()
        assert first_colour() == "blue"

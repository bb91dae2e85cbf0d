"""Inspect mode's colours (app.tcss) are readable on every built-in theme, dark and light, and
stay four different colours on a 16-colour terminal; the worst bucket is also underlined."""

from __future__ import annotations

from pathlib import Path

from rich.color import ColorSystem
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import BUILTIN_THEMES

import lstm_tui.tui
from lstm_tui.tui.widgets.cells_strip import CellsStrip
from lstm_tui.tui.widgets.inspect_editor import InspectEditor
from lstm_tui.tui.widgets.inspect_panel import InspectPanel

MAIN_THEMES = ("textual-dark", "textual-light")


class ColoursApp(App):
    """The three widgets that use the colours, with the app's own stylesheet."""

    CSS_PATH = str(Path(lstm_tui.tui.__file__).parent / "app.tcss")

    def compose(self) -> ComposeResult:
        yield InspectEditor("text", id="editor")
        yield InspectPanel()
        yield CellsStrip()


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(one: Color, other: Color) -> float:
    """WCAG 2 contrast ratio (4.5: body text, AA)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_bucket_and_strip_colours_are_readable_and_distinct_on_every_theme() -> None:
    app = ColoursApp()
    async with app.run_test(size=(80, 24)) as pilot:
        editor, panel, strip = app.query_one(InspectEditor), app.query_one(InspectPanel), app.query_one(CellsStrip)
        for theme in BUILTIN_THEMES:
            app.theme = theme
            await pilot.pause()
            editor.notify_style_update()
            buckets = editor.bucket_styles()
            assert [bool(style.underline) for style in buckets] == [False, False, False, True], theme
            assert [panel.get_component_rich_style(f"inspect--b{i}").color for i in range(4)] == [s.color for s in buckets]
            signs = [strip.get_component_rich_style(name).color for name in ("cells--negative", "cells--positive")]
            colours = [style.color for style in buckets] + signs
            assert all(colour is not None and colour.triplet is not None for colour in colours), theme
            standard = [colour.downgrade(ColorSystem.STANDARD).number for colour in colours]
            assert len(set(standard[:4])) == 4 and standard[4] != standard[5], (theme, standard)
            background = editor.rich_style.bgcolor
            if background is None or background.triplet is None:  # the ANSI themes: the terminal's own background
                continue
            cursor_row = editor.get_component_rich_style("text-area--cursor-line").bgcolor
            floor = 4.5 if theme in MAIN_THEMES else 3.5
            for shade in {background, cursor_row or background}:
                for colour in colours:
                    ratio = contrast(Color.from_rich_color(colour), Color.from_rich_color(shade))
                    assert ratio >= floor, (theme, colour, shade, round(ratio, 2))


async def test_the_panel_redraws_its_legend_in_a_new_theme() -> None:
    """The panel keeps its rows as strips between frames; a theme change must not keep the old colours."""
    from lstm_tui.engine.inspect.buckets import CHAR_BUCKETS

    app = ColoursApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(InspectPanel)
        panel.show_token(None, CHAR_BUCKETS, None, 0, 5)
        await pilot.pause()

        def drawn_top1_colour():
            legend = panel.render_line(1)  # row 0: the hint; row 1: the legend, "top-1" first
            first = next(segment for segment in legend if segment.text == "top-1")
            return first.style.color

        seen = {}
        for theme in MAIN_THEMES:
            app.theme = theme
            await pilot.pause()
            seen[theme] = drawn_top1_colour()
            assert seen[theme] == panel.get_component_rich_style("inspect--b0").color, theme
        assert seen["textual-dark"] != seen["textual-light"]

"""Rows of styled text pieces drawn through Textual's line API, as the side panels (suggestions,
inspect) draw them: the styles looked up once per style change, each row turned into a strip once
per change of content or width, so a frame only hands strips out."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

Piece = tuple[str, str | None]
"""Text and its style: one of the widget's component classes, "italic", or None (its own)."""


def piece_styles(widget: Widget) -> dict[str | None, Style]:
    """Every style a piece of `widget` may name. Costly (each lookup walks the ancestors): call it
    once per style change, not per frame."""
    base = widget.rich_style
    styles: dict[str | None, Style] = {None: base, "italic": base + Style(italic=True)}
    for name in widget.COMPONENT_CLASSES:
        styles[name] = base + widget.get_component_rich_style(name)
    return styles


def piece_strips(rows: list[list[Piece]], styles: dict[str | None, Style], width: int) -> tuple[list[Strip], Strip]:
    """The rows as strips of exactly `width` cells, and the blank strip below them."""
    base = styles[None]
    strips = [Strip([Segment(text, styles[style]) for text, style in row]).crop_extend(0, width, base) for row in rows]
    return strips, Strip.blank(width, base)

"""Inspect mode's panel: what the model thought of the token under the cursor, and the legend.

The token's probability, rank and surprisal in bits, the model's top-k at that position (each
in the colour its rank would get, the token itself marked), and the rank buckets' legend with
each bucket's share of the text. Tokens are raw text from the user or the vocabulary: every one
goes through `visible_token`.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.data.textfile import visible_token
from lstm_tui.engine.inspect import RankBuckets, TokenScore
from lstm_tui.tui.widgets.inspect_editor import BUCKET_CLASSES
from lstm_tui.tui.widgets.piece_rows import Piece, piece_strips, piece_styles
from lstm_tui.tui.widgets.suggestions import clip, percent

TOKEN_CELLS = 12


def legend(buckets: RankBuckets, shares: list[float] | None) -> list[Piece]:
    """Each bucket's label in its colour, with its share of the text when known."""
    pieces: list[Piece] = []
    for index, label in enumerate(buckets.labels):
        pieces.append((label, BUCKET_CLASSES[index]))
        share = f" {shares[index]:.0%}" if shares else ""
        pieces.append((share + ("  " if index < buckets.count - 1 else ""), "inspect--label"))
    return pieces


def token_rows(score: TokenScore, buckets: RankBuckets, pending: int) -> list[list[Piece]]:
    """The rows about one token: its numbers, then the model's top-k where it stands."""
    shown = clip(visible_token(score.text), TOKEN_CELLS).rstrip()
    if score.index == 0:
        return [[(shown, None)], [("the first token: the context the scores start from", "italic")]]
    if score.rank is None or score.prob is None or score.bits is None or score.bucket is None:
        return [[(shown, None)], [(f"scoring… ({pending:,} tokens to go)", "italic")]]
    rows: list[list[Piece]] = [
        [(shown, BUCKET_CLASSES[score.bucket]), ("  p ", "inspect--label"), (percent(score.prob).strip(), None),
         ("  rank ", "inspect--label"), (f"{score.rank:,}", None)],
        [("surprisal ", "inspect--label"), (f"{score.bits:.2f} bits", None)],
    ]
    if score.top:
        rows.append([(f"the model's top-{len(score.top)} here", "inspect--label")])
    for rank, choice in enumerate(score.top, start=1):
        mark = " ◂" if rank == score.rank else ""  # the token's own place (ties count in its favour)
        rows.append([(f"{rank:>2} ", "inspect--label"), (clip(visible_token(choice.token), TOKEN_CELLS), BUCKET_CLASSES[buckets.bucket(rank)]),
                     (percent(choice.prob), None), (mark, None)])
    return rows


class InspectPanel(Widget):
    """The token under the cursor and the legend (set from above with `show_token` / `show_message`).

    Line API, like the suggestions panel: the rows become strips once per change and a frame
    (several may come per key) only hands them out.
    """

    DEFAULT_CSS = """
    InspectPanel { height: auto; }
    """
    COMPONENT_CLASSES = {*BUCKET_CLASSES, "inspect--label"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._content: list[list[Piece]] = []
        self._wrapped: tuple[int, list[list[Piece]]] | None = None
        self._styles: dict[str | None, Style] | None = None
        self._strips: tuple[int, list[Strip], Strip] | None = None  # (width, rows as strips, the blank below)
        self.token: TokenScore | None = None
        """The token on display (None: a message is shown)."""

    def show_message(self, message: str, buckets: RankBuckets | None = None) -> None:
        """A line instead of a token (loading, an empty text), above the legend when `buckets`."""
        self.token = None
        self._set([[(message, "italic")], *([legend(buckets, None)] if buckets else [])])

    def show_token(self, score: TokenScore | None, buckets: RankBuckets, shares: list[float] | None, pending: int,
                   top_k: int) -> None:
        """The token under the cursor (None: no text yet) with the model's first `top_k` choices
        there, then the legend."""
        if score is not None and len(score.top) > top_k:
            score = replace(score, top=score.top[:top_k])
        self.token = score
        rows = token_rows(score, buckets, pending) if score is not None else [[("type: every token is coloured by its rank", "italic")]]
        self._set([*rows, legend(buckets, shares)])

    def _set(self, content: list[list[Piece]]) -> None:
        rows_before = len(self._current())
        self._content, self._wrapped, self._strips = content, None, None
        self.refresh(layout=len(self._current()) != rows_before)

    def _current(self, width: int | None = None) -> list[list[Piece]]:
        """The rows at `width`: a row wider than it breaks before a coloured piece (the legend
        breaks between buckets, never between a label and its share)."""
        width = width or self.size.width
        if self._wrapped is None or self._wrapped[0] != width:
            rows: list[list[Piece]] = []
            for row in self._content:
                groups: list[list[Piece]] = []
                for piece in row:
                    if groups and piece[1] not in BUCKET_CLASSES:
                        groups[-1].append(piece)
                    else:
                        groups.append([piece])
                line: list[Piece] = []
                used = 0
                for group in groups:
                    cells = sum(cell_len(text) for text, _ in group)
                    if line and width and used + cells > width:
                        rows.append(line)
                        line, used = [], 0
                    line += group
                    used += cells
                rows.append(line)
            self._wrapped = (width, rows)
        return self._wrapped[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._current(width))

    def rows(self) -> list[str]:
        """The panel's lines as plain text (what the user reads; used by tests)."""
        return ["".join(text for text, _ in row) for row in self._current()]

    def notify_style_update(self) -> None:
        self._styles = self._strips = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None or self._strips[0] != width:
            if self._styles is None:
                self._styles = piece_styles(self)
            self._strips = (width, *piece_strips(self._current(width), self._styles, width))
        _, rows, blank = self._strips
        return rows[y] if y < len(rows) else blank

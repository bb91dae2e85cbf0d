"""Seeing inside the model: what it thought of each token of a text (probability, rank,
surprisal, its top-k), its cells' values, and which cells track simple features of text.

The contract for clients (the app, `lstm-tui inspect`): docs/inspect.md.
"""

from lstm_tui.engine.inspect.buckets import CHAR_BUCKETS, WORD_BUCKETS, RankBuckets, buckets_for
from lstm_tui.engine.inspect.cell_store import CellProbe
from lstm_tui.engine.inspect.inspector import Choice, Inspector, TokenScore, Totals

__all__ = [
    "CHAR_BUCKETS", "WORD_BUCKETS", "CellProbe", "Choice", "Inspector", "RankBuckets", "TokenScore", "Totals", "buckets_for",
]

"""The tokens of a whole text with where each stands in it, re-tokenised from the first change.

The predictor's `TextFollower` already knows which tokens of a new text are unchanged (char
level: the common prefix; word level: the lines before the first changed one); this adds the
word being typed (the predictor completes it, an inspection scores it as it stands) and each
token's place in the text, so the UI can colour it and find the token under the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS, Tokenizer
from lstm_tui.engine.data.vocabulary import Vocabulary
from lstm_tui.engine.infer.text_follower import TextFollower


@dataclass(frozen=True)
class TailTokens:
    """A text's tokens from the first one that may have changed: `kept` tokens before them are
    the followed text's own; ids, and start/end offsets into the new text."""

    kept: int
    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class TextSpans:
    """Follows successive versions of a text and tokenises only what may have changed."""

    def __init__(self, vocab: Vocabulary, tokenizer: Tokenizer) -> None:
        self.vocab = vocab
        self.level = tokenizer.level
        self._follower = TextFollower(vocab, tokenizer)

    def reset(self) -> None:
        self._follower.restart(None)

    def follow(self, text: str) -> TailTokens:
        """The tokens of `text` after those kept from the text followed before."""
        keep_chars = self._follower.resync_point(text)[0]
        kept, complete, partial = self._follower.tokens_after_change(text)
        self._follower.followed = text
        if partial:
            complete.append(partial)
        if self.level == "char":
            starts = np.arange(keep_chars, keep_chars + len(complete), dtype=np.int64)
            return TailTokens(kept, self.vocab.encode(complete), starts, starts + 1)
        starts, ends = locate(text, complete, keep_chars)
        return TailTokens(kept, self.vocab.encode(complete), starts, ends)


def locate(text: str, tokens: list[str], offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each word token in `text`, searching from `offset` (`<eos>`: the line
    break). A token the text does not hold verbatim (a tokenizer that rewrites characters) gets
    an empty span where the search stands."""
    starts = np.empty(len(tokens), dtype=np.int64)
    ends = np.empty(len(tokens), dtype=np.int64)
    position = offset
    for i, token in enumerate(tokens):
        found = text.find("\n" if token == EOS else token, position)
        if found < 0:
            starts[i] = ends[i] = position
            continue
        starts[i] = found
        position = ends[i] = found + (1 if token == EOS else len(token))
    return starts, ends

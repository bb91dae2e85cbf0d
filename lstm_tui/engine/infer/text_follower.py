"""Following the text before the cursor: which tokens of a new text are already in the context.

A keystroke at the end of a long text must cost one model step, not a re-read: the new text is
tokenised again only from its first changed character (word level: from the start of that
line, because both word tokenizers split each line on its own), and the tokens before it are
kept with their states.
"""

from __future__ import annotations

import bisect

from lstm_tui.engine.data.tokenizers import EOS, Tokenizer
from lstm_tui.engine.data.vocabulary import Vocabulary


def common_prefix_length(a: str, b: str) -> int:
    """Length of the common prefix of two strings (binary search over C-level comparisons)."""
    limit = min(len(a), len(b))
    if a[:limit] == b[:limit]:
        return limit
    lo, hi = 0, limit  # a[:lo] == b[:lo] and a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


class TextFollower:
    """The text the context last followed and where its lines start (with their token counts)."""

    def __init__(self, vocab: Vocabulary, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.level = tokenizer.level
        self.vocab = vocab
        self.followed: str | None = None
        """The text last followed (None: the context was changed token by token since)."""
        self._line_starts: list[int] = [0]  # word level: where each line of that text starts
        self._line_tokens: list[int] = [0]  # and how many tokens come before it

    def restart(self, text: str | None) -> None:
        """Take `text` as followed with no line index (the next `tokens_after_change` rebuilds it)."""
        self.followed = text
        self._line_starts, self._line_tokens = [0], [0]

    def resync_point(self, text: str) -> tuple[int, int, int]:
        """(chars, tokens, line index) of `text` already tokenised as the followed text was.

        Char level: the common prefix. Word level: the start of the line holding the first change.
        """
        if self.followed is None:
            return 0, 0, 0
        same = common_prefix_length(self.followed, text)
        if self.level == "char":
            return same, same, 0
        line = bisect.bisect_right(self._line_starts, same) - 1
        return self._line_starts[line], self._line_tokens[line], line

    def pending_chars(self, text: str) -> int:
        """Characters that following `text` would tokenise anew (to decide on a worker)."""
        return len(text) - self.resync_point(text)[0]

    def tokens_after_change(self, text: str) -> tuple[int, list[str], str]:
        """(tokens kept from the followed text, the complete tokens of `text` after them, the
        partial word being typed); the line index now describes `text`. The caller sets
        `followed` once the context holds those tokens."""
        if self.followed is None:
            self._line_starts, self._line_tokens = [0], [0]
        keep, kept_tokens, line = self.resync_point(text)
        tail = text[keep:]
        if self.level == "char":
            complete, partial = list(tail), ""
        else:
            del self._line_starts[line + 1 :], self._line_tokens[line + 1 :]
            lines = tail.split("\n")
            complete = []
            offset = keep
            for piece in lines[:-1]:
                complete.extend(self.tokenizer.tokenize(piece))
                complete.append(EOS)
                offset += len(piece) + 1
                self._line_starts.append(offset)
                self._line_tokens.append(kept_tokens + len(complete))
            words, partial = self.tokenizer.split_prefix(lines[-1])
            complete.extend(words)
        if partial and self.tokenizer.name == "mecab" and partial in self.vocab.index:
            # Japanese has no spaces: a last word that is itself a known word counts as typed
            # (IMEs commit whole words); an unknown fragment is completed.
            complete, partial = [*complete, partial], ""
        return kept_tokens, complete, partial

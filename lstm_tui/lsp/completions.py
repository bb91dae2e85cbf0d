"""One document's predictor, followed incrementally, and the completions it offers where the cursor is.

Shared by the language server (one per open document) and `lstm-tui predict --stdin --json`.

The model reads a window of the text before the cursor, from a line start at most `WINDOW` (+
`SLACK`) characters back; the window's start stays put while the cursor moves within it (and
shifts with edits before it), so the predictor's edit-from-first-change logic (`Predictor.set_text`)
redoes only what changed: typing at the cursor costs one model step, an edit further back the
steps from there. The window is longer than the continuous cache (3,000 positions at most), which
thus learns from the document as it does in the app. A cursor that jumps elsewhere in a long
document costs one window of steps, once.

What a completion offers is ranked by the engine (`SuggestionRanker`): a word model's next words,
or completions of the word being typed; a character model's top-k next characters, each continued
greedily to the end of its word (`SuggestionRanker.continuations`, as the keystroke simulation of
`lstm-tui eval` offers them). Each replaces the partial word before the cursor with the whole word
(the whitespace that ends it left out). The language server offers words only (`words_only`): not
a space or a line break with the next word after it — at a word's end it offers the ways to go on
with that word, after a space the next words.

The server computes the completions when an edit arrives (`prepare`, the cursor taken to be at the
edit's end): editors ask for completions a few milliseconds after sending the edit, and the
request then finds them ready instead of waiting for the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lstm_tui.engine.data.tokenizers import make_tokenizer
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.suggestion_ranker import Suggestion
from lstm_tui.engine.infer.word_bar import word_tail
from lstm_tui.engine.runs.model_file import SavedModel, load_model
from lstm_tui.lsp.documents import Edit

WINDOW = 4096  # characters of context before the cursor (more than the cache's 3,000 positions)
SLACK = 1024  # how far past a full window the cursor may move before the window's start moves on
WORD_TAIL = 64  # a character model's partial word: at most this many characters before the cursor


@dataclass(frozen=True)
class Prediction:
    """The suggestions at a cursor, likeliest first, and the partial word each completes."""

    partial: str
    """The end of the text before the cursor that a completion replaces ("" at a word boundary)."""
    items: list[Suggestion]
    """The engine's suggestions: each `insert` goes after the partial word (a character model:
    the next character continued to its word's end; `prob` is the next character's)."""

    def words(self) -> list[str]:
        """What replaces the partial word for each item: the word completed, without the
        whitespace that ends it (an insert of whitespace alone stays as it is)."""
        return [self.partial + (item.insert.rstrip() or item.insert) for item in self.items]


class SharedModel:
    """A model loaded once, for predictors that share its weights (one per open document)."""

    def __init__(self, saved: SavedModel, cache: CacheSettings | None = None) -> None:
        self.saved = saved
        self.folder = saved.folder
        self.cache = cache
        self._tokenizer = make_tokenizer(saved.meta.tokenizer)
        self._first: Predictor | None = None

    @classmethod
    def load(cls, folder: Path | str, cache: CacheSettings | None = None) -> "SharedModel":
        return cls(load_model(folder), cache)

    def predictor(self) -> Predictor:
        """A predictor with an empty context of its own over the shared weights."""
        saved = self.saved
        shared = self._first.token_step if self._first is not None else None
        predictor = Predictor(saved.model, saved.vocab, self._tokenizer, saved.meta, self.cache, token_step=shared)
        if self._first is None:
            self._first = predictor
        return predictor


class DocumentPredictor:
    """A predictor following one document's text before the cursor (see the module docstring)."""

    def __init__(self, predictor: Predictor, top_k: int = 5, temperature: float = 1.0, words_only: bool = False) -> None:
        """`words_only`: offer only tokens that insert more than whitespace (the language server:
        a completion is a word; a character model then continues its top-k non-blank next
        characters, and a word model's line end is left out)."""
        self.predictor = predictor
        self.top_k = top_k
        self.temperature = temperature
        self.words_only = words_only
        self.start = 0
        """Where the window the predictor reads starts in the document (a line start, mostly)."""
        self._next_words: dict[tuple[str, str], str] = {}
        """Greedy words already known for the next key: (context, first character) → word."""
        self._ready: tuple[tuple[str, int, float], Prediction] | None = None
        """The prediction `prepare` computed, and the context and settings it is for."""

    def edited(self, edit: Edit) -> None:
        """Keep the window's start on the same text after `edit` (applied to the document)."""
        if edit.start >= self.start:  # at or after the window's start: it reads the new text
            return
        if edit.end <= self.start:
            self.start += edit.delta
        else:
            self.start = edit.start  # the edit swallowed the window's start

    def context(self, text: str, cursor: int) -> str:
        """The text the model reads for a cursor at `cursor` (moving the window when it must)."""
        if not self.start <= cursor <= self.start + WINDOW + SLACK:
            start = max(0, cursor - WINDOW)
            newline = text.find("\n", start, cursor) if start else -1
            self.start = newline + 1 if newline >= 0 else start
        return text[self.start : cursor].replace("\r\n", "\n")

    def prepare(self, text: str, cursor: int) -> None:
        """Follow the text and compute the completions at `cursor` now, for the completion request
        that usually follows an edit: the request is then answered without a model step."""
        self.predict(text, cursor)

    def predict(self, text: str, cursor: int) -> Prediction:
        """The completions at `cursor` (see the module docstring); the ones `prepare` computed when
        the text before the cursor and the settings are still the same."""
        context = self.context(text, cursor)
        key = (context, self.top_k, self.temperature)
        if self._ready is not None and self._ready[0] == key:
            return self._ready[1]
        prediction = self._predict(context)
        self._ready = (key, prediction)
        return prediction

    def _predict(self, context: str) -> Prediction:
        predictor = self.predictor
        partial = predictor.set_text(context)
        if predictor.level == "char":
            return Prediction(word_tail(context, WORD_TAIL), self._continuations(context))
        if partial:
            items = predictor.completions(partial, self.top_k, self.temperature)
        else:
            items = predictor.rank(predictor.probabilities(self.temperature), self.top_k, self.words_only)
        if not context.endswith(partial):  # a word split differently from the text: insert after the cursor
            partial = ""
        return Prediction(partial, items)

    def _continuations(self, context: str) -> list[Suggestion]:
        """The engine's continuations of the top-k next characters.

        A greedy word is also the greedy word of its second character one key later, when the
        key typed is its first (typing along a suggestion): the rest of it is kept for that key
        instead of stepping the model through it again."""
        known = {char: word for (before, char), word in self._next_words.items() if before == context}
        items = self.predictor.continuations(self.top_k, self.temperature, self.words_only, known=known)
        self._next_words = {}
        for item in items:
            word = item.insert
            if len(word) > 1 and word[-1].isspace() and word[1:-1].strip():  # ended at its word's end, not its length
                self._next_words[(context + word[0], word[1])] = word[1:]
        return items

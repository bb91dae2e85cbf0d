"""The loaded model as the predict screen uses it: follow the text before the cursor, time it.

`LiveModel` wraps one `Predictor` (which keeps its own state stack, so following an edit only
recomputes from the edit point) behind a lock: a big paste is followed in a thread worker while
keystrokes wait for it, and the predictor is never used by two threads at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lstm_tui.engine.data.script import vocabulary_is_japanese
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.suggestion_ranker import Suggestions
from lstm_tui.engine.infer.text_follower import common_prefix_length
from lstm_tui.engine.runs.run_list import run_state
from lstm_tui.engine.runtime.blas_threads import keystroke_blas_threads

EARLY_STEPS = 100  # weights from fewer training steps than this barely predict yet
INLINE_CHARS = 2_000  # new characters past the common prefix followed inline; more go to a worker
# Word level re-tokenises from the start of the changed line: past these lengths (chars) a worker does it.
INLINE_WORD_TEXT = {"space": 50_000, "mecab": 8_000}


@dataclass(frozen=True)
class Prediction:
    """The suggestions and ghost text for one text-before-cursor, and how long the model took."""

    text: str
    suggestions: Suggestions
    ghost: str
    latency_ms: float
    k: int
    temperature: float
    unknown_share: float = 0.0
    """Share of the text's tokens that the model's vocabulary does not hold."""
    unknown_tokens: int = 0
    """How many of the text's tokens the model's vocabulary does not hold."""


class LiveModel:
    """A loaded predictor, where it came from, and a lock so one thread at a time uses it."""

    def __init__(self, predictor: Predictor, folder: Path) -> None:
        self.predictor = predictor
        """The engine's predictor (weights copied to NumPy)."""
        self.folder = folder
        """The run folder the weights were loaded from."""
        self.still_training = run_state(folder) == "running"
        """True when a trainer was writing the run when it was loaded (these are early weights)."""
        self.japanese = vocabulary_is_japanese(predictor.vocab.tokens)
        """True for a model of Japanese text (most letters in its vocabulary are kana and kanji)."""
        self._lock = threading.Lock()
        self._warmer: Predictor | None = None
        """A twin that steps the word bar's likely next searches between keys (`warm`), made by the first."""
        self._warming = threading.Lock()  # the twin's scratch buffers: one warm at a time (a cancelled one may still be ending)

    @classmethod
    def load(cls, folder: Path) -> "LiveModel":
        """Read a run folder (raises the engine's UserError when it is not a usable model)."""
        folder = Path(folder).expanduser().resolve()
        return cls(Predictor.load(folder), folder)

    @property
    def blas_threads(self) -> int:
        """BLAS threads a keystroke on this model should use: one, or both cores for a big model."""
        return keystroke_blas_threads(self.predictor.step_bytes)

    def new_chars(self, text: str) -> int:
        """Characters of `text` past what the predictor already follows."""
        return len(text) - common_prefix_length(text, self.predictor.followed)

    def needs_worker(self, text: str) -> bool:
        """True when following `text` could take long enough to freeze the UI."""
        if self.new_chars(text) > INLINE_CHARS:
            return True
        limit = INLINE_WORD_TEXT.get(self.predictor.tokenizer.name)
        return limit is not None and self.predictor.pending_chars(text) > limit

    def predict(self, text: str, k: int, temperature: float) -> Prediction:
        """Follow `text`, then return its top-k and ghost continuation (thread-safe)."""
        with self._lock:
            start = time.perf_counter()
            suggestions = self.predictor.suggest(text, k, temperature)
            ghost = self.predictor.ghost(suggestions)
            elapsed = (time.perf_counter() - start) * 1000.0
            unknown = self.predictor.unknown_share, self.predictor.unknown_tokens
        return Prediction(text, suggestions, ghost, elapsed, k, temperature, *unknown)

    def warm(self, text: str, stop: Callable[[], bool]) -> None:
        """Between keys (from a thread): step the word bar's searches for the likeliest next
        characters after `text` into the memo, so the key that follows finds them
        (`Predictor.warm_word_bars`). Nothing when the predictor no longer follows `text` or the
        model has no word bar; `stop` ends it between two steps. The lock is held only to read
        where to start: a key never waits for the searches."""
        if self.predictor.level != "char":
            return
        with self._lock:
            if self.predictor.followed != text:
                return
            root, token_ids = self.predictor.likeliest_next()
        with self._warming:
            if self._warmer is None:
                self._warmer = self.predictor.twin()
            self._warmer.warm_word_bars(root, token_ids, stop)

    def generate(self, text: str, tokens: int, temperature: float, k: int) -> str:
        """`tokens` tokens sampled after `text` at `temperature` among the `k` likeliest
        (thread-safe; the predictor goes back to the text it followed)."""
        with self._lock:
            return self.predictor.generate(text, tokens, temperature, top_k=k)

    # facts for the status bar -------------------------------------------------------------
    @property
    def name(self) -> str:
        """The run's name (from model.json)."""
        return self.predictor.name

    @property
    def label(self) -> str:
        """What the status line calls it: its folder's name (`default`, `default-ja`, a run's folder)."""
        return self.folder.name or self.name

    @property
    def level(self) -> str:
        """char or word."""
        return self.predictor.level

    @property
    def tokenizer(self) -> str:
        """The concrete tokenizer name (char, space, mecab)."""
        return self.predictor.tokenizer.name

    @property
    def vocab_size(self) -> int:
        """Vocabulary entries, `<unk>` included."""
        return len(self.predictor.vocab)

    @property
    def parameters(self) -> int:
        """Trainable parameters of the model."""
        return self.predictor.parameters

    @property
    def cache_size(self) -> int:
        """Recent tokens the continuous cache draws on (0: no cache)."""
        return self.predictor.cache.size if self.predictor.cache.active else 0

    @property
    def valid_perplexity(self) -> float | None:
        """Validation perplexity recorded in model.json, if any."""
        return self.predictor.valid_perplexity

    @property
    def step(self) -> int | None:
        """The training step these weights are from."""
        meta = self.predictor.meta
        return meta.step if meta is not None else None

    def training_note(self, short: bool = False) -> str:
        """How far these weights were trained, when it matters for the suggestions: early
        (few steps: every probability is close to uniform), or a run still training ("")."""
        step = self.step
        at = f" (step {step:,})" if step is not None else ""
        if step is not None and step < EARLY_STEPS:
            return ("early" if short else "early in training") + at
        if self.still_training:
            return ("training" if short else "still training") + at
        return ""

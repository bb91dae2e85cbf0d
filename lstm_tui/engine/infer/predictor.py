"""Next-token prediction for live typing: the model's context, followed token by token.

`Predictor` ties the parts together: `TokenStep` (one token through the model over weights
copied once), `StateStack` (the state after every token, so backspace costs nothing and an edit
recomputes only from the edit point), `TextFollower` (which tokens of a new text are already in
the context), `SuggestionRanker` (top-k, word completions and the word bar), the continuous
cache (`neural_cache`) over the recent states, `generation` (ghost text and sampling), and
`StepMemo` (recent steps and distributions, shared with a `twin`, so no step is done twice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS, Tokenizer, make_tokenizer
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary
from lstm_tui.engine.infer.generation import ghost_text, sampled_continuation
from lstm_tui.engine.infer.neural_cache import CacheSettings, mix_cache
from lstm_tui.engine.infer.state_stack import StateStack
from lstm_tui.engine.infer.step_memo import StepMemo
from lstm_tui.engine.infer.step_weights import step_bytes
from lstm_tui.engine.infer.suggestion_ranker import KANA_SPAN, SuggestionRanker, Suggestions
from lstm_tui.engine.infer.text_follower import TextFollower
from lstm_tui.engine.infer.token_step import TokenStep
from lstm_tui.engine.infer.word_bar import WARM_NEXT, likeliest_words
from lstm_tui.engine.model.language_model import LanguageModel
from lstm_tui.engine.runs.model_file import SavedModel, load_model
from lstm_tui.engine.runs.run_files.model_json import ModelMeta


class Predictor(SuggestionRanker):
    """Feeds tokens through the model one at a time and suggests the next ones."""

    def __init__(self, model: LanguageModel, vocab: Vocabulary, tokenizer: Tokenizer, meta: ModelMeta | None = None,
                 cache: CacheSettings | None = None, parts: int | None = None, token_step: TokenStep | None = None,
                 memo: StepMemo | None = None) -> None:
        """`meta`: the run's model.json, when the model came from a run folder; `parts`: cores to
        split each step over (None: `split_parts` decides from the model's size); `token_step`:
        another predictor's step over the same model, shared instead of copying the weights again
        (predictors used from one thread at a time: the step's scratch buffers are shared too);
        `memo`: another predictor's memo of steps over the same weights (None: a memo of its own)."""
        super().__init__(vocab, tokenizer)
        self.meta = meta
        self.cache = cache if cache is not None else (meta.cache if meta is not None else CacheSettings())
        self.cache.validate()
        self.config = model.config
        self.model = model
        """The model the weights came from (its Chainer parameters; the step reads `weights`)."""
        self.token_step = token_step if token_step is not None else TokenStep(model, parts)
        """The model's step at batch 1: its weights, scratch and thread policy."""
        self.weights = self.token_step.weights
        """The weights as the step reads them (the output projection for the cache's grid search)."""
        self._step = self.token_step.forward  # bound once: the hot path's call
        self.memo = memo if memo is not None else StepMemo()
        """Recent steps and distributions of these weights (`step_memo`), shared with this predictor's twins."""
        self.units = units = model.config.units
        self.parameters = model.parameter_count()
        self._zero = np.zeros((4, units), dtype=np.float32)
        self._logits = np.empty(len(vocab), dtype=np.float32)
        self._stack = StateStack(units)
        self._ids: list[int] = []
        self._unk = vocab.id(UNK)
        self._unknown = 0  # `<unk>` tokens in the context
        self._text = TextFollower(vocab, tokenizer)
        self._root = self._start_state(vocab)
        self.top_k(1)

    def _start_state(self, vocab: Vocabulary) -> np.ndarray:
        """The state before the first token: after a line break (`<eos>` for words) where the
        vocabulary has one. The model learnt every prediction after some token; from the zero
        state with no input its output is close to uniform, which an empty text box would show."""
        boundary = EOS if self.level == "word" else "\n"
        if boundary not in vocab.index:
            return self._zero
        state = np.empty((4, self.units), dtype=np.float32)
        self._step(vocab.id(boundary), self._zero, state)
        return state

    @property
    def step_bytes(self) -> int:
        """Bytes of weights one keystroke reads (the BLAS thread policy depends on it)."""
        return step_bytes(self.config)

    @property
    def parts(self) -> int:
        """Cores a step is split over (`split_step`; 1: one core)."""
        return self.token_step.parts

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_saved(cls, saved: SavedModel, cache: CacheSettings | None = None) -> "Predictor":
        """`cache`: override the run's recorded cache settings (None: use them)."""
        return cls(saved.model, saved.vocab, make_tokenizer(saved.meta.tokenizer), saved.meta, cache)

    @classmethod
    def load(cls, folder: Path | str, cache: CacheSettings | None = None) -> "Predictor":
        return cls.from_saved(load_model(folder), cache)

    def twin(self) -> "Predictor":
        """A predictor with a context of its own over the same weights (shared, read only) and the
        same memo of steps: what one of them stepped, the other copies (the inspector follows the
        whole text while the suggestions follow the text before the cursor, and at the end of the
        text they step the same tokens). The step's scratch buffers are its own, so the two may
        run in different threads."""
        step = TokenStep(self.model, self.parts, weights=self.weights)
        return Predictor(self.model, self.vocab, self.tokenizer, self.meta, self.cache, token_step=step, memo=self.memo)

    # state --------------------------------------------------------------------------------
    def _state(self) -> np.ndarray:
        if self._stack.length == 0:
            return self._root
        return self._stack.get(self._stack.length - 1)  # type: ignore[return-value]

    def feed(self, token_id: int) -> None:
        """Advance the state by one token."""
        self._text.followed = None
        self.extend(token_id)

    def extend(self, token_id: int) -> None:
        """Advance by one token, keeping the followed text: a look-ahead (ghost text, sampling),
        which the caller undoes."""
        prev = self._state()
        row = self._stack.push()
        self._shared_step(int(token_id), prev, row)
        self._ids.append(int(token_id))
        self._unknown += int(token_id) == self._unk

    def _shared_step(self, token_id: int, prev: np.ndarray, out: np.ndarray) -> None:
        """`out` ← the state after `token_id` from `prev`: from the memo where this step (or a
        twin's) was done already, else computed and kept there."""
        if not self.memo.step(token_id, prev, out):
            self._step(token_id, prev, out)
            self.memo.keep_step(token_id, prev, out)

    def pop(self, count: int = 1) -> None:
        """Forget the last `count` tokens (backspace)."""
        self._text.followed = None
        self._truncate(max(0, len(self._ids) - count))

    def reset(self) -> None:
        self._text.followed = None
        self._truncate(0)

    def _truncate(self, length: int) -> None:
        if length < len(self._ids):
            self._unknown -= self._ids[length:].count(self._unk)
        del self._ids[length:]
        usable = self._stack.truncate(length)
        for position in range(usable, length):  # recompute a thinned stretch
            prev = self._stack.get(position - 1) if position > 0 else self._root
            row = self._stack.push()
            self._step(self._ids[position], prev, row)

    @property
    def context_ids(self) -> list[int]:
        return list(self._ids)

    @property
    def last_id(self) -> int | None:
        """The context's last token (None: the context is empty)."""
        return self._ids[-1] if self._ids else None

    @property
    def unknown_tokens(self) -> int:
        """Tokens of the context that the vocabulary does not hold (`<unk>`)."""
        return self._unknown

    @property
    def unknown_share(self) -> float:
        """Share of the context's tokens that the vocabulary does not hold."""
        return self._unknown / len(self._ids) if self._ids else 0.0

    @property
    def followed(self) -> str:
        """The text `set_text` last followed ("" once the context was fed token by token)."""
        return self._text.followed or ""

    def set_ids(self, ids: list[int]) -> None:
        """Make the context exactly `ids`, recomputing only after the first difference."""
        self._text.followed = None  # the context no longer follows a text
        self._follow_ids(ids, 0)

    def _follow_ids(self, ids: list[int], start: int) -> None:
        """Make the context `self._ids[:start] + ids`, keeping states up to the first difference."""
        same = 0
        limit = min(len(ids), len(self._ids) - start)
        while same < limit and ids[same] == self._ids[start + same]:
            same += 1
        self._truncate(start + same)
        for token_id in ids[same:]:
            self.extend(token_id)

    def pending_chars(self, text: str) -> int:
        """Characters that following `text` would tokenise anew (to decide on a worker)."""
        return self._text.pending_chars(text)

    def set_text(self, text: str) -> str:
        """Follow the text before the cursor; returns the partial word being typed.

        Only what changed is redone (`TextFollower`): the model steps again from the first
        changed token, so a keystroke at the end of a long text costs one step.
        """
        kept_tokens, complete, partial = self._text.tokens_after_change(text)
        self._follow_ids(self.vocab.encode(complete).tolist(), kept_tokens)
        if not partial and self.tokenizer.name == "mecab":  # a word's first kana, split into known words
            tail = [self.vocab.tokens[i] for i in self._ids[-KANA_SPAN:]]
            span = self.typed_span(tail)
            if span:
                partial = "".join(tail[-span:])
                self._truncate(len(self._ids) - span)
        self._text.followed = text
        return partial

    def outputs(self, ids: np.ndarray) -> np.ndarray:
        """Layer 2's output after each of `ids`, fed from the start state (the context is left
        empty): what the cache stores, for choosing its settings (`neural_cache.grid_scores`)."""
        self.reset()
        result = np.empty((len(ids), self.units), dtype=np.float32)
        state, prev = np.empty((4, self.units), dtype=np.float32), self._root.copy()
        for t, token_id in enumerate(ids):
            self._step(int(token_id), prev, state)
            result[t] = state[2]
            prev, state = state, prev
        return result

    # distributions ------------------------------------------------------------------------
    def logits(self) -> np.ndarray:
        """Next-token logits after the current context (a view, overwritten next call)."""
        h2 = self._state()[2]
        np.matmul(h2, self.weights.w_outt, out=self._logits)
        self._logits += self.weights.b_out
        return self._logits

    def probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The model's next-token distribution, mixed with the continuous cache when it is on (a
        new array). At temperature 1 with the cache, kept in the memo: the cache reads thousands
        of states, and a twin (the inspector) asks for the same distribution a key later."""
        if temperature != 1.0 or not self._mixes_cache():
            probs = self.model_probabilities(temperature)
            self.mix_in_cache(probs)
            return probs
        key = self._distribution_key()
        probs = np.empty(len(self.vocab), dtype=np.float32)
        if self.memo.distribution(key, probs):
            return probs
        probs = self.model_probabilities()
        self.mix_in_cache(probs)
        self.memo.keep_distribution(key, probs)
        return probs

    def _mixes_cache(self) -> bool:
        return self.cache.active and self._stack.length > 1

    def _cache_window(self) -> tuple[list[np.ndarray], int]:
        """Layer 2's outputs the cache reads now (row blocks) and the first position they cover."""
        length = self._stack.length
        # Position i (state after token i) is followed by token i + 1; the newest is length − 2.
        return self._stack.h2_blocks(max(0, length - 1 - self.cache.size), length - 1)

    def _distribution_key(self) -> tuple:
        """What the distribution with the cache is computed from: the state at the window's first
        position and the tokens after it (which give every later state, the current one included)."""
        _, first = self._cache_window()
        start = self._stack.get(first)
        assert start is not None  # the window's states are held in full
        return self.cache, start.tobytes(), tuple(self._ids[first + 1 :])

    def model_probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The model's own next-token distribution, before the cache (a new array)."""
        return super().probabilities(temperature)

    def model_probabilities_before(self, count: int) -> np.ndarray:
        """The model's own next-token distribution before the last `count` tokens of the context
        (recent states are always held in full)."""
        position = len(self._ids) - 1 - count
        state = self._root if position < 0 else self._stack.get(position)
        return self.branch_probabilities(state)

    # look-ahead from the context, leaving it alone (the word bar) -------------------------
    def branch_root(self) -> np.ndarray:
        return self._state()

    def branch_step(self, point: np.ndarray, token_id: int) -> np.ndarray:
        state = np.empty((4, self.units), dtype=np.float32)
        self._shared_step(int(token_id), point, state)
        return state

    def branch_ahead(self, points: list[np.ndarray], token_ids: list[int]) -> None:
        """Step the look-aheads not in the memo yet together, into the memo (`branch_step` then
        copies them): k rows cost about one step's reading of the weights. Only for a step split
        over cores, whose batched kernel (`split_rows`) sums each row as the single step does, so
        a copied state is the one `branch_step` would compute; one core's single step goes
        through BLAS, which sums in another order."""
        if self.parts == 1:
            return
        missing = [(point, int(t)) for point, t in zip(points, token_ids) if not self.memo.holds_step(int(t), point)]
        if len(missing) < 2:
            return
        prev = np.stack([point for point, _ in missing])
        out = np.empty_like(prev)
        ids = np.array([t for _, t in missing], dtype=np.intp)
        self.token_step.forward_rows(ids, prev, out)
        for (point, token_id), state in zip(missing, out):
            self.memo.keep_step(token_id, point, state)

    def branch_probabilities(self, point: np.ndarray) -> np.ndarray:
        logits = point[2] @ self.weights.w_outt
        logits += self.weights.b_out
        return self.softmax(logits)

    def branch_rows(self, points: list[np.ndarray], token_ids: list[int]) -> tuple[list[np.ndarray], np.ndarray]:
        """All rows in one batched step (`TokenStep.forward_rows`): k continuations cost about one
        step a character, not k."""
        prev = np.stack(points)
        out = np.empty_like(prev)
        self.token_step.forward_rows(np.asarray(token_ids, dtype=np.intp), prev, out)
        return list(out), self.softmax_rows(self.token_step.output_rows(out[:, 2]))

    def likeliest_next(self, count: int = WARM_NEXT) -> tuple[np.ndarray, list[int]]:
        """A copy of the context's state and its `count` likeliest next tokens (`<unk>` never):
        where `warm_word_bars` starts."""
        return self._state().copy(), [self.vocab.id(s.token) for s in self.rank(self.probabilities(), count)]

    def warm_word_bars(self, root: np.ndarray, token_ids: Sequence[int], stop: Callable[[], bool]) -> None:
        """Between keys: the word bar's search after each of `token_ids` typed at the state
        `root`, run only for the steps it leaves in the memo. When one of those tokens is typed,
        its step and its search find them there instead of computing them (the same numbers: a
        step depends only on its state and token). The search starts from the model's own
        distribution, not the cache's mix, which changes which steps come first, never what a
        step gives. Call it on a twin, from a thread: the context is not touched; `stop` is asked
        between steps (a key has come)."""
        for token_id in token_ids:
            if stop():
                return
            state = self.branch_step(root, int(token_id))
            likeliest_words(self, self.branch_probabilities(state), root=state, stop=stop)

    def mix_in_cache(self, probs: np.ndarray) -> None:
        """probs (the model's distribution now) ← its mixture with the cache, in place; nothing
        when the cache is off or holds no position yet."""
        length = self._stack.length
        if self._mixes_cache():
            blocks, first = self._cache_window()
            next_ids = np.asarray(self._ids[first + 1 : length], dtype=np.intp)
            mix_cache(probs, self._state()[2], blocks, next_ids, self.cache)

    def suggest(self, text: str, k: int = 5, temperature: float = 1.0) -> Suggestions:
        """Follow `text` and return next tokens, or completions of the word being typed; for a
        character model also the word bar (at temperature 1: the likeliest words, as the ghost)."""
        partial = self.set_text(text)
        if partial:
            return Suggestions(self.completions(partial, k, temperature), partial)
        probs = self.probabilities(temperature)
        items = self.rank(probs, k)
        if self.level != "char":
            return Suggestions(items, "")
        return Suggestions(items, "", self.word_bar(probs if temperature == 1.0 else self.probabilities(), text))

    # continuation -------------------------------------------------------------------------
    def ghost(self, suggestions: Suggestions) -> str:
        """The ghost text for the suggestions `suggest` just made, without changing the context."""
        mark = len(self._ids)
        try:
            return ghost_text(self, suggestions)
        finally:
            self._truncate(mark)

    def generate(self, prime: str = "", length: int = 200, temperature: float = 1.0, seed: int | None = None,
                 top_k: int | None = None) -> str:
        """Sample `length` tokens after `prime`, among the `top_k` likeliest at each step when
        given (the context is restored afterwards)."""
        rng = np.random.default_rng(seed)
        saved, followed = list(self._ids), self._text.followed
        self.set_text(prime) if prime else self.reset()
        try:
            return sampled_continuation(self, length, temperature, rng, top_k)
        finally:
            self.set_ids(saved)
            self._text.restart(followed)
            if followed is not None:
                self.set_text(followed)  # rebuilds the line index; the states are all reused

    # facts for the UI ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        name = self.meta.name if self.meta is not None else None
        return name if name is not None else "model"

    @property
    def valid_perplexity(self) -> float | None:
        return self.meta.metrics.valid_ppl if self.meta is not None else None

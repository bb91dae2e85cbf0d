"""Next-token prediction for live typing: a plain-NumPy step over weights copied once.

No Variables and no graph: each token costs one table lookup (or one matrix-vector product)
for layer 1, one for layer 2, and the output projection when suggestions are asked for. The
state after every token is kept on a stack, so backspace costs nothing and an edit recomputes
only from the edit point. States far behind the cursor are thinned to one per chunk (an edit
there recomputes at most one chunk) so a long paste does not hold gigabytes. The recent states
in full also feed the continuous cache (`neural_cache`) where the run enables it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import config as numba_config, set_num_threads

from lstm_tui.engine.model.cpu_kernels import lstm_cell_forward, softmax_cross_entropy_rows, top_k_select
from lstm_tui.engine.runs.model_file import SavedModel, load_model
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.infer.neural_cache import MAX_SIZE, CacheSettings, mix_cache
from lstm_tui.engine.infer.split_step import (SplitPacer, by_part, gate_order, layer2_by_part, serial_step, split_parts,
                                        split_step)
from lstm_tui.engine.data.tokenizers import EOS, Tokenizer, make_tokenizer
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary

CHUNK = 256  # states per chunk of the stack
FULL_WINDOW = 16  # chunks behind the cursor kept in full; older chunks keep their first state
assert (FULL_WINDOW - 1) * CHUNK >= MAX_SIZE, "the cache reads states the stack keeps in full"
TABLE_LIMIT = 128 << 20  # bytes: precompute embedding × W_x + b for layer 1 up to this size


@dataclass(frozen=True)
class Suggestion:
    """One suggested token: what it is, its probability, and the text accepting it inserts."""

    token: str
    prob: float
    insert: str


@dataclass(frozen=True)
class Suggestions:
    """The top-k for the text before the cursor; `partial` is the word being completed."""

    items: list[Suggestion]
    partial: str


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


class _Weights:
    """Float32 NumPy copies of the model's weights, arranged for one step at batch 1.

    With `parts` > 1 the gate columns are grouped by part and each part's weights stored
    contiguously, for `split_step`."""

    def __init__(self, model: LanguageModel, parts: int = 1) -> None:
        def cpu(param) -> np.ndarray:
            return np.ascontiguousarray(_to_cpu(param.array), dtype=np.float32)

        cfg = model.config
        self.units = cfg.units
        self.parts = parts
        order = gate_order(cfg.units, parts) if parts > 1 else slice(None)
        self.embed = cpu(model.embed.W)
        l1, l2 = model.layers
        w_x1, w_h1, b1 = cpu(l1.W_x), cpu(l1.W_h), cpu(l1.b)
        if uses_table(cfg):
            self.table1 = np.ascontiguousarray((self.embed @ w_x1.T + b1)[:, order])  # (V, 4H)
            self.w_x1t = None
        else:
            self.table1 = None
            self.w_x1t = np.ascontiguousarray(w_x1.T[:, order])
        self.b1 = np.ascontiguousarray(b1[order])
        w_h1t = w_h1.T[:, order]  # (H, 4H)
        w2t = np.concatenate([cpu(l2.W_x), cpu(l2.W_h)], axis=1).T  # (2H, 4H)
        if parts > 1:
            self.w_h1t, self.w2t = by_part(w_h1t, parts), layer2_by_part(w2t, parts)
        else:
            self.w_h1t, self.w2t = np.ascontiguousarray(w_h1t), np.ascontiguousarray(w2t)
        self.b2 = cpu(l2.b)
        w_out, b_out = model.output_weights()
        self.w_outt = np.ascontiguousarray(cpu(w_out).T)  # (H, V)
        self.b_out = cpu(b_out)


def uses_table(cfg: ModelConfig) -> bool:
    """True when layer 1's input projection is precomputed per token (a V × 4H table)."""
    return cfg.vocab_size * 4 * cfg.units * 4 <= TABLE_LIMIT


def step_bytes(cfg: ModelConfig) -> int:
    """Bytes of weights one keystroke reads: layer 1 (a table row, or W_x) and W_h, layer 2, the output."""
    gates = 4 * cfg.units
    layer1 = cfg.units * gates + (gates if uses_table(cfg) else cfg.embed * gates)
    return 4 * (layer1 + 2 * cfg.units * gates + cfg.units * cfg.vocab_size)


def _to_cpu(array) -> np.ndarray:
    get = getattr(array, "get", None)
    return get() if callable(get) else np.asarray(array)


class _StateStack:
    """State after each token, in chunks; old chunks thinned to their first row."""

    def __init__(self, units: int) -> None:
        self.units = units
        self.chunks: list[np.ndarray] = []  # each (CHUNK, 4, H) or (1, 4, H) when thinned
        self.length = 0

    def push(self) -> np.ndarray:
        """A row for the state after the next token (its content is written by the caller)."""
        index, row = divmod(self.length, CHUNK)
        if index == len(self.chunks):
            self.chunks.append(np.empty((CHUNK, 4, self.units), dtype=np.float32))
            self._thin()
        self.length += 1
        return self.chunks[index][row]

    def _thin(self) -> None:
        old = len(self.chunks) - 1 - FULL_WINDOW
        if old >= 0 and self.chunks[old].shape[0] == CHUNK:
            self.chunks[old] = self.chunks[old][:1].copy()

    def get(self, position: int) -> np.ndarray | None:
        """The state after token `position`, or None if it was thinned away."""
        index, row = divmod(position, CHUNK)
        chunk = self.chunks[index]
        return chunk[row] if row < chunk.shape[0] else None

    def h2_blocks(self, start: int, stop: int) -> tuple[list[np.ndarray], int]:
        """Layer 2's outputs after tokens start..stop-1 that are still held, as row views, and the
        first position they cover (a stretch thinned away before an edit far back is skipped)."""
        blocks: list[np.ndarray] = []
        first = stop
        for index in range(start // CHUNK, -(-stop // CHUNK)):
            chunk = self.chunks[index]
            lo, hi = max(start - index * CHUNK, 0), min(stop - index * CHUNK, CHUNK)
            if chunk.shape[0] < CHUNK:  # thinned: its states are gone
                blocks, first = [], stop
                continue
            if not blocks:
                first = index * CHUNK + lo
            blocks.append(chunk[lo:hi, 2])
        return blocks, first

    def truncate(self, length: int) -> int:
        """Keep states for the first `length` tokens; returns how many are directly usable."""
        self.length = min(self.length, length)
        keep = -(-self.length // CHUNK)
        del self.chunks[keep:]
        if self.length == 0:
            return 0
        index, row = divmod(self.length - 1, CHUNK)
        chunk = self.chunks[index]
        if row < chunk.shape[0]:
            return self.length
        full = np.empty((CHUNK, 4, self.units), dtype=np.float32)
        full[0] = chunk[0]
        self.chunks[index] = full
        self.length = index * CHUNK + 1
        return self.length


class SuggestionRanker:
    """Top-k next tokens and word completions from a next-token distribution.

    Shared by the LSTM `Predictor` and the count-based baselines of `lstm-tui eval` (which offer
    suggestions the same way, so their keystroke savings compare like with like). A subclass
    gives `logits()` for its current context.
    """

    def __init__(self, vocab: Vocabulary, tokenizer: Tokenizer) -> None:
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.level = tokenizer.level
        self._banned = np.zeros(len(vocab), dtype=bool)
        self._banned[vocab.id(UNK)] = True
        self._no_target = np.zeros(1, dtype=np.int32)  # the fused softmax's (unused) target
        self._no_bias = np.zeros(len(vocab), dtype=np.float32)  # logits() already holds the bias
        self._rendered = [tokenizer.render(t) for t in vocab.tokens]  # once, not per suggestion per key
        words = sorted((t, i) for i, t in enumerate(vocab.tokens) if t not in (UNK, EOS))
        self._sorted_words = [t for t, _ in words]
        self._sorted_ids = np.array([i for _, i in words], dtype=np.int64)

    def logits(self) -> np.ndarray:
        """Next-token logits after the current context."""
        raise NotImplementedError

    def probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The next-token distribution at `temperature` (a new array; the caller may change it)."""
        logits = self.logits()
        if temperature != 1.0:
            logits = logits / np.float32(max(temperature, 1e-3))
        if logits.dtype == np.float32:  # one fused pass instead of five array calls (a keystroke's budget)
            probs = np.empty((1, len(logits)), dtype=np.float32)
            softmax_cross_entropy_rows(logits[None], self._no_bias, self._no_target, probs)
            return probs[0]
        scaled = logits - logits.max()
        np.exp(scaled, out=scaled)
        scaled /= scaled.sum()
        return scaled

    def top_k(self, k: int = 5, temperature: float = 1.0) -> list[Suggestion]:
        """The k most likely next tokens (`<unk>` excluded), most likely first."""
        probs = self.probabilities(temperature)
        top = np.empty(max(1, min(k, len(probs))), dtype=np.int64)
        count = top_k_select(probs, self._banned, len(top), top)
        return [self._suggestion(int(i), float(probs[i]), "") for i in top[:count]]

    def completions(self, partial: str, k: int = 5, temperature: float = 1.0) -> list[Suggestion]:
        """In-vocabulary words starting with `partial`, probabilities renormalised over them."""
        lo = bisect.bisect_left(self._sorted_words, partial)
        hi = bisect.bisect_left(self._sorted_words, partial + "\U0010ffff")
        if lo == hi:
            return []
        ids = self._sorted_ids[lo:hi]
        probs = self.probabilities(temperature)[ids]
        total = float(probs.sum())
        if total <= 0:
            return []
        order = np.argsort(-probs, kind="stable")[:k]
        return [self._suggestion(int(ids[j]), float(probs[j] / total), partial) for j in order]

    def _suggestion(self, token_id: int, prob: float, partial: str) -> Suggestion:
        rendered = self._rendered[token_id]
        return Suggestion(self.vocab.tokens[token_id], prob, rendered[len(partial):] if partial else rendered)


class Predictor(SuggestionRanker):
    """Feeds tokens through the model one at a time and suggests the next ones."""

    def __init__(self, model: LanguageModel, vocab: Vocabulary, tokenizer: Tokenizer, meta: dict | None = None,
                 cache: CacheSettings | None = None, parts: int | None = None) -> None:
        """`parts`: cores to split each step over (None: `split_parts` decides from the model's size)."""
        super().__init__(vocab, tokenizer)
        self.meta = meta or {}
        self.cache = cache if cache is not None else CacheSettings.from_train(self.meta.get("train"))
        self.cache.validate()
        self.config = model.config
        if parts is None:
            parts = split_parts(step_bytes(model.config), model.config.units)
        elif parts < 1 or model.config.units % parts:
            raise ValueError(f"cannot split {model.config.units} units into {parts} parts")
        self.w = _Weights(model, parts)
        units = self.w.units
        self.units = units
        self.parameters = model.parameter_count()
        self._zero = np.zeros((4, units), dtype=np.float32)
        self._gates = np.empty(4 * units, dtype=np.float32)
        self._hh = np.empty(2 * units, dtype=np.float32)
        self._x = np.empty(4 * units, dtype=np.float32)  # layer 1's input projection when there is no table
        # On a machine with more cores than parts, each launch would wake every Numba thread.
        self._narrow_launches = self.w.parts > 1 and numba_config.NUMBA_NUM_THREADS != self.w.parts
        self._part_gates = np.empty((self.w.parts, 4 * units // self.w.parts), dtype=np.float32)
        self._partial = np.empty((self.w.parts, 4 * units), dtype=np.float32)
        self._part_hh = np.empty((self.w.parts, 2 * units // self.w.parts), dtype=np.float32)
        self.pacer = SplitPacer()
        """When a step of a split predictor runs on both cores (a burst) or on one (a lone key)."""
        self._tanh_c = np.empty((1, units), dtype=np.float32)
        self._logits = np.empty(len(vocab), dtype=np.float32)
        self._stack = _StateStack(units)
        self._ids: list[int] = []
        self._followed: str | None = None  # the text set_text last followed (None: fed directly)
        self._line_starts: list[int] = [0]  # word level: where each line of that text starts
        self._line_tokens: list[int] = [0]  # and how many tokens come before it
        self._warm_up()
        self._root = self._start_state(vocab)
        self.top_k(1)

    def _warm_up(self) -> None:
        """Compile or load the step's kernels now, not on the first key: a split predictor has two."""
        out = np.empty((4, self.units), dtype=np.float32)
        if self.w.parts == 1:
            self._step(0, self._zero, out)
            return
        w = self.w
        x = (w.table1[0] if w.table1 is not None else w.b1).reshape(w.parts, -1)
        if self._narrow_launches:
            set_num_threads(w.parts)
        for kernel in (serial_step, split_step):
            kernel(x, self._zero, w.w_h1t, w.w2t, w.b2, self._part_gates, self._partial, self._part_hh, out)

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
        return self.w.parts

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_saved(cls, saved: SavedModel, cache: CacheSettings | None = None) -> "Predictor":
        """`cache`: override the run's recorded cache settings (None: use them)."""
        return cls(saved.model, saved.vocab, make_tokenizer(saved.meta["tokenizer"]), saved.meta, cache)

    @classmethod
    def load(cls, folder: Path | str, cache: CacheSettings | None = None) -> "Predictor":
        return cls.from_saved(load_model(folder), cache)

    # state --------------------------------------------------------------------------------
    def _state(self) -> np.ndarray:
        if self._stack.length == 0:
            return self._root
        return self._stack.get(self._stack.length - 1)  # type: ignore[return-value]

    def _step(self, token_id: int, prev: np.ndarray, out: np.ndarray) -> None:
        """out[0..3] = (h1, c1, h2, c2) after `token_id` from state `prev`."""
        w, units, g = self.w, self.units, self._gates
        if w.table1 is not None:
            x = w.table1[token_id]
        else:
            x = self._x
            np.matmul(w.embed[token_id], w.w_x1t, out=x)
            x += w.b1
        if w.parts > 1:
            split = self.pacer.split_now()
            if split and self._narrow_launches:
                set_num_threads(w.parts)  # per thread in Numba: a keystroke may come from a worker thread
            (split_step if split else serial_step)(x.reshape(w.parts, -1), prev, w.w_h1t, w.w2t, w.b2,
                                                   self._part_gates, self._partial, self._part_hh, out)
            self.pacer.done(split)
            return
        np.matmul(prev[0], w.w_h1t, out=g)
        lstm_cell_forward(x[None], g[None], prev[1:2], out[1:2], self._tanh_c, out[0:1])
        self._hh[:units] = out[0]
        self._hh[units:] = prev[2]
        np.matmul(self._hh, w.w2t, out=g)
        lstm_cell_forward(w.b2[None], g[None], prev[3:4], out[3:4], self._tanh_c, out[2:3])

    def feed(self, token_id: int) -> None:
        """Advance the state by one token."""
        self._followed = None
        self._push(token_id)

    def _push(self, token_id: int) -> None:
        prev = self._state()
        row = self._stack.push()
        self._step(int(token_id), prev, row)
        self._ids.append(int(token_id))

    def pop(self, count: int = 1) -> None:
        """Forget the last `count` tokens (backspace)."""
        self._followed = None
        self._truncate(max(0, len(self._ids) - count))

    def reset(self) -> None:
        self._followed = None
        self._truncate(0)

    def _truncate(self, length: int) -> None:
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
    def followed(self) -> str:
        """The text `set_text` last followed ("" once the context was fed token by token)."""
        return self._followed or ""

    def set_ids(self, ids: list[int]) -> None:
        """Make the context exactly `ids`, recomputing only after the first difference."""
        self._followed = None  # the context no longer follows a text
        self._follow_ids(ids, 0)

    def _follow_ids(self, ids: list[int], start: int) -> None:
        """Make the context `self._ids[:start] + ids`, keeping states up to the first difference."""
        same = 0
        limit = min(len(ids), len(self._ids) - start)
        while same < limit and ids[same] == self._ids[start + same]:
            same += 1
        self._truncate(start + same)
        for token_id in ids[same:]:
            self._push(token_id)

    def _resync_point(self, text: str) -> tuple[int, int, int]:
        """(chars, tokens, line index) of `text` already tokenised as the followed text was.

        Char level: the common prefix. Word level: the start of the line holding the first
        change, because both word tokenizers split each line on its own.
        """
        if self._followed is None:
            return 0, 0, 0
        same = common_prefix_length(self._followed, text)
        if self.level == "char":
            return same, same, 0
        line = bisect.bisect_right(self._line_starts, same) - 1
        return self._line_starts[line], self._line_tokens[line], line

    def pending_chars(self, text: str) -> int:
        """Characters that following `text` would tokenise anew (to decide on a worker)."""
        return len(text) - self._resync_point(text)[0]

    def set_text(self, text: str) -> str:
        """Follow the text before the cursor; returns the partial word being typed.

        Only what changed is redone: the text is tokenised again from the first changed
        character (word level: from the start of its line) and the model steps again from the
        first changed token, so a keystroke at the end of a long text costs one step.
        """
        if self._followed is None:
            self._line_starts, self._line_tokens = [0], [0]
        keep, kept_tokens, line = self._resync_point(text)
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
        self._follow_ids(self.vocab.encode(complete).tolist(), kept_tokens)
        self._followed = text
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
        np.matmul(h2, self.w.w_outt, out=self._logits)
        self._logits += self.w.b_out
        return self._logits

    def probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The model's next-token distribution, mixed with the continuous cache when it is on."""
        probs = self.model_probabilities(temperature)
        self.mix_in_cache(probs)
        return probs

    def model_probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The model's own next-token distribution, before the cache (a new array)."""
        return super().probabilities(temperature)

    def mix_in_cache(self, probs: np.ndarray) -> None:
        """probs (the model's distribution now) ← its mixture with the cache, in place; nothing
        when the cache is off or holds no position yet."""
        length = self._stack.length
        if self.cache.active and length > 1:
            # Position i (state after token i) is followed by token i + 1; the newest is length − 2.
            blocks, first = self._stack.h2_blocks(max(0, length - 1 - self.cache.size), length - 1)
            next_ids = np.asarray(self._ids[first + 1 : length], dtype=np.intp)
            mix_cache(probs, self._state()[2], blocks, next_ids, self.cache)

    def suggest(self, text: str, k: int = 5, temperature: float = 1.0) -> Suggestions:
        """Follow `text` and return next tokens, or completions of the word being typed."""
        partial = self.set_text(text)
        if partial:
            return Suggestions(self.completions(partial, k, temperature), partial)
        return Suggestions(self.top_k(k, temperature), "")

    # continuation -------------------------------------------------------------------------
    def greedy(self, tokens: int = 4, partial: str = "", max_chars: int = 40) -> str:
        """The most likely continuation (ghost text), without changing the context."""
        mark = len(self._ids)
        pieces: list[str] = []
        try:
            if partial:
                best = self.completions(partial, 1)
                if not best:
                    return ""
                pieces.append(best[0].insert)
                self._push(self.vocab.id(best[0].token))
            for _ in range(tokens):
                probs = self.probabilities()
                probs[self._banned] = -1.0
                token_id = int(np.argmax(probs))
                token = self.vocab.tokens[token_id]
                pieces.append(self.tokenizer.render(token))
                if token == EOS or (self.level == "char" and token == "\n"):
                    break
                self._push(token_id)
                if sum(map(len, pieces)) >= max_chars:
                    break
        finally:
            self._truncate(mark)
        return "".join(pieces)[:max_chars]

    def generate(self, prime: str = "", length: int = 200, temperature: float = 1.0, seed: int | None = None) -> str:
        """Sample `length` tokens after `prime` (the context is restored afterwards)."""
        rng = np.random.default_rng(seed)
        saved, followed = list(self._ids), self._followed
        self.set_text(prime) if prime else self.reset()
        pieces: list[str] = []
        try:
            for _ in range(length):
                probs = self.probabilities(temperature).astype(np.float64)
                probs[self._banned] = 0.0
                probs /= probs.sum()
                token_id = int(rng.choice(len(probs), p=probs))
                pieces.append(self.tokenizer.render(self.vocab.tokens[token_id]))
                self._push(token_id)
        finally:
            self.set_ids(saved)
            self._followed = followed
            if followed is not None:
                self._line_starts, self._line_tokens = [0], [0]
                self.set_text(followed)  # rebuilds the line index; the states are all reused
        return "".join(pieces)

    # facts for the UI ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.meta.get("name", "model"))

    @property
    def valid_perplexity(self) -> float | None:
        value = self.meta.get("metrics", {}).get("valid_ppl")
        return float(value) if isinstance(value, (int, float)) else None

"""Count-based baselines over token ids: an add-one unigram and interpolated modified Kneser–Ney.

Both models see the same token ids as the LSTM (the model's vocabulary) and give a full
next-token distribution, so perplexity and top-k accuracy compare like with like.

Kneser–Ney follows Chen & Goodman (1998), "interpolated modified Kneser–Ney":

    P_k(w | h) = max(c_k(h w) − D_k(c_k(h w)), 0) / Σ_v c_k(h v)  +  γ_k(h) · P_{k−1}(w | h')
    γ_k(h)     = (D_k1 · N1(h •) + D_k2 · N2(h •) + D_k3+ · N3+(h •)) / Σ_v c_k(h v)
    P_0(w)     = 1 / V                                     (uniform: nothing gets zero probability)

where h' drops the oldest token of h, c_k is the raw count at the highest order and the
continuation count N1+(• h w) (distinct tokens seen before h w) at every lower order, N_r(h •)
counts the successors of h whose c_k is r, and the three discounts of each order come from that
order's count-of-counts n_1..n_4 (`modified_kn_discounts`). A history never seen (or with no
successors) passes its lower order's distribution through unchanged. Near the start of a
sequence, where fewer than order − 1 tokens precede, the longest available history is used with
the counts of its own order (continuation counts).

N-grams are counted with NumPy: the k-gram starting at each position gets a type index by
`np.unique` over (type of its (k−1)-gram prefix) · V + (last token), so every order is one sort
and the successors of a history are one contiguous slice of the sorted keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CHAR_ORDER = 7  # n-gram order of the Kneser–Ney baseline for character models
WORD_ORDER = 3  # ... and for word models


def modified_kn_discounts(n1: int, n2: int, n3: int, n4: int) -> tuple[float, float, float]:
    """(D1, D2, D3+) from count-of-counts: Y = n1/(n1+2·n2), D_r = r − (r+1)·Y·n_{r+1}/n_r.

    Undefined terms (an n_r of zero, as on tiny texts) fall back to (0.5, 1.0, 1.5); every
    discount is then clamped to [0.1, r] so seen histories always leave some mass to the lower
    order and no count goes negative.
    """
    fallback = (0.5, 1.0, 1.5)
    counts = (n1, n2, n3, n4)
    y = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else None
    result = []
    for r in (1, 2, 3):
        if y is None or counts[r - 1] == 0:
            d = fallback[r - 1]
        else:
            d = r - (r + 1) * y * counts[r] / counts[r - 1]
        result.append(float(min(max(d, 0.1), r)))
    return result[0], result[1], result[2]


def rank_of(probs: np.ndarray, token: int) -> int:
    """How many tokens are strictly more likely than `token` (0 = the top prediction)."""
    return int(np.count_nonzero(probs > probs[token]))


@dataclass
class SequenceScores:
    """Per-target results of scoring a token sequence: targets are ids[1:], each given all before it."""

    nll: np.ndarray  # negative log-probability of each target (nats)
    rank: np.ndarray  # tokens strictly more likely than the target

    @property
    def tokens(self) -> int:
        return int(len(self.nll))

    def accuracy(self, k: int) -> float:
        """Share of targets among the k most likely tokens."""
        return float(np.mean(self.rank < k)) if len(self.rank) else 0.0


class UnigramModel:
    """P(w) = (c(w) + 1) / (N + V): add-one smoothed token frequencies, context ignored."""

    name = "unigram"

    def __init__(self, vocab_size: int | None = None) -> None:
        self.vocab_size = vocab_size
        self.probs: np.ndarray | None = None

    def fit(self, ids: np.ndarray) -> "UnigramModel":
        ids = np.asarray(ids, dtype=np.int64)
        size = self.vocab_size or int(ids.max()) + 1
        self.vocab_size = size
        counts = np.bincount(ids, minlength=size).astype(np.float64)
        self.probs = (counts + 1.0) / (counts.sum() + size)
        return self

    def distribution(self, context_ids=()) -> np.ndarray:
        """The next-token distribution (the same after every context)."""
        return self._fitted().copy()

    def log_prob(self, context_ids, token: int) -> float:
        return float(np.log(self._fitted()[int(token)]))

    def score(self, ids: np.ndarray) -> SequenceScores:
        """NLL and rank of every target ids[1:]."""
        probs = self._fitted()
        targets = np.asarray(ids, dtype=np.int64)[1:]
        order = np.sort(probs)
        ranks = len(probs) - np.searchsorted(order, probs, side="right")  # strictly greater
        return SequenceScores(nll=-np.log(probs[targets]), rank=ranks[targets])

    def _fitted(self) -> np.ndarray:
        if self.probs is None:
            raise RuntimeError("fit the model first")
        return self.probs


@dataclass
class _Order:
    """The n-grams of one order k: sorted keys (history type · V + token) and what each history needs."""

    keys: np.ndarray  # int64, sorted; one per k-gram type
    tokens: np.ndarray  # int64, last token of each k-gram type
    discounted: np.ndarray  # max(c − D(c), 0) / Σ c over the history's successors, per k-gram type
    starts: np.ndarray  # successors of history type h are keys[starts[h]:starts[h + 1]]
    gamma: np.ndarray  # back-off weight of each history type (0 when it has no successors)
    seen: np.ndarray  # bool per history type: has successors with non-zero count
    discounts: tuple[float, float, float]


class KneserNeyModel:
    """Interpolated modified Kneser–Ney of a given order (see the module docstring)."""

    def __init__(self, order: int, vocab_size: int | None = None) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order = order
        self.vocab_size = vocab_size
        self.orders: list[_Order] = []  # orders[k − 1] holds the k-grams
        self.unigram_type: np.ndarray | None = None  # token id → 1-gram type (−1 if never seen)

    @property
    def name(self) -> str:
        return f"kn-{self.order}gram"

    # fitting ----------------------------------------------------------------------------------
    def fit(self, ids: np.ndarray) -> "KneserNeyModel":
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) < 1:
            raise ValueError("cannot fit on an empty sequence")
        size = self.vocab_size or int(ids.max()) + 1
        self.vocab_size = size
        n = len(ids)
        # Type of the k-gram starting at each position, and each type's first position and count.
        position_types: list[np.ndarray] = []
        keys_by_order: list[np.ndarray] = []
        first_by_order: list[np.ndarray] = []
        counts_by_order: list[np.ndarray] = []
        for k in range(1, self.order + 1):
            if n - k + 1 <= 0:
                break
            if k == 1:
                key = ids
            else:
                key = position_types[-1][: n - k + 1] * size + ids[k - 1 :]
            keys, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
            position_types.append(inverse.reshape(-1).astype(np.int64))
            keys_by_order.append(keys.astype(np.int64))
            first_by_order.append(first)
            counts_by_order.append(counts)
        top = len(keys_by_order)
        self.orders = []
        for k in range(1, top + 1):
            if k == self.order:
                counts = counts_by_order[k - 1].astype(np.float64)
            elif k < top:
                # continuation count: distinct (k+1)-gram types whose last k tokens are this k-gram
                suffix = position_types[k - 1][first_by_order[k] + 1]
                counts = np.bincount(suffix, minlength=len(keys_by_order[k - 1])).astype(np.float64)
            else:  # the text is shorter than the order: no longer n-grams to continue
                counts = counts_by_order[k - 1].astype(np.float64)
            histories = len(keys_by_order[k - 2]) if k > 1 else 1
            self.orders.append(self._build_order(keys_by_order[k - 1], counts, histories, size))
        unigram_type = np.full(size, -1, dtype=np.int64)
        unigram_type[keys_by_order[0]] = np.arange(len(keys_by_order[0]))
        self.unigram_type = unigram_type
        return self

    @staticmethod
    def _build_order(keys: np.ndarray, counts: np.ndarray, histories: int, size: int) -> _Order:
        int_counts = counts.astype(np.int64)
        n_r = [int(np.count_nonzero(int_counts == r)) for r in (1, 2, 3, 4)]
        d1, d2, d3 = modified_kn_discounts(*n_r)
        history = keys // size
        tokens = keys % size
        starts = np.searchsorted(keys, np.arange(histories + 1, dtype=np.int64) * size)
        total = np.bincount(history, weights=counts, minlength=histories)
        table = np.array([0.0, d1, d2, d3])
        discount = table[np.minimum(int_counts, 3)]
        mass = np.bincount(history, weights=discount, minlength=histories)
        seen = total > 0
        safe = np.where(seen, total, 1.0)
        gamma = np.where(seen, mass / safe, 0.0)
        discounted = np.maximum(counts - discount, 0.0) / safe[history]
        return _Order(keys=keys, tokens=tokens, discounted=discounted, starts=starts, gamma=gamma, seen=seen, discounts=(d1, d2, d3))

    # lookups ----------------------------------------------------------------------------------
    def _lookup(self, k: int, prefix_types: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Type index of each k-gram (prefix (k−1)-gram type, token), or −1 where never seen."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if k == 1:
            return self._unigram_types()[tokens]
        if k > len(self.orders):
            return np.full(len(tokens), -1, dtype=np.int64)
        keys = self.orders[k - 1].keys
        query = prefix_types * self.vocab_size + tokens
        index = np.searchsorted(keys, query)
        clipped = np.minimum(index, len(keys) - 1)
        found = (prefix_types >= 0) & (keys[clipped] == query)
        return np.where(found, index, -1)

    def _unigram_types(self) -> np.ndarray:
        if self.unigram_type is None:
            raise RuntimeError("fit the model first")
        return self.unigram_type

    def _history_types(self, ids: np.ndarray) -> np.ndarray:
        """(order, len(ids) + 1): row L, column i = type of the L-gram ids[i−L:i] (−1: unseen or too short).

        Row 0 is the empty history (type 0) everywhere.
        """
        ids = np.asarray(ids, dtype=np.int64)
        n = len(ids)
        types = np.full((self.order, n + 1), -1, dtype=np.int64)
        types[0] = 0
        for length in range(1, self.order):
            if length > n:
                break
            # ids[i−L:i] = ids[i−L:i−1] (the (L−1)-gram ending before i−1) + ids[i−1]
            prefix = types[length - 1][length - 1 : n] if length > 1 else np.zeros(n - length + 1, dtype=np.int64)
            types[length][length:] = self._lookup(length, prefix, ids[length - 1 : n])
        return types

    def _seen_histories(self, history: np.ndarray):
        """(order, history type) from the lowest order up, for the histories seen in training."""
        for k, order in enumerate(self.orders, start=1):
            h = int(history[k - 1])
            if h < 0:
                break
            if order.seen[h]:
                yield order, h

    def _distribution_from(self, history: np.ndarray) -> np.ndarray:
        """The distribution given the history types of one position (history[L] for length L)."""
        size = self.vocab_size
        probs = np.full(size, 1.0 / size)
        for order, h in self._seen_histories(history):
            lo, hi = order.starts[h], order.starts[h + 1]
            probs *= order.gamma[h]
            probs[order.tokens[lo:hi]] += order.discounted[lo:hi]
        return probs

    def _prob_from(self, history: np.ndarray, token: int) -> float:
        size = self.vocab_size
        prob = 1.0 / size
        for order, h in self._seen_histories(history):
            lo, hi = int(order.starts[h]), int(order.starts[h + 1])
            key = h * size + token
            j = lo + int(np.searchsorted(order.keys[lo:hi], key))
            own = order.discounted[j] if j < hi and order.keys[j] == key else 0.0
            prob = float(order.gamma[h]) * prob + float(own)
        return prob

    def _context_history(self, context_ids) -> np.ndarray:
        context = np.asarray(context_ids, dtype=np.int64)[-(self.order - 1) :] if self.order > 1 else np.zeros(0, np.int64)
        return self._history_types(context)[:, -1]

    # public queries ---------------------------------------------------------------------------
    def distribution(self, context_ids) -> np.ndarray:
        """P(· | context): an array of length V that sums to 1."""
        self._unigram_types()
        return self._distribution_from(self._context_history(context_ids))

    def log_prob(self, context_ids, token: int) -> float:
        """log P(token | context) in nats."""
        self._unigram_types()
        return math.log(self._prob_from(self._context_history(context_ids), int(token)))

    def score(self, ids: np.ndarray) -> SequenceScores:
        """NLL and rank of every target ids[1:], each given all tokens before it."""
        ids = np.asarray(ids, dtype=np.int64)
        history = self._history_types(ids)
        count = max(len(ids) - 1, 0)
        nll = np.empty(count)
        rank = np.empty(count, dtype=np.int64)
        for i in range(1, len(ids)):
            probs = self._distribution_from(history[:, i])
            target = ids[i]
            nll[i - 1] = -math.log(probs[target])
            rank[i - 1] = np.count_nonzero(probs > probs[target])
        return SequenceScores(nll=nll, rank=rank)

"""The count-based baselines: proper distributions, Kneser–Ney by hand and by brute force, real text."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.eval.ngram import KneserNeyModel, UnigramModel, modified_kn_discounts
from lstm_tui.engine.data.vocabulary import Vocabulary


def brute_force_kn(sequence: list[int], order: int, vocab_size: int):
    """Interpolated modified Kneser–Ney straight from the definition, with tuples and Counters."""
    grams = {k: Counter(tuple(sequence[i : i + k]) for i in range(len(sequence) - k + 1)) for k in range(1, order + 1)}

    def count(k: int, gram: tuple) -> int:
        if k == order:
            return grams[k][gram]
        return sum(1 for longer in grams[k + 1] if longer[1:] == gram)  # distinct left neighbours

    def discounts(k: int) -> tuple[float, ...]:
        of = Counter(count(k, g) for g in grams[k])
        n1, n2, n3, n4 = (of[r] for r in (1, 2, 3, 4))
        y = n1 / (n1 + 2 * n2) if n1 + 2 * n2 else None
        out = []
        for r, fallback in ((1, 0.5), (2, 1.0), (3, 1.5)):
            nr, nnext = (n1, n2, n3, n4)[r - 1], (n1, n2, n3, n4)[r]
            d = fallback if y is None or nr == 0 else r - (r + 1) * y * nnext / nr
            out.append(min(max(d, 0.1), r))
        return (0.0, *out)

    table = {k: discounts(k) for k in grams}

    def prob(k: int, history: tuple, token: int) -> float:
        lower = 1.0 / vocab_size if k == 1 else prob(k - 1, history[1:], token)
        successors = {g: count(k, g) for g in grams[k] if g[:-1] == history}
        total = sum(successors.values())
        if total == 0:
            return lower
        d = table[k]
        gamma = sum(d[min(c, 3)] for c in successors.values()) / total
        c = successors.get(history + (token,), 0)
        return max(c - d[min(c, 3)], 0) / total + gamma * lower

    def p(context: list[int], token: int) -> float:
        history = tuple(context[-(order - 1) :]) if order > 1 and context else ()
        return prob(len(history) + 1, history, token)

    return p


def test_discounts_follow_chen_and_goodman() -> None:
    y = 100 / (100 + 2 * 40)
    d1, d2, d3 = modified_kn_discounts(100, 40, 20, 12)
    assert d1 == pytest.approx(1 - 2 * y * 40 / 100)
    assert d2 == pytest.approx(2 - 3 * y * 20 / 40)
    assert d3 == pytest.approx(3 - 4 * y * 12 / 20)
    assert modified_kn_discounts(0, 0, 0, 0) == (0.5, 1.0, 1.5)


def test_bigram_matches_a_hand_computation() -> None:
    # bigrams (0,1)×2 (1,0)×2 (0,2)×1: n1=1, n2=2 → Y=0.2, D1=1−2·0.2·2/1=0.2, D2=2−0=2
    # unigram continuation counts are all 1 (n1=3, n2=0 → D1=1): the lower order is uniform 1/3
    # after 0: successors 1 (c=2) and 2 (c=1), total 3, γ = (2 + 0.2)/3
    model = KneserNeyModel(2, vocab_size=3).fit(np.array([0, 1, 0, 1, 0, 2]))
    gamma = 2.2 / 3
    assert math.exp(model.log_prob([0], 1)) == pytest.approx(0 / 3 + gamma / 3)
    assert math.exp(model.log_prob([0], 2)) == pytest.approx(0.8 / 3 + gamma / 3)
    assert math.exp(model.log_prob([0], 0)) == pytest.approx(gamma / 3)
    np.testing.assert_allclose(model.distribution([0]), [gamma / 3, gamma / 3, 0.8 / 3 + gamma / 3])


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_matches_a_brute_force_implementation(order: int) -> None:
    rng = np.random.default_rng(order)
    text = "the cat sat on the mat. the cat ate the rat; a bat sat on a hat."
    vocab = Vocabulary.build(list(text))
    size = len(vocab) + 2  # two tokens that never occur: their probability comes from the uniform floor
    ids = vocab.encode(list(text)).tolist()
    model = KneserNeyModel(order, vocab_size=size).fit(np.array(ids))
    reference = brute_force_kn(ids, order, size)
    contexts = [ids[:i] for i in range(0, 12)] + [ids[: rng.integers(5, len(ids))] for _ in range(10)]
    contexts += [[size - 1, size - 2], [ids[3], size - 1], list(rng.integers(0, size, 5))]  # unseen histories
    for context in contexts:
        context = [int(t) for t in context]
        expected = np.array([reference(context, w) for w in range(size)])
        np.testing.assert_allclose(model.distribution(context), expected, rtol=1e-10, atol=1e-12)
        for w in (0, int(ids[0]), size - 1):
            assert model.log_prob(context, w) == pytest.approx(math.log(expected[w]), rel=1e-10)


def test_distributions_sum_to_one_for_seen_and_unseen_contexts() -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 40, 5_000) % rng.integers(1, 40, 5_000)  # skewed
    model = KneserNeyModel(5, vocab_size=50).fit(ids)
    unigram = UnigramModel(50).fit(ids)
    for context in ([], list(ids[:4]), list(ids[100:104]), [49, 48, 47, 46], [int(ids[7]), 49]):
        dist = model.distribution(context)
        assert dist.shape == (50,) and abs(dist.sum() - 1) < 1e-6 and dist.min() > 0
    assert abs(unigram.distribution().sum() - 1) < 1e-9 and unigram.distribution()[49] == pytest.approx(1 / (5_000 + 50))


def test_score_agrees_with_log_prob_and_distribution() -> None:
    rng = np.random.default_rng(1)
    train = rng.integers(0, 12, 3_000) // rng.integers(1, 4, 3_000)
    held = rng.integers(0, 12, 200)
    for model in (KneserNeyModel(4, vocab_size=12).fit(train), UnigramModel(12).fit(train)):
        scores = model.score(held)
        assert scores.tokens == 199
        for i in (1, 2, 3, 50, 199):
            context = held[:i].tolist()
            assert scores.nll[i - 1] == pytest.approx(-model.log_prob(context, int(held[i])), rel=1e-9)
            dist = model.distribution(context)
            assert scores.rank[i - 1] == int(np.sum(dist > dist[held[i]]))
        assert 0 <= scores.accuracy(1) <= scores.accuracy(3) <= scores.accuracy(5) <= 1


def test_seven_gram_beats_unigram_on_tiny_shakespeare(shakespeare_100k: Path, held_out: Path) -> None:
    train, valid = shakespeare_100k.read_text(encoding="utf-8"), held_out.read_text(encoding="utf-8")
    vocab = Vocabulary.build(list(train))
    train_ids, valid_ids = vocab.encode(list(train)), vocab.encode(list(valid))
    unigram = UnigramModel(len(vocab)).fit(train_ids).score(valid_ids)
    kn = KneserNeyModel(7, len(vocab)).fit(train_ids).score(valid_ids)
    # these 100 kB / 5 kB give unigram 3.30 nats/char, KN 7-gram 1.50, top-1 55.5 %;
    # the full 90/10 split gives unigram 3.347, KN 7-gram 1.516, top-1 54.8 %
    assert 3.1 < unigram.nll.mean() < 3.6
    assert 1.3 < kn.nll.mean() < 2.0
    assert kn.nll.mean() < unigram.nll.mean() - 1.2
    assert kn.accuracy(1) > 0.45 > 0.2 > unigram.accuracy(1)

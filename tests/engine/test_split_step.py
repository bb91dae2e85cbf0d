"""The keystroke step split across cores by units computes what the one-core step computes."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_tui.engine.infer import split_step, step_weights
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.split_step import SplitPacer
from lstm_tui.engine.infer.step_weights import step_bytes
from lstm_tui.engine.data.tokenizers import CharTokenizer
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary


ALWAYS = dict(awake_s=float("inf"), burst=0)  # every step on both cores (split_step)
NEVER = dict(awake_s=0.0, burst=10**9)  # every step on one core (serial_step, the split layout)


def build(vocab: int, units: int, embed: int, parts: int, cache: int = 0, scale: float = 1.0,
          pacing: dict = ALWAYS) -> Predictor:
    """`scale` > 1 enlarges the weights beyond the ±0.1 init, so the gates saturate somewhere too."""
    model = LanguageModel(ModelConfig(vocab_size=vocab, units=units, embed=embed))
    model.init_weights(np.random.default_rng(0))
    for param in model.params():
        param.array[...] *= scale
    words = Vocabulary([UNK] + [chr(0x4E00 + i) for i in range(vocab - 1)])
    predictor = Predictor(model, words, CharTokenizer(), cache=CacheSettings(cache), parts=parts)
    predictor.token_step.pacer = SplitPacer(**pacing)
    return predictor


@pytest.mark.parametrize("pacing", [ALWAYS, NEVER], ids=["split", "serial"])
@pytest.mark.parametrize("vocab, units, embed, table", [(65, 256, 256, True), (30, 6, 5, True), (30, 12, 7, False)])
def test_the_split_step_equals_the_one_core_step(vocab, units, embed, table, pacing, monkeypatch) -> None:
    if not table:  # layer 1's input projection computed per key instead of looked up
        monkeypatch.setattr(step_weights, "TABLE_LIMIT", 0)
    ids = np.random.default_rng(1).integers(1, vocab, 300)
    # Saturating weights: each step from the same state, where only the order of float32 sums differs
    one, two = build(vocab, units, embed, 1, scale=8), build(vocab, units, embed, 2, scale=8, pacing=pacing)
    assert (one.parts, two.parts) == (1, 2)
    assert (two.weights.table1 is not None) == table
    out = np.empty((4, units), dtype=np.float32)
    for token_id in ids:
        prev = one._state()
        one.feed(int(token_id))
        two._step(int(token_id), prev, out)
        np.testing.assert_allclose(out, one._state(), rtol=1e-5, atol=1e-5)  # sums of 512 float32 terms
    # Trained-sized weights (a ×8 recurrence is chaotic: rounding would grow without bound), each
    # predictor on its own states for 300 steps: the rounding differences stay small
    one, two = build(vocab, units, embed, 1), build(vocab, units, embed, 2, pacing=pacing)
    for token_id in ids:
        one.feed(int(token_id))
        two.feed(int(token_id))
    np.testing.assert_allclose(two._state(), one._state(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(two.probabilities(), one.probabilities(), rtol=1e-4, atol=1e-7)
    assert [s.token for s in two.top_k(5)] == [s.token for s in one.top_k(5)]
    two.pop(40)  # the stack, backspace and the cache read the states the split step wrote
    one.pop(40)
    np.testing.assert_allclose(two.probabilities(), one.probabilities(), rtol=1e-4, atol=1e-7)


def test_the_split_step_feeds_the_cache_like_the_one_core_step() -> None:
    one, two = build(40, 16, 8, 1, cache=200), build(40, 16, 8, 2, cache=200)
    text = "".join(chr(0x4E00 + i) for i in np.random.default_rng(2).integers(0, 39, 500))
    one.set_text(text)
    two.set_text(text)
    np.testing.assert_allclose(two.probabilities(), one.probabilities(), rtol=1e-4, atol=1e-7)


def test_a_step_is_split_only_where_it_pays(monkeypatch) -> None:
    monkeypatch.setattr(split_step.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(split_step, "_spinning_threads", lambda: True)
    config_a = ModelConfig(vocab_size=65, units=256, embed=256)  # 3 MB a key: beyond one core's L2
    assert split_step.split_parts(step_bytes(config_a), config_a.units) == 2
    tiny = ModelConfig(vocab_size=65, units=64, embed=64)  # 0.2 MB: one core's cache holds it
    assert split_step.split_parts(step_bytes(tiny), tiny.units) == 1
    config_d = ModelConfig(vocab_size=10000, units=650, embed=650)  # 47 MB: two BLAS threads stream it
    assert split_step.split_parts(step_bytes(config_d), config_d.units) == 1
    assert split_step.split_parts(step_bytes(config_a), 255) == 1  # units that do not halve
    monkeypatch.setattr(split_step.os, "sched_getaffinity", lambda pid: {0})
    assert split_step.split_parts(step_bytes(config_a), config_a.units) == 1  # one core
    monkeypatch.setattr(split_step.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(split_step, "_spinning_threads", lambda: False)  # Numba's workqueue only
    assert split_step.split_parts(step_bytes(config_a), config_a.units) == 1


def test_units_that_do_not_split_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot split 7 units into 2 parts"):
        build(20, 7, 4, 2)


def test_only_steps_in_a_burst_wake_the_other_core(monkeypatch) -> None:
    """A lone key runs on one core (waking a sleeping worker costs more than the split saves);
    steps close together run split once there are `burst` of them, and while the workers spin."""
    clock = [0.0]
    monkeypatch.setattr(split_step.time, "perf_counter", lambda: clock[0])
    pacer = SplitPacer(awake_s=1e-3, burst=3)

    def step(gap: float, took: float = 1e-4) -> bool:
        clock[0] += gap
        split = pacer.split_now()
        clock[0] += took
        pacer.done(split)
        return split

    assert [step(0.1) for _ in range(5)] == [False] * 5  # keys typed by a person
    assert [step(1e-5) for _ in range(5)] == [False, False, True, True, True]  # a burst: split from the 3rd
    assert step(5e-4)  # the workers still spin: split at once
    assert not step(0.05)  # asleep again
    assert not step(1e-5)  # one close step is not yet a burst

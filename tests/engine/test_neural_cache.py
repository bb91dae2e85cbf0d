"""The continuous cache: its mixture against a direct float64 computation, through edits and
thinning, its settings, and eval's report with and without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.eval.evaluate import evaluate_file
from lstm_tui.engine.infer.neural_cache import MAX_SIZE, CacheSettings
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.state_stack import CHUNK, FULL_WINDOW

SETTINGS = CacheSettings(size=60, theta=0.5, mix=0.25)


def expected_mixture(run: Path, text: str, settings: CacheSettings) -> np.ndarray:
    """(1 − λ)·softmax + λ·p_cache after `text`, from the per-position outputs of a cache-less
    predictor fed one character at a time, in float64."""
    plain = Predictor.load(run, CacheSettings(size=0))
    outputs, ids = [], []
    for char in text:
        plain.feed(plain.vocab.id(char))
        outputs.append(plain._state()[2].astype(np.float64))
        ids.append(plain.vocab.id(char))
    logits = plain.logits().astype(np.float64)
    model = np.exp(logits - logits.max())
    model /= model.sum()
    now = len(ids) - 1
    window = range(max(0, now - settings.size), now)
    scores = np.array([settings.theta * outputs[i] @ outputs[now] for i in window])
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    cache = np.zeros_like(model)
    for i, weight in zip(window, weights):
        cache[ids[i + 1]] += weight
    return (1 - settings.mix) * model + settings.mix * cache


def cached(run: Path, text: str, settings: CacheSettings = SETTINGS) -> np.ndarray:
    predictor = Predictor.load(run, settings)
    predictor.reset()
    for char in text:
        predictor.feed(predictor.vocab.id(char))
    return predictor.probabilities()


def test_mixture_equals_a_direct_computation(trained_char_run: Path) -> None:
    text = "ROMEO:\nWhat say you? Speak, Romeo, speak; what say you to Juliet?"
    assert len(text) > SETTINGS.size  # the window is cut to the last `size` positions
    probs = cached(trained_char_run, text)
    np.testing.assert_allclose(probs, expected_mixture(trained_char_run, text, SETTINGS), rtol=2e-4, atol=1e-7)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_the_cache_lifts_what_the_text_already_said(trained_char_run: Path) -> None:
    """A made-up name: after it appeared twice, its next letter is likelier with the cache."""
    text = "Zqxv said it. Then Zqxv said it again. Zq"
    alone = cached(trained_char_run, text, CacheSettings(size=0))
    with_cache = cached(trained_char_run, text, CacheSettings(size=200))
    x = Predictor.load(trained_char_run).vocab.id("x")
    assert with_cache[x] > 1.5 * alone[x]


def test_edits_and_backspace_equal_fresh_typing_with_the_cache(trained_char_run: Path) -> None:
    typed = Predictor.load(trained_char_run, SETTINGS)
    text = ""
    for char in "Good morrow, sweet lady; good morrow, sweet lord":
        text += char
        typed.suggest(text)
    text = "Bad" + text[4:-5]  # an edit at the start, then backspace
    typed.set_text(text)
    fresh = Predictor.load(trained_char_run, SETTINGS)
    fresh.set_text(text)
    np.testing.assert_allclose(typed.probabilities(), fresh.probabilities(), rtol=1e-5, atol=1e-8)


def test_long_text_keeps_the_cache_window_in_full(trained_char_run: Path) -> None:
    settings = CacheSettings(size=MAX_SIZE, theta=0.3, mix=0.15)
    text = ("Now is the winter of our discontent\nMade glorious summer by this sun of York;\n" * 80)
    text = text[: CHUNK * (FULL_WINDOW + 2)]
    predictor = Predictor.load(trained_char_run, settings)
    predictor.set_text(text)
    assert predictor._stack.chunks[0].shape[0] == 1  # old states are thinned
    np.testing.assert_allclose(predictor.probabilities(), expected_mixture(trained_char_run, text, settings),
                               rtol=2e-4, atol=1e-7)


def test_settings_are_checked_and_recorded() -> None:
    for bad in (dict(cache_size=-1), dict(cache_size=MAX_SIZE + 1), dict(cache_size=10, cache_mix=1.0),
                dict(cache_size=10, cache_theta=0.0)):
        with pytest.raises(UserError, match="--cache-"):
            TrainConfig.from_values(bad).validate()
    recorded = TrainConfig.from_values(cache_size=500, cache_theta=0.2).to_dict()
    assert TrainConfig.from_dict(recorded).prediction.cache == CacheSettings(500, 0.2, 0.15)
    assert not TrainConfig.from_dict({}).prediction.cache.active  # runs made before the cache: off


def test_eval_reports_the_model_with_and_without_the_cache(trained_char_run: Path, held_out: Path) -> None:
    on = evaluate_file(trained_char_run, held_out, max_tokens=600, baselines=False, ksr_chars=0, cache=SETTINGS)
    off = evaluate_file(trained_char_run, held_out, max_tokens=600, baselines=False, ksr_chars=0)
    assert off.cache is None and off.lstm_alone is None
    assert on.cache == {"size": 60, "theta": 0.5, "mix": 0.25}
    assert on.lstm_alone.nll == pytest.approx(off.lstm.nll, rel=1e-9)
    assert on.lstm.nll != pytest.approx(off.lstm.nll, rel=1e-6)


def test_eval_cache_flags_need_a_size_on_a_run_without_one(trained_char_run: Path, held_out: Path, capsys) -> None:
    assert main(["eval", "--model", str(trained_char_run), "--cache-mix", "0.2", "--no-baselines", str(held_out)]) != 0
    assert "--cache-size" in capsys.readouterr().err


def test_grid_scores_equal_the_predictor_fed_token_by_token(trained_char_run: Path, held_out: Path) -> None:
    """The sweep's batched scores are what `lstm-tui eval` measures for each setting."""
    from lstm_tui.engine.infer.neural_cache import grid_scores

    grid = [CacheSettings(0), SETTINGS, CacheSettings(size=300, theta=0.2, mix=0.1)]
    plain = Predictor.load(trained_char_run, CacheSettings(0))
    text = held_out.read_text(encoding="utf-8")[:700]
    ids = plain.vocab.encode(list(text))
    results = grid_scores(plain.outputs(ids[:-1]), ids, plain.weights.w_outt, plain.weights.b_out, grid, chunk=64)
    for settings, (nll, rank) in zip(grid, results):
        predictor = Predictor.load(trained_char_run, settings)
        predictor.reset()
        for t in range(len(ids) - 1):
            predictor.feed(int(ids[t]))
            probs = predictor.probabilities().astype(np.float64)
            target = int(ids[t + 1])
            assert nll[t] == pytest.approx(-np.log(probs[target]), rel=1e-4, abs=1e-5)
            assert abs(int(rank[t]) - int(np.count_nonzero(probs > probs[target]))) <= 1  # float32 ties
        assert predictor.context_ids == ids[:-1].tolist()


def test_cache_sweep_ranks_settings_and_rejects_bad_ones(trained_char_run: Path, held_out: Path, capsys) -> None:
    from benchmarks.cache_sweep import main as sweep

    base = ["--model", str(trained_char_run), "--max-tokens", "300", "--sizes", "50", "--thetas", "0.3"]
    assert sweep([*base, "--mixes", "0.1,0.2", str(held_out)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| size")]
    assert [row.split(" | ")[0] for row in rows].count("| off") == 1 and len(rows) == 3
    losses = [float(row.split(" | ")[3]) for row in rows]
    assert losses == sorted(losses)  # best first
    assert "best by NLL: CacheSettings(" in out and "300 targets" in out
    assert sweep([*base, "--mixes", "1.0", str(held_out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --cache-mix") and err.count("\n") == 1

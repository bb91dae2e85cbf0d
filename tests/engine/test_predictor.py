"""The predictor: top-k, the state stack, round trips, word completions."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.runtime.chainer_compat import chainer
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.state_stack import CHUNK, FULL_WINDOW
from lstm_tui.engine.data.tokenizers import MecabTokenizer, SpaceTokenizer


def test_top_k_sorted_and_sums_to_at_most_one(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    items = predictor.suggest("ROMEO:\nWhat say", k=5).items
    probs = [s.prob for s in items]
    assert probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1 + 1e-6
    assert len({s.token for s in items}) == 5


def test_top_k_equals_a_float64_softmax_and_a_stable_sort(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    predictor.set_text("ROMEO:\nWhat say")
    logits = predictor.logits().copy()
    logits[7:12] = logits.max()  # a five-way tie at the top: lower ids first
    logits[predictor.vocab.id("<unk>")] = logits.max() + 5  # banned, however likely
    predictor.logits = lambda: logits
    for temperature in (1.0, 0.5):
        scaled = logits.astype(np.float64) / temperature
        expected = np.exp(scaled - scaled.max())
        expected /= expected.sum()
        np.testing.assert_allclose(predictor.probabilities(temperature), expected, rtol=1e-5, atol=1e-9)
        allowed = expected.copy()
        allowed[predictor.vocab.id("<unk>")] = -1.0
        order = np.argsort(-allowed, kind="stable")[:8]
        items = predictor.top_k(8, temperature)
        assert [predictor.vocab.id(s.token) for s in items] == order.tolist()
        np.testing.assert_allclose([s.prob for s in items], expected[order], rtol=1e-5)


def test_predictor_matches_the_chainer_model(trained_char_run: Path) -> None:
    """A text box's context starts after a line break: the model fed "\n" + text from zero."""
    saved = load_model(trained_char_run)
    predictor = Predictor.from_saved(saved)
    text = "First Citizen:\nBefore we proceed"
    ids = saved.vocab.encode(list("\n" + text))
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        logits = saved.model.forward(ids.reshape(-1, 1)).array
    predictor.set_text(text)
    np.testing.assert_allclose(predictor.logits(), logits[-1], rtol=1e-4, atol=1e-4)
    predictor.set_text("")
    np.testing.assert_allclose(predictor.logits(), logits[0], rtol=1e-4, atol=1e-4)


def test_an_empty_text_gets_start_of_line_suggestions(trained_char_run: Path) -> None:
    """From the zero state with no input the output is near uniform; after a line break (`<eos>`
    for words) it is what the model learnt to expect at the start of a line."""
    saved = load_model(trained_char_run)
    predictor = Predictor.from_saved(saved)
    predictor.set_text("")
    probs = predictor.probabilities().astype(np.float64)
    bias = saved.model.output_weights()[1].array.astype(np.float64)  # zero state: logits = the output bias
    zero = np.exp(bias - bias.max())
    zero /= zero.sum()
    entropy = lambda p: float(-(p * np.log(p)).sum())  # noqa: E731
    assert entropy(probs) < entropy(zero) - 0.5
    assert predictor.context_ids == []


def test_only_models_too_big_for_one_core_get_two_blas_threads(trained_char_run: Path) -> None:
    from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
    from lstm_tui.engine.runtime.blas_threads import keystroke_blas_threads
    from lstm_tui.engine.data.vocabulary import UNK, Vocabulary

    small = Predictor.load(trained_char_run)
    assert keystroke_blas_threads(small.step_bytes) == 1
    # the speed issue's config d: 650 units, 10,000 words; a step reads the layers and the output matrix
    model = LanguageModel(ModelConfig(vocab_size=10000, units=650, embed=650))
    big = Predictor(model, Vocabulary([UNK] + [f"w{i}" for i in range(9999)]), SpaceTokenizer())
    # W_h1, one row of the precomputed layer-1 input table, layer 2's [W_x; W_h], the output matrix
    assert big.step_bytes == 4 * (650 * 2600 + 2600 + 2 * 650 * 2600 + 650 * 10000)
    assert keystroke_blas_threads(big.step_bytes) == min(2, os.cpu_count())


def test_checkpoint_round_trip_gives_identical_predictions(trained_char_run: Path) -> None:
    a = Predictor.load(trained_char_run)
    b = Predictor.load(trained_char_run)
    for text in ("", "KING", "KING RICHARD:\nAnd "):
        assert a.suggest(text, 10) == b.suggest(text, 10)


def test_backspace_and_edit_equal_fresh_typing(trained_char_run: Path) -> None:
    typed = Predictor.load(trained_char_run)
    text = ""
    for char in "Good morrow, sweet lady":
        text += char
        typed.suggest(text)
    for _ in range(4):  # backspace four characters
        text = text[:-1]
        typed.suggest(text)
    text = "Bad" + text[4:]  # an edit at the start
    edited = typed.suggest(text, 8)
    fresh = Predictor.load(trained_char_run).suggest(text, 8)
    assert [s.token for s in edited.items] == [s.token for s in fresh.items]
    np.testing.assert_allclose([s.prob for s in edited.items], [s.prob for s in fresh.items], rtol=1e-5)


def test_long_text_thins_old_states_and_stays_exact(trained_char_run: Path) -> None:
    long_predictor = Predictor.load(trained_char_run)
    text = ("Now is the winter of our discontent\n" * 200)[: CHUNK * (FULL_WINDOW + 3)]
    long_predictor.set_text(text)
    thinned = [c.shape[0] for c in long_predictor._stack.chunks]
    assert thinned[0] == 1 and thinned[-1] == CHUNK
    cut = CHUNK + 17  # an edit deep in the thinned region recomputes from its chunk start
    edited = text[:cut] + "X"
    long_predictor.set_text(edited)
    fresh = Predictor.load(trained_char_run)
    fresh.set_text(edited)
    np.testing.assert_allclose(long_predictor.logits(), fresh.logits(), rtol=1e-5, atol=1e-5)


def test_an_edit_just_after_a_thinned_chunk_start_recomputes_the_rest(trained_char_run: Path) -> None:
    """A thinned chunk keeps only its first state: an edit one token after it keeps that state and
    must step the rest into a chunk that holds them all again."""
    long_predictor = Predictor.load(trained_char_run)
    text = ("Now is the winter of our discontent\n" * 200)[: CHUNK * (FULL_WINDOW + 3)]
    long_predictor.set_text(text)
    assert long_predictor._stack.chunks[1].shape[0] == 1
    edited = text[: CHUNK + 1] + "X" + text[CHUNK + 2 : CHUNK + 40]
    long_predictor.set_text(edited)
    fresh = Predictor.load(trained_char_run)
    fresh.set_text(edited)
    np.testing.assert_allclose(long_predictor.logits(), fresh.logits(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("offset", [-1, 0, 1, 2])
def test_edits_around_every_chunk_boundary_match_a_fresh_predictor(offset: int, trained_char_run: Path) -> None:
    """Backspacing to just before, at and just after each chunk start, thinned or held in full,
    then typing on: the same distribution as a predictor that read the edited text afresh."""
    text = ("Now is the winter of our discontent\n" * 200)[: CHUNK * (FULL_WINDOW + 3)]
    edited_predictor = Predictor.load(trained_char_run)
    edited_predictor.set_text(text)
    fresh = Predictor.load(trained_char_run)
    for chunk in (1, 2, FULL_WINDOW + 1):
        cut = chunk * CHUNK + offset
        edited = text[:cut] + "Xy" + text[cut : cut + 30]
        edited_predictor.set_text(text[:cut])
        edited_predictor.set_text(edited)
        fresh.set_text(edited)
        np.testing.assert_allclose(edited_predictor.logits(), fresh.logits(), rtol=1e-5, atol=1e-5)
        edited_predictor.set_text(text)


def test_ghost_and_generate_leave_the_context_unchanged(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    suggestions = predictor.suggest("To be, or not")
    before = predictor.logits().copy()
    ghost = predictor.ghost(suggestions)
    assert ghost
    sample = predictor.generate("ROMEO:", 30, seed=1)
    assert sample == predictor.generate("ROMEO:", 30, seed=1)
    predictor.set_text("To be, or not")
    np.testing.assert_allclose(predictor.logits(), before)


def test_generated_text_is_sampled_without_the_cache(trained_char_run: Path) -> None:
    """The cache would feed the samples back to themselves ("llll"): generation samples the model alone."""
    from lstm_tui.engine.infer.neural_cache import CacheSettings

    with_cache = Predictor.load(trained_char_run, cache=CacheSettings(500, 0.7, 0.9))
    without = Predictor.load(trained_char_run, cache=CacheSettings(0, 0.7, 0.9))
    prime = "ROMEO:\nWhat say you? " * 5
    assert with_cache.generate(prime, 60, seed=3, top_k=5) == without.generate(prime, 60, seed=3, top_k=5)


def test_space_tokenizer_prefix_split() -> None:
    tok = SpaceTokenizer()
    assert tok.tokenize(" the cat \n sat \n") == ["the", "cat", "<eos>", "sat", "<eos>"]
    assert tok.split_prefix("the ca") == (["the"], "ca")
    assert tok.split_prefix("the cat ") == (["the", "cat"], "")
    assert tok.split_prefix("a\nb") == (["a", "<eos>"], "b")


def test_mecab_splits_japanese() -> None:
    tok = MecabTokenizer()
    assert tok.tokenize("吾輩は猫である。名前はまだ無い。") == ["吾輩", "は", "猫", "で", "ある", "。", "名前", "は", "まだ", "無い", "。"]
    assert tok.split_prefix("吾輩は猫で") == (["吾輩", "は", "猫"], "で")
    assert tok.split_prefix("吾輩は猫。") == (["吾輩", "は", "猫", "。"], "")


@pytest.fixture(scope="module")
def word_run(shakespeare_100k: Path, held_out: Path, tmp_path_factory) -> Path:
    """A word-level (space tokenizer) model barely trained on Tiny Shakespeare, validated on held-out text."""
    from lstm_tui.engine.train.trainer import Trainer
    from tests.conftest import small_config

    config = small_config(shakespeare_100k, level="word", tokenizer="space", valid_file=str(held_out),
                          max_steps=30, vocab_size=2000, bptt=20, batch_size=16)
    folder = tmp_path_factory.mktemp("words") / "run"
    Trainer.new(config, folder).run()
    return folder


def test_word_completions_are_renormalised_prefix_matches(word_run: Path) -> None:
    predictor = Predictor.load(word_run)
    result = predictor.suggest("the company said it ex", k=5)
    assert result.partial == "ex"
    assert result.items and all(s.token.startswith("ex") for s in result.items)
    assert all(s.insert == s.token[2:] + " " for s in result.items)
    full = predictor.completions("ex", k=10_000)
    assert abs(sum(s.prob for s in full) - 1.0) < 1e-4
    next_words = predictor.suggest("the company said it ", k=5)
    assert next_words.partial == "" and "<unk>" not in [s.token for s in next_words.items]


def test_completions_ignore_case_for_space_separated_words(word_run: Path) -> None:
    """"World" finds "world"; "The" and "the" inserting the same text are one suggestion."""
    predictor = Predictor.load(word_run)
    tokens = set(predictor.vocab.tokens)
    word = next(t for t in predictor.vocab.tokens if t.isalpha() and t.islower() and len(t) > 4 and t.capitalize() not in tokens)
    typed = word[:3].capitalize()
    result = predictor.suggest(f"and the {typed}", k=10_000)
    assert result.partial == typed
    assert word[3:] + " " in [s.insert for s in result.items]
    inserts = [s.insert for s in result.items]
    assert len(inserts) == len(set(inserts)) and abs(sum(s.prob for s in result.items) - 1.0) < 1e-4
    both = next(t for t in predictor.vocab.tokens if t.isalpha() and t.islower() and t.capitalize() in tokens)
    merged = predictor.completions(both[:2], k=10_000)
    entry = next(s for s in merged if s.insert == both[2:] + " ")
    probs = predictor.probabilities()
    ids = [predictor.vocab.id(t) for t in predictor.vocab.tokens if t.lower().startswith(both[:2])]
    expected = (probs[predictor.vocab.id(both)] + probs[predictor.vocab.id(both.capitalize())]) / probs[ids].sum()
    assert entry.prob == pytest.approx(float(expected), rel=1e-4) and entry.token == both


def repeating_word_model(folder: Path, word: str) -> Predictor:
    """The word model, made to give `word` almost all of its probability after every context."""
    predictor = Predictor.load(folder)
    predictor.weights.w_outt[:] = 0.0
    predictor.weights.b_out[:] = 0.0
    predictor.weights.b_out[predictor.vocab.id(word)] = 20.0
    return predictor


def test_a_word_ghost_never_repeats_a_word(word_run: Path) -> None:
    """A model that always says "the" shows "the " once after another word, and nothing after
    "the" (the old ghost showed "the the the the")."""
    predictor = repeating_word_model(word_run, "the")
    assert predictor.ghost(predictor.suggest("and ")) == "the "
    assert predictor.ghost(predictor.suggest("and the ")) == ""
    assert predictor.ghost(predictor.suggest("and th")) == "e "


def test_a_word_ghost_is_a_phrase_only_while_the_model_is_sure(word_run: Path) -> None:
    predictor = Predictor.load(word_run)
    for text in ("the king ", "and ", "I am not ", "the company sa"):
        suggestions = predictor.suggest(text)
        ghost = predictor.ghost(suggestions)
        words = ghost.split()
        assert len(words) <= 4 and all(a != b for a, b in zip(words, words[1:]))
        if len(words) > 1:  # every word after the first had at least half of the probability
            check = Predictor.load(word_run)
            check.set_text(text + words[0] + " ")
            for word in words[1:]:
                assert check.probabilities()[check.vocab.id(word)] >= 0.5
                check.feed(check.vocab.id(word))


def test_japanese_completes_kana_that_are_words_of_their_own(japanese_run: Path) -> None:
    """"名前はま" offers まだ although ま is itself a word; ま typed where the model expects the
    word ま is taken as typed, and so is the particle は."""
    predictor = Predictor.load(japanese_run)
    result = predictor.suggest("名前はま")
    assert result.partial == "ま" and result.items[0].token == "まだ" and result.items[0].insert == "だ"
    assert predictor.vocab.decode(predictor.context_ids) == ["名前", "は"]  # ま is not in the context
    assert predictor.ghost(result).startswith("だ")
    typed = predictor.suggest("名前はまだ無い。\nま")
    assert typed.partial == "" and typed.items[0].token == "、"
    particle = predictor.suggest("名前は")
    assert particle.partial == "" and particle.items[0].token == "まだ"


def test_the_unknown_share_of_the_text(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    predictor.set_text("名前はまだ無い")
    assert predictor.unknown_share == 1.0
    predictor.set_text("ROMEO: 名前")
    assert predictor.unknown_share == pytest.approx(2 / 9)
    predictor.set_text("ROMEO")
    assert predictor.unknown_share == 0.0
    predictor.set_text("")
    assert predictor.unknown_share == 0.0


# incremental following ---------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EDIT_ALPHABET = "ab \nthe,"
edits = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 6), st.text(alphabet=EDIT_ALPHABET, max_size=8)),
    min_size=1,
    max_size=12,
)


def apply_edit(text: str, edit: tuple[int, int, str]) -> str:
    """Replace `length` characters at `at` (both clipped to the text) with `insert`."""
    at, length, insert = edit
    at = min(at, len(text))
    return text[:at] + insert + text[at + length :]


def check_edits_follow_like_fresh(folder: Path, start: str, steps: list[tuple[int, int, str]]) -> None:
    live = Predictor.load(folder)
    text = start
    live.set_text(text)
    for edit in steps:
        text = apply_edit(text, edit)
        partial = live.set_text(text)
        fresh = Predictor.load(folder)
        assert partial == fresh.set_text(text)
        assert live.context_ids == fresh.context_ids
        np.testing.assert_allclose(live.logits(), fresh.logits(), rtol=1e-5, atol=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
def test_char_edits_anywhere_follow_like_fresh_typing(trained_char_run: Path, steps) -> None:
    check_edits_follow_like_fresh(trained_char_run, "ROMEO:\nthe bat,\nab", steps)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
def test_word_edits_anywhere_follow_like_fresh_typing(word_run: Path, steps) -> None:
    check_edits_follow_like_fresh(word_run, "the company said\nit the\nab", steps)


@pytest.mark.parametrize("run", ["trained_char_run", "word_run"])
def test_a_key_at_the_end_of_a_long_text_costs_one_step(run: str, request) -> None:
    """No recomputation of unchanged text: one model step and one line re-tokenised per key."""
    predictor = Predictor.load(request.getfixturevalue(run))
    text = "the company said it will sell\n" * 3000  # 90 kB
    predictor.set_text(text)
    steps = 0
    original = predictor._step

    def counting(*args):
        nonlocal steps
        steps += 1
        original(*args)

    predictor._step = counting  # type: ignore[method-assign]
    hits = predictor.memo.hits["steps"]
    predictor.set_text(text + "the ")
    steps += predictor.memo.hits["steps"] - hits  # a repeating text may meet a state it stepped already (`StepMemo`)
    if predictor.level == "char":
        assert steps == 4
    else:
        assert steps == 1  # "the" complete; nothing before it recomputed
    assert predictor.pending_chars(text + "the x") <= len("the x")

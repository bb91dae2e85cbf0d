"""Held-out evaluation: perplexity against the Chainer model, accuracies, keystroke savings, baselines."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import small_config
from lstm_tui.engine.runtime.chainer_compat import chainer
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.eval.evaluate import evaluate_file
from lstm_tui.engine.eval.keystroke_savings import NgramPredictor, PredictorSuggester, simulate_typing
from lstm_tui.engine.eval.ngram import KneserNeyModel
from lstm_tui.engine.data.tokenizers import make_tokenizer
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.data.vocabulary import UNK


@pytest.fixture(scope="module")
def trained_word_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A barely trained word model: enough to exercise word suggestions, not to be good."""
    from lstm_tui.engine.train.trainer import Trainer

    folder = tmp_path_factory.mktemp("runs") / "shakespeare-word"
    config = small_config(shakespeare_100k, level="word", tokenizer="space", units=32, max_steps=4, eval_every=4, vocab_size=2_000)
    Trainer.new(config, folder).run()
    return folder


def test_perplexity_equals_the_chainer_loss_at_batch_one(trained_char_run: Path, held_out: Path) -> None:
    report = evaluate_file(trained_char_run, held_out, baselines=False, ksr_chars=0)
    saved = load_model(trained_char_run)
    ids = saved.vocab.encode(list(held_out.read_text(encoding="utf-8")))
    saved.model.reset_state()
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        loss = float(saved.model.loss(ids[:-1].reshape(-1, 1), ids[1:].reshape(-1, 1)).array)
    assert report.tokens == len(ids) - 1
    assert report.lstm.perplexity == pytest.approx(math.exp(loss), rel=1e-3)
    assert report.lstm.bits_per_char == pytest.approx(loss / math.log(2), rel=1e-3)
    assert report.typing is None and report.baselines == []


def test_report_accuracies_baselines_and_json(trained_char_run: Path, held_out: Path) -> None:
    report = evaluate_file(trained_char_run, held_out, max_tokens=2_000, ksr_chars=400)
    assert report.tokens == 2_000 and report.lstm.tokens == 2_000
    names = [s.name for s in report.baselines]
    assert names == ["unigram", "kn-7gram"]
    for scores in [report.lstm, *report.baselines]:
        assert 0 <= scores.top1 <= scores.top3 <= scores.top5 <= 1
        assert scores.perplexity > 1 and scores.tokens == 2_000
    unigram, kn = report.baselines
    assert kn.perplexity < unigram.perplexity
    assert report.lstm.perplexity < unigram.perplexity
    assert report.typing is not None and report.typing.chars == 400
    for scores in report.baselines:  # the baselines type the same 400 characters
        assert scores.typing is not None and scores.typing.chars == 400 and 0 <= scores.typing.ksr < 1
    assert kn.typing.ksr > unigram.typing.ksr
    for typing_bar in (report.typing_bar, unigram.typing_bar, kn.typing_bar):  # the word bar's line
        assert typing_bar is not None and typing_bar.chars == 400 and 0 <= typing_bar.ksr < 1
    assert kn.typing_bar.ksr > unigram.typing_bar.ksr
    assert report.latency.tokens == 2_000 and 0 < report.latency.p50_us <= report.latency.p99_us
    data = json.loads(json.dumps(report.to_dict()))
    assert data["lstm"]["top5"] == report.lstm.top5 and data["typing"]["ksr"] == report.typing.ksr
    assert data["baselines"][1]["typing"]["ksr"] == kn.typing.ksr
    assert data["typing_bar"]["ksr"] == report.typing_bar.ksr


def test_ngram_suggestions_are_the_models_own_distribution(trained_word_run: Path) -> None:
    """A baseline offers its own most likely words and completions, as the LSTM offers its."""
    saved = load_model(trained_word_run)
    tokens = "the king is dead and the king is here and the queen is dead".split()
    ids = saved.vocab.encode(tokens)
    kn = KneserNeyModel(3, len(saved.vocab)).fit(ids)
    ngram = NgramPredictor(kn, saved.vocab, make_tokenizer(saved.meta.tokenizer))
    for token in "and the king".split():
        ngram.feed(saved.vocab.id(token))
    expected = kn.distribution(saved.vocab.encode("and the king".split()))
    assert np.allclose(ngram.probabilities(), expected, atol=1e-6)
    top = ngram.top_k(3)
    assert top[0].token == "is" and top[0].prob == pytest.approx(float(expected[saved.vocab.id("is")]), rel=1e-5)
    assert [s.prob for s in top] == sorted((s.prob for s in top), reverse=True)
    assert all(c.token.startswith("th") for c in ngram.completions("th", 3))
    ngram.pop(2)  # back to "and": the context follows
    assert np.allclose(ngram.probabilities(), kn.distribution(saved.vocab.encode(["and"])), atol=1e-6)


def test_missing_training_corpus_is_a_user_error(trained_char_run: Path, held_out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "moved"
    copy.mkdir()
    for name in ("model.npz", "model.json"):
        shutil.copy(trained_char_run / name, copy / name)
    meta = json.loads((copy / "model.json").read_text(encoding="utf-8"))
    meta["train"]["corpus"] = str(tmp_path / "gone.txt")
    (copy / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(UserError, match="baselines need the training corpus.*--no-baselines"):
        evaluate_file(copy, held_out, max_tokens=100, ksr_chars=0)
    assert evaluate_file(copy, held_out, max_tokens=100, ksr_chars=0, baselines=False).tokens == 100


class FakeSuggester:
    """Fixed suggestions by position."""

    def __init__(self, table: dict[int, list[str]]) -> None:
        self.table = table
        self.asked: list[int] = []

    def inserts(self, pos: int) -> list[str]:
        self.asked.append(pos)
        return self.table.get(pos, [])


def test_keystroke_savings_by_hand() -> None:
    text = "the cat the cat"  # 15 characters
    fake = FakeSuggester(
        {
            0: ["x", "the ", "t"],  # accept "the " (1 keystroke) → 4
            4: ["cat", "cat the", "dog "],  # the first that matches: "cat" → 7
            7: [],  # type " " → 8
            8: ["the cat!", "q", "r", "the cat"],  # none of the top 3 matches: type "t" → 9
            9: ["hx", "h"],  # "h" → 10 (accepting one character saves nothing, costs nothing)
            # 10, 11: type "e", " " → 12
            12: ["", "cat "],  # "cat " runs past the end: type "c" → 13
            13: ["at"],  # → 15
        }
    )
    result = simulate_typing(text, fake, k=3)
    # keystrokes: the | cat | " " | t | h | e | " " | c | at  = 9
    assert (result.chars, result.keystrokes, result.accepted) == (15, 9, 4)
    assert result.ksr == pytest.approx(1 - 9 / 15)
    assert fake.asked == [0, 4, 7, 8, 9, 10, 11, 12, 13]


def test_keystroke_savings_positive_on_a_repeated_training_sentence(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    text = "First Citizen:\nWe are accounted poor citizens, the patricians good.\n" * 6
    result = simulate_typing(text, PredictorSuggester(predictor, text))
    assert result.ksr > 0 and result.accepted > 0


def test_char_suggestions_are_top3_chars_continued_to_the_end_of_a_word(trained_char_run: Path) -> None:
    text = "KING RICHARD:\nAnd then the duke of York"
    predictor = Predictor.load(trained_char_run)
    full = PredictorSuggester(predictor, text, cut=False)
    reference = Predictor.load(trained_char_run)
    unk = reference.vocab.id(UNK)
    for pos in (0, 5, 14, 18, 22, 30):
        inserts = full.inserts(pos)
        firsts = [s.token for s in reference.suggest(text[:pos], 3).items]
        assert [s[0] for s in inserts] == firsts
        for first, insert in zip(firsts, inserts):
            reference.set_text(text[:pos] + first)
            expected = first
            while len(expected) < 24 and not (expected.strip() and expected[-1].isspace()):
                logits = reference.logits().copy()
                logits[unk] = -np.inf
                char = reference.vocab.tokens[int(np.argmax(logits))]
                expected += char
                reference.feed(reference.vocab.id(char))
            assert insert == expected
    # cutting candidates that diverge from the text ahead never changes the outcome
    cut = simulate_typing(text, PredictorSuggester(Predictor.load(trained_char_run), text))
    uncut = simulate_typing(text, PredictorSuggester(Predictor.load(trained_char_run), text, cut=False))
    assert cut == uncut


def test_word_suggestions_follow_predictor_suggest(trained_word_run: Path, tmp_path: Path) -> None:
    text = " the king is\n  dead, my lord \nand yet  we live\n"
    incremental = PredictorSuggester(Predictor.load(trained_word_run), text)
    fresh = Predictor.load(trained_word_run)
    for pos in range(len(text) + 1):
        expected = [s.insert for s in fresh.suggest(text[:pos], 3).items]
        assert incremental.inserts(pos) == expected, pos
    held = tmp_path / "held.txt"
    held.write_text(text * 3, encoding="utf-8")
    report = evaluate_file(trained_word_run, held, ksr_chars=len(text), baselines=True)
    assert report.level == "word" and report.lstm.bits_per_char is None
    assert [s.name for s in report.baselines] == ["unigram", "kn-3gram"]
    assert report.typing is not None and report.typing.chars == len(text)
    assert all(s.typing is not None and s.typing.chars == len(text) for s in report.baselines)
    assert report.typing_bar is None and all(s.typing_bar is None for s in report.baselines)  # no word bar


def test_the_word_bar_suggester_offers_the_bar(trained_char_run: Path) -> None:
    """With `word_bar`, a character model's simulated user picks from the app's word bar."""
    text = "KING RICHARD:\nAnd then the duke of York"
    bar = PredictorSuggester(Predictor.load(trained_char_run), text, word_bar=True)
    reference = Predictor.load(trained_char_run)
    for pos in (0, 5, 14, 18, 22, 30):
        assert bar.inserts(pos) == [w.insert for w in reference.suggest(text[:pos]).words]


def test_kana_typed_as_several_known_words_can_start_one_word() -> None:
    """"おはよ" splits into the known words お は よ; a model that knows おはよう much better than
    that split takes all three as the word being typed, in the app and the typing simulation."""
    from lstm_tui.engine.data.vocabulary import Vocabulary
    from lstm_tui.engine.data.tokenizers import EOS

    tokens = ["おはよう", "。", EOS] * 50 + ["お", "は", "よ", "。", EOS] * 2 + ["は", "い", "。", EOS] * 5
    vocab = Vocabulary([UNK, *dict.fromkeys(tokens)])
    kn = KneserNeyModel(3, len(vocab)).fit(vocab.encode(tokens))
    ngram = NgramPredictor(kn, vocab, make_tokenizer("mecab"))
    ngram.feed(vocab.id(EOS))
    for token in ("お", "は", "よ"):
        ngram.feed(vocab.id(token))
    assert ngram.typed_span(["お", "は", "よ"]) == 3
    ngram.pop(3)
    ngram.feed(vocab.id("は"))
    assert ngram.typed_span(["は"]) == 0  # は is a word here, and no longer word starts with it
    text = "おはよう。\nおはよ"
    suggester = PredictorSuggester(NgramPredictor(kn, vocab, make_tokenizer("mecab")), text)
    assert [s for s in suggester.inserts(len(text))][:1] == ["う"]


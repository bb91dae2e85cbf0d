"""Fine-tuning (`--init-from`): the parent's weights, vocabulary and size; new tokens as new rows;
what is refused; the parent recorded and never written; resume from the run itself."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.cli import main
from lstm_tui.engine.data.corpus import LoadedCorpus
from lstm_tui.engine.data.vocabulary import Vocabulary
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.runs.run_files.model_json import read_model_meta
from lstm_tui.engine.train.init_from import find_parent
from lstm_tui.engine.train.parent_vocabulary import NOISE, grow_vocabulary, max_added
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.presets import PRESETS
from lstm_tui.engine.train.trainer import Trainer
from tests.conftest import SHAKESPEARE_HELD_OUT, small_config

CACHE = dict(cache_size=500, cache_theta=0.5, cache_mix=0.3)


@pytest.fixture(scope="module")
def parent(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A small char model with a cache, to fine-tune."""
    folder = tmp_path_factory.mktemp("parent") / "bard"
    Trainer.new(small_config(shakespeare_100k, units=48, max_steps=30, eval_every=30, split=(0.9, 0.1, 0.0), **CACHE), folder).run()
    return folder


@pytest.fixture(scope="module")
def new_text(tmp_path_factory) -> Path:
    """Held-out Shakespeare with three characters the parent never saw (é 40 times, ï 12, ß once)."""
    text = "café naïve\n" * 12 + "é" * 28 + "\nß\n" + SHAKESPEARE_HELD_OUT.read_text(encoding="utf-8")  # in the train split
    path = tmp_path_factory.mktemp("new") / "new.txt"
    path.write_text(text, encoding="utf-8")
    return path


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def tune(parent: Path, corpus: Path, folder: Path | None = None, **values) -> Trainer:
    """A fine-tuning trainer; the size options are left at their defaults unless given."""
    defaults = TrainConfig().run
    values = {"units": defaults.units, "max_steps": 6, "eval_every": 6, "split": (0.9, 0.1, 0.0), **values}
    return Trainer.new(small_config(corpus, init_from=str(parent), **values), folder)


def test_the_run_starts_from_the_parents_weights_and_grows_its_vocabulary(parent: Path, new_text: Path, tmp_path: Path) -> None:
    trainer = tune(parent, new_text, tmp_path / "run")
    saved = load_model(parent)
    old = saved.vocab.tokens
    assert trainer.data.vocab.tokens[: len(old)] == old
    assert trainer.data.vocab.tokens[len(old):] == ["é", "ï", "ß"]  # most frequent first
    params = {name: p.array for name, p in trainer.model.namedparams()}
    for name, p in saved.model.namedparams():
        rows = len(p.array)
        assert np.array_equal(params[name][:rows], p.array), name
    embed, out_b = saved.model.embed.W.array, saved.model.out.b.array
    assert np.abs(params["/embed/W"][len(old):] - embed.mean(axis=0)).max() <= NOISE + 1e-6
    assert np.allclose(params["/out/b"][len(old):], out_b.min())
    assert any("3 new characters added" in n and "é ï ß" in n for n in trainer.notices)
    # the parent's weights, not a fresh initialisation: its loss on the new text starts far below ln V
    scratch = Trainer.new(small_config(new_text, units=48, split=(0.9, 0.1, 0.0)), tmp_path / "scratch")
    tuned, fresh = trainer.evaluator.loss(trainer.valid_streams), scratch.evaluator.loss(scratch.valid_streams)
    assert tuned < fresh - 0.5 and fresh > 0.9 * np.log(len(scratch.data.vocab))


def test_sizes_and_cache_come_from_the_parent(parent: Path, new_text: Path, tmp_path: Path) -> None:
    config = tune(parent, new_text, tmp_path / "run").config
    assert config.run.units == 48 and config.run.init_from == str(parent)
    assert (config.prediction.cache_size, config.prediction.cache_theta, config.prediction.cache_mix) == (500, 0.5, 0.3)
    kept = tune(parent, new_text, tmp_path / "run2", cache_size=20).config.prediction  # an explicit cache wins
    assert (kept.cache_size, kept.cache_theta) == (20, 0.5)


@pytest.mark.parametrize("values, field, words", [
    ({"units": 512}, "units", "--units 512: bard has 48 units, and a fine-tuned model keeps its parent's size"),
    ({"level": "word"}, "level", "--level word: bard is a char-level model, and a word-level model cannot start from it"),
    ({"tie_weights": True, "embed": 48}, "tie_weights", "--tie-weights: bard has untied weights"),
    ({"vocab_size": 30}, "vocab_size", "--vocab-size 30: a fine-tuned model keeps bard's vocabulary (62 tokens)"),
])
def test_a_size_that_disagrees_with_the_parent_is_refused(parent: Path, new_text: Path, tmp_path: Path,
                                                         values: dict, field: str, words: str) -> None:
    with pytest.raises(UserError) as caught:
        tune(parent, new_text, tmp_path / "run", **{"units": 48, **values})
    assert caught.value.field == field and words in str(caught.value) and "without --init-from" in str(caught.value)
    assert "\n" not in str(caught.value) and not (tmp_path / "run").exists()


def test_a_word_model_keeps_its_tokenizer(japanese_run: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "ja.txt"
    corpus.write_text("名前はまだ無い。\nま、いいか。\n猫である。\n" * 60, encoding="utf-8")
    with pytest.raises(UserError, match="--tokenizer space: run splits words with mecab, and a model cannot change its tokenizer"):
        tune(japanese_run, corpus, tmp_path / "a", level="word", tokenizer="space", units=32, bptt=8, batch_size=8)
    with pytest.raises(UserError, match="--units 128: run has 32 units"):
        tune(japanese_run, corpus, tmp_path / "b", units=128, bptt=8, batch_size=8)
    trainer = tune(japanese_run, corpus, tmp_path / "c", bptt=8, batch_size=8)  # level char, tokenizer auto: defaults, the parent's
    assert (trainer.config.run.level, trainer.data.tokenizer, trainer.model.config.units) == ("word", "mecab", 32)
    assert "猫" in trainer.data.vocab.index  # seen 60 times: a row of its own


def test_new_words_need_two_sightings_and_the_rest_read_as_unk() -> None:
    vocab = Vocabulary(["<unk>", "the", "cat"])
    corpus = LoadedCorpus("notes", "the cat sat the dog sat the cat ran\nthe cat sat\n", "", "", "utf-8", "plain", "0" * 64)
    growth = grow_vocabulary(vocab, "space", corpus, "parent")
    assert growth.added == ["sat", "<eos>"] and (growth.unk_types, growth.unk_count) == (2, 2)  # dog, ran: once each
    assert growth.vocab.tokens == ["<unk>", "the", "cat", "sat", "<eos>"]
    notice = growth.notice("parent")
    assert "2 new words added" in notice and "2 rarer new word types (2 occurrences) read as <unk>" in notice


def test_the_added_tokens_are_capped() -> None:
    vocab = Vocabulary(["<unk>", *"abcdefgh"])
    many = "".join(chr(0x100 + i) * 2 for i in range(100))  # 100 new characters, a fifth of the text
    corpus = LoadedCorpus("wide", "abcdefgh" * 100 + many, "", "", "utf-8", "plain", "0" * 64)
    growth = grow_vocabulary(vocab, "char", corpus, "parent")
    assert len(growth.added) == max_added(len(vocab)) == 64 and growth.unk_types == 36


def test_a_corpus_in_another_script_is_refused(parent: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "ja.txt"
    corpus.write_text("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。\n" * 80, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        tune(parent, corpus, tmp_path / "run")
    message = str(caught.value)
    assert "of the characters of" in message and "outside bard's vocabulary" in message and "--init-from default-ja" in message
    assert caught.value.field == "init_from" and "\n" not in message and not (tmp_path / "run").exists()


def test_what_is_not_a_model_is_refused(parent: Path, new_text: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "checkpoints"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="is not a model \\(no model.json and model.npz in it\\)"):
        find_parent(str(tmp_path / "empty"))
    with pytest.raises(UserError, match="--init-from nowhere: no such folder; give a run folder, default or default-ja"):
        find_parent("nowhere")
    with pytest.raises(UserError, match="the shipped model default-ja is missing"):
        find_parent("default-ja")
    damaged = shutil.copytree(parent, tmp_path / "damaged")
    meta = json.loads((damaged / "model.json").read_text(encoding="utf-8"))
    meta["model"]["units"] = "many"
    (damaged / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(UserError, match="--init-from .*does not describe a model"):
        find_parent(str(damaged))


def test_shipped_models_and_run_names_are_found(parent: Path, tmp_path: Path, monkeypatch) -> None:
    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(parent, checkpoints / "default")
    shutil.copytree(parent, checkpoints / "my-run")
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(checkpoints))
    assert find_parent("default").source == "default"  # recorded as the word, wherever it is installed
    assert find_parent("my-run").folder == (checkpoints / "my-run").resolve()
    assert PRESETS["adapt-default"].values["init_from"] == "default"


def test_the_parent_is_recorded_never_written_and_resume_does_not_read_it(parent: Path, new_text: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(parent, tmp_path / "parent")
    before = digests(copy)
    with pytest.raises(UserError, match="inside bard's folder, which fine-tuning only reads"):
        tune(copy, new_text, copy)
    with pytest.raises(UserError, match="inside bard's folder"):
        tune(copy, new_text, copy / "sub")
    run = tmp_path / "run"
    result = tune(copy, new_text, run, max_steps=4).run()
    assert result.status == "finished" and digests(copy) == before
    meta = read_model_meta(run)
    assert meta.parent is not None and meta.parent.label == "fine-tuned from bard"
    assert (meta.parent.source, meta.parent.added_tokens) == (str(copy.resolve()), 3)
    assert meta.parent.sha256 == before["model.npz"] and meta.parent.corpus == read_model_meta(copy).corpus.name
    shutil.rmtree(copy)  # resume continues from the run's own checkpoint
    resumed = Trainer.resume(run, {"max_steps": 8})
    assert resumed.progress.step == 4 and resumed.run().step == 8
    assert read_model_meta(run).parent == meta.parent


def test_the_command_line_fine_tunes_and_eval_names_the_parent(parent: Path, new_text: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    args = ["--headless-train", "--init-from", str(parent), "--corpus", str(new_text), "--max-steps", "3", "--bptt", "16",
            "--batch-size", "8", "--device", "cpu", "--out", str(run)]
    assert main(args) == 0
    assert main(["eval", "--model", str(run), "--max-tokens", "300", "--ksr-chars", "0", "--no-baselines", str(new_text)]) == 0
    assert "fine-tuned from bard" in capsys.readouterr().out
    assert main(["--headless-train", "--init-from", str(tmp_path / "none"), "--corpus", str(new_text)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstm-tui: error: --init-from") and "no such folder" in err and "\n" not in err

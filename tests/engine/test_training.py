"""Training on real text: it learns, it resumes exactly, it never leaves a broken folder."""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.data.corpus import load_corpus
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.events import read_events
from lstm_tui.engine.train.trainer import Trainer
from tests.conftest import small_config


def unigram_loss(train: str, valid: str) -> float:
    """Cross-entropy (nats/char) of add-one unigram character frequencies from `train`."""
    counts = Counter(train)
    vocab = set(train) | set(valid)
    total = sum(counts.values()) + len(vocab)
    return -sum(math.log((counts[c] + 1) / total) for c in valid) / len(valid)


def test_small_model_beats_unigram(trained_char_run: Path, shakespeare_100k: Path) -> None:
    meta = json.loads((trained_char_run / "model.json").read_text())
    corpus = load_corpus(str(shakespeare_100k), split=(0.9, 0.1, 0.0))
    unigram = unigram_loss(corpus.train, corpus.valid)
    valid = meta["metrics"]["valid_loss"]
    assert valid < unigram - 0.3, (valid, unigram)
    assert meta["state"] == "finished"
    assert meta["step"] == 300


def test_run_folder_records_config_vocab_and_versions(trained_char_run: Path) -> None:
    meta = json.loads((trained_char_run / "model.json").read_text())
    assert meta["train"]["seed"] == 3
    assert meta["vocab"][0] == "<unk>" and len(meta["vocab"]) == meta["model"]["vocab_size"]
    assert set(meta["versions"]) >= {"chainer", "numpy", "python", "lstm_tui"}
    assert len(meta["corpus"]["sha256"]) == 64
    kinds = [e.kind for e in read_events(trained_char_run / "events.jsonl")]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert {"progress", "validation", "checkpoint", "sample"} <= set(kinds)


def _params(folder: Path) -> dict[str, np.ndarray]:
    model = load_model(folder).model
    return {name: param.array.copy() for name, param in model.namedparams()}


def test_interrupted_and_resumed_run_matches_uninterrupted(shakespeare_100k: Path, tmp_path: Path) -> None:
    config = dict(max_steps=40, eval_every=10, dropout=0.2, lr_decay=0.5)
    straight = tmp_path / "straight"
    Trainer.new(small_config(shakespeare_100k, **config), straight).run()

    stop = threading.Event()

    def stop_at_step_10(event: dict) -> None:
        if event["event"] == "validation" and event["step"] == 10:
            stop.set()

    halves = tmp_path / "halves"
    result = Trainer.new(small_config(shakespeare_100k, **config), halves, listeners=[stop_at_step_10]).run(stop)
    assert result.status == "interrupted" and result.step == 10
    assert json.loads((halves / "model.json").read_text())["state"] == "interrupted"
    resumed = Trainer.resume(halves).run()
    assert resumed.status == "finished" and resumed.step == 40

    a, b = _params(straight), _params(halves)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    history = lambda folder: [  # noqa: E731
        (h["step"], h["valid_loss"]) for h in json.loads((folder / "model.json").read_text())["metrics"]["history"]
    ]
    assert history(straight) == history(halves)


def test_second_trainer_on_same_folder_refuses(shakespeare_100k: Path, tmp_path: Path) -> None:
    import pytest

    from lstm_tui.engine.runs.run_lock import RunLock
    from lstm_tui.engine.errors import UserError

    folder = tmp_path / "locked"
    folder.mkdir()
    with RunLock(folder):
        with pytest.raises(UserError, match="already being trained"):
            Trainer.new(small_config(shakespeare_100k), folder).run()
    (folder / "train.lock").write_text("otherhost-that-is-not-me 1\n")
    # a stale lock of this host (dead pid) is taken over
    import socket

    (folder / "train.lock").write_text(f"{socket.gethostname()} 999999999\n")
    RunLock(folder).acquire()


def test_a_tiny_corpus_keeps_its_learning_rate(tmp_path_factory) -> None:
    """Issue 31: a 4 kB corpus has a handful of steps per epoch; it used to validate every step and
    halve the rate at every other validation (2e-3 → 2e-6 by step 45). Now validations are at least
    10 steps apart, a plateau spans at least 100 steps, and every progress event shows the rate."""
    from tests.conftest import shakespeare_head

    corpus = shakespeare_head(tmp_path_factory, 4_000, "tiny.txt")
    events: list[dict] = []
    folder = tmp_path_factory.mktemp("runs") / "tiny"
    config = small_config(corpus, units=32, bptt=16, batch_size=8, eval_every=None, max_steps=60, lr=2e-3)
    Trainer.new(config, folder, listeners=[events.append]).run()
    steps = [e["step"] for e in events if e["event"] == "validation"]
    assert steps == [10, 20, 30, 40, 50, 60]
    assert [e["lr"] for e in events if e["event"] == "validation"] == [2e-3] * 6
    assert all(e["lr"] == 2e-3 for e in events if e["event"] == "progress")

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


def test_anneal_is_flat_then_falls_linearly_to_a_twentieth() -> None:
    """--anneal 0.3: the full rate for 70 % of the budget, then a straight line down to 1/20."""
    from types import SimpleNamespace

    from lstm_tui.engine.train.config import TrainConfig
    from lstm_tui.engine.train.trainer import ANNEAL_FLOOR, Trainer

    def factor(step: int, elapsed: float, total: int | None, deadline: float | None, anneal: float = 0.3) -> float:
        fake = SimpleNamespace(config=TrainConfig.from_values(anneal=anneal), step=step, elapsed=elapsed)
        return Trainer._anneal_factor(fake, total, deadline)

    assert factor(50, 0.0, 100, None) == 1.0
    assert factor(70, 0.0, 100, None) == 1.0
    assert abs(factor(85, 0.0, 100, None) - (ANNEAL_FLOOR + (1 - ANNEAL_FLOOR) * 0.5)) < 1e-9
    assert abs(factor(100, 0.0, 100, None) - ANNEAL_FLOOR) < 1e-9
    assert abs(factor(0, 85.0, None, 100.0) - factor(85, 0.0, 100, None)) < 1e-9  # a time budget the same way
    assert factor(0, 90.0, 1000, 100.0) == factor(0, 90.0, None, 100.0)  # whichever limit is nearer
    assert factor(99, 99.0, 100, 100.0, anneal=0.0) == 1.0  # off by default
    with pytest.raises(UserError, match="--anneal"):
        TrainConfig.from_values(anneal=1.5).validate()

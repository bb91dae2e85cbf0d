"""Shared pytest fixtures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lstm_tui.engine.infer.predictor import Predictor

# Small corpora kept in the repository (tests/fixtures/README.md), so a plain clone tests the
# engine and the app.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHAKESPEARE_FIRST_100K = FIXTURES / "tinyshakespeare_first_100k.txt"
SHAKESPEARE_HELD_OUT = FIXTURES / "tinyshakespeare_120k_125k.txt"

# The full shared corpora live beside the checkout (../shared/corpora), never inside it; only the
# tests about those files themselves need them.
SHARED_CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
needs_shared_corpora = pytest.mark.skipif(
    not SHARED_CORPORA.is_dir(), reason=f"shared corpora not found at ../shared/corpora beside the checkout ({SHARED_CORPORA})"
)


def in_fixtures(*names: str, id: str):
    """A test parameter: files of tests/fixtures (always present)."""
    return pytest.param(*(FIXTURES / name for name in names), id=id)


def in_shared(*names: str, id: str):
    """A test parameter: files of ../shared/corpora, skipped where that folder is absent."""
    return pytest.param(*(SHARED_CORPORA / name for name in names), marks=needs_shared_corpora, id=id)


def shakespeare_head(tmp_path_factory, chars: int, name: str) -> Path:
    """The first `chars` (at most 100,000) characters of Tiny Shakespeare as a file `name` of its own."""
    text = SHAKESPEARE_FIRST_100K.read_text(encoding="utf-8")
    if chars > len(text):
        raise ValueError(f"the fixture holds {len(text)} characters of Tiny Shakespeare, not {chars}")
    path = tmp_path_factory.mktemp("corpus") / name
    path.write_text(text[:chars], encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def shakespeare_100k(tmp_path_factory) -> Path:
    """The first 100 kB of Tiny Shakespeare as a file of its own (a copy: tests may not touch the fixture)."""
    return shakespeare_head(tmp_path_factory, 100_000, "shakespeare100k.txt")


def small_config(corpus: Path | str, **overrides):
    """A tiny, fast training configuration for tests."""
    from lstm_tui.engine.train.config import TrainConfig

    values = dict(
        corpus=str(corpus),
        level="char",
        units=64,
        bptt=32,
        batch_size=16,
        dropout=0.0,
        max_steps=40,
        eval_every=20,
        eval_tokens=5_000,
        seed=3,
        device="cpu",
    )
    values.update(overrides)
    return TrainConfig.from_values(values)


def train(config, folder: Path) -> Path:
    """Train a test model on one BLAS thread: the same model whichever tests ask for it first, and
    fast on a busy machine (OpenBLAS's spinning worker threads make small trainings far slower)."""
    from threadpoolctl import threadpool_limits

    from lstm_tui.engine.train.trainer import Trainer

    with threadpool_limits(limits=1, user_api="blas"):
        Trainer.new(config, folder).run()
    return folder


@pytest.fixture(scope="session")
def trained_char_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A small char model trained 300 steps on 100 kB of Tiny Shakespeare (shared by tests)."""
    config = small_config(shakespeare_100k, max_steps=300, eval_every=100, lr=5e-3, units=96, split=(0.9, 0.1, 0.0))
    return train(config, tmp_path_factory.mktemp("runs") / "shakespeare-char")


@pytest.fixture(scope="session")
def trained_word_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A tiny word model (space tokenizer) on the start of Tiny Shakespeare: a few seconds (the app's
    and the language server's tests)."""
    config = small_config(shakespeare_100k, level="word", tokenizer="space", units=32, bptt=16, batch_size=8, max_steps=30, eval_every=30)
    return train(config, tmp_path_factory.mktemp("runs") / "shakespeare-word")


@pytest.fixture(scope="session")
def held_out(tmp_path_factory) -> Path:
    """5 kB of Tiny Shakespeare from beyond the 100 kB the test model trains on (characters 120,000-125,000)."""
    path = tmp_path_factory.mktemp("heldout") / "heldout.txt"
    shutil.copyfile(SHAKESPEARE_HELD_OUT, path)
    return path


@pytest.fixture(scope="session")
def japanese_run(tmp_path_factory) -> Path:
    """A tiny Japanese word model (MeCab) on two lines: "名前 は まだ 無い 。" and "ま 、 いい か 。"."""
    from lstm_tui.engine.train.trainer import Trainer

    corpus = tmp_path_factory.mktemp("ja") / "ja.txt"
    corpus.write_text("名前はまだ無い。\nま、いいか。\n" * 150, encoding="utf-8")
    config = small_config(corpus, level="word", tokenizer="mecab", units=32, bptt=8, batch_size=8, max_steps=60,
                          eval_every=60, lr=1e-2, split=(0.9, 0.1, 0.0))
    folder = tmp_path_factory.mktemp("ja-run") / "run"
    Trainer.new(config, folder).run()
    return folder


@pytest.fixture(autouse=True)
def trainings(monkeypatch):
    """The trainer children a test starts or resumes, in order, recorded as they start (a short
    training can start and finish between two polls of the app's `training`). They run in their
    own session so that they survive the app: the ones still running at teardown are stopped, so
    that a failed test does not leave one slowing every later test."""
    from lstm_tui.engine.runs.training_process import TrainingProcess

    started: list[TrainingProcess] = []
    start = TrainingProcess.start.__func__

    def recorded(cls, *args, **kwargs):
        process = start(cls, *args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(TrainingProcess, "start", classmethod(recorded))
    yield started
    for process in started:
        if process.running:
            process.popen.terminate()
            try:
                process.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.popen.kill()


def count_steps(predictor: Predictor) -> list[int]:
    """A counter of the model steps `predictor` computes (its own TokenStep: single and batched)."""
    counted = [0]
    step, forward, forward_rows = predictor.token_step, predictor._step, predictor.token_step.forward_rows

    def counting(*args):
        counted[0] += 1
        return forward(*args)

    def counting_rows(token_ids, *args):
        counted[0] += len(token_ids)
        return forward_rows(token_ids, *args)

    predictor._step, step.forward_rows = counting, counting_rows
    return counted

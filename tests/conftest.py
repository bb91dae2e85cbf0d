"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

# The shared corpora live beside the checkout (../shared/corpora), never inside it.
CORPORA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    """The shared corpora folder; tests that need it are skipped when it is absent."""
    if not CORPORA_DIR.is_dir():
        pytest.skip(f"shared corpora not found at ../shared/corpora beside the checkout ({CORPORA_DIR})")
    return CORPORA_DIR


def shakespeare_head(corpora_dir: Path, tmp_path_factory, chars: int, name: str) -> Path:
    """The first `chars` characters of Tiny Shakespeare as a file `name` of its own."""
    text = (corpora_dir / "tinyshakespeare.txt").read_text(encoding="utf-8")[:chars]
    path = tmp_path_factory.mktemp("corpus") / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def shakespeare_100k(corpora_dir: Path, tmp_path_factory) -> Path:
    """The first ~100 kB of Tiny Shakespeare as a file of its own."""
    return shakespeare_head(corpora_dir, tmp_path_factory, 100_000, "shakespeare100k.txt")


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


@pytest.fixture(scope="session")
def trained_char_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A small char model trained 300 steps on 100 kB of Tiny Shakespeare (shared by tests)."""
    from lstm_tui.engine.train.trainer import Trainer

    folder = tmp_path_factory.mktemp("runs") / "shakespeare-char"
    config = small_config(shakespeare_100k, max_steps=300, eval_every=100, lr=5e-3, units=96, split=(0.9, 0.1, 0.0))
    Trainer.new(config, folder).run()
    return folder


@pytest.fixture(scope="session")
def held_out(corpora_dir: Path, tmp_path_factory) -> Path:
    """5 kB of Tiny Shakespeare from beyond the 100 kB the test model trains on."""
    text = (corpora_dir / "tinyshakespeare.txt").read_text(encoding="utf-8")[120_000:125_000]
    path = tmp_path_factory.mktemp("heldout") / "heldout.txt"
    path.write_text(text, encoding="utf-8")
    return path

"""Bad training input that is checked before any training: one line that says what to do."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

import lstm_tui.engine.data.corpus_memory as memory
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.trainer import Trainer
from tests.conftest import small_config


def test_single_repeated_character(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a" * 10_000)
    with pytest.raises(UserError, match="fewer than two distinct"):
        Trainer.new(small_config(tmp_path / "a.txt"), tmp_path / "run")


def test_file_too_large_for_memory_states_the_need(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "big.txt").write_text("some text\n" * 1000)
    monkeypatch.setattr(memory, "available_memory", lambda: 50_000)
    with pytest.raises(UserError) as info:
        Trainer.new(small_config(tmp_path / "big.txt"), tmp_path / "run")
    assert "needs about" in str(info.value) and "head -c" in str(info.value)


def test_gpu_without_cupy(tmp_path: Path, shakespeare_100k: Path) -> None:
    from lstm_tui.engine.runtime.device import gpu_unavailable_reason

    if gpu_unavailable_reason() is None:
        pytest.skip("a GPU is available here")
    with pytest.raises(UserError, match="asked for a GPU but .*--device cpu"):
        Trainer.new(small_config(shakespeare_100k, device="gpu"), tmp_path / "run")


def test_unwritable_output_folder(tmp_path: Path, shakespeare_100k: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write to"):
        Trainer.new(small_config(shakespeare_100k), blocker / "run")


def test_a_failed_start_leaves_no_empty_run_folder(tmp_path: Path, monkeypatch) -> None:
    """Issue 31: a dot-file too short to train on made checkpoints/.bashrc-char-… and left it, empty
    and hidden, where no screen lists it. The folder the start made is removed again."""
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(checkpoints))
    (tmp_path / ".bashrc").write_text('export PATH="$PATH:/usr/bin"\nalias ll="ls -l"\n')
    with pytest.raises(UserError, match="too short"):
        Trainer.new(small_config(tmp_path / ".bashrc"))  # fails after the folder was checked for writing
    assert list(checkpoints.iterdir()) == []
    with pytest.raises(UserError, match="too short"):
        Trainer.new(small_config(tmp_path / ".bashrc"), tmp_path / "new" / "run")
    assert not (tmp_path / "new" / "run").exists()


def test_a_failed_start_keeps_a_folder_it_did_not_make(tmp_path: Path, shakespeare_100k: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(UserError, match="--batch-size"):  # refused after the folder check
        Trainer.new(small_config(shakespeare_100k, batch_size=10**6), mine)
    assert mine.is_dir()


def test_mecab_missing_names_the_package(monkeypatch) -> None:
    from lstm_tui.engine.data import tokenizers

    real_import = builtins.__import__

    def no_mecab(name, *args, **kwargs):
        if name == "MeCab":
            raise ImportError("No module named 'MeCab'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mecab)
    with pytest.raises(UserError, match="pip install mecab-python3 unidic-lite"):
        tokenizers.MecabTokenizer()


def test_mecab_dictionary_broken_names_the_fix(monkeypatch) -> None:
    import MeCab

    from lstm_tui.engine.data import tokenizers

    def broken(*args, **kwargs):
        raise RuntimeError("[ifs] no such file or directory: /x/unidic/dicdir/mecabrc")

    monkeypatch.setattr(MeCab, "Tagger", broken)
    with pytest.raises(UserError, match="dictionary.*pip uninstall unidic"):
        tokenizers.MecabTokenizer()


def test_folder_without_text_files(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "picture.png").write_bytes(b"\x89PNG")
    with pytest.raises(UserError, match="folder with no .txt files"):
        Trainer.new(small_config(tmp_path / "corpus"), tmp_path / "run")


def test_folder_of_text_files_is_read_in_order(tmp_path: Path) -> None:
    from lstm_tui.engine.data.corpus import load_corpus

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "b.txt").write_text("second file\n")
    (tmp_path / "corpus" / "a.txt").write_text("first file\n")
    corpus = load_corpus(str(tmp_path / "corpus"), split=(1.0, 0.0, 0.0))
    assert corpus.train == "first file\nsecond file\n"


def test_cupy_present_but_broken_reports_the_import_error(monkeypatch) -> None:
    """Chainer marks CUDA unavailable when CuPy fails to import; the user is told why and how to fall back."""
    from lstm_tui.engine.runtime import device

    monkeypatch.setattr(device.cuda, "available", False)
    monkeypatch.setattr(device.cuda, "_resolution_error", ImportError("libcudart.so.12: cannot open shared object file"), raising=False)
    with pytest.raises(UserError) as info:
        device.choose_device("gpu")
    message = str(info.value)
    assert "CuPy failed to import (ImportError: libcudart.so.12" in message and "--device cpu" in message
    assert "\n" not in message
    fallback = device.choose_device("auto")
    assert fallback.name == "cpu" and "libcudart" in fallback.notice

"""Bad input on the command line: one line that says what to do, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_tui.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("lstm-tui: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def train(capsys, corpus: Path | str, *extra: str) -> tuple[int, str]:
    return run_cli(capsys, "--headless-train", "--corpus", str(corpus), "--device", "cpu", "--max-steps", "1", *extra)


def test_missing_file(capsys, tmp_path: Path) -> None:
    code, err = train(capsys, tmp_path / "nope.txt")
    assert_one_line_error(code, err, "does not exist")


def test_empty_file(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    code, err = train(capsys, tmp_path / "empty.txt")
    assert_one_line_error(code, err, "empty")


def test_binary_file(capsys, tmp_path: Path) -> None:
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    code, err = train(capsys, tmp_path / "image.txt")
    assert_one_line_error(code, err, "binary")


def test_undecodable_file_names_encoding_option(capsys, tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"hello \xff\xfe\xfa\xfb world " * 50)
    code, err = train(capsys, tmp_path / "bad.txt")
    assert_one_line_error(code, err, "bad.txt", "--encoding")


def test_unknown_encoding(capsys, tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("some text\n" * 100)
    code, err = train(capsys, tmp_path / "ok.txt", "--encoding", "klingon-8")
    assert_one_line_error(code, err, "klingon-8")


def test_bptt_longer_than_corpus(capsys, tmp_path: Path) -> None:
    (tmp_path / "short.txt").write_text("a short corpus with little text\n" * 3)
    code, err = train(capsys, tmp_path / "short.txt", "--bptt", "500", "--out", str(tmp_path / "run"))
    assert_one_line_error(code, err, "--bptt", "too short")


@pytest.mark.parametrize(
    "flags, needle",
    [
        (["--units", "0"], "--units"),
        (["--batch-size", "-3"], "--batch-size"),
        (["--dropout", "1.0"], "--dropout"),
        (["--embed-dropout", "-0.1"], "--embed-dropout"),
        (["--lr", "nan"], "--lr"),
        (["--device", "tpu"], "unknown device"),
        (["--vocab-size", "1"], "--vocab-size"),
        (["--seed", "-1"], "--seed must be a whole number of 0 or more"),
    ],
)
def test_bad_hyperparameters(capsys, tmp_path: Path, flags: list[str], needle: str) -> None:
    (tmp_path / "ok.txt").write_text("some text to train on\n" * 200)
    code, err = train(capsys, tmp_path / "ok.txt", *flags)
    assert_one_line_error(code, err, needle)


def test_predict_on_missing_model(capsys, tmp_path: Path) -> None:
    code, err = run_cli(capsys, "predict", "--model", str(tmp_path / "nothing"), "hello")
    assert_one_line_error(code, err, "model.json")


def test_no_traceback_end_to_end(tmp_path: Path) -> None:
    """Through the real console script: the error is one line on stderr and the exit is 2."""
    (tmp_path / "empty.txt").write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "lstm_tui", "--headless-train", "--corpus", str(tmp_path / "empty.txt")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr


def test_unknown_preset(capsys) -> None:
    code, err = run_cli(capsys, "--headless-train", "--preset", "nope")
    assert_one_line_error(code, err, "unknown preset", "shakespeare-char")


def test_preset_values_with_explicit_override() -> None:
    from lstm_tui.cli import config_from_args, main_parser

    args = main_parser().parse_args(["--headless-train", "--preset", "ptb-word", "--units", "128"])
    config, given = config_from_args(args)
    assert config.run.corpus == "ptb" and config.run.level == "word" and config.run.tie_weights
    assert config.run.units == 128 and given == {"units": 128}
    config.replace(embed=128).validate()

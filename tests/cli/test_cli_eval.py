"""`lstm-tui eval`: the table, the JSON report, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_tui.cli import main


def test_eval_json(capsys, trained_char_run: Path, held_out: Path) -> None:
    args = ["eval", "--model", str(trained_char_run), "--json", "--max-tokens", "1500", "--ksr-chars", "300", str(held_out)]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["tokens"] == 1500 and report["level"] == "char"
    assert [b["name"] for b in report["baselines"]] == ["unigram", "kn-7gram"]
    assert report["typing"]["chars"] == 300 and report["typing"]["keystrokes"] <= 300
    lstm = report["lstm"]
    assert 0 <= lstm["top1"] <= lstm["top3"] <= lstm["top5"] <= 1 and lstm["perplexity"] > 1
    assert report["latency"]["p50_us"] > 0


def test_eval_table(capsys, trained_char_run: Path, held_out: Path) -> None:
    args = ["eval", "--model", str(trained_char_run), "--max-tokens", "800", "--ksr-chars", "200", str(held_out)]
    assert main(args) == 0
    out = capsys.readouterr().out
    for word in ("perplexity", "bits/char", "top-1", "top-5", "KSR", "lstm", "unigram", "kn-7gram", "200 characters"):
        assert word in out
    assert main([*args[:-1], "--no-baselines", "--ksr-chars", "0", str(held_out)]) == 0
    out = capsys.readouterr().out
    assert "lstm" in out and "unigram" not in out and "keystrokes" not in out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--max-tokens", "0"], "--max-tokens must be at least 1"),
        (["--ksr-chars", "-1"], "--ksr-chars must be 0"),
    ],
)
def test_eval_bad_options_are_one_line_errors(capsys, trained_char_run: Path, held_out: Path, extra: list[str], message: str) -> None:
    assert main(["eval", "--model", str(trained_char_run), *extra, str(held_out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_eval_missing_file_is_one_line_error(capsys, trained_char_run: Path, tmp_path: Path) -> None:
    assert main(["eval", "--model", str(trained_char_run), str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1

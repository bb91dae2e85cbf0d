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


def test_eval_record_keeps_the_report_in_the_run_folder(capsys, trained_char_run: Path, held_out: Path, tmp_path: Path) -> None:
    """`--record` writes eval.json beside the model (names only, no machine paths); the models
    listing shows it until the run saves newer weights."""
    import shutil

    from lstm_tui.engine.runs.run_list import read_run

    run = tmp_path / "run"
    shutil.copytree(trained_char_run, run)
    args = ["eval", "--model", str(run), "--json", "--max-tokens", "600", "--ksr-chars", "150", "--no-baselines", "--record", str(held_out)]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    recorded = json.loads((run / "eval.json").read_text(encoding="utf-8"))
    assert recorded["lstm"] == printed["lstm"] and recorded["typing"] == printed["typing"]
    assert recorded["model"] == "run" and recorded["file"] == held_out.name
    assert str(tmp_path) not in (run / "eval.json").read_text(encoding="utf-8")
    assert read_run(run).evaluation.lstm.perplexity == printed["lstm"]["perplexity"]
    meta = json.loads((run / "model.json").read_text(encoding="utf-8"))
    meta["updated"] = "2099-01-01T00:00:00+00:00"  # a later checkpoint of the same run
    (run / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    assert read_run(run).evaluation is None


def test_eval_record_that_cannot_be_written_is_one_line_error(capsys, trained_char_run: Path, held_out: Path, tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(trained_char_run, run)
    (run / "eval.json").mkdir()  # in the way (fails even for root, unlike a read-only folder)
    args = ["eval", "--model", str(run), "--max-tokens", "300", "--ksr-chars", "0", "--no-baselines", "--record", str(held_out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--record" in err and "Traceback" not in err
    assert (run / "eval.json").is_dir() and not [p for p in run.iterdir() if p.name.endswith(".tmp")]


def test_eval_split_is_the_runs_own_held_out_text(capsys, trained_char_run: Path, tmp_path: Path) -> None:
    """`--split valid` evaluates the text the run held out, as if it were written to a file (this
    run holds out no test text: asking for it is a one-line error)."""
    from lstm_tui.engine.runs.model_file import load_model
    from lstm_tui.engine.data.corpus import load_corpus

    config = load_model(trained_char_run).meta.train
    held = tmp_path / "valid-split.txt"
    held.write_text(load_corpus(config.run.corpus, split=config.run.split).valid, encoding="utf-8")
    common = ["eval", "--model", str(trained_char_run), "--json", "--max-tokens", "700", "--ksr-chars", "100", "--no-baselines"]
    assert main([*common, "--split", "test"]) == 2
    assert "--split valid" in capsys.readouterr().err
    assert main([*common, "--split", "valid"]) == 0
    by_split = json.loads(capsys.readouterr().out)
    assert main([*common, str(held)]) == 0
    by_file = json.loads(capsys.readouterr().out)
    assert by_split["lstm"]["perplexity"] == by_file["lstm"]["perplexity"]
    assert by_split["typing"] == by_file["typing"]
    assert by_split["split"] == "valid" and by_split["file"].startswith("the valid split of ")


@pytest.mark.parametrize("extra", [[], ["--split", "test", "FILE"]])
def test_eval_needs_a_file_or_a_split(capsys, trained_char_run: Path, held_out: Path, extra: list[str]) -> None:
    args = ["eval", "--model", str(trained_char_run), *[str(held_out) if a == "FILE" else a for a in extra]]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--split" in err and "FILE" in err

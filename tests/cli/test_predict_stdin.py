"""`lstm-tui predict --stdin --json`: JSON lines in, JSON lines out, the model loaded once, the text
followed incrementally; each answer equals one-shot `predict --json` on the text before the cursor."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "checkpoints" / "default"
pytestmark = pytest.mark.skipif(not (SHIPPED / "model.json").exists(), reason="no shipped default model in checkpoints/default")


def run_lines(monkeypatch, capsys, lines: list[str], *flags: str) -> list[dict]:
    """The answers of `predict --stdin --json` to `lines`."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode("utf-8") + b"\n")))
    capsys.readouterr()
    assert main(["predict", "--model", str(SHIPPED), "--stdin", "--json", *flags]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def one_shot(capsys, text: str, k: int = 5) -> list[dict]:
    capsys.readouterr()
    assert main(["predict", "--model", str(SHIPPED), "--json", "--top-k", str(k), text]) == 0
    return json.loads(capsys.readouterr().out)


def test_each_answer_is_what_predict_gives_for_the_text_before_the_cursor(monkeypatch, capsys) -> None:
    lines = [
        {"text": "To be or not to b", "id": 7},
        {"append": "e"},
        {"append": " café 😀 日本 wh"},
        {"edit": {"start": 0, "end": 2, "text": "Tö"}},  # the cursor goes to the end of the edit
        {"cursor": 18},
        {"edit": {"start": 3, "end": 5, "text": "😀"}, "cursor": 25},
        {},
    ]
    texts = ["To be or not to b", "To be or not to be", "To be or not to be café 😀 日本 wh"]
    texts.append("Tö" + texts[-1][2:])
    texts.append(texts[-1])
    texts.append(texts[-1][:3] + "😀" + texts[-1][5:])
    texts.append(texts[-1])
    cursors = [None, None, None, 2, 18, 25, None]
    answers = run_lines(monkeypatch, capsys, [json.dumps(line) for line in lines], "--top-k", "4")
    assert len(answers) == len(lines) and answers[0]["id"] == 7 and "id" not in answers[1]
    for answer, text, cursor in zip(answers, texts, cursors):
        before = text[:cursor] if cursor is not None else text
        expected = one_shot(capsys, before, 4)
        assert [s["token"] for s in answer["suggestions"]] == [e["token"] for e in expected], before
        assert all(abs(s["prob"] - e["prob"]) < 1e-5 for s, e in zip(answer["suggestions"], expected))
        partial = before.split()[-1] if before and not before[-1].isspace() else ""
        assert answer["partial"] == partial
        assert all(s["completion"].startswith(partial + s["token"]) for s in answer["suggestions"])
    assert answers[1]["suggestions"][0]["completion"].startswith("be")


def test_bad_lines_get_an_error_line_and_the_loop_goes_on(monkeypatch, capsys) -> None:
    lines = [
        '{"text": "Hello wor"}',
        "not json",
        "[1, 2]",
        '{"text": 5}',
        '{"append": "x", "text": "y"}',
        '{"edit": {"start": 4, "end": 2, "text": ""}}',
        '{"edit": {"start": 0, "end": 99, "text": ""}}',
        '{"edit": {"start": 0}}',
        '{"cursor": -1}',
        '{"append": "!", "cursor": 999}',  # refused whole: the append is not applied either
        '{"text": "\\ud800"}',
        '{"colour": "red"}',
        "",  # blank lines are skipped
        "{}",
    ]
    answers = run_lines(monkeypatch, capsys, lines)
    errors = [a.get("error", "") for a in answers]
    assert len(answers) == len(lines) - 1
    assert errors[1] == "line 2 is not JSON (Expecting value at column 1); send one JSON object per line"
    assert errors[2] == 'line 3: expected a JSON object such as {"append": "e"}, got list'
    assert errors[3] == "line 4: 'text' must be a string, got 5"
    assert errors[4] == "line 5: give one of text, append or edit, not text and append"
    assert errors[5] == "line 6: the edit ends (2) before it starts (4)"
    assert "line 7: 'end' must be a whole number from 0 to 9" in errors[6]
    assert errors[7].startswith('line 8: "edit" must be an object like')
    assert "line 9: 'cursor' must be a whole number from 0 to 9" in errors[8]
    assert "line 10: 'cursor' must be a whole number from 0 to 10" in errors[9]
    assert errors[10] == "line 11: 'text' holds a lone surrogate (U+D800); send valid Unicode"
    assert errors[11] == "line 12: unknown key 'colour' (the keys are text, append, edit, cursor, id)"
    assert answers[-1] == answers[0]  # the text is still "Hello wor"
    assert answers[0]["partial"] == "wor"


def test_stdin_needs_json_and_no_text(capsys) -> None:
    assert main(["predict", "--model", str(SHIPPED), "--stdin"]) == 2
    assert "--stdin reads and writes JSON lines: add --json" in capsys.readouterr().err
    assert main(["predict", "--model", str(SHIPPED), "--stdin", "--json", "hello"]) == 2
    assert "give TEXT or --stdin, not both" in capsys.readouterr().err


def test_a_script_talks_to_it_through_pipes() -> None:
    done = subprocess.run([sys.executable, "-m", "lstm_tui", "predict", "--model", str(SHIPPED), "--stdin", "--json"],
                          input=b'{"text": "import o"}\n\xff\n{"append": "s"}\n', capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.decode("ascii").splitlines()]  # ASCII JSON
    assert [a.get("partial") for a in answers] == ["o", None, "os"]
    assert answers[1]["error"] == "line 2 is not UTF-8 (byte 0); send UTF-8 JSON"

"""Untrusted text stays data on screen: a corpus made of escape sequences, through the whole app.

The test runs the real app on a pty and keeps every byte it writes to the terminal while
the corpus is previewed on the train screen and while a model trained on it suggests its own
control tokens, including after such a token is accepted into the text box.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.train.trainer import Trainer
from tests.conftest import small_config
from tests.tui.terminal import TerminalApp

# What a hostile file might carry, and what must never reach the terminal as such.
PAYLOADS = {
    "clear screen (CSI)": "\x1b[2J",
    "colours (SGR)": "\x1b[31;1;4m",
    "window title (OSC 0)": "\x1b]0;PWNED\x07",
    "clipboard (OSC 52)": "\x1b]52;c;cm0gLXJmIH4=\x1b\\",
    "8-bit CSI (C1)": "\x9b6n",
    "8-bit OSC (C1)": "\x9d0;PWNED\x9c",
    "bidi override": "\u202egnp.exe",
    "bidi isolate": "\u2066x\u2069",
    "bell": "\x07",
    "backspace": "\x08",
    "delete": "\x7f",
    "carriage return": "\r",
}
FORBIDDEN = ["\x1b[2J", "\x1b[31;1;4m", "\x1b]0;", "\x1b]52", "\x9b", "\x9d", "\x9c", "\u202e", "\u2066", "\u2069", "\x07", "\x08", "\x7f"]
# (a carriage return cannot be told from the pty's own line ends in the raw bytes: the screen check covers it)


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    lines = [f"line {i} {payload} end" for i in range(60) for payload in PAYLOADS.values()]
    path = folder / "hostile.txt"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def hostile_run(hostile_corpus: Path) -> Path:
    folder = hostile_corpus.parent / "run"
    Trainer.new(small_config(hostile_corpus, units=48, bptt=32, batch_size=8, max_steps=300, dropout=0.0), folder).run()
    vocab = Predictor.load(folder).vocab.tokens
    assert "\x1b" in vocab and "\u202e" in vocab and "\x9b" in vocab  # the model knows the hostile characters
    return folder


def hostile_in(output: str) -> list[str]:
    """The forbidden sequences present in terminal output (Textual's own OSC 22 pointer shape aside)."""
    cleaned = re.sub(r"\x1b\]22;[a-z-]*\x07", "", output)
    return [sequence for sequence in FORBIDDEN if sequence in cleaned]


def test_escape_sequence_corpus_never_reaches_the_terminal(hostile_corpus: Path, hostile_run: Path, tmp_path: Path) -> None:
    """The real app on a pty: predictions of control tokens, accepting them, the corpus preview."""
    app = TerminalApp(["--model", str(hostile_run)], env={"LSTM_TUI_CHECKPOINTS": str(tmp_path / "checkpoints")})
    try:
        app.wait_for(lambda screen: "latency" in screen and "%" in screen)
        app.send(*"line 1 ")
        screen = app.wait_for(lambda screen: "line 1" in screen and "%" in screen)
        for _ in range(8):  # accept the likeliest next character (alt+4, after the word bar's three),
            app.send("\x1b4")  # again and again: control characters enter the text box
            app.pump(0.2)  # ESC+4 is alt+4 once Textual's escape delay (0.1 s) has passed
        app.pump(0.5)
        typed = app.text()
        app.send("f3")
        app.wait_for(lambda screen: "preview" in screen)
        app.send(*str(hostile_corpus), "enter")
        screen = app.wait_for(lambda screen: "line 0" in screen and "␛" in screen)
    finally:
        app.close()
    output = app.raw.decode("utf-8", errors="replace")
    assert "␛" in output  # placeholders were painted, so the check below is not vacuous
    assert hostile_in(output) == []
    assert "PWNED" in screen  # the printable rest of the title sequence is shown as text
    for shown in ("␛[2J", "␛[31;1;4m", "␛]0;PWNED␇", "⟨U+009B⟩6n", "⟨U+202E⟩gnp.exe", "␈", "␡"):
        assert shown in screen  # the preview shows each payload as placeholders
    assert any(mark in typed for mark in ("␛", "␇", "⟨U+")), typed  # control tokens were suggested and accepted

"""The headless progress lines: what an SSH user reads while a run trains."""

from __future__ import annotations

from lstm_tui.headless import PlainPrinter

PROGRESS = dict(event="progress", step=45, total_steps=50, epoch=22.5, loss_avg=5.9, perplexity=365.0,
                tokens_per_second=6000.0, eta=1.0, lr=2e-6)


def test_the_progress_line_shows_the_learning_rate(capsys) -> None:
    printer = PlainPrinter(every=0.0)
    printer(PROGRESS)
    printer(dict(event="validation", step=50, valid_loss=5.1, valid_ppl=164.0, lr=1e-3))
    lines = capsys.readouterr().out.splitlines()
    assert "step 45/50" in lines[0] and "lr 2e-06" in lines[0]
    assert "validation at step 50" in lines[1] and "lr 0.001" in lines[1]


def test_an_event_without_a_rate_still_prints(capsys) -> None:
    printer = PlainPrinter(every=0.0)
    printer({k: v for k, v in PROGRESS.items() if k != "lr"})
    assert "lr ?" in capsys.readouterr().out

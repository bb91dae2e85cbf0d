"""Headless training for SSH sessions: a live progress bar on a terminal, plain lines otherwise.

It renders the engine's events (the same ones the TUI renders) and turns SIGINT, SIGTERM and
SIGHUP into a stop request: the trainer finishes its step, saves, and we print how to resume.
"""

from __future__ import annotations

import contextlib
import shlex
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.progress import perplexity
from lstm_tui.engine.train.trainer import RunResult, Trainer

SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)


def _say(text: str, stream=None) -> None:
    """Print, surviving a closed terminal (SIGHUP from a dropped SSH connection)."""
    stream = stream or sys.stdout
    with contextlib.suppress(OSError, ValueError):
        stream.write(text + "\n")
        stream.flush()


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _fmt_rate(rate: float | None) -> str:
    """A learning rate to three significant digits (0.002, 3.91e-06); `?` when unknown."""
    return "?" if rate is None else f"{rate:.3g}"


def _device(event: dict) -> str:
    """The device of a `started` event, with the number of ranks of a --distributed run."""
    ranks = event.get("ranks")
    return f"{event['device']} × {ranks} ranks" if ranks else str(event["device"])


class PlainPrinter:
    """Timestamped lines at intervals, for nohup and redirected output."""

    def __init__(self, every: float = 30.0) -> None:
        self.every = every
        self._last = 0.0

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        if kind == "progress":
            now = time.monotonic()
            if now - self._last < self.every and event["step"] != 1:
                return
            self._last = now
            total = event.get("total_steps")
            _say(
                f"{stamp} step {event['step']}{'/' + str(total) if total else ''} epoch {event['epoch']:.2f} "
                f"loss {event['loss_avg']:.4f} ppl {event['perplexity']:.2f} "
                f"lr {_fmt_rate(event.get('lr'))} {event['tokens_per_second']:,.0f} tok/s ETA {_fmt_seconds(event.get('eta'))}"
            )
        elif kind == "validation":
            _say(f"{stamp} validation at step {event['step']}: loss {event['valid_loss']:.4f} ppl {event['valid_ppl']:.2f} lr {_fmt_rate(event.get('lr'))}")
        elif kind == "started":
            _say(
                f"{stamp} training {event['name']} on {_device(event)}: {event['parameters']:,} parameters, "
                f"vocabulary {event['vocab']:,}, {event['train_tokens']:,} training tokens"
            )
        elif kind == "notice":
            _say(f"{stamp} {event['message']}")
        elif kind == "failed":
            _say(f"{stamp} failed: {event['reason']}")


class RichPrinter:
    """One live progress bar (rich) with loss, perplexity, tokens/s and ETA."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.console = Console()
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = None

    def __enter__(self) -> "RichPrinter":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.progress.stop()

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        with contextlib.suppress(OSError, ValueError):
            if kind == "started":
                self.console.print(
                    f"Training [bold]{event['name']}[/] on {_device(event)}: {event['parameters']:,} parameters, "
                    f"vocabulary {event['vocab']:,}, {event['train_tokens']:,} training tokens → {event['folder']}"
                )
                self.task = self.progress.add_task("train", total=1000, stats="")
            elif kind == "progress" and self.task is not None:
                fraction = event.get("fraction") or 0.0
                stats = (
                    f"step {event['step']} loss {event['loss_avg']:.3f} ppl {event['perplexity']:.1f} "
                    f"lr {_fmt_rate(event.get('lr'))} {event['tokens_per_second']:,.0f} tok/s"
                )
                self.progress.update(self.task, completed=int(fraction * 1000), stats=stats)
            elif kind == "validation":
                self.console.print(
                    f"  validation at step {event['step']}: loss {event['valid_loss']:.4f}, perplexity {event['valid_ppl']:.2f}, "
                    f"lr {_fmt_rate(event.get('lr'))}"
                )
            elif kind == "notice":
                self.console.print(f"  [yellow]{event['message']}[/]")
            elif kind == "failed":
                self.console.print(f"  [red]failed:[/] {event['reason']}")


def summary(result: RunResult, program: str = "lstm-tui", ranks: int | None = None) -> str:
    """What happened, where the model is, and how to use it."""
    folder = shlex.quote(str(result.folder))
    lines = [
        f"{result.status}: {result.step} steps, {_fmt_seconds(result.elapsed)} of training, {result.tokens_per_second:,.0f} tokens/s",
    ]
    if result.valid_loss is not None:
        lines.append(f"  valid loss {result.valid_loss:.4f} nats/token, perplexity {perplexity(result.valid_loss):.2f}")
    if result.test_loss is not None:
        lines.append(f"  test loss {result.test_loss:.4f} nats/token, perplexity {perplexity(result.test_loss):.2f}")
    lines.append(f"  model: {result.folder}")
    if result.status == "interrupted":
        launch = f"mpiexec -n {ranks} {program} --headless-train --distributed" if ranks else f"{program} --headless-train"
        lines.append(f"  resume with: {launch} --resume {folder}")
    if result.status == "failed" and result.reason:
        lines.append(f"  {result.reason}")
    lines.append(f"  try it: {program} predict --model {folder} \"some text\"   or open it in the app: {program} --model {folder}")
    return "\n".join(lines)


def run_headless(
    config: TrainConfig | None,
    out: Path | None = None,
    resume: Path | None = None,
    overrides: dict | None = None,
    log_every: float = 30.0,
    force_plain: bool = False,
) -> int:
    """Train, printing progress; returns the process exit code."""
    stop = threading.Event()
    caught: list[int] = []

    def on_signal(signum, _frame) -> None:
        caught.append(signum)
        if not stop.is_set() and trainer.is_main:
            _say(f"\n{signal.Signals(signum).name}: finishing this step and saving a checkpoint…", sys.stderr)
        stop.set()

    distributed = bool(config.session.distributed if config is not None else (overrides or {}).get("distributed"))
    # under mpiexec stdout is Open MPI's pseudo-terminal even when its output goes to a file: plain lines
    tty = sys.stdout.isatty() and not force_plain and not distributed
    printer = RichPrinter() if tty else PlainPrinter(log_every)
    if resume is not None:
        trainer = Trainer.resume(resume, overrides, listeners=[printer])
    else:
        assert config is not None
        trainer = Trainer.new(config, out, listeners=[printer])
    previous = {}
    # mpiexec forwards SIGUSR1 to every rank (SIGINT/SIGTERM it turns into SIGTERM, then SIGKILL)
    signals = SIGNALS + ((signal.SIGUSR1,) if trainer.processes.distributed and hasattr(signal, "SIGUSR1") else ())
    for sig in signals:
        with contextlib.suppress(ValueError):  # not the main thread
            previous[sig] = signal.signal(sig, on_signal)
    try:
        with printer if tty and trainer.is_main else contextlib.nullcontext():
            result = trainer.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if trainer.is_main:
        _say(summary(result, ranks=trainer.processes.size if trainer.processes.distributed else None))
    if result.status == "failed":
        return 1
    if result.status == "interrupted" and caught:
        return 128 + caught[0]
    return 0

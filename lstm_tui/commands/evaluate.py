"""`lstm-tui eval`: a model on held-out text against n-gram baselines."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from lstm_tui.commands.common import add_cache_arguments, add_model_argument, cache_override, resolve_model
from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.errors import UserError

SYNOPSIS = "--model DIR FILE"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "perplexity, top-k accuracy, keystroke savings, baselines"
DESCRIPTION = (
    "Evaluate a model on a held-out text file: perplexity, top-1/3/5 accuracy, keystroke savings, "
    "latency, and unigram / Kneser-Ney baselines fitted on the model's training split."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--max-tokens", type=int, default=None, help="evaluate at most this many tokens")
    parser.add_argument("--ksr-chars", type=int, default=None, help="characters typed for the keystroke savings rate (default 20000; 0: none)")
    parser.add_argument("--no-baselines", action="store_true", help="skip the n-gram baselines (they need the training corpus)")
    parser.add_argument("--record", action="store_true", help="also keep the report in the run folder (eval.json): the models screen shows it")
    parser.add_argument("--split", choices=("valid", "test"), default=None,
                        help="evaluate the run's own held-out split of its training corpus instead of a FILE")
    add_cache_arguments(parser)
    parser.add_argument("file", nargs="?", default=None, help="held-out text file (or use --split)")


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.eval.evaluate import KSR_CHARS, evaluate_file, record_report
    from lstm_tui.engine.runs.run_files.model_json import read_model_meta

    model = resolve_model(args.model)
    report = evaluate_file(
        model,
        Path(args.file).expanduser() if args.file else None,
        split=args.split,
        max_tokens=args.max_tokens,
        baselines=not args.no_baselines,
        ksr_chars=KSR_CHARS if args.ksr_chars is None else args.ksr_chars,
        cache=cache_override(model, args),
    )
    parent = read_model_meta(model).parent
    if args.json:
        print(json.dumps({**report.to_dict(), "parent": dataclasses.asdict(parent) if parent else None}, ensure_ascii=False, indent=1))
    else:
        print(eval_table(report, parent.label if parent else None))
    if args.record:
        try:
            path = record_report(report, model)
        except OSError as exc:
            raise UserError(f"could not write the report into {model} ({exc.strerror or exc}); run without --record, or copy the run folder somewhere writable") from None
        print(f"recorded in {path}", file=sys.stderr)
    return 0


def eval_table(report, parent: str | None = None) -> str:
    """The eval report as a small table: the LSTM against the baselines (`parent`: the line that
    says which model a fine-tuned run started from)."""
    char = report.level == "char"
    head = f"{'':<12}{'perplexity':>11}" + (f"{'bits/char':>10}" if char else "") + f"{'top-1':>8}{'top-3':>8}{'top-5':>8}{'KSR':>8}" + (f"{'bar KSR':>9}" if char else "") + f"{'p50 µs':>9}{'p99 µs':>9}"
    lines = [
        f"model  {report.model} ({report.level}, {report.tokenizer} tokenizer)" + (f", {neutralise(parent)}" if parent else ""),
        f"file   {report.file}: {report.tokens:,} tokens predicted, {report.unk_share:.1%} <unk>",
        "",
        head,
    ]
    alone = [report.lstm_alone] if report.lstm_alone else []
    for scores in [report.lstm, *alone, *report.baselines]:
        is_lstm = scores is report.lstm
        row = f"{scores.name:<12}{scores.perplexity:>11.3f}"
        if char:
            row += f"{scores.bits_per_char:>10.3f}"
        row += f"{scores.top1:>8.1%}{scores.top3:>8.1%}{scores.top5:>8.1%}"
        typing = report.typing if is_lstm else scores.typing
        bar = report.typing_bar if is_lstm else scores.typing_bar
        ksr = f"{typing.ksr:.1%}" if typing else "-"
        row += f"{ksr:>8}" + (f"{f'{bar.ksr:.1%}' if bar else '-':>9}" if char else "")
        p50, p99 = (f"{report.latency.p50_us:.0f}", f"{report.latency.p99_us:.0f}") if is_lstm else ("-", "-")
        lines.append(row + f"{p50:>9}{p99:>9}")
    if report.typing:
        t = report.typing
        lines += ["", f"KSR: {t.keystrokes:,} keystrokes for {t.chars:,} characters ({t.accepted:,} top-3 suggestions accepted)"]
    if report.typing_bar:
        t = report.typing_bar
        lines.append(f"bar KSR: with the app's word bar (the 3 likeliest words), {t.keystrokes:,} keystrokes ({t.accepted:,} words accepted)")
    if report.cache:
        c = report.cache
        lines.append(f"lstm: with the continuous cache over the last {c['size']:,} tokens (θ {c['theta']:g}, λ {c['mix']:g}); lstm alone: without it")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)

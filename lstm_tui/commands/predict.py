"""`lstm-tui predict`: the top-k next tokens after a text."""

from __future__ import annotations

import argparse
import json

from lstm_tui.commands.common import add_model_argument, add_sampling_arguments, resolve_model, sampling_settings
from lstm_tui.engine.errors import UserError

SYNOPSIS = "--model DIR TEXT"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "top-k next tokens after TEXT (or JSON lines: --stdin --json)"
DESCRIPTION = "Print the top-k next tokens after TEXT."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    add_sampling_arguments(parser, "top_k", "temperature")
    parser.add_argument("--json", action="store_true", help='print [{"token": ..., "prob": ...}, ...]')
    parser.add_argument("--stdin", action="store_true",
                        help='with --json: read JSON lines ({"text": ...}, {"append": ...}, {"edit": {"start": N, "end": N, "text": ...}}) '
                             'and answer each with a JSON line of suggestions, keeping the model loaded and following the text '
                             'incrementally (the format: docs/scripting.md)')
    parser.add_argument("text", nargs="?", default="")


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.data.textfile import visible_token
    from lstm_tui.engine.infer.predictor import Predictor

    sampling = sampling_settings(args)
    if args.stdin:
        return _serve_lines(args, sampling)
    predictor = Predictor.load(resolve_model(args.model))
    result = predictor.suggest(args.text, sampling.top_k, sampling.temperature)
    if args.json:
        print(json.dumps([{"token": s.token, "prob": round(s.prob, 6)} for s in result.items], ensure_ascii=False))
        return 0
    if result.partial:
        print(f"completions of {visible_token(result.partial)!s}:")
    for s in result.items:
        print(f"{s.prob * 100:6.2f}%  {visible_token(s.token)}")
    return 0


def _serve_lines(args: argparse.Namespace, sampling) -> int:
    """`--stdin --json`: JSON lines in, JSON lines out (`lsp.json_lines`)."""
    import sys

    from lstm_tui.engine.runtime.blas_threads import keystroke_blas_threads, use_blas_threads
    from lstm_tui.lsp.completions import DocumentPredictor, SharedModel
    from lstm_tui.lsp.json_lines import JsonLinesSession, serve

    if not args.json:
        raise UserError("--stdin reads and writes JSON lines: add --json")
    if args.text:
        raise UserError("give TEXT or --stdin, not both (with --stdin the text comes in the JSON lines)")
    predictor = SharedModel.load(resolve_model(args.model)).predictor()
    use_blas_threads(keystroke_blas_threads(predictor.step_bytes))  # process-wide, before the loop
    session = JsonLinesSession(DocumentPredictor(predictor, sampling.top_k, sampling.temperature))
    try:
        serve(session, sys.stdin.buffer, sys.stdout)
    except BrokenPipeError:  # the reader went away: nothing more to answer
        sys.stdout = None  # type: ignore[assignment]  (no flush of a closed pipe at exit)
    return 0

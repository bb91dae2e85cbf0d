"""`lstm-tui predict`: the top-k next tokens after a text."""

from __future__ import annotations

import argparse
import json

from lstm_tui.commands.common import add_model_argument, add_sampling_arguments, resolve_model, sampling_settings

SYNOPSIS = "--model DIR TEXT"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "top-k next tokens after TEXT"
DESCRIPTION = "Print the top-k next tokens after TEXT."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    add_sampling_arguments(parser, "top_k", "temperature")
    parser.add_argument("--json", action="store_true", help='print [{"token": ..., "prob": ...}, ...]')
    parser.add_argument("text", nargs="?", default="")


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.data.textfile import visible_token
    from lstm_tui.engine.infer.predictor import Predictor

    sampling = sampling_settings(args)
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

"""`lstm-tui generate`: a sampled continuation."""

from __future__ import annotations

import argparse

from lstm_tui.commands.common import add_model_argument, add_sampling_arguments, resolve_model, sampling_settings
from lstm_tui.engine.errors import UserError

SYNOPSIS = "--model DIR [PRIME]"  # after `lstm-tui NAME`, for the main --help
SUMMARY = "sample a continuation"
DESCRIPTION = "Sample a continuation of PRIME."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--length", type=int, default=200, help="tokens to generate")
    add_sampling_arguments(parser, "temperature", "top_k",
                           helps={"top_k": "draw each token among the k likeliest only (1 to 20; default: all)"})
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("prime", nargs="?", default="")


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.data.textfile import neutralise
    from lstm_tui.engine.infer.predictor import Predictor

    sampling = sampling_settings(args)
    predictor = Predictor.load(resolve_model(args.model))
    if args.length < 1:
        raise UserError(f"--length must be at least 1, got {args.length}")
    text = predictor.generate(args.prime, args.length, sampling.temperature, args.seed,
                              sampling.top_k if args.top_k is not None else None)
    print(neutralise(args.prime + text))
    return 0

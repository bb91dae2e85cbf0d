"""What several subcommands share: the model argument, the prediction settings' flags."""

from __future__ import annotations

import argparse
from pathlib import Path

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.model_choice import RULE as MODEL_RULE, model_to_open
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.options import Declared
from lstm_tui.paths import checkpoints_dir


def option_reader(declared: Declared):
    """argparse's `type=` for a declared option: its own parser, errors as one line."""
    def read(text: str):
        try:
            return declared.parse(text)
        except ValueError as exc:
            what = str(exc) if str(exc).startswith("--") else f"{declared.flag} takes a {declared.kind.__name__}, got {text!r}"
            raise argparse.ArgumentTypeError(what) from None
    read.__name__ = declared.kind.__name__
    return read


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help=f"run folder (default: {MODEL_RULE}, as the app opens)")


def resolve_model(value: str | None) -> Path:
    """`--model`, else the model the app would open (`model_choice.RULE`)."""
    model = model_to_open(value, checkpoints_dir())
    if model is None:
        raise UserError(f"no model found in {checkpoints_dir()}; give --model DIR, or train one (lstm-tui --headless-train)")
    return model


def add_sampling_arguments(parser: argparse.ArgumentParser, *names: str, helps: dict[str, str] | None = None) -> None:
    """The prediction settings `names` as their declarations give them (read and checked by
    `sampling_settings`); `helps` replaces the help of a setting whose default means something else here."""
    from lstm_tui.engine.infer.sampling import SamplingSettings

    for d in SamplingSettings.declared():
        if d.name in names:
            parser.add_argument(d.flag, dest=d.name, default=None, help=(helps or {}).get(d.name, d.help))


def sampling_settings(args: argparse.Namespace):
    """The prediction settings the flags ask for, with the one message of a bad value."""
    from lstm_tui.engine.infer.sampling import SamplingSettings

    given = {d.name: SamplingSettings.read(d.name, text) for d in SamplingSettings.declared()
             if (text := getattr(args, d.name, None)) is not None}
    return SamplingSettings(**given)


def add_cache_arguments(parser: argparse.ArgumentParser) -> None:
    """The prediction options (the cache), as their declarations give them, defaulting to the run's."""
    for d in TrainConfig.declared():
        if d.part == "prediction" and d.flag:
            parser.add_argument(d.flag, dest=d.name, type=option_reader(d), default=None, help=f"{d.option.help} (default: the run's)")


def cache_override(model: Path, args: argparse.Namespace):
    """The cache settings the flags ask for (the run's own filled in), or None for the run's."""
    given = {d.name: getattr(args, d.name) for d in TrainConfig.declared() if d.part == "prediction" and getattr(args, d.name, None) is not None}
    if not given:
        return None
    from lstm_tui.engine.runs.run_files.model_json import read_model_meta

    recorded = read_model_meta(model).train or TrainConfig()
    prediction = recorded.replace(**given).prediction
    if "cache_size" not in given and prediction.cache_size == 0:
        raise UserError("this run has no cache; give --cache-size N to turn one on")
    prediction.cache.validate()
    return prediction.cache

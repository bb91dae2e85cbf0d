"""Command line: `lstm-tui` opens the app; `--headless-train` trains over SSH; the subcommands
(lstm_tui/commands/) use the engine directly.

Every `UserError` becomes one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.errors import UserError
from lstm_tui.commands import PROG, REGISTRY, overview, run_command
from lstm_tui.commands.common import option_reader
from lstm_tui.engine.runs.model_choice import RULE as MODEL_RULE


DESCRIPTION = """\
Train a two-layer LSTM language model (Chainer) and watch its next-token predictions live.

  lstm-tui                               open the app (predict, train, models screens)
  lstm-tui --headless-train ...          train without the app (for SSH); see the options below
{commands}

Without --model, the app, predict, generate and eval open one model: {rule}.
"""


GROUP_TITLES = {
    "data": "data",
    "model": "model",
    "training": "training",
    "limits": "when to stop (a resume may change these)",
    "session": "this session (not recorded: a resume uses its own)",
    "prediction": "prediction (recorded with the run; the app and eval use it)",
}


def add_train_arguments(parser: argparse.ArgumentParser, spec: type[TrainConfig] = TrainConfig) -> None:
    """The training options, derived from their declarations on `spec` (default: `TrainConfig`)."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for d in spec.declared():
        if d.flag is None:
            continue
        group = groups.get(d.option.group)
        if group is None:
            group = groups[d.option.group] = parser.add_argument_group(GROUP_TITLES.get(d.option.group, d.option.group))
        if d.kind is bool:
            group.add_argument(d.flag, dest=d.name, action="store_true", default=None, help=d.help)
        else:
            group.add_argument(d.flag, dest=d.name, type=option_reader(d), choices=d.option.choices or None, default=None, help=d.help)


def config_from_args(args: argparse.Namespace, spec: type[TrainConfig] = TrainConfig) -> tuple[TrainConfig, dict]:
    """The config that parsed options ask for; also the options given explicitly (for --resume).

    Later sources win: the declared defaults, the corpus's catalogue entry, a --preset, a
    --config file, then the flags given."""
    given = {d.name: getattr(args, d.name) for d in spec.declared() if getattr(args, d.name, None) is not None}
    values: dict = {}
    if getattr(args, "preset", None):
        from lstm_tui.engine.train.presets import get_preset

        values.update(get_preset(args.preset).values)
    if getattr(args, "config", None):
        values.update(spec.from_file(Path(args.config).expanduser()).to_dict())
    values.update(given)
    corpus = values.get("corpus")
    if corpus:
        from lstm_tui.engine.data.catalogue import load_catalogue

        entry = load_catalogue().get(corpus)
        if entry is not None:
            values = {**entry.option_defaults(), **values}
    return spec.from_dict(values), given


def _presets_help() -> str:
    from lstm_tui.engine.train.presets import PRESETS

    lines = ["presets (--headless-train --preset NAME):"]
    lines += [f"  {p.name:<18} {p.description}" for p in PRESETS.values()]
    return "\n".join(lines)


def main_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description=DESCRIPTION.format(rule=MODEL_RULE, commands=overview()), epilog=_presets_help(), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__import__('lstm_tui').__version__}")
    parser.add_argument("--model", help=f"run folder to open in the app (default: {MODEL_RULE})")
    parser.add_argument("--headless-train", action="store_true", help="train without the app, printing progress (for SSH)")
    parser.add_argument(
        "--out",
        help="run folder for --headless-train (default <checkpoints>/<corpus>-<level>-<time>, where <checkpoints> is "
        "$LSTM_TUI_CHECKPOINTS, else checkpoints/ of the lstm-tui checkout: the folder the app lists)",
    )
    parser.add_argument("--resume", help="continue the run in this folder exactly where it stopped")
    parser.add_argument("--log-every", type=float, default=30.0, help="seconds between progress lines when not on a terminal")
    parser.add_argument("--preset", help="a named recipe (see the list above); explicit options override it")
    parser.add_argument("--config", metavar="FILE",
                        help="training options from a JSON file (or a run's model.json); explicit options override it")
    add_train_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in REGISTRY:
            return run_command(argv[0], argv[1:])
        args = main_parser().parse_args(argv)
        if args.headless_train or args.resume:
            from lstm_tui.engine.runtime.malloc_tuning import keep_freed_memory
            from lstm_tui.headless import run_headless

            config, given = config_from_args(args)
            keep_freed_memory()  # process-wide, for the whole training (each rank, the app's child too)
            if args.resume:
                return run_headless(None, resume=Path(args.resume), overrides=given, log_every=args.log_every)
            return run_headless(config, out=Path(args.out) if args.out else None, log_every=args.log_every)
        from lstm_tui.tui.entry import run_app

        return run_app(model=Path(args.model).resolve() if args.model else None)
    except UserError as exc:
        if getattr(exc, "report", True):  # an error all --distributed ranks share is printed by rank 0 alone
            print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

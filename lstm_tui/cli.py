"""Command line: `lstm-tui` opens the app; `--headless-train` trains over SSH; subcommands
`corpora`, `models`, `predict`, `generate`, `eval` use the engine directly.

Every `UserError` becomes one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.options import Declared
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.model_choice import RULE as MODEL_RULE, model_to_open
from lstm_tui.paths import checkpoints_dir

PROG = "lstm-tui"
SUBCOMMANDS = ("corpora", "models", "predict", "generate", "eval")

DESCRIPTION = """\
Train a two-layer LSTM language model (Chainer) and watch its next-token predictions live.

  lstm-tui                         open the app (predict, train, models screens)
  lstm-tui --headless-train ...    train without the app (for SSH); see the options below
  lstm-tui corpora                 list built-in and catalogued corpora
  lstm-tui models                  list run folders under checkpoints/
  lstm-tui predict --model DIR TEXT      top-k next tokens after TEXT
  lstm-tui generate --model DIR [PRIME]  sample a continuation
  lstm-tui eval --model DIR FILE         perplexity, top-k accuracy, keystroke savings, baselines

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


def _reader(declared: Declared):
    """argparse's `type=` for an option: its own parser, errors as one line."""
    def read(text: str):
        try:
            return declared.parse(text)
        except ValueError as exc:
            what = str(exc) if str(exc).startswith("--") else f"{declared.flag} takes a {declared.kind.__name__}, got {text!r}"
            raise argparse.ArgumentTypeError(what) from None
    read.__name__ = declared.kind.__name__
    return read


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
            group.add_argument(d.flag, dest=d.name, type=_reader(d), choices=d.option.choices or None, default=None, help=d.help)


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
        prog=PROG, description=DESCRIPTION.format(rule=MODEL_RULE), epilog=_presets_help(), formatter_class=argparse.RawDescriptionHelpFormatter
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


def _model_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help=f"run folder (default: {MODEL_RULE}, as the app opens)")


def _sub_parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} {command}")
    if command == "corpora":
        parser.description = "List the corpora this installation has: built-in, bundled, and ../shared ones where present."
    elif command == "models":
        parser.description = "List run folders."
        parser.add_argument("folder", nargs="?", help="folder of runs, or one run folder (default $LSTM_TUI_CHECKPOINTS, else checkpoints/ of the checkout)")
    elif command == "predict":
        parser.description = "Print the top-k next tokens after TEXT."
        _model_arg(parser)
        _add_sampling_arguments(parser, "top_k", "temperature")
        parser.add_argument("--json", action="store_true", help='print [{"token": ..., "prob": ...}, ...]')
        parser.add_argument("text", nargs="?", default="")
    elif command == "generate":
        parser.description = "Sample a continuation of PRIME."
        _model_arg(parser)
        parser.add_argument("--length", type=int, default=200, help="tokens to generate")
        _add_sampling_arguments(parser, "temperature", "top_k",
                                helps={"top_k": "draw each token among the k likeliest only (1 to 20; default: all)"})
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("prime", nargs="?", default="")
    elif command == "eval":
        parser.description = (
            "Evaluate a model on a held-out text file: perplexity, top-1/3/5 accuracy, keystroke savings, "
            "latency, and unigram / Kneser-Ney baselines fitted on the model's training split."
        )
        _model_arg(parser)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--max-tokens", type=int, default=None, help="evaluate at most this many tokens")
        parser.add_argument("--ksr-chars", type=int, default=None, help="characters typed for the keystroke savings rate (default 20000; 0: none)")
        parser.add_argument("--no-baselines", action="store_true", help="skip the n-gram baselines (they need the training corpus)")
        parser.add_argument("--record", action="store_true", help="also keep the report in the run folder (eval.json): the models screen shows it")
        parser.add_argument("--split", choices=("valid", "test"), default=None,
                            help="evaluate the run's own held-out split of its training corpus instead of a FILE")
        _add_prediction_arguments(parser)
        parser.add_argument("file", nargs="?", default=None, help="held-out text file (or use --split)")
    return parser


def _resolve_model(value: str | None) -> Path:
    """`--model`, else the model the app would open (`model_choice.RULE`)."""
    model = model_to_open(value, checkpoints_dir())
    if model is None:
        raise UserError(f"no model found in {checkpoints_dir()}; give --model DIR, or train one (lstm-tui --headless-train)")
    return model


def _add_sampling_arguments(parser: argparse.ArgumentParser, *names: str, helps: dict[str, str] | None = None) -> None:
    """The prediction settings `names` as their declarations give them (read and checked by
    `_sampling`); `helps` replaces the help of a setting whose default means something else here."""
    from lstm_tui.engine.infer.sampling import SamplingSettings

    for d in SamplingSettings.declared():
        if d.name in names:
            parser.add_argument(d.flag, dest=d.name, default=None, help=(helps or {}).get(d.name, d.help))


def _sampling(args: argparse.Namespace):
    """The prediction settings the flags ask for, with the one message of a bad value."""
    from lstm_tui.engine.infer.sampling import SamplingSettings

    given = {d.name: SamplingSettings.read(d.name, text) for d in SamplingSettings.declared()
             if (text := getattr(args, d.name, None)) is not None}
    return SamplingSettings(**given)


def run_subcommand(command: str, argv: list[str]) -> int:
    args = _sub_parser(command).parse_args(argv)
    if command == "corpora":
        from lstm_tui.engine.data.catalogue import catalogue_folder, listed_entries, load_catalogue

        print(f"{'NAME':<18} {'LEVEL':<11} DESCRIPTION")
        for entry in listed_entries(load_catalogue()):
            mark = f"  [{entry.note}]" if entry.note else ""
            print(f"{entry.name:<18} {entry.level_label:<11} {entry.description}{mark}")
        print(f"\ncatalogue: {catalogue_folder() / 'catalogue.json'} (see corpora/README.md to add one); any text file or folder also works: --corpus PATH")
        return 0
    if command == "models":
        from lstm_tui.engine.data.textfile import neutralise
        from lstm_tui.engine.runs.run_service import RunService

        service = RunService(Path(args.folder) if args.folder else None)
        runs = service.list_runs()
        if not runs:
            print(f"no runs in {service.root}")
        for run in runs:
            if run.problem is not None:
                print(neutralise(f"{run.name:<36} {run.state:<12} {run.problem}  {run.folder}"))
                continue
            ppl = f"{run.valid_ppl:.2f}" if run.valid_ppl else "-"
            print(neutralise(f"{run.name:<36} {run.state:<12} {run.level:<5} vocab {run.vocab:<6} valid ppl {ppl:<8} {run.folder}"))
        for run in runs:
            if run.eval_problem is not None:
                print(neutralise(f"note: {run.folder.name}: {run.eval_problem}; the recorded evaluation is ignored"), file=sys.stderr)
        return 0
    if command == "eval":
        from lstm_tui.engine.eval.evaluate import KSR_CHARS, evaluate_file, record_report

        model = _resolve_model(args.model)
        report = evaluate_file(
            model,
            Path(args.file).expanduser() if args.file else None,
            split=args.split,
            max_tokens=args.max_tokens,
            baselines=not args.no_baselines,
            ksr_chars=KSR_CHARS if args.ksr_chars is None else args.ksr_chars,
            cache=_cache_override(model, args),
        )
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if args.json else _eval_table(report))
        if args.record:
            try:
                path = record_report(report, model)
            except OSError as exc:
                raise UserError(f"could not write the report into {model} ({exc.strerror or exc}); run without --record, or copy the run folder somewhere writable") from None
            print(f"recorded in {path}", file=sys.stderr)
        return 0
    from lstm_tui.engine.infer.predictor import Predictor

    sampling = _sampling(args)
    predictor = Predictor.load(_resolve_model(args.model))
    if command == "predict":
        result = predictor.suggest(args.text, sampling.top_k, sampling.temperature)
        if args.json:
            print(json.dumps([{"token": s.token, "prob": round(s.prob, 6)} for s in result.items], ensure_ascii=False))
        else:
            from lstm_tui.engine.data.textfile import visible_token

            if result.partial:
                print(f"completions of {visible_token(result.partial)!s}:")
            for s in result.items:
                print(f"{s.prob * 100:6.2f}%  {visible_token(s.token)}")
        return 0
    if command == "generate":
        if args.length < 1:
            raise UserError(f"--length must be at least 1, got {args.length}")
        from lstm_tui.engine.data.textfile import neutralise

        text = predictor.generate(args.prime, args.length, sampling.temperature, args.seed,
                                  sampling.top_k if args.top_k is not None else None)
        print(neutralise(args.prime + text))
        return 0
    return 2


def _add_prediction_arguments(parser: argparse.ArgumentParser) -> None:
    """The prediction options (the cache), as their declarations give them, defaulting to the run's."""
    for d in TrainConfig.declared():
        if d.part == "prediction" and d.flag:
            parser.add_argument(d.flag, dest=d.name, type=_reader(d), default=None, help=f"{d.option.help} (default: the run's)")


def _cache_override(model: Path, args: argparse.Namespace):
    """The cache settings eval's flags ask for (the run's own filled in), or None for the run's."""
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


def _eval_table(report) -> str:
    """The eval report as a small table: the LSTM against the baselines."""
    char = report.level == "char"
    head = f"{'':<12}{'perplexity':>11}" + (f"{'bits/char':>10}" if char else "") + f"{'top-1':>8}{'top-3':>8}{'top-5':>8}{'KSR':>8}" + (f"{'bar KSR':>9}" if char else "") + f"{'p50 µs':>9}{'p99 µs':>9}"
    lines = [
        f"model  {report.model} ({report.level}, {report.tokenizer} tokenizer)",
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


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return run_subcommand(argv[0], argv[1:])
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

"""Training configuration, in four parts, each option declared once (see `options`).

- `RunConfig`: what defines a run — data, model, optimisation, seed. Recorded in model.json and
  restored on resume; it cannot change once the run has started.
- `Limits`: when to stop. Recorded, restored on resume, and may be changed there.
- `SessionSettings`: how this invocation runs (device, processes, checkpoint interval). Not
  carried over: a resumed run uses the session's own settings.
- `PredictionSettings`: how the trained model predicts (the continuous cache). Recorded with the
  run, used by the app and eval, free to change at any time.

model.json's "train" holds all four as one flat object (`TrainConfig.to_dict`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lstm_tui.engine.data.corpus import FORMATS
from lstm_tui.engine.data.tokenizers import LEVELS, TOKENIZERS
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.neural_cache import CacheSettings, mix_problem, size_problem, theta_problem
from lstm_tui.engine.train.options import (
    Declared, FormRow, at_least_two, check_values, factor, fraction, model_name, option, part_options, positive, positive_int,
    share, split_fractions, whole,
)
from lstm_tui.engine.train.distributed import COMMUNICATORS
from lstm_tui.engine.train.weight_average import decay_problem

OPTIMIZERS = ("adam", "sgd")
DEFAULT_EPOCHS = 10.0  # when no limit at all is given


@dataclass
class RunConfig:
    """What defines a run: recorded with it and restored unchanged on resume."""

    corpus: str | None = option(None, group="data", help="text file, folder of .txt files, builtin:NAME or a catalogue name (default builtin:pydoc)")
    level: str = option("char", group="data", choices=LEVELS, form=FormRow("level", choices=LEVELS),
                        help="char or word (default char, or the catalogue's)")
    tokenizer: str = option("auto", group="data", choices=TOKENIZERS, form=FormRow("tokenizer", choices=TOKENIZERS),
                            help="for word level: auto (MeCab for Japanese), space or mecab")
    encoding: str | None = option(None, group="data", help="force the corpus encoding (default: detect UTF-8, Shift_JIS/CP932, EUC-JP)")
    format: str = option("auto", group="data", choices=FORMATS, help="corpus format (default auto-detects Aozora Bunko)")
    valid_file: str | None = option(None, group="data", flag="--valid", help="validation text file (instead of a split)")
    test_file: str | None = option(None, group="data", flag="--test", help="test text file (instead of a split)")
    split: tuple[float, float, float] | None = option(None, group="data", parse=split_fractions,
                                                     help="train,valid,test fractions (default 0.9,0.05,0.05)")
    vocab_size: int | None = option(None, group="data", check=at_least_two,
                                    help="vocabulary cap including <unk> (default: none for char, 10000 for word)")
    init_from: str | None = option(None, group="model", check=model_name, form=FormRow("start from", "new (or default, a run)"),
                                   help="fine-tune: start from this model's weights, vocabulary and tokenizer — a run folder, "
                                        "or default / default-ja (the shipped models); its size options are kept")
    units: int = option(256, group="model", check=positive_int, form=FormRow("units"), help="LSTM units per layer")
    embed: int | None = option(None, group="model", check=positive_int, form=FormRow("embed", "= units"), help="embedding size (default = units)")
    dropout: float = option(0.1, group="model", check=fraction, form=FormRow("dropout"),
                            help="dropout on embedding, between layers and before output")
    embed_dropout: float | None = option(None, group="model", check=fraction, help="dropout on the embedding alone (default: --dropout)")
    tie_weights: bool = option(False, group="model", help="share embedding and output weights (needs embed = units)")
    bptt: int = option(64, group="training", check=positive_int, form=FormRow("BPTT"), help="truncated BPTT length")
    batch_size: int = option(32, group="training", check=positive_int, form=FormRow("batch size"), help="parallel streams")
    lr: float | None = option(None, group="training", check=positive, form=FormRow("learning rate", "2e-3 (adam)"),
                              help="learning rate (default 2e-3 for adam, 1.0 for sgd)")
    optimizer: str = option("adam", group="training", choices=OPTIMIZERS, help="adam or sgd")
    grad_clip: float = option(5.0, group="training", check=positive, help="gradient norm clip")
    lr_decay: float = option(0.5, group="training", check=factor, help="learning-rate factor when validation stops improving")
    anneal: float = option(0.0, group="training", check=share,
                           help="share of the budget at its end over which the learning rate falls linearly to 1/20")
    weight_average: float = option(0.0, group="training", check=decay_problem,
                                   help="validate and save a moving average of the weights with this decay, e.g. 0.998 (default 0: off; see docs/training-recipes.md)")
    eval_every: int | None = option(None, group="training", check=positive_int, help="steps between validations (default ~4 per epoch, 10 to 500 steps apart)")
    eval_tokens: int = option(200_000, group="training", flag="", check=positive_int,
                              help="cap on validation tokens per interim validation (the final one uses all)")
    seed: int = option(0, group="training", check=whole, form=FormRow("seed"), help="random seed")

    @property
    def effective_embed(self) -> int:
        return self.embed if self.embed is not None else self.units

    @property
    def effective_lr(self) -> float:
        if self.lr is not None:
            return self.lr
        return 2e-3 if self.optimizer == "adam" else 1.0

    @property
    def effective_vocab_size(self) -> int | None:
        if self.vocab_size is not None:
            return self.vocab_size
        return None if self.level == "char" else 10_000


@dataclass
class Limits:
    """When training stops; recorded with the run, and a resume may change them."""

    epochs: float | None = option(None, group="limits", check=positive, form=FormRow("epochs", "10 if no limit"),
                                  help="stop after this many epochs (default 10 when no other limit is given)")
    max_steps: int | None = option(None, group="limits", check=positive_int, form=FormRow("max steps", "no step limit"),
                                   help="stop after this many updates")
    time_budget: float | None = option(None, group="limits", check=positive, form=FormRow("minutes", "no time limit"),
                                       help="stop after this many minutes of training")

    @property
    def effective_epochs(self) -> float | None:
        if self.epochs is None and self.max_steps is None and self.time_budget is None:
            return DEFAULT_EPOCHS
        return self.epochs


@dataclass
class SessionSettings:
    """How this invocation trains; a resumed run takes the resuming session's settings."""

    checkpoint_minutes: float = option(2.0, group="session", check=positive, help="minutes between checkpoints")
    device: str = option("auto", group="session", form=FormRow("device", choices=("auto", "cpu", "gpu")),
                         help="auto, cpu, gpu or gpu:N (default auto)")
    distributed: bool = option(False, group="session",
                               help="data-parallel over the ranks of mpiexec -n N (--batch-size is the global batch; needs lstm-tui[mpi])")
    communicator: str | None = option(None, group="session", choices=COMMUNICATORS,
                                      help="how --distributed ranks average gradients: naive (CPU) or pure_nccl (GPUs) (default follows --device)")


@dataclass
class PredictionSettings:
    """How the trained model predicts: recorded with the run, used by the app and eval."""

    cache_size: int = option(0, group="prediction", check=size_problem, form=FormRow("cache size"),
                             help="predict with a continuous cache over this many recent tokens (0: off)")
    cache_theta: float = option(0.3, group="prediction", check=theta_problem, help="the cache's sharpness θ")
    cache_mix: float = option(0.15, group="prediction", check=mix_problem, help="the cache's share λ of the prediction")

    @property
    def cache(self) -> CacheSettings:
        return CacheSettings(self.cache_size, self.cache_theta, self.cache_mix)


@dataclass
class TrainConfig:
    """A training request: the run's definition, its limits, this session, and prediction."""

    run: RunConfig = field(default_factory=RunConfig)
    limits: Limits = field(default_factory=Limits)
    session: SessionSettings = field(default_factory=SessionSettings)
    prediction: PredictionSettings = field(default_factory=PredictionSettings)

    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = ("run",)
    NOT_CARRIED_ON_RESUME: ClassVar[tuple[str, ...]] = ("session",)

    # the declaration, read off the parts ------------------------------------------------------
    @classmethod
    def declared(cls) -> list[Declared]:
        """Every option of every part, in declaration order."""
        return [d for f in dataclasses.fields(cls) for d in part_options(f.default_factory, f.name)]  # type: ignore[misc]

    @classmethod
    def part_of(cls) -> dict[str, str]:
        """Option name → the part that holds it."""
        return {d.name: d.part for d in cls.declared()}

    # building ---------------------------------------------------------------------------------
    @classmethod
    def from_values(cls, values: dict[str, Any] | None = None, **more: Any) -> "TrainConfig":
        """A config from option values by name (a preset, parsed flags, a form); unknown names are an error."""
        return cls().replace(**{**(values or {}), **more})

    def replace(self, **values: Any) -> "TrainConfig":
        """A copy with some options changed (by name)."""
        where = self.part_of()
        parts = {name: {} for name in (f.name for f in dataclasses.fields(self))}
        for name, value in values.items():
            if name not in where:
                raise UserError(f"unknown training option {name!r}", field=name)
            parts[where[name]][name] = value
        return dataclasses.replace(self, **{p: dataclasses.replace(getattr(self, p), **v) for p, v in parts.items() if v})

    def to_dict(self) -> dict[str, Any]:
        """All options as one flat object (model.json's "train"; a `--config` file)."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            data.update(dataclasses.asdict(getattr(self, f.name)))
        if data.get("split") is not None:
            data["split"] = list(data["split"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        """A config from a flat object (a `--config` file, model.json's "train"), each value of its
        option's type (else a UserError naming it); names it does not declare (older or newer runs)
        are ignored."""
        declared = {d.name: d for d in cls.declared()}
        values = {k: v for k, v in data.items() if k in declared}
        for name, value in values.items():
            wrong = declared[name].type_problem(value)
            if wrong:
                raise UserError(wrong, field=name)
        if values.get("split") is not None:
            values["split"] = tuple(values["split"])
        return cls().replace(**values)

    @classmethod
    def from_file(cls, path: Path) -> "TrainConfig":
        """A `--config` file: a flat JSON object of options, or a run's model.json (its "train")."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read the config file {path} ({exc}); give a JSON object of options or a run's model.json") from None
        if isinstance(data, dict) and isinstance(data.get("train"), dict):
            data = data["train"]
        if not isinstance(data, dict):
            raise UserError(f"the config file {path} must hold a JSON object of options")
        return cls.from_dict(data)

    def values(self) -> dict[str, Any]:
        """Option name → value (tuples kept as tuples)."""
        return {d.name: getattr(getattr(self, d.part), d.name) for d in self.declared()}

    @classmethod
    def resumed(cls, recorded: dict[str, Any], changes: dict[str, Any]) -> "TrainConfig":
        """The config a resumed run continues with: the recorded run (which cannot change), its
        limits and prediction settings with `changes` applied, and this session's own settings."""
        where = cls.part_of()
        fixed = [name for name in changes if where.get(name) in cls.FIXED_ON_RESUME]
        if fixed:
            flag = next(d.label for d in cls.declared() if d.name == fixed[0])
            raise UserError(f"{flag} defines the run and cannot change when resuming; start a new run to change it", field=fixed[0])
        config = cls.from_dict(recorded)
        fresh = cls()
        config = dataclasses.replace(config, **{part: getattr(fresh, part) for part in cls.NOT_CARRIED_ON_RESUME})
        return config.replace(**changes)

    # checking ---------------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise a UserError naming the first bad option (its `field`) and what would be valid."""
        check_values(self.declared(), self.values())
        run = self.run
        if run.tie_weights and run.effective_embed != run.units:
            raise UserError("--tie-weights needs --embed equal to --units", field="tie_weights")

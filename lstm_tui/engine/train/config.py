"""Training configuration: one dataclass shared by the CLI, the TUI's train form and model.json."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.data.tokenizers import LEVELS, TOKENIZERS
from lstm_tui.engine.train.weight_average import check_decay

OPTIMIZERS = ("adam", "sgd")


@dataclass
class TrainConfig:
    """Hyperparameters and data choices of one run (defaults are the CLI's and the TUI's)."""

    corpus: str | None = None
    level: str = "char"
    tokenizer: str = "auto"
    encoding: str | None = None
    format: str = "auto"
    valid_file: str | None = None
    test_file: str | None = None
    split: tuple[float, float, float] | None = None
    vocab_size: int | None = None  # default: no cap for chars, 10,000 for words
    units: int = 256
    embed: int | None = None  # default: = units
    dropout: float = 0.1
    embed_dropout: float | None = None  # default: = dropout
    tie_weights: bool = False
    bptt: int = 64
    batch_size: int = 32
    lr: float | None = None  # default: 2e-3 for Adam, 1.0 for SGD
    optimizer: str = "adam"
    grad_clip: float = 5.0
    lr_decay: float = 0.5  # multiply the learning rate by this when validation stops improving
    anneal: float = 0.0  # share of the budget (time or steps) at its end over which the rate falls linearly to 1/20
    weight_average: float = 0.0  # decay of the moving average of the weights that is validated and saved; 0: off
    epochs: float | None = None
    max_steps: int | None = None
    time_budget: float | None = None  # minutes
    eval_every: int | None = None  # steps between validations (default: ~4 per epoch, at most 500)
    checkpoint_minutes: float = 2.0  # minutes between checkpoints
    eval_tokens: int = 200_000  # cap on validation tokens per interim validation (the final one uses all)
    seed: int = 0
    device: str = "auto"
    distributed: bool = False  # data-parallel over MPI ranks (mpiexec); batch_size is the global batch
    communicator: str | None = None  # naive (CPU) or pure_nccl (GPUs); default follows the device
    # The predictor's continuous cache (`neural_cache`): recorded with the run, used by the app and eval.
    cache_size: int = 0  # recent tokens it holds; 0: off
    cache_theta: float = 0.3
    cache_mix: float = 0.15

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

    @property
    def effective_epochs(self) -> float | None:
        if self.epochs is None and self.max_steps is None and self.time_budget is None:
            return 10.0
        return self.epochs

    def validate(self) -> None:
        """Raise a UserError naming the first bad value and what would be valid."""
        def positive_int(name: str, value: int | None) -> None:
            if value is not None and (not isinstance(value, int) or value < 1):
                raise UserError(f"--{name.replace('_', '-')} must be a positive whole number, got {value!r}")

        def positive(name: str, value: float | None) -> None:
            if value is not None and (not isinstance(value, (int, float)) or math.isnan(value) or value <= 0 or math.isinf(value)):
                raise UserError(f"--{name.replace('_', '-')} must be a positive number, got {value!r}")

        if self.level not in LEVELS:
            raise UserError(f"unknown level {self.level!r}; use one of: {', '.join(LEVELS)}")
        if self.tokenizer not in TOKENIZERS + ("char",):
            raise UserError(f"unknown tokenizer {self.tokenizer!r}; use one of: {', '.join(TOKENIZERS)}")
        if self.optimizer not in OPTIMIZERS:
            raise UserError(f"unknown optimizer {self.optimizer!r}; use one of: {', '.join(OPTIMIZERS)}")
        for name in ("units", "embed", "bptt", "batch_size", "max_steps", "eval_tokens", "eval_every"):
            positive_int(name, getattr(self, name))
        for name in ("lr", "epochs", "time_budget", "checkpoint_minutes", "grad_clip"):
            positive(name, getattr(self, name))
        if self.vocab_size is not None and (not isinstance(self.vocab_size, int) or self.vocab_size < 2):
            raise UserError(f"--vocab-size must be at least 2, got {self.vocab_size!r}")
        for name in ("dropout", "embed_dropout"):
            value = getattr(self, name)
            if name == "embed_dropout" and value is None:
                continue
            if not isinstance(value, (int, float)) or math.isnan(value) or not 0.0 <= value < 1.0:
                raise UserError(f"--{name.replace('_', '-')} must be in [0, 1), got {value!r}")
        if not isinstance(self.anneal, (int, float)) or math.isnan(self.anneal) or not 0.0 <= self.anneal <= 1.0:
            raise UserError(f"--anneal must be in [0, 1], got {self.anneal!r}")
        check_decay(self.weight_average)
        if not 0.0 < self.lr_decay <= 1.0:
            raise UserError(f"--lr-decay must be in (0, 1], got {self.lr_decay!r}")
        if self.tie_weights and self.effective_embed != self.units:
            raise UserError("--tie-weights needs --embed equal to --units")
        CacheSettings(self.cache_size, self.cache_theta, self.cache_mix).validate()
        if self.communicator not in (None, "naive", "pure_nccl"):
            raise UserError(f"unknown communicator {self.communicator!r}; use naive (CPU) or pure_nccl (GPUs)")

    def to_dict(self) -> dict:
        data = asdict(self)
        if data["split"] is not None:
            data["split"] = list(data["split"])
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("split") is not None:
            values["split"] = tuple(values["split"])
        return cls(**values)

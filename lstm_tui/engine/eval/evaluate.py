"""Held-out evaluation of a trained model: perplexity, top-k accuracy, keystroke savings, latency.

The LSTM is run exactly as the app runs it (a `Predictor`, one token at a time from its start
state: after a line break, or `<eos>` for words), with the continuous cache where the run enables
it (`neural_cache`); the model alone is then scored too. Count-based baselines (`ngram`) are fitted on the model's own training split with the
model's vocabulary and scored on the same token ids, so the numbers compare like with like.

Keystroke savings (KSR) are simulated in `keystroke_savings`, for the LSTM and each baseline.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from lstm_tui.engine.runs.atomic import atomic_open
from lstm_tui.engine.runs.model_file import SavedModel, load_model
from lstm_tui.engine.runs.run_files.model_json import ModelMeta
from lstm_tui.engine.runs.run_folder import EVAL_JSON, MODEL_JSON
from lstm_tui.engine.train.config import RunConfig
from lstm_tui.engine.data.corpus import LoadedCorpus, read_whole_text
from lstm_tui.engine.data.dataset import load_config_corpus, load_dataset
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.eval.keystroke_savings import NgramPredictor, PredictorSuggester, TypingResult, simulate_typing
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.eval.ngram import CHAR_ORDER, WORD_ORDER, KneserNeyModel, SequenceScores, UnigramModel
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary

KSR_CHARS = 20_000  # characters of the held-out text typed for the keystroke savings rate
TOP_K = (1, 3, 5)


@dataclass
class Scores:
    """How well one model predicts the held-out tokens."""

    name: str
    tokens: int  # predicted positions (every token after the first, `<unk>` targets included)
    nll: float  # mean nats per token
    perplexity: float
    bits_per_char: float | None  # character models only
    top1: float
    top3: float
    top5: float
    seconds: float  # fitting (baselines) plus scoring
    typing: TypingResult | None = None  # baselines: their keystroke savings (the LSTM's are EvalReport.typing)
    typing_bar: TypingResult | None = None  # baselines, character level: the same with the word bar

    @classmethod
    def of(cls, name: str, scores: SequenceScores, level: str, seconds: float) -> "Scores":
        nll = float(scores.nll.mean())
        return cls(
            name=name,
            tokens=scores.tokens,
            nll=nll,
            perplexity=math.exp(nll),
            bits_per_char=nll / math.log(2) if level == "char" else None,
            top1=scores.accuracy(1),
            top3=scores.accuracy(3),
            top5=scores.accuracy(5),
            seconds=seconds,
        )


@dataclass
class Latency:
    """Time of one `Predictor.feed` plus `Predictor.probabilities` (softmax, and the cache where it
    is on: what a keystroke costs before ranking), over every held-out token."""

    tokens: int
    p50_us: float
    p99_us: float
    mean_us: float


@dataclass
class EvalReport:
    """Everything `lstm-tui eval` reports about one model on one file."""

    model: str
    file: str  # the file, or which split of which corpus
    level: str
    tokenizer: str
    tokens: int  # predicted positions
    unk_share: float  # share of targets that are `<unk>`
    lstm: Scores
    latency: Latency
    typing: TypingResult | None
    baselines: list[Scores] = field(default_factory=list)
    typing_bar: TypingResult | None = None  # character models: keystroke savings with the word bar
    notes: list[str] = field(default_factory=list)
    split: str | None = None  # "valid" or "test" when the run's own split was evaluated
    model_updated: str | None = None  # model.json's `updated`: which weights were evaluated
    cache: dict | None = None  # the continuous cache's settings when it was on (`lstm` includes it)
    lstm_alone: Scores | None = None  # the model without the cache, when the cache was on

    def to_dict(self) -> dict:
        return asdict(self)


def record_report(report: EvalReport, folder: Path) -> Path:
    """Keep `report` in the run folder as eval.json (atomically), for the models screen.

    The model and file are stored by name only: a shipped or copied run folder must not carry
    the paths of the machine it was evaluated on. It names the weights it describes
    (`model_updated`), so a later checkpoint of the run makes it stale rather than wrong.
    """
    data = report.to_dict()
    data["model"] = Path(report.model).name
    data["file"] = report.file if report.split else Path(report.file).name
    data["recorded"] = datetime.now().astimezone().isoformat(timespec="seconds")
    path = Path(folder) / EVAL_JSON
    with atomic_open(path, "w") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    return path


# the LSTM ---------------------------------------------------------------------------------
def score_predictor(predictor: Predictor, ids: np.ndarray) -> tuple[SequenceScores, SequenceScores | None, np.ndarray]:
    """NLL and rank of every target ids[1:] from the start state, under the distribution the app
    ranks (`probabilities`: with the cache where it is on); the model alone from the same pass
    when the cache is on (None otherwise); and nanoseconds per step."""
    sequence = [int(i) for i in ids]
    count = max(len(sequence) - 1, 0)
    cached = predictor.cache.active
    scored = [SequenceScores(nll=np.empty(count), rank=np.empty(count, dtype=np.int64)) for _ in range(1 + cached)]
    times = np.empty(count, dtype=np.int64)
    clock = time.perf_counter_ns
    predictor.reset()
    for i in range(count):
        start = clock()
        predictor.feed(sequence[i])
        alone = predictor.model_probabilities()
        mixed = alone.copy() if cached else alone
        predictor.mix_in_cache(mixed)
        times[i] = clock() - start
        target = sequence[i + 1]
        for scores, probs in zip(scored, (mixed, alone)):
            scores.rank[i] = np.count_nonzero(probs > probs[target])
            scores.nll[i] = -math.log(max(float(probs[target]), 1e-45))
    predictor.reset()
    return scored[0], scored[1] if cached else None, times


def latency_of(times_ns: np.ndarray) -> Latency:
    micro = times_ns / 1000.0
    return Latency(
        tokens=int(len(micro)),
        p50_us=float(np.percentile(micro, 50)),
        p99_us=float(np.percentile(micro, 99)),
        mean_us=float(micro.mean()),
    )


def keystroke_savings(ranker: Predictor | NgramPredictor, typed: str) -> tuple[TypingResult | None, TypingResult | None]:
    """Keystroke savings typing `typed` ("": none): with the top-3 suggestions, and for a
    character model also with the word bar (None otherwise)."""
    if not typed:
        return None, None
    plain = simulate_typing(typed, PredictorSuggester(ranker, typed))
    bar = simulate_typing(typed, PredictorSuggester(ranker, typed, word_bar=True)) if ranker.level == "char" else None
    ranker.reset()
    return plain, bar


# the run's own corpus ---------------------------------------------------------------------
HELD_OUT_SPLITS = ("valid", "test")


def run_corpus(meta: ModelMeta, folder: Path, needed_by: str, hint: str) -> tuple[RunConfig, LoadedCorpus]:
    """The corpus a run trained on, read again as its model.json describes it (or a UserError
    that says what needed it and what to do instead)."""
    if meta.train is None:
        raise UserError(f"{needed_by} the training corpus, but {folder / MODEL_JSON} does not record it; {hint}")
    config = meta.train.run
    try:
        return config, load_config_corpus(config)
    except UserError as exc:
        raise UserError(f"{needed_by} the training corpus, which is not available here ({exc}); {hint}") from None


def corpus_changed(meta: ModelMeta, corpus: LoadedCorpus) -> bool:
    """True when the corpus text differs from the one the run recorded (sha256)."""
    recorded = meta.corpus.sha256
    return bool(recorded) and recorded != corpus.sha256


def split_text(meta: ModelMeta, config: RunConfig, corpus: LoadedCorpus, split: str) -> tuple[str, str]:
    """A run's own valid or test text, and a name for it (the corpus by its last path part:
    reports are kept and shipped)."""
    if split not in HELD_OUT_SPLITS:
        raise UserError(f"--split must be one of {', '.join(HELD_OUT_SPLITS)}, got {split!r}")
    if corpus_changed(meta, corpus):
        raise UserError(f"the corpus {config.corpus!r} has changed since the model was trained, so its {split} split is not the one held out; evaluate a FILE instead")
    text = corpus.valid if split == "valid" else corpus.test
    if not text.strip():
        other = "valid" if split == "test" else "test"
        raise UserError(f"this run held out no {split} text (its split gives it none); try --split {other}, or evaluate a FILE")
    return text, f"the {split} split of {Path(config.corpus).name}"


# baselines ----------------------------------------------------------------------------------
def training_ids(meta: ModelMeta, vocab: Vocabulary, config: RunConfig, corpus: LoadedCorpus) -> tuple[np.ndarray, list[str]]:
    """The run's training split as ids of its vocabulary, and notes for the report."""
    data = load_dataset(config, vocab=vocab, tokenizer=meta.tokenizer, corpus=corpus)
    notes = []
    if corpus_changed(meta, corpus):
        notes.append(f"the training corpus {config.corpus!r} has changed since the model was trained; baselines use the current text")
    return data.train, notes


def baseline_models(level: str, vocab_size: int) -> list:
    """The unigram and the Kneser–Ney n-gram for a level (unfitted)."""
    order = CHAR_ORDER if level == "char" else WORD_ORDER
    return [UnigramModel(vocab_size), KneserNeyModel(order, vocab_size)]


def held_out_ids(saved: SavedModel, predictor: Predictor, path: Path | None, split: str | None,
                 max_tokens: int | None = None) -> tuple[str, np.ndarray, str, tuple | None]:
    """The held-out text (a FILE or the run's own `split`), its ids under the model's tokenizer
    and vocabulary (cut to `max_tokens` targets), a name for it, and the run's (config, corpus)
    when they were read for the split (None otherwise)."""
    if (path is None) == (split is None):
        raise UserError("evaluate either a FILE or the run's own --split valid|test (one of them)")
    run = None
    if split is not None:
        run = run_corpus(saved.meta, saved.folder, "--split needs", "evaluate a FILE instead")
        text, source = split_text(saved.meta, *run, split)
    else:
        text, source = read_whole_text(path)
    ids = saved.vocab.encode(predictor.tokenizer.tokenize(text))
    if max_tokens is not None:
        ids = ids[: max_tokens + 1]
    if len(ids) < 2:
        raise UserError(f"{source} has fewer than two tokens; there is nothing to predict")
    return text, ids, source, run


# the whole evaluation -----------------------------------------------------------------------
def evaluate_file(
    model_folder: Path,
    path: Path | None,
    *,
    split: str | None = None,
    max_tokens: int | None = None,
    baselines: bool = True,
    ksr_chars: int = KSR_CHARS,
    cache: CacheSettings | None = None,
) -> EvalReport:
    """Evaluate the model in `model_folder` on the text file `path`, or on its own `split`
    ("valid" or "test": the held-out part of its training corpus); see the module docstring.
    `cache` overrides the run's recorded cache settings."""
    if max_tokens is not None and max_tokens < 1:
        raise UserError(f"--max-tokens must be at least 1, got {max_tokens}")
    if ksr_chars < 0:
        raise UserError(f"--ksr-chars must be 0 (no KSR) or more, got {ksr_chars}")
    saved = load_model(model_folder)
    predictor = Predictor.from_saved(saved, cache)
    level = predictor.level
    text, ids, source, run = held_out_ids(saved, predictor, path, split, max_tokens)
    notes: list[str] = []
    train_ids = None
    if baselines:
        run = run or run_corpus(saved.meta, saved.folder, "baselines need", "or run with --no-baselines")
        train_ids, notes = training_ids(saved.meta, saved.vocab, *run)

    started = time.perf_counter()
    sequence, alone, times = score_predictor(predictor, ids)
    took = time.perf_counter() - started  # one pass scores both
    lstm = Scores.of("lstm", sequence, level, took)
    lstm_alone = Scores.of("lstm alone", alone, level, took) if alone is not None else None

    typed = text[:ksr_chars]  # what the simulated user types, with each model in turn
    typing, typing_bar = keystroke_savings(predictor, typed)

    scored: list[Scores] = []
    if train_ids is not None:
        for model in baseline_models(level, len(saved.vocab)):
            started = time.perf_counter()
            model.fit(train_ids)
            scores = Scores.of(model.name, model.score(ids), level, time.perf_counter() - started)
            scores.typing, scores.typing_bar = keystroke_savings(NgramPredictor(model, saved.vocab, predictor.tokenizer), typed)
            scored.append(scores)

    unk = saved.vocab.id(UNK)
    return EvalReport(
        model=str(saved.folder),
        file=source,
        split=split,
        model_updated=saved.meta.updated,
        level=level,
        tokenizer=predictor.tokenizer.name,
        tokens=len(ids) - 1,
        unk_share=float(np.mean(ids[1:] == unk)),
        lstm=lstm,
        latency=latency_of(times),
        typing=typing,
        typing_bar=typing_bar,
        baselines=scored,
        notes=notes,
        cache=asdict(predictor.cache) if predictor.cache.active else None,
        lstm_alone=lstm_alone,
    )

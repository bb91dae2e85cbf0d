"""Held-out evaluation of a trained model: perplexity, top-k accuracy, keystroke savings, latency.

The LSTM is run exactly as the app runs it (a `Predictor`, one token at a time from an empty
state). Count-based baselines (`ngram`) are fitted on the model's own training split with the
model's vocabulary and scored on the same token ids, so the numbers compare like with like.

Keystroke savings rate (KSR): a simulated user types the text character by character. Before
each keystroke the model offers its top-3 suggestions; if the text one of them would insert is
exactly what comes next, the user accepts it (one keystroke) instead of typing. KSR =
1 − keystrokes ÷ characters. The baselines type the same text the same way (`NgramPredictor`
offers their suggestions through the LSTM predictor's ranking code). Word models offer the top-3 completions of the word being typed, or
the top-3 next words at a word boundary, each inserting what `Suggestion.insert` inserts (the rest
of the word and its separator). Character models offer, for each of the three most likely next
characters, that character followed by the greedy continuation up to and including the first
whitespace after a non-whitespace character (at most `CONTINUATION_CHARS` characters).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from lstm_tui.engine.atomic import atomic_open
from lstm_tui.engine.checkpoints import EVAL_JSON, MODEL_JSON, load_model
from lstm_tui.engine.config import TrainConfig
from lstm_tui.engine.corpus import load_corpus, read_document
from lstm_tui.engine.dataset import load_dataset
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.ngram import CHAR_ORDER, WORD_ORDER, KneserNeyModel, SequenceScores, UnigramModel
from lstm_tui.engine.predictor import Predictor, SuggestionRanker
from lstm_tui.engine.tokenizers import Tokenizer
from lstm_tui.engine.vocabulary import UNK, Vocabulary

KSR_CHARS = 20_000  # characters of the held-out text typed for the keystroke savings rate
KSR_SUGGESTIONS = 3  # suggestions the simulated user may accept from
CONTINUATION_CHARS = 24  # character models: the longest suggested continuation
TOP_K = (1, 3, 5)


@dataclass
class TypingResult:
    """The outcome of simulated typing with suggestions (see the module docstring)."""

    chars: int
    keystrokes: int
    accepted: int  # suggestions accepted (each one keystroke)
    ksr: float  # 1 − keystrokes ÷ chars


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
    """Time of one `Predictor.feed` plus `Predictor.logits`, over every held-out token."""

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
    notes: list[str] = field(default_factory=list)
    split: str | None = None  # "valid" or "test" when the run's own split was evaluated

    def to_dict(self) -> dict:
        return asdict(self)


def record_report(report: EvalReport, folder: Path) -> Path:
    """Keep `report` in the run folder as eval.json (atomically), for the models screen.

    The model and file are stored by name only: a shipped or copied run folder must not carry
    the paths of the machine it was evaluated on. It names the weights it describes (model.json's
    `updated`), so a later checkpoint of the run makes it stale rather than wrong.
    """
    data = report.to_dict()
    data["model"] = Path(report.model).name
    data["file"] = report.file if report.split else Path(report.file).name
    data["recorded"] = datetime.now().isoformat(timespec="seconds")
    try:  # which weights it describes: the models screen ignores it once the run saves newer ones
        data["model_updated"] = json.loads((Path(folder) / MODEL_JSON).read_text(encoding="utf-8")).get("updated")
    except (OSError, ValueError, AttributeError):
        data["model_updated"] = None
    path = Path(folder) / EVAL_JSON
    with atomic_open(path, "w") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    return path


# the LSTM ---------------------------------------------------------------------------------
def score_predictor(predictor: Predictor, ids: np.ndarray) -> tuple[SequenceScores, np.ndarray]:
    """NLL and rank of every target ids[1:] from an empty state; also nanoseconds per step."""
    sequence = [int(i) for i in ids]
    count = max(len(sequence) - 1, 0)
    nll = np.empty(count)
    rank = np.empty(count, dtype=np.int64)
    times = np.empty(count, dtype=np.int64)
    clock = time.perf_counter_ns
    predictor.reset()
    for i in range(count):
        start = clock()
        predictor.feed(sequence[i])
        logits = predictor.logits()
        times[i] = clock() - start
        target = sequence[i + 1]
        rank[i] = np.count_nonzero(logits > logits[target])
        wide = logits.astype(np.float64)
        top = wide.max()
        nll[i] = top + math.log(np.exp(wide - top).sum()) - wide[target]
    predictor.reset()
    return SequenceScores(nll=nll, rank=rank), times


def latency_of(times_ns: np.ndarray) -> Latency:
    micro = times_ns / 1000.0
    return Latency(
        tokens=int(len(micro)),
        p50_us=float(np.percentile(micro, 50)),
        p99_us=float(np.percentile(micro, 99)),
        mean_us=float(micro.mean()),
    )


# keystroke savings --------------------------------------------------------------------------
class Suggester(Protocol):
    """What a model offers while a fixed text is typed from its start."""

    def inserts(self, pos: int) -> Sequence[str]:
        """The text each suggestion would insert after text[:pos] has been typed (best first)."""


def simulate_typing(text: str, suggester: Suggester, k: int = KSR_SUGGESTIONS) -> TypingResult:
    """Type `text`, accepting a top-k suggestion whenever it inserts exactly what comes next."""
    pos = keystrokes = accepted = 0
    while pos < len(text):
        keystrokes += 1
        for insert in list(suggester.inserts(pos))[:k]:
            if insert and text.startswith(insert, pos):
                pos += len(insert)
                accepted += 1
                break
        else:
            pos += 1
    chars = len(text)
    return TypingResult(chars=chars, keystrokes=keystrokes, accepted=accepted, ksr=1.0 - keystrokes / chars if chars else 0.0)


class NgramPredictor(SuggestionRanker):
    """A fitted count model (unigram or Kneser–Ney) behind the calls the typing simulation makes."""

    def __init__(self, model: UnigramModel | KneserNeyModel, vocab: Vocabulary, tokenizer: Tokenizer) -> None:
        super().__init__(vocab, tokenizer)
        self.model = model
        self._context = max(getattr(model, "order", 1) - 1, 0)  # tokens the model conditions on
        self._ids: list[int] = []
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None

    def reset(self) -> None:
        self._ids.clear()

    def feed(self, token_id: int) -> None:
        self._ids.append(int(token_id))

    def pop(self, count: int = 1) -> None:
        del self._ids[max(0, len(self._ids) - count) :]

    def logits(self) -> np.ndarray:
        """log P(· | context): softmax gives the model's own distribution back."""
        context = tuple(self._ids[len(self._ids) - self._context :]) if self._context else ()
        if self._cache is None or self._cache[0] != context:
            with np.errstate(divide="ignore"):
                self._cache = context, np.log(self.model.distribution(context)).astype(np.float32)
        return self._cache[1].copy()


class PredictorSuggester:
    """A `Predictor`'s top-k suggestions while `text` is typed from the start, followed incrementally.

    `Predictor.suggest` re-reads the whole prefix; here only the current line is re-tokenized and
    only the tokens that changed are fed, so typing a long text stays linear. With `cut` (the
    default) a character model stops extending a continuation at the first character that differs
    from the text ahead: such a suggestion can never be accepted, so the KSR is unchanged.
    """

    def __init__(self, predictor: Predictor | NgramPredictor, text: str, k: int = KSR_SUGGESTIONS, max_chars: int = CONTINUATION_CHARS, cut: bool = True) -> None:
        self.predictor = predictor
        self.text = text
        self.k = k
        self.max_chars = max_chars
        self.cut = cut
        self.vocab = predictor.vocab
        self.tokenizer = predictor.tokenizer
        self._unk = self.vocab.id(UNK)
        self._anchor = 0  # a line start: everything before it is fed for good
        self._tail: list[int] = []  # ids fed for the text between the anchor and the cursor
        self._pos = 0
        predictor.reset()

    def inserts(self, pos: int) -> list[str]:
        partial = self._follow(pos)
        if self.predictor.level == "char":
            ahead = self.text[pos : pos + self.max_chars]
            return [self._continuation(s.token, ahead) for s in self.predictor.top_k(self.k)]
        if partial:
            return [s.insert for s in self.predictor.completions(partial, self.k)]
        return [s.insert for s in self.predictor.top_k(self.k)]

    def _follow(self, pos: int) -> str:
        """Make the predictor's context text[:pos]; returns the partial word being typed."""
        if pos < self._pos:
            raise ValueError("typing only moves forward")
        self._pos = pos
        segment = self.text[self._anchor : pos]
        newline = segment.rfind("\n")
        if newline >= 0:  # whole lines are final: feed them and move the anchor past them
            lines, _ = self.tokenizer.split_prefix(segment[: newline + 1])
            self._set_tail(self.vocab.encode(lines).tolist())
            self._tail = []
            self._anchor += newline + 1
            segment = segment[newline + 1 :]
        complete, partial = self.tokenizer.split_prefix(segment)
        if partial and self.tokenizer.name == "mecab" and partial in self.vocab.index:
            complete, partial = [*complete, partial], ""  # as Predictor.set_text
        self._set_tail(self.vocab.encode(complete).tolist())
        return partial

    def _set_tail(self, ids: list[int]) -> None:
        common = 0
        limit = min(len(ids), len(self._tail))
        while common < limit and ids[common] == self._tail[common]:
            common += 1
        if len(self._tail) > common:
            self.predictor.pop(len(self._tail) - common)
        for token_id in ids[common:]:
            self.predictor.feed(token_id)
        self._tail = ids

    def _continuation(self, first: str, ahead: str) -> str:
        """`first` then the greedy characters up to and including the end of the next word."""
        predictor = self.predictor
        chars = [first]
        word = not first.isspace()
        fed = 0
        try:
            while len(chars) < self.max_chars and not (word and chars[-1].isspace()):
                if self.cut and ahead[len(chars) - 1 : len(chars)] != chars[-1]:
                    break  # differs from the text ahead: can never be accepted
                predictor.feed(self.vocab.id(chars[-1]))
                fed += 1
                logits = predictor.logits()
                best = int(np.argmax(logits))
                if best == self._unk:
                    masked = logits.copy()
                    masked[self._unk] = -np.inf
                    best = int(np.argmax(masked))
                char = self.vocab.tokens[best]
                word = word or not char.isspace()
                chars.append(char)
        finally:
            if fed:
                predictor.pop(fed)
        return "".join(chars)


# baselines ----------------------------------------------------------------------------------
def training_ids(meta: dict, vocab: Vocabulary, folder: Path) -> tuple[np.ndarray, list[str]]:
    """The model's training split as ids of its vocabulary (and notes), or a UserError."""
    hint = "or run with --no-baselines"
    train = meta.get("train")
    if not isinstance(train, dict):
        raise UserError(f"baselines need the training corpus, but {folder / MODEL_JSON} does not record it; {hint}")
    try:
        config = TrainConfig.from_dict(train)
        data = load_dataset(config, vocab=vocab, tokenizer=meta["tokenizer"])
    except UserError as exc:
        raise UserError(f"baselines need the training corpus, which is not available here ({exc}); {hint}") from None
    except (TypeError, ValueError) as exc:
        raise UserError(f"baselines need the training corpus, but {folder / MODEL_JSON} describes it badly ({exc}); {hint}") from None
    notes = []
    recorded = meta.get("corpus", {}).get("sha256") if isinstance(meta.get("corpus"), dict) else None
    if recorded and recorded != data.corpus.sha256:
        notes.append(f"the training corpus {config.corpus!r} has changed since the model was trained; baselines use the current text")
    return data.train, notes


def baseline_models(level: str, vocab_size: int) -> list:
    """The unigram and the Kneser–Ney n-gram for a level (unfitted)."""
    order = CHAR_ORDER if level == "char" else WORD_ORDER
    return [UnigramModel(vocab_size), KneserNeyModel(order, vocab_size)]


# the whole evaluation -----------------------------------------------------------------------
HELD_OUT_SPLITS = ("valid", "test")


def run_split_text(meta: dict, split: str, folder: Path) -> tuple[str, str]:
    """A run's own valid or test split, loaded again from the corpus model.json names, and a
    name for it (the corpus by its last path part: reports are kept and shipped)."""
    if split not in HELD_OUT_SPLITS:
        raise UserError(f"--split must be one of {', '.join(HELD_OUT_SPLITS)}, got {split!r}")
    train = meta.get("train")
    if not isinstance(train, dict):
        raise UserError(f"{folder / MODEL_JSON} does not record its corpus; evaluate a FILE instead of --split")
    try:
        config = TrainConfig.from_dict(train)
        corpus = load_corpus(config.corpus, encoding=config.encoding, fmt=config.format,
                             valid=config.valid_file, test=config.test_file, split=config.split)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{folder / MODEL_JSON} describes its corpus badly ({exc}); evaluate a FILE instead of --split") from None
    recorded = (meta.get("corpus") or {}).get("sha256") if isinstance(meta.get("corpus"), dict) else None
    if recorded and recorded != corpus.sha256:
        raise UserError(f"the corpus {config.corpus!r} has changed since the model was trained, so its {split} split is not the one held out; evaluate a FILE instead")
    text = corpus.valid if split == "valid" else corpus.test
    if not text.strip():
        other = "valid" if split == "test" else "test"
        raise UserError(f"this run held out no {split} text (its split gives it none); try --split {other}, or evaluate a FILE")
    return text, f"the {split} split of {Path(config.corpus).name}"


def evaluate_file(
    model_folder: Path,
    path: Path | None,
    *,
    split: str | None = None,
    max_tokens: int | None = None,
    baselines: bool = True,
    ksr_chars: int = KSR_CHARS,
) -> EvalReport:
    """Evaluate the model in `model_folder` on the text file `path`, or on its own `split`
    ("valid" or "test": the held-out part of its training corpus); see the module docstring."""
    if max_tokens is not None and max_tokens < 1:
        raise UserError(f"--max-tokens must be at least 1, got {max_tokens}")
    if ksr_chars < 0:
        raise UserError(f"--ksr-chars must be 0 (no KSR) or more, got {ksr_chars}")
    if (path is None) == (split is None):
        raise UserError("evaluate either a FILE or the run's own --split valid|test (one of them)")
    saved = load_model(model_folder)
    predictor = Predictor.from_saved(saved)
    level = predictor.level
    if split is not None:
        text, source = run_split_text(saved.meta, split, saved.folder)
    else:
        text, source = read_document(Path(path)).text, str(path)
    ids = saved.vocab.encode(predictor.tokenizer.tokenize(text))
    if max_tokens is not None:
        ids = ids[: max_tokens + 1]
    if len(ids) < 2:
        raise UserError(f"{source} has fewer than two tokens; there is nothing to predict")
    notes: list[str] = []
    train_ids = None
    if baselines:
        train_ids, notes = training_ids(saved.meta, saved.vocab, saved.folder)

    started = time.perf_counter()
    sequence, times = score_predictor(predictor, ids)
    lstm = Scores.of("lstm", sequence, level, time.perf_counter() - started)

    typing = None
    if ksr_chars > 0:
        typed = text[:ksr_chars]
        typing = simulate_typing(typed, PredictorSuggester(predictor, typed))
        predictor.reset()

    scored: list[Scores] = []
    if train_ids is not None:
        for model in baseline_models(level, len(saved.vocab)):
            started = time.perf_counter()
            model.fit(train_ids)
            scores = Scores.of(model.name, model.score(ids), level, time.perf_counter() - started)
            if ksr_chars > 0:
                typed = text[:ksr_chars]
                scores.typing = simulate_typing(typed, PredictorSuggester(NgramPredictor(model, saved.vocab, predictor.tokenizer), typed))
            scored.append(scores)

    unk = saved.vocab.id(UNK)
    return EvalReport(
        model=str(saved.folder),
        file=source,
        split=split,
        level=level,
        tokenizer=predictor.tokenizer.name,
        tokens=len(ids) - 1,
        unk_share=float(np.mean(ids[1:] == unk)),
        lstm=lstm,
        latency=latency_of(times),
        typing=typing,
        baselines=scored,
        notes=notes,
    )

"""A parent model's vocabulary meeting a new corpus: which tokens are new, and their first weights.

A fine-tuned run keeps every id of its parent and appends the corpus's new tokens (characters, or
words seen at least twice), most frequent first, up to `max_added`; rarer ones read as `<unk>`.
New rows start from the mean of the parent's rows (plus a little noise, so that they can tell
themselves apart): the embedding of an average token, and an output row that scores like an
average one, with the bias of the parent's least likely token, so a new token starts rare and
earns its probability from the corpus. A corpus mostly made of tokens the parent never saw is
refused: it is another script or language, and nothing the parent learnt would carry over.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from lstm_tui.engine.data.corpus import LoadedCorpus
from lstm_tui.engine.data.dataset import codepoints
from lstm_tui.engine.data.textfile import visible_token
from lstm_tui.engine.data.tokenizers import make_tokenizer
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary
from lstm_tui.engine.errors import UserError

FOREIGN_SHARE = 0.5
"""More than this share of the training tokens outside the parent's vocabulary: refused."""
WORD_MIN_COUNT = 2
"""A new word needs this many occurrences to get a row (a new character needs one)."""
NOISE = 0.01
"""The spread (uniform ±) of the noise added to new rows."""


def max_added(parent_size: int) -> int:
    """How many tokens a parent of this vocabulary size takes on: a quarter more, at least 64."""
    return max(64, parent_size // 4)


@dataclass
class VocabularyGrowth:
    """The parent's vocabulary with the corpus's new tokens appended, and what that took."""

    vocab: Vocabulary
    added: list[str] = field(default_factory=list)
    """The new tokens, in id order after the parent's."""
    added_count: int = 0
    """Occurrences of the added tokens in the training split."""
    unk_types: int = 0
    """New tokens left out (too rare, or past the cap): they read as <unk>."""
    unk_count: int = 0
    total: int = 0
    """Tokens in the training split."""
    unit: str = "character"

    def notice(self, parent: str) -> str:
        """One line for the run's events: what the corpus added to the parent's vocabulary."""
        if not self.added and not self.unk_types:
            return f"fine-tuning {parent}: every {self.unit} of the corpus is in its vocabulary"
        parts = []
        if self.added:
            shown = " ".join(visible_token(t) for t in self.added[:12]) + (" …" if len(self.added) > 12 else "")
            parts.append(f"{len(self.added):,} new {self.unit}s added to its vocabulary as new rows ({shown}; "
                         f"{self.added_count:,} occurrences, {_percent(self.added_count / max(self.total, 1))} of the training text)")
        if self.unk_types:
            parts.append(f"{self.unk_types:,} rarer new {self.unit} types ({self.unk_count:,} occurrences) read as <unk>")
        return f"fine-tuning {parent}: " + "; ".join(parts)


def _percent(share: float) -> str:
    """A share as a percentage that does not round a few occurrences away to 0.00 %."""
    return f"{share:.2%}" if share == 0 or share >= 1e-4 else "under 0.01%"


def _counts(tokenizer: str, text: str) -> Counter:
    """How often each token occurs in `text`, split as the parent splits."""
    if tokenizer == "char":
        values, counts = np.unique(codepoints(text), return_counts=True)
        return Counter({chr(int(v)): int(c) for v, c in zip(values, counts)})
    return Counter(make_tokenizer(tokenizer).tokenize(text))


def grow_vocabulary(vocab: Vocabulary, tokenizer: str, corpus: LoadedCorpus, parent: str) -> VocabularyGrowth:
    """`vocab` with the new tokens of the corpus's training split appended (see the module)."""
    counts = _counts(tokenizer, corpus.train)
    counts.pop(UNK, None)
    unit = "character" if tokenizer == "char" else "word"
    total = sum(counts.values())
    new = [(token, n) for token, n in counts.most_common() if token not in vocab.index]
    foreign = sum(n for _, n in new)
    if total and foreign / total > FOREIGN_SHARE:
        examples = ", ".join(visible_token(t) for t, _ in new[:5])
        raise UserError(
            f"{foreign / total:.0%} of the {unit}s of {corpus.name} are outside {parent}'s vocabulary ({examples} …): "
            f"the corpus is in another script or language than {parent} learnt; fine-tune a model of its language "
            f"(e.g. --init-from default-ja for Japanese) or train from scratch without --init-from",
            field="init_from",
        )
    least = 1 if unit == "character" else WORD_MIN_COUNT
    frequent = [token for token, n in new if n >= least][: max_added(len(vocab))]
    taken = set(frequent)
    return VocabularyGrowth(
        vocab=Vocabulary([*vocab.tokens, *frequent]),
        added=frequent,
        added_count=sum(n for t, n in new if t in taken),
        unk_types=len(new) - len(frequent),
        unk_count=sum(n for t, n in new if t not in taken),
        total=total,
        unit=unit,
    )


def _grown(rows: np.ndarray, added: int, rng: np.random.Generator, value: np.ndarray | None = None) -> np.ndarray:
    """`rows` with `added` more: `value` (default: the mean row) plus a little noise."""
    if added == 0:
        return rows
    start = rows.mean(axis=0) if value is None else value
    noise = rng.uniform(-NOISE, NOISE, (added, *rows.shape[1:])) if rows.ndim > 1 else np.zeros(added)
    return np.concatenate([rows, (start + noise).astype(rows.dtype)])


def grown_weights(arrays: dict[str, np.ndarray], tied: bool, added: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The parent's arrays (model.npz names) with rows for `added` new tokens: the embedding and
    output rows start as the mean row, the output bias as the parent's lowest."""
    grown = dict(arrays)
    grown["embed/W"] = _grown(arrays["embed/W"], added, rng)
    bias = "out_b" if tied else "out/b"
    grown[bias] = _grown(arrays[bias], added, rng, value=arrays[bias].min())
    if not tied:
        grown["out/W"] = _grown(arrays["out/W"], added, rng)
    return grown

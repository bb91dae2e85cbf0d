"""Count-based baselines on the reference splits: unigram and interpolated modified Kneser–Ney.

Tiny Shakespeare, char level, first 90 % train / last 10 % valid, 7-gram; Penn Treebank, word
level (`<eos>` per line), trigram fitted on ptb.train.txt, scored on ptb.test.txt.

    .venv/bin/python benchmarks/baselines.py [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.eval.ngram import CHAR_ORDER, WORD_ORDER, KneserNeyModel, UnigramModel  # noqa: E402
from lstm_tui.engine.data.tokenizers import SpaceTokenizer  # noqa: E402
from lstm_tui.engine.data.vocabulary import Vocabulary  # noqa: E402


def report(name: str, train_ids: np.ndarray, eval_ids: np.ndarray, vocab: int, order: int, unit: str) -> None:
    for model in (UnigramModel(vocab), KneserNeyModel(order, vocab)):
        start = time.perf_counter()
        model.fit(train_ids)
        fit = time.perf_counter() - start
        start = time.perf_counter()
        scores = model.score(eval_ids)
        took = time.perf_counter() - start
        nll = float(scores.nll.mean())
        value = f"{nll:.4f} nats/{unit}" if unit == "char" else f"perplexity {np.exp(nll):.2f}"
        print(f"| {name} | {model.name} | {value} | {scores.accuracy(1):.2%} | {scores.accuracy(3):.2%} | "
              f"{scores.accuracy(5):.2%} | fit {fit:.1f} s, score {took:.1f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args()
    print("| data | model | result | top-1 | top-3 | top-5 | time |")
    print("|---|---|---|---|---|---|---|")
    text = (args.corpora / "tinyshakespeare.txt").read_text(encoding="utf-8")
    cut = int(len(text) * 0.9)
    vocab = Vocabulary.build(list(text[:cut]))
    report("Tiny Shakespeare 90/10", vocab.encode(list(text[:cut])), vocab.encode(list(text[cut:])), len(vocab), CHAR_ORDER, "char")
    tok = SpaceTokenizer()
    train = tok.tokenize((args.corpora / "ptb" / "ptb.train.txt").read_text())
    test = tok.tokenize((args.corpora / "ptb" / "ptb.test.txt").read_text())
    words = Vocabulary.build(train)
    report("PTB test", words.encode(train), words.encode(test), len(words), WORD_ORDER, "word")
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

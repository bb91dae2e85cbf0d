"""Dynamic evaluation (Krause et al. 2018) on top of the continuous cache: what it would add.

The text is read in segments; each position is scored with the weights as adapted so far, alone
and mixed with the cache of the last `--cache-size` outputs (the run's recorded cache settings),
then one SGD step on the segment's mean loss adapts the weights (the state carries on). `--lr 0`
scores the unadapted model over exactly the same text, the comparison to make. Choose `--lr` and
`--segment` on a validation book, then report once on the held-out books. This measures the idea
only: the app, `eval` and the language server do not adapt their weights.

    .venv/bin/python benchmarks/dynamic_eval.py --model DIR --chars 30000 --segment 20 --lr 0.08 corpora/en/books-valid
    .venv/bin/python benchmarks/dynamic_eval.py --model DIR --chars 100000 --segment 20 --lr 0.08 corpora/en/heldout
"""

from __future__ import annotations

import argparse
import lzma
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.runs.model_file import load_model  # noqa: E402  (first: it makes Chainer import on NumPy 2)

import chainer  # noqa: E402
import chainer.functions as F  # noqa: E402

from lstm_tui.engine.infer.neural_cache import mix_cache  # noqa: E402
from lstm_tui.engine.runtime.blas_threads import use_blas_threads  # noqa: E402


def read_books(folder: Path, chars: int) -> str:
    """The first chars/n characters of each of the folder's n books (sorted by name)."""
    books = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".xz"))
    share = chars // len(books)
    return "".join((lzma.open(p, "rt", encoding="utf-8") if p.suffix == ".xz" else p.open(encoding="utf-8")).read(share)
                   for p in books)


def run(model_dir: Path, text: str, segment: int, lr: float) -> tuple[float, float, int]:
    """(bits/char alone, bits/char with the cache, positions scored)."""
    saved = load_model(model_dir)
    model, cache = saved.model, saved.meta.cache
    ids = np.asarray(saved.vocab.encode(text), dtype=np.int32)
    params = [p for _, p in model.namedparams()]
    weight, bias = model.output_weights()
    keys = np.zeros((0, model.config.units), dtype=np.float32)
    followers = np.zeros(0, dtype=np.intp)
    alone = mixed = 0.0
    model.reset_state()
    with chainer.using_config("train", False):
        for start in range(0, len(ids) - 1, segment):
            targets = ids[start + 1 : start + segment + 1]
            hidden = model.hidden(ids[start : start + len(targets)][:, None])
            logits = F.linear(hidden, weight, bias)
            loss = F.softmax_cross_entropy(logits, targets)
            scaled = logits.array.astype(np.float64)
            scaled -= scaled.max(axis=1, keepdims=True)
            probs = np.exp(scaled)
            probs /= probs.sum(axis=1, keepdims=True)
            for t, target in enumerate(targets):
                row = probs[t].astype(np.float32)
                alone -= math.log(max(float(row[target]), 1e-30))
                if cache.active:
                    mix_cache(row, hidden.array[t], [keys], followers, cache)
                mixed -= math.log(max(float(row[target]), 1e-30))
                keys = np.concatenate([keys[-cache.size + 1 :] if cache.size > 1 else keys[:0], hidden.array[t : t + 1]])
                followers = np.concatenate([followers[-cache.size + 1 :] if cache.size > 1 else followers[:0], [target]])
            if lr > 0:
                model.cleargrads()
                loss.backward()
                for param in params:
                    if param.grad is not None:
                        param.array -= np.float32(lr) * param.grad
            for layer in model.layers:  # keep the state, drop the graph
                layer.h, layer.c = getattr(layer.h, "array", layer.h), getattr(layer.c, "array", layer.c)
            loss.unchain_backward()
    count = len(ids) - 1
    return alone / count / math.log(2), mixed / count / math.log(2), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="run folder (its recorded cache settings are used)")
    parser.add_argument("--chars", type=int, default=30_000, help="characters read, shared equally between the books")
    parser.add_argument("--segment", type=int, default=20, help="tokens per adaptation step")
    parser.add_argument("--lr", type=float, default=0.08, help="SGD learning rate of the adaptation (0: none)")
    parser.add_argument("books", type=Path, help="a folder of books (.txt or .txt.xz)")
    args = parser.parse_args()
    use_blas_threads(2)
    started = time.perf_counter()
    alone, mixed, count = run(args.model, read_books(args.books, args.chars), args.segment, args.lr)
    print(f"{args.books.name}: {count:,} positions, segment {args.segment}, lr {args.lr}: "
          f"alone {alone:.4f}, with the cache {mixed:.4f} bits/char ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

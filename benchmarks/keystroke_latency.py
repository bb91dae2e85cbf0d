"""Per-keystroke model latency: one token in, softmax and top-5 out, at batch 1.

Compares Chainer's examples/ptb model called per step (the reference) with the project's
`Predictor` (plain arrays over weights copied once from the Chain, fused cell kernels), for
configs a and d, each with the BLAS threads the app gives a model of that size
(`keystroke_blas_threads`: one for a, two for d). The "cores" column is how many cores the
project's step is split over (`split_step`: config a's 3 MB of weights as two halves, each in
one core's L2; d's 47 MB are streamed by two BLAS threads instead). Then the project's
predictor again with a continuous cache of each `--cache-sizes` N (`neural_cache`; filled
with N untimed tokens first, so every timed key reads a full cache).

    .venv/bin/python benchmarks/keystroke_latency.py [--tokens 2000] [--cache-sizes 1000 3000]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.reference_ptb import RNNForLM  # noqa: E402
from lstm_tui.engine.runtime.chainer_compat import F, chainer  # noqa: E402
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig  # noqa: E402
from lstm_tui.engine.infer.neural_cache import CacheSettings  # noqa: E402
from lstm_tui.engine.infer.predictor import Predictor  # noqa: E402
from lstm_tui.engine.data.tokenizers import CharTokenizer  # noqa: E402
from lstm_tui.engine.runtime.blas_threads import keystroke_blas_threads, use_blas_threads  # noqa: E402
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary  # noqa: E402

CONFIGS = {"a": (65, 256), "d": (10000, 650)}  # V, H
TARGET_P99_US = {"a": 150, "d": 2000}


def percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1e6
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def make_predictor(vocab: int, units: int, cache: CacheSettings | None = None) -> Predictor:
    model = LanguageModel(ModelConfig(vocab_size=vocab, units=units, embed=units))
    model.init_weights(np.random.default_rng(0))
    words = Vocabulary([UNK] + [f"t{i}" for i in range(vocab - 1)])
    return Predictor(model, words, CharTokenizer(), cache=cache or CacheSettings(0))


def reference_latency(vocab: int, units: int, tokens: np.ndarray) -> list[float]:
    np.random.seed(0)
    model = RNNForLM(vocab, units)
    times = []
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        for token in tokens:
            start = time.perf_counter()
            y = F.softmax(model(np.array([token], dtype=np.int32))).array[0]
            top = np.argpartition(-y, 5)[:5]
            top[np.argsort(-y[top])]
            times.append(time.perf_counter() - start)
    return times


def project_latency(predictor: Predictor, tokens: np.ndarray) -> list[float]:
    times = []
    for token in tokens:
        start = time.perf_counter()
        predictor.feed(int(token))
        predictor.top_k(5)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--cache-sizes", type=int, nargs="*", default=[1000, 3000], help="also time the predictor with these caches")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}; python {platform.python_version()}; numpy {np.__version__}")
    print("| config V/H | BLAS threads | cores | reference p50/p99 µs | project p50/p99 µs | speed-up p99 | target p99 |")
    print("|---|---|---|---|---|---|---|")
    for name, (vocab, units) in CONFIGS.items():
        tokens = np.random.default_rng(1).integers(1, vocab, args.tokens)
        predictor = make_predictor(vocab, units)
        # Both implementations get the thread count the app gives this model's size.
        threads = keystroke_blas_threads(predictor.step_bytes)
        with use_blas_threads(threads):
            ref = percentiles(reference_latency(vocab, units, tokens)[50:])
            mine = percentiles(project_latency(predictor, tokens)[50:])
            print(f"| {name}: {vocab}/{units} | {threads} | {predictor.parts} | {ref[0]:,.0f} / {ref[1]:,.0f} | {mine[0]:,.0f} / {mine[1]:,.0f} | "
                  f"{ref[1] / mine[1]:.1f}× | ≤ {TARGET_P99_US[name]:,} |")
            for size in args.cache_sizes:
                cached = make_predictor(vocab, units, CacheSettings(size=size))
                for token in np.random.default_rng(2).integers(1, vocab, size):  # fill the cache, untimed
                    cached.feed(int(token))
                with_cache = percentiles(project_latency(cached, tokens)[50:])
                print(f"| {name} + cache {size:,} | {threads} | {cached.parts} | – | {with_cache[0]:,.0f} / {with_cache[1]:,.0f} | – | – |")


if __name__ == "__main__":
    main()

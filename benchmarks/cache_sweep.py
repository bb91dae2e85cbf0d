"""Choose the continuous cache's settings (size, θ, λ) for a trained run on held-out text.

The model runs over the text once; every setting of the grid is then scored from its stored
outputs (`neural_cache.grid_scores`), so a grid of dozens costs about as much as one `eval`.
Choose on the run's valid split, then report the chosen setting with `lstm-tui eval --split test`
(or on another file): choosing and reporting on the same text flatters the cache.

    .venv/bin/python benchmarks/cache_sweep.py --model checkpoints/RUN --split valid \
        [--sizes 500,1000,2000] [--thetas 0.1,0.3,0.5] [--mixes 0.1,0.15,0.2] [--max-tokens N] [FILE]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.runs.model_file import load_model  # noqa: E402
from lstm_tui.engine.errors import UserError  # noqa: E402
from lstm_tui.engine.eval.evaluate import held_out_ids  # noqa: E402
from lstm_tui.engine.infer.neural_cache import CacheSettings, grid_scores  # noqa: E402
from lstm_tui.engine.infer.predictor import Predictor  # noqa: E402


def _listed(kind: type) -> Callable[[str], list]:
    """An argparse type for a comma-separated list ("500,1000"): a list option cannot swallow FILE."""

    def parse(text: str) -> list:
        try:
            return [kind(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="run folder")
    parser.add_argument("--split", choices=("valid", "test"), default=None, help="the run's own held-out split")
    parser.add_argument("--sizes", type=_listed(int), default=[500, 1000, 2000], help="comma-separated (default 500,1000,2000)")
    parser.add_argument("--thetas", type=_listed(float), default=[0.1, 0.2, 0.3, 0.5], help="comma-separated (default 0.1,0.2,0.3,0.5)")
    parser.add_argument("--mixes", type=_listed(float), default=[0.05, 0.1, 0.15, 0.2, 0.3],
                        help="comma-separated (default 0.05,0.1,0.15,0.2,0.3)")
    parser.add_argument("--max-tokens", type=int, default=None, help="score only the first N targets")
    parser.add_argument("file", nargs="?", type=Path, default=None, help="held-out text (or use --split)")
    args = parser.parse_args(argv)
    try:
        grid = [CacheSettings(0)] + [CacheSettings(size, theta, mix) for size, theta, mix
                                     in itertools.product(args.sizes, args.thetas, args.mixes)]
        for settings in grid:
            settings.validate()
        saved = load_model(args.model)
        predictor = Predictor.from_saved(saved, CacheSettings(0))
        _, ids, source, _ = held_out_ids(saved, predictor, args.file, args.split, args.max_tokens)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    outputs = predictor.outputs(ids[:-1])
    fed = time.perf_counter() - started
    results = grid_scores(outputs, ids, predictor.weights.w_outt, predictor.weights.b_out, grid)
    scored = time.perf_counter() - started - fed
    char = predictor.level == "char"
    print(f"{source}: {len(ids) - 1:,} targets; model pass {fed:.1f} s, {len(grid)} settings scored in {scored:.1f} s")
    print("\n| size | θ | λ | " + ("nats/char" if char else "perplexity") + " | top-1 | top-3 | top-5 |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for settings, (nll, rank) in zip(grid, results):
        mean = float(nll.mean())
        rows.append((mean, settings, [float(np.mean(rank < k)) for k in (1, 3, 5)]))
    for mean, settings, (top1, top3, top5) in sorted(rows, key=lambda row: row[0]):
        label = ("off", "-", "-") if not settings.active else (f"{settings.size:,}", f"{settings.theta:g}", f"{settings.mix:g}")
        value = f"{mean:.4f}" if char else f"{np.exp(mean):.2f}"
        print(f"| {' | '.join(label)} | {value} | {top1:.2%} | {top3:.2%} | {top5:.2%} |")
    best_nll = min(rows, key=lambda row: row[0])[1]
    best_top3 = max(rows, key=lambda row: row[2][1])[1]
    print(f"\nbest by NLL: {best_nll}\nbest by top-3: {best_top3}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Find cells on a model: the units of both layers that follow simple features of text, with
Pearson's r over a sample of the run's held-out text (lstm_tui/engine/inspect/find_cells.py).

    .venv/bin/python benchmarks/find_cells.py --model DIR [--tokens 50000] [--top 3] [--sample FILE]

Prints a Markdown table (feature, top units with r) for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.data.corpus import read_whole_text  # noqa: E402
from lstm_tui.engine.infer.predictor import Predictor  # noqa: E402
from lstm_tui.engine.inspect.find_cells import find_cells, run_sample  # noqa: E402
from lstm_tui.engine.inspect.text_features import FEATURE_LABELS  # noqa: E402
from lstm_tui.engine.runs.model_file import load_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="run folder")
    parser.add_argument("--tokens", type=int, default=50_000, help="tokens of the sample read (default 50,000)")
    parser.add_argument("--top", type=int, default=3, help="units listed per feature")
    parser.add_argument("--sample", default=None, help="a text file to search on (default: the run's held-out text)")
    args = parser.parse_args()

    saved = load_model(args.model)
    if args.sample:
        text, name = read_whole_text(Path(args.sample))
    else:
        text, name = run_sample(saved, chars=args.tokens * 10)
    predictor = Predictor.from_saved(saved)
    started = time.perf_counter()
    search = find_cells(predictor, text, top=args.top, max_tokens=args.tokens)
    took = time.perf_counter() - started
    config = saved.config
    print(f"model {Path(args.model).name}: {saved.meta.level}, 2×{config.units}; sample: {search.tokens:,} tokens of {name}; {took:.0f} s\n")
    print("| feature | units, strongest first (Pearson's r) |")
    print("| --- | --- |")
    for feature, cells in search.by_feature.items():
        units = ", ".join(f"{c.probe.label} ({c.correlation:+.2f})" for c in cells)
        print(f"| {FEATURE_LABELS[feature]} | {units} |")
    for feature in search.absent:
        print(f"| {FEATURE_LABELS[feature]} | not in the sample |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

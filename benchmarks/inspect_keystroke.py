"""The inspector's cost per keystroke on a long text, and of a whole file.

Typing at the end of a text of --chars characters: each key is `set_text` + `advance` (the model
step, probabilities with the cache, rank, top-k and the cells kept); then an edit at the start
(everything after it redone), and a whole file through `lstm-tui inspect`'s path with its peak
memory (a child process per size, so the peaks do not mix).

    .venv/bin/python benchmarks/inspect_keystroke.py [--model DIR] [--chars 10000] [--keys 300] [--file-chars 1000000]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.inspect import Inspector  # noqa: E402
from lstm_tui.engine.runs.model_file import load_model  # noqa: E402
from lstm_tui.paths import default_model_dir  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "tinyshakespeare_first_100k.txt"


def keystrokes(folder: str, chars: int, keys: int) -> None:
    saved = load_model(folder)
    text = SAMPLE.read_text(encoding="utf-8")
    base, typed = text[:chars], text[chars : chars + keys]
    inspector = Inspector.from_saved(saved)
    started = time.perf_counter()
    inspector.update(base)
    whole = time.perf_counter() - started
    times, cpu = [], []
    for i in range(1, keys + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        inspector.set_text(base + typed[:i])
        inspector.advance()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    ms, cpu_ms = np.array(times) * 1e3, np.array(cpu) * 1e3
    print(f"model {Path(folder).name} (2×{saved.config.units}, cache {inspector.predictor.cache.size}); {platform.node()}, load {os.getloadavg()[0]:.1f}")
    print(f"whole {chars:,}-char text: {whole:.2f} s ({whole / chars * 1e6:.0f} µs a token)")
    print(f"a key at the end ({keys} keys), wall: p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, max {ms.max():.2f} ms")
    print(f"  the same in process CPU time (without the waits for a core; with any spinning worker threads): p50 {np.percentile(cpu_ms, 50):.2f} ms, "
          f"p95 {np.percentile(cpu_ms, 95):.2f} ms, max {cpu_ms.max():.2f} ms")
    started = time.perf_counter()
    inspector.set_text("X" + inspector.text)
    first_slice = inspector.advance(seconds=0.004)
    sliced = time.perf_counter() - started
    print(f"an edit at the start: advance(seconds=0.004) took {sliced * 1e3:.1f} ms for {first_slice} tokens; {inspector.pending:,} left")


def whole_file(folder: str, chars: int) -> None:
    """`lstm-tui inspect --json` on a file of `chars` characters, in a child process: time and peak memory."""
    text = SAMPLE.read_text(encoding="utf-8")
    path = Path("/tmp") / f"inspect-bench-{chars}.txt"
    path.write_text((text * (chars // len(text) + 1))[:chars], encoding="utf-8")
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-m", "lstm_tui", "inspect", "--model", folder, "--json", str(path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [line for line in child.stderr.splitlines() if line.startswith("inspecting")]
    print(f"{chars:,}-char file, --json: {took:.0f} s, peak RSS {peak:.0f} MB, {len(lines)} progress lines")
    path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(default_model_dir()))
    parser.add_argument("--chars", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--file-chars", type=int, default=0, help="also a whole file of this many characters (0: skip)")
    args = parser.parse_args()
    keystrokes(args.model, args.chars, args.keys)
    if args.file_chars:
        whole_file(args.model, args.file_chars)
    return 0


if __name__ == "__main__":
    sys.exit(main())

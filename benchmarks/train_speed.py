"""Training throughput: the project's trainer vs Chainer's examples/ptb style, configs a–d.

Each (implementation, config) runs in its own process, so its peak memory (max RSS) is its own.
The two implementations alternate for `--rounds` rounds and the table shows the medians: on a
shared machine a single back-to-back pair can differ by ±20 % from a slow spell alone.
A step is forward + backward + Adam update with gradient clipping 5, dropout off, on one BPTT
window of random tokens; tokens/s = B·T / median step time over `--steps` timed steps (after
one warm-up step).

A third row per config, "products", times only the matrix products of one project step (the same
shapes, NumPy's BLAS, nothing else): the most any arrangement of those products could reach on
this machine, however small the rest of the step. When its ratio to the reference is below a
target, that target needs fewer operations or a faster BLAS, not less overhead.

    .venv/bin/python benchmarks/train_speed.py            # all configs, 5 timed steps each
    .venv/bin/python benchmarks/train_speed.py --configs a b --steps 3
    .venv/bin/python benchmarks/train_speed.py --impls reference project pytorch   # needs torch

With `--impls ... pytorch` (PyTorch installed, e.g. `pip install torch` with the CPU build), the
issue's yardstick itself runs in the same rounds: nn.LSTM with the same sizes, step and optimizer,
so "at least PyTorch's throughput" is read on this machine instead of through the issue's ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIGS = {  # V, H, B, T
    "a": (65, 256, 64, 64),
    "b": (65, 512, 64, 100),
    "c": (10000, 200, 20, 35),
    "d": (10000, 650, 20, 35),
    "d128": (10000, 650, 128, 35),  # d at a larger batch, for GPUs (not in the table)
    "ptb": (10000, 300, 20, 35),  # the ptb-word preset's size (not in the table)
}
PYTORCH_RATIO = {"a": 2.9, "b": 2.0, "c": 4.6, "d": 4.9}  # PyTorch nn.LSTM / reference, measured in the issue (not for ptb)


def step_products(vocab: int, units: int, batch: int, bptt: int) -> list[tuple[int, int, int, int]]:
    """(repeats, M, K, N) of every matrix product in one project step (embedding = units)."""
    n, h, g = batch * bptt, units, 4 * units
    table = vocab < n  # layer 1's input projection through a V-row table (engine/embed_projection)
    rows1 = vocab if table else n
    return [
        (1, rows1, h, g), (bptt, batch, h, g), (1, n, h, g), (bptt, batch, h, g), (1, n, h, vocab),  # forward
        (1, n, vocab, h), (1, vocab, n, h),  # output: dh, dW
        (bptt, batch, g, h), (1, g, n, h), (1, n, g, h), (1, g, n, h),  # layer 2: dh_prev, dW_h, dx, dW_x
        (bptt, batch, g, h), (1, g, n, h), (1, rows1, g, h), (1, g, rows1, h),  # layer 1: dh_prev, dW_h, dx/gE, dW_x
    ]


def _result(impl: str, config: str, times: list[float]) -> dict:
    """One measurement's row: tokens/s from the median step time, and this process's peak memory."""
    _, _, batch, bptt = CONFIGS[config]
    median = statistics.median(times)
    return {"impl": impl, "config": config, "tokens_per_second": batch * bptt / median, "median_step_s": median,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure_products(config: str, steps: int) -> dict:
    """Tokens/s of the matrix products of a project step alone (see the module docstring)."""
    import numpy as np

    vocab, units, batch, bptt = CONFIGS[config]
    rng = np.random.default_rng(0)
    work = []
    for repeats, m, k, n in step_products(vocab, units, batch, bptt):
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        work.append((repeats, a, b, np.empty((m, n), dtype=np.float32)))
    flops = sum(2 * r * a.shape[0] * a.shape[1] * b.shape[1] for r, a, b, _ in work)
    times = []
    for i in range(steps + 1):
        start = time.perf_counter()
        for repeats, a, b, out in work:
            for _ in range(repeats):
                np.matmul(a, b, out=out)
        if i > 0:
            times.append(time.perf_counter() - start)
    row = _result("products", config, times)
    row["gflops"] = flops / row["median_step_s"] / 1e9
    return row


def measure_pytorch(config: str, steps: int) -> dict:
    """Tokens/s of PyTorch's nn.LSTM on the same step: the issue's yardstick, measured on this machine.

    Embedding → 2-layer nn.LSTM → Linear → cross-entropy, Adam (1e-3, Chainer's default too),
    clip_grad_norm_ 5, PyTorch's own thread count (all cores). Needs `pip install torch` (the CPU
    build); it is not a dependency of the project.
    """
    import numpy as np
    import torch

    torch.manual_seed(0)
    vocab, units, batch, bptt = CONFIGS[config]
    rng = np.random.default_rng(0)

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(vocab, units)
            self.lstm = torch.nn.LSTM(units, units, num_layers=2)
            self.out = torch.nn.Linear(units, vocab)

        def forward(self, x, state):
            h, state = self.lstm(self.embed(x), state)
            return self.out(h), state

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    state = None
    times = []
    for i in range(steps + 1):
        x = torch.from_numpy(rng.integers(0, vocab, (bptt, batch)).astype(np.int64))
        t = torch.from_numpy(rng.integers(0, vocab, (bptt, batch)).astype(np.int64))
        start = time.perf_counter()
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)  # truncated BPTT, as the reference's unchain_backward
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), t.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        if i > 0:
            times.append(time.perf_counter() - start)
    return _result("pytorch", config, times)


def measure(impl: str, config: str, steps: int, device: str) -> dict:
    import numpy as np

    if impl == "products":
        return measure_products(config, steps)
    if impl == "pytorch":
        return measure_pytorch(config, steps)

    from lstm_tui.engine.runtime.chainer_compat import chainer, optimizer_hooks, optimizers

    vocab, units, batch, bptt = CONFIGS[config]
    rng = np.random.default_rng(0)
    np.random.seed(0)
    xp = np
    if impl == "reference":
        from benchmarks.reference_ptb import RNNForLM, bptt_loss

        model = RNNForLM(vocab, units)

        def loss_of(x, t):
            return bptt_loss(model, x, t)
    else:
        from lstm_tui.engine.runtime.malloc_tuning import keep_freed_memory
        from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig

        if device == "cpu":
            keep_freed_memory()  # as headless training does (cli.main)

        model = LanguageModel(ModelConfig(vocab_size=vocab, units=units, embed=units, dropout=0.0))
        model.init_weights(rng)

        def loss_of(x, t):
            return model.loss(x, t)
    if device != "cpu":
        model.to_device(device)
        xp = model.xp
    if impl == "reference":
        optimizer = optimizers.Adam()
    else:
        from lstm_tui.engine.train.in_place_adam import FastAdam

        optimizer = FastAdam()
    optimizer.setup(model)
    optimizer.add_hook(optimizer_hooks.GradientClipping(5.0))
    times = []
    for i in range(steps + 1):
        x = xp.asarray(rng.integers(0, vocab, (bptt, batch)).astype(np.int32))
        t = xp.asarray(rng.integers(0, vocab, (bptt, batch)).astype(np.int32))
        if device != "cpu":
            chainer.get_device(device).device.synchronize()
        start = time.perf_counter()
        loss = loss_of(x, t)
        model.cleargrads()
        loss.backward()
        loss.unchain_backward()
        optimizer.update()
        if device != "cpu":
            chainer.get_device(device).device.synchronize()
        if i > 0:
            times.append(time.perf_counter() - start)
    return _result(impl, config, times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="+", default=["a", "b", "c", "d"], choices=list(CONFIGS))
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate reference and project this many times per config; report the medians")
    parser.add_argument("--device", default="cpu", help="cpu or a Chainer device such as @cupy:0")
    parser.add_argument("--impls", nargs="+", default=["reference", "project", "products"], choices=["reference", "project", "products", "pytorch"])
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--one", nargs=2, metavar=("IMPL", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], args.steps, args.device)))
        return
    results = []
    for config in args.configs:
        for round_ in range(args.rounds):  # alternating, so a slow spell of a noisy machine hits both
            for impl in args.impls:
                if impl == "products" and args.device != "cpu":
                    continue
                proc = subprocess.run(
                    [sys.executable, __file__, "--one", impl, config, "--steps", str(args.steps), "--device", args.device],
                    capture_output=True, text=True, check=True,
                )
                results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
                print(f"  round {round_ + 1}: {impl} {config}: {results[-1]['tokens_per_second']:,.0f} tokens/s", file=sys.stderr)
    summary = {}
    for r in results:
        summary.setdefault((r["impl"], r["config"]), []).append(r)
    medians = {
        key: {"tokens_per_second": statistics.median(x["tokens_per_second"] for x in runs),
              "peak_rss_mb": max(x["peak_rss_mb"] for x in runs), "all": [round(x["tokens_per_second"]) for x in runs],
              "gflops": statistics.median(x.get("gflops", 0.0) for x in runs)}
        for key, runs in summary.items()
    }
    print(f"\nmachine: {platform.machine()}, {platform.processor() or '?'}; python {platform.python_version()}; device {args.device}; "
          f"median of {args.rounds} alternating rounds, each the median of {args.steps} steps")
    with_torch = any(impl == "pytorch" for impl, _ in medians)
    torch_head = " PyTorch tok/s (÷ reference) | project ÷ PyTorch | PyTorch peak MB |" if with_torch else ""
    print("| config V/H/B/T | reference tok/s | project tok/s | ratio | ratio per round | PyTorch ratio (target) |"
          + torch_head + " reference peak MB | project peak MB | memory ratio | products alone tok/s (GFLOP/s) | products ÷ reference |")
    print("|---" * (11 + 3 * with_torch) + "|")
    for config in args.configs:
        by = {impl: medians[(impl, c)] for (impl, c) in medians if c == config}
        if "reference" not in by or "project" not in by:
            continue
        ref, mine = by["reference"], by["project"]
        v, h, b, t = CONFIGS[config]
        target = f"{PYTORCH_RATIO[config]}×" if config in PYTORCH_RATIO else "—"
        torch_cells = ""
        if with_torch:
            pt = by.get("pytorch")
            torch_cells = (
                f" {pt['tokens_per_second']:,.0f} ({pt['tokens_per_second'] / ref['tokens_per_second']:.2f}×) | "
                f"{mine['tokens_per_second'] / pt['tokens_per_second']:.2f}× | {pt['peak_rss_mb']:,.0f} |"
                if pt else " — | — | — |"
            )
        print(
            f"| {config}: {v}/{h}/{b}/{t} | {ref['tokens_per_second']:,.0f} | {mine['tokens_per_second']:,.0f} | "
            f"{mine['tokens_per_second'] / ref['tokens_per_second']:.2f}× | "
            f"{' / '.join(f'{p / r:.2f}' for p, r in zip(mine['all'], ref['all']))} | {target} |{torch_cells} "
            f"{ref['peak_rss_mb']:,.0f} | {mine['peak_rss_mb']:,.0f} | {mine['peak_rss_mb'] / ref['peak_rss_mb']:.2f}× | "
            + (f"{by['products']['tokens_per_second']:,.0f} ({by['products']['gflops']:.0f}) | "
               f"{by['products']['tokens_per_second'] / ref['tokens_per_second']:.2f}× |" if "products" in by else "— | — |")
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
